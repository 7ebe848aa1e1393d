package fuzz

import (
	"fmt"
	"sort"

	"sigs.k8s.io/randfill"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Policy is what a generated filter means, in the terms real filter
// generators use: an optional arch check, an optional x32 check, rules that
// match a syscall number and conditions on its arguments, and a default
// action. Program renders it as a classic BPF program, shaped the way real
// generators shape theirs; Eval is its reference meaning. A fuzzer that finds
// Program's result and Eval disagreeing on the kernel has found a bug in one
// of them or in the kernel oracle, which is how bpfsim fuzzes itself with
// the same tools it offers for other generators.
type Policy struct {
	// CheckArch makes the filter return ArchMismatch for any arch but Arch.
	CheckArch    bool
	Arch         uint32
	ArchMismatch seccompdata.Action
	// CheckX32 makes the filter return X32 for every nr with the x32 bit
	// (0x40000000) or a higher one set, as the unsigned comparison
	// "jge #0x40000000" does.
	CheckX32 bool
	X32      seccompdata.Action
	// Tree dispatches on nr with a binary search (jge) instead of a chain
	// of jeq.
	Tree bool
	// Rules are tried in order; the first whose Nr equals nr and whose
	// conditions all hold decides.
	Rules []Rule
	// Default is returned when no rule matches.
	Default seccompdata.Action
}

// Rule matches one syscall number and a conjunction of argument conditions.
type Rule struct {
	// Nr is the syscall number the rule matches.
	Nr int32
	// Conds must all hold for the rule to match.
	Conds []Cond
	// Action is the value the filter returns when the rule matches.
	Action seccompdata.Action
	// Ret says how the action is returned: 0 "ret #k", or one of several
	// "ret a" forms that compute it (add, xor through X and scratch
	// memory, tax/txa, neg twice). With DataFromArg >= 0 the returned data
	// is the low byte of that argument's low half.
	Ret         int
	DataFromArg int
}

// Op is a comparison of an argument with a constant.
type Op uint8

// The argument tests. The 64-bit ones compare both 32-bit halves, as real
// generators do (libseccomp's SCMP_CMP_*): unsigned, high half first.
const (
	OpEq       Op = iota // arg == Value
	OpNe                 // arg != Value
	OpGt                 // arg > Value
	OpGe                 // arg >= Value
	OpLt                 // arg < Value
	OpLe                 // arg <= Value
	OpMaskedEq           // arg & Mask == Value & Mask
	OpAnySet             // arg & Mask != 0
	OpEq32               // low half == low half of Value; the high half is ignored
	OpEq32X              // as OpEq32, compared through the X register
	OpRange32            // Value's low half <= low half of arg <= Mask's low half, through scratch memory
	numOps
)

var opNames = [...]string{"==", "!=", ">", ">=", "<", "<=", "masked==", "anyset", "==32", "==32x", "in32"}

// String returns the test's operator, such as ">=" or "masked==".
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", o)
}

// Cond is one argument test.
type Cond struct {
	// Arg is the argument tested, 0 to 5.
	Arg int
	// Op is the test; Value and Mask are its operands (Mask only for
	// OpMaskedEq, OpAnySet and, as the upper bound, OpRange32).
	Op          Op
	Value, Mask uint64
}

// Holds reports whether c holds for d.
func (c Cond) Holds(d *seccompdata.Data) bool {
	a := d.Args[c.Arg]
	switch c.Op {
	case OpEq:
		return a == c.Value
	case OpNe:
		return a != c.Value
	case OpGt:
		return a > c.Value
	case OpGe:
		return a >= c.Value
	case OpLt:
		return a < c.Value
	case OpLe:
		return a <= c.Value
	case OpMaskedEq:
		return a&c.Mask == c.Value&c.Mask
	case OpAnySet:
		return a&c.Mask != 0
	case OpEq32, OpEq32X:
		return uint32(a) == uint32(c.Value)
	case OpRange32:
		return uint32(c.Value) <= uint32(a) && uint32(a) <= uint32(c.Mask)
	}
	return false
}

func (r Rule) value(d *seccompdata.Data) uint32 {
	v := uint32(r.Action)
	if r.DataFromArg >= 0 {
		v = v&seccompdata.ActionFullMask | uint32(d.Args[r.DataFromArg])&0xff
	}
	return v
}

