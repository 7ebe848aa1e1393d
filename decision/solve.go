package decision

import (
	"cmp"
	"slices"
)

// Op is a comparison of a (masked) value with a constant, unsigned.
type Op uint8

// The comparisons. Jumps of classic BPF give Eq (jeq), Gt (jgt), Ge (jge)
// and their negations on the false branch; jset #k is (value & k) != 0.
const (
	Eq Op = iota
	Ne
	Gt
	Ge
	Lt
	Le
)

var opText = [...]string{Eq: "==", Ne: "!=", Gt: ">", Ge: ">=", Lt: "<", Le: "<="}

// String returns the C spelling: "==", "!=", ">", ">=", "<", "<=".
func (o Op) String() string {
	if int(o) < len(opText) {
		return opText[o]
	}
	return "?"
}

func parseOp(s string) (Op, bool) {
	for i, t := range opText {
		if t == s {
			return Op(i), true
		}
	}
	return 0, false
}

// negate returns the comparison that holds exactly where o does not.
func (o Op) negate() Op {
	return [...]Op{Eq: Ne, Ne: Eq, Gt: Le, Ge: Lt, Lt: Ge, Le: Gt}[o]
}

// flip returns o with its operands swapped: c o v is v o.flip() c.
func (o Op) flip() Op {
	return [...]Op{Eq: Eq, Ne: Ne, Gt: Lt, Ge: Le, Lt: Gt, Le: Ge}[o]
}

func (o Op) holds(v, k uint64) bool {
	switch o {
	case Eq:
		return v == k
	case Ne:
		return v != k
	case Gt:
		return v > k
	case Ge:
		return v >= k
	case Lt:
		return v < k
	}
	return v <= k
}

// atom is one constraint on a 32-bit word W of seccomp_data:
// (W & mask) op k.
type atom struct {
	mask uint32
	op   Op
	k    uint32
}

func (a atom) holds(w uint32) bool { return a.op.holds(uint64(w&a.mask), uint64(a.k)) }

func (a atom) negate() atom { return atom{a.mask, a.op.negate(), a.k} }

// span is an inclusive range of unsigned values.
type span struct{ lo, hi uint64 }

// ivset is a set of values as sorted, disjoint, non-adjacent spans.
type ivset []span

// full32 is every 32-bit value.
var full32 = ivset{{0, 0xffffffff}}

// ofAtom is the set of 32-bit words an unmasked atom admits.
func ofAtom(op Op, k uint32) ivset {
	const max = 0xffffffff
	v := uint64(k)
	switch op {
	case Eq:
		return ivset{{v, v}}
	case Ne:
		var s ivset
		if v > 0 {
			s = append(s, span{0, v - 1})
		}
		if v < max {
			s = append(s, span{v + 1, max})
		}
		return s
	case Gt:
		if v == max {
			return nil
		}
		return ivset{{v + 1, max}}
	case Ge:
		return ivset{{v, max}}
	case Lt:
		if v == 0 {
			return nil
		}
		return ivset{{0, v - 1}}
	}
	return ivset{{0, v}}
}

