package program

import (
	"fmt"
	"strconv"
	"strings"
)

// Disassemble writes p as bpf_asm text (tools/bpf/bpf_exp.y syntax) that
// assembles, with this package or with bpf_asm itself, back to exactly p.
// It writes one instruction per line, indented by a tab; an instruction that
// is a jump target is preceded by its label, "l<pc>:".
//
// Every code bpf_asm can produce is written, including ones the kernel
// rejects (ret x, div #0, ld M[20], ...). A conditional jump is written
// "jeq #k, lT" when jf is 0, "jne #k, lF" (jlt, jle for jge, jgt) when only
// jt is 0, and "jeq #k, lT, lF" otherwise. Constants below 0x10000 are
// decimal and larger ones hex, except that the bit masks of and, or, xor and
// jset are hex from 10 up. Ancillary loads use bpf_asm's extension names
// ("ld proto"); offsets it has no name for, such as xor_x, stay numeric
// ("ld [0xfffff028]").
//
// Disassemble fails with an *EncodeError, naming the pc and code, for a
// program bpf_asm cannot express: a code outside its grammar (0x08, 0x21,
// 0x0d, 0x8c, any code >= 0xb2, any code with the high byte set, ...), a
// non-zero field that the code's bpf_asm form has no room for (jt in a
// load, k in "ret a"), or a jump whose target lies outside the program.
// Such programs can be written in the raw, c, ddd or comma formats. The
// empty program is the empty text.
func Disassemble(p Program) (string, error) {
	targets := make([]bool, len(p))
	mark := func(t int) string { targets[t] = true; return "" }
	for pc, ins := range p {
		if _, err := asmLine(pc, ins, len(p), mark); err != nil {
			return "", err
		}
	}
	name := func(t int) string { return "l" + strconv.Itoa(t) }
	var b strings.Builder
	for pc, ins := range p {
		line, _ := asmLine(pc, ins, len(p), name)
		if targets[pc] {
			b.WriteString(name(pc))
			b.WriteByte(':')
		}
		b.WriteByte('\t')
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// asmLine returns the bpf_asm text of the instruction at pc in a program
// of n instructions; label names jump targets.
func asmLine(pc int, ins Instruction, n int, label func(int) string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &EncodeError{PC: pc, Ins: ins, Msg: fmt.Sprintf(format, args...)}
	}
	code, k := ins.Op, ins.K
	if Class(code) != ClassJMP && (ins.Jt != 0 || ins.Jf != 0) {
		return fail("jt and jf must be 0 outside jumps to be written as bpf_asm; use the raw, c, ddd or comma format")
	}
	// fixed returns s for a form whose k bpf_asm always sets to 0.
	fixed := func(s string) (string, error) {
		if k != 0 {
			return fail("k must be 0 in %q to be written as bpf_asm; use the raw, c, ddd or comma format", s)
		}
		return s, nil
	}
	switch code {
	case ClassLD | ModeIMM:
		return "ld #" + asmConst(k), nil
	case ClassLD | SizeW | ModeABS, ClassLD | SizeH | ModeABS, ClassLD | SizeB | ModeABS:
		op := loadMnemonic(code)
		if k >= AncillaryBase {
			if ext, ok := extensionName(k - AncillaryBase); ok {
				return op + " " + ext, nil
			}
		}
		return op + " [" + asmConst(k) + "]", nil
	case ClassLD | SizeW | ModeIND, ClassLD | SizeH | ModeIND, ClassLD | SizeB | ModeIND:
		return loadMnemonic(code) + " [x + " + asmConst(k) + "]", nil
	case ClassLD | ModeMEM:
		return "ld M[" + asmConst(k) + "]", nil
	case ClassLD | SizeW | ModeLEN:
		return fixed("ld #len")
	case ClassLDX | ModeIMM:
		return "ldx #" + asmConst(k), nil
	case ClassLDX | ModeMEM:
		return "ldx M[" + asmConst(k) + "]", nil
	case ClassLDX | SizeW | ModeLEN:
		return fixed("ldx #len")
	case ClassLDX | SizeB | ModeMSH:
		return "ldxb 4*([" + asmConst(k) + "]&0xf)", nil
	case ClassST:
		return "st M[" + asmConst(k) + "]", nil
	case ClassSTX:
		return "stx M[" + asmConst(k) + "]", nil
	case ClassALU | OpNEG:
		return fixed("neg")
	case ClassRET | RvalK:
		return "ret #" + asmConst(k), nil
	case ClassRET | RvalX:
		return fixed("ret x")
	case ClassRET | RvalA:
		return fixed("ret a")
	case ClassMISC | MiscTAX:
		return fixed("tax")
	case ClassMISC | MiscTXA:
		return fixed("txa")
	case ClassJMP | OpJA:
		if ins.Jt != 0 || ins.Jf != 0 {
			return fail("jt and jf must be 0 in ja to be written as bpf_asm; use the raw, c, ddd or comma format")
		}
		t := (uint64(pc) + 1 + uint64(k)) & 0xffffffff // bpf_asm wraps k
		if t >= uint64(n) {
			return fail("ja target %d is outside the program; use the raw, c, ddd or comma format", int64(pc)+1+int64(int32(k)))
		}
		return "ja " + label(int(t)), nil
	}
	if Class(code) == ClassALU && code < 0x100 {
		op := aluMnemonic(Op(code))
		if op != "" {
			if Src(code) == SrcX {
				return fixed(op + " x")
			}
			if Op(code) == OpAND || Op(code) == OpOR || Op(code) == OpXOR {
				return op + " #" + asmMask(k), nil
			}
			return op + " #" + asmConst(k), nil
		}
	}
	if Class(code) == ClassJMP && code < 0x100 && Op(code) >= OpJEQ && Op(code) <= OpJSET {
		return asmCondJump(pc, ins, n, label, fail)
	}
	return fail("code %#04x has no bpf_asm form; use the raw, c, ddd or comma format", code)
}

func asmCondJump(pc int, ins Instruction, n int, label func(int) string,
	fail func(string, ...any) (string, error)) (string, error) {
	op := Op(ins.Op)
	var operand string
	if Src(ins.Op) == SrcX {
		if ins.K != 0 {
			return fail("k must be 0 in a jump on x to be written as bpf_asm; use the raw, c, ddd or comma format")
		}
		operand = "x"
	} else if op == OpJSET {
		operand = "#" + asmMask(ins.K)
	} else {
		operand = "#" + asmConst(ins.K)
	}
	jt, jf := pc+1+int(ins.Jt), pc+1+int(ins.Jf)
	if jt >= n || jf >= n {
		return fail("jump target %d is outside the program; use the raw, c, ddd or comma format", max(jt, jf))
	}
	// bpf_exp.y: jne, jlt and jle take one label, the false target, and
	// assemble to jeq, jge and jgt with jt = 0. jset has no negated form.
	mnem, negated := "jset", ""
	switch op {
	case OpJEQ:
		mnem, negated = "jeq", "jne"
	case OpJGT:
		mnem, negated = "jgt", "jle"
	case OpJGE:
		mnem, negated = "jge", "jlt"
	}
	switch {
	case ins.Jf == 0:
		return mnem + " " + operand + ", " + label(jt), nil
	case ins.Jt == 0 && negated != "":
		return negated + " " + operand + ", " + label(jf), nil
	}
	return mnem + " " + operand + ", " + label(jt) + ", " + label(jf), nil
}

func loadMnemonic(code uint16) string {
	switch Size(code) {
	case SizeH:
		return "ldh"
	case SizeB:
		return "ldb"
	}
	return "ld"
}

func aluMnemonic(op uint16) string {
	switch op {
	case OpADD:
		return "add"
	case OpSUB:
		return "sub"
	case OpMUL:
		return "mul"
	case OpDIV:
		return "div"
	case OpOR:
		return "or"
	case OpAND:
		return "and"
	case OpLSH:
		return "lsh"
	case OpRSH:
		return "rsh"
	case OpMOD:
		return "mod"
	case OpXOR:
		return "xor"
	}
	return ""
}

// extensionName is the bpf_asm name of an ancillary offset, if it has one.
func extensionName(off uint32) (string, bool) {
	switch off {
	case AncProtocol:
		return "proto", true
	case AncPktType:
		return "type", true
	case AncIfIndex:
		return "ifidx", true
	case AncNLAttr:
		return "nla", true
	case AncNLAttrNest:
		return "nlan", true
	case AncMark:
		return "mark", true
	case AncQueue:
		return "queue", true
	case AncHatype:
		return "hatype", true
	case AncRxHash:
		return "rxhash", true
	case AncCPU:
		return "cpu", true
	case AncVlanTag:
		return "vlan_tci", true
	case AncVlanTagPresent:
		return "vlan_avail", true
	case AncPayOffset:
		return "poff", true
	case AncRandom:
		return "rand", true
	case AncVlanTPID:
		return "vlan_tpid", true
	}
	return "", false // AncAluXorX has no bpf_asm name
}

// asmConst writes a constant: decimal below 0x10000, hex above.
func asmConst(k uint32) string {
	if k < 0x10000 {
		return strconv.FormatUint(uint64(k), 10)
	}
	return "0x" + strconv.FormatUint(uint64(k), 16)
}

// asmMask writes a bit mask: decimal below 10, hex above.
func asmMask(k uint32) string {
	if k < 10 {
		return strconv.FormatUint(uint64(k), 10)
	}
	return "0x" + strconv.FormatUint(uint64(k), 16)
}

// InstructionText returns the bpf_asm text of the instruction at pc, with
// jump targets written as labels "l<pc>" as Disassemble names them, for
// reports and traces. An instruction bpf_asm cannot express is shown as its
// raw fields, "{ 0x08, 0, 0, 0x00000000 }"; so is a pc outside p.
func InstructionText(p Program, pc int) string {
	if pc < 0 || pc >= len(p) {
		return fmt.Sprintf("<pc %d outside the program>", pc)
	}
	ins := p[pc]
	line, err := asmLine(pc, ins, len(p), func(t int) string { return "l" + strconv.Itoa(t) })
	if err != nil {
		return fmt.Sprintf("{ 0x%02x, %d, %d, 0x%08x }", ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	return line
}
