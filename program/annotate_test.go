package program

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Syscall and errno numbers below are from the kernel's tables:
// arch/x86/entry/syscalls/syscall_64.tbl (read 0, write 1, close 3,
// execve 59, openat 257, clone3 435; x32 read 0x40000000, x32 readv
// 0x40000000+515), syscall_32.tbl (i386 read 3, close 6),
// include/uapi/asm-generic/unistd.h (aarch64 io_submit 2, read 63), and
// arch/mips/include/uapi/asm/errno.h (ENOSYS 89); the seccomp_data layout
// and byte orders from docs/kernel-semantics.md §4.
func TestAnnotate(t *testing.T) {
	aarch64, _ := seccompdata.LookupArch("aarch64")
	x32, _ := seccompdata.LookupArch("x32")
	tests := []struct {
		name string
		asm  string
		opt  AnnotateOptions
		want map[int]string // pc: note; every other pc has none
	}{
		{
			name: "fields on x86_64",
			asm: `ld [0]
				ld [4]
				ld [8]
				ld [12]
				ld [16]
				ld [20]
				ld [56]
				ld [60]
				ret #0x7fff0000`,
			want: map[int]string{0: "nr", 1: "arch", 2: "ip lo", 3: "ip hi", 4: "args[0] lo", 5: "args[0] hi",
				6: "args[5] lo", 7: "args[5] hi", 8: "ALLOW"},
		},
		{
			name: "loads seccomp rejects",
			asm:  "ld [2]\nld [64]\nldh [0]\nldb [4]\nld [x + 0]\nret a",
			want: map[int]string{},
		},
		{
			name: "big-endian halves after an s390x check",
			asm: `ld [4]
				jne #0x80000016, kill
				ld [16]
				ld [20]
				ld [8]
				ret #0x7fff0000
			kill: ret #0x80000000`,
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_S390X", 2: "args[0] hi", 3: "args[0] lo", 4: "ip hi",
				5: "ALLOW", 6: "KILL_PROCESS"},
		},
		{
			name: "syscalls on an x86_64 path, x32 included",
			asm: `ld [4]
				jne #0xc000003e, kill
				ld [0]
				jge #0x40000000, x32
				jeq #257, allow
				jgt #435, kill
				jset #0x40000000, kill
				jset #1, kill
				jeq #0xffffffff, kill
				ret #0x50026
			x32: jeq #0x40000000, allow
				jeq #0x40000203, allow
				ret #0x50001
			allow: ret #0x7fff0000
			kill: ret #0`,
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_X86_64", 2: "nr", 3: "__X32_SYSCALL_BIT", 4: "openat",
				5: "clone3", 6: "__X32_SYSCALL_BIT", 9: "ERRNO(38) ENOSYS", 10: "x32 read", 11: "x32 readv",
				12: "ERRNO(1) EPERM", 13: "ALLOW", 14: "KILL_THREAD"},
		},
		{
			name: "two arches, each on its own path, and a shared tail",
			asm: `ld [4]
				jeq #0xc000003e, x86
				jeq #0x40000003, i386
				ret #0
			x86: ld [0]
				jeq #3, tail
				ret #0x50026
			i386: ld [0]
				jeq #3, tail
				ret #0x50026
			tail: jeq #6, deny
				ld [16]
				ret #0x7fff0000
			deny: ret #0x50026`,
			// At tail A is nr on x86_64 or i386, where 6 is lstat and
			// close: no name. ENOSYS is 38 on both, and both are
			// little-endian.
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_X86_64", 2: "AUDIT_ARCH_I386", 3: "KILL_THREAD",
				4: "nr", 5: "close", 6: "ERRNO(38) ENOSYS", 7: "nr", 8: "read", 9: "ERRNO(38) ENOSYS",
				11: "args[0] lo", 12: "ALLOW", 13: "ERRNO(38) ENOSYS"},
		},
		{
			name: "arches of both byte orders on one path",
			asm: `ld [4]
				jeq #0xc000003e, args
				jeq #0x80000016, args
				ret #0
			args: ld [16]
				ld [20]
				ret #0x50059`,
			// ERRNO(89) is EDESTADDRREQ on x86_64 and s390x alike.
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_X86_64", 2: "AUDIT_ARCH_S390X", 3: "KILL_THREAD",
				4: "args[0] (+0)", 5: "args[0] (+4)", 6: "ERRNO(89) EDESTADDRREQ"},
		},
		{
			name: "errno names by arch",
			asm: `ld [4]
				jne #0x00000008, kill
				ret #0x50059
			kill: ret #0x50059`,
			// MIPS o32 (AUDIT_ARCH_MIPS): ENOSYS is 89. At kill the arch
			// is anything but MIPS, so 89 has no name.
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_MIPS", 2: "ERRNO(89) ENOSYS", 3: "ERRNO(89)"},
		},
		{
			name: "no arch checked: no syscall names, base errnos only",
			asm: `ld [0]
				jeq #59, kill
				jeq #0, deny
				ld [16]
				ret #0x50026
			deny: ret #0x50001
			kill: ret #0x80000000`,
			want: map[int]string{0: "nr", 3: "args[0] lo", 4: "ERRNO(38)", 5: "ERRNO(1) EPERM", 6: "KILL_PROCESS"},
		},
		{
			name: "no arch checked, arch given",
			asm:  "ld [0]\njeq #63, ok\nret #0x50026\nok: ret #0x7fff0000",
			opt:  AnnotateOptions{Arch: aarch64},
			want: map[int]string{0: "nr", 1: "read", 2: "ERRNO(38) ENOSYS", 3: "ALLOW"},
		},
		{
			name: "the arch checked on the path beats the arch given",
			asm:  "ld [4]\njne #0xc00000b7, no\nld [0]\njeq #2, no\nret #0x7fff0000\nno: ret #0",
			opt:  AnnotateOptions{Arch: seccompdata.ArchOf(seccompdata.AuditArchX86_64)},
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_AARCH64", 2: "nr", 3: "io_submit", 4: "ALLOW", 5: "KILL_THREAD"},
		},
		{
			name: "x32 given",
			asm:  "ld [0]\njeq #0x40000000, no\njeq #0, no\nret #0x7fff0000\nno: ret #0",
			opt:  AnnotateOptions{Arch: x32},
			want: map[int]string{0: "nr", 1: "x32 read", 2: "read", 3: "ALLOW", 4: "KILL_THREAD"},
		},
		{
			name: "the one arch the filter checks names numbers before the check",
			asm: `ld [0]
				jeq #59, kill
				ld [4]
				jne #0xc000003e, kill
				ret #0x7fff0000
			kill: ret #0`,
			want: map[int]string{0: "nr", 1: "execve", 2: "arch", 3: "AUDIT_ARCH_X86_64", 4: "ALLOW", 5: "KILL_THREAD"},
		},
		{
			name: "an arch bpfsim has no table for",
			asm:  "ld [4]\njne #0xc000003d, no\nld [0]\njeq #1, no\nld [16]\nret #0x50026\nno: ret #0",
			// 0xc000003d has __AUDIT_ARCH_LE: little-endian halves, no
			// names.
			want: map[int]string{0: "arch", 2: "nr", 4: "args[0] lo", 5: "ERRNO(38)", 6: "KILL_THREAD"},
		},
		{
			name: "A is nr on one path and an argument on another",
			asm: `ld [4]
				jne #0xc000003e, allow
				ld [0]
				jne #1, other
				ld [16]
				jne #1, other
				ret #0x7ffc0000
			other: jne #0, allow
				ret #0x50001
			allow: ret #0x7fff0000`,
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_X86_64", 2: "nr", 3: "write", 4: "args[0] lo",
				6: "LOG", 8: "ERRNO(1) EPERM", 9: "ALLOW"},
		},
		{
			name: "values through M[], X, tax and txa",
			asm: `ld [4]
				st M[2]
				ld [0]
				tax
				ld M[2]
				jne #0xc000003e, kill
				ldx M[2]
				txa
				jeq x, kill
				ld [0]
				st M[5]
				ld #59
				ldx M[5]
				jeq x, kill
				ldx #1
				ld [0]
				jeq x, kill
				ld M[5]
				ret #0x7fff0000
			kill: ret #0`,
			// pc 8 compares arch with itself; pc 13 compares the
			// constant 59 with nr, pc 16 nr with the constant 1.
			want: map[int]string{0: "arch", 2: "nr", 4: "arch", 5: "AUDIT_ARCH_X86_64", 6: "arch",
				9: "nr", 12: "nr", 13: "execve", 15: "nr", 16: "write", 17: "nr", 18: "ALLOW", 19: "KILL_THREAD"},
		},
		{
			name: "ret a with a known A, unknown actions, the errno cap",
			asm: `ret a
				ld #0x7fff0000
				ret a
				ld [0]
				ret a
				ret #0x10000
				ret #0x5ffff
				ret #0x30005
				ret #0x7ff00003
				ret #0x7fc00000
				ret #0x50000`,
			// pc 0: A starts as 0 (bpf_convert_filter's prologue).
			want: map[int]string{0: "KILL_THREAD", 1: "", 2: "ALLOW", 3: "nr", 5: "UNKNOWN(0x00010000), acts as KILL_PROCESS",
				6: "ERRNO(65535), capped to 4095", 7: "TRAP(5)", 8: "TRACE(3)", 9: "USER_NOTIF", 10: "ERRNO(0)"},
		},
		{
			name: "a branch the established arch never takes",
			asm: `ld [4]
				jne #0xc000003e, kill
				ld [4]
				jeq #0x40000003, tail, nr
			nr: ld [0]
				jeq #0, tail
				ret #0x7fff0000
			tail: jeq #1, kill
				ret #0x7fff0000
			kill: ret #0`,
			// arch is x86_64 at pc 3, so its true branch is never taken:
			// at tail A is nr on x86_64, from pc 5 only.
			want: map[int]string{0: "arch", 1: "AUDIT_ARCH_X86_64", 2: "arch", 3: "AUDIT_ARCH_I386", 4: "nr",
				5: "read", 6: "ALLOW", 7: "write", 8: "ALLOW", 9: "KILL_THREAD"},
		},
		{
			name: "dead code is named where no path is needed",
			asm:  "ret #0x7fff0000\nld [0]\njeq #0, no\nld [20]\nno: ret #0x50001",
			want: map[int]string{0: "ALLOW", 1: "nr", 3: "args[0] hi", 4: "ERRNO(1) EPERM"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := Decode([]byte(tt.asm), DecodeOptions{Format: FormatAsm})
			if err != nil {
				t.Fatal(err)
			}
			got := Annotate(p, tt.opt)
			if len(got) != len(p) {
				t.Fatalf("%d notes for %d instructions", len(got), len(p))
			}
			for pc := range p {
				if got[pc] != tt.want[pc] {
					t.Errorf("pc %d (%s): note %q, want %q", pc, InstructionText(p, pc), got[pc], tt.want[pc])
				}
			}
		})
	}
}

