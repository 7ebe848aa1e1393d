package seccompdata

//go:generate go run ./internal/gensyscalls

import (
	"sort"
	"strings"
)

// Syscall is one entry of an arch's syscall table: the name as the kernel's
// __NR_ macro spells it, without the prefix ("openat", "_llseek"), and the
// number a filter sees in seccomp_data.nr (with the ABI's NrBit and, on
// mips, the ABI offset 4000/5000 included).
//
// The tables are generated into zsyscalls.go from golang.org/x/sys (for x32,
// from the kernel's syscall_64.tbl); they hold no arch-private calls such as
// arm's __ARM_NR_* (0x0f0000 and up).
type Syscall struct {
	Name string
	Nr   int32
}

// SyscallNumber returns the number of the named syscall on a. The name may
// carry a "__NR_" or "SYS_" prefix and is matched case-insensitively, so
// "openat", "__NR_openat" and "SYS_OPENAT" are the same. A name that itself
// starts with "sys_" (ppc's sys_debug_setcontext) is found with or without
// the extra prefix.
func (a Arch) SyscallNumber(name string) (int32, bool) {
	tab, byName := syscallTable(a.Name)
	find := func(name string) (int32, bool) {
		i := sort.Search(len(byName), func(i int) bool { return tab[byName[i]].Name >= name })
		if i < len(byName) && tab[byName[i]].Name == name {
			return tab[byName[i]].Nr, true
		}
		return 0, false
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if nr, ok := find(name); ok {
		return nr, true
	}
	for _, p := range []string{"__nr_", "sys_"} {
		if len(name) > len(p) && strings.HasPrefix(name, p) {
			return find(name[len(p):])
		}
	}
	return 0, false
}

// SyscallName returns the name of syscall nr on a. For x32, nr includes
// X32SyscallBit.
func (a Arch) SyscallName(nr int32) (string, bool) {
	tab, _ := syscallTable(a.Name)
	i := sort.Search(len(tab), func(i int) bool { return tab[i].Nr >= nr })
	if i < len(tab) && tab[i].Nr == nr {
		return tab[i].Name, true
	}
	return "", false
}

// Syscalls returns a's syscall table sorted by number, in a new slice.
func (a Arch) Syscalls() []Syscall {
	tab, _ := syscallTable(a.Name)
	return append([]Syscall(nil), tab...)
}

// MaxSyscall returns the largest syscall number in a's table, or -1 when a
// has no table.
func (a Arch) MaxSyscall() int32 {
	tab, _ := syscallTable(a.Name)
	if len(tab) == 0 {
		return -1
	}
	return tab[len(tab)-1].Nr
}
