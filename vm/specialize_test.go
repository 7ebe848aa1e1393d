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
// arch bpfsim knows and its neighbours, with every nr next to the filter's
// constants, each with zero and with random args. With limit > 0, limit of
// them drawn at random.
func edgeInputs(p program.Program, g *fuzz.Generator, limit int) []seccompdata.Data {
	consts := fuzz.Constants(p)
	arches := []uint32{0, 1, 0xffffffff}
	for _, a := range seccompdata.Arches() {
		arches = append(arches, a.Audit, a.Audit-1, a.Audit+1)
	}
	nrs := append([]uint32{0, 1, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff}, consts...)
	one := func(arch, nr uint32, random bool) seccompdata.Data {
		d := seccompdata.Data{Arch: arch, Nr: int32(nr)}
		if !random {
			return d
		}
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
		return d
	}
	var out []seccompdata.Data
	if limit > 0 {
		for range limit {
			out = append(out, one(arches[g.Intn(len(arches))], nrs[g.Intn(len(nrs))], g.Intn(2) == 0))
		}
		return out
	}
	for _, arch := range arches {
		for _, nr := range nrs {
			out = append(out, one(arch, nr, false), one(arch, nr, true))
		}
	}
	return out
}

// checkSame fails when the precomputed RunSeccomp, the plain interpreter
// and the single-stepping trace ever disagree on p.
func checkSame(t *testing.T, name string, p program.Program, inputs []seccompdata.Data) {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return // the property is about programs the kernel accepts
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, d := range inputs {
			w := d.Words(order)
			want := f.RunSeccompPlain(&w)
			if got := f.RunSeccomp(&w); got != want {
				t.Fatalf("%s: input %+v (%v): fast path %#x, plain interpreter %#x\n%s", name, d, order, got, want, fuzz.Hex(p))
			}
			// The trace steps one instruction at a time, through
			// none of the plain loop's shortcuts.
			if got := f.TraceSeccomp(&w, func(vm.Step) {}); got != want {
				t.Fatalf("%s: input %+v (%v): trace %#x, plain interpreter %#x\n%s", name, d, order, got, want, fuzz.Hex(p))
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
		in := append(edgeInputs(p, g, 0), g.Inputs(p, 2000)...)
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
		checkSame(t, "generated", p, append(edgeInputs(p, g, 64), g.Inputs(p, 64)...))
	}
}

// TestResidualsClosed: the partial evaluator builds every residual
// program closed (every jump inside it, no falling off its end), which the
// interpreter's unchecked walk relies on; Compile would otherwise leave
// the class to the plain loop.
func TestResidualsClosed(t *testing.T) {
	var progs []program.Program
	paths, _ := filepath.Glob("../corpus/filters/*.bpf")
	for _, path := range paths {
		p, _, err := program.ReadFile(path, program.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	g := fuzz.NewGenerator(2)
	for range 1000 {
		progs = append(progs, g.Valid(), g.Arith(), g.Mutate(g.Valid()))
	}
	residuals := 0
	for _, p := range progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			continue
		}
		n, ok := vm.ResidualsClosed(f)
		if !ok {
			t.Fatalf("a residual program is not closed:\n%s", fuzz.Hex(p))
		}
		residuals += n
	}
	t.Logf("%d programs, %d residual programs", len(progs), residuals)
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

// BenchmarkArith measures the plain interpreter where nothing can be
// precomputed, on two stated sets of the fuzz generator's arithmetic
// programs (fuzz.NewGenerator seed 1; each Arith program, 1 to 24
// instructions, on 16 inputs from Inputs drawn right after it):
//
//   - first256: the first 256 programs, all 4,096 runs (about 5 executed
//     instructions a run, so the cost of a call weighs much);
//   - long16: the first 4,096 programs, only the runs that execute at
//     least 16 instructions (about 600 runs of about 17), where the loop
//     itself dominates.
//
// ns/insn divides by the instructions the plain trace executes (of the
// program as given), so neither precomputation nor fused instructions can
// make the figure small; the fast-path run is reported beside it.
func BenchmarkArith(b *testing.B) {
	type run struct {
		f *vm.Filter
		w [16]uint32
	}
	sets := []struct {
		name     string
		programs int
		minSteps int
	}{
		{"first256", 256, 0},
		{"long16", 4096, 16},
	}
	for _, set := range sets {
		g := fuzz.NewGenerator(1)
		var runs []run
		insns := 0
		for range set.programs {
			p := g.Arith()
			f, err := vm.Compile(p, verifier.Seccomp)
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range g.Inputs(p, 16) {
				r := run{f: f, w: d.Words(binary.LittleEndian)}
				n := 0
				f.TraceSeccomp(&r.w, func(vm.Step) { n++ })
				if n >= set.minSteps {
					insns += n
					runs = append(runs, r)
				}
			}
		}
		for _, tc := range []struct {
			name string
			fn   func(*vm.Filter, *[16]uint32) uint32
		}{
			{"plain", (*vm.Filter).RunSeccompPlain},
			{"fast", (*vm.Filter).RunSeccomp},
		} {
			b.Run(set.name+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				var sink uint32
				for b.Loop() {
					for i := range runs {
						sink += tc.fn(runs[i].f, &runs[i].w)
					}
				}
				_ = sink
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
				b.ReportMetric(float64(insns)/float64(len(runs)), "insns/run")
				b.ReportMetric(float64(len(runs)), "runs")
			})
		}
	}
}

// TestClasses: the classes of a filter cover every (arch, nr) once, in
// order, and each one's answer (its constant, or its residual program,
// which the kernel would accept) is the filter's for members of the class
// drawn at the edges and at random.
func TestClasses(t *testing.T) {
	g := fuzz.NewGenerator(2)
	var progs []program.Program
	paths, _ := filepath.Glob("../corpus/filters/*.bpf")
	samples, _ := filepath.Glob("../corpus/samples/*.asm")
	for _, path := range append(paths, samples...) {
		p, _, err := program.ReadFile(path, program.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	for range 500 {
		progs = append(progs, g.Valid())
	}
	for _, p := range progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			continue
		}
		classes := f.Classes()
		pool := g.Inputs(p, 64)
		var arch, nr uint64 // the next (arch, nr) expected
		for i, c := range classes {
			if uint64(c.ArchLo) != arch || uint64(c.NrLo) != nr {
				t.Fatalf("class %d starts at arch %#x nr %#x, want %#x %#x", i, c.ArchLo, c.NrLo, arch, nr)
			}
			if nr = uint64(c.NrHi) + 1; nr > 0xffffffff {
				nr, arch = 0, uint64(c.ArchHi)+1
			}
			var rf *vm.Filter
			if !c.Const {
				if rf, err = vm.Compile(c.Residual, verifier.Seccomp); err != nil {
					t.Fatalf("class %d residual is not a filter the kernel accepts: %v\n%s", i, err, fuzz.Hex(c.Residual))
				}
			}
			for k := range 24 {
				d := pool[(i*24+k)%len(pool)]
				d.Arch = pick(g, c.ArchLo, c.ArchHi, k)
				d.Nr = int32(pick(g, c.NrLo, c.NrHi, k/3))
				w := d.Words(binary.LittleEndian)
				want := f.RunSeccompPlain(&w)
				got := c.Ret
				if !c.Const {
					got = rf.RunSeccompPlain(&w)
				}
				if got != want {
					t.Fatalf("class %d (arch %#x-%#x, nr %#x-%#x) on %+v: %#x, the filter %#x", i, c.ArchLo, c.ArchHi, c.NrLo, c.NrHi, d, got, want)
				}
			}
		}
		if arch != 1<<32 {
			t.Fatalf("classes end at arch %#x", arch)
		}
	}
}

// pick returns lo, hi, or a value between, by k.
func pick(g *fuzz.Generator, lo, hi uint32, k int) uint32 {
	switch k % 3 {
	case 0:
		return lo
	case 1:
		return hi
	}
	return lo + uint32(g.Uint64()%(uint64(hi-lo)+1))
}
