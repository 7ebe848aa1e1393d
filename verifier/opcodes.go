package verifier

import "github.com/bpfsim/bpfsim/program"

// The kernel's opcode whitelists. The kernel compares whole 16-bit codes,
// never decoded fields, so a code with an unused bit set is invalid even
// when its fields name a real operation.

// opcodeTable is the one list of opcodes the kernel accepts: the 49 codes
// of the table in chk_code_allowed (net/core/filter.c), each marked with
// whether seccomp_check_filter (kernel/seccomp.c) lets it through as well.
// Seccomp takes its explicit list plus the three codes it rewrites (ld [k],
// ld #len, ldx #len): 41 codes, with mod absent and xor present.
//
// The order is by class, then as program declares the opcodes (neg after
// the binary ALU operations); ClassicOpcodes and SeccompOpcodes return it,
// and generators that index these lists with random numbers rely on it
// staying put. Read-only.
var opcodeTable = [...]struct {
	op      program.Opcode
	seccomp bool
}{
	{program.LdImm, true},
	{program.LdAbsW, true}, // offset checked separately (RuleSeccompLoad)
	{program.LdAbsH, false},
	{program.LdAbsB, false},
	{program.LdIndW, false},
	{program.LdIndH, false},
	{program.LdIndB, false},
	{program.LdMem, true},
	{program.LdLen, true}, // becomes ld #64
	{program.LdxImm, true},
	{program.LdxMem, true},
	{program.LdxLen, true}, // becomes ldx #64
	{program.LdxMsh, false},
	{program.St, true},
	{program.Stx, true},
	{program.AddK, true}, {program.AddX, true},
	{program.SubK, true}, {program.SubX, true},
	{program.MulK, true}, {program.MulX, true},
	{program.DivK, true}, {program.DivX, true},
	{program.OrK, true}, {program.OrX, true},
	{program.AndK, true}, {program.AndX, true},
	{program.LshK, true}, {program.LshX, true},
	{program.RshK, true}, {program.RshX, true},
	{program.ModK, false}, {program.ModX, false},
	{program.XorK, true}, {program.XorX, true},
	{program.Neg, true},
	{program.Ja, true},
	{program.JeqK, true}, {program.JeqX, true},
	{program.JgtK, true}, {program.JgtX, true},
	{program.JgeK, true}, {program.JgeX, true},
	{program.JsetK, true}, {program.JsetX, true},
	{program.RetK, true},
	{program.RetA, true},
	{program.Tax, true},
	{program.Txa, true},
}

// Bits of opcodeSets.
const (
	inClassic = 1 << iota
	inSeccomp
)

// opcodeSets indexes opcodeTable by code, as the kernel's codes[] array
// is, so that the per-instruction check is one load. It is computed once
// from opcodeTable and read-only after.
var opcodeSets = func() (sets [256]uint8) {
	for _, e := range opcodeTable {
		sets[e.op] |= inClassic
		if e.seccomp {
			sets[e.op] |= inSeccomp
		}
	}
	return sets
}()

// ClassicAllows reports whether op is in the kernel's classic BPF
// whitelist (chk_code_allowed, net/core/filter.c), which socket filters
// and seccomp filters both pass first. It is false for any code with a bit
// set outside the low byte.
func ClassicAllows(op program.Opcode) bool {
	return op < 256 && opcodeSets[op]&inClassic != 0
}

// SeccompAllows reports whether op may appear in a seccomp filter: it is
// in the classic whitelist and seccomp_check_filter (kernel/seccomp.c)
// lets it through. The kernel still checks the operands: "ld [k]"
// (program.LdAbsW) must load an aligned word of seccomp_data.
func SeccompAllows(op program.Opcode) bool {
	return op < 256 && opcodeSets[op]&inSeccomp != 0
}

// ClassicOpcodes returns the 49 opcodes ClassicAllows accepts, by class.
// The order is stable. The slice is new on each call.
func ClassicOpcodes() []program.Opcode {
	out := make([]program.Opcode, 0, len(opcodeTable))
	for _, e := range opcodeTable {
		out = append(out, e.op)
	}
	return out
}

// SeccompOpcodes returns the 41 opcodes SeccompAllows accepts, in the
// order of ClassicOpcodes. The slice is new on each call.
func SeccompOpcodes() []program.Opcode {
	var out []program.Opcode
	for _, e := range opcodeTable {
		if e.seccomp {
			out = append(out, e.op)
		}
	}
	return out
}
