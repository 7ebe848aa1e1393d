package program

import "math/bits"

// SwapByteOrder returns p as it reads in the other byte order: each code
// and k byte-swapped, jt and jf as they are. A raw big-endian file read as
// little-endian gives back the program it holds, and the reverse.
func SwapByteOrder(p Program) Program {
	q := make(Program, len(p))
	for i, ins := range p {
		q[i] = Instruction{Op: bits.ReverseBytes16(ins.Op), Jt: ins.Jt, Jf: ins.Jf, K: bits.ReverseBytes32(ins.K)}
	}
	return q
}

// LooksBigEndian reports whether p, read from a raw file in one byte order,
// looks like a program written in the other: p has a code no classic BPF
// instruction has (one without a bpf_asm form, such as 0x2000), while
// SwapByteOrder(p) has only codes bpf_asm knows and ends in a return. A raw
// program read as little-endian from a big-endian file always has such a
// code: every code but 0 (ld #k) becomes one with its high byte set.
//
// Detection never guesses the byte order, and this package does not know
// what the kernel accepts: a caller that gets true should check
// SwapByteOrder(p) with the verifier and, if the kernel would accept it,
// suggest reading the file as big-endian (--big-endian).
func LooksBigEndian(p Program) bool {
	if len(p) == 0 {
		return false
	}
	known := func(op uint16) bool {
		_, ok := writeForm(Opcode(op), numOperands)
		return ok
	}
	plausible := true
	for _, ins := range p {
		if !known(ins.Op) {
			plausible = false
			break
		}
	}
	if plausible {
		return false
	}
	for _, ins := range p {
		if !known(bits.ReverseBytes16(ins.Op)) {
			return false
		}
	}
	last := Opcode(bits.ReverseBytes16(p[len(p)-1].Op))
	return last == RetK || last == RetA
}
