package seccompdata

// The numbers of the kernel ABI that other packages name: spelled once,
// here, with the kernel file they come from.

// AUDIT_ARCH_* values (include/uapi/linux/audit.h): the ELF machine
// number (EM_*, include/uapi/linux/elf-em.h) ORed with __AUDIT_ARCH_64BIT
// (0x80000000) for a 64-bit ABI and __AUDIT_ARCH_LE (0x40000000) for a
// little-endian one. populate_seccomp_data (kernel/seccomp.c) puts the
// current ABI's value in seccomp_data.arch. The arch table (Arches) uses
// them; MacroValue resolves their C names.
const (
	AuditArchX86_64      = 0xc000003e // EM_X86_64 (62); also x32, told apart by X32SyscallBit
	AuditArchI386        = 0x40000003 // EM_386 (3)
	AuditArchAArch64     = 0xc00000b7 // EM_AARCH64 (183)
	AuditArchARM         = 0x40000028 // EM_ARM (40)
	AuditArchARMEB       = 0x00000028 // EM_ARM, big-endian
	AuditArchRISCV64     = 0xc00000f3 // EM_RISCV (243)
	AuditArchRISCV32     = 0x400000f3 // EM_RISCV, 32-bit
	AuditArchS390X       = 0x80000016 // EM_S390 (22)
	AuditArchS390        = 0x00000016 // EM_S390, 32-bit
	AuditArchPPC64LE     = 0xc0000015 // EM_PPC64 (21)
	AuditArchPPC64       = 0x80000015 // EM_PPC64, big-endian
	AuditArchPPC         = 0x00000014 // EM_PPC (20)
	AuditArchMIPS        = 0x00000008 // EM_MIPS (8)
	AuditArchMIPSEL      = 0x40000008 // EM_MIPS, little-endian
	AuditArchMIPS64      = 0x80000008 // EM_MIPS, 64-bit
	AuditArchMIPSEL64    = 0xc0000008 // EM_MIPS, 64-bit little-endian
	AuditArchMIPS64N32   = 0xa0000008 // EM_MIPS, 64-bit, __AUDIT_ARCH_CONVENTION_MIPS64_N32 (0x20000000)
	AuditArchMIPSEL64N32 = 0xe0000008 // EM_MIPS, 64-bit little-endian, N32 convention
	AuditArchLoongArch64 = 0xc0000102 // EM_LOONGARCH (258)
)

// auditArchNames spells each AUDIT_ARCH_* value as its C macro.
var auditArchNames = map[uint32]string{
	AuditArchX86_64: "AUDIT_ARCH_X86_64", AuditArchI386: "AUDIT_ARCH_I386",
	AuditArchAArch64: "AUDIT_ARCH_AARCH64", AuditArchARM: "AUDIT_ARCH_ARM", AuditArchARMEB: "AUDIT_ARCH_ARMEB",
	AuditArchRISCV64: "AUDIT_ARCH_RISCV64", AuditArchRISCV32: "AUDIT_ARCH_RISCV32",
	AuditArchS390X: "AUDIT_ARCH_S390X", AuditArchS390: "AUDIT_ARCH_S390",
	AuditArchPPC64LE: "AUDIT_ARCH_PPC64LE", AuditArchPPC64: "AUDIT_ARCH_PPC64", AuditArchPPC: "AUDIT_ARCH_PPC",
	AuditArchMIPS: "AUDIT_ARCH_MIPS", AuditArchMIPSEL: "AUDIT_ARCH_MIPSEL",
	AuditArchMIPS64: "AUDIT_ARCH_MIPS64", AuditArchMIPSEL64: "AUDIT_ARCH_MIPSEL64",
	AuditArchMIPS64N32: "AUDIT_ARCH_MIPS64N32", AuditArchMIPSEL64N32: "AUDIT_ARCH_MIPSEL64N32",
	AuditArchLoongArch64: "AUDIT_ARCH_LOONGARCH64",
}

// AuditArchName returns the C name of an AUDIT_ARCH_* value that MacroValue
// knows ("AUDIT_ARCH_X86_64" for 0xc000003e), for disassemblers and
// reports; false for any other value.
func AuditArchName(audit uint32) (string, bool) {
	name, ok := auditArchNames[audit]
	return name, ok
}

// x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) that
// bpfsim names in code. The generated tables (Arch.SyscallNumber) hold
// every number; these are the ones needed as constants.
const (
	// NrGetppidX86_64 is getppid: harmless to issue for real, so the
	// live-kernel checks and the examples use it.
	NrGetppidX86_64 = 110
	// NrUretprobeX86_64 and NrUprobeX86_64 never reach a seccomp filter
	// on native x86_64: seccomp_uprobe_exception (kernel/seccomp.c) lets
	// them through before the filters run (uprobe since 6.18).
	NrUretprobeX86_64 = 335
	NrUprobeX86_64    = 336
)

// Offsets of the fields of struct seccomp_data (include/uapi/linux/
// seccomp.h), the k of a filter's "ld [k]". A filter loads 32-bit words:
// instruction_pointer and each args[i] are two words each, the low half
// first on a little-endian arch (see Data.Words).
const (
	OffsetNr                 = 0  // offsetof(struct seccomp_data, nr)
	OffsetArch               = 4  // offsetof(struct seccomp_data, arch)
	OffsetInstructionPointer = 8  // offsetof(struct seccomp_data, instruction_pointer)
	OffsetArgs               = 16 // offsetof(struct seccomp_data, args); args[i] is at OffsetArgs + 8*i
)

// Numbers of what a thread experiences under seccomp.
const (
	// MaxErrno is MAX_ERRNO (include/linux/err.h): __seccomp_filter caps
	// an ERRNO's data at it, and a syscall return in [-MaxErrno, -1] is
	// an error.
	MaxErrno = 4095
	// SIGSYS is the signal of TRAP and of the kills (include/uapi/asm-generic/signal.h, x86).
	SIGSYS = 31
	// SysSeccomp is SYS_SECCOMP, the si_code of seccomp's SIGSYS
	// (include/uapi/asm-generic/siginfo.h).
	SysSeccomp = 1
)

// ReturnErrno is the errno of a syscall's return value ret: -ret when ret
// is in [-MaxErrno, -1], else 0.
func ReturnErrno(ret int64) Errno {
	if ret < 0 && ret >= -MaxErrno {
		return Errno(-ret)
	}
	return 0
}
