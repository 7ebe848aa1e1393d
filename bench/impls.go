package bench

import (
	"errors"
	"fmt"

	xbpf "golang.org/x/net/bpf"
	gbpf "gvisor.dev/gvisor/pkg/bpf"

	"github.com/bpfsim/bpfsim/program"
)

// Implementations are the names of the compared interpreters, in the order
// the benchmarks and the table list them.
var Implementations = []string{"bpfsim", "bpfsim-plain", "xnetbpf", "gvisor"}

// XNetVM returns golang.org/x/net/bpf's VM for p.
func XNetVM(p program.Program) (*xbpf.VM, error) {
	insns, ok := xbpf.Disassemble(p)
	if !ok {
		return nil, errors.New("x/net/bpf cannot decode the program")
	}
	return xbpf.NewVM(insns)
}

// GVisorProgram returns gVisor's compiled form of p. Its optimizer is off:
// every implementation runs the same instructions.
func GVisorProgram(p program.Program) (gbpf.Program, error) {
	insns := make([]gbpf.Instruction, len(p))
	for i, in := range p {
		insns[i] = gbpf.RawInstruction(in.Op, in.Jt, in.Jf, in.K)
	}
	gp, err := gbpf.Compile(insns, false)
	if err != nil {
		return gbpf.Program{}, fmt.Errorf("gVisor pkg/bpf: %w", err)
	}
	return gp, nil
}

// Runner evaluates one filter on input i of a set, with one implementation.
type Runner func(s *Set, i int) (uint32, error)

// Runners returns every implementation's evaluation of f, by name, for the
// agreement test; the benchmarks inline the same calls.
func Runners(f Filter) (map[string]Runner, error) {
	xvm, err := XNetVM(f.Prog)
	if err != nil {
		return nil, err
	}
	gp, err := GVisorProgram(f.Prog)
	if err != nil {
		return nil, err
	}
	return map[string]Runner{
		"bpfsim":       func(s *Set, i int) (uint32, error) { return f.VM.RunSeccomp(&s.Words[i]), nil },
		"bpfsim-plain": func(s *Set, i int) (uint32, error) { return f.VM.RunSeccompPlain(&s.Words[i]), nil },
		"xnetbpf": func(s *Set, i int) (uint32, error) {
			r, err := xvm.Run(s.BE[64*i : 64*i+64])
			return uint32(r), err
		},
		"gvisor": func(s *Set, i int) (uint32, error) {
			return gbpf.Exec[gbpf.NativeEndian](gp, s.Native[64*i:64*i+64])
		},
	}, nil
}
