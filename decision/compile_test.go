package decision_test

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// compiledAnswer is what the program compiled from a table returns for d.
func compiledAnswer(f *vm.Filter, d *seccompdata.Data) uint32 {
	w := d.Words(seccompdata.ArchOf(d.Arch).Order)
	return f.RunSeccompPlain(&w)
}

// checkCompiled compiles tb back to a program (through its JSON form, as
// a table file is read) and checks it against the table and the stack on
// every witness and on inputs; it returns the program.
func checkCompiled(t *testing.T, name string, tb *decision.Table, stack vm.Stack, inputs []seccompdata.Data) program.Program {
	t.Helper()
	var buf bytes.Buffer
	if err := tb.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	rt, err := decision.Read(&buf)
	if err != nil {
		t.Fatalf("%s: reading the table back: %v", name, err)
	}
	p, err := rt.Program()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stackHex(stack))
	}
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatalf("%s: the compiled table: %v", name, err)
	}
	for _, w := range tb.Witnesses() {
		inputs = append(inputs, w.Data)
	}
	for _, d := range inputs {
		got, table, want := compiledAnswer(f, &d), rt.Lookup(&d), vmAnswer(stack, &d)
		if got != table || got != want {
			t.Fatalf("%s: input %+v: compiled %#x, table %#x, vm %#x\n%s\ncompiled:\n%s", name, d, got, table, want, stackHex(stack), fuzz.Hex(p))
		}
	}
	return p
}

// TestProgramCorpus: the programs compiled from the tables of the bundled
// filters and the corpus samples answer as the filters do.
func TestProgramCorpus(t *testing.T) {
	g := fuzz.NewGenerator(7)
	for _, path := range corpusPolicies(t) {
		p := load(t, path)
		stack := vm.Stack{compile(t, p)}
		tb := build(t, stack, path)
		cp := checkCompiled(t, path, tb, stack, g.Inputs(p, 2000))
		t.Logf("%s: %d instructions, compiled table %d", path, len(p), len(cp))
	}
}

// TestProgramProperty: for programs from the fuzz generators, single and
// stacked, the program compiled from the table answers as the table and
// the vm do.
func TestProgramProperty(t *testing.T) {
	programs, perProgram := 200, 100
	if v := os.Getenv(longEnv); v != "" && v != "0" {
		programs, perProgram = 5000, 200
	}
	g := fuzz.NewGenerator(13)
	next := func() program.Program { return accepted(g) }
	pairs, refused := 0, 0
	for i := 0; i < programs; i++ {
		p := next()
		stack := vm.Stack{compile(t, p)}
		if i%10 == 9 {
			stack = append(stack, compile(t, next()))
		}
		tb, err := decision.New(stack, decision.Options{Kernel: kernel618})
		if err != nil {
			t.Fatal(err)
		}
		if len(stack) > 1 {
			if _, err := tb.Program(); err != nil {
				refused++
				continue
			}
		}
		inputs := g.Inputs(p, perProgram)
		pairs += len(inputs)
		checkCompiled(t, "program "+strconv.Itoa(i), tb, stack, inputs)
	}
	t.Logf("%d (program, input) pairs agree; %d stacks refused (residual rows of several programs)", pairs, refused)
}
