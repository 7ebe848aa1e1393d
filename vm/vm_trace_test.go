package vm

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

func collect(steps *[]Step) func(Step) {
	return func(s Step) { *steps = append(*steps, s) }
}

func TestTraceSeccomp(t *testing.T) {
	p := program.Program{ld(0), jmp(program.OpJEQ, 257, 0, 1), ret(0x7fff0000), ret(0x50001)}
	f := mustCompile(t, verifier.Seccomp, p...)
	d := seccompdata.Data{Nr: 257, Arch: seccompdata.AuditArchX86_64}
	w := d.Words(binary.LittleEndian)
	var steps []Step
	got := f.TraceSeccomp(&w, collect(&steps))
	want := []Step{
		{PC: 0, Insn: p[0], A: 257},
		{PC: 1, Insn: p[1], A: 257},
		{PC: 2, Insn: p[2], A: 257, Done: true, Ret: 0x7fff0000},
	}
	if got != 0x7fff0000 || !reflect.DeepEqual(steps, want) {
		t.Errorf("ret %#x, steps\n%+v\nwant\n%+v", got, steps, want)
	}
}

func TestTraceStops(t *testing.T) {
	tests := []struct {
		name string
		mode verifier.Mode
		prog program.Program
		last Step
	}{
		{"div by X=0 ends with A=0", verifier.Seccomp,
			program.Program{ldi(5), alux(program.OpDIV), ret(7)},
			Step{PC: 1, A: 0, Done: true, Ret: 0}},
		{"failed load ends with A=0", verifier.Socket,
			program.Program{ldi(5), ldxi(6), ld(0), ret(7)},
			Step{PC: 2, A: 0, X: 6, Done: true, Ret: 0}},
		{"ifidx without a device ends with A", verifier.Socket,
			program.Program{ldi(0x34), ld(anc(program.AncIfIndex)), ret(7)},
			Step{PC: 1, A: 0x34, Done: true, Ret: 0x34}},
		{"ret a", verifier.Socket,
			program.Program{ldi(9), tax(), reta()},
			Step{PC: 2, A: 9, X: 9, Done: true, Ret: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustCompile(t, tt.mode, tt.prog...)
			var steps []Step
			var got uint32
			if tt.mode == verifier.Seccomp {
				var w [16]uint32
				got = f.TraceSeccomp(&w, collect(&steps))
			} else {
				got = f.TraceSocket(&Packet{}, collect(&steps))
			}
			tt.last.Insn = tt.prog[tt.last.PC]
			if last := steps[len(steps)-1]; last != tt.last || got != tt.last.Ret || len(steps) != tt.last.PC+1 {
				t.Errorf("ret %#x, last step %+v, want %+v", got, last, tt.last)
			}
		})
	}
}

// TestTraceMatchesRun: the traced and untraced paths agree on every corpus
// filter, and each step but the last is not Done.
func TestTraceMatchesRun(t *testing.T) {
	for name, p := range corpusFilters(t) {
		f := mustCompile(t, verifier.Seccomp, p...)
		for _, in := range benchInputs {
			w := in.data.Words(binary.LittleEndian)
			var steps []Step
			traced := f.TraceSeccomp(&w, collect(&steps))
			if run := f.RunSeccomp(&w); traced != run {
				t.Errorf("%s/%s: trace %#x, run %#x", name, in.name, traced, run)
			}
			for i, s := range steps {
				if s.Done != (i == len(steps)-1) {
					t.Errorf("%s/%s: step %d Done = %v", name, in.name, i, s.Done)
				}
			}
		}
	}
}
