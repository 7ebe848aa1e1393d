package fuzz_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// liveOracle returns the process's oracle (each fuzzing worker is one
// process), or skips t with the reason when the kernel cannot install
// seccomp filters or was wedged before the tests started.
func liveOracle(t testing.TB) *kernel.Oracle {
	t.Helper()
	return kerneltest.Shared(t)
}

// corpusPrograms reads every program of the regression corpus, the seeds
// of the mutation-based cases.
func corpusPrograms(t testing.TB) []program.Program {
	t.Helper()
	out, err := corpus.Programs("../corpus")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seedBytes are engine inputs that start the targets off in each of their
// branches.
var seedBytes = [][]byte{
	nil, {0}, {1}, {2}, {3}, {4}, {5}, {6}, {7},
	[]byte("\x00\x00\x00\x00\x00\x00\x00\x05seccomp"), []byte("\xff\xff\xff\xff\xff\xff\xff\xffpolicy"),
	[]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"),
}

// FuzzVerifierVsKernel checks that verifier.Check and the kernel agree on
// every program fuzz.VerdictCase derives from the engine's bytes: valid
// filters, programs beside each validation rule, mutations of the corpus.
func FuzzVerifierVsKernel(f *testing.F) {
	for _, b := range seedBytes {
		f.Add(b)
	}
	seeds := corpusPrograms(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := liveOracle(t)
		p := fuzz.VerdictCase(data, seeds)
		d, err := fuzz.CheckVerdict(context.Background(), o, p)
		if err != nil {
			t.Fatalf("kernel: %v\nprogram %s", err, fuzz.Hex(p))
		}
		if d != nil {
			t.Fatal(d)
		}
	})
}

// FuzzVMVsKernel checks that the vm returns what the kernel returns for
// every program and inputs fuzz.EvalCase derives from the engine's bytes.
func FuzzVMVsKernel(f *testing.F) {
	for _, b := range seedBytes {
		f.Add(b)
	}
	seeds := corpusPrograms(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := liveOracle(t)
		p, inputs := fuzz.EvalCase(data, seeds)
		ds, err := fuzz.CheckEval(context.Background(), o, p, inputs)
		var rej *kernel.RejectedError
		if errors.As(err, &rej) {
			return // the verdict target judges rejections
		}
		if errors.Is(err, kernel.ErrTooLong) {
			return // the kernel runs it, but its value cannot be read back
		}
		if err != nil {
			t.Fatalf("kernel: %v\nprogram %s", err, fuzz.Hex(p))
		}
		if len(ds) > 0 {
			t.Fatalf("%d of %d inputs diverge; first: %v", len(ds), len(inputs), ds[0])
		}
	})
}

// FuzzPolicyReference checks, without the kernel, that every generated
// Policy renders to a program the verifier accepts and whose vm results
// match Policy.Eval: bpfsim's own generator fuzzed the way the package
// offers to fuzz anyone's.
func FuzzPolicyReference(f *testing.F) {
	for _, b := range seedBytes {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := fuzz.NewGeneratorFromBytes(data)
		pol := g.Policy()
		p := pol.Program()
		ds, err := fuzz.CheckReference(p, g.Inputs(p, 32), pol.Eval)
		if err != nil {
			t.Fatalf("policy %+v: verifier: %v", pol, err)
		}
		if len(ds) > 0 {
			t.Fatalf("policy %+v: %v", pol, ds[0])
		}
	})
}
