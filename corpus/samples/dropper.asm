; dropper: the kernel's samples/seccomp/dropper.c, re-expressed in bpf_asm
; syntax with its three parameters fixed: on x86_64 (AUDIT_ARCH_X86_64),
; getppid (nr 110) fails with ERRNO(EPERM); everything else is allowed,
; including every call from another arch.

	ld [4]				; seccomp_data.arch
	jeq #0xc000003e, check_nr, allow
check_nr:
	ld [0]				; seccomp_data.nr
	jeq #110, drop, allow
drop:
	ret #0x00050001			; SECCOMP_RET_ERRNO | EPERM
allow:
	ret #0x7fff0000			; SECCOMP_RET_ALLOW
