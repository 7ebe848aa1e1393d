package verifier_test

import (
	"errors"
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

func ExampleCheck() {
	p := program.Program{
		program.Stmt(program.ClassLD|program.SizeW|program.ModeABS, 0), // ld [0] (nr)
		program.Stmt(program.ClassALU|program.OpDIV|program.SrcK, 0),   // div #0
		program.Stmt(program.ClassRET|program.RvalA, 0),                // ret a
	}
	err := verifier.Check(p, verifier.Seccomp)
	fmt.Println(err)

	var verr *verifier.Error
	if errors.As(err, &verr) {
		fmt.Println(verr.PC, verr.Rule, verr.Errno == seccompdata.EINVAL)
	}
	// Output:
	// pc 1: division by constant zero (EINVAL)
	// 1 div-zero true
}

func ExampleCheckAll() {
	p := program.Program{
		program.Stmt(program.ClassLD|program.ModeMEM, 0),               // ld M[0], never written
		program.Stmt(program.ClassLD|program.SizeH|program.ModeABS, 0), // ldh [0], not for seccomp
		program.Stmt(program.ClassALU|program.OpLSH|program.SrcK, 32),  // lsh #32
		program.Stmt(program.ClassRET|program.RvalA, 0),                // ret a
	}
	for _, e := range verifier.CheckAll(p, verifier.Seccomp) {
		fmt.Println(e.Rule, e)
	}
	// Output:
	// shift pc 2: shift by constant 32, must be below 32 (EINVAL)
	// mem-init pc 0: M[0] may be read before it is written (EINVAL)
	// seccomp-opcode pc 1: opcode 0x28 is not allowed in seccomp filters (EINVAL)
}

func ExampleCheckStack() {
	allow := program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000)
	big := make(program.Program, program.MaxInstructions)
	for i := range big {
		big[i] = allow
	}
	// Each filter converts to 8195 eBPF instructions, so only three fit.
	stack := []program.Program{big, big, big, big}
	fmt.Println(verifier.ExpandedLen(big, verifier.Seccomp))
	fmt.Println(verifier.StackLen(stack[:3]), verifier.StackLen(stack))
	fmt.Println(verifier.CheckStack(stack))
	// Output:
	// 8195
	// 24593 32792
	// filter 3: filter path would hold 32792 ebpf instructions (8195 for this filter, 24597 for the 3 before it), more than 32768 (ENOMEM)
}

func ExampleExpandedLen() {
	p := program.Program{
		program.Stmt(program.ClassLD|program.SizeW|program.ModeABS, 0),      // ld [0]: 1
		program.Jump(program.ClassJMP|program.OpJEQ|program.SrcK, 59, 0, 1), // jeq #59, 0, 1: 1
		program.Stmt(program.ClassRET|program.RvalK, 0x00050001),            // ret #ERRNO(1): 2
		program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000),            // ret #ALLOW: 2
	}
	fmt.Println(verifier.ExpandedLen(p, verifier.Seccomp)) // 3 prologue + 6
	// Output: 9
}

func ExampleSeccompAllows() {
	for _, op := range []program.Opcode{program.LdAbsW, program.LdAbsH, program.ModK, program.XorK, program.RetX} {
		fmt.Printf("%#02x %-22v classic %-5v seccomp %v\n", op, op, verifier.ClassicAllows(op), verifier.SeccompAllows(op))
	}
	fmt.Println(len(verifier.ClassicOpcodes()), len(verifier.SeccompOpcodes()))
	// Output:
	// 0x20 BPF_LD|BPF_W|BPF_ABS   classic true  seccomp true
	// 0x28 BPF_LD|BPF_H|BPF_ABS   classic true  seccomp false
	// 0x94 BPF_ALU|BPF_MOD|BPF_K  classic true  seccomp false
	// 0xa4 BPF_ALU|BPF_XOR|BPF_K  classic true  seccomp true
	// 0x0e BPF_RET|BPF_X          classic false seccomp false
	// 49 41
}
