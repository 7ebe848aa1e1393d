package vm

import (
	"slices"
	"sort"
	"unsafe"

	"github.com/bpfsim/bpfsim/program"
)

// This file precomputes, when a seccomp filter is compiled, its answer for
// each (arch, nr) its dispatch tells apart: seccomp_data's arch and nr are
// known, args and instruction_pointer are not. It is a partial evaluator
// over the compiled program:
//
//  1. Classes. The program runs with one of the two words as a symbol
//     confined to an interval (the other known, or unknown), every further
//     word unknown. Each comparison of the unchanged symbol with a
//     constant cuts the interval; the cut points split the 32-bit space
//     into classes whose members pass every such comparison, on every
//     path, the same way. If the symbol is used in any other way
//     (arithmetic on it, a comparison with X, returning it) there are no
//     classes: that arch runs on the plain interpreter.
//  2. Arch classes first (nr unknown); then, per arch class, nr classes
//     with the arch fixed to the class's first value.
//  3. Per (arch class, nr class), the program runs again with both words
//     known: what depends on them is folded, what depends on the other
//     words is kept. A run that ends before it reads another word is a
//     constant; otherwise what was kept is a residual program of the same
//     internal code, run by the same interpreter. The dispatch prefix
//     that all nr classes of an arch share is walked once.
//
// Anything given up (a class analysis, a residual too large) is never
// wrong, only slower: the Filter then answers through its plain loop.

// absKind says what the partial evaluator knows of a value.
type absKind uint8

const (
	unknown absKind = iota // depends on a word the evaluator does not know
	known                  // the constant c
	symbol                 // the word being classified, unchanged
)

type absVal struct {
	kind absKind
	c    uint32
}

// absState is the machine as the partial evaluator sees it. lo and hi
// confine the symbol.
type absState struct {
	a, x   absVal
	mem    [program.MemWords]absVal
	lo, hi uint32
}

// Limits that keep compiling cheap; past them an arch, or one class,
// falls back to the plain interpreter.
const (
	maxSteps    = 1 << 20 // instructions walked in all, per Compile
	maxResidual = 1024    // instructions of one residual program
	denseNr     = 1024    // nr values looked up by index rather than search
)

// leaf is the precomputed answer for one (arch class, nr class).
type leaf struct {
	code  []insn // the residual program; nil when the answer is ret
	ret   uint32
	plain bool // not precomputed: run the plain interpreter
}

// nrTable maps nr to its class's leaf.
type nrTable struct {
	dense  []uint16 // class of nr, for nr < len(dense)
	bounds []uint32 // class i is [bounds[i], bounds[i+1]); bounds[0] == 0
	leaves []leaf   // leaf of class i
}

// archClass is the precomputed dispatch for one class of arch values.
type archClass struct {
	lo    uint32 // the class is [lo, the next class's lo)
	plain bool   // not precomputed
	nr    nrTable
}

// fastPath is a seccomp Filter's precomputed dispatch, built by Compile and
// never changed.
type fastPath struct {
	arches []archClass
}

// lookup returns the leaf for w's arch (word 1) and nr (word 0), or nil
// when the plain interpreter must run.
func (fp *fastPath) lookup(w *[16]uint32) *leaf {
	arch, nr := w[1], w[0]
	as := fp.arches
	i := len(as) - 1
	for i > 0 && as[i].lo > arch {
		i--
	}
	if as[i].plain {
		return nil
	}
	t := &as[i].nr
	var c int
	if nr < uint32(len(t.dense)) {
		c = int(t.dense[nr])
	} else {
		c = sort.Search(len(t.bounds), func(j int) bool { return t.bounds[j] > nr }) - 1
	}
	if l := &t.leaves[c]; !l.plain {
		return l
	}
	return nil
}

// Words of seccomp_data the dispatch is keyed on.
const (
	wordNr   = 0
	wordArch = 1
)

// mergePoints marks the instructions more than one other instruction
// leads to (other than rets, which end a path at once): the only places
// where a path can meet a state seen before, and so the only places the
// evaluator remembers states.
func mergePoints(code []insn) []bool {
	in := make([]uint8, len(code))
	add := func(pc int) {
		if in[pc] < 2 {
			in[pc]++
		}
	}
	for pc := range code {
		c := &code[pc]
		switch {
		case c.op == opRetK || c.op == opRetA:
		case isJump(c.op):
			t, f := edges(pc, c)
			add(t)
			if f != t {
				add(f)
			}
		default:
			add(pc + 1)
		}
	}
	merge := make([]bool, len(code))
	for pc, n := range in {
		merge[pc] = n > 1 && code[pc].op != opRetK && code[pc].op != opRetA
	}
	return merge
}

