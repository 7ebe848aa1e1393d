package kernel_test

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// The instrumentation, on generated programs, with bpfsim's vm standing in
// for the kernel (no kernel needed): the kernel's rules, as the verifier
// has them, accept every instrumented program, and reading it back gives
// what the program returns. The live differential tests check the same
// against the kernel on fewer programs.
func TestInstrumentGenerated(t *testing.T) {
	g := fuzz.NewGenerator(11)
	run := func(p program.Program, d seccompdata.Data) uint32 {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			t.Fatalf("the instrumented program would be rejected: %v\nprogram %s", err, hexProgram(p))
		}
		w := d.Words(binary.LittleEndian)
		return f.RunSeccomp(&w)
	}
	// 3,000 programs (60,000 pairs) were checked when the layout was
	// written; every vm.Compile also precomputes its dispatch, so the
	// default run takes a sixth of them, and BPFSIM_LONG=1 all.
	n := 500
	if os.Getenv("BPFSIM_LONG") != "" {
		n = 3000
	}
	progs, pairs, tooLong := 0, 0, 0
	for progs < n {
		p := g.Valid()
		if verifier.Check(p, verifier.Seccomp) != nil {
			continue
		}
		progs++
		for _, d := range g.Inputs(p, 20) {
			want := run(p, d)
			_, got, killed, err := kernel.InstrumentedValue(p, d, run)
			if errors.Is(err, kernel.ErrTooLong) {
				tooLong++
				break
			}
			if err != nil {
				t.Fatalf("%v\nprogram %s", err, hexProgram(p))
			}
			pairs++
			if killed && want == 0 || !killed && got == want {
				continue
			}
			t.Errorf("input %+v: read back %#x (killed %v), want %#x\nprogram %s", d, got, killed, want, hexProgram(p))
		}
	}
	t.Logf("%d programs (%d too long), %d pairs", progs, tooLong, pairs)
}
