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