// Eval is the policy's reference meaning: the value its filter should return
// for d.
func (p *Policy) Eval(d *seccompdata.Data) uint32 {
	if p.CheckArch && d.Arch != p.Arch {
		return uint32(p.ArchMismatch)
	}
	if p.CheckX32 && uint32(d.Nr) >= seccompdata.X32SyscallBit {
		return uint32(p.X32)
	}
	for _, r := range p.Rules {
		if r.Nr != d.Nr {
			continue
		}
		ok := true
		for _, c := range r.Conds {
			ok = ok && c.Holds(d)
		}
		if ok {
			return r.value(d)
		}
	}
	return uint32(p.Default)
}

// Policy returns a new random policy: x86_64 arch checks, rule numbers from the x86_64 table
// (with repeats, so that one syscall can have several rules), conditions of
// every Op on every argument, and actions of every kind, including unknown
// ones.
func (g *Generator) Policy() *Policy {
	p := new(Policy)
	g.f.Fill(p)
	return p
}

// Valid returns a random program the kernel accepts: most of the time the
// rendering of a random Policy, otherwise a straight-line or branching
// program of arithmetic, scratch memory and returns (Arith).
func (g *Generator) Valid() program.Program {
	if g.r.Intn(3) == 0 {
		return g.Arith()
	}
	return g.Policy().Program()
}

var unknownActions = []seccompdata.Action{0x00010000, 0x00020000, 0x7ffe0000, 0x7fef0000, 0x80010000, 0xc0000000, 0xffff0000, 0x00040000, 0x7fd00000}

var knownActions = []seccompdata.Action{seccompdata.ActKillProcess, seccompdata.ActKillThread, seccompdata.ActTrap,
	seccompdata.ActErrno, seccompdata.ActUserNotif, seccompdata.ActTrace, seccompdata.ActLog, seccompdata.ActAllow}

func (g *Generator) fillAction(a *seccompdata.Action, c randfill.Continue) {
	switch c.Intn(10) {
	case 0:
		*a = unknownActions[c.Intn(len(unknownActions))]
	case 1:
		*a = seccompdata.Action(c.Uint32())
	default:
		*a = knownActions[c.Intn(len(knownActions))]
	}
	switch c.Intn(4) {
	case 0:
		*a |= seccompdata.Action([]uint32{1, 13, 38, 4095, 4096, 0xffff}[c.Intn(6)])
	case 1:
		*a |= seccompdata.Action(c.Intn(0x10000))
	}
}

func (g *Generator) fillCond(cd *Cond, c randfill.Continue) {
	cd.Arg = c.Intn(6)
	cd.Op = Op(c.Intn(int(numOps)))
	cd.Value = uint64(g.word(c))<<32 | uint64(g.word(c))
	if c.Intn(3) == 0 {
		cd.Value = uint64(g.word(c))
	}
	cd.Mask = uint64(g.word(c))<<32 | uint64(g.word(c))
	if cd.Op == OpRange32 && uint32(cd.Mask) < uint32(cd.Value) {
		cd.Value, cd.Mask = cd.Mask, cd.Value
	}
}

func (g *Generator) fillRule(r *Rule, c randfill.Continue) {
	x86, _ := seccompdata.LookupArch("x86_64")
	switch c.Intn(8) {
	case 0:
		r.Nr = int32(c.Intn(8)) // small numbers repeat across rules
	case 1:
		r.Nr = int32(seccompdata.X32SyscallBit | uint32(c.Intn(550)))
	default:
		r.Nr = int32(c.Intn(int(x86.MaxSyscall()) + 1))
	}
	r.Conds = make([]Cond, []int{0, 0, 1, 1, 2, 3}[c.Intn(6)])
	for i := range r.Conds {
		c.Fill(&r.Conds[i])
	}
	c.Fill(&r.Action)
	r.Ret = c.Intn(numRetForms + 3) // ret #k most often
	if r.Ret >= numRetForms {
		r.Ret = 0
	}
	r.DataFromArg = -1
	if c.Intn(8) == 0 {
		r.DataFromArg = c.Intn(6)
	}
}

func (g *Generator) fillPolicy(p *Policy, c randfill.Continue) {
	p.CheckArch = c.Intn(5) != 0
	p.Arch = seccompdata.AuditArchX86_64
	if c.Intn(8) == 0 {
		p.Arch = seccompdata.AuditArchI386
	}
	c.Fill(&p.ArchMismatch)
	p.CheckX32 = c.Intn(2) == 0
	c.Fill(&p.X32)
	p.Tree = c.Intn(2) == 0
	n := c.Intn(12)
	if c.Intn(10) == 0 {
		n = 20 + c.Intn(60) // long enough to need ja trampolines
	}
	p.Rules = make([]Rule, n)
	for i := range p.Rules {
		c.Fill(&p.Rules[i])
		if i > 0 && c.Intn(4) == 0 {
			p.Rules[i].Nr = p.Rules[c.Intn(i)].Nr
		}
	}
	c.Fill(&p.Default)
}