func TestAnnotateEmpty(t *testing.T) {
	if got := Annotate(nil, AnnotateOptions{}); len(got) != 0 {
		t.Errorf("Annotate(nil) = %q", got)
	}
	if s, err := DisassembleAnnotated(Program{}, AnnotateOptions{}); s != "" || err != nil {
		t.Errorf("DisassembleAnnotated(empty) = %q, %v", s, err)
	}
}

func TestDisassembleAnnotatedText(t *testing.T) {
	p := Program{
		Stmt(LdAbsW, 4),
		Jump(JeqK, seccompdata.AuditArchX86_64, 0, 3),
		Stmt(LdAbsW, 0),
		Jump(JeqK, 257, 1, 0),
		Jump(RetK, 0x7fff0000, 0, 1),
		Stmt(RetK, 0x50001),
		Stmt(LdLen, 64),
		Stmt(RetA, 0),
	}
	want := "\tld [4]                  ; arch\n" +
		"\tjne #0xc000003e, l5     ; AUDIT_ARCH_X86_64\n" +
		"\tld [0]                  ; nr\n" +
		"\tjeq #257, l5            ; openat\n" +
		"\tret #0x7fff0000         ; ALLOW; jt=0 jf=1 ignored by the kernel\n" +
		"l5:\tret #0x50001            ; ERRNO(1) EPERM\n" +
		"\tld #len                 ; k=0x40 ignored by the kernel\n" +
		"\tret a\n"
	got, err := DisassembleAnnotated(p, AnnotateOptions{})
	if err != nil || got != want {
		t.Errorf("got %v\n%s\nwant\n%s", err, got, want)
	}
	// A long instruction keeps one space before its comment.
	long := Program{Stmt(LdAbsW, 0), Jump(JeqK, 0x40000000, 0, 1), Stmt(RetK, 0), Stmt(RetK, 0)}
	got, _ = DisassembleAnnotated(long, AnnotateOptions{Arch: seccompdata.ArchOf(seccompdata.AuditArchX86_64)})
	if !strings.Contains(got, "\tjne #0x40000000, l3     ; x32 read\n") {
		t.Errorf("got\n%s", got)
	}
}

