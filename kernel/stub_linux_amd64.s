//go:build linux && amd64

#include "textflag.h"

// func stubSyscall(site uintptr, regs *stubRegs) (r uintptr, next uintptr)
//
// Issues one syscall with RAX = regs.nr and the six arguments in RDI, RSI,
// RDX, R10, R8, R9, from one of four SYSCALL instructions chosen by site
// (0..3). The evaluation filter tells the four apart by
// seccomp_data.instruction_pointer, which is the address right after the
// SYSCALL (populate_seccomp_data, kernel/seccomp.c: KSTK_EIP). next is RCX
// after the call: the SYSCALL instruction stores the return address there,
// which is how the oracle learns the four addresses.
TEXT ·stubSyscall(SB),NOSPLIT,$0-32
	MOVQ regs+8(FP), R11
	MOVQ 8(R11), DI
	MOVQ 16(R11), SI
	MOVQ 24(R11), DX
	MOVQ 32(R11), R10
	MOVQ 40(R11), R8
	MOVQ 48(R11), R9
	MOVQ 0(R11), AX
	MOVQ site+0(FP), CX
	CMPQ CX, $0
	JEQ s0
	CMPQ CX, $1
	JEQ s1
	CMPQ CX, $2
	JEQ s2
	SYSCALL
	MOVQ AX, r+16(FP)
	MOVQ CX, next+24(FP)
	RET
s0:
	SYSCALL
	MOVQ AX, r+16(FP)
	MOVQ CX, next+24(FP)
	RET
s1:
	SYSCALL
	MOVQ AX, r+16(FP)
	MOVQ CX, next+24(FP)
	RET
s2:
	SYSCALL
	MOVQ AX, r+16(FP)
	MOVQ CX, next+24(FP)
	RET

// func stubInt80(site uintptr, regs *stubRegs) (r uintptr)
//
// Issues one i386 syscall through INT $0x80 with EAX = regs.nr and the six
// arguments in RBX, RCX, RDX, RSI, RDI, RBP, from one of four INT $0x80
// instructions chosen by site (0..3). The kernel reports
// instruction_pointer = the address right after the INT (the return
// address the interrupt pushes), arch = AUDIT_ARCH_I386 and the full
// 64-bit registers as args (do_int80_emulation, arch/x86/entry/common.c;
// syscall_get_arch and syscall_get_arguments,
// arch/x86/include/asm/syscall.h). The oracle finds the four addresses by
// reading this code (int80Sites): the INTs must stay exactly four, in site
// order, and no other instruction here may contain the bytes cd 80.
//
// RBP is Go's frame pointer: it is saved in R12 (which int $0x80 preserves
// even on kernels that clobbered R8-R11) and restored right after the INT.
// Run this only where the oracle's probe found that int $0x80 works: where
// IA-32 emulation is off it raises SIGSEGV.
TEXT ·stubInt80(SB),NOSPLIT,$0-24
	MOVQ BP, R12
	MOVQ regs+8(FP), R11
	MOVQ 8(R11), BX
	MOVQ 16(R11), CX
	MOVQ 24(R11), DX
	MOVQ 32(R11), SI
	MOVQ 40(R11), DI
	MOVQ 0(R11), AX
	MOVQ site+0(FP), R13
	CMPQ R13, $0
	JEQ i0
	CMPQ R13, $1
	JEQ i1
	CMPQ R13, $2
	JEQ i2
	JMP i3
i0:
	MOVQ 48(R11), BP
	INT $0x80
	MOVQ R12, BP
	MOVQ AX, r+16(FP)
	RET
i1:
	MOVQ 48(R11), BP
	INT $0x80
	MOVQ R12, BP
	MOVQ AX, r+16(FP)
	RET
i2:
	MOVQ 48(R11), BP
	INT $0x80
	MOVQ R12, BP
	MOVQ AX, r+16(FP)
	RET
i3:
	MOVQ 48(R11), BP
	INT $0x80
	MOVQ R12, BP
	MOVQ AX, r+16(FP)
	RET

// func stubInt80Text() *byte
//
// Returns the address of stubInt80's first instruction (the assembly body,
// not a Go ABI wrapper), so that int80Sites can read its code.
TEXT ·stubInt80Text(SB),NOSPLIT,$0-8
	MOVQ $·stubInt80(SB), AX
	MOVQ AX, ret+0(FP)
	RET