// Offsets in seccomp_data of an argument's halves on x86_64.
func loOff(arg int) uint32 { return uint32(seccompdata.OffsetArgs + 8*arg) }
func hiOff(arg int) uint32 { return uint32(seccompdata.OffsetArgs + 8*arg + 4) }

const numRetForms = 5

// Program renders p as a classic BPF program: the arch check first, then nr
// loaded once and checked against the x32 range, then either a chain of
// "jeq #nr" tests, each followed by its rule's argument checks, or a binary
// search on nr whose leaves hold the rules of one number in order; failed
// checks fall through to the next rule and in the end to the default
// action. Long programs get "ja" trampolines where a conditional jump would
// need an offset above 255.
func (p *Policy) Program() program.Program {
	var a assembler
	def := a.newLabel()
	if p.CheckArch {
		ok, bad := a.newLabel(), a.newLabel()
		a.stmt(program.LdAbsW, seccompdata.OffsetArch)
		a.jump(program.ClassJMP|program.OpJEQ, p.Arch, ok, bad)
		a.set(bad)
		a.stmt(program.ClassRET, uint32(p.ArchMismatch))
		a.set(ok)
	}
	a.stmt(program.LdAbsW, seccompdata.OffsetNr)
	if p.CheckX32 {
		x32, next := a.newLabel(), a.newLabel()
		a.jump(program.ClassJMP|program.OpJGE, seccompdata.X32SyscallBit, x32, next)
		a.set(x32)
		a.stmt(program.ClassRET, uint32(p.X32))
		a.set(next)
	}
	if p.Tree {
		byNr := map[int32][]Rule{}
		var nrs []uint32
		for _, r := range p.Rules {
			if byNr[r.Nr] == nil {
				nrs = append(nrs, uint32(r.Nr))
			}
			byNr[r.Nr] = append(byNr[r.Nr], r)
		}
		sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
		bodies := make([]label, len(nrs))
		for i := range bodies {
			bodies[i] = a.newLabel()
		}
		var tree func(lo, hi int)
		tree = func(lo, hi int) {
			if hi-lo == 1 {
				a.jump(program.ClassJMP|program.OpJEQ, nrs[lo], bodies[lo], def)
				return
			}
			mid := (lo + hi) / 2
			right := a.newLabel()
			left := a.newLabel()
			a.jump(program.ClassJMP|program.OpJGE, nrs[mid], right, left)
			a.set(left)
			tree(lo, mid)
			a.set(right)
			tree(mid, hi)
		}
		if len(nrs) > 0 {
			tree(0, len(nrs))
		} else {
			a.ja(def)
		}
		for i, nr := range nrs {
			a.set(bodies[i])
			rules := byNr[int32(nr)]
			for j, r := range rules {
				next := def
				if j < len(rules)-1 {
					next = a.newLabel()
				}
				a.rule(r, next)
				if next != def {
					a.set(next)
				}
			}
		}
	} else {
		for i, r := range p.Rules {
			next := a.newLabel()
			if i > 0 {
				a.stmt(program.LdAbsW, seccompdata.OffsetNr) // conditions clobbered A
			}
			body := a.newLabel()
			a.jump(program.ClassJMP|program.OpJEQ, uint32(r.Nr), body, next)
			a.set(body)
			a.rule(r, next)
			a.set(next)
		}
	}
	a.set(def)
	a.stmt(program.ClassRET, uint32(p.Default))
	return a.assemble()
}

// rule emits r's argument checks, each failing to fail, then its return.
func (a *assembler) rule(r Rule, fail label) {
	for _, c := range r.Conds {
		a.cond(c, fail)
	}
	a.ret(r)
}

func (a *assembler) ldArg(off uint32) { a.stmt(program.ClassLD|program.ModeABS, off) }

