package program

// The bpf_asm mnemonic table. The reader (asm.go) and the writer
// (disasm.go) both work from it, so what one writes the other reads.

// operand is how an instruction's operand is written in bpf_asm: the
// addressing mode of a grammar rule of tools/bpf/bpf_exp.y.
type operand uint8

const (
	argNone     operand = iota // nothing (neg, tax, txa); k = 0
	argImm                     // #k
	argImmBare                 // #k or k (ldi, ldxi)
	argLen                     // #len or len; k = 0
	argExt                     // an extension name, with or without "#"; k = SKF_AD_OFF + its offset
	argAbs                     // [k]
	argInd                     // [x + k] or [%x + k]
	argMem                     // M[k]
	argMsh                     // 4*([k]&0xf)
	argX                       // x or %x; k = 0
	argA                       // a or %a; k = 0
	argLabel                   // a label L; k = L - pc - 1, wrapped to 32 bits
	argJump                    // #k, Lt[, Lf]; jt = Lt - pc - 1, jf likewise or 0
	argJumpX                   // x, Lt[, Lf]; k = 0
	argJumpNot                 // #k, Lf; jt = 0
	argJumpNotX                // x, Lf; k = 0, jt = 0
	numOperands
)

// register reports whether the operand is written as a register: x, %x,
// a or %a, alone or before a jump's labels.
func (a operand) register() bool {
	return a == argX || a == argA || a == argJumpX || a == argJumpNotX
}

// fixedK reports whether the operand leaves k at 0, so that an
// instruction with another k has no bpf_asm form.
func (a operand) fixedK() bool {
	return a == argNone || a == argLen || a == argX || a == argA || a == argJumpX || a == argJumpNotX
}

// asmForm is one grammar rule of bpf_asm: a mnemonic, the opcode it
// assembles to, and how its operand is written.
type asmForm struct {
	mnem string
	op   Opcode
	arg  operand
	// mask says that k is a bit mask, which the writer puts in hex from
	// 10 up rather than from 0x10000.
	mask bool
}

// asmForms is every rule of bpf_exp.y, with the mnemonics of bpf_exp.l
// (where "ja" and "jmp", "jne" and "jneq" are the same token). The reader
// accepts every row. The writer writes an opcode with its first row; an
// ld, ldh or ldb of a named ancillary offset with the opcode's argExt row,
// and a conditional jump whose jt alone is 0 with its first negated row
// (argJumpNot, argJumpNotX). Read-only.
var asmForms = [...]asmForm{
	{"ld", LdImm, argImm, false},
	{"ldi", LdImm, argImmBare, false},
	{"ld", LdAbsW, argAbs, false},
	{"ld", LdAbsW, argExt, false},
	{"ldh", LdAbsH, argAbs, false},
	{"ldh", LdAbsH, argExt, false},
	{"ldb", LdAbsB, argAbs, false},
	{"ldb", LdAbsB, argExt, false},
	{"ld", LdIndW, argInd, false},
	{"ldh", LdIndH, argInd, false},
	{"ldb", LdIndB, argInd, false},
	{"ld", LdMem, argMem, false},
	{"ld", LdLen, argLen, false},

	{"ldx", LdxImm, argImm, false},
	{"ldxi", LdxImm, argImmBare, false},
	{"ldx", LdxMem, argMem, false},
	{"ldx", LdxLen, argLen, false},
	{"ldxb", LdxMsh, argMsh, false},
	{"ldx", LdxMsh, argMsh, false},

	{"st", St, argMem, false},
	{"stx", Stx, argMem, false},

	{"add", AddK, argImm, false}, {"add", AddX, argX, false},
	{"sub", SubK, argImm, false}, {"sub", SubX, argX, false},
	{"mul", MulK, argImm, false}, {"mul", MulX, argX, false},
	{"div", DivK, argImm, false}, {"div", DivX, argX, false},
	{"or", OrK, argImm, true}, {"or", OrX, argX, false},
	{"and", AndK, argImm, true}, {"and", AndX, argX, false},
	{"lsh", LshK, argImm, false}, {"lsh", LshX, argX, false},
	{"rsh", RshK, argImm, false}, {"rsh", RshX, argX, false},
	{"mod", ModK, argImm, false}, {"mod", ModX, argX, false},
	{"xor", XorK, argImm, true}, {"xor", XorX, argX, false},
	{"neg", Neg, argNone, false},

	{"ja", Ja, argLabel, false},
	{"jmp", Ja, argLabel, false},
	{"jeq", JeqK, argJump, false}, {"jeq", JeqX, argJumpX, false},
	{"jne", JeqK, argJumpNot, false}, {"jne", JeqX, argJumpNotX, false},
	{"jneq", JeqK, argJumpNot, false}, {"jneq", JeqX, argJumpNotX, false},
	{"jgt", JgtK, argJump, false}, {"jgt", JgtX, argJumpX, false},
	{"jle", JgtK, argJumpNot, false}, {"jle", JgtX, argJumpNotX, false},
	{"jge", JgeK, argJump, false}, {"jge", JgeX, argJumpX, false},
	{"jlt", JgeK, argJumpNot, false}, {"jlt", JgeX, argJumpNotX, false},
	{"jset", JsetK, argJump, true}, {"jset", JsetX, argJumpX, false},

	{"ret", RetK, argImm, false},
	{"ret", RetA, argA, false},
	{"ret", RetX, argX, false},

	{"tax", Tax, argNone, false},
	{"txa", Txa, argNone, false},
}

