package seccompdata

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// X32SyscallBit is __X32_SYSCALL_BIT (arch/x86/include/uapi/asm/unistd.h):
// x32 syscalls reach seccomp filters with arch AUDIT_ARCH_X86_64 and this bit
// set in nr, even on kernels built without x32 support.
const X32SyscallBit = 0x40000000

// Arch is one syscall ABI as a seccomp filter sees it: the value the kernel
// stores in seccomp_data.arch, the byte order of seccomp_data, and for x32
// the bit it ORs into seccomp_data.nr. Obtain values from Arches, LookupArch,
// ArchByAudit, ArchFor or Native; the syscall and errno methods find their
// tables by Name.
type Arch struct {
	// Name is the canonical name, as uname -m and libseccomp spell it
	// ("x86_64", "aarch64", "mips64el"), except "x32" and "i386".
	Name string
	// Audit is the AUDIT_ARCH_* value (include/uapi/linux/audit.h) that
	// populate_seccomp_data puts in seccomp_data.arch.
	Audit uint32
	// Order is the byte order of seccomp_data, which is the CPU's: a filter's
	// "ld [k]" reads a native-endian word.
	Order binary.ByteOrder
	// NrBit is ORed into every syscall number of the ABI: X32SyscallBit for
	// x32, else 0.
	NrBit uint32
	// Bits is the width of a register and of unsigned long, 32 or 64. On a
	// 32-bit ABI the kernel zero-extends each argument into the u64 args[i].
	Bits int
	// GOARCH is the Go GOARCH of the ABI, "" for x32 (Go has no x32 port).
	GOARCH string
}

// archTable is read-only; Arches hands out copies.
var archTable = [...]Arch{
	// AUDIT_ARCH values (abi.go), as listed in docs/kernel-semantics.md §4.
	{Name: "x86_64", Audit: AuditArchX86_64, Order: binary.LittleEndian, Bits: 64, GOARCH: "amd64"},
	{Name: "i386", Audit: AuditArchI386, Order: binary.LittleEndian, Bits: 32, GOARCH: "386"},
	{Name: "x32", Audit: AuditArchX86_64, Order: binary.LittleEndian, NrBit: X32SyscallBit, Bits: 32},
	{Name: "aarch64", Audit: AuditArchAArch64, Order: binary.LittleEndian, Bits: 64, GOARCH: "arm64"},
	{Name: "arm", Audit: AuditArchARM, Order: binary.LittleEndian, Bits: 32, GOARCH: "arm"},
	{Name: "riscv64", Audit: AuditArchRISCV64, Order: binary.LittleEndian, Bits: 64, GOARCH: "riscv64"},
	{Name: "s390x", Audit: AuditArchS390X, Order: binary.BigEndian, Bits: 64, GOARCH: "s390x"},
	{Name: "ppc64le", Audit: AuditArchPPC64LE, Order: binary.LittleEndian, Bits: 64, GOARCH: "ppc64le"},
	{Name: "ppc64", Audit: AuditArchPPC64, Order: binary.BigEndian, Bits: 64, GOARCH: "ppc64"},
	{Name: "mips", Audit: AuditArchMIPS, Order: binary.BigEndian, Bits: 32, GOARCH: "mips"},
	{Name: "mipsel", Audit: AuditArchMIPSEL, Order: binary.LittleEndian, Bits: 32, GOARCH: "mipsle"},
	{Name: "mips64", Audit: AuditArchMIPS64, Order: binary.BigEndian, Bits: 64, GOARCH: "mips64"},
	{Name: "mips64el", Audit: AuditArchMIPSEL64, Order: binary.LittleEndian, Bits: 64, GOARCH: "mips64le"},
	{Name: "loongarch64", Audit: AuditArchLoongArch64, Order: binary.LittleEndian, Bits: 64, GOARCH: "loong64"},
}

// Arches returns every arch bpfsim knows, x86_64 first. The slice is new on
// each call.
func Arches() []Arch {
	return append([]Arch(nil), archTable[:]...)
}