// specialize builds the fast path of a compiled seccomp program, or
// returns nil when no arch could be precomputed.
func specialize(code []insn) *fastPath {
	merge := mergePoints(code)
	budget := maxSteps
	archCuts, ok := classes(code, merge, &budget, wordArch, nil)
	if !ok {
		return nil
	}
	fp := &fastPath{arches: make([]archClass, len(archCuts))}
	any := false
	for i, lo := range archCuts {
		ac := &fp.arches[i]
		ac.lo = lo
		arch := absVal{kind: known, c: lo}
		nrCuts, ok := classes(code, merge, &budget, wordNr, &arch)
		if !ok {
			ac.plain = true
			continue
		}
		ac.nr = nrTable{bounds: nrCuts, leaves: make([]leaf, len(nrCuts))}
		for j := range ac.nr.leaves {
			ac.nr.leaves[j].plain = true
		}
		routes(code, merge, &budget, lo, nrCuts, ac.nr.leaves)
		ac.nr.dense = make([]uint16, min(denseNr, 1<<16))
		j := 0
		for nr := range ac.nr.dense {
			for j+1 < len(nrCuts) && nrCuts[j+1] <= uint32(nr) {
				j++
			}
			ac.nr.dense[nr] = uint16(j)
		}
		any = true
	}
	if !any || len(archCuts) > 1<<16 {
		return nil
	}
	return fp
}

// start is the machine at pc 0: A, X and memory zero (bpf_convert_filter
// zeroes A and X; memory is never read before it is written), the symbol
// anywhere.
func start() absState {
	s := absState{a: absVal{kind: known}, x: absVal{kind: known}, hi: ^uint32(0)}
	for i := range s.mem {
		s.mem[i] = absVal{kind: known}
	}
	return s
}

// word is what ld [4*k] loads: the symbol (sym), the other key word
// (other, or unknown when nil), or an unknown word.
func (s *absState) word(k uint32, sym int, other *absVal) absVal {
	switch {
	case k == uint32(sym):
		if s.lo == s.hi {
			return absVal{kind: known, c: s.lo}
		}
		return absVal{kind: symbol}
	case other != nil && k == uint32(1-sym):
		return *other
	}
	return absVal{}
}

// classes runs code with word sym as the symbol and the other key word
// known as *other (unknown when nil), and returns the sorted class starts
// (the first is 0), or false when the symbol is used in a way classes
// cannot follow or the exploration grows too large.
func classes(code []insn, merge []bool, budget *int, sym int, other *absVal) ([]uint32, bool) {
	cuts := map[uint32]bool{0: true}
	cut := func(s *absState) {
		cuts[s.lo] = true
		if s.hi != ^uint32(0) {
			cuts[s.hi+1] = true
		}
	}
	type job struct {
		pc int
		s  absState
	}
	seen := map[job]bool{}
	stack := []job{{0, start()}}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for {
			if merge[j.pc] {
				if seen[j] {
					break
				}
				seen[j] = true
			}
			if *budget--; *budget <= 0 {
				return nil, false
			}
			in := &code[j.pc]
			if in.op == opRetK {
				break
			}
			if in.op == opRetA {
				if j.s.a.kind == symbol {
					return nil, false // the answer is the symbol itself
				}
				break
			}
			if isJump(in.op) {
				onTrue, onFalse := edges(j.pc, in)
				t, f, split, ok := j.s.branch(in)
				if !ok {
					return nil, false
				}
				if f != nil {
					if split {
						cut(f)
					}
					f.settle()
					stack = append(stack, job{onFalse, *f})
				}
				if t != nil {
					if split {
						cut(t)
					}
					t.settle()
					j = job{onTrue, *t}
					continue
				}
				break
			}
			if in.op == opLdWord {
				j.s.a = j.s.word(in.k&15, sym, other)
			} else if !j.s.step(in) {
				return nil, false
			}
			j.pc++
		}
	}
	out := make([]uint32, 0, len(cuts))
	for p := range cuts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, true
}

