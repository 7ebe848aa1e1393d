package decision_test

import (
	"errors"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
)

// FuzzTableVsVM: the table of a program the fuzzing engine chooses (a
// generated one, or a corpus filter) answers every input as the vm's plain
// interpreter does, and every witness holds. The vm only: the kernel
// comparison is the paced TestWitnessesKernel.
func FuzzTableVsVM(f *testing.F) {
	seeds := fuzzSeeds(f, "table")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, inputs, stack, tb := fuzzTable(t, data, seeds)
		for _, w := range tb.Witnesses() {
			if got := vmAnswer(stack, &w.Data); got != w.Ret {
				t.Fatalf("witness %+v: vm %#x, table %#x\n%s", w.Data, got, w.Ret, fuzz.Hex(p))
			}
		}
		for _, d := range inputs {
			if got, want := tb.Lookup(&d), vmAnswer(stack, &d); got != want {
				t.Fatalf("input %+v: table %#x, vm %#x\n%s", d, got, want, fuzz.Hex(p))
			}
		}
	})
}

// FuzzProgramVsVM: the program compiled back from the table of a program
// the fuzzing engine chooses answers every input as the vm's plain
// interpreter runs the original, and as the table does. The vm only.
func FuzzProgramVsVM(f *testing.F) {
	seeds := fuzzSeeds(f, "program")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, inputs, stack, tb := fuzzTable(t, data, seeds)
		cp, err := tb.Program()
		if errors.Is(err, decision.ErrTooLong) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, fuzz.Hex(p))
		}
		cf := compile(t, cp)
		for _, w := range tb.Witnesses() {
			inputs = append(inputs, w.Data)
		}
		for _, d := range inputs {
			got, table, want := compiledAnswer(cf, &d), tb.Lookup(&d), vmAnswer(stack, &d)
			if got != want || table != want {
				t.Fatalf("input %+v: compiled %#x, table %#x, vm %#x\n%s", d, got, table, want, fuzz.Hex(p))
			}
		}
	})
}
