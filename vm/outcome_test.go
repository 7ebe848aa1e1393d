package vm

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Expected values: docs/kernel-semantics.md §5 "Per action" (live rows unless
// noted) and __seccomp_filter (kernel/seccomp.c).
func TestOutcome(t *testing.T) {
	d := &seccompdata.Data{Nr: 1000, Arch: 0xc000003e, InstructionPointer: 0x401234}
	type O = seccompdata.Outcome
	trap := func(errno int32) *seccompdata.Trap {
		return &seccompdata.Trap{Signo: 31, Code: 1, Errno: errno, CallAddr: 0x401234, Syscall: 1000, Arch: 0xc000003e}
	}
	tests := []struct {
		name string
		ret  uint32
		opts OutcomeOptions
		want O
	}{
		{"ALLOW runs", 0x7fff0000, OutcomeOptions{}, O{Runs: true, Returned: true}},
		{"ALLOW with data runs, data ignored", 0x7fff1234, OutcomeOptions{}, O{Runs: true, Returned: true}},
		{"LOG runs and is logged", 0x7ffc0000, OutcomeOptions{}, O{Runs: true, Returned: true, Logged: true}},
		{"ERRNO|1 returns -EPERM", 0x00050001, OutcomeOptions{}, O{Returned: true, Return: -1, Errno: 1}},
		{"ERRNO|0x1000 is capped at 4095", 0x00051000, OutcomeOptions{}, O{Returned: true, Return: -4095, Errno: 4095}},
		{"ERRNO|0xffff is capped at 4095", 0x0005ffff, OutcomeOptions{}, O{Returned: true, Return: -4095, Errno: 4095}},
		{"ERRNO|0 skips and returns 0", 0x00050000, OutcomeOptions{}, O{Returned: true}},
		{"ERRNO with FLAG_LOG is logged", 0x00050001, OutcomeOptions{FilterLog: true}, O{Returned: true, Return: -1, Errno: 1, Logged: true}},
		{"TRAP with a handler: RAX = nr, siginfo", 0x00030042, OutcomeOptions{SIGSYSHandler: true},
			O{Returned: true, Return: 1000, Signal: 31, Trap: trap(0x42)}},
		{"TRAP without a handler kills the process with core", 0x00030000, OutcomeOptions{},
			O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Trap: trap(0)}},
		{"TRACE without a tracer: ENOSYS", 0x7ff00007, OutcomeOptions{}, O{Returned: true, Return: -38, Errno: 38}},
		{"TRACE with a tracer: message = data, runs", 0x7ff00007, OutcomeOptions{Tracer: true},
			O{Runs: true, Returned: true, TraceEvent: &seccompdata.TraceEvent{Message: 7}}},
		{"USER_NOTIF without a listener: ENOSYS", 0x7fc00000, OutcomeOptions{}, O{Returned: true, Return: -38, Errno: 38}},
		{"USER_NOTIF with a listener notifies", 0x7fc00000, OutcomeOptions{Listener: true},
			O{Notification: &seccompdata.Notification{Data: *d}}},
		{"KILL_THREAD with other threads: thread only, no core", 0x00000000, OutcomeOptions{},
			O{Signal: 31, Killed: seccompdata.KilledThread, Logged: true}},
		{"KILL_THREAD on the last thread: process with core", 0x00000000, OutcomeOptions{LastThread: true},
			O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Logged: true}},
		{"KILL_PROCESS", 0x80000000, OutcomeOptions{}, O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Logged: true}},
		{"unknown 0x00010000 acts as KILL_PROCESS", 0x00010005, OutcomeOptions{}, O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Logged: true}},
		{"unknown 0x7ffe0000 acts as KILL_PROCESS", 0x7ffe0000, OutcomeOptions{}, O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Logged: true}},
		{"unknown 0xc0000000 acts as KILL_PROCESS", 0xc0000000, OutcomeOptions{}, O{Signal: 31, Killed: seccompdata.KilledProcess, CoreDump: true, Logged: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Outcome(d, tt.ret, tt.opts)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestOutcomeBypass: on 6.18 a filter returning ERRNO|5 or KILL_PROCESS
// for nr 335 is ignored (docs/kernel-semantics.md §5, live).
func TestOutcomeBypass(t *testing.T) {
	for _, ret := range []uint32{0x00050005, 0x80000000} {
		for _, nr := range []int32{335, 336} {
			d := &seccompdata.Data{Nr: nr, Arch: 0xc000003e}
			r := Outcome(d, ret, OutcomeOptions{})
			if !r.Runs || !r.Returned || r.Errno != 0 || r.Killed != seccompdata.KilledNone {
				t.Errorf("nr %d ret %#x: %+v", nr, ret, r)
			}
		}
	}
	d := &seccompdata.Data{Nr: 334, Arch: 0xc000003e}
	if r := Outcome(d, 0x00050005, OutcomeOptions{}); r.Runs || r.Errno != 5 {
		t.Errorf("control nr 334: %+v", r)
	}
}

// TestEffective: unknown actions act as KILL_PROCESS (__seccomp_filter's
// default: branch, kernel/seccomp.c).
func TestEffective(t *testing.T) {
	for ret, want := range map[uint32]seccompdata.Action{
		0x7fff0001: seccompdata.ActAllow, 0x00050001: seccompdata.ActErrno, 0x00000000: seccompdata.ActKillThread,
		0x80000000: seccompdata.ActKillProcess, 0x00010005: seccompdata.ActKillProcess, 0x7ffe0000: seccompdata.ActKillProcess,
	} {
		if got := Effective(ret); got != want {
			t.Errorf("Effective(%#x) = %v, want %v", ret, got, want)
		}
	}
}

// TestResultJSON pins the snake_case field names of the outcome and of a
// stack's result.
func TestResultJSON(t *testing.T) {
	d := &seccompdata.Data{Nr: 1000, Arch: 0xc000003e}
	r := Result{Ret: 0x00030001, Rets: []uint32{0x00030001}, Filter: 0,
		Outcome: Outcome(d, 0x00030001, OutcomeOptions{SIGSYSHandler: true})}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ret":196609,"rets":[196609],"filter":0,"bypassed":false,"outcome":{"runs":false,"returned":true,"return":1000,` +
		`"killed":"","signal":31,"core_dump":false,"logged":false,` +
		`"trap":{"signo":31,"code":1,"errno":1,"syscall":1000,"arch":3221225534,"call_addr":0}}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

// TestOutcomeENOSYSPerArch: TRACE without a tracer and USER_NOTIF without a
// listener return -ENOSYS with the arch's own number: 89 on MIPS
// (arch/mips/include/uapi/asm/errno.h), 38 elsewhere (asm-generic).
func TestOutcomeENOSYSPerArch(t *testing.T) {
	for _, tt := range []struct {
		arch uint32
		want int64
	}{
		{0xc000003e, -38}, // x86_64
		{0x40000003, -38}, // i386
		{0xc00000b7, -38}, // aarch64
		{0x00000008, -89}, // mips
		{0x40000008, -89}, // mipsel
		{0x80000008, -89}, // mips64
		{0xc0000008, -89}, // mips64el
	} {
		d := &seccompdata.Data{Nr: 1, Arch: tt.arch}
		for _, ret := range []uint32{0x7ff00000, 0x7fc00000} {
			if got := Outcome(d, ret, OutcomeOptions{}); got.Return != tt.want || int64(got.Errno) != -tt.want {
				t.Errorf("arch %#x ret %#x: return %d errno %d, want %d", tt.arch, ret, got.Return, got.Errno, tt.want)
			}
		}
	}
}
