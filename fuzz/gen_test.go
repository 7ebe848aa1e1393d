package fuzz_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

func dropper(t testing.TB) program.Program {
	t.Helper()
	p, _, err := program.ReadFile("../corpus/samples/dropper.asm", program.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConstants checks that the values inputs are built from include what
// the issue lists for a program: each compared value and its neighbours,
// the arch values, the x32 bit and x32 numbers, nr past the last syscall,
// all bits set.
func TestConstants(t *testing.T) {
	c := fuzz.Constants(dropper(t))
	x86, _ := seccompdata.LookupArch("x86_64")
	for _, want := range []uint32{109, 110, 111, 0xc000003e, 0xc000003d, 0xc000003f, 0x40000003,
		0x4000006e, seccompdata.X32SyscallBit, uint32(x86.MaxSyscall() + 1), 0xffffffff, 0x80000000, 0} {
		if _, ok := slices.BinarySearch(c, want); !ok {
			t.Errorf("Constants lacks %#x", want)
		}
	}
}

// TestInputsReachEveryBranch checks that biased inputs reach every
// instruction of the corpus samples.
func TestInputsReachEveryBranch(t *testing.T) {
	for _, f := range []string{"dropper", "trap-rw", "fancy"} {
		p, _, err := program.ReadFile("../corpus/samples/"+f+".asm", program.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cov, err := fuzz.MeasureCoverage(p, fuzz.NewGenerator(1).Inputs(p, 3000))
		if err != nil {
			t.Fatal(err)
		}
		if u := cov.Uncovered(); len(u) > 0 {
			t.Errorf("%s: instructions %v never executed", f, u)
		}
	}
}

// TestPolicyMeansWhatItSays: every rendered policy is accepted and means
// Policy.Eval, in the vm and, where seccomp is available, in the kernel.
func TestPolicyMeansWhatItSays(t *testing.T) {
	var o *kernel.Oracle
	if kernel.Available() == nil {
		o = liveOracle(t)
	}
	g := fuzz.NewGenerator(2)
	for i := range 400 {
		pol := g.Policy()
		p := pol.Program()
		in := g.Inputs(p, 64)
		ds, err := fuzz.CheckReference(p, in, pol.Eval)
		if err != nil || len(ds) > 0 {
			t.Fatalf("policy %d %+v: %v %v", i, pol, err, ds)
		}
		if o != nil && i%4 == 0 {
			ds, err := fuzz.CheckEval(context.Background(), o, p, in)
			if err != nil || len(ds) > 0 {
				t.Fatalf("policy %d: %v %v", i, err, ds)
			}
		}
	}
}

// TestInvalidCoversEveryRule checks that Invalid produces programs the
// verifier rejects for every rule a single filter can break, that about a
// quarter stay accepted, and, with seccomp, that the kernel agrees on each.
func TestInvalidCoversEveryRule(t *testing.T) {
	var o *kernel.Oracle
	if kernel.Available() == nil {
		o = liveOracle(t)
	}
	g := fuzz.NewGenerator(3)
	rules := map[verifier.Rule]int{}
	accepted := 0
	const n = 1500
	for range n {
		p := g.Invalid()
		err := verifier.Check(p, verifier.Seccomp)
		var ve *verifier.Error
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &ve):
			rules[ve.Rule]++
		}
		if o != nil {
			d, err := fuzz.CheckVerdict(context.Background(), o, p)
			if err != nil || d != nil {
				t.Fatalf("%v %v", err, d)
			}
		}
	}
	for r := verifier.RuleLength; r < verifier.RuleStackSize; r++ {
		if rules[r] == 0 {
			t.Errorf("no program broke rule %v", r)
		}
	}
	if accepted < n/10 || accepted > n/2 {
		t.Errorf("%d of %d accepted, want the edge cases to be about a quarter", accepted, n)
	}
	t.Logf("rules broken: %v; accepted: %d", rules, accepted)
}

// TestMutate checks that mutations change programs and keep their jumps
// in range when they insert or delete.
func TestMutate(t *testing.T) {
	g := fuzz.NewGenerator(4)
	p := dropper(t)
	changed := 0
	for range 500 {
		q := g.Mutate(p)
		if !slices.Equal(q, p) {
			changed++
		}
	}
	if changed < 400 {
		t.Errorf("only %d of 500 mutations changed the program", changed)
	}
}

// TestGeneratorsAreDeterministic: the same seed or bytes give the same
// programs and inputs, which replaying a crasher depends on.
func TestGeneratorsAreDeterministic(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("abc"), []byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09")} {
		p1, in1 := fuzz.EvalCase(data, nil)
		p2, in2 := fuzz.EvalCase(data, nil)
		if !slices.Equal(p1, p2) || !slices.Equal(in1, in2) {
			t.Errorf("EvalCase(%q) differs between calls", data)
		}
		if !slices.Equal(fuzz.VerdictCase(data, nil), fuzz.VerdictCase(data, nil)) {
			t.Errorf("VerdictCase(%q) differs between calls", data)
		}
	}
}
