package program

import "fmt"

// Opcode fields of a classic BPF instruction, as defined in
// include/uapi/linux/bpf_common.h and include/uapi/linux/filter.h.
const (
	// Instruction classes (code & 0x07).
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	// Load sizes (code & 0x18).
	SizeW = 0x00
	SizeH = 0x08
	SizeB = 0x10

	// Load modes (code & 0xe0).
	ModeIMM = 0x00
	ModeABS = 0x20
	ModeIND = 0x40
	ModeMEM = 0x60
	ModeLEN = 0x80
	ModeMSH = 0xa0

	// ALU operations (code & 0xf0).
	OpADD = 0x00
	OpSUB = 0x10
	OpMUL = 0x20
	OpDIV = 0x30
	OpOR  = 0x40
	OpAND = 0x50
	OpLSH = 0x60
	OpRSH = 0x70
	OpNEG = 0x80
	OpMOD = 0x90
	OpXOR = 0xa0

	// Jump operations (code & 0xf0).
	OpJA   = 0x00
	OpJEQ  = 0x10
	OpJGT  = 0x20
	OpJGE  = 0x30
	OpJSET = 0x40

	// Operand source (code & 0x08): the constant k or the X register.
	SrcK = 0x00
	SrcX = 0x08

	// Return value source for RET (code & 0x18).
	RvalK = 0x00
	RvalX = 0x08
	RvalA = 0x10

	// MISC operations (code & 0xf8).
	MiscTAX = 0x00
	MiscTXA = 0x80
)

// Opcode is the 16-bit code of a classic BPF instruction (struct
// sock_filter's code): a class, and per class a size and mode, an operation
// and operand source, or a return value source, ORed together. Only the
// low byte is ever used; a code with any other bit set is invalid.
//
// Instruction.Op is a plain uint16, because Instruction is x/net/bpf's
// RawInstruction; convert with Opcode(ins.Op). With %v and %s an Opcode
// prints its kernel spelling (String); with %d, %x and the other integer
// verbs it prints its number.
type Opcode uint16