// canonicalArch maps a lower-case name or alias to the canonical name.
func canonicalArch(s string) string {
	switch s {
	case "x86_64", "amd64", "x86-64", "x64", "audit_arch_x86_64":
		return "x86_64"
	case "i386", "386", "x86", "i486", "i586", "i686", "ia32", "audit_arch_i386":
		return "i386"
	case "x32", "x86_x32":
		return "x32"
	case "aarch64", "arm64", "audit_arch_aarch64":
		return "aarch64"
	case "arm", "armel", "armhf", "armv7", "armv7l", "armv6l", "audit_arch_arm":
		return "arm"
	case "riscv64", "riscv", "audit_arch_riscv64":
		return "riscv64"
	case "s390x", "audit_arch_s390x":
		return "s390x"
	case "ppc64le", "ppc64el", "powerpc64le", "audit_arch_ppc64le":
		return "ppc64le"
	case "ppc64", "powerpc64", "audit_arch_ppc64":
		return "ppc64"
	case "mips", "mipseb", "audit_arch_mips":
		return "mips"
	case "mipsel", "mipsle", "audit_arch_mipsel":
		return "mipsel"
	case "mips64", "audit_arch_mips64":
		return "mips64"
	case "mips64el", "mips64le", "mipsel64", "audit_arch_mipsel64":
		return "mips64el"
	case "loongarch64", "loong64", "loongarch", "audit_arch_loongarch64":
		return "loongarch64"
	}
	return ""
}

// archNamed returns the arch with the canonical name.
func archNamed(name string) (Arch, bool) {
	for _, a := range archTable {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// LookupArch finds an arch by its name, a common alias (amd64, x86, 386,
// arm64, mipsle, mips64le, ppc64el, loong64, AUDIT_ARCH_X86_64, ...), in any
// case, or by its AUDIT_ARCH value written in hex (0xc000003e) or decimal.
// A number that both x86_64 and x32 use gives x86_64.
func LookupArch(s string) (Arch, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if a, ok := archNamed(canonicalArch(t)); ok {
		return a, nil
	}
	if n, err := strconv.ParseUint(t, 0, 32); err == nil {
		if a, ok := ArchByAudit(uint32(n)); ok {
			return a, nil
		}
	}
	names := make([]string, len(archTable))
	for i, a := range archTable {
		names[i] = a.Name
	}
	return Arch{}, fmt.Errorf("unknown arch %q: want one of %s, or the AUDIT_ARCH value of one of them", s, strings.Join(names, ", "))
}

// ArchByAudit returns the arch whose seccomp_data.arch is audit. x86_64 and
// x32 share AUDIT_ARCH_X86_64 (0xc000003e); ArchByAudit returns x86_64 for
// it. Use ArchFor, which also looks at nr, to tell them apart.
func ArchByAudit(audit uint32) (Arch, bool) {
	for _, a := range archTable {
		if a.Audit == audit {
			return a, true // x86_64 comes before x32 in archTable
		}
	}
	return Arch{}, false
}

// ArchOf returns the arch whose seccomp_data.arch is audit, as ArchByAudit
// does, and for a value bpfsim has no table for an arch with no name (so
// no syscall or errno names) whose byte order and width come from the
// value's own flags: __AUDIT_ARCH_LE (0x40000000) and __AUDIT_ARCH_64BIT
// (0x80000000), include/uapi/linux/audit.h.
func ArchOf(audit uint32) Arch {
	if a, ok := ArchByAudit(audit); ok {
		return a
	}
	a := Arch{Audit: audit, Order: binary.BigEndian, Bits: 32}
	if audit&auditArchLE != 0 {
		a.Order = binary.LittleEndian
	}
	if audit&auditArch64Bit != 0 {
		a.Bits = 64
	}
	return a
}

// Flags of an AUDIT_ARCH value (include/uapi/linux/audit.h).
const (
	auditArch64Bit = 0x80000000 // __AUDIT_ARCH_64BIT
	auditArchLE    = 0x40000000 // __AUDIT_ARCH_LE
)

// ArchFor returns the ABI of a syscall as a filter sees it: the arch of
// audit, except that an x86_64 nr with X32SyscallBit set is x32 (the x32
// ABI shares AUDIT_ARCH_X86_64, arch/x86/include/asm/syscall.h).
func ArchFor(audit uint32, nr int32) (Arch, bool) {
	a, ok := ArchByAudit(audit)
	if ok && a.Name == "x86_64" && uint32(nr)&X32SyscallBit != 0 {
		return archNamed("x32")
	}
	return a, ok
}

// Native returns the arch of the running program (runtime.GOARCH), or
// x86_64 when bpfsim has no table for it.
func Native() Arch {
	for _, a := range archTable {
		if a.GOARCH != "" && a.GOARCH == runtime.GOARCH {
			return a
		}
	}
	return archTable[0]
}

// String returns the arch's name; for an arch without one (ArchOf)
// "arch 0x..." with its AUDIT_ARCH value, and "unknown" for the zero Arch.
func (a Arch) String() string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Audit != 0:
		return fmt.Sprintf("arch %#x", a.Audit)
	}
	return "unknown"
}
