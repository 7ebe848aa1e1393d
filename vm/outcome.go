package vm

import (
	"github.com/bpfsim/bpfsim/seccompdata"
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

// KernelOutcomeOptions returns the zero OutcomeOptions for a thread on
// release v: which syscalls bypass seccomp there
// (seccompdata.KernelVersion.UretprobeBypass, UprobeBypass).
func KernelOutcomeOptions(v seccompdata.KernelVersion) OutcomeOptions {
	return OutcomeOptions{NoUretprobeBypass: !v.UretprobeBypass(), NoUprobeBypass: !v.UprobeBypass()}
}

// Bypasses reports whether the syscall d skips seccomp entirely: uretprobe
// (335) and uprobe (336) on native x86_64, without the x32 bit
// (seccomp_uprobe_exception, consulted through the action cache in
// seccomp_run_filters, kernel/seccomp.c).
func (o OutcomeOptions) Bypasses(d *seccompdata.Data) bool {
	if d.Arch != seccompdata.AuditArchX86_64 {
		return false
	}
	return d.Nr == seccompdata.NrUretprobeX86_64 && !o.NoUretprobeBypass ||
		d.Nr == seccompdata.NrUprobeX86_64 && !o.NoUprobeBypass
}

// Result is what a stack of filters decides for one syscall and what that
// does to the calling thread.
type Result struct {
	// Ret is the value seccomp_run_filters (kernel/seccomp.c) returns for
	// the stack: the most restrictive of Rets, or exactly ALLOW
	// (0x7fff0000) when no filter returned less. A syscall that bypasses
	// seccomp still has the Ret its filters would give; Bypassed says the
	// kernel does not ask them.
	Ret uint32 `json:"ret"`
	// Rets is each filter's own return value, in install order.
	Rets []uint32 `json:"rets"`
	// Filter is the install index of the filter whose value Ret is, -1
	// when none was taken (ALLOW).
	Filter int `json:"filter"`
	// Bypassed: the syscall skips seccomp (OutcomeOptions.Bypasses), so
	// it runs whatever Ret says.
	Bypassed bool `json:"bypassed"`
	// Outcome is what the calling thread experiences.
	Outcome seccompdata.Outcome `json:"outcome"`
}

// enosys is ENOSYS on the arch of seccomp_data.arch audit: the kernel is
// built with its arch's errno numbers (arch/mips/include/uapi/asm/errno.h
// has ENOSYS 89; asm-generic has 38).
func enosys(audit uint32) seccompdata.Errno {
	if n, ok := seccompdata.ArchOf(audit).ErrnoByName("ENOSYS"); ok {
		return seccompdata.Errno(n)
	}
	return seccompdata.ENOSYS
}

// Effective is the action the kernel carries out for the return value
// ret: its action part when the kernel knows it, else KILL_PROCESS (the
// default: branch of __seccomp_filter, kernel/seccomp.c).
func Effective(ret uint32) seccompdata.Action {
	a := seccompdata.Action(ret).Kind()
	if !a.Known() {
		return seccompdata.ActKillProcess
	}
	return a
}

// Outcome returns what the thread making syscall d experiences when its
// filters return ret, following __seccomp_filter (kernel/seccomp.c). If d
// bypasses seccomp (OutcomeOptions.Bypasses), ret is ignored and the call
// runs.
func Outcome(d *seccompdata.Data, ret uint32, opts OutcomeOptions) seccompdata.Outcome {
	var r seccompdata.Outcome
	if opts.Bypasses(d) {
		r.Runs, r.Returned = true, true
		return r
	}
	data := seccompdata.Action(ret).Data()
	returns := func(v int64) {
		r.Returned, r.Return, r.Errno = true, v, seccompdata.ReturnErrno(v)
	}
	skipENOSYS := func() {
		returns(-int64(enosys(d.Arch)))
		r.Logged = opts.FilterLog // skip: seccomp_log(..., match->log)
	}
	switch Effective(ret) {
	case seccompdata.ActAllow:
		r.Runs, r.Returned = true, true
	case seccompdata.ActLog:
		r.Runs, r.Returned, r.Logged = true, true, true
	case seccompdata.ActErrno:
		// Capped at MAX_ERRNO; ERRNO|0 skips the syscall and returns 0.
		returns(-int64(min(int(data), seccompdata.MaxErrno)))
		r.Logged = opts.FilterLog
	case seccompdata.ActTrap:
		// syscall_rollback restores RAX to the syscall number, then
		// force_sig_seccomp(nr, data, false) sends SIGSYS. With SIGSYS at
		// its default disposition (or blocked or ignored, which the kernel
		// resets to default) the process dies with a core dump.
		r.Signal = seccompdata.SIGSYS
		r.Trap = &seccompdata.Trap{Signo: seccompdata.SIGSYS, Code: seccompdata.SysSeccomp, Errno: int32(data),
			CallAddr: d.InstructionPointer, Syscall: d.Nr, Arch: d.Arch}
		if opts.SIGSYSHandler {
			returns(int64(d.Nr))
		} else {
			r.Killed, r.CoreDump = seccompdata.KilledProcess, true
		}
		r.Logged = opts.FilterLog
	case seccompdata.ActTrace:
		if !opts.Tracer {
			skipENOSYS() // no PTRACE_EVENT_SECCOMP tracer
			break
		}
		r.TraceEvent = &seccompdata.TraceEvent{Message: data}
		r.Runs, r.Returned = true, true
	case seccompdata.ActUserNotif:
		if !opts.Listener {
			skipENOSYS() // seccomp_do_user_notification: no match->notif
			break
		}
		r.Notification = &seccompdata.Notification{Data: *d}
	case seccompdata.ActKillThread:
		r.Signal, r.Logged = seccompdata.SIGSYS, true
		if opts.LastThread {
			// "Dump core only if this is the last remaining thread."
			r.Killed, r.CoreDump = seccompdata.KilledProcess, true
		} else {
			r.Killed = seccompdata.KilledThread // do_exit(SIGSYS)
		}
	default:
		// KILL_PROCESS and every unknown action: core-dumping SIGSYS
		// for the whole process, logged as kill_process.
		r.Signal, r.Killed, r.CoreDump, r.Logged = seccompdata.SIGSYS, seccompdata.KilledProcess, true, true
	}
	return r
}
