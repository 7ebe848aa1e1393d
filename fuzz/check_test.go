package fuzz_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// fakeKernel is a kernel with planted bugs, to test the checks and the
// minimiser without depending on a real divergence: it refuses every
// program with a tax, and its return value has bit 0 flipped when the
// program holds a neg.
type fakeKernel struct {
	kernel.Kernel // the methods the checks do not call
}

func has(p program.Program, code uint16) bool {
	for _, ins := range p {
		if ins.Op == code {
			return true
		}
	}
	return false
}

func (fakeKernel) Verdict(_ context.Context, progs []program.Program) (kernel.Verdict, error) {
	p := progs[0]
	err := verifier.Check(p, verifier.Seccomp)
	var ve *verifier.Error
	switch {
	case has(p, program.ClassMISC|program.MiscTAX):
		return kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 0}, nil
	case errors.As(err, &ve):
		return kernel.Verdict{Errno: ve.Errno, FailedIndex: 0}, nil
	}
	return kernel.Verdict{Accepted: true, FailedIndex: -1}, nil
}

func (k fakeKernel) Eval(ctx context.Context, p program.Program, in []seccompdata.Data) ([]kernel.EvalResult, error) {
	if v, _ := k.Verdict(ctx, []program.Program{p}); !v.Accepted {
		return nil, &kernel.RejectedError{Verdict: v}
	}
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return nil, err
	}
	out := make([]kernel.EvalResult, len(in))
	for i := range in {
		w := in[i].Words(seccompdata.Native().Order)
		out[i].Ret = f.RunSeccomp(&w)
		if has(p, program.ClassALU|program.OpNEG) {
			out[i].Ret ^= 1
		}
	}
	return out, nil
}

func TestCheckAndMinimize(t *testing.T) {
	g := fuzz.NewGenerator(9)
	pol := &fuzz.Policy{CheckArch: true, Arch: seccompdata.AuditArchX86_64, Default: seccompdata.ActAllow,
		Rules: []fuzz.Rule{
			{Nr: 1, Action: seccompdata.ActErrno | 5, Ret: 3, DataFromArg: -1}, // tax/txa
			{Nr: 2, Action: seccompdata.ActTrap, Ret: 4, DataFromArg: -1},      // neg
			{Nr: 3, Action: seccompdata.ActLog, DataFromArg: -1, Conds: []fuzz.Cond{{Arg: 2, Op: fuzz.OpGt, Value: 7}}},
		}}
	p := pol.Program()
	tests := []struct {
		name    string
		prog    program.Program
		kind    fuzz.Kind
		maxLen  int
		mustHas uint16
	}{
		{"verdict", p, fuzz.KindVerdict, 3, program.ClassMISC | program.MiscTAX},
	}
	for _, tc := range tests {
		d, err := fuzz.CheckVerdict(context.Background(), fakeKernel{}, tc.prog)
		if err != nil || d == nil {
			t.Fatalf("%s: CheckVerdict found nothing (%v)", tc.name, err)
		}
		m, err := fuzz.Minimize(context.Background(), fakeKernel{}, d, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(m.Program) > tc.maxLen || !has(m.Program, tc.mustHas) {
			t.Errorf("%s: minimised to %d instructions:\n%v", tc.name, len(m.Program), m)
		}
	}

	// An eval divergence, on a program without tax.
	pol.Rules[0].Ret = 0
	p = pol.Program()
	ds, err := fuzz.CheckEval(context.Background(), fakeKernel{}, p, g.Inputs(p, 50))
	if err != nil || len(ds) == 0 {
		t.Fatalf("CheckEval found nothing (%v)", err)
	}
	m, err := fuzz.Minimize(context.Background(), fakeKernel{}, ds[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Program) > 3 || !has(m.Program, program.ClassALU|program.OpNEG) || m.Input != (seccompdata.Data{}) {
		t.Errorf("eval divergence minimised to\n%v", m)
	}

	// A reference divergence: only the input shrinks.
	ref := func(d *seccompdata.Data) uint32 { return pol.Eval(d) &^ 0xffff }
	ds, err = fuzz.CheckReference(p, g.Inputs(p, 200), ref)
	if err != nil || len(ds) == 0 {
		t.Fatalf("CheckReference found nothing (%v)", err)
	}
	m, err = fuzz.Minimize(context.Background(), nil, ds[0], ref)
	if err != nil {
		t.Fatal(err)
	}
	if m.Input.Args != ([6]uint64{}) || m.Input.InstructionPointer != 0 {
		t.Errorf("reference divergence input not shrunk: %+v", m.Input)
	}
}
