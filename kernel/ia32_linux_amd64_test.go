package kernel

import (
	"context"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The offsets raw_linux_amd64.s uses (its J_* defines).
func TestRawJobLayout(t *testing.T) {
	var j rawJob
	for _, f := range []struct {
		name      string
		off, want uintptr
	}{
		{"flags", unsafe.Offsetof(j.flags), 0},
		{"n", unsafe.Offsetof(j.n), 8},
		{"start", unsafe.Offsetof(j.start), 16},
		{"nsites", unsafe.Offsetof(j.nsites), 24},
		{"fprog", unsafe.Offsetof(j.fprog), 32},
		{"regs", unsafe.Offsetof(j.regs), 40},
		{"results", unsafe.Offsetof(j.results), 48},
		{"evalStack", unsafe.Offsetof(j.evalStack), 56},
		{"keeperStack", unsafe.Offsetof(j.keeperStack), 64},
		{"rlimitCore", unsafe.Offsetof(j.rlimitCore), 72},
		{"evalTid", unsafe.Offsetof(j.evalTid), 88},
		{"installed", unsafe.Offsetof(j.installed), 96},
		{"installRet", unsafe.Offsetof(j.installRet), 104},
		{"current", unsafe.Offsetof(j.current), 112},
		{"done", unsafe.Offsetof(j.done), 120},
		{"rcx", unsafe.Offsetof(j.rcx), 128},
		{"goFlag", unsafe.Offsetof(j.goFlag), 168},
		{"name", unsafe.Offsetof(j.name), 176},
		{"parent", unsafe.Offsetof(j.parent), 192},
	} {
		if f.off != f.want {
			t.Errorf("rawJob.%s at %d, the assembly says %d", f.name, f.off, f.want)
		}
	}
	if s := unsafe.Sizeof(j); s > pageSize {
		t.Errorf("rawJob is %d bytes, more than its page", s)
	}
	if s := unsafe.Sizeof(stubRegs{}); s != 56 {
		t.Errorf("stubRegs is %d bytes, the assembly says 56", s)
	}
}

// rawInt80Sites reads, without executing anything, exactly three INT
// $0x80 of the raw evaluator, in site order, at the residues the
// epilogue needs; the SYSCALL sites, found by running the evaluator
// without a filter (no program is created), are elsewhere, at the same
// residues.
func TestRawSites(t *testing.T) {
	at, err := rawInt80Sites()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSitesInCode(at, 0xcd, 0x80); err != nil {
		t.Error(err)
	}
	for s := 1; s < numSites; s++ {
		if at[s] <= at[s-1] {
			t.Errorf("int $0x80 sites out of order: %#x", at)
		}
	}
	if err := Available(); err != nil {
		t.Skipf("live kernel part skipped: %v", err)
	}
	pool := newRawPool(1)
	defer pool.close()
	sys, err := rawSyscallSites(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range at {
		for _, b := range sys {
			if a == b {
				t.Errorf("int $0x80 site %#x is also a SYSCALL site", a)
			}
		}
	}
	t.Logf("SYSCALL sites %#x, int $0x80 sites %#x", sys, at)
}

// A raw evaluator without a filter answers getpid with its own PID from
// every site, for every input from the start asked for, and a closed pool
// leaves no process behind.
func TestRawEvaluatorWithoutFilter(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("live kernel test skipped: %v", err)
	}
	regs := make([]stubRegs, 50)
	for i := range regs {
		regs[i] = stubRegs{nr: unix.SYS_GETPID, args: [6]uint64{uint64(i)}}
	}
	pool := newRawPool(2)
	res, err := pool.run(context.Background(), nil, rawRun{regs: regs, start: 10, nsites: numSites, noFilter: true})
	if err != nil {
		t.Fatal(err)
	}
	pool.close() // waits for the evaluators' disposal
	if res.next != len(regs) || len(res.rax) != len(regs)-10 || res.killed || res.pid <= 0 {
		t.Fatalf("next %d, %d answers, killed %v, pid %d", res.next, len(res.rax), res.killed, res.pid)
	}
	for i, rax := range res.rax {
		for s, r := range rax {
			if int(r) != res.pid {
				t.Fatalf("input %d site %d: %d, want %d", 10+i, s, int64(r), res.pid)
			}
		}
	}
	if err := unix.Kill(res.pid, 0); err != unix.ESRCH {
		t.Errorf("evaluator %d still there: %v", res.pid, err)
	}
	if _, err := pool.run(context.Background(), nil, rawRun{regs: regs, nsites: 1, noFilter: true}); err == nil {
		t.Error("a closed pool ran a job")
	}
}

// The probe's first stage answers through its page, whichever way the
// kernel goes: a recovered fault (IA-32 emulation off, as on the project's
// machines) or a working int $0x80.
func TestIA32ProbeHelper(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("live kernel test skipped: %v", err)
	}
	res, err := runChild("ia32", nil, ia32Words, ia32ProbeTimeout, -1)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case res[1] != 1:
		t.Errorf("helper died at stage %d", res[0])
	case res[2] == ia32Faulted:
		t.Log("int $0x80 faulted: IA-32 emulation off")
	case res[2] == ia32Works:
		t.Log("int $0x80 works")
	default:
		t.Errorf("helper answered %v", res)
	}
}
