package decision_test

import (
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// kernel618 is the kernel view the tests use, so that they do not depend
// on the machine's kernel.
var kernel618 = decision.KernelView{Version: decision.KernelVersion{Major: 6, Minor: 18}, Source: "test"}

// corpusPolicies are the four bundled real filters and the corpus samples.
func corpusPolicies(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, g := range []string{"../corpus/filters/*.bpf", "../corpus/samples/*.asm"} {
		m, err := filepath.Glob(g)
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: nothing (%v)", g, err)
		}
		paths = append(paths, m...)
	}
	return paths
}

func load(t testing.TB, path string) program.Program {
	t.Helper()
	p, _, err := program.ReadFile(path, program.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compile(t testing.TB, p program.Program) *vm.Filter {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func build(t testing.TB, stack vm.Stack, names ...string) *decision.Table {
	t.Helper()
	tb, err := decision.New(stack, decision.Options{Names: names, Kernel: kernel618})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// vmAnswer is what the vm gives for d: a filter's own value, or a stack's
// combination, with d's words in its arch's byte order.
func vmAnswer(stack vm.Stack, d *seccompdata.Data) uint32 {
	w := d.Words(seccompdata.ArchOf(d.Arch).Order)
	if len(stack) == 1 {
		return stack[0].RunSeccompPlain(&w)
	}
	ret, _ := stack.Run(&w)
	return ret
}

// accepted draws from g a program the kernel accepts: arithmetic one time
// in four, a mutated policy one time in four, else a policy.
func accepted(g *fuzz.Generator) program.Program {
	for {
		var p program.Program
		switch g.Intn(4) {
		case 0:
			p = g.Arith()
		case 1:
			p = g.Mutate(g.Valid())
		default:
			p = g.Valid()
		}
		if verifier.Check(p, verifier.Seccomp) == nil {
			return p
		}
	}
}

// fuzzSeeds gives a native fuzz target the corpus policies as the
// programs its inputs build on, and a few inputs of its own.
func fuzzSeeds(f *testing.F, name string) []program.Program {
	var seeds []program.Program
	for _, path := range corpusPolicies(f) {
		seeds = append(seeds, load(f, path))
	}
	for _, s := range []string{"", "\x00\x01", name, "\xff\xfe\xfd\xfc\x00\x00\x00\x07"} {
		f.Add([]byte(s))
	}
	return seeds
}

// fuzzTable is a fuzz case: the program and inputs data gives, and the
// table of the program, which the kernel accepts (else the case skips).
func fuzzTable(t *testing.T, data []byte, seeds []program.Program) (program.Program, []seccompdata.Data, vm.Stack, *decision.Table) {
	p, inputs := fuzz.EvalCase(data, seeds)
	if verifier.Check(p, verifier.Seccomp) != nil {
		t.Skip("the kernel rejects it")
	}
	stack := vm.Stack{compile(t, p)}
	tb, err := decision.New(stack, decision.Options{Kernel: kernel618})
	if err != nil {
		t.Fatal(err)
	}
	return p, inputs, stack, tb
}
