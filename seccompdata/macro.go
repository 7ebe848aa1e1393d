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
	// include/uapi/linux/audit.h (abi.go).
	case "AUDIT_ARCH_X86_64":
		return AuditArchX86_64, true
	case "AUDIT_ARCH_I386":
		return AuditArchI386, true
	case "AUDIT_ARCH_AARCH64":
		return AuditArchAArch64, true
	case "AUDIT_ARCH_ARM":
		return AuditArchARM, true
	case "AUDIT_ARCH_ARMEB":
		return AuditArchARMEB, true
	case "AUDIT_ARCH_RISCV64":
		return AuditArchRISCV64, true
	case "AUDIT_ARCH_RISCV32":
		return AuditArchRISCV32, true
	case "AUDIT_ARCH_S390X":
		return AuditArchS390X, true
	case "AUDIT_ARCH_S390":
		return AuditArchS390, true
	case "AUDIT_ARCH_PPC64LE":
		return AuditArchPPC64LE, true
	case "AUDIT_ARCH_PPC64":
		return AuditArchPPC64, true
	case "AUDIT_ARCH_PPC":
		return AuditArchPPC, true
	case "AUDIT_ARCH_MIPS":
		return AuditArchMIPS, true
	case "AUDIT_ARCH_MIPSEL":
		return AuditArchMIPSEL, true
	case "AUDIT_ARCH_MIPS64":
		return AuditArchMIPS64, true
	case "AUDIT_ARCH_MIPSEL64":
		return AuditArchMIPSEL64, true
	case "AUDIT_ARCH_MIPS64N32":
		return AuditArchMIPS64N32, true
	case "AUDIT_ARCH_MIPSEL64N32":
		return AuditArchMIPSEL64N32, true
	case "AUDIT_ARCH_LOONGARCH64":
		return AuditArchLoongArch64, true
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
