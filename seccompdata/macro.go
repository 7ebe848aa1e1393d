package seccompdata

import "strings"

// MacroValue resolves a C macro name that appears in seccomp filters written
// as C initialisers to its value:
//
//   - SECCOMP_RET_* actions and the masks SECCOMP_RET_ACTION_FULL,
//     SECCOMP_RET_ACTION and SECCOMP_RET_DATA (include/uapi/linux/seccomp.h);
//   - AUDIT_ARCH_* for every arch in Arches and for RISCV32, S390, PPC,
//     ARMEB, MIPS64N32 and MIPSEL64N32 (include/uapi/linux/audit.h);
//   - __X32_SYSCALL_BIT;
//   - __NR_<name> and SYS_<name>, resolved on x86_64 (use
//     Arch.SyscallNumber for another arch);
//   - errno names in upper case (EPERM, EWOULDBLOCK), x86_64 numbering.
//
// Names are case-sensitive, as in C, except the part after __NR_ or SYS_.
func MacroValue(name string) (uint32, bool) {
	switch name {
	case "SECCOMP_RET_KILL_PROCESS":
		return uint32(ActKillProcess), true
	case "SECCOMP_RET_KILL_THREAD", "SECCOMP_RET_KILL":
		return uint32(ActKillThread), true
	case "SECCOMP_RET_TRAP":
		return uint32(ActTrap), true
	case "SECCOMP_RET_ERRNO":
		return uint32(ActErrno), true
	case "SECCOMP_RET_USER_NOTIF":
		return uint32(ActUserNotif), true
	case "SECCOMP_RET_TRACE":
		return uint32(ActTrace), true
	case "SECCOMP_RET_LOG":
		return uint32(ActLog), true
	case "SECCOMP_RET_ALLOW":
		return uint32(ActAllow), true
	case "SECCOMP_RET_ACTION_FULL":
		return ActionFullMask, true
	case "SECCOMP_RET_ACTION":
		return ActionLegacyMask, true
	case "SECCOMP_RET_DATA":
		return DataMask, true
	case "__X32_SYSCALL_BIT":
		return X32SyscallBit, true
	// include/uapi/linux/audit.h: EM_* | __AUDIT_ARCH_64BIT 0x80000000 |
	// __AUDIT_ARCH_LE 0x40000000 (| __AUDIT_ARCH_CONVENTION_MIPS64_N32).
	case "AUDIT_ARCH_X86_64":
		return 0xc000003e, true
	case "AUDIT_ARCH_I386":
		return 0x40000003, true
	case "AUDIT_ARCH_AARCH64":
		return 0xc00000b7, true
	case "AUDIT_ARCH_ARM":
		return 0x40000028, true
	case "AUDIT_ARCH_ARMEB":
		return 0x00000028, true
	case "AUDIT_ARCH_RISCV64":
		return 0xc00000f3, true
	case "AUDIT_ARCH_RISCV32":
		return 0x400000f3, true
	case "AUDIT_ARCH_S390X":
		return 0x80000016, true
	case "AUDIT_ARCH_S390":
		return 0x00000016, true
	case "AUDIT_ARCH_PPC64LE":
		return 0xc0000015, true
	case "AUDIT_ARCH_PPC64":
		return 0x80000015, true
	case "AUDIT_ARCH_PPC":
		return 0x00000014, true
	case "AUDIT_ARCH_MIPS":
		return 0x00000008, true
	case "AUDIT_ARCH_MIPSEL":
		return 0x40000008, true
	case "AUDIT_ARCH_MIPS64":
		return 0x80000008, true
	case "AUDIT_ARCH_MIPSEL64":
		return 0xc0000008, true
	case "AUDIT_ARCH_MIPS64N32":
		return 0xa0000008, true
	case "AUDIT_ARCH_MIPSEL64N32":
		return 0xe0000008, true
	case "AUDIT_ARCH_LOONGARCH64":
		return 0xc0000102, true
	}
	if strings.HasPrefix(name, "__NR_") || strings.HasPrefix(name, "SYS_") {
		nr, ok := archTable[0].SyscallNumber(name)
		return uint32(nr), ok
	}
	if len(name) > 1 && name[0] == 'E' && name == strings.ToUpper(name) {
		n, ok := archTable[0].ErrnoByName(name)
		return uint32(n), ok
	}
	return 0, false
}
