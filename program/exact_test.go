package program

import (
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Issue 9: every input is read as written or refused. These tests cover
// the bpf_asm reader's refusals, with the line and pc they name.

// TestAssembleRefusesTruncation: bpf_asm (tools/bpf/bpf_exp.l) assigns
// strtol's or strtoul's result to the u32 k, so these lines assemble there
// to another constant than the one written; a k is 32 bits, and an M[]
// index is below BPF_MEMWORDS (16, include/uapi/linux/filter.h).
func TestAssembleRefusesTruncation(t *testing.T) {
	tests := []struct {
		src  string
		line int
		pc   int
		msg  string
	}{
		{"ret #0x7fff00000", 1, 0, "ret: k 0x7fff00000 is out of range -0x80000000..0xffffffff (32 bits)"},
		{"ld [0]\njeq #0x1000000000, l1\nl1: ret #0", 2, 1, "jeq: k 0x1000000000 is out of range"},
		{"ld [4294967300]\nret #0", 1, 0, "ld: k 4294967300 is out of range"},
		{"ld #0\nld M[4294967296]\nret a", 2, 1, "ld: M[4294967296] is out of range: the scratch memory is M[0] to M[15] (BPF_MEMWORDS)"},
		{"st M[16]", 1, 0, "st: M[16] is out of range"},
		{"ldx M[-1]", 1, 0, "ldx: M[-1] is out of range"},
		{"stx M[0x10]", 1, 0, "stx: M[0x10] is out of range"},
		{"ret #4294967296", 1, 0, "ret: k 4294967296 is out of range"},
		{"ret #-2147483649", 1, 0, "ret: k -2147483649 is out of range"},
		{"ret #-0x80000001", 1, 0, "ret: k -0x80000001 is out of range"},
		{"ret #0xffffffffffffffff", 1, 0, "ret: k 0xffffffffffffffff is out of range"},
		{"ret #-9223372036854775808", 1, 0, "ret: k -9223372036854775808 is out of range"},
		{"ldi 4294967296", 1, 0, "ldi: k 4294967296 is out of range"},
		{"ldh [x + 0x100000000]", 1, 0, "ldh: k 0x100000000 is out of range"},
		{"ldxb 4*([0x100000000]&0xf)", 1, 0, "ldxb: k 0x100000000 is out of range"},
		{"ldxb 0x100000004*([14]&0xf)", 1, 0, "only 4*([k]&0xf) is supported"},
		{"ldxb 4*([14]&0x10000000f)", 1, 0, "only 4*([k]&0xf) is supported"},
		{"ret #SECCOMP_RET_ALLOW+0x80000001+0x80000000", 1, 0, "ret: k SECCOMP_RET_ALLOW+0x80000001+0x80000000 = 0x17fff0001 is out of range"},
		{"ret #1+0xffffffffffffffff", 1, 0, "ret: k 1+0xffffffffffffffff overflows 64 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.src), DecodeOptions{Format: FormatAsm, Name: "t.asm"})
			wantDecodeError(t, err, tt.line, -1, tt.msg)
			if de := err.(*DecodeError); de.PC != tt.pc {
				t.Errorf("pc %d, want %d", de.PC, tt.pc)
			}
		})
	}
	_, _, err := Decode([]byte("ld [4]\nret #0x7fff00000\n"), DecodeOptions{Format: FormatAsm, Name: "policy.asm"})
	if got, want := err.Error(), "policy.asm:2: pc 1: ret: k 0x7fff00000 is out of range -0x80000000..0xffffffff (32 bits)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestAssembleLabelErrors: duplicate labels, backward jumps and operands
// that are not labels.
func TestAssembleLabelErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		pc   int
		msg  string
	}{
		{"duplicate label", "ja dup\ndup: ret #1\ndup: ret #2", 3, -1, `label "dup" is defined twice: on line 2 and on line 3`},
		{"duplicate label on one instruction", "aa: aa: ret #1", 1, -1, `label "aa" is defined twice: on line 1 and on line 1`},
		// bpf_check_classic (net/core/filter.c): "All jumps are forward as
		// they are not signed."
		{"ja to itself", "aa: ja aa", 1, 0, `ja: jumps only go forward: label "aa" (line 1) is at pc 0, the jump at pc 0`},
		{"ja backward", "top: ld #1\nja top\nret #0", 2, 1, `ja: jumps only go forward: label "top" (line 1) is at pc 0, the jump at pc 1`},
		{"jmp backward", "ld #1\ntop: ld #1\n\njmp top\nret #0", 4, 2, `jmp: jumps only go forward`},
		{"jne backward", "top: ld #1\njne #1, top\nret #0", 2, 1, `jne: jumps only go forward`},
		{"conditional jump to itself", "self: jeq #1, self, self", 1, 0, `jeq: jumps only go forward`},
		{"register a as label", "jeq #1, a, b\nret #0", 1, 0, `jeq: "a" is the A register, not a label (labels need at least 2 characters)`},
		{"register x as label", "jgt #1, ok, x\nok: ret #0", 1, 0, `jgt: "x" is the X register, not a label`},
		{"M as label", "ja M", 1, 0, `ja: "m" is not a label`},
		{"extension as label", "jeq #1, proto\nret #0", 1, 0, `jeq: "proto" is a keyword, not a label`},
		{"len as label", "ja len", 1, 0, `ja: "len" is a keyword, not a label`},
		{"undefined label names its jump", "ld #1\n\njset #1, yes, no\nyes: ret #0", 3, 1, `jset: label "no" is not defined`},
		{"label without instruction", "ret #0\nend:", 2, -1, `label "end" is not followed by an instruction`},
		{"lexer error keeps the pc", "ld #1\nret #0x1g", 2, 1, `malformed number "0x1g"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.src), DecodeOptions{Format: FormatAsm, Name: "t.asm"})
			wantDecodeError(t, err, tt.line, -1, tt.msg)
			if de := err.(*DecodeError); de.PC != tt.pc {
				t.Errorf("pc %d, want %d", de.PC, tt.pc)
			}
		})
	}
}

// TestAsmLabels: Source.Labels keeps the author's labels, the first of
// each instruction, and InstructionTextLabels writes jumps with them.
func TestAsmLabels(t *testing.T) {
	src := "\tld [4]\n\tjeq #0xc000003e, check_nr, allow\ncheck_nr:\n\tld [0]\n\tjeq #110, drop, allow\n" +
		"drop: kill: ret #0x50001\nallow:\tret #0x7fff0000\n"
	s, err := DecodeSource([]byte(src), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{2: "check_nr", 4: "drop", 5: "allow"}
	if len(s.Labels) != len(want) {
		t.Errorf("labels %v, want %v", s.Labels, want)
	}
	for pc, l := range want {
		if s.Labels[pc] != l {
			t.Errorf("label of pc %d: %q, want %q", pc, s.Labels[pc], l)
		}
	}
	if got, want := s.Lines, []int{1, 2, 4, 5, 6, 7}; len(got) != len(want) || got[2] != 4 || got[5] != 7 {
		t.Errorf("lines %v, want %v", got, want)
	}
	for _, tc := range []struct {
		pc   int
		want string
	}{
		{1, "jne #0xc000003e, allow"},
		{3, "jne #110, allow"},
		{4, "ret #0x50001"},
	} {
		if got := InstructionTextLabels(s.Program, tc.pc, s.Labels); got != tc.want {
			t.Errorf("pc %d: %q, want %q", tc.pc, got, tc.want)
		}
	}
	// An author's label spelled like a generated one does not hide it.
	p := Program{Jump(JeqK, 1, 0, 1), Stmt(RetK, 0), Stmt(RetK, 1)}
	if got, want := InstructionTextLabels(p, 0, map[int]string{1: "l2"}), "jne #1, pc2"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := InstructionTextLabels(p, 0, nil), InstructionText(p, 0); got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if s, err := DecodeSource([]byte("ret #0"), DecodeOptions{}); err != nil || s.Labels != nil {
		t.Errorf("labels %v, %v; want nil", s.Labels, err)
	}
}

// TestNamesForTheFilterArch: __NR_ and errno names are resolved for the
// arch the filter is written for. Numbers: x86_64 from
// arch/x86/entry/syscalls/syscall_64.tbl (open 2, read 0), i386 from
// syscall_32.tbl (read 3), aarch64 and riscv64 from
// include/uapi/asm-generic/unistd.h (read 63, io_submit 2, no open), mips
// o32 from arch/mips/kernel/syscalls/syscall_o32.tbl (read 4003) and
// arch/mips/include/uapi/asm/errno.h (ENOSYS 89; 38 on x86_64).
func TestNamesForTheFilterArch(t *testing.T) {
	const (
		cArch = "struct sock_filter f[] = {\n" +
			"BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 4),\n" +
			"BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, %s, 1, 0),\n" +
			"BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_KILL_PROCESS),\n" +
			"BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 0),\n" +
			"BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, %s, 0, 1),\n" +
			"BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|%s),\n" +
			"BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ALLOW),\n};\n"
		asmArch = "ld [4]\njeq #%s, ok\nret #SECCOMP_RET_KILL_PROCESS\nok: ld [0]\njne #%s, allow\n" +
			"ret #SECCOMP_RET_ERRNO|%s\nallow: ret #SECCOMP_RET_ALLOW\n"
	)
	x86 := seccompdata.ArchOf(seccompdata.AuditArchX86_64)
	i386 := seccompdata.ArchOf(seccompdata.AuditArchI386)
	tests := []struct {
		name       string
		arch       string // the filter's arch check
		nr, errno  string
		opt        seccompdata.Arch
		wantNr     uint32
		wantErrno  uint32
		wantArch   string
		wantSource ArchSource
		err        string // on the line of the nr, or with errnoErr of the errno
		errnoErr   bool
	}{
		{"x86_64 by name", "AUDIT_ARCH_X86_64", "__NR_open", "EPERM", seccompdata.Arch{}, 2, 1, "x86_64", ArchChecked, "", false},
		{"aarch64 by name", "AUDIT_ARCH_AARCH64", "__NR_read", "EPERM", seccompdata.Arch{}, 63, 1, "aarch64", ArchChecked, "", false},
		{"aarch64 by number", "0xc00000b7", "__NR_read", "EPERM", seccompdata.Arch{}, 63, 1, "aarch64", ArchChecked, "", false},
		{"aarch64 has no open", "AUDIT_ARCH_AARCH64", "__NR_open", "EPERM", seccompdata.Arch{}, 0, 0, "", 0, "__NR_open: aarch64 has no such syscall", false},
		{"aarch64 io_submit", "AUDIT_ARCH_AARCH64", "__NR_io_submit", "EPERM", seccompdata.Arch{}, 2, 1, "aarch64", ArchChecked, "", false},
		{"riscv64 SYS_ names", "AUDIT_ARCH_RISCV64", "SYS_read", "EPERM", seccompdata.Arch{}, 63, 1, "riscv64", ArchChecked, "", false},
		{"mips errno numbers", "AUDIT_ARCH_MIPS", "__NR_read", "ENOSYS", seccompdata.Arch{}, 4003, 89, "mips", ArchChecked, "", false},
		{"no arch check: x86_64", "0x12345", "__NR_open", "ENOSYS", seccompdata.Arch{}, 2, 38, "x86_64", ArchDefault, "", false},
		{"given arch wins", "AUDIT_ARCH_X86_64", "__NR_read", "EPERM", i386, 3, 1, "i386", ArchGiven, "", false},
		{"given arch lacks the name", "AUDIT_ARCH_X86_64", "__NR_open", "EPERM", seccompdata.ArchOf(seccompdata.AuditArchAArch64), 0, 0, "", 0, "__NR_open: aarch64 has no such syscall", false},
		{"unknown errno", "AUDIT_ARCH_X86_64", "__NR_read", "ENOTANERRNO", seccompdata.Arch{}, 0, 0, "", 0, "ENOTANERRNO is not an errno name on x86_64", true},
		{"arch without tables", "AUDIT_ARCH_ARMEB", "__NR_read", "EPERM", seccompdata.Arch{}, 0, 0, "", 0, "__NR_read: bpfsim has no syscall table for arch 0x28", false},
		{"arch without tables, no names", "AUDIT_ARCH_ARMEB", "1", "1", seccompdata.Arch{}, 1, 1, "arch 0x28", ArchChecked, "", false},
	}
	for _, tt := range tests {
		for _, f := range []Format{FormatC, FormatAsm} {
			t.Run(tt.name+"/"+f.String(), func(t *testing.T) {
				tmpl := cArch
				if f == FormatAsm {
					tmpl = asmArch
				}
				text := strings.NewReplacer("%s", "\x00").Replace(tmpl)
				for _, v := range []string{tt.arch, tt.nr, tt.errno} {
					text = strings.Replace(text, "\x00", v, 1)
				}
				s, err := DecodeSource([]byte(text), DecodeOptions{Arch: tt.opt, Name: "f"})
				if tt.err != "" {
					line := 5 // the line of the nr's jump
					if f == FormatC {
						line++
					}
					if tt.errnoErr {
						line++
					}
					wantDecodeError(t, err, line, -1, tt.err)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if s.Format != f {
					t.Fatalf("format %v", s.Format)
				}
				if s.Program[4].K != tt.wantNr || s.Program[5].K != 0x50000|tt.wantErrno {
					t.Errorf("nr %d, ret %#x; want %d, %#x", s.Program[4].K, s.Program[5].K, tt.wantNr, 0x50000|tt.wantErrno)
				}
				if s.Arch.String() != tt.wantArch || s.ArchSource != tt.wantSource {
					t.Errorf("arch %v (%v), want %s (%v)", s.Arch, s.ArchSource, tt.wantArch, tt.wantSource)
				}
				if want := tt.nr != "1"; s.Symbolic != want {
					t.Errorf("Symbolic %v, want %v", s.Symbolic, want)
				}
			})
		}
	}

	// A filter for two arches: a syscall name means a different number
	// on each, so the reader cannot know which was meant.
	both := "ld [4]\njeq #AUDIT_ARCH_X86_64, ok\njeq #AUDIT_ARCH_I386, ok\nret #0\nok: ld [0]\n\njeq #__NR_read, kill\nret #SECCOMP_RET_ALLOW\nkill: ret #0\n"
	_, _, err := Decode([]byte(both), DecodeOptions{Name: "both.asm"})
	wantDecodeError(t, err, 7, -1, "__NR_read: the filter checks several arches (x86_64, i386) and the name has a different number on each; give the filter's arch with --filter-arch")
	s, err := DecodeSource([]byte(both), DecodeOptions{Arch: i386})
	if err != nil || s.Program[5].K != 3 {
		t.Errorf("with i386 given: %v %v", s.Program, err)
	}
	// Errno names mean the same on both: no ambiguity.
	same := strings.Replace(both, "jeq #__NR_read, kill", "jeq #EPERM, kill", 1)
	if s, err := DecodeSource([]byte(same), DecodeOptions{}); err != nil || s.Program[5].K != 1 || s.Arch.Name != "x86_64" || s.ArchSource != ArchChecked {
		t.Errorf("errno names on two arches: %v %v %v", s.Program, s.Arch, err)
	}
	// Raw input reports the arch its jeq checks.
	raw, _ := Encode(Program{Stmt(LdAbsW, 4), Jump(JeqK, seccompdata.AuditArchAArch64, 1, 0), Stmt(RetK, 0), Stmt(RetK, 0x7fff0000)}, FormatRaw, false)
	if s, err := DecodeSource(raw, DecodeOptions{}); err != nil || s.Arch.Name != "aarch64" || s.ArchSource != ArchChecked || s.Symbolic || s.Lines != nil {
		t.Errorf("raw: %+v %v", s, err)
	}
	if s, err := DecodeSource(raw, DecodeOptions{Arch: x86}); err != nil || s.Arch.Name != "x86_64" || s.ArchSource != ArchGiven {
		t.Errorf("raw, arch given: %+v %v", s, err)
	}
}
