package program

import (
	"strings"
	"testing"
)

// TestMnemonicTableCoversEveryOpcode: bpf_asm can write every named
// opcode (the kernel's 49 and ret x) and nothing else.
func TestMnemonicTableCoversEveryOpcode(t *testing.T) {
	named := map[Opcode]bool{}
	for _, o := range knownOpcodes {
		named[o.op] = true
	}
	inTable := map[Opcode]bool{}
	for _, f := range asmForms {
		if !named[f.op] {
			t.Errorf("row %q has code %#04x, which is not a named opcode", f.mnem, f.op)
		}
		inTable[f.op] = true
	}
	for op := range named {
		if !inTable[op] {
			t.Errorf("%v has no row", op)
		}
	}
}

// TestEveryFormAssembles writes each row of the table, aliases included,
// and checks that the reader assembles it to the row's opcode.
func TestEveryFormAssembles(t *testing.T) {
	for _, f := range asmForms {
		var src string
		want := Instruction{Op: uint16(f.op)}
		switch f.arg {
		case argExt:
			src, want.K = f.mnem+" rand", AncillaryBase+AncRandom
		case argImmBare:
			src, want.K = f.mnem+" 9", 9
		case argLabel:
			src, want.K = f.mnem+" end\nret #0", 1
		case argJump, argJumpX:
			if !f.arg.fixedK() {
				want.K = 9
			}
			src, want.Jt, want.Jf = asmText(f, want.K, "end, next")+"\nnext: ret #0", 1, 0
		case argJumpNot, argJumpNotX:
			if !f.arg.fixedK() {
				want.K = 9
			}
			src, want.Jf = asmText(f, want.K, "end")+"\nret #0", 1
		default:
			if !f.arg.fixedK() {
				want.K = 9
			}
			src = asmText(f, want.K, "")
		}
		src += "\nend: ret #0\n"
		p, err := assemble(src, "")
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if p[0] != want {
			t.Errorf("%q assembled to %+v, want %+v", src, p[0], want)
		}
	}
}

// TestEveryOpcodeRoundTrips disassembles one instruction of every opcode
// in the table, with each shape of operand the writer distinguishes, and
// checks that the text assembles back to the same instruction.
func TestEveryOpcodeRoundTrips(t *testing.T) {
	seen := map[Opcode]bool{}
	for _, f := range asmForms {
		if seen[f.op] {
			continue
		}
		seen[f.op] = true
		var cases []Instruction
		switch {
		case f.arg.fixedK() && f.op.IsConditionalJump():
			cases = []Instruction{{Op: uint16(f.op)}, {Op: uint16(f.op), Jt: 1}, {Op: uint16(f.op), Jf: 2}, {Op: uint16(f.op), Jt: 2, Jf: 1}}
		case f.op.IsConditionalJump():
			for _, k := range []uint32{0, 9, 10, 0x10000, 0xffffffff} {
				cases = append(cases, Instruction{Op: uint16(f.op), K: k}, Instruction{Op: uint16(f.op), K: k, Jt: 1},
					Instruction{Op: uint16(f.op), K: k, Jf: 2}, Instruction{Op: uint16(f.op), K: k, Jt: 2, Jf: 1})
			}
		case f.op == Ja:
			cases = []Instruction{{Op: uint16(f.op)}, {Op: uint16(f.op), K: 2}}
		case f.arg.fixedK():
			cases = []Instruction{{Op: uint16(f.op)}}
		case f.arg == argMem:
			cases = []Instruction{{Op: uint16(f.op)}, {Op: uint16(f.op), K: 9}, {Op: uint16(f.op), K: MemWords - 1}}
		default:
			for _, k := range []uint32{0, 9, 10, 0xffff, 0x10000, 0xffffffff,
				AncillaryBase + AncProtocol, AncillaryBase + AncAluXorX, AncillaryBase + AncVlanTagPresent} {
				cases = append(cases, Instruction{Op: uint16(f.op), K: k})
			}
		}
		for _, ins := range cases {
			p := Program{ins, Stmt(RetK, 1), Stmt(RetK, 2), Stmt(RetK, 3)}
			text, err := Disassemble(p)
			if err != nil {
				t.Errorf("%v %+v: %v", f.op, ins, err)
				continue
			}
			first, _, _ := strings.Cut(text, "\n")
			if !strings.HasPrefix(strings.TrimSpace(first), f.mnem) && !f.op.IsConditionalJump() {
				t.Errorf("%v %+v written as %q, want mnemonic %q", f.op, ins, first, f.mnem)
			}
			back, err := assemble(text, "")
			if err != nil || !equalPrograms(back, p) {
				t.Errorf("%v %+v: %q re-assembles to %v, %v", f.op, ins, first, back, err)
			}
		}
	}
	if len(seen) != 50 {
		t.Errorf("%d opcodes in the table, want 50", len(seen))
	}
}
