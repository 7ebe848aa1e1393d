package kernel

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bpfsim/bpfsim/program"
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

// Trap is the siginfo of the SIGSYS that SECCOMP_RET_TRAP forces
// (seccomp_send_sigsys, kernel/seccomp.c), as PTRACE_GETSIGINFO reports it.
type Trap struct {
	Signo    int32  // SIGSYS (31)
	Code     int32  // SYS_SECCOMP (1)
	Errno    int32  // the action's 16 data bits
	Syscall  int32  // seccomp_data.nr
	Arch     uint32 // seccomp_data.arch
	CallAddr uint64 // the address after the syscall instruction
}

// TraceEvent is what a tracer with PTRACE_O_TRACESECCOMP sees at the
// PTRACE_EVENT_SECCOMP stop of SECCOMP_RET_TRACE.
type TraceEvent struct {
	Msg     uint64 // PTRACE_GETEVENTMSG: the action's 16 data bits
	OrigRax int64  // the syscall number at the stop
	Rax     int64  // -ENOSYS at the stop
}

// Notification is the struct seccomp_notif the listener received.
type Notification struct {
	ID    uint64
	Pid   uint32 // the notifying thread, in the listener's pid namespace
	Flags uint32
	Data  seccompdata.Data
	// SendErrno is the errno of SECCOMP_IOCTL_NOTIF_SEND, 0 when the
	// reply was accepted.
	SendErrno seccompdata.Errno
}

// Observed is what really happened to the thread that made the call.
type Observed struct {
	// Install is the result of installing the stack; when not Accepted
	// the call was never made.
	Install Verdict
	// Ran is true when the thread made the call.
	Ran bool
	// Returned is true when the call returned to the thread; Return is
	// then RAX: -errno, or the value the call (or the filter) left there.
	Returned bool
	Return   int64
	// Errno is -Return when Return is in [-4095, -1], else 0.
	Errno seccompdata.Errno
	// Killed is "thread" when only the calling thread died and its process
	// went on, "process" when the whole process died, "" otherwise.
	Killed string
	// Signal is the signal the thread or process died of (SIGSYS, 31, for
	// every seccomp kill).
	Signal int
	// CoreDump is WCOREDUMP of the process's exit status. The oracle
	// disables core dumps in its helper (RLIMIT_CORE 0 and not dumpable)
	// so that no core file or core handler runs; it is therefore false
	// even for the core-dumping kills of KILL_PROCESS.
	CoreDump bool
	// Trap is the SIGSYS of a TRAP. The oracle's tracer suppresses it so
	// that the call's return can be read; without a handler the signal
	// would have killed the process.
	Trap *Trap
	// TraceEvent is set when a TRACE stopped the thread for the tracer.
	TraceEvent *TraceEvent
	// Notification is set when the listener received one.
	Notification *Notification
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
		parts = append(parts, fmt.Sprintf("trace event msg=%#x", e.Msg))
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

// Outcome installs progs, in install order, on one thread of a disposable
// helper process, has that thread make call, and reports what the kernel
// did to it: the value returned, the SIGSYS and siginfo of a TRAP, the stop
// a tracer sees for TRACE, the notification a listener receives for
// USER_NOTIF, or the death of the thread or of its process.
//
// The helper is a re-execution of the running binary (see
// RunChildIfRequested); it is killed and reaped before Outcome returns,
// whatever happened. A helper that does not finish in time is reported as
// an error that says so; a stack whose earlier filters stop the later ones
// from being installed is reported in Observed.Install when seccomp(2)
// failed, and as an error when an earlier filter killed or trapped the
// installing thread.
func Outcome(progs []program.Program, call OutcomeCall, env OutcomeEnv) (Observed, error) {
	for i, p := range progs {
		if len(p) > 0xffff {
			return Observed{}, fmt.Errorf("filter %d has %d instructions: struct sock_fprog cannot carry it", i, len(p))
		}
	}
	if env.Listener && len(progs) == 0 {
		return Observed{}, errors.New("a listener needs a filter to attach to")
	}
	return outcome(progs, call, env)
}
