// Package kernel uses a live Linux kernel as an oracle for the same
// programs bpfsim reasons about, through one interface, Kernel:
//
//   - Verdict: does the kernel accept a program, or a stack of programs
//     installed in order, and with which errno does it refuse?
//   - SocketVerdict: the same for a socket filter.
//   - Eval: the kernel's exact 32-bit return value of a program for a
//     batch of seccomp_data inputs, with no syscall of the program under
//     test ever running for real.
//   - Outcome: what really happens to a thread that makes a call under a
//     stack of filters (errno, SIGSYS, tracer stop, notification, death).
//   - ReadFilters: the filters a running thread has.
//
// Open returns the host's implementation, *Oracle. It never touches the
// kernel from the calling process: every filter is created in a helper
// process (a re-execution of the running binary, see RunChildIfRequested)
// or in a process that helper starts, which the caller can abandon. A thread stuck in uninterruptible sleep
// keeps its whole process from being reaped, so it must never be one of
// the caller's. Every round trip has a deadline (Options.Timeout, else
// the BPFSIM_KERNEL_TIMEOUT environment variable, else 60s); when it
// passes, the call returns a *StallError (errors.Is(err, ErrStalled)),
// the helper is killed, and nothing waits for it without a bound.
//
// The helper paces the creation of programs with backpressure from the
// kernel (see pacer.go): heavy churn of seccomp programs can deadlock the
// BPF JIT's deferred frees on some kernels, and an oracle must never push
// a kernel there. Open probes with a short deadline first, so that a
// kernel that is already wedged is reported in one line instead of hanging
// the caller.
//
// A program that uses this package must call RunChildIfRequested at the very
// start of main (or TestMain): that call turns the re-executed copy into
// the helper.
//
// Faults can be injected for tests through the BPFSIM_KERNEL_FAULT
// environment variable, read by the helper when it starts (see
// parseFaults): "hang" (no request is ever answered, as when a seccomp(2)
// call sleeps forever), "hang-after=N", "backlog" or "backlog=DURATION"
// (the kernel reports a backlog of deferred frees), and
// "slow-create=DURATION" (every program creation takes that long).
//
// The package builds everywhere; off Linux (and, for Eval and Outcome, off
// amd64) every call returns an error wrapping ErrUnsupported.
package kernel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// ErrUnsupported is returned, wrapped, on platforms or kernels where the
// oracle cannot run.
var ErrUnsupported = errors.New("needs linux with seccomp filter support")

// Kernel is a live kernel as an oracle. Every method may be called from
// several goroutines at once, is bound by a deadline (the context's and
// the implementation's own, whichever comes first) and returns a
// *StallError when the kernel does not answer in time. Implementations:
// *Oracle, for the kernel this process runs on.
type Kernel interface {
	// Verdict reports whether the kernel accepts progs installed one
	// after the other by one thread, progs[0] first, as seccomp filters.
	// A single program is judged without attaching it anywhere; a stack
	// really installs the filters in a disposable process, where each
	// filter judges the seccomp(2) calls that install the later ones, as
	// in a real program (see Verdict.Denied).
	Verdict(ctx context.Context, progs []program.Program) (Verdict, error)
	// SocketVerdict reports whether the kernel accepts p as a socket
	// filter (SO_ATTACH_FILTER on a fresh AF_UNIX socket).
	SocketVerdict(ctx context.Context, p program.Program) (Verdict, error)
	// Eval returns the kernel's 32-bit return value of p for each input,
	// in order. p must be accepted by the kernel (else a *RejectedError),
	// and its instrumented copy must fit in 4,096 instructions (else a
	// *TooLongError, which wraps ErrTooLong). Neither error concerns the
	// Kernel: later calls work as before.
	Eval(ctx context.Context, p program.Program, inputs []seccompdata.Data) ([]EvalResult, error)
	// Outcome installs progs, in install order, on one thread of a
	// disposable process, has that thread make call, and reports what
	// the kernel did to it.
	Outcome(ctx context.Context, progs []program.Program, call OutcomeCall, env OutcomeEnv) (Observed, error)
	// ReadFilters returns the seccomp filters of thread tid, oldest first.
	ReadFilters(ctx context.Context, tid int) ([]program.Program, error)
	// IA32Emulation reports whether Eval issues i386 inputs as real i386
	// syscalls through int $0x80 (Method CompatInt80) rather than with
	// arch substituted.
	IA32Emulation(ctx context.Context) (bool, error)
	// Close releases the kernel's helpers. It is safe to call more than
	// once.
	Close() error
}

