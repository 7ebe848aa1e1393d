package program

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

func TestDisassemble(t *testing.T) {
	tests := []struct {
		name string
		p    Program
		want string
	}{
		{
			name: "ethertype",
			p:    ethertype,
			want: "\tldh [12]\n\tjne #2048, l3\n\tret #0xffffffff\nl3:\tret #0\n",
		},
		{
			name: "seccomp arch check",
			p: Program{
				Stmt(0x20, 4), Jump(0x15, seccompdata.AuditArchX86_64, 1, 0), Stmt(0x06, 0x80000000),
				Stmt(0x20, 0), Jump(0x15, 59, 0, 1), Stmt(0x06, 0x50001), Stmt(0x06, 0x7fff0000),
			},
			want: "\tld [4]\n\tjeq #0xc000003e, l3\n\tret #0x80000000\nl3:\tld [0]\n\tjne #59, l6\n\tret #0x50001\nl6:\tret #0x7fff0000\n",
		},
		{
			name: "masks, x forms, both targets",
			p: Program{
				Stmt(0x54, 0xff), Stmt(0x44, 8), Stmt(0xa4, 0x10), Jump(0x45, 0x10, 1, 2), Jump(0x3d, 0, 0, 1),
				Stmt(0x16, 0), Stmt(0x0e, 0),
			},
			want: "\tand #0xff\n\tor #8\n\txor #0x10\n\tjset #0x10, l5, l6\n\tjlt x, l6\nl5:\tret a\nl6:\tret x\n",
		},
		{
			name: "loads",
			p: Program{
				Stmt(0x28, AncillaryBase+AncProtocol), Stmt(0x20, AncillaryBase+AncAluXorX), Stmt(0x30, AncillaryBase+AncVlanTagPresent),
				Stmt(0x50, 0xffffffff), Stmt(0x81, 0), Stmt(0xb1, 14), Stmt(0x60, 15), Stmt(0x80, 0), Stmt(0x06, 65535), Stmt(0x06, 65536),
			},
			want: "\tldh proto\n\tld [0xfffff028]\n\tldb vlan_avail\n\tldb [x + 0xffffffff]\n\tldx #len\n\tldxb 4*([14]&0xf)\n\tld M[15]\n\tld #len\n\tret #65535\n\tret #0x10000\n",
		},
		{
			name: "ja",
			p:    Program{Stmt(0x05, 1), Stmt(0x05, 0), Stmt(0x06, 0)},
			want: "\tja l2\n\tja l2\nl2:\tret #0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Disassemble(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			back, err := assemble(got, "")
			if err != nil || !equalPrograms(back, tt.p) {
				t.Errorf("re-assembly: %v %s", err, firstDiff(back, tt.p))
			}
		})
	}
}

func TestDisassembleErrors(t *testing.T) {
	for _, tt := range notAsm {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Disassemble(tt.p)
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an *EncodeError", err)
			}
			if ee.PC != tt.pc || ee.Ins != tt.p[tt.pc] {
				t.Errorf("error at pc %d %+v, want pc %d", ee.PC, ee.Ins, tt.pc)
			}
			msg := err.Error()
			if !strings.Contains(msg, "use the raw, c, ddd or comma format") || !strings.HasPrefix(msg, "instruction ") ||
				!strings.Contains(msg, "code 0x") {
				t.Errorf("message %q", msg)
			}
		})
	}
	_, err := Disassemble(Program{Stmt(0x06, 0), Stmt(0x1334, 5)})
	if got, want := err.Error(), "instruction 1 (code 0x1334 jt 0 jf 0 k 0x5): code 0x1334 has no bpf_asm form; use the raw, c, ddd or comma format"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInstructionText(t *testing.T) {
	// Expected texts follow bpf_asm syntax (tools/bpf/bpf_exp.y) with
	// labels named as Disassemble names them.
	p := Program{
		Stmt(0x20, 4), // ld [4]
		Jump(0x15, seccompdata.AuditArchX86_64, 0, 2), // jeq #0xc000003e, l2... jf 2 -> pc 4
		Stmt(0x06, 0x7fff0000),                        // ret #0x7fff0000
		Stmt(0x08, 0),                                 // no bpf_asm form
		Stmt(0x16, 0),                                 // ret a
	}
	tests := []struct {
		pc   int
		want string
	}{
		{0, "ld [4]"},
		{1, "jne #0xc000003e, l4"},
		{2, "ret #0x7fff0000"},
		{3, "{ 0x08, 0, 0, 0x00000000 }"},
		{4, "ret a"},
		{5, "<pc 5 outside the program>"},
	}
	for _, tc := range tests {
		if got := InstructionText(p, tc.pc); got != tc.want {
			t.Errorf("pc %d: %q, want %q", tc.pc, got, tc.want)
		}
	}
}

