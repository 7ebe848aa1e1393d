package program

import (
	"fmt"
	"strconv"
	"strings"
)

// Disassemble writes p as bpf_asm text (tools/bpf/bpf_exp.y syntax) that
// assembles, with this package or with bpf_asm itself, back to p, exactly
// but for the bits the kernel ignores (see below). It writes one
// instruction per line, indented by a tab; an instruction that is a jump
// target is preceded by its label, "l<pc>:".
//
// Every code bpf_asm can produce is written, including ones the kernel
// rejects (ret x, div #0, lsh #32, ...). A conditional jump is written
// "jeq #k, lT" when jf is 0, "jne #k, lF" (jlt, jle for jge, jgt) when only
// jt is 0, and "jeq #k, lT, lF" otherwise. Constants below 0x10000 are
// decimal and larger ones hex, except that the bit masks of and, or, xor and
// jset are hex from 10 up. Ancillary loads use bpf_asm's extension names
// ("ld proto"); offsets it has no name for, such as xor_x, stay numeric
// ("ld [0xfffff028]").
//
// Fields the kernel ignores, and that bpf_asm has no room for, are written
// in a trailing comment and read back as 0: jt and jf of every instruction
// but the eight conditional jumps (ja included), and k of the forms that
// take none ("ld #len", "ldx #len", the x forms of the ALU operations and
// jumps, "neg", "ret a", "tax", "txa"). Real filters sometimes carry stray
// bits there, and the kernel accepts them, so Disassemble writes
// "ret #0x7fff0000 ; jt=0 jf=1 ignored by the kernel" and
// "ret a ; k=0x1 ignored by the kernel". IgnoredBits lists these
// instructions, for callers that want to warn; the raw, c, ddd and comma
// formats keep every bit.
//
// Disassemble never refuses a program the kernel accepts. It fails with an
// *EncodeError, naming the pc and code, for a program bpf_asm cannot
// express: a code outside its grammar (0x08, 0x21, 0x0d, 0x8c, any code >=
// 0xb2, any code with the high byte set, ...), a k in "ret x" (which the
// kernel rejects), an M[] index outside 0..15, or a jump whose target lies
// outside the program (a ja backward included: its k is unsigned, so it
// jumps far forward). The kernel rejects all of these; such programs can be
// written in the raw, c, ddd or comma formats. The empty program is the
// empty text.
//
// DisassembleAnnotated writes the same text with comments that say what
// each instruction reads, compares and returns in a seccomp filter.
func Disassemble(p Program) (string, error) {
	return disassemble(p, nil)
}

// noteColumn is the width DisassembleAnnotated pads instructions to before
// their comment, so that the comments line up.
const noteColumn = 24

