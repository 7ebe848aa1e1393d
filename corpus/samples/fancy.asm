; fancy: a label-based allow-list with 64-bit argument checks, in the style
; of the helper macros of the kernel's samples/seccomp/bpf-helper.h as used
; by samples/seccomp/bpf-fancy.c, re-expressed for x86_64 in bpf_asm syntax.
; ARG(i) stores the low half of args[i] in M[0] and the high half in M[1]
; (and A); each 64-bit test compares the high half first, then swaps in the
; low half. DENY is SECCOMP_RET_KILL (KILL_THREAD).
;
; The addresses stand for the sample's buffers: buf = 0x7ffd0000f000
; (256 bytes), msg1 = 0x402010 ("Please type something: ", 24 bytes with
; NUL), msg2 = 0x402028 ("You typed: ", 12 bytes with NUL).

	ld [0]				; LOAD_SYSCALL_NR
	jeq #60, allow			; SYSCALL(__NR_exit, ALLOW)
	jeq #231, allow			; SYSCALL(__NR_exit_group, ALLOW)
	jeq #1, write_fd		; SYSCALL(__NR_write, JUMP(write_fd))
	jeq #0, read			; SYSCALL(__NR_read, JUMP(read))
	ret #0				; DENY

read:					; ARG(0); JNE(STDIN_FILENO, DENY)
	ld [16]
	st M[0]
	ld [20]
	st M[1]
	jeq #0, read_fd_lo, deny
read_fd_lo:
	ld M[0]
	jeq #0, read_buf, deny
read_buf:				; ARG(1); JNE(buf, DENY)
	ld [24]
	st M[0]
	ld [28]
	st M[1]
	jeq #0x7ffd, read_buf_lo, deny
read_buf_lo:
	ld M[0]
	jeq #0x0000f000, read_len, deny
read_len:				; ARG(2); JGE(sizeof(buf), DENY)
	ld [32]
	st M[0]
	ld [36]
	st M[1]
	jgt #0, deny			; hi > 0: len >= 256
	jeq #0, read_len_lo, allow
read_len_lo:
	ld M[0]
	jge #256, deny, allow

write_fd:				; ARG(0); JEQ(STDOUT) or JEQ(STDERR)
	ld [16]
	st M[0]
	ld [20]
	st M[1]
	jeq #0, write_fd_lo, deny
write_fd_lo:
	ld M[0]
	jeq #1, write_buf
	jeq #2, write_buf, deny

write_buf:				; ARG(1); which buffer is written?
	ld [24]
	st M[0]
	ld [28]
	st M[1]
	jeq #0, write_low_buf
	jeq #0x7ffd, write_stack_buf, deny
write_low_buf:
	ld M[0]
	jeq #0x402010, msg1_len
	jeq #0x402028, msg2_len, deny
write_stack_buf:
	ld M[0]
	jeq #0x0000f000, buf_len, deny

msg1_len:				; ARG(2); JLT(sizeof(msg1), ALLOW)
	ld [32]
	st M[0]
	ld [36]
	st M[1]
	jeq #0, msg1_len_lo, deny
msg1_len_lo:
	ld M[0]
	jlt #24, allow
	ret #0

msg2_len:				; ARG(2); JLT(sizeof(msg2), ALLOW)
	ld [32]
	st M[0]
	ld [36]
	st M[1]
	jeq #0, msg2_len_lo, deny
msg2_len_lo:
	ld M[0]
	jlt #12, allow
	ret #0

buf_len:				; ARG(2); JLT(sizeof(buf), ALLOW)
	ld [32]
	st M[0]
	ld [36]
	st M[1]
	jeq #0, buf_len_lo, deny
buf_len_lo:
	ld M[0]
	jlt #256, allow
deny:
	ret #0				; SECCOMP_RET_KILL
allow:
	ret #0x7fff0000			; SECCOMP_RET_ALLOW
