package fuzz

import (
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// The opcodes the generators draw from, all from the verifier's one
// whitelist. The generators index them with random numbers, so their order
// (the verifier's) decides which program a seed or a fuzzer input gives.
// Read-only.
var (
	// seccompCodes are the 41 opcodes the kernel accepts in a seccomp
	// filter (docs/kernel-semantics.md §0).
	seccompCodes = verifier.SeccompOpcodes()
	// socketOnlyCodes are the codes the classic whitelist accepts and
	// seccomp refuses: ldh/ldb abs, every indirect load, ldxb msh, mod.
	socketOnlyCodes = func() []program.Opcode {
		var out []program.Opcode
		for _, op := range verifier.ClassicOpcodes() {
			if !verifier.SeccompAllows(op) {
				out = append(out, op)
			}
		}
		return out
	}()
	// invalidCodes are codes no rule set accepts: fields the class has no
	// room for, ret x, neg x, ja x, codes past the kernel's table, high
	// bytes.
	invalidCodes = []program.Opcode{
		program.ClassLD | program.SizeH | program.ModeIMM, // 0x08: ld #k has no size
		program.ClassJMP | program.OpJA | program.SrcX,    // 0x0d: ja x
		program.RetX,                                       // 0x0e
		program.ClassMISC | program.SrcX,                   // 0x0f: tax with the X bit
		program.ClassST | program.SizeB,                    // 0x12: st has no size
		program.ClassLDX | program.SizeW | program.ModeABS, // 0x21: seccomp's internal ldx [k]
		program.ClassLD | program.SizeB | program.ModeMEM,  // 0x70: ld M[k] has no size
		program.ClassALU | program.OpNEG | program.SrcX,    // 0x8c: neg x
		program.ClassLD | program.ModeMSH,                  // 0xa0: msh into A
		program.ClassLDX | program.ModeMSH,                 // 0xa1: msh of a word
		program.ClassLD | program.SizeB | program.ModeMSH,  // 0xb0
		program.ClassST | program.SizeB | program.ModeMSH,  // 0xb2: one past chk_code_allowed's table
		0xff,                                                 // every bit of the low byte
		program.RetK | 0x100, program.LdAbsW | 0x100, 0x8000, // bits of the high byte
		0xffff,
	}
)

func (g *Generator) k(pc, n int) uint32 {
	r := g.r
	switch r.Intn(9) {
	case 0:
		return uint32(r.Intn(70))
	case 1:
		return uint32(4 * r.Intn(17))
	case 2:
		return uint32(r.Intn(34)) // scratch index, shift
	case 3:
		return uint32(n - pc - 2 + r.Intn(3)) // ja around the end
	case 4:
		return []uint32{0, 31, 32, 0xffffffff, 0x80000000, 0xfffff000, 0x7fff0000, 0x50001, 0x40000000}[r.Intn(9)]
	case 5:
		return uint32(knownActions[r.Intn(len(knownActions))]) | uint32(r.Intn(0x10000))
	default:
		return r.Uint32()
	}
}

// Arith returns a random program the kernel accepts, made of any of the 41
// seccomp opcodes: loads of seccomp_data, arithmetic (including division by
// X, which stops the program with 0 when X is 0, and shifts by X, which the
// kernel masks to 5 bits), scratch memory, forward jumps and "ret a". It is
// the generator's answer to "does the vm compute what the kernel computes",
// where Policy answers "does a filter mean what its author meant".
func (g *Generator) Arith() program.Program {
	for try := 0; try < 20; try++ {
		if p := g.arith(); verifier.Check(p, verifier.Seccomp) == nil {
			return p
		}
	}
	return program.Program{program.Stmt(program.RetA, 0)}
}

func (g *Generator) arith() program.Program {
	r := g.r
	n := 1 + r.Intn(24)
	p := make(program.Program, n)
	for pc := range p {
		code := seccompCodes[r.Intn(len(seccompCodes))]
		if code == program.DivX && r.Intn(4) != 0 { // div x: Eval needs a helper process
			code = program.SubX
		}
		ins := program.Instruction{Op: uint16(code), K: g.k(pc, n)}
		rest := n - pc - 1
		if program.Class(uint16(code)) == program.ClassJMP && rest > 0 {
			ins.Jt, ins.Jf = uint8(r.Intn(rest)), uint8(r.Intn(rest))
			if code == program.Ja {
				ins.K = uint32(r.Intn(rest))
			}
		}
		switch {
		case code == program.LdAbsW:
			ins.K = uint32(4 * r.Intn(16))
		case code == program.LdMem || code == program.LdxMem || code == program.St || code == program.Stx:
			ins.K = uint32(r.Intn(16))
		case code == program.LshK || code == program.RshK:
			ins.K = uint32(r.Intn(32))
		case code == program.DivK && ins.K == 0:
			ins.K = 1
		}
		p[pc] = ins
	}
	p[n-1] = program.Stmt([]program.Opcode{program.RetK, program.RetA}[r.Intn(2)], g.k(0, 0))
	return p
}

// Invalid returns a program that sits beside one of the kernel's validation
// rules: a valid program (from Valid) with one instruction changed, inserted
// or removed so that it breaks the rule, or, about one time in four, just
// stays on the accepted side of it (shift by 31, ld [60], a jump to the last
// instruction, a store on both branches). The rules are those verifier.Rule
// names, except the stack size, which needs several filters.
func (g *Generator) Invalid() program.Program {
	r := g.r
	p := append(program.Program(nil), g.Valid()...)
	if len(p) > 200 {
		p = g.Arith()
	}
	n := len(p)
	pc := r.Intn(n)
	edge := r.Intn(4) == 0
	pick := func(v ...uint32) uint32 { return v[r.Intn(len(v))] }
	pickOp := func(v ...program.Opcode) program.Opcode { return v[r.Intn(len(v))] }
	switch r.Intn(12) {
	case 0: // length
		if edge {
			return program.Program{program.Stmt(program.RetK, 0)}
		}
		q := make(program.Program, program.MaxInstructions+1)
		for i := range q {
			q[i] = program.Stmt(program.RetK, uint32(i))
		}
		return q
	case 1: // opcode
		p[pc].Op = uint16(invalidCodes[r.Intn(len(invalidCodes))])
	case 2: // division by constant zero
		k := uint32(0)
		if edge {
			k = 1
		}
		p = insertAt(p, pc, program.Stmt(program.DivK, k))
	case 3: // shift
		k := pick(32, 33, 63, 0xffffffff)
		if edge {
			k = 31
		}
		p = insertAt(p, pc, program.Stmt(pickOp(program.LshK, program.RshK), k))
	case 4: // scratch index
		k := pick(16, 17, 0xffffffff)
		if edge {
			k = 15
		}
		p = insertAt(p, pc, program.Stmt(pickOp(program.St, program.Stx), k))
	case 5: // jump range
		p = insertAt(p, pc, program.Jump(pickOp(program.JeqK, program.JgtK, program.JgeK, program.JsetK), 0, 0, 0))
		rest := len(p) - pc - 1
		if edge {
			p[pc].Jt = uint8(min(rest-1, 255))
		} else if rest <= 255 {
			p[pc].Jf = uint8(rest)
		} else {
			p[pc] = program.Stmt(program.Ja, uint32(rest))
		}
	case 6: // ja range
		rest := n + 1 - pc - 1
		k := uint32(rest)
		if edge {
			k--
		} else if r.Intn(2) == 0 {
			k = 0xffffffff
		}
		p = insertAt(p, pc, program.Stmt(program.Ja, k))
	case 7: // ancillary offsets: accepted by the classic check, refused by seccomp
		p = insertAt(p, pc, program.Stmt(program.LdAbsW, program.AncillaryBase+uint32(4*r.Intn(17))))
	case 8: // last instruction
		if !edge {
			p[n-1] = program.Stmt(pickOp(program.LdImm, program.Ja, program.AddK, program.Txa), 0)
		}
	case 9: // scratch read before write
		slot := uint32(r.Intn(16))
		load := program.Stmt(pickOp(program.LdMem, program.LdxMem), slot)
		if edge {
			p = insertAt(p, 0, load)
			p = insertAt(p, 0, program.Stmt(program.St, slot))
			break
		}
		switch r.Intn(3) {
		case 0:
			p = insertAt(p, pc, load)
		case 1: // a store on one branch only
			q := program.Program{
				program.Jump(program.JeqK, 0, 0, 1),
				program.Stmt(program.St, slot),
				load,
			}
			p = append(q, p...)
		default: // the RET that leaks its state (docs/kernel-semantics.md §2.2)
			q := program.Program{
				program.Jump(program.JeqK, 0, 0, 2),
				program.Stmt(program.St, slot),
				program.Stmt(program.Ja, 1),
				program.Stmt(program.RetK, 0),
				load,
			}
			p = append(q, p...)
		}
	case 10: // seccomp opcodes
		p = insertAt(p, pc, program.Stmt(socketOnlyCodes[r.Intn(len(socketOnlyCodes))], pick(0, 1, 4)))
	default: // seccomp load offsets
		k := pick(seccompdata.Size, 2, seccompdata.Size-2, 0x100, 0xfffffffc, 0x80000000)
		if edge {
			k = seccompdata.Size - 4
		}
		p = insertAt(p, pc, program.Stmt(program.LdAbsW, k))
	}
	return p
}

// insertAt inserts ins before index i of p, adjusting the jumps that cross
// it so that they keep their targets (a jump whose offset would exceed 255
// keeps its old offset).
func insertAt(p program.Program, i int, ins program.Instruction) program.Program {
	q := make(program.Program, 0, len(p)+1)
	q = append(q, p[:i]...)
	q = append(q, ins)
	q = append(q, p[i:]...)
	for j := 0; j < i; j++ {
		fixJump(&q[j], j, i, +1)
	}
	return q
}

// deleteAt removes instruction i of p, adjusting the jumps that cross it;
// jumps to i go to the instruction that follows it.
func deleteAt(p program.Program, i int) program.Program {
	q := make(program.Program, 0, len(p)-1)
	q = append(q, p[:i]...)
	q = append(q, p[i+1:]...)
	for j := 0; j < i; j++ {
		fixJump(&q[j], j, i+1, -1)
	}
	return q
}

// fixJump moves by d the targets at or after index at of the jump at pc.
func fixJump(ins *program.Instruction, pc, at, d int) {
	if program.Class(ins.Op) != program.ClassJMP {
		return
	}
	if program.Op(ins.Op) == program.OpJA {
		if t := pc + 1 + int(ins.K); t >= at && t < 1<<30 {
			ins.K = uint32(int(ins.K) + d)
		}
		return
	}
	if t := pc + 1 + int(ins.Jt); t >= at && int(ins.Jt)+d >= 0 && int(ins.Jt)+d <= 255 {
		ins.Jt = uint8(int(ins.Jt) + d)
	}
	if t := pc + 1 + int(ins.Jf); t >= at && int(ins.Jf)+d >= 0 && int(ins.Jf)+d <= 255 {
		ins.Jf = uint8(int(ins.Jf) + d)
	}
}

// Mutate returns a copy of p with one random change: an opcode replaced
// by another seccomp opcode or an invalid one, a constant moved by one or
// replaced by an edge value, a jump offset changed, an instruction deleted,
// duplicated or swapped with its neighbour, or the program truncated. Jumps
// that cross an inserted or deleted instruction keep their targets. The
// result may or may not be accepted by the kernel.
func (g *Generator) Mutate(p program.Program) program.Program {
	r := g.r
	q := append(program.Program(nil), p...)
	if len(q) == 0 {
		return program.Program{program.Stmt(program.RetK, g.k(0, 0))}
	}
	i := r.Intn(len(q))
	switch r.Intn(10) {
	case 0:
		q[i].Op = uint16(seccompCodes[r.Intn(len(seccompCodes))])
	case 1:
		if r.Intn(2) == 0 {
			q[i].Op = uint16(invalidCodes[r.Intn(len(invalidCodes))])
		} else {
			q[i].Op = uint16(socketOnlyCodes[r.Intn(len(socketOnlyCodes))])
		}
	case 2:
		q[i].K += uint32(r.Intn(3)) - 1
	case 3:
		q[i].K = g.k(i, len(q))
	case 4:
		if r.Intn(2) == 0 {
			q[i].Jt = uint8(r.Intn(256))
		} else {
			q[i].Jf = uint8(r.Intn(len(q) - i))
		}
	case 5:
		if len(q) > 1 {
			q = deleteAt(q, i)
		}
	case 6:
		q = insertAt(q, i, q[i])
	case 7:
		if i+1 < len(q) {
			q[i], q[i+1] = q[i+1], q[i]
		}
	case 8:
		q = q[:i+1]
	default:
		q[i].K ^= 1 << uint(r.Intn(32))
	}
	return q
}
