package decision

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Limits of the work spent on one cell (one class of the stack's dispatch)
// and on a whole table. A cell that needs more keeps its residual programs
// instead, and its row says which limit it met.
const (
	maxPaths      = 4096    // feasible paths of one cell
	maxCellSteps  = 1 << 18 // instructions walked for one cell, over all its paths
	maxCellNodes  = 1 << 22 // search nodes of the feasibility tests of one cell
	maxTableSteps = 1 << 24 // instructions walked for the whole table
	maxTableNodes = 1 << 24 // search nodes for the whole table
)

// budget is the work left for a whole table.
type budget struct {
	steps, nodes int
}

type symKind uint8

const (
	symConst  symKind = iota
	symWord           // (seccomp_data word w) & m
	symOpaque         // computed in a way conditions cannot express
)

// sym is what a register or scratch slot holds on a path.
type sym struct {
	kind symKind
	c    uint32 // symConst: the value
	w    uint8  // symWord: the word index
	m    uint32 // symWord: the mask
	pc   int    // symOpaque: the instruction that computed it
}

func konst(c uint32) sym { return sym{kind: symConst, c: c} }

// value returns the constant s is, if it is one: a word masked with 0 is 0.
func (s sym) value() (uint32, bool) {
	switch {
	case s.kind == symConst:
		return s.c, true
	case s.kind == symWord && s.m == 0:
		return 0, true
	}
	return 0, false
}

// pathState is one path's machine: registers, scratch memory and what the
// path has learnt of each word of seccomp_data.
type pathState struct {
	a, x  sym
	mem   [16]sym
	words [16]word
}

// leaf is one feasible path through every filter of the stack.
type leaf struct {
	words [16]word
	rets  []uint32 // each filter's return value, in install order
	ret   uint32   // their combination (a single filter: its own value)
	wit   [16]uint32
}

// explorer walks every feasible path of a cell's residual programs.
type explorer struct {
	progs  []program.Program // per filter; nil where the filter is constant
	consts []uint32          // per filter, where progs[i] is nil
	order  fieldNamer
	folder *aluFolder
	table  *budget // work left for the whole table
	steps  int
	nodes  int
	leaves []leaf
	fail   string
	rets   []uint32
}

// fieldNamer names a word of seccomp_data in a section's byte order.
type fieldNamer func(w int) string

func (e *explorer) failf(format string, args ...any) {
	if e.fail == "" {
		e.fail = fmt.Sprintf(format, args...)
	}
}

// run explores every filter from the start state st (whose words carry
// the cell's constraints on nr and arch).
func (e *explorer) run(st pathState) {
	e.rets = make([]uint32, len(e.progs))
	e.filter(0, st)
}

func (e *explorer) filter(i int, st pathState) {
	if e.fail != "" {
		return
	}
	if i == len(e.progs) {
		e.finish(st)
		return
	}
	if e.progs[i] == nil {
		e.rets[i] = e.consts[i]
		e.filter(i+1, st)
		return
	}
	st.a, st.x = konst(0), konst(0)
	st.mem = [16]sym{}
	e.exec(i, 0, st)
}

func (e *explorer) finish(st pathState) {
	if len(e.leaves) >= maxPaths {
		e.failf("more than %d paths through the filters", maxPaths)
		return
	}
	l := leaf{words: st.words, rets: append([]uint32(nil), e.rets...)}
	if len(l.rets) == 1 {
		l.ret = l.rets[0]
	} else {
		l.ret, _ = seccompdata.Combine(l.rets)
	}
	for w := range l.words {
		l.wit[w] = l.words[w].wit
	}
	e.leaves = append(e.leaves, l)
}

// solve decides a word's constraints within the budgets of one test, of
// the cell and of the table; running out of any fails the cell.
func (e *explorer) solve(w int, wd word) (uint32, verdict) {
	b := min(maxSolveNodes, maxCellNodes-e.nodes, e.table.nodes)
	start := b
	v, res := wd.solve(&b)
	e.nodes += start - b
	e.table.nodes -= start - b
	if res == unknown {
		switch {
		case e.table.nodes <= 0:
			e.failf("the table's work budget (%d search steps) was spent on earlier rows", maxTableNodes)
		case e.nodes >= maxCellNodes:
			e.failf("the feasibility tests of its paths took more than %d search steps", maxCellNodes)
		default:
			e.failf("deciding the conditions on %s took more than %d search steps", e.order(w), maxSolveNodes)
		}
	}
	return v, res
}

// exec runs filter i from pc on st.
func (e *explorer) exec(i, pc int, st pathState) {
	p := e.progs[i]
	for {
		if e.fail != "" {
			return
		}
		if e.steps >= maxCellSteps {
			e.failf("more than %d instructions walked over its paths", maxCellSteps)
			return
		}
		if e.table.steps <= 0 {
			e.failf("the table's work budget (%d instructions walked) was spent on earlier rows", maxTableSteps)
			return
		}
		e.steps++
		e.table.steps--
		in := p[pc]
		op := program.Opcode(in.Op)
		switch op {
		case program.RetK:
			e.rets[i] = in.K
			e.filter(i+1, st)
			return
		case program.RetA:
			v, ok := st.a.value()
			if !ok {
				e.opaque(i, pc, st.a, "returns a value that depends on")
				return
			}
			e.rets[i] = v
			e.filter(i+1, st)
			return
		case program.LdAbsW:
			st.a = sym{kind: symWord, w: uint8(in.K / 4), m: 0xffffffff}
		case program.LdImm:
			st.a = konst(in.K)
		case program.LdxImm:
			st.x = konst(in.K)
		case program.LdLen:
			st.a = konst(seccompdata.Size) // seccomp_check_filter: ld #len is sizeof(struct seccomp_data)
		case program.LdxLen:
			st.x = konst(seccompdata.Size)
		case program.LdMem:
			st.a = st.mem[in.K&15]
		case program.LdxMem:
			st.x = st.mem[in.K&15]
		case program.St:
			st.mem[in.K&15] = st.a
		case program.Stx:
			st.mem[in.K&15] = st.x
		case program.Tax:
			st.x = st.a
		case program.Txa:
			st.a = st.x
		case program.Ja:
			pc += 1 + int(in.K)
			continue
		case program.JeqK, program.JgtK, program.JgeK, program.JsetK,
			program.JeqX, program.JgtX, program.JgeX, program.JsetX:
			e.branch(i, pc, st)
			return
		default:
			if program.Class(in.Op) != program.ClassALU {
				e.failf("pc %d (%s): an instruction the explorer does not know", pc, program.InstructionText(p, pc))
				return
			}
			a, stop := e.alu(p, pc, st.a, st.x)
			if stop {
				// A division by X == 0 ends the program with 0.
				e.rets[i] = 0
				e.filter(i+1, st)
				return
			}
			if e.fail != "" {
				return
			}
			st.a = a
		}
		pc++
	}
}

// opaque fails the cell because of a value the conditions cannot express.
func (e *explorer) opaque(i, pc int, s sym, what string) {
	p := e.progs[i]
	src := ""
	if s.kind == symOpaque {
		src = fmt.Sprintf(" computed at pc %d (%s)", s.pc, program.InstructionText(p, s.pc))
	}
	e.failf("pc %d (%s) %s the input through arithmetic%s that conditions cannot express", pc, program.InstructionText(p, pc), what, src)
}

// alu applies an ALU instruction symbolically. stop is true when it is a
// division by a constant 0 (the program ends with 0).
func (e *explorer) alu(p program.Program, pc int, a, x sym) (res sym, stop bool) {
	in := p[pc]
	op := program.Opcode(in.Op)
	operand := x
	if program.Src(in.Op) == program.SrcK {
		operand = konst(in.K)
	}
	aluOp := program.Op(in.Op)
	if op == program.Neg {
		operand = konst(0)
	}
	av, aConst := a.value()
	bv, bConst := operand.value()
	if aConst && bConst {
		v, ok := e.folder.fold(op, av, bv)
		if !ok {
			return sym{}, true
		}
		return konst(v), false
	}
	if (aluOp == program.OpDIV || aluOp == program.OpMOD) && bConst {
		// Whether a division ends the program depends on the divisor
		// alone; ask the vm with any dividend.
		if _, ok := e.folder.fold(op, 0, bv); !ok {
			return sym{}, true
		}
	}
	if (aluOp == program.OpDIV || aluOp == program.OpMOD) && !bConst {
		e.failf("pc %d (%s) divides by a value that depends on the input", pc, program.InstructionText(p, pc))
		return sym{}, false
	}
	switch {
	case aluOp == program.OpAND && a.kind == symWord && bConst:
		return sym{kind: symWord, w: a.w, m: a.m & bv}, false
	case aluOp == program.OpAND && operand.kind == symWord && aConst:
		return sym{kind: symWord, w: operand.w, m: operand.m & av}, false
	case op != program.Neg && bConst && identity(aluOp, bv):
		return a, false
	case aluOp == program.OpAND && bConst && bv == 0, aluOp == program.OpMUL && bConst && bv == 0:
		return konst(0), false
	case aluOp == program.OpOR && bConst && bv == 0xffffffff:
		return konst(0xffffffff), false
	}
	return sym{kind: symOpaque, pc: pc}, false
}

// identity reports whether A op k leaves A unchanged.
func identity(aluOp uint16, k uint32) bool {
	switch aluOp {
	case program.OpADD, program.OpSUB, program.OpOR, program.OpXOR, program.OpLSH, program.OpRSH:
		return k == 0
	case program.OpMUL, program.OpDIV:
		return k == 1
	case program.OpAND:
		return k == 0xffffffff
	}
	return false
}

// branch follows a conditional jump into each feasible side.
func (e *explorer) branch(i, pc int, st pathState) {
	p := e.progs[i]
	in := p[pc]
	b := st.x
	if program.Src(in.Op) == program.SrcK {
		b = konst(in.K)
	}
	var cmp Op
	jset := false
	switch program.Op(in.Op) {
	case program.OpJEQ:
		cmp = Eq
	case program.OpJGT:
		cmp = Gt
	case program.OpJGE:
		cmp = Ge
	default:
		jset = true
	}
	tPC, fPC := pc+1+int(in.Jt), pc+1+int(in.Jf)
	a := st.a
	av, aConst := a.value()
	bv, bConst := b.value()
	if a.kind == symOpaque || b.kind == symOpaque {
		s := a
		if s.kind != symOpaque {
			s = b
		}
		e.opaque(i, pc, s, "compares a value that depends on")
		return
	}
	var w int
	var at atom
	onWord := func(s sym, k uint32, flipped bool) {
		w = int(s.w)
		switch {
		case jset:
			at = atom{mask: s.m & k, op: Ne}
		case flipped:
			at = atom{mask: s.m, op: cmp.flip(), k: k}
		default:
			at = atom{mask: s.m, op: cmp, k: k}
		}
	}
	switch {
	case a.kind == symConst && b.kind == symConst:
		if holds(cmp, jset, av, bv) {
			e.exec(i, tPC, st)
		} else {
			e.exec(i, fPC, st)
		}
		return
	case a.kind == symWord && b.kind == symConst:
		onWord(a, bv, false)
	case b.kind == symWord && a.kind == symConst:
		onWord(b, av, true)
	case a.w == b.w && a.m == b.m:
		w = int(a.w)
		switch {
		case jset:
			at = atom{mask: a.m, op: Ne}
		case cmp == Gt:
			e.exec(i, fPC, st)
			return
		default: // v == v, v >= v
			e.exec(i, tPC, st)
			return
		}
	case aConst: // a word masked with 0 is the constant 0
		onWord(b, av, true)
	case bConst:
		onWord(a, bv, false)
	default:
		e.failf("pc %d (%s) compares %s with %s: conditions between two words cannot be expressed", pc,
			program.InstructionText(p, pc), e.order(int(a.w)), e.order(int(b.w)))
		return
	}
	for _, side := range []struct {
		a  atom
		pc int
	}{{at, tPC}, {at.negate(), fPC}} {
		next := st
		nw := st.words[w].with(side.a)
		// The path's witness decides one side without a search.
		if !side.a.holds(nw.wit) {
			v, res := e.solve(w, nw)
			if res != sat {
				if e.fail != "" {
					return
				}
				continue
			}
			nw.wit = v
		}
		next.words[w] = nw
		e.exec(i, side.pc, next)
		if e.fail != "" {
			return
		}
	}
}

func atomOf(cmp Op, jset bool, mask, k uint32) atom {
	if jset {
		return atom{mask: mask & k, op: Ne}
	}
	return atom{mask: mask, op: cmp, k: k}
}

func holds(cmp Op, jset bool, a, b uint32) bool {
	if jset {
		return a&b != 0
	}
	return cmp.holds(uint64(a), uint64(b))
}

// aluFolder computes ALU instructions on constants by running them in the
// vm, the one definition of the arithmetic (division by zero, shift
// counts): one small program per operation, compiled on first use.
type aluFolder struct {
	progs map[program.Opcode][2]*vm.Filter
}

// fold returns A op B; ok is false when the program ends there (a
// division by zero, which returns 0).
func (f *aluFolder) fold(op program.Opcode, a, b uint32) (uint32, bool) {
	xop := op
	if op != program.Neg {
		xop = program.Opcode(uint16(op)&^program.SrcX | program.SrcX)
	}
	fs, ok := f.progs[xop]
	if !ok {
		// A = word 4, X = word 5; the second program returns 1 when the
		// operation did not end it.
		body := program.Program{
			program.Stmt(program.LdAbsW, 20), program.Stmt(program.Tax, 0),
			program.Stmt(program.LdAbsW, 16), program.Stmt(xop, 0),
		}
		value := append(body[:4:4], program.Stmt(program.RetA, 0))
		done := append(body[:4:4], program.Stmt(program.LdImm, 1), program.Stmt(program.RetA, 0))
		for j, p := range []program.Program{value, done} {
			c, err := vm.Compile(p, verifier.Seccomp)
			if err != nil {
				panic(fmt.Sprintf("decision: folding %v: %v", xop, err))
			}
			fs[j] = c
		}
		if f.progs == nil {
			f.progs = map[program.Opcode][2]*vm.Filter{}
		}
		f.progs[xop] = fs
	}
	var w [16]uint32
	w[4], w[5] = a, b
	if fs[1].RunSeccompPlain(&w) == 0 {
		return 0, false
	}
	return fs[0].RunSeccompPlain(&w), true
}
