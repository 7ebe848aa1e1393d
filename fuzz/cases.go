package fuzz

import (
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// maxCaseInputs is the most inputs EvalCase derives.
const maxCaseInputs = 64

// VerdictCase turns the bytes of a fuzzing engine into the program the
// verifier-versus-kernel target checks: a valid program, one beside a
// validation rule, or a mutation of one of seeds (when seeds is not
// empty), chosen and built from data. The same bytes always give the same
// program, which is how a failure saved under testdata/fuzz is replayed and
// turned into a corpus entry.
func VerdictCase(data []byte, seeds []program.Program) program.Program {
	g := NewGeneratorFromBytes(data)
	switch g.Intn(8) {
	case 0, 1:
		return g.Valid()
	case 2, 3, 4:
		return g.Invalid()
	default:
		var p program.Program
		if len(seeds) > 0 {
			p = seeds[g.Intn(len(seeds))]
		} else {
			p = g.Valid()
		}
		for n := 1 + g.Intn(3); n > 0; n-- {
			p = g.Mutate(p)
		}
		return p
	}
}

// EvalCase turns the bytes of a fuzzing engine into the program and inputs
// the vm-versus-kernel target runs: a valid program (Valid, or one of seeds)
// and up to 64 inputs biased toward its constants. The program
// is not checked; the target skips those the kernel rejects.
func EvalCase(data []byte, seeds []program.Program) (program.Program, []seccompdata.Data) {
	g := NewGeneratorFromBytes(data)
	var p program.Program
	if len(seeds) > 0 && g.Intn(4) == 0 {
		p = seeds[g.Intn(len(seeds))]
	} else {
		p = g.Valid()
	}
	return p, g.Inputs(p, 1+g.Intn(maxCaseInputs))
}
