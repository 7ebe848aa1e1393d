; The three ABIs of an x86_64 kernel in one filter: native x86_64, x32 (arch
; AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT in nr) and i386 (arch
; AUDIT_ARCH_I386). execve is killed on all three; openat is allowed only
; relative to the working directory (dirfd AT_FDCWD, -100); x32 read is
; allowed and any other x32 call fails with ENOSYS. Numbers from
; arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl.

	ld [4]
	jeq #0xc000003e, x86_64
	jeq #0x40000003, i386
	ret #0x80000000
x86_64:
	ld [0]
	jge #0x40000000, x32
	jeq #59, kill			; execve
	jeq #257, openat		; openat
	ret #0x7fff0000
x32:
	jeq #0x40000000, allow		; x32 read
	jeq #0x40000208, kill		; x32 execve (520)
	jeq #0x40000101, openat		; x32 openat (257)
	ret #0x50026
i386:
	ld [0]
	jeq #11, kill			; i386 execve
	jeq #295, openat		; i386 openat
	ret #0x7fff0000
openat:
	ld [16]				; dirfd
	jeq #0xffffff9c, allow
	ret #0x50001
allow:
	ret #0x7fff0000
kill:
	ret #0x80000000