// The opcodes of classic BPF: the 49 of the kernel's table in
// chk_code_allowed (net/core/filter.c), spelled there as in String, plus
// RetX, which bpf_asm assembles (tools/bpf/bpf_exp.y) and the kernel
// rejects. They are listed by class, and within a class as the verifier
// lists them (verifier.ClassicOpcodes): which of them the kernel accepts,
// in a socket or a seccomp filter, is the verifier's business.
const (
	LdImm  Opcode = ClassLD | ModeIMM         // ld #k
	LdAbsW Opcode = ClassLD | SizeW | ModeABS // ld [k]
	LdAbsH Opcode = ClassLD | SizeH | ModeABS // ldh [k]
	LdAbsB Opcode = ClassLD | SizeB | ModeABS // ldb [k]
	LdIndW Opcode = ClassLD | SizeW | ModeIND // ld [x + k]
	LdIndH Opcode = ClassLD | SizeH | ModeIND // ldh [x + k]
	LdIndB Opcode = ClassLD | SizeB | ModeIND // ldb [x + k]
	LdMem  Opcode = ClassLD | ModeMEM         // ld M[k]
	LdLen  Opcode = ClassLD | SizeW | ModeLEN // ld #len

	LdxImm Opcode = ClassLDX | ModeIMM         // ldx #k
	LdxMem Opcode = ClassLDX | ModeMEM         // ldx M[k]
	LdxLen Opcode = ClassLDX | SizeW | ModeLEN // ldx #len
	LdxMsh Opcode = ClassLDX | SizeB | ModeMSH // ldxb 4*([k]&0xf)

	St  Opcode = ClassST  // st M[k]
	Stx Opcode = ClassSTX // stx M[k]

	AddK Opcode = ClassALU | OpADD | SrcK // add #k
	AddX Opcode = ClassALU | OpADD | SrcX // add x
	SubK Opcode = ClassALU | OpSUB | SrcK // sub #k
	SubX Opcode = ClassALU | OpSUB | SrcX // sub x
	MulK Opcode = ClassALU | OpMUL | SrcK // mul #k
	MulX Opcode = ClassALU | OpMUL | SrcX // mul x
	DivK Opcode = ClassALU | OpDIV | SrcK // div #k
	DivX Opcode = ClassALU | OpDIV | SrcX // div x
	OrK  Opcode = ClassALU | OpOR | SrcK  // or #k
	OrX  Opcode = ClassALU | OpOR | SrcX  // or x
	AndK Opcode = ClassALU | OpAND | SrcK // and #k
	AndX Opcode = ClassALU | OpAND | SrcX // and x
	LshK Opcode = ClassALU | OpLSH | SrcK // lsh #k
	LshX Opcode = ClassALU | OpLSH | SrcX // lsh x
	RshK Opcode = ClassALU | OpRSH | SrcK // rsh #k
	RshX Opcode = ClassALU | OpRSH | SrcX // rsh x
	ModK Opcode = ClassALU | OpMOD | SrcK // mod #k
	ModX Opcode = ClassALU | OpMOD | SrcX // mod x
	XorK Opcode = ClassALU | OpXOR | SrcK // xor #k
	XorX Opcode = ClassALU | OpXOR | SrcX // xor x
	Neg  Opcode = ClassALU | OpNEG        // neg

	Ja    Opcode = ClassJMP | OpJA          // ja L
	JeqK  Opcode = ClassJMP | OpJEQ | SrcK  // jeq #k, Lt, Lf
	JeqX  Opcode = ClassJMP | OpJEQ | SrcX  // jeq x, Lt, Lf
	JgtK  Opcode = ClassJMP | OpJGT | SrcK  // jgt #k, Lt, Lf
	JgtX  Opcode = ClassJMP | OpJGT | SrcX  // jgt x, Lt, Lf
	JgeK  Opcode = ClassJMP | OpJGE | SrcK  // jge #k, Lt, Lf
	JgeX  Opcode = ClassJMP | OpJGE | SrcX  // jge x, Lt, Lf
	JsetK Opcode = ClassJMP | OpJSET | SrcK // jset #k, Lt, Lf
	JsetX Opcode = ClassJMP | OpJSET | SrcX // jset x, Lt, Lf

	RetK Opcode = ClassRET | RvalK // ret #k
	RetX Opcode = ClassRET | RvalX // ret x: bpf_asm has it, the kernel rejects it
	RetA Opcode = ClassRET | RvalA // ret a

	Tax Opcode = ClassMISC | MiscTAX // tax
	Txa Opcode = ClassMISC | MiscTXA // txa
)

// String returns the kernel's spelling of a known opcode, as in
// chk_code_allowed (net/core/filter.c) without spaces, such as
// "BPF_LD|BPF_W|BPF_ABS" or "BPF_JMP|BPF_JA", and "BPF_RET|BPF_X" for RetX.
// Any other code is written as four hex digits, "0x0008".
func (o Opcode) String() string {
	switch o {
	case LdImm:
		return "BPF_LD|BPF_IMM"
	case LdAbsW:
		return "BPF_LD|BPF_W|BPF_ABS"
	case LdAbsH:
		return "BPF_LD|BPF_H|BPF_ABS"
	case LdAbsB:
		return "BPF_LD|BPF_B|BPF_ABS"
	case LdIndW:
		return "BPF_LD|BPF_W|BPF_IND"
	case LdIndH:
		return "BPF_LD|BPF_H|BPF_IND"
	case LdIndB:
		return "BPF_LD|BPF_B|BPF_IND"
	case LdMem:
		return "BPF_LD|BPF_MEM"
	case LdLen:
		return "BPF_LD|BPF_W|BPF_LEN"
	case LdxImm:
		return "BPF_LDX|BPF_IMM"
	case LdxMem:
		return "BPF_LDX|BPF_MEM"
	case LdxLen:
		return "BPF_LDX|BPF_W|BPF_LEN"
	case LdxMsh:
		return "BPF_LDX|BPF_B|BPF_MSH"
	case St:
		return "BPF_ST"
	case Stx:
		return "BPF_STX"
	case Neg:
		return "BPF_ALU|BPF_NEG"
	case Ja:
		return "BPF_JMP|BPF_JA"
	case RetK:
		return "BPF_RET|BPF_K"
	case RetX:
		return "BPF_RET|BPF_X"
	case RetA:
		return "BPF_RET|BPF_A"
	case Tax:
		return "BPF_MISC|BPF_TAX"
	case Txa:
		return "BPF_MISC|BPF_TXA"
	}
	code := uint16(o)
	var op string
	switch {
	case Class(code) == ClassALU && code < 0x100:
		op = [...]string{"ADD", "SUB", "MUL", "DIV", "OR", "AND", "LSH", "RSH", "", "MOD", "XOR", "", "", "", "", ""}[Op(code)>>4]
	case Class(code) == ClassJMP && code < 0x100:
		op = [...]string{"", "JEQ", "JGT", "JGE", "JSET", "", "", "", "", "", "", "", "", "", "", ""}[Op(code)>>4]
	}
	if op == "" {
		return fmt.Sprintf("0x%04x", code)
	}
	src := "K"
	if Src(code) == SrcX {
		src = "X"
	}
	return "BPF_" + [...]string{ClassALU: "ALU", ClassJMP: "JMP"}[Class(code)] + "|BPF_" + op + "|BPF_" + src
}