func (s ivset) intersect(t ivset) ivset {
	var out ivset
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo, hi := max(s[i].lo, t[j].lo), min(s[i].hi, t[j].hi)
		if lo <= hi {
			out = append(out, span{lo, hi})
		}
		if s[i].hi < t[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// union merges two sets.
func (s ivset) union(t ivset) ivset {
	all := append(slices.Clone(s), t...)
	slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	var out ivset
	for _, r := range all {
		if n := len(out); n > 0 && (out[n-1].hi == ^uint64(0) || r.lo <= out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// complement returns the values of [0, max] not in s.
func (s ivset) complement(max uint64) ivset {
	var out ivset
	next := uint64(0)
	done := false
	for _, r := range s {
		if r.lo > next {
			out = append(out, span{next, r.lo - 1})
		}
		if r.hi >= max {
			done = true
			break
		}
		next = r.hi + 1
	}
	if !done {
		out = append(out, span{next, max})
	}
	return out
}

// overlaps reports whether s holds any value of [lo, hi].
func (s ivset) overlaps(lo, hi uint64) bool {
	i, _ := slices.BinarySearchFunc(s, lo, func(r span, v uint64) int {
		if r.hi < v {
			return -1
		}
		return 1
	})
	return i < len(s) && s[i].lo <= hi
}

func (s ivset) contains(v uint64) bool { return s.overlaps(v, v) }

func (s ivset) equal(t ivset) bool { return slices.Equal(s, t) }

// count is the number of values in s, saturating.
func (s ivset) count() uint64 {
	var n uint64
	for _, r := range s {
		d := r.hi - r.lo + 1
		if d == 0 || n+d < n {
			return ^uint64(0)
		}
		n += d
	}
	return n
}

// word is what a path knows of one 32-bit word: the set its unmasked
// comparisons allow, and its masked comparisons. Values are never changed
// in place once shared: adding makes new slices.
type word struct {
	set    ivset // nil means "not constrained": every value
	masked []atom
	// compared: some comparison on this path read the word (even one that
	// constrains nothing, such as (W & 0) == 0). It decides whether a
	// 64-bit field reads as one value or as two halves.
	compared bool
	// wit is a value that meets the constraints: the explorer keeps one
	// per path and word.
	wit uint32
}

func (w word) allowed() ivset {
	if w.set == nil {
		return full32
	}
	return w.set
}

// with returns w with atom a added.
func (w word) with(a atom) word {
	w.compared = true
	if a.mask == 0xffffffff {
		w.set = w.allowed().intersect(ofAtom(a.op, a.k))
		if w.set == nil {
			w.set = ivset{} // empty, not "unconstrained"
		}
		return w
	}
	w.masked = append(w.masked[:len(w.masked):len(w.masked)], a)
	return w
}

// maxSolveNodes bounds the search nodes of one feasibility test.
const maxSolveNodes = 1 << 16

// verdict of a search.
type verdict uint8

const (
	sat verdict = iota
	unsat
	unknown // the search ran out of budget
)

// solve finds the smallest word value that satisfies w, exactly: a depth
// first search over the bits from the top, pruned by the range the fixed
// bits leave for each constraint. budget bounds the nodes visited.
func (w word) solve(budget *int) (uint32, verdict) {
	set := w.allowed()
	if len(set) == 0 {
		return 0, unsat
	}
	for _, a := range w.masked {
		if a.op == Eq && a.k&^a.mask != 0 {
			return 0, unsat
		}
	}
	if len(w.masked) == 0 {
		return uint32(set[0].lo), sat
	}
	var (
		result  uint32
		outcome = unsat
	)
	// failed remembers subtrees without a solution that lie wholly inside
	// one span of the set, by their depth and by where each masked
	// comparison stands on the bits fixed so far: the same standing at the
	// same depth has the same (lack of) solutions below. Without it, bits
	// that no mask reads would be tried in every combination before a
	// conflict in the bits below them is found.
	failed := map[string]bool{}
	key := make([]byte, 0, 5+len(w.masked))
	var rec func(prefix uint32, free uint32) bool
	rec = func(prefix, free uint32) bool {
		if *budget <= 0 {
			outcome = unknown
			return true
		}
		*budget--
		lo, hi := uint64(prefix), uint64(prefix|free)
		if !set.overlaps(lo, hi) {
			return false
		}
		fixed := ^free
		key = append(key[:0], byte(free>>24), byte(free>>16), byte(free>>8), byte(free))
		for _, a := range w.masked {
			vlo, vhi := prefix&a.mask, (prefix|free)&a.mask
			ok := true
			switch a.op {
			case Eq:
				ok = (prefix^a.k)&a.mask&fixed == 0
			case Ne:
				ok = a.mask&free != 0 || vlo != a.k
			case Gt:
				ok = vhi > a.k
			case Ge:
				ok = vhi >= a.k
			case Lt:
				ok = vlo < a.k
			case Le:
				ok = vlo <= a.k
			}
			if !ok {
				return false
			}
			// The standing of the fixed bits: equal so far, or already
			// above or below k.
			st := byte(0)
			switch vt, kt := prefix&a.mask&fixed, a.k&fixed; {
			case vt > kt:
				st = 1
			case vt < kt:
				st = 2
			}
			if a.op == Ne && (prefix^a.k)&a.mask&fixed != 0 {
				st = 3
			}
			key = append(key, st)
		}
		if free == 0 {
			result, outcome = prefix, sat
			return true
		}
		inside := false
		if i, found := slices.BinarySearchFunc(set, lo, func(r span, v uint64) int {
			if r.hi < v {
				return -1
			}
			return 1
		}); found || i < len(set) {
			inside = set[i].lo <= lo && hi <= set[i].hi
		}
		var k string
		if inside {
			k = string(key)
			if failed[k] {
				return false
			}
		}
		bit := (free >> 1) + 1 // the top free bit
		if rec(prefix, free>>1) || rec(prefix|bit, free>>1) {
			return true
		}
		if inside {
			failed[k] = true
		}
		return false
	}
	rec(0, 0xffffffff)
	return result, outcome
}
