// Package program holds classic BPF programs and reads and writes them in the
// formats people keep them in: raw struct sock_filter arrays, the kernel's
// bpf_asm text, C initialisers, and the tcpdump -ddd and "N,code jt jf k,..."
// forms.
//
// Decode (or ReadFile) reads a program in any of these formats, detecting the
// format unless told (see Detect), exactly as written or not at all: a
// constant that does not fit its field, a label defined twice or a byte that
// is not text is an error, never a silent truncation. DecodeSource (or
// ReadSource) also returns what the text says besides the instructions: the
// arch its syscall and errno names were read for, the author's labels and
// the line of each instruction. Encode writes a program; Disassemble writes
// bpf_asm text with labels that assembles back to the identical program, but
// for fields the kernel ignores, which it writes in comments (IgnoredBits).
// DisassembleAnnotated writes the same text with comments that say what a
// seccomp filter's instructions read, compare and return ("nr", "openat",
// "AUDIT_ARCH_X86_64", "ERRNO(1) EPERM"), from a forward dataflow over the
// program (Annotate).
// Errors from decoding are *DecodeError values carrying the file name, the
// line or byte offset and the pc; errors from encoding are *EncodeError
// values carrying the instruction index. Nothing here checks whether the
// kernel would accept a program: that is the verifier package's job (see
// LooksBigEndian for a question only the verifier can finish).
package program

import (
	"golang.org/x/net/bpf"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Instruction is one struct sock_filter: a 16-bit code, two 8-bit jump
// offsets and a 32-bit constant. It is x/net/bpf's raw instruction, so
// programs pass to and from that package without conversion.
type Instruction = bpf.RawInstruction

// Program is a classic BPF program, in the order the kernel runs it.
type Program []Instruction

// Stmt returns a non-jump instruction, like the BPF_STMT macro.
func Stmt(op Opcode, k uint32) Instruction { return Instruction{Op: uint16(op), K: k} }

// Jump returns a jump instruction, like the BPF_JUMP macro.
func Jump(op Opcode, k uint32, jt, jf uint8) Instruction {
	return Instruction{Op: uint16(op), Jt: jt, Jf: jf, K: k}
}

// ReadsInstructionPointer reports whether p loads a word of a seccomp
// filter's seccomp_data.instruction_pointer (ld [8] or ld [12]).
func ReadsInstructionPointer(p Program) bool {
	const ip = seccompdata.OffsetInstructionPointer
	for _, ins := range p {
		if Opcode(ins.Op) == LdAbsW && (ins.K == ip || ins.K == ip+4) {
			return true
		}
	}
	return false
}
