//go:build linux && amd64

#include "textflag.h"

// The raw evaluator (raw_linux_amd64.go explains why it exists). Offsets
// into rawJob; TestRawJobLayout checks them against the Go struct.
#define J_FLAGS 0
#define J_N 8
#define J_START 16
#define J_NSITES 24
#define J_FPROG 32
#define J_REGS 40
#define J_RESULTS 48
#define J_EVALSTACK 56
#define J_KEEPERSTACK 64
#define J_RLIMIT 72
#define J_EVALTID 88
#define J_INSTALLED 96
#define J_INSTALLRET 104
#define J_CURRENT 112
#define J_DONE 120
#define J_RCX 128
#define J_GOFLAG 168
#define J_NAME 176
#define J_PARENT 192

#define RAW_COMPAT 1
#define RAW_NOFILTER 2

#define SYS_clone 56
#define SYS_getppid 110
#define SYS_prctl 157
#define SYS_futex 202
#define SYS_exit_group 231
#define SYS_prlimit64 302
#define SYS_seccomp 317

// The keeper's exit status (exit_group), which tells the caller how the
// run ended.
#define EXIT_THREAD_GONE 1
#define EXIT_NO_THREAD 3
#define EXIT_ORPHAN 4

// CLONE_VM|CLONE_FS|CLONE_FILES and no exit signal: a process of its own
// (killable alone, with its own signal handlers) sharing this memory.
#define PROCESS_FLAGS 0x700
// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|
// CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID: a thread whose TID the kernel
// clears in the job when it ends.
#define THREAD_FLAGS 0x350f00

