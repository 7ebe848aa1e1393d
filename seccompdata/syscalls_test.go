package seccompdata

import (
	"sort"
	"testing"
)

func mustArch(t *testing.T, name string) Arch {
	t.Helper()
	a, err := LookupArch(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Expected numbers come from the kernel's tables, not from zsyscalls.go:
// arch/x86/entry/syscalls/syscall_64.tbl (x86_64, x32 rows 512+),
// syscall_32.tbl (i386), include/uapi/asm-generic/unistd.h (aarch64,
// riscv64, loongarch64), arch/arm/tools/syscall.tbl,
// arch/s390/kernel/syscalls/syscall.tbl, arch/powerpc/kernel/syscalls/
// syscall.tbl and arch/mips/kernel/syscalls/syscall_{o32,n64}.tbl (offsets
// 4000 and 5000), and docs/kernel-semantics.md §4-5.
func TestSyscallNumber(t *testing.T) {
	tests := []struct {
		arch, name string
		want       int32
	}{
		{"x86_64", "read", 0},
		{"x86_64", "getpid", 39},
		{"x86_64", "openat", 257},
		{"x86_64", "seccomp", 317},
		{"x86_64", "uretprobe", 335},
		{"x86_64", "uprobe", 336},
		{"x86_64", "mseal", 462},
		{"x86_64", "_sysctl", 156},
		{"i386", "read", 3},
		{"i386", "open", 5},
		{"i386", "_llseek", 140},
		{"i386", "socketcall", 102},
		{"x32", "read", 0x40000000},
		{"x32", "openat", 0x40000000 | 257},
		{"x32", "rt_sigaction", 0x40000000 | 512},
		{"x32", "readv", 0x40000000 | 515},
		{"x32", "execve", 0x40000000 | 520},
		{"x32", "pwritev2", 0x40000000 | 547},
		{"aarch64", "openat", 56},
		{"aarch64", "read", 63},
		{"riscv64", "openat", 56},
		{"loongarch64", "openat", 56},
		{"arm", "read", 3},
		{"arm", "restart_syscall", 0},
		{"s390x", "read", 3},
		{"ppc64", "read", 3},
		{"ppc64le", "read", 3},
		{"mips", "syscall", 4000},
		{"mips", "read", 4003},
		{"mipsel", "read", 4003},
		{"mips64", "read", 5000},
		{"mips64el", "read", 5000},
	}
	for _, tt := range tests {
		a := mustArch(t, tt.arch)
		got, ok := a.SyscallNumber(tt.name)
		if !ok || got != tt.want {
			t.Errorf("%s.SyscallNumber(%q) = %#x, %v; want %#x", tt.arch, tt.name, got, ok, tt.want)
		}
		name, ok := a.SyscallName(tt.want)
		if !ok || name != tt.name {
			t.Errorf("%s.SyscallName(%#x) = %q, %v; want %q", tt.arch, tt.want, name, ok, tt.name)
		}
	}
}

func TestSyscallNumberSpellings(t *testing.T) {
	x86 := mustArch(t, "x86_64")
	i386 := mustArch(t, "i386")
	tests := []struct {
		a    Arch
		name string
		want int32
		ok   bool
	}{
		{x86, "openat", 257, true},
		{x86, "__NR_openat", 257, true},
		{x86, "SYS_OPENAT", 257, true},
		{x86, "sys_openat", 257, true},
		{x86, "OpenAt", 257, true},
		{x86, " openat ", 257, true},
		{i386, "SYS__LLSEEK", 140, true},
		{i386, "__NR__llseek", 140, true},
		{mustArch(t, "ppc64"), "sys_debug_setcontext", 256, true}, // the kernel's own name
		{mustArch(t, "ppc64"), "SYS_SYS_DEBUG_SETCONTEXT", 256, true},
		{mustArch(t, "ppc64"), "__NR_sys_debug_setcontext", 256, true},
		{x86, "", 0, false},
		{x86, "SYS_", 0, false},
		{x86, "__NR_", 0, false},
		{x86, "no_such_call", 0, false},
		{x86, "_llseek", 0, false}, // 32-bit only
		{mustArch(t, "aarch64"), "open", 0, false},
		{mustArch(t, "x32"), "uselib", 0, false}, // ABI "64" row
	}
	for _, tt := range tests {
		got, ok := tt.a.SyscallNumber(tt.name)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s.SyscallNumber(%q) = %d, %v; want %d, %v", tt.a, tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSyscallNameMisses(t *testing.T) {
	tests := []struct {
		arch string
		nr   int32
	}{
		{"x86_64", -1},
		{"x86_64", 400},        // the gap 387..423
		{"x86_64", 0x40000000}, // x32 numbers are not x86_64's
		{"x32", 19},            // without the x32 bit
		{"x32", 0x40000000 | 19},
		{"mips", 3},
		{"aarch64", 1 << 20},
	}
	for _, tt := range tests {
		if name, ok := mustArch(t, tt.arch).SyscallName(tt.nr); ok {
			t.Errorf("%s.SyscallName(%#x) = %q, want no name", tt.arch, tt.nr, name)
		}
	}
}

func TestSyscallsTables(t *testing.T) {
	for _, a := range Arches() {
		list := a.Syscalls()
		if len(list) == 0 {
			t.Errorf("%s: empty table", a)
			continue
		}
		if !sort.SliceIsSorted(list, func(i, j int) bool { return list[i].Nr < list[j].Nr }) {
			t.Errorf("%s: Syscalls() not sorted by number", a)
		}
		if got := a.MaxSyscall(); got != list[len(list)-1].Nr {
			t.Errorf("%s: MaxSyscall() = %d, last entry %d", a, got, list[len(list)-1].Nr)
		}
		for _, s := range list {
			if nr, ok := a.SyscallNumber(s.Name); !ok || nr != s.Nr {
				t.Errorf("%s: SyscallNumber(%q) = %d, %v; table says %d", a, s.Name, nr, ok, s.Nr)
			}
			if name, ok := a.SyscallName(s.Nr); !ok || name != s.Name {
				t.Errorf("%s: SyscallName(%d) = %q, %v; table says %q", a, s.Nr, name, ok, s.Name)
			}
			if uint32(s.Nr)&X32SyscallBit != a.NrBit {
				t.Errorf("%s: %s = %#x, want the ABI bit %#x", a, s.Name, s.Nr, a.NrBit)
			}
		}
		list[0].Name = "changed"
		if a.Syscalls()[0].Name == "changed" {
			t.Errorf("%s: Syscalls() shares its table", a)
		}
	}
}

func TestMaxSyscall(t *testing.T) {
	// x32's largest is its last private row, pwritev2 (547).
	if got := mustArch(t, "x32").MaxSyscall(); got != 0x40000000|547 {
		t.Errorf("x32 MaxSyscall() = %#x, want %#x", got, 0x40000000|547)
	}
	if got := mustArch(t, "x86_64").MaxSyscall(); got < 462 || got > 1000 {
		t.Errorf("x86_64 MaxSyscall() = %d, want a number from 462 (mseal, 6.10) on", got)
	}
	if got := mustArch(t, "mips").MaxSyscall(); got < 4462 || got >= 5000 {
		t.Errorf("mips MaxSyscall() = %d, want a number in the o32 range from 4462", got)
	}
}

// Every x32 "common" row must have x86_64's number with the x32 bit.
func TestX32CommonRowsMatchX86_64(t *testing.T) {
	x86 := mustArch(t, "x86_64")
	n := 0
	for _, s := range mustArch(t, "x32").Syscalls() {
		nr := s.Nr &^ X32SyscallBit
		if nr >= 512 && nr <= 547 {
			continue // x32-only rows
		}
		n++
		if got, ok := x86.SyscallNumber(s.Name); !ok || got != nr {
			t.Errorf("x32 %s = %#x, x86_64 has %d, %v", s.Name, s.Nr, got, ok)
		}
	}
	if n < 300 {
		t.Errorf("only %d common rows", n)
	}
}
