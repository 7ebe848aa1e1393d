package seccompdata

import (
	"encoding/binary"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata/internal/syscalltable"
)

// AUDIT_ARCH values from include/uapi/linux/audit.h as docs/kernel-semantics.md §4
// lists them; byte orders and widths are the CPUs'.
func TestArchTable(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	want := []struct {
		name  string
		audit uint32
		order binary.ByteOrder
		nrBit uint32
		bits  int
	}{
		{"x86_64", 0xc000003e, le, 0, 64},
		{"i386", 0x40000003, le, 0, 32},
		{"x32", 0xc000003e, le, 0x40000000, 32},
		{"aarch64", 0xc00000b7, le, 0, 64},
		{"arm", 0x40000028, le, 0, 32},
		{"riscv64", 0xc00000f3, le, 0, 64},
		{"s390x", 0x80000016, be, 0, 64},
		{"ppc64le", 0xc0000015, le, 0, 64},
		{"ppc64", 0x80000015, be, 0, 64},
		{"mips", 0x00000008, be, 0, 32},
		{"mipsel", 0x40000008, le, 0, 32},
		{"mips64", 0x80000008, be, 0, 64},
		{"mips64el", 0xc0000008, le, 0, 64},
		{"loongarch64", 0xc0000102, le, 0, 64},
	}
	got := Arches()
	if len(got) != len(want) {
		t.Fatalf("Arches() has %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		a := got[i]
		if a.Name != w.name || a.Audit != w.audit || a.Order != w.order || a.NrBit != w.nrBit || a.Bits != w.bits {
			t.Errorf("Arches()[%d] = %+v, want %+v", i, a, w)
		}
		if a.String() != w.name {
			t.Errorf("%s: String() = %q", w.name, a.String())
		}
		// The audit value encodes the byte order and the width
		// (__AUDIT_ARCH_LE 0x40000000, __AUDIT_ARCH_64BIT 0x80000000).
		if (a.Audit&0x40000000 != 0) != (a.Order == le) {
			t.Errorf("%s: audit %#x disagrees with byte order %v", a.Name, a.Audit, a.Order)
		}
		if (a.Audit&0x80000000 != 0) != (a.Bits == 64) && a.Name != "x32" {
			t.Errorf("%s: audit %#x disagrees with %d bits", a.Name, a.Audit, a.Bits)
		}
	}
}

// The hand-written audit values must match golang.org/x/sys, which is
// generated from the kernel's audit.h.
func TestArchAuditMatchesXSys(t *testing.T) {
	consts, err := syscalltable.ReadConsts(filepath.Join(xsysDir(t), "unix", "zerrors_linux.go"), "AUDIT_ARCH_")
	if err != nil {
		t.Fatal(err)
	}
	macro := map[string]string{
		"x86_64": "X86_64", "i386": "I386", "x32": "X86_64", "aarch64": "AARCH64",
		"arm": "ARM", "riscv64": "RISCV64", "s390x": "S390X", "ppc64le": "PPC64LE",
		"ppc64": "PPC64", "mips": "MIPS", "mipsel": "MIPSEL", "mips64": "MIPS64",
		"mips64el": "MIPSEL64", "loongarch64": "LOONGARCH64",
	}
	for _, a := range Arches() {
		name := "AUDIT_ARCH_" + macro[a.Name]
		v, ok := consts[name]
		if !ok || uint32(v) != a.Audit {
			t.Errorf("%s: Audit %#x, x/sys %s = %#x (present %v)", a.Name, a.Audit, name, v, ok)
		}
	}
}

func TestArchesIsACopy(t *testing.T) {
	a := Arches()
	a[0].Name = "changed"
	a[0].Audit = 1
	if b := Arches(); b[0].Name != "x86_64" || b[0].Audit != 0xc000003e {
		t.Errorf("Arches() shares state: %+v", b[0])
	}
}

func TestLookupArch(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"x86_64", "x86_64"},
		{"amd64", "x86_64"},
		{"X86_64", "x86_64"},
		{"x86-64", "x86_64"},
		{"  AMD64 ", "x86_64"},
		{"AUDIT_ARCH_X86_64", "x86_64"},
		{"0xc000003e", "x86_64"},
		{"0XC000003E", "x86_64"},
		{"3221225534", "x86_64"},
		{"i386", "i386"},
		{"386", "i386"},
		{"x86", "i386"},
		{"i686", "i386"},
		{"0x40000003", "i386"},
		{"x32", "x32"},
		{"aarch64", "aarch64"},
		{"arm64", "aarch64"},
		{"ARM64", "aarch64"},
		{"arm", "arm"},
		{"armhf", "arm"},
		{"riscv64", "riscv64"},
		{"s390x", "s390x"},
		{"2147483670", "s390x"},
		{"ppc64le", "ppc64le"},
		{"ppc64el", "ppc64le"},
		{"ppc64", "ppc64"},
		{"mips", "mips"},
		{"8", "mips"},
		{"mipsel", "mipsel"},
		{"mipsle", "mipsel"},
		{"mips64", "mips64"},
		{"mips64el", "mips64el"},
		{"mips64le", "mips64el"},
		{"AUDIT_ARCH_MIPSEL64", "mips64el"},
		{"loongarch64", "loongarch64"},
		{"loong64", "loongarch64"},
	}
	for _, tt := range tests {
		a, err := LookupArch(tt.in)
		if err != nil || a.Name != tt.want {
			t.Errorf("LookupArch(%q) = %v, %v; want %s", tt.in, a, err, tt.want)
		}
	}
}