// maxStack is the most filters one verdict can stack; 1-instruction
// filters stack 3641 deep before the kernel's path limit (5 + 3640*9 <=
// 32768, seccomp_attach_filter in kernel/seccomp.c).
const maxStack = 4000

// Verdict is the kernel's answer to installing a stack of seccomp filters.
type Verdict struct {
	// Accepted is true when every filter of the stack was installed.
	Accepted bool
	// Errno is the error seccomp(2) returned for the first filter that
	// failed; 0 when accepted.
	Errno seccompdata.Errno
	// FailedIndex is the install-order index of that filter, -1 when
	// accepted.
	FailedIndex int
	// Denied is true when the seccomp(2) call that installs filter
	// FailedIndex was answered by an earlier filter of the stack (its
	// action for that syscall) rather than by the kernel's checks; Errno is
	// then the errno that filter returned, or 0 when it killed the helper
	// (Reason says which).
	Denied bool
	// Reason explains a Denied verdict; empty otherwise.
	Reason string
}

// String describes v in one line, e.g. "accepted" or "filter 1: EINVAL".
func (v Verdict) String() string {
	switch {
	case v.Accepted:
		return "accepted"
	case v.Denied:
		return fmt.Sprintf("filter %d: not installed: %s", v.FailedIndex, v.Reason)
	}
	return fmt.Sprintf("filter %d: %s", v.FailedIndex, v.Errno)
}

// Method says how an input reached the program in Eval. The zero value,
// Native, means the kernel filled every seccomp_data word the program reads
// from a real x86_64 syscall; CompatInt80 means it did so from a real i386
// syscall made with int $0x80; each other flag names a word the program
// read as a constant instead (its "ld [k]" replaced by "ld #value": same
// length, same meaning).
//
// Inputs whose arch is AUDIT_ARCH_I386 take one of two ways, and the
// method says which: CompatInt80 where the kernel runs int $0x80 (IA-32
// emulation on), else, as on kernels built without IA32_EMULATION or
// booted with it off (ia32_emulation=0, or a host that forces it off),
// where int $0x80 gets SIGSEGV, a native syscall with ArchSubstituted
// when the program reads arch. Oracle.IA32Emulation tells which way an
// oracle uses.
type Method uint8

const (
	// Native: nr, arch and args came from the real syscall.
	Native Method = 0
	// ArchSubstituted: the input's arch is not the native one and the
	// program's loads of arch read it as a constant. For i386 this is the
	// fallback used when int $0x80 faults (IA-32 emulation off).
	ArchSubstituted Method = 1 << iota
	// NrSubstituted: nr is 335 or 336 (uretprobe, uprobe), which never
	// reach a filter on x86_64 (seccomp_uprobe_exception,
	// kernel/seccomp.c); another number was issued and the program's loads
	// of nr read the wanted one as a constant.
	NrSubstituted
	// IPSubstituted: the program reads instruction_pointer, and its loads
	// read the input's value as a constant (the real one is the oracle's
	// stub).
	IPSubstituted
	// CompatInt80: the input's arch is AUDIT_ARCH_I386 and it was issued
	// as an i386 syscall through int $0x80, so the kernel itself set arch
	// and took nr (including 335 and 336, which the uprobe exception lets
	// through only for x86_64) and the full 64-bit args from EAX, RBX,
	// RCX, RDX, RSI, RDI and RBP. Only IPSubstituted can come with it.
	CompatInt80
)

// String returns "native" or the flags joined by "+", e.g.
// "arch-substituted+ip-substituted" or "compat-int80".
func (m Method) String() string {
	if m == Native {
		return "native"
	}
	var parts []string
	for _, f := range []struct {
		bit  Method
		name string
	}{{ArchSubstituted, "arch-substituted"}, {NrSubstituted, "nr-substituted"}, {IPSubstituted, "ip-substituted"}, {CompatInt80, "compat-int80"}} {
		if m&f.bit != 0 {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(parts, "+")
}

// EvalResult is the kernel's answer for one input of Eval.
type EvalResult struct {
	// Ret is the program's 32-bit return value as the kernel computed it.
	Ret uint32
	// Killed is true when the program stopped at a division by X == 0,
	// which makes the kernel's program return 0 (SECCOMP_RET_KILL_THREAD)
	// at once (bpf_convert_filter, net/core/filter.c); Ret is then 0.
	Killed bool
	// Method says how the input was presented to the program.
	Method Method
}

// RejectedError is Eval's error for a program the kernel does not accept.
type RejectedError struct {
	Verdict Verdict
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("the kernel rejects the program: %s", e.Verdict.Errno)
}
