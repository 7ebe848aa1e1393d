package decision_test

import (
	"fmt"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// The row of clone(2) in the table of Docker's default profile, and a
// lookup in it.
func Example() {
	p, _, err := program.ReadFile("../corpus/filters/docker-default_x86_64.bpf", program.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		panic(err)
	}
	kernel := decision.KernelView{Version: decision.KernelVersion{Major: 6, Minor: 18}, Source: "example"}
	t, err := decision.New(vm.Stack{f}, decision.Options{Kernel: kernel})
	if err != nil {
		panic(err)
	}
	clone := seccompdata.Data{Arch: seccompdata.AuditArchX86_64, Nr: 56}
	_, row := t.Find(&clone)
	for _, c := range row.Cases {
		when := "otherwise"
		if c.When != nil {
			when = decision.WhenText(c.When)
		}
		fmt.Printf("%s: %s\n", when, seccompdata.Action(c.Ret))
	}
	clone.Args[0] = 0x10000000 // CLONE_NEWUSER
	fmt.Println("clone(CLONE_NEWUSER):", seccompdata.Action(t.Lookup(&clone)))
	// Output:
	// args[0] & 0x7e020000 == 0: ALLOW
	// otherwise: ERRNO(1)
	// clone(CLONE_NEWUSER): ERRNO(1)
}
