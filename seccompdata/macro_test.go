package seccompdata

import (
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata/internal/syscalltable"
)

// Values from include/uapi/linux/seccomp.h, include/uapi/linux/audit.h
// (docs/kernel-semantics.md §4-5), arch/x86/entry/syscalls/syscall_64.tbl and
// include/uapi/asm-generic/errno*.h.
func TestMacroValue(t *testing.T) {
	tests := []struct {
		name string
		want uint32
	}{
		{"SECCOMP_RET_KILL_PROCESS", 0x80000000},
		{"SECCOMP_RET_KILL_THREAD", 0},
		{"SECCOMP_RET_KILL", 0},
		{"SECCOMP_RET_TRAP", 0x00030000},
		{"SECCOMP_RET_ERRNO", 0x00050000},
		{"SECCOMP_RET_USER_NOTIF", 0x7fc00000},
		{"SECCOMP_RET_TRACE", 0x7ff00000},
		{"SECCOMP_RET_LOG", 0x7ffc0000},
		{"SECCOMP_RET_ALLOW", 0x7fff0000},
		{"SECCOMP_RET_ACTION_FULL", 0xffff0000},
		{"SECCOMP_RET_ACTION", 0x7fff0000},
		{"SECCOMP_RET_DATA", 0x0000ffff},
		{"__X32_SYSCALL_BIT", 0x40000000},
		{"AUDIT_ARCH_X86_64", 0xc000003e},
		{"AUDIT_ARCH_I386", 0x40000003},
		{"AUDIT_ARCH_AARCH64", 0xc00000b7},
		{"AUDIT_ARCH_ARM", 0x40000028},
		{"AUDIT_ARCH_ARMEB", 0x00000028},
		{"AUDIT_ARCH_RISCV64", 0xc00000f3},
		{"AUDIT_ARCH_RISCV32", 0x400000f3},
		{"AUDIT_ARCH_S390X", 0x80000016},
		{"AUDIT_ARCH_S390", 0x00000016},
		{"AUDIT_ARCH_PPC64LE", 0xc0000015},
		{"AUDIT_ARCH_PPC64", 0x80000015},
		{"AUDIT_ARCH_PPC", 0x00000014},
		{"AUDIT_ARCH_MIPS", 0x00000008},
		{"AUDIT_ARCH_MIPSEL", 0x40000008},
		{"AUDIT_ARCH_MIPS64", 0x80000008},
		{"AUDIT_ARCH_MIPSEL64", 0xc0000008},
		{"AUDIT_ARCH_MIPS64N32", 0xa0000008},
		{"AUDIT_ARCH_MIPSEL64N32", 0xe0000008},
		{"AUDIT_ARCH_LOONGARCH64", 0xc0000102},
		{"__NR_read", 0},
		{"__NR_openat", 257},
		{"__NR_uretprobe", 335},
		{"SYS_OPENAT", 257},
		{"SYS_openat", 257},
		{"SYS_GETPID", 39},
		{"EPERM", 1},
		{"EINVAL", 22},
		{"ENOSYS", 38},
		{"EWOULDBLOCK", 11},
		{"EOPNOTSUPP", 95},
	}
	for _, tt := range tests {
		got, ok := MacroValue(tt.name)
		if !ok || got != tt.want {
			t.Errorf("MacroValue(%q) = %#x, %v; want %#x", tt.name, got, ok, tt.want)
		}
	}
	for _, name := range []string{
		"", "seccomp_ret_allow", "eperm", "Eperm", "E", "__NR_", "__NR_nosuch", "SYS_",
		"AUDIT_ARCH_SPARC64", "X32", "openat", "BPF_RET", "ENOSUCH",
	} {
		if got, ok := MacroValue(name); ok {
			t.Errorf("MacroValue(%q) = %#x, want no value", name, got)
		}
	}
}

// AuditArchName is MacroValue backwards for the AUDIT_ARCH_* names.
func TestAuditArchName(t *testing.T) {
	n := 0
	for v, name := range auditArchNames {
		if got, ok := MacroValue(name); !ok || got != v {
			t.Errorf("AuditArchName(%#x) = %q, but MacroValue(%q) = %#x, %v", v, name, name, got, ok)
		}
		n++
	}
	for _, a := range Arches() {
		if _, ok := AuditArchName(a.Audit); !ok {
			t.Errorf("AuditArchName(%#x) (%s): no name", a.Audit, a)
		}
	}
	if n != 19 {
		t.Errorf("%d AUDIT_ARCH names, want the 19 MacroValue resolves", n)
	}
	for _, v := range []uint32{0, 0xc000003d, 0x40000000, 3} {
		if name, ok := AuditArchName(v); ok {
			t.Errorf("AuditArchName(%#x) = %q, want none", v, name)
		}
	}
}

// Every SECCOMP_RET_* and AUDIT_ARCH_* that MacroValue knows must equal
// golang.org/x/sys's value, which x/sys generates from the uapi headers.
func TestMacroValueMatchesXSys(t *testing.T) {
	path := filepath.Join(xsysDir(t), "unix", "zerrors_linux.go")
	n := 0
	for _, prefix := range []string{"SECCOMP_RET_", "AUDIT_ARCH_"} {
		consts, err := syscalltable.ReadConsts(path, prefix)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range consts {
			got, ok := MacroValue(name)
			if !ok {
				continue // an arch bpfsim does not model
			}
			n++
			if got != uint32(v) {
				t.Errorf("MacroValue(%q) = %#x, x/sys has %#x", name, got, v)
			}
		}
	}
	if n < 12+19 {
		t.Errorf("only %d macros checked against x/sys", n)
	}
}
