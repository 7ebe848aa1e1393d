// Package live puts bpfsim's answers beside the running kernel's: it
// compares the vm's outcome model with what kernel.Outcome observed, and
// decides which inputs are safe to issue for real.
package live

import (
	"fmt"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// CompareOutcome lists the ways the observed outcome o differs from the
// model m; none means they agree. ranAsExpected tells whether o is what the
// call returns when it really runs (it depends on the call). CoreDump is
// not compared: the oracle's helper disables core dumps.
func CompareOutcome(m vm.Result, o kernel.Observed, ranAsExpected bool) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if o.Killed != m.Kills {
		add("killed: kernel %q, vm %q", o.Killed, m.Kills)
	}
	if m.Kills != "" && o.Signal != m.Signal {
		add("signal: kernel %d, vm %d", o.Signal, m.Signal)
	}
	switch {
	case (o.Trap == nil) != (m.Trap == nil):
		add("trap: kernel %+v, vm %+v", o.Trap, m.Trap)
	case o.Trap != nil:
		got := vm.TrapInfo{Signo: int(o.Trap.Signo), Code: int(o.Trap.Code), Errno: int(o.Trap.Errno),
			CallAddr: o.Trap.CallAddr, Syscall: o.Trap.Syscall, Arch: o.Trap.Arch}
		if got != *m.Trap {
			add("siginfo: kernel %+v, vm %+v", got, *m.Trap)
		}
	}
	switch {
	case (o.TraceEvent == nil) != (m.TraceEvent == nil):
		add("trace event: kernel %+v, vm %+v", o.TraceEvent, m.TraceEvent)
	case o.TraceEvent != nil && o.TraceEvent.Msg != uint64(m.TraceEvent.Message):
		add("trace event message: kernel %#x, vm %#x", o.TraceEvent.Msg, m.TraceEvent.Message)
	}
	if (o.Notification != nil) != m.Notify {
		add("notification: kernel %+v, vm %v", o.Notification, m.Notify)
	}
	switch {
	case m.Kills != "" || m.Notify:
		// Kills are compared above; for a notification the reply decides.
	case m.Runs:
		if !o.Returned || !ranAsExpected {
			add("vm: the call runs; kernel: %v", o)
		}
	default:
		if !o.Returned || o.Return != m.ReturnValue || int(o.Errno) != m.Errno {
			add("kernel: %v; vm: skipped with RAX %d, errno %d", o, m.ReturnValue, m.Errno)
		}
	}
	return diffs
}

// Harmless reports whether issuing nr for real on x86_64 can do no harm
// whatever the filter decides: a number no kernel implements, or getppid.
func Harmless(nr int32) bool {
	return nr == kernel.NrNonexistent || nr == nrGetppid
}

// nrGetppid is getppid on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl).
const nrGetppid = 110

// SafeToIssue reports whether the outcome of d can be observed by really
// making the call under the unmodified filters, and if not, why. The call
// is made from the oracle's x86_64 thread, so only native x86_64 inputs
// (x32 included) qualify; it must not run unless it is harmless, so the
// kernel's own return value ret (from kernel.Oracle.Eval) must be an
// action that skips the syscall.
func SafeToIssue(d *seccompdata.Data, ret uint32, readsIP bool) (bool, string) {
	if d.Arch != x86_64 {
		return false, "only x86_64 calls can be made for real"
	}
	if readsIP {
		return false, "the filter reads instruction_pointer, which a real call cannot choose"
	}
	if d.Nr == 335 || d.Nr == 336 {
		// uretprobe and uprobe skip seccomp on x86_64
		// (seccomp_uprobe_exception, kernel/seccomp.c).
		return false, "this syscall bypasses seccomp and would run"
	}
	if Harmless(d.Nr & ^int32(seccompdata.X32SyscallBit)) {
		return true, ""
	}
	switch seccompdata.Action(ret).Kind() {
	case seccompdata.ActAllow, seccompdata.ActLog:
		return false, "the kernel would run this syscall"
	}
	return true, ""
}

// x86_64 is AUDIT_ARCH_X86_64 (include/uapi/linux/audit.h).
const x86_64 = 0xc000003e
