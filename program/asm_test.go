package program

import (
	"strings"
	"testing"
)

// Expected codes are assembled by hand from the grammar actions of the
// kernel's tools/bpf/bpf_exp.y (bpf_set_curr_instr(BPF_LD | BPF_W | BPF_ABS,
// ...) and so on) with the constants of include/uapi/linux/bpf_common.h and
// filter.h, and the table in docs/kernel-semantics.md §0.
func TestAssembleForms(t *testing.T) {
	tests := []struct {
		src  string
		want Instruction
	}{
		// ld and friends
		{"ld #5", Stmt(0x00, 5)},
		{"ldi #5", Stmt(0x00, 5)},
		{"ldi 5", Stmt(0x00, 5)},
		{"ld #len", Stmt(0x80, 0)},
		{"ld len", Stmt(0x80, 0)},
		{"ld M[3]", Stmt(0x60, 3)},
		{"ld m[15]", Stmt(0x60, 15)},
		{"ld M[0xf]", Stmt(0x60, 15)},
		{"ld [12]", Stmt(0x20, 12)},
		{"ldh [12]", Stmt(0x28, 12)},
		{"ldb [23]", Stmt(0x30, 23)},
		{"ld [x + 5]", Stmt(0x40, 5)},
		{"ld [%x + 5]", Stmt(0x40, 5)},
		{"ld [x+5]", Stmt(0x40, 5)}, // lenient: a syntax error for bpf_asm
		{"ldh [x + 14]", Stmt(0x48, 14)},
		{"ldb [x + -1]", Stmt(0x50, 0xffffffff)},
		{"ldb [x + 0]", Stmt(0x50, 0)},
		// extensions: k = SKF_AD_OFF + SKF_AD_* (bpf_exp.l, filter.h)
		{"ld proto", Stmt(0x20, 0xfffff000)},
		{"ld #proto", Stmt(0x20, 0xfffff000)},
		{"ld type", Stmt(0x20, 0xfffff004)},
		{"ld ifidx", Stmt(0x20, 0xfffff008)},
		{"ld nla", Stmt(0x20, 0xfffff00c)},
		{"ld nlan", Stmt(0x20, 0xfffff010)},
		{"ld mark", Stmt(0x20, 0xfffff014)},
		{"ld queue", Stmt(0x20, 0xfffff018)},
		{"ld hatype", Stmt(0x20, 0xfffff01c)},
		{"ld rxhash", Stmt(0x20, 0xfffff020)},
		{"ld cpu", Stmt(0x20, 0xfffff024)},
		{"ld vlan_tci", Stmt(0x20, 0xfffff02c)},
		{"ld vlan_pr", Stmt(0x20, 0xfffff030)},
		{"ld vlan_avail", Stmt(0x20, 0xfffff030)},
		{"ld poff", Stmt(0x20, 0xfffff034)},
		{"ld rand", Stmt(0x20, 0xfffff038)},
		{"ld #vlan_tpid", Stmt(0x20, 0xfffff03c)},
		{"ldh proto", Stmt(0x28, 0xfffff000)},
		{"ldb #rand", Stmt(0x30, 0xfffff038)},
		{"ld [0xfffff028]", Stmt(0x20, 0xfffff028)}, // xor_x has no name
		// ldx
		{"ldx #5", Stmt(0x01, 5)},
		{"ldxi #5", Stmt(0x01, 5)},
		{"ldxi 5", Stmt(0x01, 5)},
		{"ldx #len", Stmt(0x81, 0)},
		{"ldx len", Stmt(0x81, 0)},
		{"ldx M[2]", Stmt(0x61, 2)},
		{"ldx 4*([14]&0xf)", Stmt(0xb1, 14)},
		{"ldxb 4*([14]&0xf)", Stmt(0xb1, 14)},
		{"ldxb 4 * ( [ 14 ] & 15 )", Stmt(0xb1, 14)},
		// stores
		{"st M[1]", Stmt(0x02, 1)},
		{"stx M[15]", Stmt(0x03, 15)},
		// ALU
		{"add #1", Stmt(0x04, 1)}, {"add x", Stmt(0x0c, 0)}, {"add %x", Stmt(0x0c, 0)},
		{"sub #1", Stmt(0x14, 1)}, {"sub x", Stmt(0x1c, 0)},
		{"mul #3", Stmt(0x24, 3)}, {"mul x", Stmt(0x2c, 0)},
		{"div #0", Stmt(0x34, 0)}, {"div x", Stmt(0x3c, 0)},
		{"or #0x10", Stmt(0x44, 0x10)}, {"or x", Stmt(0x4c, 0)},
		{"and #0xf", Stmt(0x54, 0xf)}, {"and x", Stmt(0x5c, 0)},
		{"lsh #32", Stmt(0x64, 32)}, {"lsh x", Stmt(0x6c, 0)},
		{"rsh #4", Stmt(0x74, 4)}, {"rsh x", Stmt(0x7c, 0)},
		{"neg", Stmt(0x84, 0)},
		{"mod #7", Stmt(0x94, 7)}, {"mod x", Stmt(0x9c, 0)},
		{"xor #1", Stmt(0xa4, 1)}, {"xor x", Stmt(0xac, 0)},
		// misc and ret
		{"tax", Stmt(0x07, 0)},
		{"txa", Stmt(0x87, 0)},
		{"ret #0", Stmt(0x06, 0)},
		{"ret a", Stmt(0x16, 0)},
		{"ret %a", Stmt(0x16, 0)},
		{"ret x", Stmt(0x0e, 0)},
		{"ret %x", Stmt(0x0e, 0)},
		// numbers as bpf_exp.l reads them (strtol/strtoul); a negative
		// number wraps to 32 bits as in C, and every number must fit in
		// -0x80000000..0xffffffff (TestAssembleRefusesTruncation)
		{"ret #-1", Stmt(0x06, 0xffffffff)},
		{"ret #+5", Stmt(0x06, 5)},
		{"ret #0x7fff0000", Stmt(0x06, 0x7fff0000)},
		{"ret #0X7FFF0000", Stmt(0x06, 0x7fff0000)},
		{"ret #0b101", Stmt(0x06, 5)},
		{"ret #017", Stmt(0x06, 15)},
		{"ret #0", Stmt(0x06, 0)},
		{"ret #4294967295", Stmt(0x06, 0xffffffff)},
		{"ret #0xffffffff", Stmt(0x06, 0xffffffff)},
		{"ret #-2147483648", Stmt(0x06, 0x80000000)},
		{"ret #-0x80000000", Stmt(0x06, 0x80000000)},
		{"ld [4294967295]", Stmt(0x20, 0xffffffff)},
		{"ldxb 4*([0xffffffff]&0xf)", Stmt(0xb1, 0xffffffff)},
		// names after "#", for x86_64 when the filter checks no arch:
		// SECCOMP_RET_* (include/uapi/linux/seccomp.h), EPERM 1
		// (asm-generic/errno-base.h), __NR_read 0 and __NR_openat 257
		// (arch/x86/entry/syscalls/syscall_64.tbl), AUDIT_ARCH_X86_64
		// (include/uapi/linux/audit.h)
		{"ret #SECCOMP_RET_ALLOW", Stmt(0x06, 0x7fff0000)},
		{"ret #SECCOMP_RET_ERRNO|EPERM", Stmt(0x06, 0x50001)},
		{"ret #SECCOMP_RET_ERRNO | EACCES", Stmt(0x06, 0x5000d)},
		{"ret #SECCOMP_RET_TRACE+0x10", Stmt(0x06, 0x7ff00010)},
		{"ret #SECCOMP_RET_KILL_PROCESS", Stmt(0x06, 0x80000000)},
		{"ld #__NR_openat", Stmt(0x00, 257)},
		{"ldi #SYS_read", Stmt(0x00, 0)},
		{"ldx #__X32_SYSCALL_BIT|__NR_read", Stmt(0x01, 0x40000000)},
		{"and #SECCOMP_RET_DATA", Stmt(0x54, 0xffff)},
		{"ret #SECCOMP_RET_ALLOW+0x80000001", Stmt(0x06, 0xffff0001)},
		// case-insensitive keywords (%option caseless)
		{"LDH [12]", Stmt(0x28, 12)},
		{"Ret #0", Stmt(0x06, 0)},
		{"LD PROTO", Stmt(0x20, 0xfffff000)},
		{"RET A", Stmt(0x16, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := assemble(tt.src, "t.asm")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Jumps and labels, resolved as bpf_stage_2_reduce_labels does: jt/jf =
// target - pc - 1, the JA offset wraps to 32 bits.
func TestAssembleJumps(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Program
	}{
		{
			// The program of docs/kernel-semantics.md §8.1's example output
			// "4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,".
			name: "ethertype",
			src:  "ldh [12]\njeq #0x800, ok, drop\nok: ret #-1\ndrop: ret #0\n",
			want: Program{{Op: 40, K: 12}, {Op: 21, Jf: 1, K: 2048}, {Op: 6, K: 4294967295}, {Op: 6}},
		},
		{
			name: "one-target forms",
			src:  "jeq #1, l4\njgt x, l4\njge %x, l4\njset #0x10, l4\nl4: ret a",
			want: Program{{Op: 0x15, Jt: 3, K: 1}, {Op: 0x2d, Jt: 2}, {Op: 0x3d, Jt: 1}, {Op: 0x45, Jt: 0, K: 0x10}, {Op: 0x16}},
		},
		{
			name: "negated forms put the label in jf",
			src:  "jlt #2, lt\njle #3, lt\njne #4, lt\njneq x, lt\njlt %x, lt\njle x, lt\nlt: ret #0",
			want: Program{
				{Op: 0x35, Jf: 5, K: 2}, {Op: 0x25, Jf: 4, K: 3}, {Op: 0x15, Jf: 3, K: 4},
				{Op: 0x1d, Jf: 2}, {Op: 0x3d, Jf: 1}, {Op: 0x2d, Jf: 0}, {Op: 0x06},
			},
		},
		{
			name: "two-target forms",
			src:  "jeq #1, aa, bb\njgt #2, bb, aa\njge x, aa, aa\njset %x, bb, bb\naa: ret #1\nbb: ret #2",
			want: Program{{Op: 0x15, Jt: 3, Jf: 4, K: 1}, {Op: 0x25, Jt: 3, Jf: 2, K: 2}, {Op: 0x3d, Jt: 1, Jf: 1}, {Op: 0x4d, Jt: 1, Jf: 1}, {Op: 6, K: 1}, {Op: 6, K: 2}},
		},
		{
			name: "ja and jmp",
			src:  "ja end\njmp end\nend: ret #0",
			want: Program{{Op: 0x05, K: 1}, {Op: 0x05, K: 0}, {Op: 0x06}},
		},
		{
			name: "jt offset 255 is in range",
			src:  "jeq #1, far\n" + strings.Repeat("ld #0\n", 255) + "far: ret #0",
			want: append(append(Program{{Op: 0x15, Jt: 255, K: 1}}, make(Program, 255)...), Stmt(6, 0)),
		},
		{
			name: "names in jumps",
			src:  "ld [4]\njne #AUDIT_ARCH_X86_64, bad\nld [0]\njeq #__NR_execve, bad\nret #SECCOMP_RET_ALLOW\nbad: ret #SECCOMP_RET_KILL",
			want: Program{{Op: 0x20, K: 4}, {Op: 0x15, Jf: 3, K: 0xc000003e}, {Op: 0x20}, {Op: 0x15, Jt: 1, K: 59}, {Op: 6, K: 0x7fff0000}, {Op: 6}},
		},
		{
			name: "labels are case-sensitive",
			src:  "ja Lab\nlab: ret #1\nLab: ret #2",
			want: Program{{Op: 0x05, K: 1}, {Op: 6, K: 1}, {Op: 6, K: 2}},
		},
		{
			name: "two labels on one instruction",
			src:  "jeq #1, one, two\none: two: ret #0",
			want: Program{{Op: 0x15, K: 1}, {Op: 6}},
		},
		{
			name: "labels may look like registers and mnemonics",
			src:  "ja xx\nxx: ja M1\nM1: ja ldd\nldd: ret #0",
			want: Program{{Op: 5}, {Op: 5}, {Op: 5}, {Op: 6}},
		},
		{
			name: "comments, newlines carry no meaning",
			src: "# a comment in column 0\n; semicolon comment\n/* block\n comment */ ld [4] ; trailing\n" +
				"jeq #0xc000003e,\n  good /* inline */ , bad\ngood: ret #0x7fff0000 bad: ret #0\r\n",
			want: Program{{Op: 0x20, K: 4}, {Op: 0x15, Jt: 0, Jf: 1, K: 0xc000003e}, {Op: 6, K: 0x7fff0000}, {Op: 6}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := Decode([]byte(tt.src), DecodeOptions{Format: FormatAsm})
			if err != nil {
				t.Fatal(err)
			}
			if f != FormatAsm {
				t.Errorf("format %v", f)
			}
			if !equalPrograms(got, tt.want) {
				t.Fatalf("%s", firstDiff(got, tt.want))
			}
		})
	}
}

func TestAssembleErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"unknown mnemonic", "ld [4]\nlds [0]\nret #0", 2, `unknown mnemonic "lds"`},
		{"undefined label", "ld [4]\njeq #1, yes, no\nyes: ret #0", 2, `jeq: label "no" is not defined`},
		{"undefined ja label", "ja nowhere\nret #0", 1, `ja: label "nowhere" is not defined`},
		{"jt offset 256", "jeq #1, far\n" + strings.Repeat("ld #0\n", 256) + "far: ret #0", 1,
			`jeq: jump to label "far" (pc 257) is out of range: offset 256 is more than 255`},
		{"jf offset 256", "ld #1\njne #1, far\n" + strings.Repeat("ld #0\n", 256) + "far: ret #0", 2, "offset 256 is more than 255"},
		{"backward conditional jump", "back: ld #1\njeq #1, back\nret #0", 2, `jeq: jumps only go forward: label "back" (line 1) is at pc 0, the jump at pc 1`},
		{"number beyond 64 bits", "ret #18446744073709551616", 1, "number 18446744073709551616 does not fit in 64 bits"},
		{"decimal beyond strtol", "ret #9223372036854775808", 1, "ret: k 9223372036854775808 is out of range -0x80000000..0xffffffff (32 bits)"},
		{"hex beyond 64 bits", "\nret #0x10000000000000000", 2, "does not fit in 64 bits"},
		{"malformed number", "ret #09", 1, `malformed number "09"`},
		{"number run into letters", "ret #0x1g", 1, `malformed number "0x1g"`},
		{"unknown character", "ret #0\nret @", 2, `unknown character "@"`},
		{"lone letter", "ld b", 1, `unknown character "b"`},
		{"one-letter label", "jlt #2, L\nL: ret #0", 1, `unknown character "L"`},
		{"jump target is a number", "ja 5\nret #0", 1, "jump targets must be labels"},
		{"ldxb literals", "ldxb 5*([14]&0xf)", 1, "only 4*([k]&0xf) is supported"},
		{"ldx mask literal", "\nldx 4*([14]&0xff)", 2, "only 4*([k]&0xf) is supported"},
		{"missing hash", "ret 5", 1, `ret: expected "#", got number 5`},
		{"ld [x] without offset", "ld [x]", 1, `ld: expected "+"`},
		{"unclosed bracket", "ld [4\nret #0", 2, `ld: expected "]", got "ret"`},
		{"ldh #len", "ldh #len", 1, "expected an extension name"},
		{"ret #len", "ret #len", 1, `ret: expected a number or a name, got "len"`},
		{"ldx extension", "ldx proto", 1, `ldx: unexpected operand "proto"`},
		{"missing comma", "jeq #1 l1\nl1: ret #0", 1, `jeq: expected ",", got "l1"`},
		{"negated form takes one label", "jne #1, aa, bb\naa: bb: ret #0", 1, `expected an instruction or a label, got ","`},
		{"keyword as label", "ja ret\nret #0", 1, `ja: "ret" is a keyword, not a label`},
		{"label without instruction", "ret #0\nend:", 2, `label "end" is not followed by an instruction`},
		{"unterminated comment", "ret #0\n/* open", 2, "unterminated /* comment"},
		{"operand at statement start", "ret #0\n#5", 0, ""}, // "#5" in column 0 is a comment: fine
		{"st without M", "st [3]", 1, `st: expected "m", got "["`},
		{"M without bracket", "ld M 3", 1, `ld: expected "[", got number 3`},
		{"M without number", "ldx M[]", 1, `ldx: expected a number, got "]"`},
		{"M unclosed", "stx M[1", 1, `stx: expected "]", got end of input`},
		{"msh without parenthesis", "ldxb 4*[14]&0xf", 1, `ldxb: expected "(", got "["`},
		{"msh without mask", "ldxb 4*([14]&)", 1, `ldxb: expected a number, got ")"`},
		{"msh unclosed", "ldxb 4*([14]&0xf", 1, `ldxb: expected ")", got end of input`},
		{"msh without offset", "ldx 4*([]&0xf)", 1, `ldx: expected a number, got "]"`},
		{"msh without ampersand", "ldx 4*([14] 0xf)", 1, `ldx: expected "&", got number 0xf`},
		{"too many instructions", strings.Repeat("tax\n", MaxDecodeInstructions+1), MaxDecodeInstructions + 1, "more than 65536 instructions (the kernel takes at most 4096)"},
		{"end of input mid-instruction", "ret #0\njeq #1,", 2, "jeq: expected a label, got end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.src), DecodeOptions{Format: FormatAsm, Name: "policy.asm"})
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantDecodeError(t, err, tt.line, -1, tt.msg)
		})
	}
	_, _, err := Decode([]byte("ld [4]\n\n\n\n\n\n\n\n\n\n\nlds [0]\n"), DecodeOptions{Format: FormatAsm, Name: "policy.asm"})
	if got, want := err.Error(), `policy.asm:12: unknown mnemonic "lds"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
