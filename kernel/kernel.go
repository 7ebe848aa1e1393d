// Package kernel uses the running Linux kernel as an oracle for the same
// programs bpfsim reasons about:
//
//   - Verdict: does the kernel accept a program (or a stack of programs
//     installed in order), and with which errno does it refuse?
//   - Eval: the kernel's exact 32-bit return value of a program for a batch
//     of seccomp_data inputs, with no syscall of the program under test ever
//     running for real.
//
// An Oracle (Open, Close) owns the threads that do this. A filter under test
// never judges a syscall of the calling program: single-program verdicts are
// obtained without attaching anything (see Oracle.Verdict), evaluation
// programs only judge syscalls issued from the oracle's own stub on a
// dedicated thread that exits afterwards, and everything else runs in a
// re-executed child process that is always killed and reaped.
//
// A program that uses this package must call RunChildIfRequested at the very
// start of main (or TestMain): the oracle re-executes the running binary and
// that call turns the re-executed copy into the oracle's helper.
//
// The package builds everywhere; off Linux (and, for Eval, off amd64) every
// call returns an error wrapping ErrUnsupported.
package kernel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// ErrUnsupported is returned, wrapped, on platforms or kernels where the
// oracle cannot run.
var ErrUnsupported = errors.New("needs linux with seccomp filter support")

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

// InstallVerdict installs progs, in install order, as seccomp filters of one
// thread of a fresh child process and reports what seccomp(2) returned. It
// needs no Oracle, but costs a process start (about 4 ms); Oracle.Verdict
// and Oracle.VerdictStack are the fast forms.
//
// Every filter after the first is installed by a thread already under the
// earlier ones, exactly as a real program stacks them; an earlier filter
// that denies seccomp(2) itself therefore decides the verdict of the later
// ones, as it would for any program (a filter that kills the helper is
// reported as an error).
func InstallVerdict(progs []program.Program) (Verdict, error) {
	if len(progs) == 0 {
		return Verdict{}, errors.New("no program to install")
	}
	return installVerdict(progs)
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

// Oracle is a handle on the live kernel. Its methods may be called from
// several goroutines at once. Close releases its threads; no thread with a
// seccomp filter and no child process outlives it.
type Oracle struct {
	o *oracle
}

// Open starts an oracle: on Linux, a blocker thread (see Verdict) and a few
// verdict threads. It fails with an error wrapping ErrUnsupported where the
// kernel cannot install seccomp filters.
func Open() (*Oracle, error) {
	o, err := openOracle()
	if err != nil {
		return nil, err
	}
	return &Oracle{o: o}, nil
}

// Close stops the oracle's threads and waits for calls in progress. It is
// safe to call more than once.
func (o *Oracle) Close() error { return o.o.close() }

// Verdict reports whether the kernel accepts p as a seccomp filter, for a
// caller with no_new_privs (or CAP_SYS_ADMIN) that has no filter yet; if
// the whole process already runs under a seccomp filter, the kernel's path
// limit counts that filter too.
//
// Nothing is attached: p is offered with SECCOMP_FILTER_FLAG_TSYNC by a
// thread without filters while the oracle's blocker thread holds a filter
// that is no ancestor of the caller's. seccomp_set_mode_filter runs every
// check (seccomp_prepare_filter, then in seccomp_attach_filter the path
// limit) and then fails seccomp_can_sync_threads, returning the blocker's
// TID instead of attaching (kernel/seccomp.c). A TID means accepted, -errno
// rejected.
func (o *Oracle) Verdict(p program.Program) (Verdict, error) { return o.o.verdict(p) }

// VerdictStack reports whether the kernel accepts progs installed one
// after the other by one thread, progs[0] first. A stack of one program is
// answered as Verdict does; longer stacks really install the filters in a
// re-executed child, where each filter judges the seccomp(2) calls that
// install the later ones, as in a real program (see Verdict.Denied).
func (o *Oracle) VerdictStack(progs []program.Program) (Verdict, error) {
	if len(progs) == 0 {
		return Verdict{}, errors.New("no program to install")
	}
	if len(progs) == 1 {
		return o.Verdict(progs[0])
	}
	return o.o.verdictStack(progs)
}

// Eval returns the kernel's 32-bit return value of p for each input, in
// order. p must be accepted by the kernel (else a *RejectedError).
//
// The kernel runs an instrumented copy of p on real syscalls issued from
// the oracle's stub: every RET of p becomes a jump to a stub appended at
// the end that returns the value as SECCOMP_RET_ERRNO data, 12 bits per
// syscall; a prefix allows every syscall not issued from the stub, and the
// filter lives on a dedicated thread that exits afterwards. nr and the six
// args are the real registers of the syscall, so every value is possible
// (x32 numbers with 0x40000000 included); arch and instruction_pointer are
// substituted as constants where needed (EvalResult.Method). Programs that
// divide by X run in a re-executed child, because a division by zero ends
// the evaluating thread. The first i386 input makes the oracle probe for
// IA-32 emulation (see IA32Emulation); where it is on, i386 inputs are
// issued for real through int $0x80.
func (o *Oracle) Eval(p program.Program, inputs []seccompdata.Data) ([]EvalResult, error) {
	return o.o.eval(p, inputs)
}

// IA32Emulation reports whether Eval issues inputs whose arch is
// AUDIT_ARCH_I386 as real i386 syscalls through int $0x80 (EvalResult.Method
// CompatInt80), rather than as x86_64 syscalls with the program's loads of
// arch substituted (ArchSubstituted).
//
// The first call (or the first Eval with an i386 input) probes, once per
// oracle, in a re-executed child of this binary, where a fault cannot
// hurt: the child executes int $0x80 with EAX = 20 (i386 getpid). A
// SIGSEGV there means IA-32 emulation is off (the kernel has no int $0x80
// handler: idt_setup_traps, arch/x86/kernel/idt.c, installs it only when
// ia32_enabled(); under FRED fred_intx, arch/x86/entry/entry_fred.c,
// raises #GP instead): false with a nil error. Where getpid works, the
// child also checks, under a seccomp filter, that the kernel reports
// AUDIT_ARCH_I386, the full 64-bit argument registers and the addresses
// the oracle's instrumented programs expect; only then is the answer true.
// A probe that cannot run, or whose checks fail, gives false and an error
// saying why; Eval then uses the substitution.
func (o *Oracle) IA32Emulation() (bool, error) { return o.o.ia32Emulation() }