// TestDisassembleAnnotatedErrors: the annotated text fails exactly where
// the plain one does.
func TestDisassembleAnnotatedErrors(t *testing.T) {
	for _, n := range notAsm {
		_, err := Disassemble(n.p)
		_, aerr := DisassembleAnnotated(n.p, AnnotateOptions{})
		if err == nil || aerr == nil || err.Error() != aerr.Error() {
			t.Errorf("%s: Disassemble: %v; DisassembleAnnotated: %v", n.name, err, aerr)
		}
	}
}

// comment matches a bpf_asm comment: ";" to the end of the line.
var comment = regexp.MustCompile(` *;.*`)

// checkAnnotatedRoundTrip checks that the annotated text of p reads back
// as the plain text does (the program without the bits the kernel
// ignores), and is the plain text but for the comments.
func checkAnnotatedRoundTrip(t *testing.T, name string, p Program, opt AnnotateOptions) {
	t.Helper()
	plain, err := Disassemble(p)
	text, aerr := DisassembleAnnotated(p, opt)
	if (err == nil) != (aerr == nil) {
		t.Fatalf("%s: Disassemble: %v; DisassembleAnnotated: %v", name, err, aerr)
	}
	if err != nil {
		return
	}
	if comment.ReplaceAllString(text, "") != comment.ReplaceAllString(plain, "") {
		t.Errorf("%s: the annotated text differs from the plain one beyond the comments:\n%s", name, text)
	}
	back, _, err := Decode([]byte(text), DecodeOptions{Format: FormatAsm})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, text)
	}
	if want := withoutIgnoredBits(p); !equalPrograms(back, want) {
		t.Errorf("%s: annotated text reads back as another program: %s", name, firstDiff(back, want))
	}
	// Detected as asm too.
	if _, f, err := Decode([]byte(text), DecodeOptions{}); err != nil || (len(p) > 0 && f != FormatAsm) {
		t.Errorf("%s: detected as %v, %v", name, f, err)
	}
}

func TestDisassembleAnnotatedRoundTrip(t *testing.T) {
	x86 := AnnotateOptions{Arch: seccompdata.ArchOf(seccompdata.AuditArchX86_64)}
	for name, p := range corpusPrograms(t) {
		checkAnnotatedRoundTrip(t, name, p, AnnotateOptions{})
		checkAnnotatedRoundTrip(t, name+" (x86_64 given)", p, x86)
	}
	for name, p := range handWritten() {
		checkAnnotatedRoundTrip(t, name, p, AnnotateOptions{})
	}
	paths, _ := filepath.Glob("../corpus/samples/*.asm")
	if len(paths) == 0 {
		t.Fatal("no samples found")
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		src, err := DecodeSource(b, DecodeOptions{Name: path})
		if err != nil {
			t.Fatal(err)
		}
		checkAnnotatedRoundTrip(t, path, src.Program, AnnotateOptions{})
	}
}
