package program

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
