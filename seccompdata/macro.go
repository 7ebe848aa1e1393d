package seccompdata

// MacroValue resolves a C macro name that appears in seccomp filters written
// as C initialisers to its value: SECCOMP_RET_*, AUDIT_ARCH_*, __NR_*
// (x86_64 numbers) and errno names such as EPERM.
//
// STUB: completed by the seccompdata work.
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
	case "AUDIT_ARCH_X86_64":
		return 0xc000003e, true
	}
	return 0, false
}
