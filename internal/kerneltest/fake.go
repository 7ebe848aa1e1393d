package kerneltest

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Fake is a kernel.Kernel that never touches the host: it answers with
// bpfsim's own verifier and vm, so that tests can pin the shapes of what
// the commands print under --live without a kernel. It is no oracle: its
// answers agree with bpfsim's by construction, except where Rets says
// otherwise.
type Fake struct {
	// Filters are what ReadFilters returns for any thread.
	Filters []program.Program
	// Override, when set, replaces Eval's answer for an input: the
	// fake kernel then disagrees with the vm.
	Override func(d seccompdata.Data, ret uint32) uint32
	// TooLong, when set, makes Eval refuse programs longer than it with
	// a *kernel.TooLongError, as the real oracle refuses programs it
	// cannot instrument.
	TooLong int
	// Release is what KernelRelease returns: the fake kernel's uname -r.
	Release string
}

// KernelRelease returns f.Release.
func (f *Fake) KernelRelease() string { return f.Release }

var _ kernel.Kernel = (*Fake)(nil)

// Verdict checks progs with verifier.CheckStack.
func (f *Fake) Verdict(ctx context.Context, progs []program.Program) (kernel.Verdict, error) {
	return live.VerdictOf(verifier.CheckStack(progs)), nil
}

// SocketVerdict checks p with the socket rules.
func (f *Fake) SocketVerdict(ctx context.Context, p program.Program) (kernel.Verdict, error) {
	return live.VerdictOf(verifier.Check(p, verifier.Socket)), nil
}

// Eval runs p in the vm on x86_64's little-endian layout, with every
// input presented natively.
func (f *Fake) Eval(ctx context.Context, p program.Program, inputs []seccompdata.Data) ([]kernel.EvalResult, error) {
	if f.TooLong > 0 && len(p) > f.TooLong {
		return nil, &kernel.TooLongError{Len: len(p), Need: len(p) + 6, Max: 4096}
	}
	flt, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return nil, &kernel.RejectedError{Verdict: live.VerdictOf(err)}
	}
	out := make([]kernel.EvalResult, len(inputs))
	for i := range inputs {
		w := inputs[i].Words(binary.LittleEndian)
		out[i].Ret = flt.RunSeccomp(&w)
		if f.Override != nil {
			out[i].Ret = f.Override(inputs[i], out[i].Ret)
		}
	}
	return out, nil
}

// Outcome predicts the call with vm.Outcome for a thread whose tracer
// suppresses TRAP's SIGSYS, as the real oracle's does.
func (f *Fake) Outcome(ctx context.Context, progs []program.Program, call kernel.OutcomeCall, env kernel.OutcomeEnv) (kernel.Observed, error) {
	stack := make(vm.Stack, len(progs))
	for i, p := range progs {
		flt, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			return kernel.Observed{Install: live.VerdictOf(err)}, nil
		}
		stack[i] = flt
	}
	d := seccompdata.Data{Nr: call.Nr, Arch: seccompdata.AuditArchX86_64, Args: call.Args, InstructionPointer: 0x401000}
	r := stack.Evaluate(&d, binary.LittleEndian, vm.OutcomeOptions{Tracer: env.Tracer, Listener: env.Listener, LastThread: !env.SecondThread, SIGSYSHandler: true})
	o := r.Outcome
	o.CoreDump = false // the oracle disables core dumps
	o.Logged = false   // and does not read the audit log
	return kernel.Observed{Install: kernel.Verdict{Accepted: true, FailedIndex: -1}, Ran: true, Outcome: o}, nil
}

// ReadFilters returns f.Filters.
func (f *Fake) ReadFilters(ctx context.Context, tid int) ([]program.Program, error) {
	if f.Filters == nil {
		return nil, fmt.Errorf("thread %d: no such thread", tid)
	}
	return f.Filters, nil
}

// IA32Emulation reports false.
func (f *Fake) IA32Emulation(ctx context.Context) (bool, error) { return false, nil }

// Close does nothing.
func (f *Fake) Close() error { return nil }
