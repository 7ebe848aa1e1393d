package program

import (
	"strings"
	"testing"
)

// C output of bpf_asm -c is printf("{ %#04x, %2u, %2u, %#010x },\n")
// (tools/bpf/bpf_exp.y, bpf_pretty_print_c); the two sample lines are from
// docs/kernel-semantics.md §8.1 ([live printf]).
func TestEncodeC(t *testing.T) {
	tests := []struct {
		ins  Instruction
		want string
	}{
		{Instruction{}, "{ 0000,  0,  0, 0000000000 },\n"},
		{Jump(0x15, 0x800, 1, 12), "{ 0x15,  1, 12, 0x00000800 },\n"},
		{Stmt(0x28, 12), "{ 0x28,  0,  0, 0x0000000c },\n"},
		{Stmt(0x06, 0x7fff0000), "{ 0x06,  0,  0, 0x7fff0000 },\n"},
		{Stmt(0x05, 0), "{ 0x05,  0,  0, 0000000000 },\n"},
		{Jump(0x45, 0xffffffff, 255, 100), "{ 0x45, 255, 100, 0xffffffff },\n"},
		{Stmt(0x1334, 0), "{ 0x1334,  0,  0, 0000000000 },\n"},
	}
	for _, tt := range tests {
		if got := string(encodeC(Program{tt.ins})); got != tt.want {
			t.Errorf("encodeC(%+v) = %q, want %q", tt.ins, got, tt.want)
		}
	}
}

func TestDecodeC(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Program
	}{
		{
			name: "bpf_asm -c output",
			src:  "{ 0x28,  0,  0, 0x0000000c },\n{ 0x15,  0,  1, 0x00000800 },\n{ 0x06,  0,  0, 0xffffffff },\n{ 0000,  0,  0, 0000000000 },\n",
			want: Program{{Op: 0x28, K: 12}, {Op: 0x15, Jf: 1, K: 0x800}, {Op: 6, K: 0xffffffff}, {}},
		},
		{
			// tcpdump -dd, docs/kernel-semantics.md §8.2.
			name: "tcpdump -dd output",
			src:  "{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 10, 0x00000800 },\n",
			want: Program{{Op: 0x28, K: 12}, {Op: 0x15, Jf: 10, K: 0x800}},
		},
		{
			name: "no trailing comma, inner trailing comma",
			src:  "{ 6, 0, 0, 0, }",
			want: Program{{Op: 6}},
		},
		{
			name: "declaration with macros",
			src: `#include <linux/filter.h>
#include <linux/seccomp.h>
/* a typical hand-written filter */
static struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), // x86_64 only
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD+BPF_W+BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, sizeof(struct seccomp_data)),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
struct sock_fprog prog = {
	.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
	.filter = filter,
};
`,
			want: Program{
				{Op: 0x20, K: 4}, {Op: 0x15, Jt: 1, K: 0xc000003e}, {Op: 6, K: 0x80000000},
				{Op: 0x20, K: 0}, {Op: 0x20, K: 28}, {Op: 0x20, K: 8}, {Op: 0x80, K: 64}, {Op: 6, K: 0x7fff0000},
			},
		},
		{
			name: "socket filter constants",
			src: `struct sock_filter code[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	BPF_STMT(BPF_ALU | BPF_NEG, 0),
	BPF_STMT(BPF_MISC | BPF_TXA, 0),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
	BPF_STMT(BPF_ST, BPF_MEMWORDS - 1),
	BPF_STMT(BPF_RET | BPF_A, 0),
	BPF_STMT(BPF_RET | BPF_K, ~0),
	BPF_STMT(BPF_RET | BPF_K, (1 << 16) * 2 - 1),
	BPF_STMT(BPF_CLASS(0x15) | BPF_OP(0x15) | BPF_SRC(0x15), 0x10 >> 4 ^ 3),
	{ BPF_ALU | BPF_XOR | BPF_K, 0, 0, 0x0fu },
	{ BPF_ALU | BPF_MOD | BPF_X, 00, 0b0, 0x00UL },
};`,
			want: Program{
				{Op: 0x28, K: 0xfffff000}, {Op: 0x30, K: 0xfff00009}, {Op: 0xb1, K: 14}, {Op: 0x84}, {Op: 0x87},
				{Op: 0x4d, Jf: 1}, {Op: 0x02, K: 15}, {Op: 0x16}, {Op: 6, K: 0xffffffff}, {Op: 6, K: 0x1ffff},
				{Op: 0x15, K: 2}, {Op: 0xa4, K: 0xf}, {Op: 0x9c},
			},
		},
		{
			name: "outer braces without declaration",
			src:  "{ { 0x06, 0, 0, 0 }, BPF_STMT(BPF_RET|BPF_A, 0) }",
			want: Program{{Op: 6}, {Op: 0x16}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := Decode([]byte(tt.src), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f != FormatC {
				t.Errorf("detected %v, want c", f)
			}
			if !equalPrograms(got, tt.want) {
				t.Fatalf("%s", firstDiff(got, tt.want))
			}
		})
	}
}

// SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA) uses names that the
// seccompdata package resolves.
func TestDecodeCSeccompMacros(t *testing.T) {
	src := "BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_read, 0, 1),\nBPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),\n"
	got, _, err := Decode([]byte(src), DecodeOptions{Format: FormatC})
	if err != nil {
		t.Fatal(err)
	}
	// x86_64 read is 0; ERRNO is 0x00050000 and EPERM 1 (docs/kernel-semantics.md §5).
	want := Program{{Op: 0x15, Jf: 1, K: 0}, {Op: 6, K: 0x50001}}
	if !equalPrograms(got, want) {
		t.Fatalf("%s", firstDiff(got, want))
	}
}

func TestDecodeCErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"k beyond 32 bits", "{ 0x06, 0, 0, 0 },\n{ 0x06, 0, 0, 0x100000000 },", 2, "k 0x100000000 is out of range -2147483648..0xffffffff"},
		{"k too negative", "BPF_STMT(0x06, -0x80000001)", 1, "out of range"},
		{"code beyond 16 bits", "\n\nBPF_STMT(0x10006, 0)", 3, "code 0x10006 is out of range 0..0xffff"},
		{"negative code", "{ -1, 0, 0, 0 }", 1, "code -0x1 is out of range"},
		{"jt 256", "{ 0x15, 256, 0, 0 }", 1, "jt 0x100 is out of range 0..0xff"},
		{"jf in BPF_JUMP", "BPF_JUMP(BPF_JMP|BPF_JEQ, 0, 0, 300)", 1, "jf 0x12c is out of range"},
		{"unknown identifier", "{ 0x06, 0, 0, 0 },\nBPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_BOGUS),", 2, `unknown identifier "SECCOMP_RET_BOGUS"`},
		{"helper macro", "struct sock_filter f[] = {\n\tVALIDATE_ARCHITECTURE,\n};", 2, `unknown identifier "VALIDATE_ARCHITECTURE"`},
		{"three fields", "{ 0x06, 0, 0 },", 1, "want 4 fields"},
		{"five fields", "{ 0x06, 0, 0, 0, 1 },", 1, "want 4 fields"},
		{"BPF_STMT with three arguments", "BPF_STMT(6, 0, 0)", 1, "BPF_STMT: want 2 fields"},
		{"missing comma between instructions", "{ 6, 0, 0, 0 }\n{ 6, 0, 0, 0 }", 2, `unexpected "{" after instruction 0`},
		{"garbage after the list", "{ 6, 0, 0, 0 }\nret", 2, `unexpected "ret" after instruction 0`},
		{"asm given as C", "{ 6, 0, 0, 0 },\nret", 2, `unknown identifier "ret"`},
		{"second array", "struct sock_filter a[] = { { 6, 0, 0, 0 } };\nstruct sock_filter b[] = { { 6, 0, 0, 1 } };", 2, "only one array is supported"},
		{"instructions after the closing brace", "struct sock_filter a[] = { { 6, 0, 0, 0 } };\n{ 6, 0, 0, 1 },", 2, "only one array is supported"},
		{"missing closing brace", "struct sock_filter a[] = {\n{ 6, 0, 0, 0 },\n", 3, `expected "}", got end of input`},
		{"declaration without initialiser", "struct sock_filter a[]", 1, `declaration without "= {": no filter array`},
		{"bad offsetof field", "BPF_STMT(0x20, offsetof(struct seccomp_data, foo))", 1, "struct seccomp_data has no field"},
		{"offsetof args[6]", "BPF_STMT(0x20, offsetof(struct seccomp_data, args[6]))", 1, "args[6] is out of range"},
		{"division by zero", "BPF_STMT(0x06, 1 / 0)", 1, "division by zero"},
		{"shift too far", "BPF_STMT(0x06, 1 << 64)", 1, "shift count 64 is out of range"},
		{"overflow", "BPF_STMT(0x06, 0x7fffffffffffffff + 1)", 1, "overflows 64 bits"},
		{"literal beyond 64 bits", "{ 6, 0, 0, 0x10000000000000000 }", 1, "does not fit in 64 bits"},
		{"literal beyond int64", "{ 6, 0, 0, 0xffffffffffffffff }", 1, "is out of range"},
		{"malformed literal", "{ 6, 0, 0, 0x }", 1, `malformed number "0x"`},
		{"unterminated comment", "{ 6, 0, 0, 0 } /*", 1, "unterminated /* comment"},
		{"string literal", "{ 6, 0, 0, \"x\" }", 1, "unexpected character '\"'"},
		{"cast", "{ (unsigned short)6, 0, 0, 0 }", 1, `unknown identifier "unsigned"`},
		{"designated initialiser", "{ .code = 6, 0, 0, 0 }", 1, `expected a number, a name or "(", got "."`},
		{"statement before the array", "int x;\nstruct sock_filter f[] = { { 6, 0, 0, 0 } };", 1, `unexpected ";"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.src), DecodeOptions{Format: FormatC, Name: "f.c"})
			wantDecodeError(t, err, tt.line, -1, tt.msg)
			if !strings.HasPrefix(err.Error(), "f.c") {
				t.Errorf("error %q does not start with the name", err)
			}
		})
	}
}

// Values of include/uapi/linux/bpf_common.h and include/uapi/linux/filter.h
// (uapi 6.1, /usr/include/linux).
func TestDecodeCMacroNames(t *testing.T) {
	names := map[string]uint32{
		"BPF_LD": 0x00, "BPF_LDX": 0x01, "BPF_ST": 0x02, "BPF_STX": 0x03, "BPF_ALU": 0x04, "BPF_JMP": 0x05, "BPF_RET": 0x06, "BPF_MISC": 0x07,
		"BPF_W": 0x00, "BPF_H": 0x08, "BPF_B": 0x10,
		"BPF_IMM": 0x00, "BPF_ABS": 0x20, "BPF_IND": 0x40, "BPF_MEM": 0x60, "BPF_LEN": 0x80, "BPF_MSH": 0xa0,
		"BPF_ADD": 0x00, "BPF_SUB": 0x10, "BPF_MUL": 0x20, "BPF_DIV": 0x30, "BPF_OR": 0x40, "BPF_AND": 0x50,
		"BPF_LSH": 0x60, "BPF_RSH": 0x70, "BPF_NEG": 0x80, "BPF_MOD": 0x90, "BPF_XOR": 0xa0,
		"BPF_JA": 0x00, "BPF_JEQ": 0x10, "BPF_JGT": 0x20, "BPF_JGE": 0x30, "BPF_JSET": 0x40,
		"BPF_K": 0x00, "BPF_X": 0x08, "BPF_A": 0x10, "BPF_TAX": 0x00, "BPF_TXA": 0x80,
		"BPF_MAXINSNS": 4096, "BPF_MEMWORDS": 16, "BPF_MAJOR_VERSION": 1, "BPF_MINOR_VERSION": 1,
		"SKF_AD_OFF": 0xfffff000, "SKF_NET_OFF": 0xfff00000, "SKF_LL_OFF": 0xffe00000,
		"BPF_NET_OFF": 0xfff00000, "BPF_LL_OFF": 0xffe00000,
		"SKF_AD_PROTOCOL": 0, "SKF_AD_PKTTYPE": 4, "SKF_AD_IFINDEX": 8, "SKF_AD_NLATTR": 12, "SKF_AD_NLATTR_NEST": 16,
		"SKF_AD_MARK": 20, "SKF_AD_QUEUE": 24, "SKF_AD_HATYPE": 28, "SKF_AD_RXHASH": 32, "SKF_AD_CPU": 36,
		"SKF_AD_ALU_XOR_X": 40, "SKF_AD_VLAN_TAG": 44, "SKF_AD_VLAN_TAG_PRESENT": 48, "SKF_AD_PAY_OFFSET": 52,
		"SKF_AD_RANDOM": 56, "SKF_AD_VLAN_TPID": 60, "SKF_AD_MAX": 64,
		"BPF_CLASS(0xff)": 0x07, "BPF_SIZE(0xff)": 0x18, "BPF_MODE(0xff)": 0xe0, "BPF_OP(0xff)": 0xf0,
		"BPF_SRC(0xff)": 0x08, "BPF_RVAL(0xff)": 0x18, "BPF_MISCOP(0xff)": 0xf8,
		"SECCOMP_RET_ALLOW": 0x7fff0000, "SECCOMP_RET_KILL_PROCESS": 0x80000000, "SECCOMP_RET_TRAP": 0x00030000,
		"AUDIT_ARCH_X86_64": 0xc000003e,
	}
	for name, want := range names {
		p, _, err := Decode([]byte("BPF_STMT(6, "+name+")"), DecodeOptions{Format: FormatC})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p[0].K != want {
			t.Errorf("%s = %#x, want %#x", name, p[0].K, want)
		}
	}
}

func TestDecodeCArithmetic(t *testing.T) {
	tests := []struct {
		expr string
		want uint32
	}{
		{"1 + 2 * 3", 7},
		{"(1 + 2) * 3", 9},
		{"10 - 3 - 2", 5},
		{"100 / 7 % 5", 4},
		{"1 << 4 | 1", 17},
		{"0xff & ~0xf", 0xf0},
		{"0xf0 ^ 0xff", 0x0f},
		{"-1", 0xffffffff},
		{"+5", 5},
		{"- -5", 5},
		{"-0x80000000", 0x80000000},
		{"0x80000000 >> 31", 1},
		{"SECCOMP_RET_TRAP | 0x1234 & 0xffff", 0x31234},
		{"offsetof(struct seccomp_data, args[5]) + 4", 60},
		{"offsetof(struct seccomp_data, args[2 + 1])", 40},
		{"__builtin_offsetof(struct seccomp_data, arch)", 4},
		{"0777", 0777},
		{"0b1010", 10},
		{"4294967295U", 0xffffffff},
		{"1UL << 31", 0x80000000},
	}
	for _, tt := range tests {
		p, _, err := Decode([]byte("{ 6, 0, 0, "+tt.expr+" }"), DecodeOptions{Format: FormatC})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if p[0].K != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.expr, p[0].K, tt.want)
		}
	}
	for _, expr := range []string{
		"0x7fffffffffffffff * 2", "-0x7fffffffffffffff - 2", "(-0x7fffffffffffffff - 1) / -1",
		"(-0x7fffffffffffffff - 1) * -1", "1 % 0", "1 << -1", "0x4000000000000000 << 2", "-(-0x7fffffffffffffff - 1)",
		"BPF_STMT(1, 2)", "sizeof(int)", "offsetof(struct foo, nr)", "BPF_CLASS 1", "(1",
	} {
		if _, _, err := Decode([]byte("{ 6, 0, 0, "+expr+" }"), DecodeOptions{Format: FormatC}); err == nil {
			t.Errorf("%s: no error", expr)
		} else {
			wantDecodeError(t, err, 1, -1, "")
		}
	}
}
