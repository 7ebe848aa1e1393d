package corpus_test

import (
	"context"
	"fmt"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// A case's input is written in bpfsim's --input JSON form and read back
// unchanged, arch numbers bpfsim has no table for included.
func ExampleInputJSON() {
	d := seccompdata.Data{Nr: 110, Arch: 0xc000003e, Args: [6]uint64{0, 1 << 40}, InstructionPointer: 0x401000}
	in := corpus.InputJSON(d)
	fmt.Println(string(in))
	back, err := corpus.ParseCaseInput(in)
	fmt.Println(back == d, err)
	d.Arch = 12345
	fmt.Println(string(corpus.InputJSON(d)))
	// Output:
	// {"arch":"x86_64","nr":110,"args":["0x0","0x10000000000","0x0","0x0","0x0","0x0"],"ip":"0x401000"}
	// true <nil>
	// {"arch":12345,"nr":110,"args":["0x0","0x10000000000","0x0","0x0","0x0","0x0"],"ip":"0x401000"}
}

// Replay without a kernel checks an entry against the verifier and the vm,
// and the vm's outcome model against every recorded outcome.
func ExampleReplay() {
	e, err := corpus.ReadEntry("samples/dropper.expect.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Exp.Program, e.Exp.Accepted, len(e.Program), "instructions")
	fmt.Println(corpus.Replay(context.Background(), e, nil))
	// Output:
	// dropper.asm true 6 instructions
	// []
}

// A new entry's expectations come from a kernel: its verdict, its return
// value for each input and, where making the call is harmless, what a
// thread that makes it experiences. (Not run here: it needs seccomp.)
func ExampleExpect() {
	ctx := context.Background()
	k, err := kernel.Open(ctx, kernel.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Close()
	p, _, err := program.ReadFile("samples/dropper.asm", program.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := corpus.Expect(ctx, k, p, []corpus.CaseInput{
		{Why: "getppid", Input: seccompdata.Data{Nr: 110, Arch: 0xc000003e}},
	}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	e.Note = "what this entry guards against"
	fmt.Println(corpus.WriteEntry("found", "example", p, e))
}
