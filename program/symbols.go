package program

import (
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Symbolic names in C and bpf_asm text. The ABI names (SECCOMP_RET_*,
// AUDIT_ARCH_*, __X32_SYSCALL_BIT) mean the same on every arch and come
// from seccompdata.MacroValue. Syscall names (__NR_*, SYS_*) and errno
// names (EPERM) have a number per arch, and a filter is written for one
// arch: resolving __NR_open as x86_64's 2 in a filter that checks
// AUDIT_ARCH_AARCH64 would give aarch64's io_submit. So names are resolved
// for the arch DecodeOptions.Arch gives, or else the one arch the filter
// checks (decideArch), and a name that arch lacks is an error.

// ArchSource says how the arch used to resolve names was chosen.
type ArchSource int

const (
	// ArchDefault: the filter checks no arch (it names no AUDIT_ARCH_*
	// macro and no jeq compares with a known AUDIT_ARCH value), so x86_64
	// is used.
	ArchDefault ArchSource = iota
	// ArchGiven: DecodeOptions.Arch was set.
	ArchGiven
	// ArchChecked: the arch the filter checks: the text names one
	// AUDIT_ARCH_* macro, or a jeq compares with one known AUDIT_ARCH
	// value, and no other; or it checks several on which every name it
	// uses has the same number.
	ArchChecked
)

// String returns "default", "given" or "checked by the filter".
func (s ArchSource) String() string {
	switch s {
	case ArchGiven:
		return "given"
	case ArchChecked:
		return "checked by the filter"
	}
	return "default"
}

// archDependent reports whether the value of name depends on the arch: a
// syscall name (__NR_*, SYS_*) or an errno name (upper case, starting with
// E), as seccompdata.MacroValue sorts them.
func archDependent(name string) (syscall, errno bool) {
	if strings.HasPrefix(name, "__NR_") || strings.HasPrefix(name, "SYS_") {
		return true, false
	}
	return false, len(name) > 1 && name[0] == 'E' && name == strings.ToUpper(name)
}

// archValue resolves an arch-dependent name on a with a's own tables.
func archValue(a seccompdata.Arch, name string) (int64, bool) {
	if sys, _ := archDependent(name); sys {
		nr, ok := a.SyscallNumber(name)
		return int64(nr), ok
	}
	n, ok := a.ErrnoByName(name)
	return int64(n), ok
}

// symUse is an arch-dependent name as written, with its line.
type symUse struct {
	name string
	line int
}

// symbols resolves the names of one text input and records what the
// choice of arch needs: the arch-dependent names used and the AUDIT_ARCH
// values named.
type symbols struct {
	arch seccompdata.Arch
	// probe: a first pass before the arch is decided. A name arch lacks
	// resolves to 0 and is noted in missing instead of failing.
	probe   bool
	missing bool
	uses    []symUse
	audits  []uint32 // AUDIT_ARCH_* values named, distinct, in order
}

// resolve returns the value of name, written on line, or an error message.
func (s *symbols) resolve(name string, line int) (int64, error) {
	sys, errno := archDependent(name)
	if sys || errno {
		if len(s.uses) < maxSymUses {
			s.uses = append(s.uses, symUse{name, line})
		}
		if v, ok := archValue(s.arch, name); ok {
			return v, nil
		}
		if s.probe {
			s.missing = true
			return 0, nil
		}
		return 0, missingName(s.arch, name)
	}
	v, ok := seccompdata.MacroValue(name)
	if !ok {
		return 0, fmt.Errorf("unknown name %q", name)
	}
	if strings.HasPrefix(name, "AUDIT_ARCH_") {
		s.noteAudit(v)
	}
	return int64(v), nil
}

// maxSymUses bounds the names remembered for the choice of arch; past it
// the choice looks at the first ones only, and a name the arch lacks is
// still an error in the second pass.
const maxSymUses = 1 << 12

func (s *symbols) noteAudit(v uint32) {
	for _, a := range s.audits {
		if a == v {
			return
		}
	}
	s.audits = append(s.audits, v)
}

// missingName is the error for a name arch has no number for.
func missingName(a seccompdata.Arch, name string) error {
	what := "errno"
	if sys, _ := archDependent(name); sys {
		what = "syscall"
	}
	if a.Name == "" {
		return fmt.Errorf("%s: bpfsim has no %s table for %v (give the filter's arch with --filter-arch)", name, what, a)
	}
	if what == "errno" {
		return fmt.Errorf("%s is not an errno name on %s", name, a)
	}
	return fmt.Errorf("%s: %s has no such syscall", name, a)
}

// checkedArches returns the AUDIT_ARCH values the filter checks: those the
// text names, then the k of every jeq (K form) of p that is the AUDIT_ARCH
// value of an arch bpfsim knows, distinct, in order.
func checkedArches(p Program, named []uint32) []uint32 {
	out := append([]uint32(nil), named...)
	seen := func(v uint32) bool {
		for _, a := range out {
			if a == v {
				return true
			}
		}
		return false
	}
	for _, ins := range p {
		if Opcode(ins.Op) != JeqK || seen(ins.K) {
			continue
		}
		if _, ok := seccompdata.ArchByAudit(ins.K); ok {
			out = append(out, ins.K)
		}
	}
	return out
}

// decideArch chooses the arch names are resolved for when DecodeOptions.Arch
// is the zero Arch: the one arch the filter checks, else x86_64. When the
// filter checks several arches, the names it uses must mean the same number
// on each (errno names usually do), and then the first arch checked is
// used, x86_64 if it is one of them; a name with different numbers (or
// missing on one) is an error at its line, asking for the arch, since which
// one the author meant cannot be known.
func decideArch(p Program, s *symbols) (seccompdata.Arch, ArchSource, *symUse, error) {
	audits := checkedArches(p, s.audits)
	x86 := seccompdata.ArchOf(seccompdata.AuditArchX86_64)
	switch len(audits) {
	case 0:
		return x86, ArchDefault, nil, nil
	case 1:
		return seccompdata.ArchOf(audits[0]), ArchChecked, nil, nil
	}
	arches := make([]seccompdata.Arch, len(audits))
	names := make([]string, len(audits))
	for i, v := range audits {
		arches[i] = seccompdata.ArchOf(v)
		names[i] = arches[i].String()
	}
	for i := range s.uses {
		u := &s.uses[i]
		v0, ok0 := archValue(arches[0], u.name)
		for _, a := range arches[1:] {
			if v, ok := archValue(a, u.name); v != v0 || ok != ok0 {
				return x86, ArchDefault, u, fmt.Errorf("%s: the filter checks several arches (%s) and the name has a different number on each; give the filter's arch with --filter-arch",
					u.name, strings.Join(names, ", "))
			}
		}
	}
	// Every name means the same on every arch checked: any of them reads
	// the filter as written. Say x86_64 when it is one of them.
	for _, a := range arches {
		if a.Name == x86.Name {
			return a, ArchChecked, nil, nil
		}
	}
	return arches[0], ArchChecked, nil, nil
}
