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
// Such programs can be written in the raw, c, ddd or comma formats.
func Disassemble(p Program) (string, error) {
	if len(p) == 0 {
		return "", &EncodeError{PC: -1, Msg: "empty program"}
	}
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
// of n instructions; label names jump targets. It writes the row of
// asmForms that writeForm picks.
func asmLine(pc int, ins Instruction, n int, label func(int) string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &EncodeError{PC: pc, Ins: ins, Msg: fmt.Sprintf(format, args...)}
	}
	op, k := Opcode(ins.Op), ins.K
	if Class(ins.Op) != ClassJMP && (ins.Jt != 0 || ins.Jf != 0) {
		return fail("jt and jf must be 0 outside jumps to be written as bpf_asm; use the raw, c, ddd or comma format")
	}
	form, ok := writeForm(op, numOperands)
	if !ok {
		return fail("code %#04x has no bpf_asm form; use the raw, c, ddd or comma format", ins.Op)
	}
	if form.arg.fixedK() && k != 0 {
		if form.arg == argJumpX {
			return fail("k must be 0 in a jump on x to be written as bpf_asm; use the raw, c, ddd or comma format")
		}
		return fail("k must be 0 in %q to be written as bpf_asm; use the raw, c, ddd or comma format", asmText(form, 0, ""))
	}
	switch form.arg {
	case argAbs:
		if k >= AncillaryBase {
			if ext, ok := extensionName(k - AncillaryBase); ok {
				if f, ok := writeForm(op, argExt); ok {
					return f.mnem + " " + ext, nil
				}
			}
		}
	case argLabel:
		if ins.Jt != 0 || ins.Jf != 0 {
			return fail("jt and jf must be 0 in ja to be written as bpf_asm; use the raw, c, ddd or comma format")
		}
		t := (uint64(pc) + 1 + uint64(k)) & 0xffffffff // bpf_asm wraps k
		if t >= uint64(n) {
			return fail("ja target %d is outside the program; use the raw, c, ddd or comma format", int64(pc)+1+int64(int32(k)))
		}
		return asmText(form, k, label(int(t))), nil
	case argJump, argJumpX:
		jt, jf := pc+1+int(ins.Jt), pc+1+int(ins.Jf)
		if jt >= n || jf >= n {
			return fail("jump target %d is outside the program; use the raw, c, ddd or comma format", max(jt, jf))
		}
		switch {
		case ins.Jf == 0:
			return asmText(form, k, label(jt)), nil
		case ins.Jt == 0:
			// bpf_exp.y: jne, jlt and jle take one label, the false
			// target, and assemble with jt = 0. jset has no such form.
			not := argJumpNot
			if form.arg == argJumpX {
				not = argJumpNotX
			}
			if f, ok := writeForm(op, not); ok {
				return asmText(f, k, label(jf)), nil
			}
		}
		return asmText(form, k, label(jt)+", "+label(jf)), nil
	}
	return asmText(form, k, ""), nil
}

// asmText writes form with constant k; labels is the label operand of a
// jump, "lT" or "lT, lF".
func asmText(form asmForm, k uint32, labels string) string {
	num := asmConst
	if form.mask {
		num = asmMask
	}
	s := form.mnem
	switch form.arg {
	case argImm, argImmBare:
		s += " #" + num(k)
	case argLen:
		s += " #len"
	case argAbs:
		s += " [" + asmConst(k) + "]"
	case argInd:
		s += " [x + " + asmConst(k) + "]"
	case argMem:
		s += " M[" + asmConst(k) + "]"
	case argMsh:
		s += " 4*([" + asmConst(k) + "]&0xf)"
	case argX:
		s += " x"
	case argA:
		s += " a"
	case argLabel:
		s += " " + labels
	case argJump, argJumpNot:
		s += " #" + num(k) + ", " + labels
	case argJumpX, argJumpNotX:
		s += " x, " + labels
	}
	return s
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
