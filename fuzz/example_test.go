package fuzz_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
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

// A filter generator's own policy type is built from the Generator: Fill
// gives a whole value random contents (here an action of any kind, with
// bpfsim's bias toward interesting ones, and up to six arguments), and Intn
// draws single choices, so that one seed decides everything.
func ExampleGenerator_Fill() {
	type rule struct {
		Syscall string
		Action  seccompdata.Action
		Args    []uint64
	}
	g := fuzz.NewGenerator(1)
	for range 3 {
		var r rule
		g.Fill(&r)
		r.Syscall = []string{"read", "write", "openat"}[g.Intn(3)]
		fmt.Println(r.Syscall, r.Action, len(r.Args))
	}
	// Output:
	// openat KILL_THREAD 5
	// read ALLOW 0
	// write ALLOW 3
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

// ShrinkInput simplifies an input while a property holds, here "the
// filter allows it": every field the filter does not test goes to zero.
func ExampleShrinkInput() {
	f, _ := vm.Compile(allowGetpid, verifier.Seccomp)
	allowed := func(d seccompdata.Data) bool {
		w := d.Words(binary.LittleEndian)
		return seccompdata.Action(f.RunSeccomp(&w)) == seccompdata.ActAllow
	}
	d := seccompdata.Data{Nr: 39, Arch: 0xc000003e, InstructionPointer: 0x401000, Args: [6]uint64{3, 0x7fff0000}}
	fmt.Printf("%+v\n", fuzz.ShrinkInput(d, allowed))
	// Output:
	// {Nr:39 Arch:0 InstructionPointer:0 Args:[0 0 0 0 0 0]}
}

// Invalid programs sit right beside one of the kernel's validation rules
// (verifier.Rule names them); most break it, about one in four stays just
// inside.
func ExampleGenerator_Invalid() {
	g := fuzz.NewGenerator(3)
	for range 8 {
		err := verifier.Check(g.Invalid(), verifier.Seccomp)
		var ve *verifier.Error
		if errors.As(err, &ve) {
			fmt.Println("rejected:", ve.Rule)
		} else {
			fmt.Println("accepted:", err)
		}
	}
	// Output:
	// rejected: seccomp-load
	// rejected: mem-index
	// rejected: opcode
	// rejected: opcode
	// rejected: jump-range
	// rejected: seccomp-load
	// accepted: <nil>
	// rejected: seccomp-load
}

// Hex is the form a divergence reports its program in: raw little-endian
// struct sock_filter, which bpfsim's readers (and bpf_asm -c users) decode.
func ExampleHex() {
	fmt.Println(fuzz.Hex(allowGetpid))
	// Output:
	// 20000000000000001500000127000000060000000000ff7f0600000001000500
}

// The differential checks against the live kernel, and the minimisation of
// what they find. (Not run here: it needs seccomp. A test binary that opens
// the kernel must call kernel.RunChildIfRequested from TestMain.)
func ExampleCheckEval() {
	ctx := context.Background()
	k, err := kernel.Open(ctx, kernel.Options{})
	if err != nil {
		fmt.Println(err) // no seccomp here, or the kernel is stalled
		return
	}
	defer k.Close()
	g := fuzz.NewGenerator(1)
	for range 100 {
		p := g.Valid()
		if d, err := fuzz.CheckVerdict(ctx, k, p); err != nil || d != nil {
			fmt.Println(d, err)
			continue
		}
		ds, err := fuzz.CheckEval(ctx, k, p, g.Inputs(p, 64))
		if err != nil {
			fmt.Println(err)
			continue
		}
		for _, d := range ds {
			small, err := fuzz.Minimize(ctx, k, d, nil)
			fmt.Println(small, err) // a bug in bpfsim's vm: please report it
		}
	}
}

// VerdictCase and EvalCase are the derivations bpfsim's own fuzz targets
// use: the same bytes give the same program (and inputs) every time, which
// is what lets a crasher saved under testdata/fuzz be replayed.
func ExampleEvalCase() {
	data := []byte("bytes from the fuzzing engine")
	p1, in1 := fuzz.EvalCase(data, nil)
	p2, in2 := fuzz.EvalCase(data, nil)
	fmt.Println(slices.Equal(p1, p2), slices.Equal(in1, in2), len(in1) >= 1 && len(in1) <= 64)
	fmt.Println(slices.Equal(fuzz.VerdictCase(data, nil), fuzz.VerdictCase(data, nil)))
	// Output:
	// true true true
	// true
}
