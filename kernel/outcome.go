package kernel

import (
	"fmt"
	"strings"
	"time"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// NrNonexistent is a syscall number no x86_64 kernel implements. Allowed, it
// returns -ENOSYS and does nothing, which makes it the harmless default call
// of Outcome. getppid (110) is another harmless choice.
const NrNonexistent int32 = 1000

// OutcomeCall is the one syscall the filtered thread makes.
type OutcomeCall struct {
	// Nr is the syscall number, placed in RAX (sign-extended). The zero
	// value is read(2) with all-zero arguments, which reads nothing; use
	// NrNonexistent for a call that is harmless whatever the filter does.
	Nr int32
	// Args go to rdi, rsi, rdx, r10, r8, r9.
	Args [6]uint64
}

// NotifReply is what the listener answers a user notification with
// (struct seccomp_notif_resp). The kernel returns Error if it is nonzero,
// else Val (seccomp_do_user_notification, kernel/seccomp.c), so Error is a
// negative errno, e.g. -1 for EPERM. Continue lets the syscall run; it needs
// Val and Error to be 0.
type NotifReply struct {
	Val      int64
	Error    int32
	Continue bool
}

// OutcomeEnv is what surrounds the filtered thread.
type OutcomeEnv struct {
	// Tracer makes the oracle's tracer set PTRACE_O_TRACESECCOMP, so TRACE
	// stops the thread with PTRACE_EVENT_SECCOMP. The thread is traced in
	// every run (that is how TRAP's siginfo is read); without this option
	// the kernel treats the tracer exactly like no tracer for TRACE
	// (__seccomp_filter: ptrace_event_enabled).
	Tracer bool
	// Listener installs the newest filter with SECCOMP_FILTER_FLAG_NEW_LISTENER
	// and has another thread of the helper receive the notification and
	// send Reply.
	Listener bool
	Reply    NotifReply
	// SecondThread runs the call on a thread that is not the last live one
	// of its process. Without it the call is made by a single-threaded
	// process, so KILL_THREAD kills the whole process (__seccomp_filter).
	SecondThread bool
	// Timeout bounds the run from starting the helper to the end of the
	// call (0: 5s); a call still in the kernel then is reported as a hang.
	// Killing and reaping the helper takes at most 2s more.
	Timeout time.Duration
}

// Observed is what really happened when a thread with a stack of filters
// made one call.
type Observed struct {
	// Install is the result of installing the stack; when not Accepted
	// the call was never made.
	Install Verdict
	// Ran is true when the thread made the call.
	Ran bool
	// Outcome is what the thread experienced. The oracle's tracer
	// suppresses TRAP's SIGSYS so that the call's return can be read
	// (without a handler the signal would have killed the process), and
	// its helper disables core dumps, so CoreDump is always false. Runs is
	// set for the harmless calls whose real run the oracle can recognise:
	// NrNonexistent (-ENOSYS), getppid (a pid) and uprobe (-ENXIO).
	seccompdata.Outcome
}

// String describes o in one line, e.g. "returned -38 (errno 38)" or
// "trap si_errno=0x1234 ..., returned 1000".
func (o Observed) String() string {
	if !o.Install.Accepted {
		return "not installed: " + o.Install.String()
	}
	var parts []string
	if t := o.Trap; t != nil {
		parts = append(parts, fmt.Sprintf("SIGSYS si_code=%d si_errno=%#x si_syscall=%d si_arch=%#x si_call_addr=%#x",
			t.Code, uint32(t.Errno), t.Syscall, t.Arch, t.CallAddr))
	}
	if e := o.TraceEvent; e != nil {
		parts = append(parts, fmt.Sprintf("trace event msg=%#x", e.Message))
	}
	if n := o.Notification; n != nil {
		parts = append(parts, fmt.Sprintf("notification nr=%d pid=%d", n.Data.Nr, n.Pid))
	}
	switch {
	case o.Killed != "":
		parts = append(parts, fmt.Sprintf("%s killed by signal %d", o.Killed, o.Signal))
	case o.Returned && o.Errno != 0:
		parts = append(parts, fmt.Sprintf("returned %d (%s)", o.Return, o.Errno))
	case o.Returned:
		parts = append(parts, fmt.Sprintf("returned %d", o.Return))
	case !o.Ran:
		parts = append(parts, "call not made")
	}
	return strings.Join(parts, ", ")
}

// ranForReal reports whether o, the outcome of calling nr, is what only a
// real run of the call returns: -ENOSYS for NrNonexistent (which an ERRNO
// of ENOSYS imitates), a pid for getppid, -ENXIO for uprobe outside a
// uprobe trampoline (sys_uprobe, arch/x86/kernel/uprobes.c).
func ranForReal(nr int32, o *seccompdata.Outcome) bool {
	if !o.Returned || o.Trap != nil || o.Notification != nil {
		return false
	}
	if nr&seccompdata.X32SyscallBit != 0 && o.Return == -int64(seccompdata.ENOSYS) {
		return true // any x32 call on a kernel built without CONFIG_X86_X32_ABI
	}
	switch nr &^ seccompdata.X32SyscallBit {
	case NrNonexistent:
		return o.Return == -int64(seccompdata.ENOSYS)
	case seccompdata.NrGetppidX86_64:
		return o.Return > 0
	case seccompdata.NrUprobeX86_64:
		return o.Return == -enxio
	}
	return false
}

// enxio is ENXIO (include/uapi/asm-generic/errno-base.h).
const enxio = 6
