package program

import (
	"fmt"
	"testing"
)

// knownOpcodes lists every named opcode with its code and its spelling in
// chk_code_allowed (net/core/filter.c); the codes are kernel-semantics.md
// §0. RetX is BPF_RET|BPF_X, which only bpf_asm produces (bpf_exp.y).
var knownOpcodes = []struct {
	op   Opcode
	code uint16
	name string
}{
	{LdImm, 0x00, "BPF_LD|BPF_IMM"},
	{LdAbsW, 0x20, "BPF_LD|BPF_W|BPF_ABS"},
	{LdAbsH, 0x28, "BPF_LD|BPF_H|BPF_ABS"},
	{LdAbsB, 0x30, "BPF_LD|BPF_B|BPF_ABS"},
	{LdIndW, 0x40, "BPF_LD|BPF_W|BPF_IND"},
	{LdIndH, 0x48, "BPF_LD|BPF_H|BPF_IND"},
	{LdIndB, 0x50, "BPF_LD|BPF_B|BPF_IND"},
	{LdMem, 0x60, "BPF_LD|BPF_MEM"},
	{LdLen, 0x80, "BPF_LD|BPF_W|BPF_LEN"},
	{LdxImm, 0x01, "BPF_LDX|BPF_IMM"},
	{LdxMem, 0x61, "BPF_LDX|BPF_MEM"},
	{LdxLen, 0x81, "BPF_LDX|BPF_W|BPF_LEN"},
	{LdxMsh, 0xb1, "BPF_LDX|BPF_B|BPF_MSH"},
	{St, 0x02, "BPF_ST"},
	{Stx, 0x03, "BPF_STX"},
	{AddK, 0x04, "BPF_ALU|BPF_ADD|BPF_K"}, {AddX, 0x0c, "BPF_ALU|BPF_ADD|BPF_X"},
	{SubK, 0x14, "BPF_ALU|BPF_SUB|BPF_K"}, {SubX, 0x1c, "BPF_ALU|BPF_SUB|BPF_X"},
	{MulK, 0x24, "BPF_ALU|BPF_MUL|BPF_K"}, {MulX, 0x2c, "BPF_ALU|BPF_MUL|BPF_X"},
	{DivK, 0x34, "BPF_ALU|BPF_DIV|BPF_K"}, {DivX, 0x3c, "BPF_ALU|BPF_DIV|BPF_X"},
	{OrK, 0x44, "BPF_ALU|BPF_OR|BPF_K"}, {OrX, 0x4c, "BPF_ALU|BPF_OR|BPF_X"},
	{AndK, 0x54, "BPF_ALU|BPF_AND|BPF_K"}, {AndX, 0x5c, "BPF_ALU|BPF_AND|BPF_X"},
	{LshK, 0x64, "BPF_ALU|BPF_LSH|BPF_K"}, {LshX, 0x6c, "BPF_ALU|BPF_LSH|BPF_X"},
	{RshK, 0x74, "BPF_ALU|BPF_RSH|BPF_K"}, {RshX, 0x7c, "BPF_ALU|BPF_RSH|BPF_X"},
	{ModK, 0x94, "BPF_ALU|BPF_MOD|BPF_K"}, {ModX, 0x9c, "BPF_ALU|BPF_MOD|BPF_X"},
	{XorK, 0xa4, "BPF_ALU|BPF_XOR|BPF_K"}, {XorX, 0xac, "BPF_ALU|BPF_XOR|BPF_X"},
	{Neg, 0x84, "BPF_ALU|BPF_NEG"},
	{Ja, 0x05, "BPF_JMP|BPF_JA"},
	{JeqK, 0x15, "BPF_JMP|BPF_JEQ|BPF_K"}, {JeqX, 0x1d, "BPF_JMP|BPF_JEQ|BPF_X"},
	{JgtK, 0x25, "BPF_JMP|BPF_JGT|BPF_K"}, {JgtX, 0x2d, "BPF_JMP|BPF_JGT|BPF_X"},
	{JgeK, 0x35, "BPF_JMP|BPF_JGE|BPF_K"}, {JgeX, 0x3d, "BPF_JMP|BPF_JGE|BPF_X"},
	{JsetK, 0x45, "BPF_JMP|BPF_JSET|BPF_K"}, {JsetX, 0x4d, "BPF_JMP|BPF_JSET|BPF_X"},
	{RetK, 0x06, "BPF_RET|BPF_K"},
	{RetX, 0x0e, "BPF_RET|BPF_X"},
	{RetA, 0x16, "BPF_RET|BPF_A"},
	{Tax, 0x07, "BPF_MISC|BPF_TAX"},
	{Txa, 0x87, "BPF_MISC|BPF_TXA"},
}

func TestOpcodeValuesAndNames(t *testing.T) {
	if len(knownOpcodes) != 50 {
		t.Fatalf("%d opcodes listed, want the kernel's 49 and ret x", len(knownOpcodes))
	}
	named := map[uint16]string{}
	for _, o := range knownOpcodes {
		if uint16(o.op) != o.code {
			t.Errorf("%s = %#04x, want %#04x", o.name, uint16(o.op), o.code)
		}
		if got := o.op.String(); got != o.name {
			t.Errorf("%#04x: String() = %q, want %q", o.code, got, o.name)
		}
		named[o.code] = o.name
	}
	// Every other code, including those whose fields look plausible
	// (0x08 "ldh #k", 0x0d "ja x", 0x8c "neg x"), is a number.
	for c := 0; c <= 0xffff; c++ {
		if _, ok := named[uint16(c)]; ok {
			continue
		}
		if got, want := Opcode(c).String(), fmt.Sprintf("0x%04x", c); got != want {
			t.Fatalf("Opcode(%#x).String() = %q, want %q", c, got, want)
		}
	}
}

func TestOpcodeFormat(t *testing.T) {
	for _, tt := range []struct{ format, want string }{
		{"%v", "BPF_LD|BPF_W|BPF_ABS"},
		{"%s", "BPF_LD|BPF_W|BPF_ABS"},
		{"%q", `"BPF_LD|BPF_W|BPF_ABS"`},
		{"%#02x", "0x20"},
		{"%#04x", "0x0020"},
		{"%x", "20"},
		{"%d", "32"},
		{"%5d", "   32"},
	} {
		if got := fmt.Sprintf(tt.format, LdAbsW); got != tt.want {
			t.Errorf("Sprintf(%q, LdAbsW) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprintf("%v %#x", Opcode(0x8c), Opcode(0x8c)); got != "0x008c 0x8c" {
		t.Errorf("unknown code: %q", got)
	}
}

// TestIsConditionalJump: exactly the eight codes bpf_check_classic checks
// jt and jf of (net/core/filter.c).
func TestIsConditionalJump(t *testing.T) {
	want := map[uint16]bool{0x15: true, 0x1d: true, 0x25: true, 0x2d: true, 0x35: true, 0x3d: true, 0x45: true, 0x4d: true}
	for c := 0; c <= 0xffff; c++ {
		if got := Opcode(c).IsConditionalJump(); got != want[uint16(c)] {
			t.Errorf("Opcode(%#x).IsConditionalJump() = %v", c, got)
		}
	}
}