// disassemble writes p as Disassemble does, and with notes (one per pc)
// as DisassembleAnnotated does.
func disassemble(p Program, notes []string) (string, error) {
	targets := make([]bool, len(p))
	mark := func(t int) string { targets[t] = true; return "" }
	for pc, ins := range p {
		if _, err := asmInsn(pc, ins, len(p), mark); err != nil {
			return "", err
		}
	}
	name := func(t int) string { return "l" + strconv.Itoa(t) }
	var b strings.Builder
	for pc, ins := range p {
		insn, _ := asmInsn(pc, ins, len(p), name)
		comment := ignoredComment(ins)
		if targets[pc] {
			b.WriteString(name(pc))
			b.WriteByte(':')
		}
		b.WriteByte('\t')
		b.WriteString(insn)
		switch {
		case notes != nil && (notes[pc] != "" || comment != ""):
			b.WriteString(strings.Repeat(" ", max(1, noteColumn-len(insn))))
			b.WriteString("; ")
			b.WriteString(notes[pc])
			if notes[pc] != "" && comment != "" {
				b.WriteString("; ")
			}
			b.WriteString(comment)
		case comment != "":
			b.WriteString(" ; ")
			b.WriteString(comment)
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// IgnoredBits returns the indices, in ascending order, of the instructions
// of p that have bits set in a field the kernel never reads, or nil when
// there are none:
//
//   - jt or jf of every instruction but the eight conditional jumps (jeq,
//     jgt, jge, jset with k or x), ja included: bpf_check_classic and
//     bpf_convert_filter (net/core/filter.c) look at jt and jf of those
//     eight only;
//   - k of BPF_LD|BPF_W|BPF_LEN and BPF_LDX|BPF_W|BPF_LEN ("ld #len",
//     "ldx #len"): bpf_convert_filter loads skb->len without it, and
//     seccomp_check_filter (kernel/seccomp.c) overwrites it with
//     sizeof(struct seccomp_data);
//   - k of the ALU operations with BPF_X and of BPF_ALU|BPF_NEG: the
//     converted eBPF instruction carries k as its imm, which eBPF's
//     register forms and NEG do not read;
//   - k of the jumps with BPF_X: likewise, the eBPF jump compares with X;
//   - k of BPF_RET|BPF_A: converted to a bare BPF_EXIT;
//   - k of BPF_MISC|BPF_TAX and BPF_MISC|BPF_TXA: register moves.
//
// bpf_check_classic checks k only for DIV and MOD K (k != 0), LSH and RSH
// K (k < 32), the M[] forms (k < 16), JA and the ABS loads, none of them
// above. Disassemble and InstructionText write such an instruction with the
// ignored fields in a comment, and its bpf_asm text reads back with them
// 0, so a caller printing bpf_asm can use this to say, once, that the text
// is the program the kernel runs but not the program's bytes.
func IgnoredBits(p Program) []int {
	var out []int
	for pc, ins := range p {
		if ignoredJumpBits(ins) || ignoredK(ins) {
			out = append(out, pc)
		}
	}
	return out
}

// ignoredJumpBits reports whether ins has jt or jf set where the kernel
// ignores them.
func ignoredJumpBits(ins Instruction) bool {
	return (ins.Jt != 0 || ins.Jf != 0) && !Opcode(ins.Op).IsConditionalJump()
}

// ignoredK reports whether ins has a k the kernel ignores (see IgnoredBits)
// and bpf_asm cannot write: a non-zero k in a form without a constant,
// except ret x, which the kernel rejects whatever its k.
func ignoredK(ins Instruction) bool {
	if ins.K == 0 || Opcode(ins.Op) == RetX {
		return false
	}
	form, ok := writeForm(Opcode(ins.Op), numOperands)
	return ok && form.arg.fixedK()
}

// asmLine returns the bpf_asm text of the instruction at pc in a program
// of n instructions; label names jump targets. It writes the row of
// asmForms that writeForm picks, followed by a comment naming the fields
// set where the kernel ignores them.
func asmLine(pc int, ins Instruction, n int, label func(int) string) (string, error) {
	line, err := asmInsn(pc, ins, n, label)
	if err != nil {
		return "", err
	}
	if c := ignoredComment(ins); c != "" {
		line += " ; " + c
	}
	return line, nil
}

// ignoredComment names the fields of ins set where the kernel ignores
// them, "jt=0 jf=1 ignored by the kernel", or is "".
func ignoredComment(ins Instruction) string {
	var ignored []string
	if ignoredJumpBits(ins) {
		ignored = append(ignored, fmt.Sprintf("jt=%d jf=%d", ins.Jt, ins.Jf))
	}
	if ignoredK(ins) {
		ignored = append(ignored, fmt.Sprintf("k=%#x", ins.K))
	}
	if ignored == nil {
		return ""
	}
	return strings.Join(ignored, " ") + " ignored by the kernel"
}

// asmInsn is asmLine without the comment.
func asmInsn(pc int, ins Instruction, n int, label func(int) string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &EncodeError{PC: pc, Ins: ins, Msg: fmt.Sprintf(format, args...)}
	}
	op, k := Opcode(ins.Op), ins.K
	form, ok := writeForm(op, numOperands)
	if !ok {
		return fail("code %#04x has no bpf_asm form; use the raw, c, ddd or comma format", ins.Op)
	}
	if op == RetX && k != 0 {
		return fail("k must be 0 in \"ret x\" to be written as bpf_asm; use the raw, c, ddd or comma format")
	}
	switch form.arg {
	case argMem:
		if k >= MemWords {
			return fail("M[%d] is outside the scratch memory M[0] to M[%d]; use the raw, c, ddd or comma format", k, MemWords-1)
		}
	case argAbs:
		if k >= AncillaryBase {
			if ext, ok := extensionName(k - AncillaryBase); ok {
				if f, ok := writeForm(op, argExt); ok {
					return f.mnem + " " + ext, nil
				}
			}
		}
	case argLabel:
		// k is unsigned (bpf_check_classic): a "backward" k jumps far
		// forward, past the end.
		t := uint64(pc) + 1 + uint64(k)
		if t >= uint64(n) {
			return fail("ja target pc %d is outside the program; use the raw, c, ddd or comma format", t)
		}
		return asmText(form, 0, label(int(t))), nil
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
	if form.arg.fixedK() {
		k = 0 // ignored by the kernel; asmLine writes it in a comment
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
// jump targets written as labels "l<pc>" as Disassemble names them and the
// fields the kernel ignores in a comment, as Disassemble writes them, for
// reports and traces. An instruction bpf_asm cannot express is shown as its
// raw fields, "{ 0x08, 0, 0, 0x00000000 }"; a pc outside p as
// "<pc N outside the program>".
func InstructionText(p Program, pc int) string {
	return InstructionTextLabels(p, pc, nil)
}

// InstructionTextLabels is InstructionText with the jump targets that
// labels names (such as Source.Labels, the author's labels of a bpf_asm
// source) written by those names: "jeq #59, kill" rather than
// "jeq #59, l5". Targets without a name are "l<pc>", or "pc<pc>" when an
// author's label is already spelled "l<pc>".
func InstructionTextLabels(p Program, pc int, labels map[int]string) string {
	if pc < 0 || pc >= len(p) {
		return fmt.Sprintf("<pc %d outside the program>", pc)
	}
	ins := p[pc]
	name := func(t int) string {
		if l := labels[t]; l != "" {
			return l
		}
		n := "l" + strconv.Itoa(t)
		for _, l := range labels {
			if l == n {
				return "pc" + strconv.Itoa(t)
			}
		}
		return n
	}
	line, err := asmLine(pc, ins, len(p), name)
	if err != nil {
		return fmt.Sprintf("{ 0x%02x, %d, %d, 0x%08x }", ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	return line
}
