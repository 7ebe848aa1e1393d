package fuzz_test

import (
	"fmt"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// allowGetpid is a small filter: getpid (39) is allowed, everything else
// fails with EPERM.
var allowGetpid = program.Program{
	program.Stmt(program.ClassLD|program.ModeABS, 0),
	program.Jump(program.ClassJMP|program.OpJEQ, 39, 0, 1),
	program.Stmt(program.ClassRET, uint32(seccompdata.ActAllow)),
	program.Stmt(program.ClassRET, uint32(seccompdata.ActErrno)|1),
}

// Inputs are biased toward the constants a program compares with, so that
// every branch is taken.
func ExampleGenerator_Inputs() {
	g := fuzz.NewGenerator(1)
	inputs := g.Inputs(allowGetpid, 200)
	cov, _ := fuzz.MeasureCoverage(allowGetpid, inputs)
	fmt.Println("uncovered instructions:", cov.Uncovered())
	fmt.Println("distinct return values:", len(cov.Returns))
	// Output:
	// uncovered instructions: []
	// distinct return values: 2
}

// A generator's reference meaning is checked against what its program does
// in the vm. Here the "generator" forgot that the reference refuses every
// syscall above 400: CheckReference finds the inputs where they differ.
func ExampleCheckReference() {
	ref := func(d *seccompdata.Data) uint32 {
		if d.Nr == 39 {
			return uint32(seccompdata.ActAllow)
		}
		return uint32(seccompdata.ActErrno) | 1
	}
	inputs := fuzz.NewGenerator(1).Inputs(allowGetpid, 100)
	ds, err := fuzz.CheckReference(allowGetpid, inputs, ref)
	fmt.Println(len(ds), err)

	wrong := func(d *seccompdata.Data) uint32 {
		if uint32(d.Nr) > 400 {
			return uint32(seccompdata.ActKillProcess)
		}
		return ref(d)
	}
	ds, _ = fuzz.CheckReference(allowGetpid, inputs, wrong)
	fmt.Println(len(ds) > 0, ds[0].Kind)
	// Output:
	// 0 <nil>
	// true reference
}

// A Policy is a generated filter together with its meaning.
func ExamplePolicy() {
	pol := &fuzz.Policy{
		CheckArch: true, Arch: seccompdata.AuditArchX86_64, ArchMismatch: seccompdata.ActKillProcess,
		Rules: []fuzz.Rule{{Nr: 1, Action: seccompdata.ActAllow, DataFromArg: -1,
			Conds: []fuzz.Cond{{Arg: 0, Op: fuzz.OpLe, Value: 2}}}},
		Default: seccompdata.ActErrno | 1,
	}
	p := pol.Program()
	fmt.Println(verifier.Check(p, verifier.Seccomp))
	d := seccompdata.Data{Nr: 1, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{2}}
	fmt.Println(seccompdata.Action(pol.Eval(&d)))
	d.Args[0] = 1 << 32
	fmt.Println(seccompdata.Action(pol.Eval(&d)))
	// Output:
	// <nil>
	// ALLOW
	// ERRNO(1)
}

// ShrinkProgram reduces a program while a property holds, here "contains a
// division by X".
func ExampleShrinkProgram() {
	p := program.Program{
		program.Stmt(program.ClassLD|program.ModeABS, 0),
		program.Stmt(program.ClassLDX|program.ModeIMM, 7),
		program.Stmt(program.ClassALU|program.OpDIV|program.SrcX, 0),
		program.Stmt(program.ClassALU|program.OpADD, 5),
		program.Stmt(program.ClassRET|program.RvalA, 0),
	}
	small := fuzz.ShrinkProgram(p, func(q program.Program) bool {
		for _, ins := range q {
			if ins.Op == program.ClassALU|program.OpDIV|program.SrcX {
				return true
			}
		}
		return false
	})
	text, _ := program.Disassemble(small)
	fmt.Print(text)
	// Output:
	// 	div x
}