// routes fills leaves (one per nr class, class i starting at cuts[i]) for
// the arch value arch: it walks the dispatch once for all classes, telling
// them apart at each comparison of nr, and from where a class is alone, or
// where the program first reads a word other than nr and arch, it builds
// that class's residual program.
func routes(code []insn, merge []bool, budget *int, arch uint32, cuts []uint32, leaves []leaf) {
	archVal := absVal{kind: known, c: arch}
	all := make([]int, len(cuts))
	for i := range all {
		all[i] = i
	}
	type job struct {
		pc    int
		s     absState
		cells []int
	}
	residualFor := func(pc int, s absState, cells []int) {
		for _, c := range cells {
			cs := s
			cs.lo, cs.hi = cuts[c], cuts[c]
			cs.settle()
			if *budget <= 0 {
				return // those left run on the plain interpreter
			}
			leaves[c] = residual(code, merge, budget, pc, cs, cuts[c], arch)
		}
	}
	stack := []job{{0, start(), all}}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for {
			if *budget--; *budget <= 0 {
				return // the classes not reached run on the plain interpreter
			}
			in := &code[j.pc]
			if in.op == opRetK {
				for _, c := range j.cells {
					leaves[c] = leaf{ret: in.k}
				}
				break
			}
			if len(j.cells) == 1 || in.op == opRetA || (in.op == opLdWord && in.k&15 > wordArch) {
				residualFor(j.pc, j.s, j.cells)
				break
			}
			if isJump(in.op) {
				onTrue, onFalse := edges(j.pc, in)
				test, withX := jumpTest(in.op)
				operand := absVal{kind: known, c: in.k}
				if withX {
					operand = j.s.x
				}
				if j.s.a.kind != symbol || operand.kind != known || in.op == opJa {
					t, f, _, ok := j.s.branch(in)
					if !ok || (t != nil && f != nil) {
						// Depends on an unknown word (not yet
						// read, so this cannot happen) or on
						// the symbol in a way classes exclude.
						residualFor(j.pc, j.s, j.cells)
						break
					}
					if t != nil {
						j.pc, j.s = onTrue, *t
					} else {
						j.pc, j.s = onFalse, *f
					}
					continue
				}
				// Partition the cells in place, those the test
				// fails for first: the two parts are disjoint
				// ranges of one array from here on.
				cells := j.cells
				n := 0
				for i, c := range cells {
					if !holds(test, cuts[c], operand.c) {
						cells[i], cells[n] = cells[n], cells[i]
						n++
					}
				}
				no, yes := cells[:n:n], cells[n:]
				if len(no) > 0 {
					stack = append(stack, job{onFalse, j.s, no})
				}
				if len(yes) == 0 {
					break
				}
				j.pc, j.cells = onTrue, yes
				continue
			}
			if in.op == opLdWord {
				j.s.a = j.s.word(in.k&15, wordNr, &archVal)
			} else if !j.s.step(in) {
				residualFor(j.pc, j.s, j.cells)
				break
			}
			j.pc++
		}
	}
}

// settle makes the symbol a constant wherever its interval is one value.
func (s *absState) settle() {
	if s.lo != s.hi {
		return
	}
	fix := func(v *absVal) {
		if v.kind == symbol {
			*v = absVal{kind: known, c: s.lo}
		}
	}
	fix(&s.a)
	fix(&s.x)
	for i := range s.mem {
		fix(&s.mem[i])
	}
}

// step applies one instruction other than a jump, a ret and ld [k] to s.
// It returns false when the symbol would take part in arithmetic.
func (s *absState) step(in *insn) bool {
	switch in.op {
	case opLdImm:
		s.a = absVal{kind: known, c: in.k}
	case opLdxImm:
		s.x = absVal{kind: known, c: in.k}
	case opLdMem:
		s.a = s.mem[in.k&(program.MemWords-1)]
	case opLdxMem:
		s.x = s.mem[in.k&(program.MemWords-1)]
	case opSt:
		s.mem[in.k&(program.MemWords-1)] = s.a
	case opStx:
		s.mem[in.k&(program.MemWords-1)] = s.x
	case opTax:
		s.x = s.a
	case opTxa:
		s.a = s.x
	default:
		xop, isK, ok := aluOperand(in.op)
		if !ok {
			return false // no packet load gets past seccomp's rules
		}
		if s.a.kind == symbol || (!isK && s.x.kind == symbol) {
			return false
		}
		if s.a.kind == unknown || (!isK && s.x.kind == unknown) {
			s.a = absVal{}
			return true
		}
		operand := in.k
		if !isK {
			operand = s.x.c
		}
		if v, ok := foldALU(xop, s.a.c, operand); ok {
			s.a = absVal{kind: known, c: v}
		} else {
			// A division by a known X of 0 ends the program with 0;
			// classes need only the paths that go on.
			s.a = absVal{}
		}
	}
	return true
}

