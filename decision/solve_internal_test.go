package decision

import (
	"math/rand/v2"
	"testing"
)

// TestSolveExact checks the feasibility test against brute force: random
// conjunctions of comparisons whose masks and constants live in bits 0-11,
// some of them unmasked. The search must find the smallest solution.
func TestSolveExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		var w word
		var atoms []atom
		for range 1 + r.IntN(4) {
			a := atom{mask: r.Uint32() & 0xfff, op: Op(r.IntN(6)), k: r.Uint32() & 0xfff}
			if r.IntN(4) == 0 {
				a.mask = 0xffffffff // an unmasked comparison, within 0..0xfff
			}
			atoms = append(atoms, a)
			w = w.with(a)
		}
		budget := maxSolveNodes
		v, res := w.solve(&budget)
		if res == unknown {
			t.Fatalf("%v: out of budget", atoms)
		}
		holds := func(x uint32) bool {
			for _, a := range atoms {
				if !a.holds(x) {
					return false
				}
			}
			return true
		}
		// Every value from 0x1000 up meets the unmasked comparisons (whose
		// constants are below it) alike and the masked ones as its low 12
		// bits do, so 0..0x1fff holds the smallest solution if any.
		want := uint32(0)
		found := false
		for x := uint32(0); x <= 0x1fff; x++ {
			if holds(x) {
				want, found = x, true
				break
			}
		}
		switch {
		case found != (res == sat):
			t.Fatalf("%v: solve says %v, brute force found=%v (%#x)", atoms, res, found, want)
		case found && (!holds(v) || v != want):
			t.Fatalf("%v: solve gives %#x, the smallest solution is %#x", atoms, v, want)
		}
	}
}

// TestSolveIrrelevantBits: a conflict in the low bits under many bits no
// mask reads is found at once, not after trying every combination of them.
func TestSolveIrrelevantBits(t *testing.T) {
	w := word{}.with(atom{0x7f, Eq, 0}).with(atom{2, Ne, 0})
	budget := maxSolveNodes
	if _, res := w.solve(&budget); res != unsat || maxSolveNodes-budget > 200 {
		t.Errorf("%v after %d nodes, want unsat within 200", res, maxSolveNodes-budget)
	}
}

func TestIvset(t *testing.T) {
	s := ivset{{0, 5}, {10, 20}}
	if got := s.complement(0xffffffff); !got.equal(ivset{{6, 9}, {21, 0xffffffff}}) {
		t.Errorf("complement: %v", got)
	}
	if got := s.union(ivset{{6, 9}}); !got.equal(ivset{{0, 20}}) {
		t.Errorf("union: %v", got)
	}
	if got := s.intersect(ivset{{4, 12}}); !got.equal(ivset{{4, 5}, {10, 12}}) {
		t.Errorf("intersect: %v", got)
	}
	if !s.overlaps(5, 9) || s.overlaps(6, 9) || !s.contains(20) || s.contains(21) {
		t.Error("overlaps")
	}
	if got := (ivset{{0, ^uint64(0)}}).complement(^uint64(0)); got != nil {
		t.Errorf("complement of everything: %v", got)
	}
}
