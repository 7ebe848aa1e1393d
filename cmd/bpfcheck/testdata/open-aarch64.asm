; open does not exist on aarch64 (include/uapi/asm-generic/unistd.h)
	ld [4]
	jne #AUDIT_ARCH_AARCH64, kill
	ld [0]
	jeq #__NR_open, deny, allow
deny:	ret #SECCOMP_RET_ERRNO|EPERM
allow:	ret #SECCOMP_RET_ALLOW
kill:	ret #SECCOMP_RET_KILL_PROCESS
