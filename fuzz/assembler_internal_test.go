package fuzz

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestInsertDeleteKeepTargets checks that insertAt and deleteAt keep every
// jump on the instruction it pointed at.
func TestInsertDeleteKeepTargets(t *testing.T) {
	ret := func(k uint32) program.Instruction { return program.Stmt(program.ClassRET, k) }
	p := program.Program{
		program.Jump(program.ClassJMP|program.OpJEQ, 1, 1, 2), // -> 2, 3
		program.Stmt(program.ClassJMP|program.OpJA, 2),        // -> 4
		ret(2), ret(3), ret(4),
	}
	tests := []struct {
		name string
		got  program.Program
		want program.Program
	}{
		{"insert before 2", insertAt(p, 2, program.Stmt(program.ClassALU|program.OpNEG, 0)), program.Program{
			program.Jump(program.ClassJMP|program.OpJEQ, 1, 2, 3), program.Stmt(program.ClassJMP|program.OpJA, 3),
			program.Stmt(program.ClassALU|program.OpNEG, 0), ret(2), ret(3), ret(4)}},
		{"delete 2", deleteAt(p, 2), program.Program{
			program.Jump(program.ClassJMP|program.OpJEQ, 1, 1, 1), program.Stmt(program.ClassJMP|program.OpJA, 1),
			ret(3), ret(4)}},
		{"delete 3", deleteAt(p, 3), program.Program{
			program.Jump(program.ClassJMP|program.OpJEQ, 1, 1, 2), program.Stmt(program.ClassJMP|program.OpJA, 1),
			ret(2), ret(4)}},
	}
	for _, tc := range tests {
		if len(tc.got) != len(tc.want) {
			t.Fatalf("%s: %d instructions, want %d", tc.name, len(tc.got), len(tc.want))
		}
		for i := range tc.want {
			if tc.got[i] != tc.want[i] {
				t.Errorf("%s: pc %d: %+v, want %+v", tc.name, i, tc.got[i], tc.want[i])
			}
		}
	}
}

// TestAssemblerTrampolines renders a policy long enough that its chain needs
// ja trampolines, and checks the result is valid and means the policy.
func TestAssemblerTrampolines(t *testing.T) {
	pol := &Policy{Default: 0x7fff0000}
	for i := range 120 {
		pol.Rules = append(pol.Rules, Rule{Nr: int32(i), Action: 0x50000 | 7, DataFromArg: -1,
			Conds: []Cond{{Arg: 0, Op: OpGe, Value: 1 << 33}, {Arg: 1, Op: OpNe, Value: 5}}})
	}
	for _, tree := range []bool{false, true} {
		pol.Tree = tree
		p := pol.Program()
		if err := verifier.Check(p, verifier.Seccomp); err != nil {
			t.Fatalf("tree=%v: %v", tree, err)
		}
		jas := 0
		for _, ins := range p {
			if ins.Op == program.ClassJMP|program.OpJA {
				jas++
			}
		}
		if jas == 0 && tree { // a chain's jumps are all short
			t.Errorf("tree=%v: %d instructions and no trampoline", tree, len(p))
		}
		g := NewGenerator(1)
		ds, err := CheckReference(p, g.Inputs(p, 2000), pol.Eval)
		if err != nil || len(ds) > 0 {
			t.Fatalf("tree=%v: %v %v", tree, err, ds)
		}
	}
}
