package fuzz

import "github.com/bpfsim/bpfsim/program"

// label names a position in an assembler's program.
type label int

// aIns is an instruction whose jump targets are labels.
type aIns struct {
	ins    program.Instruction
	jt, jf label // conditional jumps
	ja     label // ja
	kind   uint8 // 0 plain, 1 conditional, 2 ja
}

// assembler builds programs with forward jumps to labels, as filter
// generators do, and resolves them, inserting "ja" trampolines where a
// conditional jump's target is more than 255 instructions away.
type assembler struct {
	ins    []aIns
	at     map[label]int // label -> index of the instruction it precedes
	labels int
}

func (a *assembler) newLabel() label { a.labels++; return label(a.labels) }

func (a *assembler) set(l label) {
	if a.at == nil {
		a.at = map[label]int{}
	}
	a.at[l] = len(a.ins)
}

func (a *assembler) stmt(op program.Opcode, k uint32) {
	a.ins = append(a.ins, aIns{ins: program.Stmt(op, k)})
}

func (a *assembler) jump(op program.Opcode, k uint32, jt, jf label) {
	a.ins = append(a.ins, aIns{ins: program.Jump(op, k, 0, 0), jt: jt, jf: jf, kind: 1})
}

func (a *assembler) ja(l label) {
	a.ins = append(a.ins, aIns{ins: program.Stmt(program.Ja, 0), ja: l, kind: 2})
}

// insert puts x before index i; labels at or after i move with the
// instructions they name.
func (a *assembler) insert(i int, x ...aIns) {
	a.ins = append(a.ins[:i], append(append([]aIns(nil), x...), a.ins[i:]...)...)
	for l, at := range a.at {
		if at >= i {
			a.at[l] = at + len(x)
		}
	}
}

// assemble resolves the labels. Every label must have been set; every jump
// is forward.
func (a *assembler) assemble() program.Program {
	for changed := true; changed; {
		changed = false
		for i := range a.ins {
			x := &a.ins[i]
			if x.kind != 1 {
				continue
			}
			far := func(l label) bool { return a.at[l]-i-1 > 255 }
			if !far(x.jt) && !far(x.jf) {
				continue
			}
			var tr []aIns
			jt, jf := x.jt, x.jf
			if far(jt) {
				t := aIns{ins: program.Stmt(program.Ja, 0), ja: jt, kind: 2}
				tr = append(tr, t)
			}
			if far(jf) {
				tr = append(tr, aIns{ins: program.Stmt(program.Ja, 0), ja: jf, kind: 2})
			}
			// The trampolines get labels of their own, right after the jump.
			ft, ff := far(jt), far(jf)
			a.insert(i+1, tr...)
			x = &a.ins[i]
			n := 0
			if ft {
				l := a.newLabel()
				x.jt = l
				a.at[l] = i + 1 + n
				n++
			}
			if ff {
				l := a.newLabel()
				x.jf = l
				a.at[l] = i + 1 + n
			}
			changed = true
			break
		}
	}
	p := make(program.Program, len(a.ins))
	for i, x := range a.ins {
		p[i] = x.ins
		switch x.kind {
		case 1:
			p[i].Jt = uint8(a.at[x.jt] - i - 1)
			p[i].Jf = uint8(a.at[x.jf] - i - 1)
		case 2:
			p[i].K = uint32(a.at[x.ja] - i - 1)
		}
	}
	return p
}