// branch returns the states on the edges where the conditional jump's test
// holds (t) and fails (f), nil for an edge that cannot be taken; split
// says the symbol's interval was cut; ok is false when the test involves
// the symbol in a way classes cannot follow.
func (s *absState) branch(in *insn) (t, f *absState, split, ok bool) {
	with := func(lo, hi uint32) *absState {
		n := *s
		n.lo, n.hi = lo, hi
		return &n
	}
	if in.op == opJa {
		return with(s.lo, s.hi), nil, false, true
	}
	test, withX := jumpTest(in.op)
	operand := absVal{kind: known, c: in.k}
	if withX {
		operand = s.x
	}
	switch {
	case s.a.kind == known && operand.kind == known:
		if holds(test, s.a.c, operand.c) {
			return with(s.lo, s.hi), nil, false, true
		}
		return nil, with(s.lo, s.hi), false, true
	case s.a.kind == symbol && operand.kind == known:
		t, f, ok := s.cut(test, operand.c)
		return t, f, true, ok
	case s.a.kind == symbol || operand.kind == symbol:
		return nil, nil, false, false
	}
	t, f = with(s.lo, s.hi), with(s.lo, s.hi)
	if test == testEq && !withX {
		t.a = absVal{kind: known, c: in.k} // A == k on the true edge
	}
	return t, f, false, true
}

// cut splits s's interval on "symbol test c". When the false side of an
// equality is two intervals, the false edge keeps the whole interval: c
// is its own class all the same (the true edge cuts at c and c+1), and a
// path that c cannot take only adds cuts, which never makes classes wrong.
func (s *absState) cut(test uint8, c uint32) (t, f *absState, ok bool) {
	with := func(lo, hi uint32) *absState {
		n := *s
		n.lo, n.hi = lo, hi
		return &n
	}
	lo, hi := s.lo, s.hi
	switch test {
	case testEq:
		switch {
		case c < lo || c > hi:
			return nil, with(lo, hi), true
		case lo == hi:
			return with(lo, hi), nil, true
		case c == lo:
			return with(c, c), with(c+1, hi), true
		case c == hi:
			return with(c, c), with(lo, c-1), true
		}
		return with(c, c), with(lo, hi), true
	case testGt:
		switch {
		case c >= hi:
			return nil, with(lo, hi), true
		case c < lo:
			return with(lo, hi), nil, true
		}
		return with(c+1, hi), with(lo, c), true
	case testGe:
		switch {
		case c > hi:
			return nil, with(lo, hi), true
		case c <= lo:
			return with(lo, hi), nil, true
		}
		return with(c, hi), with(lo, c-1), true
	}
	// jset: decided only when the interval is one value or the mask 0.
	switch {
	case c == 0:
		return nil, with(lo, hi), true
	case lo == hi && lo&c != 0:
		return with(lo, hi), nil, true
	case lo == hi:
		return nil, with(lo, hi), true
	}
	return nil, nil, false
}

// Tests of the conditional jumps.
const (
	testEq uint8 = iota
	testGt
	testGe
	testSet
)

// jumpTest returns the test a conditional jump makes and whether it
// compares A with X rather than k. The negated one-target forms make the
// same test with their targets swapped (see edges).
func jumpTest(op uint8) (test uint8, withX bool) {
	switch op {
	case opJeqK, opJeqK1, opJneK1:
		return testEq, false
	case opJgtK, opJgtK1, opJleK1:
		return testGt, false
	case opJgeK, opJgeK1, opJltK1:
		return testGe, false
	case opJsetK, opJsetK1, opJnsetK1:
		return testSet, false
	case opJeqX, opJeqX1, opJneX1:
		return testEq, true
	case opJgtX, opJgtX1, opJleX1:
		return testGt, true
	case opJgeX, opJgeX1, opJltX1:
		return testGe, true
	}
	return testSet, true // opJsetX, opJsetX1, opJnsetX1
}

// edges returns where a jump at pc goes when its test holds and when it
// fails (for ja, both are its target).
func edges(pc int, in *insn) (onTrue, onFalse int) {
	switch in.op {
	case opJa:
		return int(in.jt), int(in.jt)
	case opJeqK, opJgtK, opJgeK, opJsetK, opJeqX, opJgtX, opJgeX, opJsetX:
		return int(in.jt), int(in.jf)
	case opJneK1, opJleK1, opJltK1, opJnsetK1, opJneX1, opJleX1, opJltX1, opJnsetX1:
		return pc + 1, int(in.jt)
	}
	return int(in.jt), pc + 1
}

