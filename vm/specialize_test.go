package vm_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// edgeInputs are the inputs a dispatch is most likely to get wrong: every
// arch bpfsim knows and the arch values next to the filter's constants,
// with every nr next to them, with args zero and random.
func edgeInputs(p program.Program, g *fuzz.Generator) []seccompdata.Data {
	consts := fuzz.Constants(p)
	arches := append([]uint32{0, 1, 0xffffffff}, consts...)
	for _, a := range seccompdata.Arches() {
		arches = append(arches, a.Audit, a.Audit-1, a.Audit+1)
	}
	nrs := append([]uint32{0, 1, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff}, consts...)
	var out []seccompdata.Data
	for _, arch := range arches {
		for _, nr := range nrs {
			d := seccompdata.Data{Arch: arch, Nr: int32(nr)}
			out = append(out, d)
			d.InstructionPointer = g.Uint64()
			for i := range d.Args {
				switch g.Intn(3) {
				case 0:
					d.Args[i] = uint64(consts[g.Intn(len(consts))])
				case 1:
					d.Args[i] = uint64(consts[g.Intn(len(consts))]) << 32
				default:
					d.Args[i] = g.Uint64()
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// checkSame fails when the precomputed RunSeccomp and the plain
// interpreter ever disagree on p.
func checkSame(t *testing.T, name string, p program.Program, inputs []seccompdata.Data) {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return // the property is about programs the kernel accepts
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, d := range inputs {
			w := d.Words(order)
			if got, want := f.RunSeccomp(&w), f.RunSeccompPlain(&w); got != want {
				t.Fatalf("%s: input %+v (%v): fast path %#x, plain interpreter %#x\n%s", name, d, order, got, want, fuzz.Hex(p))
			}
		}
	}
}

// TestFastPathMatchesPlain: the precomputed dispatch answers exactly as
// the plain interpreter on the corpus filters and on generated programs
// (policies, arithmetic, mutations), on inputs at every edge of their
// dispatch and random ones.
func TestFastPathMatchesPlain(t *testing.T) {
	g := fuzz.NewGenerator(1)
	paths, _ := filepath.Glob("../corpus/filters/*.bpf")
	samples, _ := filepath.Glob("../corpus/samples/*.asm")
	for _, path := range append(paths, samples...) {
		p, _, err := program.ReadFile(path, program.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := append(edgeInputs(p, g), g.Inputs(p, 2000)...)
		checkSame(t, filepath.Base(path), p, in)
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		var p program.Program
		switch i % 4 {
		case 0, 1:
			p = g.Valid()
		case 2:
			p = g.Arith()
		default:
			p = g.Mutate(g.Valid())
		}
		checkSame(t, "generated", p, append(edgeInputs(p, g)[:64], g.Inputs(p, 64)...))
	}
}

// BenchmarkCompile measures verify + compile + precompute for the corpus
// filters (the bound: 1 ms for Docker's 1,001-instruction filter).
func BenchmarkCompile(b *testing.B) {
	paths, _ := filepath.Glob("../corpus/filters/*.bpf")
	for _, path := range paths {
		p, _, err := program.ReadFile(path, program.DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(path), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vm.Compile(p, verifier.Seccomp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