// func rawSpawn(job *rawJob) (pid int64)
//
// Starts the raw evaluator for job and returns its PID, or -errno. The new
// process runs only the code below, never Go code, with every signal
// blocked (the caller blocks them before calling). Its first thread, the
// keeper, sets PR_SET_PDEATHSIG, its name and RLIMIT_CORE = 1, and starts
// the evaluating thread. That thread waits for job.goFlag (the caller
// keeps evaluators started ahead of need), sets no_new_privs, installs the
// filter (unless RAW_NOFILTER), then for each input from job.start issues
// the syscall from one or three sites (job.nsites), records RAX and, for
// SYSCALL, RCX (the address after the SYSCALL, which calibration reads),
// and at the end sets job.done and spins until the caller kills the
// process: it cannot even sleep, since the filter answers every syscall it
// makes. The keeper, unfiltered, sleeps on job.evalTid, a futex the kernel
// clears and wakes when the evaluating thread ends (CLONE_CHILD_CLEARTID):
// a division by X == 0 in the filter ends that thread alone
// (SECCOMP_RET_KILL_THREAD while the keeper lives: do_exit,
// __seccomp_filter in kernel/seccomp.c). The keeper then ends the process
// with EXIT_THREAD_GONE, which the caller sees at once through a pidfd.
//
// The sites are aligned so that the address after site s is 20, 8 and 0
// modulo 32 (pieceShift): PCALIGN $32, then padding, then the 2-byte
// SYSCALL or INT $0x80.
TEXT ·rawSpawn(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ job+0(FP), R12
	MOVQ $PROCESS_FLAGS, DI
	MOVQ J_KEEPERSTACK(R12), SI
	XORQ DX, DX
	XORQ R10, R10
	XORQ R8, R8
	MOVQ $SYS_clone, AX
	SYSCALL
	CMPQ AX, $0
	JEQ keeper
	MOVQ AX, pid+8(FP)
	RET

keeper:
	MOVQ $SYS_prctl, AX
	MOVQ $1, DI // PR_SET_PDEATHSIG
	MOVQ $9, SI // SIGKILL
	SYSCALL
	// A parent that ended before the prctl sends no signal: look.
	MOVQ $SYS_getppid, AX
	SYSCALL
	CMPQ AX, J_PARENT(R12)
	JEQ named
	MOVQ $SYS_exit_group, AX
	MOVQ $EXIT_ORPHAN, DI
	SYSCALL
named:
	MOVQ $SYS_prctl, AX
	MOVQ $15, DI // PR_SET_NAME: job.name, for ps
	LEAQ J_NAME(R12), SI
	SYSCALL
	MOVQ $SYS_prlimit64, AX
	XORQ DI, DI
	MOVQ $4, SI // RLIMIT_CORE
	LEAQ J_RLIMIT(R12), DX
	XORQ R10, R10
	SYSCALL
	MOVQ $THREAD_FLAGS, DI
	MOVQ J_EVALSTACK(R12), SI
	LEAQ J_EVALTID(R12), DX
	LEAQ J_EVALTID(R12), R10
	XORQ R8, R8
	MOVQ $SYS_clone, AX
	SYSCALL
	CMPQ AX, $0
	JEQ evaluator
	JGT watch
	MOVQ AX, J_INSTALLRET(R12)
	MOVQ $SYS_exit_group, AX
	MOVQ $EXIT_NO_THREAD, DI
	SYSCALL
watch:
	// Sleep while job.evalTid holds the TID; a value read as 0 means the
	// thread has ended, and waiting for 0 to change would be for ever.
	MOVL J_EVALTID(R12), DX
	CMPL DX, $0
	JEQ gone
	MOVQ $SYS_futex, AX
	LEAQ J_EVALTID(R12), DI
	XORQ SI, SI // FUTEX_WAIT, shared: the kernel's wake at thread exit is shared
	XORQ R10, R10 // no timeout
	XORQ R8, R8
	XORQ R9, R9
	SYSCALL
	JMP watch
gone:
	MOVQ $SYS_exit_group, AX
	MOVQ $EXIT_THREAD_GONE, DI
	SYSCALL
	JMP gone

evaluator:
	// Wait, unfiltered, for the job: the caller sets job.goFlag and wakes
	// it (FUTEX_WAKE).
	CMPQ J_GOFLAG(R12), $0
	JNE run
	MOVQ $SYS_futex, AX
	LEAQ J_GOFLAG(R12), DI
	XORQ SI, SI // FUTEX_WAIT
	XORQ DX, DX // while it is 0
	XORQ R10, R10
	XORQ R8, R8
	XORQ R9, R9
	SYSCALL
	JMP evaluator
run:
	MOVQ $SYS_prctl, AX
	MOVQ $38, DI // PR_SET_NO_NEW_PRIVS
	MOVQ $1, SI
	XORQ DX, DX
	XORQ R10, R10
	XORQ R8, R8
	SYSCALL
	MOVQ J_FLAGS(R12), AX
	TESTQ $RAW_NOFILTER, AX
	JNE start
	MOVQ $SYS_seccomp, AX
	MOVQ $1, DI // SECCOMP_SET_MODE_FILTER
	XORQ SI, SI
	MOVQ J_FPROG(R12), DX
	SYSCALL
	MOVQ AX, J_INSTALLRET(R12)
	MOVQ $1, J_INSTALLED(R12)
	CMPQ AX, $0
	JNE finish
start:
	MOVQ J_START(R12), R13
loop:
	CMPQ R13, J_N(R12)
	JAE finish
	MOVQ R13, J_CURRENT(R12)
	MOVQ R13, R14
	IMULQ $56, R14
	ADDQ J_REGS(R12), R14
	MOVQ R13, R15
	IMULQ $24, R15
	ADDQ J_RESULTS(R12), R15
	MOVQ J_FLAGS(R12), AX
	TESTQ $RAW_COMPAT, AX
	JNE compat
	MOVQ 8(R14), DI
	MOVQ 16(R14), SI
	MOVQ 24(R14), DX
	MOVQ 32(R14), R10
	MOVQ 40(R14), R8
	MOVQ 48(R14), R9
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	SYSCALL // site 0: next address is 20 mod 32
	MOVQ AX, 0(R15)
	MOVQ CX, (J_RCX+0)(R12)
	CMPQ J_NSITES(R12), $1
	JEQ next
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	SYSCALL // site 1: 8 mod 32
	MOVQ AX, 8(R15)
	MOVQ CX, (J_RCX+8)(R12)
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	SYSCALL // site 2: 0 mod 32
	MOVQ AX, 16(R15)
	MOVQ CX, (J_RCX+16)(R12)
	JMP next
compat:
	// i386 registers: EAX nr; EBX, ECX, EDX, ESI, EDI, EBP args, read
	// whole by the kernel (syscall_get_arguments,
	// arch/x86/include/asm/syscall.h). INT $0x80 keeps every other
	// register (R12 to R15 included).
	MOVQ 8(R14), BX
	MOVQ 16(R14), CX
	MOVQ 24(R14), DX
	MOVQ 32(R14), SI
	MOVQ 40(R14), DI
	MOVQ 48(R14), BP
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	INT $0x80 // site 0
	MOVQ AX, 0(R15)
	CMPQ J_NSITES(R12), $1
	JEQ next
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	INT $0x80 // site 1
	MOVQ AX, 8(R15)
	MOVQ 0(R14), AX
	PCALIGN $32
	BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90; BYTE $0x90
	INT $0x80 // site 2
	MOVQ AX, 16(R15)
next:
	INCQ R13
	JMP loop
finish:
	MOVQ $1, J_DONE(R12)
spin: // until the caller's SIGKILL: every syscall is the filter's now
	PAUSE
	JMP spin

// func stubInt80(regs *stubRegs) (r uintptr)
//
// Issues one i386 syscall through INT $0x80 with EAX = regs.nr and the six
// arguments in RBX, RCX, RDX, RSI, RDI, RBP: the IA-32 probe's first stage
// (probeInt80), in a helper where a fault is recoverable. RBP is Go's
// frame pointer: it is kept in R12, which int $0x80 preserves, around the
// INT. Where IA-32 emulation is off this raises SIGSEGV.
TEXT ·stubInt80(SB),NOSPLIT,$0-16
	MOVQ BP, R12
	MOVQ regs+0(FP), R11
	MOVQ 8(R11), BX
	MOVQ 16(R11), CX
	MOVQ 24(R11), DX
	MOVQ 32(R11), SI
	MOVQ 40(R11), DI
	MOVQ 0(R11), AX
	MOVQ 48(R11), BP
	INT $0x80
	MOVQ R12, BP
	MOVQ AX, r+8(FP)
	RET

// func rawSpawnText() *byte
//
// Returns the address of rawSpawn's first instruction (the assembly body,
// not a Go ABI wrapper), so that rawInt80Sites can read its code.
TEXT ·rawSpawnText(SB),NOSPLIT,$0-8
	MOVQ $·rawSpawn(SB), AX
	MOVQ AX, ret+0(FP)
	RET