func isJump(op uint8) bool { return op >= opJa && op <= opJnsetX1 }

func holds(test uint8, a, b uint32) bool {
	switch test {
	case testEq:
		return a == b
	case testGt:
		return a > b
	case testGe:
		return a >= b
	}
	return a&b != 0
}

// aluOperand returns the X form of an ALU opcode (itself for an X form) and
// whether op takes k; ok is false for a non-ALU opcode. opNeg is its own X
// form.
func aluOperand(op uint8) (xform uint8, isK bool, ok bool) {
	switch {
	case op >= opAddK && op <= opRshK:
		return op - opAddK + opAddX, true, true
	case op == opNeg:
		return op, true, true
	case op >= opAddX && op <= opRshX:
		return op, false, true
	}
	return 0, false, false
}

// foldALU computes the ALU operation xop (an X form, or opNeg) on a and b by
// running it: the interpreter is the one definition of the arithmetic.
// false means a division by 0, which ends the program with 0.
func foldALU(xop uint8, a, b uint32) (uint32, bool) {
	code := [2]insn{{op: xop}, {op: opRetA}}
	m := machine{a: a, x: b}
	var w [16]uint32
	if pc, _ := run(code[:], &m, 0, &w, nil, false); pc == 0 {
		return 0, false
	}
	return m.ret, true
}

// residual builds the leaf of one (arch, nr) class from pc, where the
// machine is s (with the symbol settled to nr): it runs the rest of code
// with nr and arch known and every other word unknown, keeping what
// depends on the unknown words.
func residual(code []insn, merge []bool, budget *int, pc int, s absState, nr, arch uint32) leaf {
	g := &residualGen{src: code, merge: merge, budget: budget, nr: nr, arch: arch}
	g.block(pc, s)
	switch {
	case g.failed:
		return leaf{plain: true}
	case len(g.out) == 1 && g.out[0].op == opRetK:
		return leaf{ret: g.out[0].k}
	}
	return leaf{code: slices.Clip(g.out)}
}

// residualGen emits a residual program. Its code is a DAG in any layout:
// every jump names both targets absolutely.
type residualGen struct {
	src      []insn
	merge    []bool // mergePoints of src: where memo is kept
	budget   *int   // instructions left to walk in this Compile
	out      []insn
	memo     map[genKey]int // made on first use
	nr, arch uint32
	failed   bool
}

type genKey struct {
	pc int
	s  absState
}