func TestLookupArchErrors(t *testing.T) {
	for _, in := range []string{"", "sparc64", "x86_65", "0x12345678", "0xc0000014", "-1", "amd 64"} {
		a, err := LookupArch(in)
		if err == nil {
			t.Errorf("LookupArch(%q) = %v, want an error", in, a)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, `"`+in+`"`) || !strings.Contains(msg, "x86_64, i386, x32") || !strings.Contains(msg, "loongarch64") {
			t.Errorf("LookupArch(%q) error %q should be one line naming the input and the valid names", in, msg)
		}
	}
}

func TestArchByAudit(t *testing.T) {
	tests := []struct {
		audit uint32
		want  string
		ok    bool
	}{
		{0xc000003e, "x86_64", true}, // shared with x32: x86_64 wins
		{0x40000003, "i386", true},
		{0xc00000b7, "aarch64", true},
		{0x80000008, "mips64", true},
		{0xa0000008, "", false}, // MIPS64N32: no table
		{0x00000014, "", false}, // PPC (32-bit)
		{0, "", false},
	}
	for _, tt := range tests {
		a, ok := ArchByAudit(tt.audit)
		if ok != tt.ok || a.Name != tt.want {
			t.Errorf("ArchByAudit(%#x) = %v, %v; want %q, %v", tt.audit, a, ok, tt.want, tt.ok)
		}
	}
}

// docs/kernel-semantics.md §4: x32 syscalls reach filters with arch
// AUDIT_ARCH_X86_64 and nr | 0x40000000 (live: nr 0x400003e8).
func TestArchFor(t *testing.T) {
	tests := []struct {
		audit uint32
		nr    int32
		want  string
		ok    bool
	}{
		{0xc000003e, 39, "x86_64", true},
		{0xc000003e, 0x400003e8, "x32", true},
		{0xc000003e, 0x40000000, "x32", true},
		{0xc000003e, -1, "x32", true}, // 0xffffffff has the bit
		{0x40000003, 0x40000000, "i386", true},
		{0xc00000b7, 0x40000000, "aarch64", true},
		{0x12345678, 0, "", false},
	}
	for _, tt := range tests {
		a, ok := ArchFor(tt.audit, tt.nr)
		if ok != tt.ok || a.Name != tt.want {
			t.Errorf("ArchFor(%#x, %#x) = %v, %v; want %q, %v", tt.audit, tt.nr, a, ok, tt.want, tt.ok)
		}
	}
}

func TestNative(t *testing.T) {
	n := Native()
	known := false
	for _, a := range Arches() {
		known = known || a.GOARCH == runtime.GOARCH
	}
	switch {
	case known && n.GOARCH != runtime.GOARCH:
		t.Errorf("Native() = %v (GOARCH %s), running on %s", n, n.GOARCH, runtime.GOARCH)
	case !known && n.Name != "x86_64":
		t.Errorf("Native() = %v on unknown %s, want x86_64", n, runtime.GOARCH)
	}
	if runtime.GOARCH == "amd64" && n.Name != "x86_64" {
		t.Errorf("Native() = %v on amd64", n)
	}
	if n.Order == nil || n.Audit == 0 {
		t.Errorf("Native() = %+v is incomplete", n)
	}
}

func TestArchZeroValue(t *testing.T) {
	var a Arch
	if a.String() != "unknown" {
		t.Errorf("zero Arch String() = %q", a.String())
	}
	if _, ok := a.SyscallNumber("read"); ok {
		t.Error("zero Arch knows read")
	}
	if a.MaxSyscall() != -1 || len(a.Syscalls()) != 0 {
		t.Error("zero Arch has a syscall table")
	}
	if _, ok := a.ErrnoName(1); ok {
		t.Error("zero Arch knows errno 1")
	}
}