// TestIgnoredBits covers issue 7 item 10 and issue 9 item 6: jt and jf
// outside the conditional jumps, and k in the forms without one, which the
// kernel ignores, are written as a comment in bpf_asm, named by
// IgnoredBits, and kept bit for bit by every other format.
func TestIgnoredBits(t *testing.T) {
	for _, tt := range ignoredBits {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Disassemble(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.asm {
				t.Errorf("Disassemble:\n%s\nwant\n%s", got, tt.asm)
			}
			want := withoutIgnoredBits(tt.p)
			back, err := assemble(got, "")
			if err != nil || !equalPrograms(back, want) {
				t.Errorf("re-assembly: %v %s", err, firstDiff(back, want))
			}
			if idx := IgnoredBits(back); idx != nil {
				t.Errorf("IgnoredBits of the re-assembled program = %v, want nil", idx)
			}
			if idx := IgnoredBits(tt.p); len(idx) == 0 {
				t.Errorf("IgnoredBits = %v, want the instructions with comments", idx)
			}
			for pc := range tt.p {
				line := strings.Split(strings.TrimSuffix(got, "\n"), "\n")[pc]
				_, line, _ = strings.Cut(line, "\t")
				if text := InstructionText(tt.p, pc); text != line {
					t.Errorf("InstructionText(%d) = %q, want %q", pc, text, line)
				}
			}
			for _, e := range encodings {
				if e.f == FormatAsm {
					continue
				}
				enc, err := Encode(tt.p, e.f, e.be)
				if err != nil {
					t.Fatalf("%v: %v", e.f, err)
				}
				got, _, err := Decode(enc, DecodeOptions{Format: e.f, BigEndian: e.be})
				if err != nil || !equalPrograms(got, tt.p) {
					t.Errorf("%v (big-endian %v) does not keep the bits: %v %s", e.f, e.be, err, firstDiff(got, tt.p))
				}
			}
		})
	}

	p := Program{
		Jump(JeqK, 1, 1, 2),   // 0: a conditional jump reads both
		Jump(RetK, 0, 0, 1),   // 1
		Jump(JsetX, 0, 1, 0),  // 2
		Jump(Ja, 0, 1, 0),     // 3
		Stmt(LdAbsW, 0),       // 4
		Jump(0x08, 0, 2, 0),   // 5: no such opcode, but not a conditional jump either
		Jump(0x1334, 5, 1, 1), // 6: high byte set
		Jump(0x55, 0, 1, 1),   // 7: jump class, no such operation
		Jump(Txa, 0, 0, 9),    // 8
		Stmt(RetA, 1),         // 9: k
		Stmt(RetX, 1),         // 10: the kernel rejects ret x whatever its k
		Stmt(RetK, 1),         // 11
		Stmt(JgtX, 1),         // 12: k
		Stmt(0x08, 1),         // 13: no such opcode
		Stmt(LdxLen, 64),      // 14: k
	}
	if got, want := fmt.Sprint(IgnoredBits(p)), "[1 3 5 6 7 8 9 12 14]"; got != want {
		t.Errorf("IgnoredBits = %s, want %s", got, want)
	}
	if got := IgnoredBits(Program{Jump(JgtK, 1, 1, 0), Stmt(RetA, 0), Stmt(LdImm, 5)}); got != nil {
		t.Errorf("IgnoredBits = %v, want nil", got)
	}
	// A code bpf_asm cannot write still fails, jt or not.
	if _, err := Disassemble(Program{Jump(0x08, 0, 1, 0), Stmt(RetK, 0)}); err == nil {
		t.Error("Disassemble wrote code 0x08")
	}
}
