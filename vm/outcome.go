package vm

import (
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Values of Result.Kills.
const (
	KillsNone    = ""
	KillsThread  = "thread"
	KillsProcess = "process"
)

// ABI numbers Outcome needs (include/uapi/linux/audit.h, asm/signal.h,
// asm-generic/siginfo.h, include/linux/err.h, uapi/linux/ptrace.h,
// arch/x86/entry/syscalls/syscall_64.tbl).
const (
	auditArchX8664     = 0xc000003e // AUDIT_ARCH_X86_64
	nrUretprobe        = 335        // x86_64 uretprobe
	nrUprobe           = 336        // x86_64 uprobe
	sigsys             = 31         // SIGSYS
	sysSeccomp         = 1          // SYS_SECCOMP, the si_code
	maxErrno           = 4095       // MAX_ERRNO
	ptraceEventSeccomp = 7          // PTRACE_EVENT_SECCOMP
	enosys             = int(seccompdata.ENOSYS)
)

// OutcomeOptions describes the circumstances of the calling thread that
// decide what a filter's return value does. The zero value is a thread
// with other live threads in its process, no tracer, no notification
// listener, no SIGSYS handler, no SECCOMP_FILTER_FLAG_LOG, on a kernel with
// both the uretprobe and the uprobe bypass (6.18).
type OutcomeOptions struct {
	// Tracer: a ptracer that set PTRACE_O_TRACESECCOMP is attached.
	Tracer bool `json:"tracer"`
	// Listener: the matching filter has a user-notification listener
	// (installed with SECCOMP_FILTER_FLAG_NEW_LISTENER, fd still open).
	Listener bool `json:"listener"`
	// LastThread: the thread is the last live thread of its process, so
	// KILL_THREAD kills the process with a core dump. The default assumes
	// other threads are alive.
	LastThread bool `json:"last_thread"`
	// SIGSYSHandler: the thread has a SIGSYS handler and SIGSYS is neither
	// blocked nor ignored. Without one, TRAP's SIGSYS takes its default
	// action and kills the process with a core dump.
	SIGSYSHandler bool `json:"sigsys_handler"`
	// FilterLog: the matching filter was installed with
	// SECCOMP_FILTER_FLAG_LOG.
	FilterLog bool `json:"filter_log"`
	// NoUretprobeBypass: the kernel predates the uretprobe exception
	// (commit cf6cb56ef244, v6.14 and stable backports).
	NoUretprobeBypass bool `json:"no_uretprobe_bypass"`
	// NoUprobeBypass: the kernel predates the uprobe exception (commit
	// 89d1d8434d24, v6.18).
	NoUprobeBypass bool `json:"no_uprobe_bypass"`
}

// Bypasses reports whether the syscall d skips seccomp entirely: uretprobe
// (335) and uprobe (336) on native x86_64, without the x32 bit
// (seccomp_uprobe_exception, consulted through the action cache in
// seccomp_run_filters, kernel/seccomp.c).
func (o OutcomeOptions) Bypasses(d *seccompdata.Data) bool {
	if d.Arch != auditArchX8664 {
		return false
	}
	return d.Nr == nrUretprobe && !o.NoUretprobeBypass ||
		d.Nr == nrUprobe && !o.NoUprobeBypass
}

// Result is what a thread experiences when it makes a syscall under
// seccomp, per __seccomp_filter (kernel/seccomp.c).
type Result struct {
	// Action is the action part of Ret (Ret & SECCOMP_RET_ACTION_FULL),
	// possibly a value the kernel does not know.
	Action seccompdata.Action `json:"action"`
	// Effective is the action the kernel carries out: Action, or
	// KILL_PROCESS for an unknown action (the default: branch).
	Effective seccompdata.Action `json:"effective"`
	// Ret is the full 32-bit value the filters returned.
	Ret uint32 `json:"ret"`
	// Data is the low 16 bits of Ret (SECCOMP_RET_DATA).
	Data uint16 `json:"data"`
	// Filter is the install index of the filter whose value was taken, or
	// -1 when none was (ALLOW, bypass) or when not known (Outcome alone).
	Filter int `json:"filter"`
	// Bypassed: the syscall skipped seccomp and no filter ran.
	Bypassed bool `json:"bypassed"`
	// Runs: the syscall executes. For TRACE with a tracer this assumes the
	// tracer resumes without changes; for USER_NOTIF with a listener the
	// supervisor decides and Runs is false.
	Runs bool `json:"runs"`
	// Errno is the errno the syscall returns to its caller when skipped,
	// 0 if none.
	Errno int `json:"errno"`
	// ReturnValue is what RAX holds after a skipped syscall: -errno for
	// ERRNO and for the ENOSYS cases, the syscall number for TRAP
	// (syscall_rollback), 0 otherwise.
	ReturnValue int64 `json:"return_value"`
	// Signal is SIGSYS (31) for TRAP and for the kills (for a thread-only
	// kill it is the exit code given to do_exit, not a delivered signal),
	// else 0.
	Signal int `json:"signal"`
	// Kills is KillsNone, KillsThread or KillsProcess.
	Kills string `json:"kills"`
	// CoreDump: the kernel requests a core dump (written if RLIMIT_CORE
	// and core_pattern allow).
	CoreDump bool `json:"core_dump"`
	// Trap is the SIGSYS siginfo of a TRAP, nil otherwise.
	Trap *TrapInfo `json:"trap,omitempty"`
	// TraceEvent is the ptrace stop of a TRACE with a tracer, nil
	// otherwise.
	TraceEvent *TraceEvent `json:"trace_event,omitempty"`
	// Notify: USER_NOTIF with a listener; a seccomp_notif is sent and the
	// supervisor's reply decides: SECCOMP_USER_NOTIF_FLAG_CONTINUE runs
	// the syscall, otherwise it returns error ?: val.
	Notify bool `json:"notify"`
	// Logged: seccomp_log emits an audit record with the default
	// actions_logged sysctl. Where the outcome depends on the tracer or
	// supervisor (TRACE with a tracer, USER_NOTIF with a listener) this is
	// false; the kernel logs only if they make it skip the syscall.
	Logged bool `json:"logged"`
}

// TrapInfo is the siginfo of the SIGSYS that TRAP sends
// (seccomp_init_siginfo / force_sig_seccomp).
type TrapInfo struct {
	Signo int `json:"signo"` // SIGSYS, 31
	Code  int `json:"code"`  // SYS_SECCOMP, 1
	// Errno is si_errno: the filter's 16-bit data.
	Errno int `json:"errno"`
	// CallAddr is si_call_addr: the instruction pointer after the syscall
	// instruction, seccomp_data.instruction_pointer.
	CallAddr uint64 `json:"call_addr"`
	// Syscall is si_syscall: the syscall number.
	Syscall int32 `json:"syscall"`
	// Arch is si_arch: the AUDIT_ARCH value.
	Arch uint32 `json:"arch"`
}

// TraceEvent is the PTRACE_EVENT_SECCOMP stop of a TRACE action.
type TraceEvent struct {
	// Event is PTRACE_EVENT_SECCOMP (7).
	Event int `json:"event"`
	// Message is what PTRACE_GETEVENTMSG returns: the filter's data.
	Message uint16 `json:"message"`
	// Rerun: after the tracer resumes, the filters run again on the
	// possibly changed registers (recheck_after_trace); a second TRACE
	// then means allow. If the tracer set the syscall number to -1 the
	// syscall is skipped and returns the RAX the tracer set.
	Rerun bool `json:"rerun"`
}

// Outcome returns what the thread making syscall d experiences when its
// filters return ret, following __seccomp_filter (kernel/seccomp.c). If d
// bypasses seccomp (OutcomeOptions.Bypasses), ret is ignored. Result.Filter
// is -1; Stack.Evaluate fills it in.
func Outcome(d *seccompdata.Data, ret uint32, opts OutcomeOptions) Result {
	if opts.Bypasses(d) {
		return Result{
			Action: seccompdata.ActAllow, Effective: seccompdata.ActAllow,
			Ret: uint32(seccompdata.ActAllow), Filter: -1, Bypassed: true, Runs: true,
		}
	}
	a := seccompdata.Action(ret)
	r := Result{Action: a.Kind(), Effective: a.Kind(), Ret: ret, Data: a.Data(), Filter: -1}
	data := int(r.Data)
	skipENOSYS := func() {
		r.Errno, r.ReturnValue = enosys, -int64(enosys)
		r.Logged = opts.FilterLog // skip: seccomp_log(..., match->log)
	}
	switch r.Action {
	case seccompdata.ActAllow:
		r.Runs = true
	case seccompdata.ActLog:
		r.Runs, r.Logged = true, true
	case seccompdata.ActErrno:
		// Capped at MAX_ERRNO; ERRNO|0 skips the syscall and returns 0.
		e := min(data, maxErrno)
		r.Errno, r.ReturnValue = e, -int64(e)
		r.Logged = opts.FilterLog
	case seccompdata.ActTrap:
		// syscall_rollback restores RAX to the syscall number, then
		// force_sig_seccomp(nr, data, false) sends SIGSYS. With SIGSYS at
		// its default disposition (or blocked or ignored, which the kernel
		// resets to default) the process dies with a core dump.
		r.ReturnValue = int64(d.Nr)
		r.Signal = sigsys
		r.Trap = &TrapInfo{Signo: sigsys, Code: sysSeccomp, Errno: data,
			CallAddr: d.InstructionPointer, Syscall: d.Nr, Arch: d.Arch}
		if !opts.SIGSYSHandler {
			r.Kills, r.CoreDump = KillsProcess, true
		}
		r.Logged = opts.FilterLog
	case seccompdata.ActTrace:
		if !opts.Tracer {
			skipENOSYS() // no PTRACE_EVENT_SECCOMP tracer
			break
		}
		r.TraceEvent = &TraceEvent{Event: ptraceEventSeccomp, Message: r.Data, Rerun: true}
		r.Runs = true
	case seccompdata.ActUserNotif:
		if !opts.Listener {
			skipENOSYS() // seccomp_do_user_notification: no match->notif
			break
		}
		r.Notify = true
	case seccompdata.ActKillThread:
		r.Signal, r.Logged = sigsys, true
		if opts.LastThread {
			// "Dump core only if this is the last remaining thread."
			r.Kills, r.CoreDump = KillsProcess, true
		} else {
			r.Kills = KillsThread // do_exit(SIGSYS)
		}
	default:
		// KILL_PROCESS and every unknown action: core-dumping SIGSYS
		// for the whole process, logged as kill_process.
		r.Effective = seccompdata.ActKillProcess
		r.Signal, r.Kills, r.CoreDump, r.Logged = sigsys, KillsProcess, true, true
	}
	return r
}