// Format writes the opcode for fmt: its String for the verbs v and s (and
// q, quoted), and its number for every other verb, so that "%#04x" prints
// 0x20 rather than the hex of "BPF_LD|BPF_W|BPF_ABS".
func (o Opcode) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's', 'q':
		fmt.Fprintf(f, fmt.FormatString(f, verb), o.String())
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), uint16(o))
	}
}

// IsConditionalJump reports whether o is one of the eight conditional
// jumps, the only instructions whose jt and jf the kernel reads
// (bpf_check_classic and bpf_convert_filter, net/core/filter.c). Every other
// instruction, ja included, ignores them.
func (o Opcode) IsConditionalJump() bool {
	switch o {
	case JeqK, JeqX, JgtK, JgtX, JgeK, JgeX, JsetK, JsetX:
		return true
	}
	return false
}

// Limits of classic BPF (include/uapi/linux/bpf_common.h, include/linux/filter.h).
const (
	// MaxInstructions is BPF_MAXINSNS, the longest program the kernel accepts.
	MaxInstructions = 4096
	// MemWords is BPF_MEMWORDS, the number of 32-bit scratch slots M[0..15].
	MemWords = 16
)

// Special load offsets for socket filters (include/uapi/linux/filter.h).
// As signed 32-bit values: [AncillaryBase, 0) selects an ancillary load,
// [NetOffset, AncillaryBase) the network header, [LinkOffset, NetOffset)
// the link-layer header.
const (
	AncillaryBase = 0xfffff000 // SKF_AD_OFF (-0x1000) as u32
	NetOffset     = 0xfff00000 // SKF_NET_OFF (-0x100000) as u32
	LinkOffset    = 0xffe00000 // SKF_LL_OFF (-0x200000) as u32
)

// Ancillary load offsets, added to AncillaryBase (SKF_AD_* in
// include/uapi/linux/filter.h).
const (
	AncProtocol       = 0
	AncPktType        = 4
	AncIfIndex        = 8
	AncNLAttr         = 12
	AncNLAttrNest     = 16
	AncMark           = 20
	AncQueue          = 24
	AncHatype         = 28
	AncRxHash         = 32
	AncCPU            = 36
	AncAluXorX        = 40
	AncVlanTag        = 44
	AncVlanTagPresent = 48
	AncPayOffset      = 52
	AncRandom         = 56
	AncVlanTPID       = 60
	// AncMax is SKF_AD_MAX: offsets at or above it are invalid.
	AncMax = 64
)

// Class returns the instruction class (code & 0x07).
func Class(code uint16) uint16 { return code & 0x07 }

// Size returns the load size field (code & 0x18).
func Size(code uint16) uint16 { return code & 0x18 }

// Mode returns the load mode field (code & 0xe0).
func Mode(code uint16) uint16 { return code & 0xe0 }

// Op returns the ALU or jump operation field (code & 0xf0).
func Op(code uint16) uint16 { return code & 0xf0 }

// Src returns the operand source field (code & 0x08).
func Src(code uint16) uint16 { return code & 0x08 }