// formIndex finds rows of asmForms without scanning the table: the rows
// of each mnemonic, and for each opcode and operand the first row (1 +
// its index, 0 for none), with writer[op] the opcode's first row of all.
// It is computed once from asmForms and read-only after.
var formIndex = func() (ix struct {
	byMnem map[string][]asmForm
	byOp   [256][numOperands]uint16
	writer [256]uint16
}) {
	ix.byMnem = map[string][]asmForm{}
	for i, f := range asmForms {
		ix.byMnem[f.mnem] = append(ix.byMnem[f.mnem], f)
		if ix.byOp[f.op][f.arg] == 0 {
			ix.byOp[f.op][f.arg] = uint16(i + 1)
		}
		if ix.writer[f.op] == 0 {
			ix.writer[f.op] = uint16(i + 1)
		}
	}
	return ix
}()

// isMnemonic reports whether w, in lower case, is a bpf_asm mnemonic.
func isMnemonic(w string) bool {
	_, ok := formIndex.byMnem[w]
	return ok
}

// formsOf returns the rows of mnemonic mnem, in table order. The slice
// belongs to the index: callers must not change it.
func formsOf(mnem string) []asmForm { return formIndex.byMnem[mnem] }

// formFor returns the first row of mnemonic mnem whose operand is arg.
func formFor(mnem string, arg operand) (asmForm, bool) {
	for _, f := range formsOf(mnem) {
		if f.arg == arg {
			return f, true
		}
	}
	return asmForm{}, false
}

// writeForm returns the row the writer uses for op, or false if bpf_asm
// has no form for it; with arg other than numOperands, the first row of
// op with that operand.
func writeForm(op Opcode, arg operand) (asmForm, bool) {
	if op >= 256 {
		return asmForm{}, false
	}
	i := formIndex.writer[op]
	if arg != numOperands {
		i = formIndex.byOp[op][arg]
	}
	if i == 0 {
		return asmForm{}, false
	}
	return asmForms[i-1], true
}

// extensions are bpf_asm's names of ancillary offsets (bpf_exp.l), added
// to SKF_AD_OFF; the writer uses the first name of an offset. SKF_AD_ALU_XOR_X
// has none. Read-only.
var extensions = [...]struct {
	name string
	off  uint32
}{
	{"proto", AncProtocol},
	{"type", AncPktType},
	{"ifidx", AncIfIndex},
	{"nla", AncNLAttr},
	{"nlan", AncNLAttrNest},
	{"mark", AncMark},
	{"queue", AncQueue},
	{"hatype", AncHatype},
	{"rxhash", AncRxHash},
	{"cpu", AncCPU},
	{"vlan_tci", AncVlanTag},
	{"vlan_avail", AncVlanTagPresent},
	{"vlan_pr", AncVlanTagPresent},
	{"poff", AncPayOffset},
	{"rand", AncRandom},
	{"vlan_tpid", AncVlanTPID},
}

// extensionOffset returns the offset an extension name stands for.
func extensionOffset(name string) (uint32, bool) {
	for _, e := range extensions {
		if e.name == name {
			return e.off, true
		}
	}
	return 0, false
}

// extensionName is the bpf_asm name of an ancillary offset, if it has one.
func extensionName(off uint32) (string, bool) {
	for _, e := range extensions {
		if e.off == off {
			return e.name, true
		}
	}
	return "", false
}
