package decision_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/vm"
)

// longEnv makes TestProperty draw at least 1,000,000 (program, input)
// pairs instead of 20,000 (make property).
const longEnv = "BPFSIM_LONG"

// seedEnv picks another seed for the generator (default 11).
const seedEnv = "BPFSIM_SEED"

// TestProperty: for programs from the fuzz generators (policies, arithmetic
// and mutants of both) and inputs biased toward their constants, the
// table's answer is the vm's plain interpreter's, for single filters and
// for stacks of two.
func TestProperty(t *testing.T) {
	programs, perProgram := 200, 100
	if v := os.Getenv(longEnv); v != "" && v != "0" {
		programs, perProgram = 5000, 200
	}
	seed := int64(11)
	if v := os.Getenv(seedEnv); v != "" {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			t.Fatalf("%s: %v", seedEnv, err)
		}
		seed = n
	}
	g := fuzz.NewGenerator(seed)
	pairs, residualRows, tables := 0, 0, 0
	next := func() program.Program { return accepted(g) }
	for i := 0; i < programs; i++ {
		p := next()
		stack := vm.Stack{compile(t, p)}
		if i%10 == 9 {
			stack = append(stack, compile(t, next()))
		}
		tb, err := decision.New(stack, decision.Options{Kernel: kernel618})
		if err != nil {
			t.Fatalf("program %d: %v\n%s", i, err, fuzz.Hex(p))
		}
		tables++
		residualRows += tb.Residuals
		for _, w := range tb.Witnesses() {
			if got := vmAnswer(stack, &w.Data); got != w.Ret {
				t.Fatalf("program %d: witness %+v: vm %#x, table %#x\n%s", i, w.Data, got, w.Ret, stackHex(stack))
			}
		}
		for _, d := range g.Inputs(p, perProgram) {
			pairs++
			if got, want := tb.Lookup(&d), vmAnswer(stack, &d); got != want {
				t.Fatalf("program %d: input %+v: table %#x, vm %#x\n%s", i, d, got, want, stackHex(stack))
			}
		}
	}
	t.Logf("%d (program, input) pairs over %d tables agree (%d residual rows); %s=1 for %s",
		pairs, tables, residualRows, longEnv, strconv.Itoa(5000*200))
}

func stackHex(s vm.Stack) string {
	out := ""
	for i, f := range s {
		out += fmt.Sprintf("filter %d: %s\n", i, fuzz.Hex(f.Program()))
	}
	return out
}
