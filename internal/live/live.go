// Package live puts bpfsim's answers beside the running kernel's: it
// compares the vm's outcome model with what kernel.Outcome observed, and
// decides which inputs are safe to issue for real.
package live

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Compare lists the ways the observed outcome o differs from the model m;
// none means they agree. What the oracle cannot see is not compared: a
// core dump (its helper disables them), the audit log, and the return
// value of a call that really ran (m.Runs asks only that o ran and
// returned; kernel.Observed says when it can tell).
func Compare(m, o seccompdata.Outcome) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if o.Killed != m.Killed {
		add("killed: kernel %q, vm %q", o.Killed, m.Killed)
	}
	if m.Killed != "" && o.Signal != m.Signal {
		add("signal: kernel %d, vm %d", o.Signal, m.Signal)
	}
	switch {
	case (o.Trap == nil) != (m.Trap == nil):
		add("trap: kernel %+v, vm %+v", o.Trap, m.Trap)
	case o.Trap != nil && *o.Trap != *m.Trap:
		add("siginfo: kernel %+v, vm %+v", *o.Trap, *m.Trap)
	}
	switch {
	case (o.TraceEvent == nil) != (m.TraceEvent == nil):
		add("trace event: kernel %+v, vm %+v", o.TraceEvent, m.TraceEvent)
	case o.TraceEvent != nil && o.TraceEvent.Message != m.TraceEvent.Message:
		add("trace event message: kernel %#x, vm %#x", o.TraceEvent.Message, m.TraceEvent.Message)
	}
	if (o.Notification != nil) != (m.Notification != nil) {
		add("notification: kernel %+v, vm %+v", o.Notification, m.Notification)
	}
	switch {
	case m.Killed != "" || m.Notification != nil:
		// Kills are compared above; for a notification the reply decides.
	case m.Runs:
		if !o.Returned || !o.Runs {
			add("vm: the call runs; kernel: returned %v, %d", o.Returned, o.Return)
		}
	default:
		if !o.Returned || o.Return != m.Return {
			add("kernel: returned %v, %d; vm: skipped, returns %d", o.Returned, o.Return, m.Return)
		}
	}
	return diffs
}

// CompareRets lists the ways the kernel's return values for a stack (its
// combined ret and each filter's own rets, install order) differ from the
// vm's; none means they agree.
func CompareRets(vmRet uint32, vmRets []uint32, kRet uint32, kRets []uint32) []string {
	var diffs []string
	if len(vmRets) == 1 && len(kRets) == 1 {
		if kRets[0] != vmRets[0] {
			diffs = append(diffs, fmt.Sprintf("ret: kernel 0x%08x, bpfsim 0x%08x", kRets[0], vmRets[0]))
		}
		return diffs
	}
	for i := range min(len(vmRets), len(kRets)) {
		if kRets[i] != vmRets[i] {
			diffs = append(diffs, fmt.Sprintf("filter %d: kernel 0x%08x, bpfsim 0x%08x", i, kRets[i], vmRets[i]))
		}
	}
	if kRet != vmRet {
		diffs = append(diffs, fmt.Sprintf("stack: kernel 0x%08x, bpfsim 0x%08x", kRet, vmRet))
	}
	return diffs
}

// CompareVerdicts lists the ways the kernel's verdict k on a program or a
// stack differs from the verifier's, ours (Accepted, Errno and FailedIndex
// are compared; Denied and Reason are the kernel's own); none means they
// agree.
func CompareVerdicts(ours, k kernel.Verdict) []string {
	var diffs []string
	switch {
	case ours.Accepted != k.Accepted:
		diffs = append(diffs, fmt.Sprintf("kernel %s, bpfcheck %s", k, ours))
	case ours.Accepted:
	case ours.Errno != k.Errno || ours.FailedIndex != k.FailedIndex:
		diffs = append(diffs, fmt.Sprintf("kernel %s, bpfcheck %s", k, ours))
	}
	return diffs
}