// block emits the code for running src from pc in state s and returns the
// index of its first instruction.
func (g *residualGen) block(pc int, s absState) int {
	if i, ok := g.memo[genKey{pc, s}]; ok && g.merge[pc] {
		return i
	}
	entry := genKey{pc, s}
	first := -1
	emit := func(in insn) int {
		if len(g.out) >= maxResidual {
			g.failed = true
		}
		if first < 0 {
			first = len(g.out)
		}
		g.out = append(g.out, in)
		return len(g.out) - 1
	}
	// materializeA makes the run-time A hold a value the evaluator knows
	// but has not emitted. X never needs it: a known X becomes the k of
	// the K form of the instruction that reads it.
	materializeA := func() {
		if s.a.kind == known {
			emit(insn{op: opLdImm, k: s.a.c})
			s.a = absVal{}
		}
	}
	finish := func() int {
		if g.merge[entry.pc] {
			if g.memo == nil {
				g.memo = map[genKey]int{}
			}
			g.memo[entry] = first
		}
		return first
	}
	for !g.failed {
		if *g.budget--; *g.budget <= 0 {
			g.failed = true
			break
		}
		in := &g.src[pc]
		switch {
		case in.op == opRetK:
			emit(insn{op: opRetK, k: in.k})
			return finish()
		case in.op == opRetA:
			if s.a.kind == known {
				emit(insn{op: opRetK, k: s.a.c})
			} else {
				emit(insn{op: opRetA})
			}
			return finish()
		case in.op == opLdWord:
			switch k := in.k & 15; k {
			case wordNr:
				s.a = absVal{kind: known, c: g.nr}
			case wordArch:
				s.a = absVal{kind: known, c: g.arch}
			default:
				emit(insn{op: opLdWord, k: k})
				s.a = absVal{}
			}
		case in.op == opLdMem:
			if s.a = s.mem[in.k&(program.MemWords-1)]; s.a.kind == unknown {
				emit(*in)
			}
		case in.op == opLdxMem:
			if s.x = s.mem[in.k&(program.MemWords-1)]; s.x.kind == unknown {
				emit(*in)
			}
		case in.op == opSt:
			if s.mem[in.k&(program.MemWords-1)] = s.a; s.a.kind == unknown {
				emit(*in)
			}
		case in.op == opStx:
			if s.mem[in.k&(program.MemWords-1)] = s.x; s.x.kind == unknown {
				emit(*in)
			}
		case in.op == opTax:
			if s.x = s.a; s.a.kind == unknown {
				emit(*in)
			}
		case in.op == opTxa:
			if s.a = s.x; s.x.kind == unknown {
				emit(*in)
			}
		case in.op == opLdImm || in.op == opLdxImm:
			s.step(in)
		case isJump(in.op):
			onTrue, onFalse := edges(pc, in)
			t, f, _, ok := s.branch(in)
			if !ok {
				g.failed = true
				return 0
			}
			if t == nil || f == nil || onTrue == onFalse {
				next, ns := onTrue, t
				switch {
				case t == nil:
					next, ns = onFalse, f
				case f != nil:
					// Both edges lead to one place: nothing is
					// learnt from the test.
					ns = f
				}
				if i, ok := g.memo[genKey{next, *ns}]; ok && g.merge[next] {
					if first < 0 {
						first = i
					} else {
						emit(insn{op: opJa, jt: uint16(i)})
					}
					return finish()
				}
				pc, s = next, *ns
				continue
			}
			// Depends on the unknown words: keep the test.
			test, withX := jumpTest(in.op)
			var j insn
			if withX && s.x.kind == unknown {
				materializeA()
				t.a, f.a = s.a, s.a
				j = insn{op: [...]uint8{opJeqX, opJgtX, opJgeX, opJsetX}[test]}
			} else {
				k := in.k
				if withX {
					k = s.x.c
				}
				j = insn{op: [...]uint8{opJeqK, opJgtK, opJgeK, opJsetK}[test], k: k}
			}
			at := emit(j)
			jt := g.block(onTrue, *t)
			jf := g.block(onFalse, *f)
			g.out[at].jt, g.out[at].jf = uint16(jt), uint16(jf)
			return finish()
		default:
			xop, isK, ok := aluOperand(in.op)
			if !ok {
				g.failed = true
				return 0
			}
			switch {
			case s.a.kind == known && (isK || s.x.kind == known):
				b := in.k
				if !isK {
					b = s.x.c
				}
				v, ok := foldALU(xop, s.a.c, b)
				if !ok {
					emit(insn{op: opRetK}) // division by zero: A = 0, return
					return finish()
				}
				s.a = absVal{kind: known, c: v}
			case isK || s.x.kind == known:
				b := in.k
				if !isK {
					b = s.x.c
				}
				if (xop == opDivX || xop == opModX) && b == 0 {
					emit(insn{op: opRetK})
					return finish()
				}
				switch {
				case xop == opNeg:
					emit(insn{op: opNeg})
				case xop == opLshX || xop == opRshX:
					// The X forms shift by X & 31, as the K forms,
					// whose k the kernel keeps below 32.
					emit(insn{op: xop - opAddX + opAddK, k: b & 31})
				default:
					emit(insn{op: xop - opAddX + opAddK, k: b})
				}
			default:
				materializeA()
				emit(insn{op: xop})
				s.a = absVal{}
			}
			if s.a.kind != known {
				s.a = absVal{}
			}
		}
		pc++
	}
	return 0
}

// size is the memory the fast path holds, in bytes (residual programs
// shared between classes counted once).
func (fp *fastPath) size() int {
	n := int(unsafe.Sizeof(*fp)) + cap(fp.arches)*int(unsafe.Sizeof(archClass{}))
	seen := map[*insn]bool{}
	for _, ac := range fp.arches {
		t := &ac.nr
		n += cap(t.dense)*2 + cap(t.bounds)*4 + cap(t.leaves)*int(unsafe.Sizeof(leaf{}))
		for _, l := range t.leaves {
			if len(l.code) > 0 && !seen[&l.code[0]] {
				seen[&l.code[0]] = true
				n += cap(l.code) * int(unsafe.Sizeof(insn{}))
			}
		}
	}
	return n
}
