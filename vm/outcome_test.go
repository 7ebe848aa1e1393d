package vm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Expected values: docs/kernel-semantics.md §5 "Per action" (live rows unless
// noted) and __seccomp_filter (kernel/seccomp.c).
func TestOutcome(t *testing.T) {
	d := &seccompdata.Data{Nr: 1000, Arch: 0xc000003e, InstructionPointer: 0x401234}
	allowed := seccompdata.ActAllow
	tests := []struct {
		name string
		ret  uint32
		opts OutcomeOptions
		want Result
	}{
		{"ALLOW runs", 0x7fff0000, OutcomeOptions{},
			Result{Action: allowed, Effective: allowed, Ret: 0x7fff0000, Filter: -1, Runs: true}},
		{"ALLOW with data runs, data ignored", 0x7fff1234, OutcomeOptions{},
			Result{Action: allowed, Effective: allowed, Ret: 0x7fff1234, Data: 0x1234, Filter: -1, Runs: true}},
		{"LOG runs and is logged", 0x7ffc0000, OutcomeOptions{},
			Result{Action: seccompdata.ActLog, Effective: seccompdata.ActLog, Ret: 0x7ffc0000, Filter: -1, Runs: true, Logged: true}},
		{"ERRNO|1 returns -EPERM", 0x00050001, OutcomeOptions{},
			Result{Action: seccompdata.ActErrno, Effective: seccompdata.ActErrno, Ret: 0x00050001, Data: 1, Filter: -1, Errno: 1, ReturnValue: -1}},
		{"ERRNO|0x1000 is capped at 4095", 0x00051000, OutcomeOptions{},
			Result{Action: seccompdata.ActErrno, Effective: seccompdata.ActErrno, Ret: 0x00051000, Data: 0x1000, Filter: -1, Errno: 4095, ReturnValue: -4095}},
		{"ERRNO|0xffff is capped at 4095", 0x0005ffff, OutcomeOptions{},
			Result{Action: seccompdata.ActErrno, Effective: seccompdata.ActErrno, Ret: 0x0005ffff, Data: 0xffff, Filter: -1, Errno: 4095, ReturnValue: -4095}},
		{"ERRNO|0 skips and returns 0", 0x00050000, OutcomeOptions{},
			Result{Action: seccompdata.ActErrno, Effective: seccompdata.ActErrno, Ret: 0x00050000, Filter: -1}},
		{"ERRNO with FLAG_LOG is logged", 0x00050001, OutcomeOptions{FilterLog: true},
			Result{Action: seccompdata.ActErrno, Effective: seccompdata.ActErrno, Ret: 0x00050001, Data: 1, Filter: -1, Errno: 1, ReturnValue: -1, Logged: true}},
		{"TRAP with a handler: RAX = nr, siginfo", 0x00030042, OutcomeOptions{SIGSYSHandler: true},
			Result{Action: seccompdata.ActTrap, Effective: seccompdata.ActTrap, Ret: 0x00030042, Data: 0x42, Filter: -1,
				ReturnValue: 1000, Signal: 31,
				Trap: &TrapInfo{Signo: 31, Code: 1, Errno: 0x42, CallAddr: 0x401234, Syscall: 1000, Arch: 0xc000003e}}},
		{"TRAP without a handler kills the process with core", 0x00030000, OutcomeOptions{},
			Result{Action: seccompdata.ActTrap, Effective: seccompdata.ActTrap, Ret: 0x00030000, Filter: -1,
				ReturnValue: 1000, Signal: 31, Kills: KillsProcess, CoreDump: true,
				Trap: &TrapInfo{Signo: 31, Code: 1, CallAddr: 0x401234, Syscall: 1000, Arch: 0xc000003e}}},
		{"TRACE without a tracer: ENOSYS", 0x7ff00007, OutcomeOptions{},
			Result{Action: seccompdata.ActTrace, Effective: seccompdata.ActTrace, Ret: 0x7ff00007, Data: 7, Filter: -1, Errno: 38, ReturnValue: -38}},
		{"TRACE with a tracer: event 7, message = data, re-run", 0x7ff00007, OutcomeOptions{Tracer: true},
			Result{Action: seccompdata.ActTrace, Effective: seccompdata.ActTrace, Ret: 0x7ff00007, Data: 7, Filter: -1, Runs: true,
				TraceEvent: &TraceEvent{Event: 7, Message: 7, Rerun: true}}},
		{"USER_NOTIF without a listener: ENOSYS", 0x7fc00000, OutcomeOptions{},
			Result{Action: seccompdata.ActUserNotif, Effective: seccompdata.ActUserNotif, Ret: 0x7fc00000, Filter: -1, Errno: 38, ReturnValue: -38}},
		{"USER_NOTIF with a listener notifies", 0x7fc00000, OutcomeOptions{Listener: true},
			Result{Action: seccompdata.ActUserNotif, Effective: seccompdata.ActUserNotif, Ret: 0x7fc00000, Filter: -1, Notify: true}},
		{"KILL_THREAD with other threads: thread only, no core", 0x00000000, OutcomeOptions{},
			Result{Action: seccompdata.ActKillThread, Effective: seccompdata.ActKillThread, Filter: -1, Signal: 31, Kills: KillsThread, Logged: true}},
		{"KILL_THREAD on the last thread: process with core", 0x00000000, OutcomeOptions{LastThread: true},
			Result{Action: seccompdata.ActKillThread, Effective: seccompdata.ActKillThread, Filter: -1, Signal: 31, Kills: KillsProcess, CoreDump: true, Logged: true}},
		{"KILL_PROCESS", 0x80000000, OutcomeOptions{},
			Result{Action: seccompdata.ActKillProcess, Effective: seccompdata.ActKillProcess, Ret: 0x80000000, Filter: -1, Signal: 31, Kills: KillsProcess, CoreDump: true, Logged: true}},
		{"unknown 0x00010000 acts as KILL_PROCESS", 0x00010005, OutcomeOptions{},
			Result{Action: 0x00010000, Effective: seccompdata.ActKillProcess, Ret: 0x00010005, Data: 5, Filter: -1, Signal: 31, Kills: KillsProcess, CoreDump: true, Logged: true}},
		{"unknown 0x7ffe0000 acts as KILL_PROCESS", 0x7ffe0000, OutcomeOptions{},
			Result{Action: 0x7ffe0000, Effective: seccompdata.ActKillProcess, Ret: 0x7ffe0000, Filter: -1, Signal: 31, Kills: KillsProcess, CoreDump: true, Logged: true}},
		{"unknown 0xc0000000 acts as KILL_PROCESS", 0xc0000000, OutcomeOptions{},
			Result{Action: 0xc0000000, Effective: seccompdata.ActKillProcess, Ret: 0xc0000000, Filter: -1, Signal: 31, Kills: KillsProcess, CoreDump: true, Logged: true}},
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
			if !r.Bypassed || !r.Runs || r.Errno != 0 || r.Kills != KillsNone || r.Ret != 0x7fff0000 {
				t.Errorf("nr %d ret %#x: %+v", nr, ret, r)
			}
		}
	}
	d := &seccompdata.Data{Nr: 334, Arch: 0xc000003e}
	if r := Outcome(d, 0x00050005, OutcomeOptions{}); r.Bypassed || r.Errno != 5 {
		t.Errorf("control nr 334: %+v", r)
	}
}

// TestResultJSON pins the snake_case field names.
func TestResultJSON(t *testing.T) {
	d := &seccompdata.Data{Nr: 1000, Arch: 0xc000003e}
	b, err := json.Marshal(Outcome(d, 0x00030001, OutcomeOptions{SIGSYSHandler: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"action":`, `"effective":`, `"ret":`, `"data":`, `"filter":`, `"bypassed":`,
		`"runs":`, `"errno":`, `"return_value":1000`, `"signal":31`, `"kills":""`, `"core_dump":`,
		`"trap":{"signo":31,"code":1,"errno":1,"call_addr":0,"syscall":1000,"arch":3221225534}`, `"notify":`, `"logged":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON %s lacks %s", b, key)
		}
	}
	if strings.Contains(string(b), "trace_event") {
		t.Errorf("JSON %s has an empty trace_event", b)
	}
}
