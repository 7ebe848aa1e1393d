package fuzz

import (
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// SeccompCodes are the 41 opcodes the kernel accepts in a seccomp filter
// (bpf_check_classic's whitelist less what seccomp_check_filter refuses;
// docs/kernel-semantics.md §0).
var seccompCodes = []uint16{0x00, 0x20, 0x60, 0x80, 0x01, 0x61, 0x81, 0x02, 0x03,
	0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0xa4, 0xac, 0x84,
	0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x06, 0x16, 0x07, 0x87}

// Codes the classic whitelist accepts and seccomp refuses: ldh/ldb abs,
// every indirect load, ldxb msh, mod.
var socketOnlyCodes = []uint16{0x28, 0x30, 0x40, 0x48, 0x50, 0xb1, 0x94, 0x9c}

// Codes no rule set accepts: unused bits, ret x, neg x, ja x, high bytes.
var invalidCodes = []uint16{0x08, 0x0d, 0x0e, 0x0f, 0x12, 0x21, 0x70, 0x8c, 0xa0, 0xa1, 0xb0, 0xb2, 0xff, 0x106, 0x120, 0x8000, 0xffff}

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
	return program.Program{program.Stmt(program.ClassRET|program.RvalA, 0)}
}

func (g *Generator) arith() program.Program {
	r := g.r
	n := 1 + r.Intn(24)
	p := make(program.Program, n)
	for pc := range p {
		code := seccompCodes[r.Intn(len(seccompCodes))]
		if code == 0x3c && r.Intn(4) != 0 { // div x: Eval needs a helper process
			code = 0x1c
		}
		ins := program.Instruction{Op: code, K: g.k(pc, n)}
		rest := n - pc - 1
		if program.Class(code) == program.ClassJMP && rest > 0 {
			ins.Jt, ins.Jf = uint8(r.Intn(rest)), uint8(r.Intn(rest))
			if code == 0x05 {
				ins.K = uint32(r.Intn(rest))
			}
		}
		switch {
		case code == 0x20:
			ins.K = uint32(4 * r.Intn(16))
		case code == 0x60 || code == 0x61 || code == 0x02 || code == 0x03:
			ins.K = uint32(r.Intn(16))
		case code == 0x64 || code == 0x74:
			ins.K = uint32(r.Intn(32))
		case code == 0x34 && ins.K == 0:
			ins.K = 1
		}
		p[pc] = ins
	}
	p[n-1] = program.Stmt([]uint16{0x06, 0x16}[r.Intn(2)], g.k(0, 0))
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
	pick16 := func(v ...uint16) uint16 { return v[r.Intn(len(v))] }
	switch r.Intn(12) {
	case 0: // length
		if edge {
			return program.Program{program.Stmt(program.ClassRET, 0)}
		}
		q := make(program.Program, program.MaxInstructions+1)
		for i := range q {
			q[i] = program.Stmt(program.ClassRET, uint32(i))
		}
		return q
	case 1: // opcode
		p[pc].Op = invalidCodes[r.Intn(len(invalidCodes))]
	case 2: // division by constant zero
		k := uint32(0)
		if edge {
			k = 1
		}
		p = insertAt(p, pc, program.Stmt(program.ClassALU|program.OpDIV, k))
	case 3: // shift
		k := pick(32, 33, 63, 0xffffffff)
		if edge {
			k = 31
		}
		p = insertAt(p, pc, program.Stmt(pick16(0x64, 0x74), k))
	case 4: // scratch index
		k := pick(16, 17, 0xffffffff)
		if edge {
			k = 15
		}
		p = insertAt(p, pc, program.Stmt(pick16(0x02, 0x03), k))
	case 5: // jump range
		p = insertAt(p, pc, program.Jump(pick16(0x15, 0x25, 0x35, 0x45), 0, 0, 0))
		rest := len(p) - pc - 1
		if edge {
			p[pc].Jt = uint8(min(rest-1, 255))
		} else if rest <= 255 {
			p[pc].Jf = uint8(rest)
		} else {
			p[pc] = program.Stmt(program.ClassJMP|program.OpJA, uint32(rest))
		}
	case 6: // ja range
		rest := n + 1 - pc - 1
		k := uint32(rest)
		if edge {
			k--
		} else if r.Intn(2) == 0 {
			k = 0xffffffff
		}
		p = insertAt(p, pc, program.Stmt(program.ClassJMP|program.OpJA, k))
	case 7: // ancillary offsets: accepted by the classic check, refused by seccomp
		p = insertAt(p, pc, program.Stmt(program.ClassLD|program.ModeABS, program.AncillaryBase+uint32(4*r.Intn(17))))
	case 8: // last instruction
		if !edge {
			p[n-1] = program.Stmt(pick16(0x00, 0x05, 0x04, 0x87), 0)
		}
	case 9: // scratch read before write
		slot := uint32(r.Intn(16))
		load := program.Stmt(pick16(0x60, 0x61), slot)
		if edge {
			p = insertAt(p, 0, load)
			p = insertAt(p, 0, program.Stmt(program.ClassST, slot))
			break
		}
		switch r.Intn(3) {
		case 0:
			p = insertAt(p, pc, load)
		case 1: // a store on one branch only
			q := program.Program{
				program.Jump(program.ClassJMP|program.OpJEQ, 0, 0, 1),
				program.Stmt(program.ClassST, slot),
				load,
			}
			p = append(q, p...)
		default: // the RET that leaks its state (docs/kernel-semantics.md §2.2)
			q := program.Program{
				program.Jump(program.ClassJMP|program.OpJEQ, 0, 0, 2),
				program.Stmt(program.ClassST, slot),
				program.Stmt(program.ClassJMP|program.OpJA, 1),
				program.Stmt(program.ClassRET, 0),
				load,
			}
			p = append(q, p...)
		}
	case 10: // seccomp opcodes
		p = insertAt(p, pc, program.Stmt(socketOnlyCodes[r.Intn(len(socketOnlyCodes))], pick(0, 1, 4)))
	default: // seccomp load offsets
		k := pick(64, 2, 62, 0x100, 0xfffffffc, 0x80000000)
		if edge {
			k = 60
		}
		p = insertAt(p, pc, program.Stmt(program.ClassLD|program.ModeABS, k))
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
		return program.Program{program.Stmt(program.ClassRET, g.k(0, 0))}
	}
	i := r.Intn(len(q))
	switch r.Intn(10) {
	case 0:
		q[i].Op = seccompCodes[r.Intn(len(seccompCodes))]
	case 1:
		if r.Intn(2) == 0 {
			q[i].Op = invalidCodes[r.Intn(len(invalidCodes))]
		} else {
			q[i].Op = socketOnlyCodes[r.Intn(len(socketOnlyCodes))]
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
