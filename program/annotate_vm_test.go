package program_test

import (
	"encoding/binary"
	"regexp"
	"slices"
	"testing"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// checkFlowFacts runs p in the vm on every input and checks, before each
// instruction that runs, what the dataflow behind program.Annotate states
// about it: the pc is live, seccomp_data.arch is one of the values it
// allows, and A and X hold the word of seccomp_data or the constant it
// says. The vm is a separate interpreter, checked against the kernel; the
// annotations are only as true as these facts. It returns how many steps
// ran where the dataflow knew the arch exactly and A's word.
func checkFlowFacts(t *testing.T, p program.Program, inputs []seccompdata.Data) (known int) {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return 0 // the kernel would not run it
	}
	facts, compared := program.FlowFacts(p)
	for _, d := range inputs {
		words := d.Words(binary.LittleEndian)
		a, x := uint32(0), uint32(0) // the registers before the step
		var bad string
		f.TraceSeccomp(&words, func(st vm.Step) {
			ff := facts[st.PC]
			switch {
			case bad != "":
			case !ff.Live:
				bad = "runs, but the dataflow found no path to it"
			case slices.Contains(compared, d.Arch) && !slices.Contains(ff.Arches, d.Arch),
				!slices.Contains(compared, d.Arch) && !ff.Other:
				bad = "runs with an arch the dataflow excludes"
			case ff.AWord >= 0 && a != words[ff.AWord/4], ff.AConst && a != ff.AValue:
				bad = "A is not what the dataflow says"
			case ff.XWord >= 0 && x != words[ff.XWord/4], ff.XConst && x != ff.XValue:
				bad = "X is not what the dataflow says"
			}
			if bad != "" {
				t.Fatalf("pc %d (%s) %s: %+v; A=%#x X=%#x; input %+v\n%s",
					st.PC, program.InstructionText(p, st.PC), bad, ff, a, x, d, mustDisassemble(p))
			}
			if len(ff.Arches) == 1 && !ff.Other && ff.AWord >= 0 {
				known++
			}
			a, x = st.A, st.X
		})
	}
	return known
}

func mustDisassemble(p program.Program) string {
	s, err := program.DisassembleAnnotated(p, program.AnnotateOptions{})
	if err != nil {
		return err.Error()
	}
	return s
}

var asmComment = regexp.MustCompile(` *;.*`)

// checkAnnotatedText checks that DisassembleAnnotated fails where
// Disassemble does, and otherwise writes the same text but for the
// comments, which reads back as the same program.
func checkAnnotatedText(t *testing.T, p program.Program) {
	t.Helper()
	plain, err := program.Disassemble(p)
	text, aerr := program.DisassembleAnnotated(p, program.AnnotateOptions{})
	if (err == nil) != (aerr == nil) {
		t.Fatalf("Disassemble: %v; DisassembleAnnotated: %v", err, aerr)
	}
	if err != nil {
		return
	}
	if asmComment.ReplaceAllString(text, "") != asmComment.ReplaceAllString(plain, "") {
		t.Fatalf("the annotated text differs beyond the comments:\n%s\nplain:\n%s", text, plain)
	}
	back, _, err := program.Decode([]byte(text), program.DecodeOptions{Format: program.FormatAsm})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	want, _, err := program.Decode([]byte(plain), program.DecodeOptions{Format: program.FormatAsm})
	if err != nil || !slices.Equal(back, want) {
		t.Fatalf("the annotated text reads back as another program (%v):\n%s", err, text)
	}
}

// TestAnnotateAgreesWithVM checks the dataflow on the corpus and on
// generated filters (policies the way real generators render them, and
// straight arithmetic), with inputs biased toward their constants, and the
// annotated text of every generated program, valid, invalid or mutated.
func TestAnnotateAgreesWithVM(t *testing.T) {
	progs, err := corpus.Programs("../corpus")
	if err != nil {
		t.Fatal(err)
	}
	g := fuzz.NewGenerator(1)
	known := 0
	for _, p := range progs {
		known += checkFlowFacts(t, p, g.Inputs(p, 200))
		checkAnnotatedText(t, p)
	}
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := range int64(n) {
		g := fuzz.NewGenerator(seed)
		p := g.Valid()
		known += checkFlowFacts(t, p, g.Inputs(p, 32))
		checkAnnotatedText(t, p)
		checkAnnotatedText(t, g.Invalid())
		checkAnnotatedText(t, g.Mutate(p))
	}
	// The check must bite: many steps run with the arch and A known.
	if known < 1000 {
		t.Errorf("only %d steps ran with the arch and A known", known)
	}
	t.Logf("%d steps ran with the arch and A known", known)
}

// FuzzAnnotate is TestAnnotateAgreesWithVM driven by the engine:
// fuzz.EvalCase's programs and inputs for the dataflow, fuzz.VerdictCase's
// programs for the annotated text.
func FuzzAnnotate(f *testing.F) {
	progs, err := corpus.Programs("../corpus")
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{nil, {0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, []byte("\xff\xff\xff\xff\xff\xff\xff\xffpolicy")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, inputs := fuzz.EvalCase(data, progs)
		checkFlowFacts(t, p, inputs)
		checkAnnotatedText(t, p)
		checkAnnotatedText(t, fuzz.VerdictCase(data, progs))
	})
}
