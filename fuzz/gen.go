package fuzz

import (
	"encoding/binary"
	"math/rand"
	"slices"
	"sort"

	"sigs.k8s.io/randfill"
	"sigs.k8s.io/randfill/bytesource"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Generator makes programs and inputs from a source of randomness: a
// seed (NewGenerator) or a fuzzing engine's bytes (NewGeneratorFromBytes).
// Its fill functions know what seccomp filters and their inputs look like;
// a caller's own types (the policy type of their filter generator, say) are
// built from the same source with Intn, Uint32, Uint64 and Fill, so that
// one seed or one engine input decides everything a check does.
//
// A Generator is not safe for concurrent use. Two Generators made from the
// same seed or the same bytes produce the same sequence.
type Generator struct {
	f *randfill.Filler
	r *rand.Rand
	// pool holds the constants inputs are biased toward while Inputs
	// runs; the fill function for seccompdata.Data reads it.
	pool []uint32
	// words holds, for each of the 16 words of seccomp_data, the
	// constants the program compares that word with (wordConstants).
	words [16][]uint32
}

// NewGenerator returns a Generator driven by a pseudo-random source with the
// given seed.
func NewGenerator(seed int64) *Generator {
	return newGenerator(rand.NewSource(seed))
}

// NewGeneratorFromBytes returns a Generator driven by data: every decision
// consumes bytes of data, and once they run out a pseudo-random source
// seeded from them takes over. This is how a testing.F target turns the
// engine's bytes into programs and inputs, so that the engine's mutations
// of the bytes become mutations of the programs.
func NewGeneratorFromBytes(data []byte) *Generator {
	return newGenerator(bytesource.New(data))
}

func newGenerator(src rand.Source) *Generator {
	g := &Generator{r: rand.New(src)}
	g.f = randfill.New().RandSource(src).NilChance(0).NumElements(0, 6).
		Funcs(g.fillData, g.fillAction, g.fillCond, g.fillRule, g.fillPolicy)
	return g
}

// Fill sets the value v points to at random, from the Generator's source.
// A seccompdata.Data, seccompdata.Action, Policy, Rule or Cond, wherever
// it appears, gets the Generator's own fill function: an input biased
// toward generic edge values (or, while Inputs runs, toward the program's
// constants), an action of every kind with interesting data, a policy as
// Policy returns it. Any other type gets random values in its exported
// fields, non-nil pointers, and slices and maps of 0 to 6 elements. Fill
// panics if v is not a non-nil pointer.
func (g *Generator) Fill(v any) { g.f.Fill(v) }

// Intn returns a number in [0, n) from the generator's source; n must be
// positive.
func (g *Generator) Intn(n int) int { return g.r.Intn(n) }

// Uint32 returns a 32-bit value from the generator's source.
func (g *Generator) Uint32() uint32 { return g.r.Uint32() }

// Uint64 returns a 64-bit value from the generator's source.
func (g *Generator) Uint64() uint64 { return g.r.Uint64() }

var edgeWords = []uint32{0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, seccompdata.X32SyscallBit}

// Constants returns the values inputs for p should be built from: every
// constant p compares with, masks with or loads, each with its neighbours
// +1 and -1 (mod 2^32); the AUDIT_ARCH values of every arch bpfsim knows;
// the x32 bit and the x32 numbers of p's constants; the number just past
// the highest x86_64 syscall; and generic edge values (0, 1, all bits set,
// the sign bit, ...). The result is sorted and has no duplicates.
func Constants(p program.Program) []uint32 {
	set := map[uint32]bool{}
	add := func(v uint32) { set[v], set[v+1], set[v-1] = true, true, true }
	for _, ins := range p {
		switch program.Class(ins.Op) {
		case program.ClassJMP:
			if program.Op(ins.Op) != program.OpJA && program.Src(ins.Op) == program.SrcK {
				add(ins.K)
				if ins.K < seccompdata.X32SyscallBit {
					set[ins.K|seccompdata.X32SyscallBit] = true
				}
			}
		case program.ClassALU:
			if program.Src(ins.Op) == program.SrcK {
				add(ins.K)
				set[^ins.K] = true
			}
		case program.ClassLD, program.ClassLDX:
			if program.Mode(ins.Op) == program.ModeIMM {
				add(ins.K)
			}
		}
	}
	for _, a := range seccompdata.Arches() {
		set[a.Audit] = true
	}
	x86, _ := seccompdata.LookupArch("x86_64")
	set[uint32(x86.MaxSyscall()+1)] = true
	for _, v := range edgeWords {
		set[v] = true
	}
	out := make([]uint32, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// wordConstants follows where the accumulator's value came from, in
// program order and ignoring control flow: a word of seccomp_data, directly
// or through scratch memory or X. Each constant the value is then compared
// with (or masked with) is recorded for that word, so that an input can put
// into arg 1's high half exactly what the program tests arg 1's high half
// against.
func wordConstants(p program.Program) [16][]uint32 {
	var out [16][]uint32
	a, x := -1, -1
	var mem [16]int
	for i := range mem {
		mem[i] = -1
	}
	for _, ins := range p {
		switch c := ins.Op; {
		case c == program.ClassLD|program.ModeABS:
			a = -1
			if ins.K < seccompdata.Size && ins.K%4 == 0 {
				a = int(ins.K / 4)
			}
		case c == program.ClassLD|program.ModeMEM && ins.K < 16:
			a = mem[ins.K]
		case c == program.ClassLDX|program.ModeMEM && ins.K < 16:
			x = mem[ins.K]
		case c == program.ClassST && ins.K < 16:
			mem[ins.K] = a
		case c == program.ClassSTX && ins.K < 16:
			mem[ins.K] = x
		case c == program.ClassMISC|program.MiscTAX:
			x = a
		case c == program.ClassMISC|program.MiscTXA:
			a = x
		case c == program.ClassALU|program.OpAND:
			if a >= 0 && !slices.Contains(out[a], ins.K) {
				out[a] = append(out[a], ins.K)
			}
		case program.Class(c) == program.ClassJMP && program.Op(c) != program.OpJA && program.Src(c) == program.SrcK:
			if a >= 0 && !slices.Contains(out[a], ins.K) {
				out[a] = append(out[a], ins.K)
			}
		case program.Class(c) == program.ClassLD || program.Class(c) == program.ClassALU:
			a = -1
		case program.Class(c) == program.ClassLDX:
			x = -1
		}
	}
	return out
}

// Inputs returns n seccomp_data inputs for p, with a bias toward
// Constants(p): nr is one of them, a real
// x86_64 syscall number, the number past the last one, an x32 number, 335
// or 336 (which bypass seccomp), or any 32-bit value; arch is x86_64 most of
// the time, otherwise another known arch or one of the constants; each
// argument has each 32-bit half drawn from the constants, zero, all ones or
// anything, and sometimes a 64-bit constant plus or minus one.
func (g *Generator) Inputs(p program.Program, n int) []seccompdata.Data {
	g.pool = Constants(p)
	g.words = wordConstants(p)
	defer func() { g.pool, g.words = nil, [16][]uint32{} }()
	out := make([]seccompdata.Data, n)
	for i := range out {
		g.f.Fill(&out[i])
	}
	return out
}

func (g *Generator) word(c randfill.Continue) uint32 {
	pool := g.pool
	if len(pool) == 0 {
		pool = edgeWords
	}
	switch c.Intn(8) {
	case 0:
		return 0
	case 1:
		return 0xffffffff
	case 2:
		return c.Uint32()
	case 3:
		return edgeWords[c.Intn(len(edgeWords))]
	default:
		return pool[c.Intn(len(pool))]
	}
}

func (g *Generator) fillData(d *seccompdata.Data, c randfill.Continue) {
	g.fillAny(d, c)
	// Most of the time, overwrite each word the program tests with one of
	// the constants it tests that word against, or a neighbour.
	if c.Intn(8) == 0 {
		return
	}
	w := d.Words(binary.LittleEndian)
	for i, ks := range g.words {
		if len(ks) > 0 && c.Intn(10) != 0 {
			w[i] = ks[c.Intn(len(ks))]
			if c.Intn(4) == 0 {
				w[i] += uint32(c.Intn(3)) - 1
			}
		}
	}
	b := make([]byte, seccompdata.Size)
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	*d, _ = seccompdata.DecodeData(b, binary.LittleEndian)
}

func (g *Generator) fillAny(d *seccompdata.Data, c randfill.Continue) {
	*d = seccompdata.Data{Arch: seccompdata.AuditArchX86_64}
	x86, _ := seccompdata.LookupArch("x86_64")
	switch c.Intn(10) {
	case 0, 1, 2, 3:
		d.Nr = int32(g.word(c))
	case 4, 5:
		d.Nr = int32(c.Intn(int(x86.MaxSyscall()) + 1))
	case 6:
		d.Nr = x86.MaxSyscall() + 1
	case 7:
		d.Nr = int32(seccompdata.X32SyscallBit | uint32(c.Intn(600)))
	case 8:
		// 335 and 336 skip seccomp on x86_64 (kernel-semantics.md §5).
		d.Nr = []int32{-1, seccompdata.NrUretprobeX86_64, seccompdata.NrUprobeX86_64, 1000, 0x7fffffff}[c.Intn(5)]
	default:
		d.Nr = int32(c.Uint32())
	}
	switch c.Intn(12) {
	case 0:
		d.Arch = seccompdata.AuditArchI386
	case 1:
		arches := seccompdata.Arches()
		d.Arch = arches[c.Intn(len(arches))].Audit
	case 2:
		d.Arch = g.word(c)
	}
	if c.Intn(4) == 0 {
		d.InstructionPointer = uint64(g.word(c))<<32 | uint64(g.word(c))
	}
	for i := range d.Args {
		switch c.Intn(8) {
		case 0:
			// zero
		case 1:
			d.Args[i] = uint64(g.word(c))
		case 2:
			d.Args[i] = uint64(g.word(c)) << 32
		case 3:
			d.Args[i] = ^uint64(0)
		case 4:
			v := uint64(g.word(c))<<32 | uint64(g.word(c))
			d.Args[i] = v + uint64(c.Intn(3)) - 1
		case 5:
			// The source's own Uint64, not randfill's Continue.Uint64 (two
			// Uint32 draws): the sequence stays the one gofuzz gave.
			d.Args[i] = c.Rand.Uint64()
		default:
			d.Args[i] = uint64(g.word(c))<<32 | uint64(g.word(c))
		}
	}
}

// words is seccomp_data as an x86_64 filter loads it.
func words(d *seccompdata.Data) [16]uint32 { return d.Words(binary.LittleEndian) }
