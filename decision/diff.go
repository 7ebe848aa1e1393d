package decision

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// Class says how a change moves a policy, by the kernel's precedence of
// actions (seccompdata.Action.Overrides: the signed order of the action
// part, KILL_PROCESS lowest, ALLOW highest).
type Class uint8

// The classes of a change.
const (
	// Loosened: the new action is less restrictive (ERRNO → ALLOW).
	Loosened Class = iota
	// Tightened: the new action is more restrictive (ALLOW → KILL).
	Tightened
	// Changed: the same action with other data (ERRNO(1) → ERRNO(13)).
	Changed
)

func (c Class) String() string {
	return [...]string{"loosened", "tightened", "changed"}[c]
}

// classOf classes the change from old to new, two values the kernel acts
// on.
func classOf(old, new uint32) Class {
	o, n := int32(old&seccompdata.ActionFullMask), int32(new&seccompdata.ActionFullMask)
	switch {
	case n > o:
		return Loosened
	case n < o:
		return Tightened
	}
	return Changed
}

// Diff is the semantic difference of two policies (filters or stacks):
// every input on which the kernel would act differently lies in exactly
// one Change, and inputs outside the changes get the same value from
// both. Equivalence is exact: two policies that differ only in layout
// have no changes.
type Diff struct {
	// Old and New name the two policies' filters, in install order.
	Old, New []string
	// Changes, by arch piece then syscall number.
	Changes []Change
	// Undecided are the regions where a residual row (one the conditions
	// cannot express) is involved and the search found no input on which
	// the two differ: the diff cannot say they are equal there. Their
	// Input, OldRet and NewRet are one input of the region, and what both
	// return for it.
	Undecided []Change
}

// Equivalent reports whether the two policies return the same value (the
// one the kernel acts on) for every input: no change and nothing left
// undecided.
func (d *Diff) Equivalent() bool { return len(d.Changes) == 0 && len(d.Undecided) == 0 }

// Count returns how many changes are of class c.
func (d *Diff) Count(c Class) int {
	n := 0
	for _, ch := range d.Changes {
		if ch.Class == c {
			n++
		}
	}
	return n
}

// Change is one region of inputs on which the two policies return
// different values: one arch (or a range of arch values), a range of
// syscall numbers, and the argument (and instruction_pointer) conditions
// of a case of each side's row.
type Change struct {
	// Arch names the arch ("x86_64"), or "arch 0x..-0x.." for arch values
	// neither policy tells apart; Arches are its values.
	Arch   string
	Arches []Range
	// NrLo..NrHi, inclusive, unsigned (negative numbers are 0x80000000 and
	// up); Syscalls are the names of the numbers that have one, Unnamed
	// counts the others.
	NrLo, NrHi uint32
	Syscalls   []string
	Unnamed    uint64
	// Region is the argument conditions where the two differ, as the
	// tables print them; "" for every input of the numbers.
	Region string
	// Residual: a side's row is a residual program, so the change was
	// found by a search with the vm, and its region is every input of
	// the numbers (Region says why).
	Residual bool
	Class    Class
	// Input is a witness of the change: an input of the region that a
	// real call on its arch can make (32-bit arches have no high halves),
	// for which the old policy returns OldRet and the new one NewRet,
	// the values the kernel acts on (for one filter, its own value with an
	// ALLOW's data dropped, as seccomp_run_filters does).
	Input          Witness
	OldRet, NewRet uint32

	old, new *formula // the two sides' cases; nil: the whole cell
}

// Contains reports whether d lies in the change's region.
func (c *Change) Contains(d *seccompdata.Data) bool {
	if !rangesHold(c.Arches, uint64(d.Arch)) || uint32(d.Nr) < c.NrLo || uint32(d.Nr) > c.NrHi {
		return false
	}
	w := sigWords(d)
	return (c.old == nil || c.old.eval(&w)) && (c.new == nil || c.new.eval(&w))
}

func rangesHold(rs []Range, v uint64) bool {
	for _, r := range rs {
		if r.Lo <= v && v <= r.Hi {
			return true
		}
	}
	return false
}

// CompareOptions say how Compare builds the two tables.
type CompareOptions struct {
	// Old and New name the policies' filters.
	Old, New []string
	// Kernel is the kernel view of the tables; it does not change what a
	// policy returns.
	Kernel KernelView
}

