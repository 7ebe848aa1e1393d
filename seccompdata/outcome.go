package seccompdata

// Kill scopes, the values of Outcome.Killed.
const (
	KilledNone    = ""
	KilledThread  = "thread"
	KilledProcess = "process"
)

// Outcome is what the thread that makes a syscall under seccomp
// experiences: whether the call runs, what it returns, the signal that kills
// the thread or its process, and what a tracer, a SIGSYS handler or a
// notification listener sees (__seccomp_filter, kernel/seccomp.c). It is
// the one type for that in bpfsim: vm.Outcome predicts it, the live kernel
// (kernel.Kernel.Outcome) observes it, and internal/live compares the two.
type Outcome struct {
	// Runs: the syscall executes. A prediction says so for ALLOW, LOG and
	// TRACE with a tracer (which resumes without changes). An observation
	// says so when the call returned what only a real run returns; the
	// oracle can tell that only for the harmless calls it issues
	// (getppid, and a number no kernel implements, whose ENOSYS is
	// indistinguishable from ERRNO(ENOSYS)).
	Runs bool `json:"runs"`
	// Returned: the call came back to the thread. False when the thread
	// or its process was killed, and while a supervisor holds a
	// USER_NOTIF.
	Returned bool `json:"returned"`
	// Return is RAX after the call returned: -errno for ERRNO (capped at
	// MAX_ERRNO) and for the ENOSYS of TRACE and USER_NOTIF without a
	// tracer or listener, the syscall number after TRAP
	// (syscall_rollback), 0 for ERRNO|0. For a call that runs, a
	// prediction leaves it 0 (the call decides) and an observation holds
	// what it returned.
	Return int64 `json:"return"`
	// Errno is -Return for a return in [-4095, -1], else 0. It is not in
	// the JSON, where Return says it without an arch's errno names.
	Errno Errno `json:"-"`
	// Killed is KilledNone, KilledThread (only the calling thread died,
	// with exit code SIGSYS) or KilledProcess.
	Killed string `json:"killed"`
	// Signal is SIGSYS (31) for TRAP and for the kills, else 0.
	Signal int `json:"signal"`
	// CoreDump: the kernel asks for a core dump (KILL_PROCESS, unknown
	// actions, KILL_THREAD of the last thread, TRAP without a handler).
	// The live oracle disables core dumps, so it never observes one.
	CoreDump bool `json:"core_dump"`
	// Logged: seccomp_log writes an audit record with the default
	// actions_logged sysctl. Predicted only: the oracle does not read the
	// audit log.
	Logged bool `json:"logged"`
	// Trap is the SIGSYS siginfo of a TRAP, nil otherwise.
	Trap *Trap `json:"trap,omitempty"`
	// TraceEvent is the PTRACE_EVENT_SECCOMP stop of a TRACE with a
	// tracer, nil otherwise.
	TraceEvent *TraceEvent `json:"trace_event,omitempty"`
	// Notification is the seccomp_notif a listener receives for a
	// USER_NOTIF, nil otherwise; its reply then decides the call.
	Notification *Notification `json:"notification,omitempty"`
}

// Trap is the siginfo of the SIGSYS that SECCOMP_RET_TRAP forces
// (seccomp_init_siginfo and force_sig_seccomp, kernel/seccomp.c).
type Trap struct {
	// Signo is SIGSYS (31).
	Signo int32 `json:"signo"`
	// Code is SYS_SECCOMP (1).
	Code int32 `json:"code"`
	// Errno is si_errno: the action's 16 data bits.
	Errno int32 `json:"errno"`
	// Syscall is si_syscall: seccomp_data.nr.
	Syscall int32 `json:"syscall"`
	// Arch is si_arch: seccomp_data.arch.
	Arch uint32 `json:"arch"`
	// CallAddr is si_call_addr: the address after the syscall
	// instruction, seccomp_data.instruction_pointer.
	CallAddr uint64 `json:"call_addr"`
}

// TraceEvent is what a tracer with PTRACE_O_TRACESECCOMP sees at the
// PTRACE_EVENT_SECCOMP stop of SECCOMP_RET_TRACE (__seccomp_filter). After
// the tracer resumes, the filters run again on the possibly changed
// registers (recheck_after_trace), where a second TRACE means allow.
type TraceEvent struct {
	// Message is what PTRACE_GETEVENTMSG returns: the action's 16 data
	// bits.
	Message uint16 `json:"message"`
	// OrigRax and Rax are the x86_64 registers at the stop: the syscall
	// number and -ENOSYS. Observed only.
	OrigRax int64 `json:"orig_rax,omitempty"`
	Rax     int64 `json:"rax,omitempty"`
}

// Notification is the struct seccomp_notif a listener receives for a
// USER_NOTIF (seccomp_do_user_notification, kernel/seccomp.c).
type Notification struct {
	// Data is the seccomp_data the filter saw.
	Data Data `json:"data"`
	// ID, Pid and Flags are the notification's id, the notifying thread in
	// the listener's pid namespace, and its flags; observed only.
	ID    uint64 `json:"id,omitempty"`
	Pid   uint32 `json:"pid,omitempty"`
	Flags uint32 `json:"flags,omitempty"`
	// SendErrno is the errno of SECCOMP_IOCTL_NOTIF_SEND, 0 when the
	// listener's reply was accepted; observed only.
	SendErrno Errno `json:"send_errno,omitempty"`
}
