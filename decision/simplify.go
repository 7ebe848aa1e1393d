package decision

import (
	"slices"
	"strings"
)

// maxSimplifyNodes bounds each feasibility test that decides whether a
// condition is implied by the others; a test that runs out keeps the
// condition, which is always exact.
const maxSimplifyNodes = 1 << 12

// conjOf turns one path's knowledge of the words into conditions on
// fields. ctx holds the cell's own constraints on nr and arch (words 0
// and 1), which every input of the cell meets and which are therefore not
// repeated.
func conjOf(words *[16]word, ctx [2]ivset, bigEndian bool) Conj {
	var simple [16]word
	for w := range words {
		c := full32
		if w < 2 {
			c = ctx[w]
		}
		simple[w] = simplifyWord(words[w], c)
	}
	var out Conj
	emit32 := func(f Field, wd word) {
		if wd.set != nil {
			out = append(out, Cond{Field: f, In: toRanges(wd.set)})
		}
		for _, a := range wd.masked {
			out = append(out, Cond{Field: f, Mask: uint64(a.mask), Op: a.op, K: uint64(a.k)})
		}
	}
	emit32(FieldNr, simple[0])
	emit32(FieldArch, simple[1])
	for w := 2; w < 16; w += 2 {
		f0, f1 := wordField(w, bigEndian), wordField(w+1, bigEndian)
		lo, hi := simple[w], simple[w+1]
		fLo, fHi := f0, f1
		if bigEndian {
			lo, hi = hi, lo
			fLo, fHi = f1, f0
		}
		whole, _ := fLo.whole()
		if c, ok := join64(whole, lo, hi); ok {
			out = append(out, c...)
			continue
		}
		emit32(fHi, hi)
		emit32(fLo, lo)
	}
	return out
}

// simplifyWord drops the conditions of wd that the others imply, within
// the context set ctx (which every input of the cell meets): each masked
// condition whose negation is infeasible with the rest, then the set when
// the masked conditions alone imply it. A set equal to the context is
// dropped too.
func simplifyWord(wd word, ctx ivset) word {
	out := word{compared: wd.compared}
	set := wd.allowed().intersect(ctx)
	masked := slices.Clone(wd.masked)
	for i := 0; i < len(masked); {
		rest := slices.Delete(slices.Clone(masked), i, i+1)
		test := word{set: set, masked: append(rest, masked[i].negate())}
		budget := maxSimplifyNodes
		if _, res := test.solve(&budget); res == unsat {
			masked = rest
			continue
		}
		i++
	}
	out.masked = masked
	if !set.equal(ctx) {
		out.set = set
		if len(masked) > 0 {
			// Implied by the masked conditions within the context?
			test := word{set: set.complement(0xffffffff).intersect(ctx), masked: masked}
			budget := maxSimplifyNodes
			if _, res := test.solve(&budget); res == unsat {
				out.set = nil
			}
		}
	}
	return out
}

// join64 reads a 64-bit field whose halves lo and hi were both compared as
// one value, where that is exact: two sets (when hi is one value, or lo
// is unconstrained), or one masked equality on each half (one of which may
// be unconstrained), or one masked comparison on a half when the other is
// unconstrained. ok is false when the halves must stay apart, or when
// not both halves were compared.
func join64(f Field, lo, hi word) (Conj, bool) {
	if !lo.compared || !hi.compared {
		return nil, false
	}
	trivial := func(w word) bool { return w.set == nil && len(w.masked) == 0 }
	switch {
	case trivial(lo) && trivial(hi):
		return nil, true
	case len(lo.masked) == 0 && len(hi.masked) == 0:
		sl, sh := lo.allowed(), hi.allowed()
		switch {
		case len(sh) == 1 && sh[0].lo == sh[0].hi:
			h := sh[0].lo << 32
			var s []Range
			for _, r := range sl {
				s = append(s, Range{h | r.lo, h | r.hi})
			}
			return Conj{{Field: f, In: s}}, true
		case lo.set == nil:
			return Conj{{Field: f, In: hiOnly(sh)}}, true
		}
	}
	// One masked comparison on one half, the other unconstrained.
	single := func(w word) (atom, bool) {
		if w.set == nil && len(w.masked) == 1 {
			return w.masked[0], true
		}
		if w.set != nil && len(w.masked) == 0 && len(w.set) == 1 && w.set[0].lo == w.set[0].hi {
			return atom{mask: 0xffffffff, op: Eq, k: uint32(w.set[0].lo)}, true
		}
		return atom{}, false
	}
	al, okl := single(lo)
	ah, okh := single(hi)
	switch {
	case okl && trivial(hi):
		return Conj{masked64(f, uint64(al.mask), al.op, uint64(al.k))}, true
	case okh && trivial(lo):
		return Conj{masked64(f, uint64(ah.mask)<<32, ah.op, uint64(ah.k)<<32)}, true
	case okl && okh && al.op == Eq && ah.op == Eq:
		return Conj{masked64(f, uint64(ah.mask)<<32|uint64(al.mask), Eq, uint64(ah.k)<<32|uint64(al.k))}, true
	}
	return nil, false
}

// masked64 is (f & mask) op k, or a set when the mask is every bit and
// the comparison an equality.
func masked64(f Field, mask uint64, op Op, k uint64) Cond {
	if mask == ^uint64(0) && op == Eq {
		return Cond{Field: f, In: []Range{{k, k}}}
	}
	return Cond{Field: f, Mask: mask, Op: op, K: k}
}