// Compare builds the tables of two stacks (a filter is a stack of one) and
// returns their semantic difference, with every change's witness run
// through both stacks by the vm: a witness that does not give OldRet and
// NewRet there is an error.
func Compare(old, new vm.Stack, opts CompareOptions) (*Diff, error) {
	to, err := New(old, Options{Names: opts.Old, Kernel: opts.Kernel})
	if err != nil {
		return nil, err
	}
	tn, err := New(new, Options{Names: opts.New, Kernel: opts.Kernel})
	if err != nil {
		return nil, err
	}
	d := CompareTables(to, tn)
	check := func(c *Change, same bool) error {
		ro := old.Evaluate(&c.Input.Data, c.Input.Arch.Order, vm.OutcomeOptions{}).Ret
		rn := new.Evaluate(&c.Input.Data, c.Input.Arch.Order, vm.OutcomeOptions{}).Ret
		if ro != c.OldRet || rn != c.NewRet || same != (ro == rn) {
			return fmt.Errorf("decision: the diff's witness %v of %s nr %#x gives %#x and %#x in the vm, not %#x and %#x",
				c.Input.Data, c.Arch, c.NrLo, ro, rn, c.OldRet, c.NewRet)
		}
		return nil
	}
	for i := range d.Changes {
		if err := check(&d.Changes[i], false); err != nil {
			return nil, err
		}
	}
	for i := range d.Undecided {
		if err := check(&d.Undecided[i], true); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// CompareTables returns the semantic difference of two tables: per arch
// piece (the intersection of both sides' sections), per range of numbers
// (the intersection of their rows), and per pair of cases whose
// conditions can hold together and whose values differ. A pair's
// feasibility and its witness come from an exact search over the words of
// seccomp_data; where a residual row is involved, a search with the vm
// looks for an input on which the two differ.
func CompareTables(old, new *Table) *Diff {
	d := &Diff{Old: old.Policy, New: new.Policy}
	for _, p := range archPieces(old, new) {
		so, sn := &old.Sections[p.o], &new.Sections[p.n]
		i, j := 0, 0
		lo := uint32(0)
		for {
			ro, rn := &so.Rows[i], &sn.Rows[j]
			hi := min(ro.NrHi, rn.NrHi)
			compareCell(d, old, new, p, lo, hi, ro, rn)
			if hi == 0xffffffff {
				break
			}
			lo = hi + 1
			if ro.NrHi == hi {
				i++
			}
			if rn.NrHi == hi {
				j++
			}
		}
	}
	return d
}

// piece is a range of arch values that falls in one section of each side,
// of one register width.
type piece struct {
	lo, hi uint32
	o, n   int
	name   string
	arch   seccompdata.Arch
	named  bool
}

func archPieces(old, new *Table) []piece {
	cuts := map[uint32]bool{0: true, 0x80000000: true}
	for _, t := range []*Table{old, new} {
		for _, a := range t.archIndex {
			cuts[a.lo] = true
			if a.hi != 0xffffffff {
				cuts[a.hi+1] = true
			}
		}
	}
	starts := make([]uint32, 0, len(cuts))
	for c := range cuts {
		starts = append(starts, c)
	}
	slices.Sort(starts)
	sec := func(t *Table, v uint32) int {
		i := findLo(len(t.archIndex), func(k int) uint32 { return t.archIndex[k].lo }, v)
		return t.archIndex[i].sec
	}
	var out []piece
	for i, lo := range starts {
		hi := uint32(0xffffffff)
		if i+1 < len(starts) {
			hi = starts[i+1] - 1
		}
		p := piece{lo: lo, hi: hi, o: sec(old, lo), n: sec(new, lo)}
		if a, ok := seccompdata.ArchByAudit(lo); ok && lo == hi {
			p.name, p.arch, p.named = a.Name, a, true
		} else {
			p.name, p.arch = fmt.Sprintf("arch %#x-%#x", lo, hi), seccompdata.ArchOf(lo)
			if lo == hi {
				p.name = fmt.Sprintf("arch %#x", lo)
			}
		}
		// Pieces in one section on both sides, of one width, are one.
		if n := len(out); n > 0 && !p.named && !out[n-1].named && out[n-1].o == p.o && out[n-1].n == p.n &&
			out[n-1].hi+1 == lo && (lo >= 0x80000000) == (out[n-1].lo >= 0x80000000) {
			out[n-1].hi = hi
			out[n-1].name = fmt.Sprintf("arch %#x-%#x", out[n-1].lo, hi)
			continue
		}
		out = append(out, p)
	}
	// Named arches first, in seccompdata's order (x86_64 first), as the
	// tables list their sections.
	order := map[string]int{}
	for i, a := range seccompdata.Arches() {
		order[a.Name] = i
	}
	rank := func(p piece) int {
		if p.named {
			return order[p.arch.Name]
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b piece) int { return rank(a) - rank(b) })
	return out
}

// narrow: on an arch whose registers are 32 bits wide (no
// __AUDIT_ARCH_64BIT; i386 is exempt, input.Call.Check), no argument or
// instruction_pointer has a high half.
func (p *piece) narrow() bool {
	return p.lo < 0x80000000 && p.lo != seccompdata.AuditArchI386
}

// item is one answer of a row: its region and value.
type item struct {
	f    *formula
	text string
	ret  uint32
}

func rowItems(r *Row) []item {
	if r.Cases == nil {
		return []item{{f: &formula{kind: fAnd}, ret: r.Ret}}
	}
	var out []item
	var others []Conj
	for _, c := range r.Cases {
		if c.When != nil {
			out = append(out, item{f: whenFormula(c.When), text: WhenText(c.When), ret: c.Ret})
			others = append(others, c.When...)
			continue
		}
		f := &formula{kind: fAnd}
		for _, it := range out {
			f.kids = append(f.kids, it.f.not())
		}
		out = append(out, item{f: f, text: "!(" + WhenText(others) + ")", ret: c.Ret})
	}
	return out
}

// acted is the value the kernel acts on for a policy's value: an ALLOW
// with data is plain ALLOW (seccomp_run_filters).
func acted(r uint32) uint32 {
	v, _ := seccompdata.Combine([]uint32{r})
	return v
}

func compareCell(d *Diff, old, new *Table, p piece, lo, hi uint32, ro, rn *Row) {
	base := p.context(lo, hi)
	if ro.Residual != nil || rn.Residual != nil {
		if ro.Residual != nil && rn.Residual != nil && sameResidual(ro.Residual, rn.Residual) {
			return
		}
		residualCell(d, old, new, p, lo, hi, ro, rn, base)
		return
	}
	for _, a := range rowItems(ro) {
		for _, b := range rowItems(rn) {
			ra, rb := acted(a.ret), acted(b.ret)
			if ra == rb {
				continue
			}
			var s solver
			w, v := s.search(base, []*formula{a.f, b.f})
			c := Change{Region: joinRegion(a.text, b.text), Class: classOf(ra, rb), OldRet: ra, NewRet: rb, old: a.f, new: b.f}
			switch v {
			case unsat:
				continue
			case unknown:
				// The exact search ran out: ask the vm, as for a
				// residual row, within the pair's region.
				residualCell(d, old, new, p, lo, hi, ro, rn, base)
				return
			}
			c.Input = p.witness(w)
			add(d, &d.Changes, p, lo, hi, c)
		}
	}
}

func joinRegion(a, b string) string {
	var parts []string
	for _, t := range []string{a, b} {
		if t == "" {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 2 {
		for i, t := range parts {
			if strings.Contains(t, "||") || strings.Contains(t, "&&") {
				if !(strings.HasPrefix(t, "!(") && strings.HasSuffix(t, ")")) {
					parts[i] = "(" + t + ")"
				}
			}
		}
	}
	return strings.Join(parts, " && ")
}

// add appends c for the numbers lo..hi of piece p, merging it into the
// last change when that is the same change for the numbers just below.
func add(d *Diff, list *[]Change, p piece, lo, hi uint32, c Change) {
	if n := len(*list); n > 0 {
		last := &(*list)[n-1]
		if last.Arch == p.name && last.NrHi+1 == lo && last.Region == c.Region && last.OldRet == c.OldRet &&
			last.NewRet == c.NewRet && last.Residual == c.Residual {
			last.NrHi = hi
			last.Syscalls, last.Unnamed = p.names(last.NrLo, hi)
			return
		}
	}
	c.Arch, c.Arches, c.NrLo, c.NrHi = p.name, []Range{{uint64(p.lo), uint64(p.hi)}}, lo, hi
	c.Syscalls, c.Unnamed = p.names(lo, hi)
	*list = append(*list, c)
}

// names returns the syscall names of lo..hi on the piece's arch (x32
// numbers on x86_64 by the x32 table), and how many numbers have none.
func (p *piece) names(lo, hi uint32) ([]string, uint64) {
	if !p.named {
		return nil, 0
	}
	var out []string
	var named uint64
	for _, r := range regions(p.arch, true) {
		a, b := max(lo, r.lo), min(hi, r.hi)
		if a > b || r.table == nil {
			continue
		}
		n, _ := names(r.table, a, b)
		out = append(out, n...)
		named += uint64(len(n))
	}
	return out, uint64(hi-lo) + 1 - named
}

// context is what every input of the cell meets: its numbers, its arch
// values, and no high halves on a narrow arch.
func (p *piece) context(lo, hi uint32) [16]word {
	var st [16]word
	st[0].set = ivset{{uint64(lo), uint64(hi)}}
	st[1].set = ivset{{uint64(p.lo), uint64(p.hi)}}
	if p.narrow() {
		for w := 3; w < 16; w += 2 {
			st[w].set = ivset{{0, 0}}
		}
	}
	return st
}

// witness turns word values (by significance) into an input.
func (p *piece) witness(w [16]uint32) Witness {
	d := dataOfSig(w)
	a, ok := seccompdata.ArchFor(d.Arch, d.Nr)
	if !ok {
		a = seccompdata.ArchOf(d.Arch)
	}
	return Witness{Arch: a, Data: d}
}

// Words by significance: 0 nr, 1 arch, 2 ip lo, 3 ip hi, 4+2i args[i] lo,
// 5+2i args[i] hi, whatever the byte order.
func sigWords(d *seccompdata.Data) [16]uint32 {
	var w [16]uint32
	w[0], w[1] = uint32(d.Nr), d.Arch
	w[2], w[3] = uint32(d.InstructionPointer), uint32(d.InstructionPointer>>32)
	for i, a := range d.Args {
		w[4+2*i], w[5+2*i] = uint32(a), uint32(a>>32)
	}
	return w
}

func dataOfSig(w [16]uint32) seccompdata.Data {
	d := seccompdata.Data{Nr: int32(w[0]), Arch: w[1], InstructionPointer: uint64(w[3])<<32 | uint64(w[2])}
	for i := range d.Args {
		d.Args[i] = uint64(w[5+2*i])<<32 | uint64(w[4+2*i])
	}
	return d
}

// fieldWords returns the word (by significance) of a 32-bit field, or the
// low and high words of a 64-bit one.
func fieldWords(f Field) (lo, hi int, wide bool) {
	switch f {
	case FieldNr:
		return 0, 0, false
	case FieldArch:
		return 1, 1, false
	case FieldIP:
		return 2, 3, true
	case FieldIPLo:
		return 2, 2, false
	case FieldIPHi:
		return 3, 3, false
	}
	i := int(f-fieldArgs) / 3
	switch (f - fieldArgs) % 3 {
	case 1:
		return 4 + 2*i, 4 + 2*i, false
	case 2:
		return 5 + 2*i, 5 + 2*i, false
	}
	return 4 + 2*i, 5 + 2*i, true
}

type fkind uint8

const (
	fAnd fkind = iota
	fOr
	fSet  // the word lies in set
	fAtom // the word meets atom
)

// formula is an and/or tree of constraints on the words of seccomp_data
// (by significance): the exact region of a case.
type formula struct {
	kind fkind
	kids []*formula
	w    int
	set  ivset
	a    atom
}

func leafSet(w int, s ivset) *formula { return &formula{kind: fSet, w: w, set: s} }
func leafAtom(w int, mask uint32, op Op, k uint32) *formula {
	return &formula{kind: fAtom, w: w, a: atom{mask, op, k}}
}
func and(kids ...*formula) *formula { return &formula{kind: fAnd, kids: kids} }
func or(kids ...*formula) *formula  { return &formula{kind: fOr, kids: kids} }

func (f *formula) eval(w *[16]uint32) bool {
	switch f.kind {
	case fAnd:
		for _, k := range f.kids {
			if !k.eval(w) {
				return false
			}
		}
		return true
	case fOr:
		for _, k := range f.kids {
			if k.eval(w) {
				return true
			}
		}
		return false
	case fSet:
		return f.set.contains(uint64(w[f.w]))
	}
	return f.a.holds(w[f.w])
}

// not is the negation, by De Morgan down to the leaves.
func (f *formula) not() *formula {
	switch f.kind {
	case fAnd, fOr:
		g := &formula{kind: fOr}
		if f.kind == fOr {
			g.kind = fAnd
		}
		for _, k := range f.kids {
			g.kids = append(g.kids, k.not())
		}
		return g
	case fSet:
		return leafSet(f.w, f.set.complement(0xffffffff))
	}
	return &formula{kind: fAtom, w: f.w, a: f.a.negate()}
}

func whenFormula(when []Conj) *formula {
	f := &formula{kind: fOr}
	for _, c := range when {
		g := &formula{kind: fAnd}
		for _, cond := range c {
			g.kids = append(g.kids, condFormula(cond))
		}
		f.kids = append(f.kids, g)
	}
	return f
}

// condFormula is a condition as constraints on words: a 64-bit one splits
// into its halves, exactly.
func condFormula(c Cond) *formula {
	lo, hi, wide := fieldWords(c.Field)
	if !wide {
		if c.In != nil {
			return leafSet(lo, fromRanges(c.In))
		}
		return leafAtom(lo, uint32(c.Mask), c.Op, uint32(c.K))
	}
	if c.In != nil {
		f := or()
		for _, r := range c.In {
			f.kids = append(f.kids, range64(lo, hi, r.Lo, r.Hi))
		}
		return f
	}
	mh, ml, kh, kl := uint32(c.Mask>>32), uint32(c.Mask), uint32(c.K>>32), uint32(c.K)
	switch c.Op {
	case Eq:
		return and(leafAtom(hi, mh, Eq, kh), leafAtom(lo, ml, Eq, kl))
	case Ne:
		return or(leafAtom(hi, mh, Ne, kh), leafAtom(lo, ml, Ne, kl))
	}
	strict := Gt
	if c.Op == Lt || c.Op == Le {
		strict = Lt
	}
	return or(leafAtom(hi, mh, strict, kh), and(leafAtom(hi, mh, Eq, kh), leafAtom(lo, ml, c.Op, kl)))
}

// range64 is lo64 <= v <= hi64 for the 64-bit value of words lo and hi.
func range64(lo, hi int, a, b uint64) *formula {
	ah, al, bh, bl := a>>32, a&0xffffffff, b>>32, b&0xffffffff
	if ah == bh {
		return and(leafSet(hi, ivset{{ah, ah}}), leafSet(lo, ivset{{al, bl}}))
	}
	f := or(and(leafSet(hi, ivset{{ah, ah}}), leafSet(lo, ivset{{al, 0xffffffff}})))
	if ah+1 <= bh-1 {
		f.kids = append(f.kids, leafSet(hi, ivset{{ah + 1, bh - 1}}))
	}
	f.kids = append(f.kids, and(leafSet(hi, ivset{{bh, bh}}), leafSet(lo, ivset{{0, bl}})))
	return f
}

// Bounds of one pair's search: the and/or nodes visited, and the nodes of
// the word tests.
const (
	maxDiffNodes      = 1 << 14
	maxDiffSolveNodes = 1 << 18
)

// solver searches for an input that meets a conjunction of formulas.
type solver struct {
	nodes, solveNodes int
}

// search returns word values (by significance) that meet st and every
// formula of todo, or says there are none, or that the budget ran out.
func (s *solver) search(st [16]word, todo []*formula) ([16]uint32, verdict) {
	if s.nodes == 0 && s.solveNodes == 0 {
		s.nodes, s.solveNodes = maxDiffNodes, maxDiffSolveNodes
	}
	return s.rec(st, todo, nil)
}

func (s *solver) rec(st [16]word, todo, ors []*formula) ([16]uint32, verdict) {
	todo = slices.Clone(todo)
	ors = slices.Clone(ors)
	for len(todo) > 0 {
		if s.nodes--; s.nodes < 0 {
			return [16]uint32{}, unknown
		}
		f := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		switch f.kind {
		case fAnd:
			todo = append(todo, f.kids...)
			continue
		case fOr:
			if len(f.kids) == 1 {
				todo = append(todo, f.kids[0])
			} else {
				ors = append(ors, f)
			}
			continue
		case fSet:
			wd := st[f.w]
			wd.set = wd.allowed().intersect(f.set)
			if wd.set == nil {
				wd.set = ivset{}
			}
			wd.compared = true
			st[f.w] = wd
		case fAtom:
			st[f.w] = st[f.w].with(f.a)
		}
		if _, v := st[f.w].solve(&s.solveNodes); v != sat {
			return [16]uint32{}, v
		}
	}
	if len(ors) > 0 {
		f := ors[0]
		result := unsat
		for _, k := range f.kids {
			w, v := s.rec(st, []*formula{k}, ors[1:])
			if v == sat {
				return w, sat
			}
			if v == unknown {
				result = unknown
			}
		}
		return [16]uint32{}, result
	}
	var out [16]uint32
	for i := range st {
		v, r := st[i].solve(&s.solveNodes)
		if r != sat {
			return out, r
		}
		out[i] = v
	}
	return out, sat
}

// sameResidual: two residual rows with the same parts.
func sameResidual(a, b *Residual) bool {
	if len(a.Filters) != len(b.Filters) {
		return false
	}
	for i := range a.Filters {
		pa, pb := a.Filters[i], b.Filters[i]
		if pa.Const != pb.Const || pa.Const && pa.Ret != pb.Ret ||
			!pa.Const && string(rawBytes(pa.Program)) != string(rawBytes(pb.Program)) {
			return false
		}
	}
	return true
}

// residualCell looks for an input of the cell on which the two differ
// with the tables' Lookup, which runs residual programs in the vm: the
// rows' witnesses, then the constants of the rows' conditions and
// programs (and their neighbours) in every word, then random values. A
// difference found is a change whose region is the whole cell; none found
// leaves the cell undecided.
func residualCell(d *Diff, old, new *Table, p piece, lo, hi uint32, ro, rn *Row, base [16]word) {
	consts := map[uint32]bool{0: true, 1: true, 0xffffffff: true, 0x80000000: true}
	addK := func(k uint32) { consts[k], consts[k+1], consts[k-1] = true, true, true }
	var seeds []seccompdata.Data
	reason := ""
	for _, r := range []*Row{ro, rn} {
		if r.Witness != nil {
			seeds = append(seeds, r.Witness.Data)
		}
		for _, c := range r.Cases {
			seeds = append(seeds, c.Witness.Data)
			for _, conj := range c.When {
				for _, cond := range conj {
					addK(uint32(cond.K))
					addK(uint32(cond.K >> 32))
					for _, rg := range cond.In {
						addK(uint32(rg.Lo))
						addK(uint32(rg.Hi))
						addK(uint32(rg.Lo >> 32))
						addK(uint32(rg.Hi >> 32))
					}
				}
			}
		}
		if r.Residual != nil {
			if reason == "" {
				reason = r.Residual.Reason
			}
			for _, part := range r.Residual.Filters {
				for _, in := range part.Program {
					if in.Op&0x07 != uint16(program.ClassRET) {
						addK(in.K)
					}
				}
			}
		}
	}
	ks := make([]uint32, 0, len(consts))
	for k := range consts {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	place := func(w [16]uint32) [16]uint32 {
		if w[0] < lo || w[0] > hi {
			w[0] = lo
		}
		if w[1] < p.lo || w[1] > p.hi {
			w[1] = p.lo
		}
		for i := range w {
			if !base[i].allowed().contains(uint64(w[i])) {
				w[i] = uint32(base[i].allowed()[0].lo)
			}
		}
		return w
	}
	try := func(w [16]uint32) bool {
		w = place(w)
		dd := dataOfSig(w)
		a, b := acted(old.Lookup(&dd)), acted(new.Lookup(&dd))
		if a == b {
			return false
		}
		c := Change{Region: "residual: " + reason, Residual: true, Class: classOf(a, b), OldRet: a, NewRet: b, Input: p.witness(w)}
		add(d, &d.Changes, p, lo, hi, c)
		return true
	}
	var starts [][16]uint32
	for _, s := range seeds {
		starts = append(starts, sigWords(&s))
	}
	starts = append(starts, [16]uint32{lo, p.lo})
	for _, s := range starts {
		if try(s) {
			return
		}
		for wi := 0; wi < 16; wi++ {
			for _, k := range ks {
				w := s
				w[wi] = k
				if try(w) {
					return
				}
			}
		}
	}
	rng := rand.New(rand.NewSource(int64(lo)<<32 | int64(p.lo)))
	for n := 0; n < 4096; n++ {
		w := starts[rng.Intn(len(starts))]
		for wi := 0; wi < 16; wi++ {
			switch rng.Intn(4) {
			case 0:
				w[wi] = ks[rng.Intn(len(ks))]
			case 1:
				w[wi] = rng.Uint32()
			}
		}
		if try(w) {
			return
		}
	}
	w := place([16]uint32{lo, p.lo})
	dd := dataOfSig(w)
	r := acted(old.Lookup(&dd))
	c := Change{Region: "residual: " + reason, Residual: true, Class: Changed, OldRet: r, NewRet: r, Input: p.witness(w)}
	add(d, &d.Undecided, p, lo, hi, c)
}
