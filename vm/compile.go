package vm

import (
	"fmt"
	"slices"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// Filter is a program accepted by the verifier and compiled for the
// interpreter, together with the mode (seccomp or socket) it was checked
// for. It is immutable and safe for concurrent use.
type Filter struct {
	mode  verifier.Mode
	prog  program.Program // the caller's instructions, for Step.Insn
	insns []insn
	// fast is a seccomp filter's precomputed dispatch (specialize.go),
	// nil when none could be built. It is built here and never changed.
	fast *fastPath
}

// insn is one compiled instruction: a dense internal opcode, absolute jump
// targets and the operand. Seccomp loads carry a word index, ancillary
// loads the SKF_AD_* offset.
type insn struct {
	op     uint8
	jt, jf uint16
	k      uint32
}

// Internal opcodes, dense so that the interpreter's switch becomes a jump
// table.
const (
	opRetK uint8 = iota
	opRetA
	opLdImm  // A = k (also seccomp "ld #len", rewritten to k = 64)
	opLdxImm // X = k (also seccomp "ldx #len")
	opLdLen  // A = skb->len
	opLdxLen // X = skb->len
	opLdMem
	opLdxMem
	opSt
	opStx
	opLdWord // seccomp: A = seccomp_data word k
	opLdAbsW
	opLdAbsH
	opLdAbsB
	opLdIndW
	opLdIndH
	opLdIndB
	opLdxMsh
	opLdAnc // ancillary load SKF_AD_OFF + k (all but xor_x)
	opAddK
	opSubK
	opMulK
	opDivK
	opModK
	opOrK
	opAndK
	opXorK
	opLshK
	opRshK
	opAddX
	opSubX
	opMulX
	opDivX
	opModX
	opOrX
	opAndX
	opXorX
	opLshX
	opRshX
	opNeg
	opJa
	opJeqK
	opJgtK
	opJgeK
	opJsetK
	opJeqX
	opJgtX
	opJgeX
	opJsetX
	// One-target forms: jump to jt if the test holds, else fall through.
	// The negated tests come from jt == 0.
	opJeqK1
	opJgtK1
	opJgeK1
	opJsetK1
	opJneK1
	opJleK1
	opJltK1
	opJnsetK1
	opJeqX1
	opJgtX1
	opJgeX1
	opJsetX1
	opJneX1
	opJleX1
	opJltX1
	opJnsetX1
	opTax
	opTxa

	// opNone is never emitted. It is the highest value op&opMask can
	// take, so that the interpreter's switch covers every value of its
	// operand and needs no range check before its jump table.
	opNone = opMask
)

// opMask bounds the internal opcodes: the interpreter switches on
// op&opMask.
const opMask = 127

// opTxa is the last opcode in use: this fails to compile when opcodes
// reach opNone.
const _ uint8 = opNone - 1 - opTxa

// seccompDataSize is sizeof(struct seccomp_data), the value of "ld #len"
// in a seccomp filter (seccomp_check_filter, kernel/seccomp.c).
const seccompDataSize = seccompdata.Size

// CompileError reports an instruction this package cannot run safely. The
// verifier rejects every such program first; these checks exist so that no
// Filter can misbehave at run time whatever the verifier says.
type CompileError struct {
	// PC is the index of the offending instruction, or -1 when the
	// program as a whole is at fault.
	PC int
	// Code is the instruction's opcode (0 when PC is -1).
	Code uint16
	// Reason says what is wrong, in lower case.
	Reason string
}

// Error returns a one-line description.
func (e *CompileError) Error() string {
	if e.PC < 0 {
		return "vm: " + e.Reason
	}
	return fmt.Sprintf("vm: instruction %d (code 0x%02x): %s", e.PC, e.Code, e.Reason)
}

// Compile checks p with verifier.Check for the given mode and returns its
// error if the kernel would reject p. Otherwise it compiles p for the
// interpreter. Compile keeps a copy of p; the caller may reuse its slice.
func Compile(p program.Program, mode verifier.Mode) (*Filter, error) {
	if err := verifier.Check(p, mode); err != nil {
		return nil, err
	}
	return compile(p, mode)
}

// compile is Compile without the verifier: its own checks alone guarantee
// a Filter that runs safely.
func compile(p program.Program, mode verifier.Mode) (*Filter, error) {
	if mode != verifier.Seccomp && mode != verifier.Socket {
		return nil, &CompileError{PC: -1, Reason: fmt.Sprintf("unknown mode %v", mode)}
	}
	n := len(p)
	if n == 0 {
		return nil, &CompileError{PC: -1, Reason: "empty program"}
	}
	if n > program.MaxInstructions {
		return nil, &CompileError{PC: -1, Reason: fmt.Sprintf("%d instructions, more than %d", n, program.MaxInstructions)}
	}
	f := &Filter{mode: mode, prog: slices.Clone(p), insns: make([]insn, n)}
	for pc, in := range p {
		c, reason := compileInsn(pc, n, in, mode)
		if reason != "" {
			return nil, &CompileError{PC: pc, Code: in.Op, Reason: reason}
		}
		f.insns[pc] = c
	}
	// With every jump target inside the program and a RET at the end,
	// execution can never run off the end (bpf_check_classic, net/core/filter.c).
	if last := f.insns[n-1].op; last != opRetK && last != opRetA {
		return nil, &CompileError{PC: n - 1, Code: p[n-1].Op, Reason: "last instruction is not ret"}
	}
	if !closed(f.insns) {
		// Implied by the checks above; the interpreter relies on it.
		return nil, &CompileError{PC: -1, Reason: "internal error: compiled program is not closed"}
	}
	if mode == verifier.Seccomp {
		f.fast = specialize(f.insns)
		f.fast.checkClosed()
	}
	return f, nil
}

// checkClosed leaves to the plain interpreter every class whose residual
// program is not closed, which the interpreter could not run safely. The
// partial evaluator only builds closed ones; this makes it a checked fact.
func (fp *fastPath) checkClosed() {
	if fp == nil {
		return
	}
	for i := range fp.arches {
		leaves := fp.arches[i].nr.leaves
		for j := range leaves {
			if l := &leaves[j]; l.code != nil && !closed(l.code) {
				*l = leaf{plain: true}
			}
		}
	}
}

// Mode returns the rule set the filter was compiled for.
func (f *Filter) Mode() verifier.Mode { return f.mode }

// Len returns the number of instructions.
func (f *Filter) Len() int { return len(f.insns) }

// Program returns a copy of the instructions the filter was compiled from.
func (f *Filter) Program() program.Program { return slices.Clone(f.prog) }

// compileInsn translates one instruction; a non-empty reason rejects it.
// Opcodes are matched exactly, as chk_code_allowed (net/core/filter.c) and
// seccomp_check_filter (kernel/seccomp.c) do; which of them a seccomp
// filter may use is the verifier's whitelist.
func compileInsn(pc, n int, in program.Instruction, mode verifier.Mode) (insn, string) {
	seccomp := mode == verifier.Seccomp
	op := program.Opcode(in.Op)
	k := in.K
	c := insn{k: k}
	if seccomp && verifier.ClassicAllows(op) && !verifier.SeccompAllows(op) {
		// Packet loads other than ld [k], and mod.
		return c, "instruction not allowed in seccomp filters"
	}
	switch op {
	case program.RetK:
		c.op = opRetK
	case program.RetA:
		c.op = opRetA

	case program.LdImm:
		c.op = opLdImm
	case program.LdxImm:
		c.op = opLdxImm
	case program.LdLen:
		c.op = opLdLen
		if seccomp {
			// seccomp_check_filter rewrites it to "ld #64".
			c.op, c.k = opLdImm, seccompDataSize
		}
	case program.LdxLen:
		c.op = opLdxLen
		if seccomp {
			c.op, c.k = opLdxImm, seccompDataSize
		}

	case program.LdMem, program.LdxMem, program.St, program.Stx:
		if k >= program.MemWords {
			return c, fmt.Sprintf("scratch slot %d out of range", k)
		}
		switch op {
		case program.LdMem:
			c.op = opLdMem
		case program.LdxMem:
			c.op = opLdxMem
		case program.St:
			c.op = opSt
		default:
			c.op = opStx
		}

	case program.LdAbsW:
		if seccomp {
			// Only aligned loads inside seccomp_data (seccomp_check_filter).
			if k >= seccompDataSize || k%4 != 0 {
				return c, fmt.Sprintf("seccomp load offset %d is not an aligned offset below %d", k, seccompDataSize)
			}
			c.op, c.k = opLdWord, k/4
			break
		}
		return compileAbs(c, opLdAbsW)
	case program.LdAbsH:
		return compileAbs(c, opLdAbsH)
	case program.LdAbsB:
		return compileAbs(c, opLdAbsB)
	case program.LdIndW:
		c.op = opLdIndW
	case program.LdIndH:
		c.op = opLdIndH
	case program.LdIndB:
		c.op = opLdIndB
	case program.LdxMsh:
		// No ancillary decoding: the converter feeds k straight to the
		// byte load helper (bpf_convert_filter, BPF_LDX|BPF_MSH|BPF_B).
		c.op = opLdxMsh

	case program.Neg:
		c.op = opNeg
	case program.AddK:
		c.op = opAddK
	case program.SubK:
		c.op = opSubK
	case program.MulK:
		c.op = opMulK
	case program.OrK:
		c.op = opOrK
	case program.AndK:
		c.op = opAndK
	case program.XorK:
		c.op = opXorK
	case program.DivK, program.ModK:
		// bpf_check_classic rejects a constant divisor of 0.
		if k == 0 {
			return c, "division by constant 0"
		}
		c.op = opDivK
		if op == program.ModK {
			c.op = opModK
		}
	case program.LshK, program.RshK:
		// bpf_check_classic rejects constant shifts of 32 or more.
		if k >= 32 {
			return c, fmt.Sprintf("shift by constant %d", k)
		}
		c.op = opLshK
		if op == program.RshK {
			c.op = opRshK
		}
	case program.AddX:
		c.op = opAddX
	case program.SubX:
		c.op = opSubX
	case program.MulX:
		c.op = opMulX
	case program.DivX:
		c.op = opDivX
	case program.ModX:
		c.op = opModX
	case program.OrX:
		c.op = opOrX
	case program.AndX:
		c.op = opAndX
	case program.XorX:
		c.op = opXorX
	case program.LshX:
		c.op = opLshX
	case program.RshX:
		c.op = opRshX

	case program.Ja:
		t := uint64(pc) + 1 + uint64(k)
		if t >= uint64(n) {
			return c, fmt.Sprintf("ja target %d past the end", t)
		}
		c.op, c.jt = opJa, uint16(t)
	case program.JeqK, program.JgtK, program.JgeK, program.JsetK,
		program.JeqX, program.JgtX, program.JgeX, program.JsetX:
		jt, jf := pc+1+int(in.Jt), pc+1+int(in.Jf)
		if jt >= n || jf >= n {
			return c, "conditional jump target past the end"
		}
		c.jt, c.jf = uint16(jt), uint16(jf)
		c.op = jumpOp(in.Op, in.Jt, in.Jf)
		if in.Jt == 0 {
			c.jt = uint16(jf) // the one target of a negated form
		}

	case program.Tax:
		c.op = opTax
	case program.Txa:
		c.op = opTxa

	default:
		return c, "unknown opcode"
	}
	return c, ""
}

// compileAbs handles ld/ldh/ldb [k] in a socket filter. k in
// [SKF_AD_OFF, 0) as a signed value selects ancillary data, which must be one
// of the known offsets (bpf_anc_helper, include/linux/filter.h); the size
// bits are then ignored (convert_bpf_extensions, net/core/filter.c). Other
// offsets are resolved at run time by the packet loader.
func compileAbs(c insn, op uint8) (insn, string) {
	if c.k < program.AncillaryBase {
		c.op = op
		return c, ""
	}
	n := c.k - program.AncillaryBase
	if n >= program.AncMax || n%4 != 0 {
		return c, fmt.Sprintf("unknown ancillary offset SKF_AD_OFF+%d", n)
	}
	if n == program.AncAluXorX {
		// SKF_AD_ALU_XOR_X is translated to the ALU32 "A ^= X" itself
		// (convert_bpf_extensions), so it shares that instruction.
		c.op, c.k = opXorX, 0
		return c, ""
	}
	c.op, c.k = opLdAnc, n
	return c, ""
}

// jumpOp maps a conditional jump to the internal opcode; the caller has
// already matched the exact code. Like bpf_convert_filter, which emits a
// single eBPF jump when jf == 0 and inverts the test when jt == 0, it picks
// a one-target form whenever one side falls through, so the common
// "jeq #k, L" costs no second target.
func jumpOp(code uint16, jt, jf uint8) uint8 {
	i := program.Op(code)>>4 - 1 // JEQ, JGT, JGE, JSET
	if program.Src(code) == program.SrcX {
		i += 4
	}
	switch {
	case jt == 0 && jf == 0:
		return opJa // both ways lead to the next instruction
	case jf == 0:
		return [...]uint8{opJeqK1, opJgtK1, opJgeK1, opJsetK1, opJeqX1, opJgtX1, opJgeX1, opJsetX1}[i]
	case jt == 0:
		return [...]uint8{opJneK1, opJleK1, opJltK1, opJnsetK1, opJneX1, opJleX1, opJltX1, opJnsetX1}[i]
	}
	return [...]uint8{opJeqK, opJgtK, opJgeK, opJsetK, opJeqX, opJgtX, opJgeX, opJsetX}[i]
}