func (a *assembler) cond(c Cond, fail label) {
	const (
		jeq  = program.JeqK
		jgt  = program.JgtK
		jge  = program.JgeK
		jset = program.JsetK
	)
	vh, vl := uint32(c.Value>>32), uint32(c.Value)
	mh, ml := uint32(c.Mask>>32), uint32(c.Mask)
	hi, lo := hiOff(c.Arg), loOff(c.Arg)
	ok := a.newLabel()
	next := func() label { l := a.newLabel(); return l }
	switch c.Op {
	case OpEq:
		n := next()
		a.ldArg(hi)
		a.jump(jeq, vh, n, fail)
		a.set(n)
		a.ldArg(lo)
		a.jump(jeq, vl, ok, fail)
	case OpNe:
		n := next()
		a.ldArg(hi)
		a.jump(jeq, vh, n, ok)
		a.set(n)
		a.ldArg(lo)
		a.jump(jeq, vl, fail, ok)
	case OpGt, OpGe:
		n1, n2 := next(), next()
		a.ldArg(hi)
		a.jump(jgt, vh, ok, n1)
		a.set(n1)
		a.jump(jeq, vh, n2, fail)
		a.set(n2)
		a.ldArg(lo)
		op := jgt
		if c.Op == OpGe {
			op = jge
		}
		a.jump(op, vl, ok, fail)
	case OpLt, OpLe:
		n1, n2 := next(), next()
		a.ldArg(hi)
		a.jump(jge, vh, n1, ok) // hi < vh: holds
		a.set(n1)
		a.jump(jeq, vh, n2, fail) // hi > vh: fails
		a.set(n2)
		a.ldArg(lo)
		if c.Op == OpLt {
			a.jump(jge, vl, fail, ok)
		} else {
			a.jump(jgt, vl, fail, ok)
		}
	case OpMaskedEq:
		n := next()
		a.ldArg(hi)
		a.stmt(program.ClassALU|program.OpAND, mh)
		a.jump(jeq, vh&mh, n, fail)
		a.set(n)
		a.ldArg(lo)
		a.stmt(program.ClassALU|program.OpAND, ml)
		a.jump(jeq, vl&ml, ok, fail)
	case OpAnySet:
		n := next()
		a.ldArg(hi)
		a.jump(jset, mh, ok, n)
		a.set(n)
		a.ldArg(lo)
		a.jump(jset, ml, ok, fail)
	case OpEq32:
		a.ldArg(lo)
		a.jump(jeq, vl, ok, fail)
	case OpEq32X:
		a.stmt(program.ClassLDX|program.ModeIMM, vl)
		a.ldArg(lo)
		a.jump(jeq|program.SrcX, 0, ok, fail)
	case OpRange32:
		n := next()
		slot := uint32(c.Arg + 4)
		a.ldArg(lo)
		a.stmt(program.ClassST, slot)
		a.jump(jge, vl, n, fail)
		a.set(n)
		a.stmt(program.ClassLD|program.ModeMEM, slot)
		a.jump(jgt, ml, fail, ok)
	}
	a.set(ok)
}

// ret emits the return of r's value in the form r.Ret names.
func (a *assembler) ret(r Rule) {
	v := uint32(r.Action)
	if r.DataFromArg >= 0 {
		a.ldArg(loOff(r.DataFromArg))
		a.stmt(program.ClassALU|program.OpAND, 0xff)
		a.stmt(program.ClassALU|program.OpOR, v&seccompdata.ActionFullMask)
		a.stmt(program.ClassRET|program.RvalA, 0)
		return
	}
	switch r.Ret {
	case 1: // add
		a.stmt(program.ClassLD|program.ModeIMM, v-0x12345)
		a.stmt(program.ClassALU|program.OpADD, 0x12345)
	case 2: // xor through X and scratch memory
		const m = 0x5a5a00ff
		a.stmt(program.ClassLD|program.ModeIMM, v^m)
		a.stmt(program.ClassST, 15)
		a.stmt(program.ClassLDX|program.ModeIMM, m)
		a.stmt(program.ClassLD|program.ModeMEM, 15)
		a.stmt(program.ClassALU|program.OpXOR|program.SrcX, 0)
	case 3: // tax / txa
		a.stmt(program.ClassLD|program.ModeIMM, v)
		a.stmt(program.ClassMISC|program.MiscTAX, 0)
		a.stmt(program.ClassLD|program.ModeIMM, ^v)
		a.stmt(program.ClassMISC|program.MiscTXA, 0)
	case 4: // neg twice, and a shift by X that the kernel masks to 0
		a.stmt(program.ClassLD|program.ModeIMM, v)
		a.stmt(program.ClassALU|program.OpNEG, 0)
		a.stmt(program.ClassALU|program.OpNEG, 0)
		a.stmt(program.ClassLDX|program.ModeIMM, 32)
		a.stmt(program.ClassALU|program.OpLSH|program.SrcX, 0)
	default:
		a.stmt(program.ClassRET, v)
		return
	}
	a.stmt(program.ClassRET|program.RvalA, 0)
}
