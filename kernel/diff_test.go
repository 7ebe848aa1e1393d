package kernel_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

func hexProgram(p program.Program) string {
	b := make([]byte, 8*len(p))
	for i, ins := range p {
		binary.LittleEndian.PutUint16(b[8*i:], ins.Op)
		b[8*i+2], b[8*i+3] = ins.Jt, ins.Jf
		binary.LittleEndian.PutUint32(b[8*i+4:], ins.K)
	}
	return hex.EncodeToString(b)
}

// diffEval compares the vm with the kernel for p on inputs; it returns
// the number of pairs compared.
func diffEval(t *testing.T, o *kernel.Oracle, name string, p program.Program, inputs []seccompdata.Data) int {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatalf("%s: vm.Compile: %v\nprogram %s", name, err, hexProgram(p))
	}
	res, err := o.Eval(ctx, p, inputs)
	if err != nil {
		t.Fatalf("%s: Eval: %v\nprogram %s", name, err, hexProgram(p))
	}
	bad := 0
	for i := range inputs {
		w := inputs[i].Words(binary.LittleEndian)
		if got := f.RunSeccomp(&w); got != res[i].Ret {
			bad++
			if bad <= 5 {
				t.Errorf("%s: input %+v: vm %#x, kernel %#x (%v, killed %v)\nprogram %s", name, inputs[i], got, res[i].Ret, res[i].Method, res[i].Killed, hexProgram(p))
			}
		}
	}
	return len(inputs)
}

func TestDiffCorpusEval(t *testing.T) {
	o := openOracle(t)
	g := fuzz.NewGenerator(1)
	filters := corpusFilters(t)
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	sort.Strings(names)
	pairs := 0
	for _, name := range names {
		for range 25 {
			pairs += diffEval(t, o, name, filters[name], g.Inputs(filters[name], 1000))
		}
	}
	t.Logf("%d (program, input) pairs compared", pairs)
}

func TestDiffVerifierVerdict(t *testing.T) {
	o := openOracle(t)
	g := fuzz.NewGenerator(3)
	var progs []program.Program
	for _, c := range verdictCases {
		if len(c.progs) == 1 {
			progs = append(progs, c.progs[0])
		}
	}
	filters := corpusFilters(t)
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	sort.Strings(names) // the same programs every run
	for _, n := range names {
		progs = append(progs, filters[n])
		for range 500 {
			progs = append(progs, g.Mutate(filters[n]))
		}
	}
	for len(progs) < 12000 {
		if g.Intn(3) == 0 {
			progs = append(progs, g.Valid())
		} else {
			progs = append(progs, g.Invalid())
		}
	}
	accepted, bad := 0, 0
	for _, p := range progs {
		v, err := o.Verdict(ctx, []program.Program{p})
		if err != nil {
			t.Fatalf("Verdict: %v\nprogram %s", err, hexProgram(p))
		}
		ours := verifier.Check(p, verifier.Seccomp)
		var verr *verifier.Error
		switch {
		case ours == nil && v.Accepted:
			accepted++
			continue
		case ours != nil && !v.Accepted && errors.As(ours, &verr) && verr.Errno == v.Errno:
			continue
		}
		bad++
		if bad <= 10 {
			t.Errorf("kernel %v, verifier %v\nprogram %s", v, ours, hexProgram(p))
		}
	}
	t.Logf("%d programs, %d accepted, %d divergences", len(progs), accepted, bad)
}

func TestDiffGeneratedEval(t *testing.T) {
	o := openOracle(t)
	g := fuzz.NewGenerator(5)
	pairs, progs, divx := 0, 0, 0
	for progs < 300 {
		p := g.Valid()
		if verifier.Check(p, verifier.Seccomp) != nil {
			continue
		}
		hasDivX := false
		for _, ins := range p {
			hasDivX = hasDivX || ins.Op == 0x3c
		}
		if hasDivX {
			if divx >= 20 { // each killed input costs a new evaluator
				continue
			}
			divx++
		}
		progs++
		pairs += diffEval(t, o, "generated", p, g.Inputs(p, 100))
	}
	t.Logf("%d programs (%d with div x), %d pairs", progs, divx, pairs)
}
