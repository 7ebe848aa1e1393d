package vm

import (
	"encoding/binary"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// retStack builds a stack of "ret #v" filters, oldest first.
func retStack(t *testing.T, vals ...uint32) Stack {
	t.Helper()
	var s Stack
	for _, v := range vals {
		s = append(s, mustCompile(t, verifier.Seccomp, ret(v)))
	}
	return s
}

// Expected values: docs/kernel-semantics.md §5 "Combining stacked filters" (live
// rows) and seccomp_run_filters (kernel/seccomp.c).
func TestStackPrecedence(t *testing.T) {
	const (
		allow, log, trace = 0x7fff0000, 0x7ffc0000, 0x7ff00000
		notif, errno      = 0x7fc00000, 0x00050000
		trap, killThread  = 0x00030000, 0x00000000
		killProcess       = 0x80000000
	)
	tests := []struct {
		name      string
		installed []uint32 // oldest first
		want      uint32
		match     int
	}{
		{"empty stack allows", nil, allow, -1},
		{"old ERRNO|1, new ERRNO|2: errno 2 (newest wins ties)", []uint32{errno | 1, errno | 2}, errno | 2, 1},
		{"old ERRNO|2, new ERRNO|1: errno 1", []uint32{errno | 2, errno | 1}, errno | 1, 1},
		{"TRACE vs ERRNO: ERRNO", []uint32{trace | 3, errno | 1}, errno | 1, 1},
		{"ERRNO vs TRACE: ERRNO", []uint32{errno | 1, trace | 3}, errno | 1, 0},
		{"TRAP vs ERRNO: TRAP", []uint32{errno | 1, trap | 4}, trap | 4, 1},
		{"ERRNO vs TRAP: TRAP", []uint32{trap | 4, errno | 1}, trap | 4, 0},
		{"old 0xc0000000 vs new KILL_THREAD: 0xc0000000 (signed)", []uint32{0xc0000000, killThread}, 0xc0000000, 0},
		{"KILL_PROCESS beats KILL_THREAD", []uint32{killThread, killProcess}, killProcess, 1},
		{"KILL_THREAD beats TRAP", []uint32{trap, killThread}, killThread, 1},
		{"USER_NOTIF beats TRACE", []uint32{notif, trace}, notif, 0},
		{"LOG beats ALLOW", []uint32{allow, log | 9}, log | 9, 1},
		{"unknown 0x7ffe0000 beats ALLOW only", []uint32{0x7ffe0000, allow}, 0x7ffe0000, 0},
		{"LOG beats unknown 0x7ffe0000", []uint32{0x7ffe0000, log}, log, 1},
		{"unknown 0x00010000 beats ERRNO", []uint32{0x00010000, errno | 1}, 0x00010000, 0},
		{"ALLOW with data: no filter taken, data dropped", []uint32{allow | 5, allow | 6}, allow, -1},
		{"three filters, middle lowest", []uint32{errno | 1, trap, log}, trap, 1},
		{"equal ERRNO in three: newest", []uint32{errno | 1, errno | 2, errno | 3}, errno | 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := retStack(t, tt.installed...)
			var w [16]uint32
			got, match := s.Run(&w)
			if got != tt.want || match != tt.match {
				t.Errorf("Run = %#x, %d; want %#x, %d", got, match, tt.want, tt.match)
			}
		})
	}
}

// TestStackData runs filters that depend on the input.
func TestStackData(t *testing.T) {
	// old: ERRNO(EPERM) for getpid (39), allow otherwise.
	old := mustCompile(t, verifier.Seccomp,
		ld(0), jmp(program.OpJEQ, 39, 0, 1), ret(0x50001), ret(0x7fff0000))
	// new: ERRNO(9) for nr 1000, allow otherwise.
	nw := mustCompile(t, verifier.Seccomp,
		ld(0), jmp(program.OpJEQ, 1000, 0, 1), ret(0x50009), ret(0x7fff0000))
	s := Stack{old, nw}
	for _, tt := range []struct {
		nr    int32
		want  uint32
		match int
	}{
		{39, 0x50001, 0},
		{1000, 0x50009, 1},
		{0, 0x7fff0000, -1},
	} {
		d := seccompdata.Data{Nr: tt.nr, Arch: seccompdata.AuditArchX86_64}
		w := d.Words(binary.LittleEndian)
		if got, match := s.Run(&w); got != tt.want || match != tt.match {
			t.Errorf("nr %d: Run = %#x, %d; want %#x, %d", tt.nr, got, match, tt.want, tt.match)
		}
		r := s.Evaluate(&d, binary.LittleEndian, OutcomeOptions{})
		if r.Ret != tt.want || r.Filter != tt.match {
			t.Errorf("nr %d: Evaluate = %#x, filter %d; want %#x, %d", tt.nr, r.Ret, r.Filter, tt.want, tt.match)
		}
	}
}

// TestStackEvaluateBypass: uretprobe and uprobe skip every filter on 6.18
// (docs/kernel-semantics.md §5, live), even KILL_PROCESS.
func TestStackEvaluateBypass(t *testing.T) {
	s := retStack(t, 0x80000000)
	for _, tt := range []struct {
		name     string
		d        seccompdata.Data
		opts     OutcomeOptions
		bypassed bool
	}{
		{"uretprobe", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{}, true},
		{"uprobe", seccompdata.Data{Nr: seccompdata.NrUprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{}, true},
		{"334 control", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64 - 1, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{}, false},
		{"337 control", seccompdata.Data{Nr: seccompdata.NrUprobeX86_64 + 1, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{}, false},
		{"x32 bit set", seccompdata.Data{Nr: seccompdata.X32SyscallBit | seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{}, false},
		{"i386 arch", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchI386}, OutcomeOptions{}, false},
		{"uretprobe on an older kernel", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{NoUretprobeBypass: true}, false},
		{"uprobe before 6.18", seccompdata.Data{Nr: seccompdata.NrUprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{NoUprobeBypass: true}, false},
		{"uretprobe with only the uprobe bypass off", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchX86_64}, OutcomeOptions{NoUprobeBypass: true}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Evaluate(&tt.d, binary.LittleEndian, tt.opts)
			if r.Bypassed != tt.bypassed {
				t.Fatalf("Bypassed = %v, want %v", r.Bypassed, tt.bypassed)
			}
			// ret stays what the filters return; the bypass is a field
			// of its own.
			if r.Ret != 0x80000000 || r.Filter != 0 {
				t.Errorf("ret %#x from filter %d, want 0x80000000 from 0", r.Ret, r.Filter)
			}
			if tt.bypassed && (!r.Outcome.Runs || r.Outcome.Killed != seccompdata.KilledNone) {
				t.Errorf("bypassed call: %+v", r)
			}
			if !tt.bypassed && (r.Outcome.Runs || r.Outcome.Killed != seccompdata.KilledProcess) {
				t.Errorf("filtered call: %+v", r)
			}
		})
	}
	var empty Stack
	d := seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchX86_64}
	if r := empty.Evaluate(&d, binary.LittleEndian, OutcomeOptions{}); !r.Outcome.Runs || r.Bypassed || r.Filter != -1 || len(r.Rets) != 0 {
		t.Errorf("empty stack: %+v", r)
	}
}