// hiOnly is the 64-bit set of values whose high half lies in sh.
func hiOnly(sh ivset) []Range {
	out := make([]Range, len(sh))
	for i, r := range sh {
		out[i] = Range{r.lo << 32, r.hi<<32 | 0xffffffff}
	}
	return out
}

// group is the paths of one cell that end in one return value.
type group struct {
	ret   uint32
	conjs []Conj
	wit   *leaf
}

// groupLeaves turns a cell's paths into its answers, one group per return
// value in the order the paths first reach them, each with its conditions
// simplified: halves read as 64-bit values where the filter compares
// both, and conjunctions that differ only in the set of one field merged.
func groupLeaves(leaves []leaf, ctx [2]ivset, bigEndian bool) []group {
	var groups []group
	index := map[uint32]int{}
	for i := range leaves {
		l := &leaves[i]
		g, ok := index[l.ret]
		if !ok {
			g = len(groups)
			index[l.ret] = g
			groups = append(groups, group{ret: l.ret, wit: l})
		}
		groups[g].conjs = append(groups[g].conjs, conjOf(&l.words, ctx, bigEndian))
	}
	for i := range groups {
		groups[i].conjs = mergeConjs(groups[i].conjs)
	}
	return groups
}

// mergeConjs simplifies a disjunction of disjoint conjunctions: where a
// 64-bit field is read whole in one of them, a condition on its high half
// alone becomes one on the whole field; then conjunctions that differ only
// in one field's set are merged into one with the union of the sets,
// until none is left to merge.
func mergeConjs(conjs []Conj) []Conj {
	whole := map[Field]bool{}
	for _, c := range conjs {
		for _, cond := range c {
			if cond.Field.Bits() == 64 {
				whole[cond.Field] = true
			}
		}
	}
	for i, c := range conjs {
		conjs[i] = widenHalves(c, whole)
	}
	for {
		merged := false
		for f := FieldNr; f < fieldEnd && !merged; f++ {
			conjs, merged = mergeOn(conjs, f)
		}
		if !merged {
			return conjs
		}
	}
}

// widenHalves replaces, in c, a set on the high half of a field that is
// read whole elsewhere, when nothing else in c reads that field, by the
// same set on the whole field.
func widenHalves(c Conj, whole map[Field]bool) Conj {
	count := map[Field]int{}
	for _, cond := range c {
		w, _ := cond.Field.whole()
		count[w]++
	}
	out := make(Conj, 0, len(c))
	for _, cond := range c {
		w, half := cond.Field.whole()
		if half == 2 && whole[w] && count[w] == 1 && cond.In != nil {
			cond = Cond{Field: w, In: hiOnly(fromRanges(cond.In))}
		}
		out = append(out, cond)
	}
	sortConj(out)
	return out
}

func sortConj(c Conj) {
	slices.SortStableFunc(c, func(a, b Cond) int {
		// Whole fields before their halves, high half before low.
		wa, ha := a.Field.whole()
		wb, hb := b.Field.whole()
		if wa != wb {
			return int(wa) - int(wb)
		}
		rank := func(h int) int { return [...]int{0, 2, 1}[h] }
		return rank(ha) - rank(hb)
	})
}

// mergeOn merges conjunctions that are equal but for one set on field f.
// It keeps the order of first appearance.
func mergeOn(conjs []Conj, f Field) ([]Conj, bool) {
	type slot struct {
		at  int
		set ivset
	}
	byRest := map[string]*slot{}
	out := make([]Conj, 0, len(conjs))
	merged := false
	for _, c := range conjs {
		at := -1
		for i := range c {
			if c[i].Field == f && c[i].In != nil {
				if at >= 0 {
					at = -2 // two sets on f: leave alone
					break
				}
				at = i
			}
		}
		if at < 0 {
			out = append(out, c)
			continue
		}
		rest := slices.Delete(slices.Clone(c), at, at+1)
		k := rest.key()
		if s, ok := byRest[k]; ok {
			s.set = s.set.union(fromRanges(c[at].In))
			merged = true
			continue
		}
		byRest[k] = &slot{at: len(out), set: fromRanges(c[at].In)}
		out = append(out, c)
	}
	if !merged {
		return conjs, false
	}
	for i, c := range out {
		at := -1
		for j := range c {
			if c[j].Field == f && c[j].In != nil {
				at = j
			}
		}
		if at < 0 {
			continue
		}
		rest := slices.Delete(slices.Clone(c), at, at+1)
		s := byRest[rest.key()]
		if s == nil || s.at != i {
			continue
		}
		if s.set.complement(fieldMax(f)) == nil {
			out[i] = rest
			continue
		}
		c = slices.Clone(c)
		c[at].In = toRanges(s.set)
		out[i] = c
	}
	return out, true
}

// weight is how hard a disjunction is to read: its length, and more for
// each negative comparison. The heaviest answer of a row becomes its
// "otherwise", so that rows read as the positive conditions people write
// ("args[0] == 0 || args[0] == 8" rather than "args[0] != 0 && ...").
func weight(conjs []Conj) int {
	t := WhenText(conjs)
	return len(t) + 16*strings.Count(t, "!=")
}