// VerdictOf is a verifier answer (verifier.Check or CheckStack; nil for
// accepted) in the kernel's terms, ready for CompareVerdicts: the
// verifier's errno and filter index, or EINVAL at filter 0 for an error
// that is not a *verifier.Error.
func VerdictOf(err error) kernel.Verdict {
	if err == nil {
		return kernel.Verdict{Accepted: true, FailedIndex: -1}
	}
	v := kernel.Verdict{Errno: seccompdata.EINVAL}
	var verr *verifier.Error
	if errors.As(err, &verr) {
		v.Errno, v.FailedIndex = verr.Errno, verr.Filter
	}
	return v
}

// Harmless reports whether issuing nr for real on x86_64 can do no harm
// whatever the filter decides: a number no kernel implements, or getppid.
func Harmless(nr int32) bool {
	return nr == kernel.NrNonexistent || nr == seccompdata.NrGetppidX86_64
}

// SafeToIssue reports whether the outcome of d can be observed by really
// making the call under the unmodified filters, and if not, why. The call
// is made from the oracle's x86_64 thread, so only native x86_64 inputs
// (x32 included) qualify; it must not run unless it is harmless, so the
// kernel's own return value ret (from kernel.Oracle.Eval) must be an
// action that skips the syscall. kernel says which syscalls bypass seccomp
// on the kernel that would make the call (its release's rules,
// vm.KernelOutcomeOptions); the zero value, where both uretprobe and uprobe
// do, is the safe assumption when the release is not known.
func SafeToIssue(d *seccompdata.Data, ret uint32, readsIP bool, kernel vm.OutcomeOptions) (bool, string) {
	if d.Arch != seccompdata.AuditArchX86_64 {
		return false, "only x86_64 calls can be made for real"
	}
	if readsIP {
		return false, "the filter reads instruction_pointer, which a real call cannot choose"
	}
	if kernel.Bypasses(d) {
		// uretprobe and uprobe skip seccomp on x86_64
		// (seccomp_uprobe_exception, kernel/seccomp.c).
		return false, "this syscall bypasses seccomp on this kernel and would run"
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

// Observation is what Observe found for one call.
type Observation struct {
	// Outcome is what really happened; nil when the call was not made.
	Outcome *seccompdata.Outcome
	// Skipped says why the call was not made.
	Skipped string
	// Diffs lists the ways Outcome differs from the vm's model of the
	// same circumstances.
	Diffs []string
}

// Observe makes the call d for real under the unmodified stack progs when
// SafeToIssue allows it (ret is the kernel's own return value for the
// stack, from kernel.EvalStack), and compares what happened with the vm's
// model, stack, in the circumstances the oracle creates: its tracer
// suppresses TRAP's SIGSYS as a handler that leaves RAX alone would, the
// real call's instruction_pointer is the helper's, and its listener sits on
// the newest filter.
func Observe(ctx context.Context, k kernel.Kernel, progs []program.Program, stack vm.Stack, d seccompdata.Data, ret uint32, opts vm.OutcomeOptions) (Observation, error) {
	readsIP := false
	for _, p := range progs {
		readsIP = readsIP || program.ReadsInstructionPointer(p)
	}
	if ok, why := SafeToIssue(&d, ret, readsIP, opts); !ok {
		return Observation{Skipped: why}, nil
	}
	env := kernel.OutcomeEnv{Tracer: opts.Tracer, Listener: opts.Listener, SecondThread: !opts.LastThread}
	obs, err := k.Outcome(ctx, progs, kernel.OutcomeCall{Nr: d.Nr, Args: d.Args}, env)
	if err != nil {
		return Observation{}, err
	}
	if obs.Trap != nil {
		d.InstructionPointer = obs.Trap.CallAddr
	}
	opts.SIGSYSHandler = true
	// x86_64 little-endian: SafeToIssue only lets x86_64 calls through.
	m := stack.Evaluate(&d, binary.LittleEndian, opts)
	if opts.Listener && m.Filter != len(progs)-1 {
		opts.Listener = false
		m = stack.Evaluate(&d, binary.LittleEndian, opts)
	}
	return Observation{Outcome: &obs.Outcome, Diffs: Compare(m.Outcome, obs.Outcome)}, nil
}
