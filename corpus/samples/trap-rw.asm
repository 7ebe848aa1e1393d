; trap-rw: the "emulate in a SIGSYS handler" pattern of the kernel's
; samples/seccomp/bpf-direct.c, re-expressed for x86_64 in bpf_asm syntax.
; read(2) and write(2) are trapped: the kernel skips them and sends SIGSYS
; with si_errno = the TRAP data, so a handler can do the work itself (the
; data tells it which call it is). Everything else on x86_64 is allowed; a
; call from any other arch, or an x32 call, is killed.

	ld [4]				; seccomp_data.arch
	jne #0xc000003e, kill		; AUDIT_ARCH_X86_64
	ld [0]				; seccomp_data.nr
	jge #0x40000000, kill		; x32 numbers carry bit 30
	jeq #0, trap_read		; read
	jeq #1, trap_write		; write
	ret #0x7fff0000			; SECCOMP_RET_ALLOW
trap_read:
	ret #0x00030000			; SECCOMP_RET_TRAP | 0
trap_write:
	ret #0x00030001			; SECCOMP_RET_TRAP | 1
kill:
	ret #0x80000000			; SECCOMP_RET_KILL_PROCESS
