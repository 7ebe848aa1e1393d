package vm

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
)

// Class is one class of (arch, nr) values that a seccomp filter's dispatch
// does not tell apart, as Compile precomputed it (see RunSeccomp): every
// member gets the same answer for the same args and instruction_pointer.
type Class struct {
	// ArchLo..ArchHi and NrLo..NrHi (inclusive, nr as an unsigned 32-bit
	// value) are the members.
	ArchLo, ArchHi uint32
	NrLo, NrHi     uint32
	// Precomputed is false when Compile left the class to the plain
	// interpreter (a dispatch it could not follow, or its budget ran
	// out); Residual is then the whole program, with nothing folded.
	Precomputed bool
	// Const says the answer is Ret whatever the other words are.
	Const bool
	Ret   uint32
	// Residual decides the class from the other words when it is not
	// Const: a classic BPF program, with arch and nr folded into it, that
	// returns what the filter returns for every member.
	Residual program.Program
}

// Classes returns the classes of a seccomp filter's dispatch in order of
// arch, then nr. They cover every (arch, nr) pair once. A filter for which
// nothing was precomputed (a socket filter, or a seccomp filter whose
// dispatch Compile could not follow) is one class holding everything.
func (f *Filter) Classes() []Class {
	const max = ^uint32(0)
	if f.fast == nil {
		return []Class{{ArchHi: max, NrHi: max, Residual: f.Program()}}
	}
	var out []Class
	as := f.fast.arches
	for i, ac := range as {
		archHi := max
		if i+1 < len(as) {
			archHi = as[i+1].lo - 1
		}
		if ac.plain {
			out = append(out, Class{ArchLo: ac.lo, ArchHi: archHi, NrHi: max, Residual: f.Program()})
			continue
		}
		t := &ac.nr
		for j, l := range t.leaves {
			nrHi := max
			if j+1 < len(t.bounds) {
				nrHi = t.bounds[j+1] - 1
			}
			c := Class{ArchLo: ac.lo, ArchHi: archHi, NrLo: t.bounds[j], NrHi: nrHi}
			switch {
			case l.plain:
				c.Residual = f.Program()
			case l.code == nil:
				c.Precomputed, c.Const, c.Ret = true, true, l.ret
			default:
				c.Precomputed, c.Residual = true, decompile(l.code)
			}
			out = append(out, c)
		}
	}
	return out
}

// decompile turns a residual program (internal code, a DAG in any layout,
// every jump with absolute targets) back into classic BPF: blocks in an
// order where every jump goes forward, and a conditional jump whose target
// is further than 255 instructions reaches it through ja.
func decompile(code []insn) program.Program {
	// Blocks: maximal runs that fall through, each ending in a jump or a
	// ret. Targets and the instruction after a block's end start blocks.
	starts := map[int]bool{0: true}
	for pc, in := range code {
		if isJump(in.op) {
			t, f := edges(pc, &in)
			starts[t], starts[f] = true, true
		}
		if isJump(in.op) || in.op == opRetK || in.op == opRetA {
			starts[pc+1] = true
		}
	}
	blockOf := map[int]int{} // start pc -> block index
	var blocks [][2]int      // [start, end) in code
	for pc := 0; pc < len(code); {
		end := pc + 1
		for end < len(code) && !starts[end] {
			end++
		}
		blockOf[pc] = len(blocks)
		blocks = append(blocks, [2]int{pc, end})
		pc = end
	}
	// A topological order of the blocks by their jumps, from block 0.
	var order []int
	state := make([]uint8, len(blocks)) // 0 new, 1 open, 2 done
	var visit func(b int)
	visit = func(b int) {
		if state[b] != 0 {
			return
		}
		state[b] = 1
		last := blocks[b][1] - 1
		if in := &code[last]; isJump(in.op) {
			t, f := edges(last, in)
			visit(blockOf[f])
			visit(blockOf[t])
		}
		state[b] = 2
		order = append(order, b)
	}
	visit(0)
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	// Lay out; widen the conditional jumps that cannot reach, until none
	// is left.
	wide := map[int]bool{} // code pc of a conditional jump that needs ja
	for {
		at := map[int]int{} // block start pc -> new pc
		n := 0
		for _, b := range order {
			at[blocks[b][0]] = n
			for pc := blocks[b][0]; pc < blocks[b][1]; pc++ {
				n += 1 + 2*btoi(wide[pc])
			}
		}
		var p program.Program
		grew := false
		for _, b := range order {
			for pc := blocks[b][0]; pc < blocks[b][1]; pc++ {
				in := &code[pc]
				here := len(p)
				if !isJump(in.op) {
					p = append(p, classic(in))
					continue
				}
				t, f := edges(pc, in)
				tt, ff := at[t], at[f]
				if in.op == opJa {
					p = append(p, program.Stmt(program.Ja, uint32(tt-here-1)))
					continue
				}
				op := classic(in)
				if wide[pc] {
					p = append(p, program.Instruction{Op: op.Op, K: op.K, Jt: 0, Jf: 1},
						program.Stmt(program.Ja, uint32(tt-here-2)),
						program.Stmt(program.Ja, uint32(ff-here-3)))
					continue
				}
				if tt-here-1 > 255 || ff-here-1 > 255 {
					wide[pc], grew = true, true
				}
				op.Jt, op.Jf = uint8(tt-here-1), uint8(ff-here-1)
				p = append(p, op)
			}
		}
		if !grew {
			return p
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// classic is the classic instruction of one residual instruction (jump
// offsets left 0): the inverse of compileInsn for the codes the residual
// generator emits.
func classic(in *insn) program.Instruction {
	if in.op == opLdWord {
		return program.Stmt(program.LdAbsW, 4*(in.k&15))
	}
	for _, m := range [...]struct {
		op   uint8
		code program.Opcode
	}{
		{opRetK, program.RetK}, {opRetA, program.RetA}, {opLdImm, program.LdImm}, {opLdxImm, program.LdxImm},
		{opLdMem, program.LdMem}, {opLdxMem, program.LdxMem}, {opSt, program.St}, {opStx, program.Stx},
		{opTax, program.Tax}, {opTxa, program.Txa}, {opNeg, program.Neg}, {opJa, program.Ja},
		{opJeqK, program.JeqK}, {opJgtK, program.JgtK}, {opJgeK, program.JgeK}, {opJsetK, program.JsetK},
		{opJeqX, program.JeqX}, {opJgtX, program.JgtX}, {opJgeX, program.JgeX}, {opJsetX, program.JsetX},
		{opAddK, program.AddK}, {opSubK, program.SubK}, {opMulK, program.MulK}, {opDivK, program.DivK},
		{opModK, program.ModK}, {opOrK, program.OrK}, {opAndK, program.AndK}, {opXorK, program.XorK},
		{opLshK, program.LshK}, {opRshK, program.RshK},
		{opAddX, program.AddX}, {opSubX, program.SubX}, {opMulX, program.MulX}, {opDivX, program.DivX},
		{opModX, program.ModX}, {opOrX, program.OrX}, {opAndX, program.AndX}, {opXorX, program.XorX},
		{opLshX, program.LshX}, {opRshX, program.RshX},
	} {
		if m.op == in.op {
			return program.Stmt(m.code, in.k)
		}
	}
	panic(fmt.Sprintf("vm: residual opcode %d has no classic form", in.op))
}
