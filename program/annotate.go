package program

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// AnnotateOptions says how Annotate and DisassembleAnnotated read a
// seccomp filter.
type AnnotateOptions struct {
	// Arch is the arch the filter is meant for, such as the arch given
	// with --filter-arch (Source.Arch when Source.ArchSource is
	// ArchGiven). It names syscalls, errnos and argument halves where the
	// filter's own checks leave the arch open (before its arch check, or
	// in a filter that checks none), beside the arches the filter checks.
	// The zero Arch adds none.
	Arch seccompdata.Arch
}

// Annotate returns, for each instruction of p read as a seccomp filter, the
// comment DisassembleAnnotated writes after it, or "" for none:
//
//   - a load from seccomp_data names the field: "ld [0]" is "nr", "ld [4]"
//     "arch", "ld [8]" and "ld [12]" "ip lo" and "ip hi", "ld [16]"
//     "args[0] lo" and so on, the halves by the byte order of the arch (on
//     a big-endian arch "ld [16]" is "args[0] hi"); "ld M[k]" and
//     "ldx M[k]" name the field the slot holds on every path;
//   - a comparison of nr names the syscall ("jeq #257, l9" is "openat" on
//     x86_64); on x86_64 a number with __X32_SYSCALL_BIT is an x32 one
//     ("x32 read"), and "jge #0x40000000" is "__X32_SYSCALL_BIT";
//   - a comparison of arch names the value ("AUDIT_ARCH_X86_64");
//   - "ret #k", and "ret a" when A holds a constant, names the action as
//     seccompdata.Action.String does, with the errno's name for ERRNO
//     ("ERRNO(1) EPERM"), the cap for data above 4095, and for an unknown
//     action that the kernel treats it as KILL_PROCESS (§5).
//
// What A, X and M[] hold, and which arches an instruction may run on, comes
// from one forward pass over p in pc order (classic BPF jumps only go
// forward). A value is known at a pc when every path that reaches it
// agrees. The arches are the values the filter compares seccomp_data.arch
// with (by jeq, on A holding arch, with a constant): on the true branch of
// such a jeq the arch is that value, on the false branch it is not, and a
// pc may run on each arch some path to it allows. Where the filter's
// checks leave the arch open, the candidates are the arches it checks and
// AnnotateOptions.Arch: so before its arch check a filter that checks one
// arch is read as that arch's. A branch that contradicts the arch
// established on the path is never taken, and adds nothing to its target.
//
// A name is written only when every candidate arch gives the same one, so
// an ambiguous number gets none: a tail shared by the x86_64 and i386
// paths names no syscall, and a filter that checks no arch (without
// AnnotateOptions.Arch) gets no syscall names, errno names only up to 34
// (errno-base.h, the same on every arch), and x86_64's byte order for the
// halves. Where the candidates disagree on the byte order, the halves are
// written "args[0] (+0)" and "args[0] (+4)".
//
// The comments assume seccomp: a socket filter's "ld [4]" reads a packet,
// not arch. Annotate never fails; instructions the kernel rejects get no
// comment or one that follows the same rules.
func Annotate(p Program, opt AnnotateOptions) []string {
	fl := analyze(p)
	an := annotator{valid: otherArches}
	for i, v := range fl.compared {
		an.checked = append(an.checked, seccompdata.ArchOf(v))
		an.valid |= 1 << i
	}
	if !isZeroArch(opt.Arch) && !containsU32(fl.compared, opt.Arch.Audit) {
		// A given arch the filter compares arch with is a candidate
		// wherever the filter's checks allow it, and only there.
		an.given, an.arch = true, opt.Arch
	}
	notes := make([]string, len(p))
	for pc, ins := range p {
		notes[pc] = an.note(ins, &fl.in[pc])
	}
	return notes
}

// DisassembleAnnotated is Disassemble with the comments of Annotate: each
// instruction that has one is followed, in a column, by "; " and the
// comment, and then by the fields the kernel ignores, as Disassemble names
// them:
//
//	ld [4]                  ; arch
//	jne #0xc000003e, l5     ; AUDIT_ARCH_X86_64
//	ld [0]                  ; nr
//	jeq #257, l5            ; openat
//	ret #0x7fff0000         ; ALLOW; jt=0 jf=1 ignored by the kernel
//
// The comments are bpf_asm comments, so the text assembles to the same
// program as Disassemble's. It fails as Disassemble does.
func DisassembleAnnotated(p Program, opt AnnotateOptions) (string, error) {
	return disassemble(p, Annotate(p, opt))
}

// What a register or a scratch slot holds at a pc, on every path to it.
const (
	valUnknown = iota
	valWord    // the 32-bit word of seccomp_data at offset n
	valConst   // the constant n
)

type value struct {
	kind uint8
	n    uint32
}

// How a pc is reached: not yet (no edge so far), only from code no path
// from pc 0 reaches, or from pc 0.
const (
	reachNone = iota
	reachDead
	reachLive
)

// flowState is what is known before an instruction runs.
type flowState struct {
	reach uint8
	// arches holds the values seccomp_data.arch may have: bit i for
	// flow.compared[i], bit otherArch for any value the filter does not
	// compare arch with. A value is given its bit when the pass first
	// sees it compared; until then every state that may hold it has
	// the bit set already (states start with all bits set, and only a
	// jeq on a compared value clears any), so no set ever leaves out a
	// value the arch may have.
	arches uint64
	a, x   value
	mem    [MemWords]value
}

// otherArch is the bit of flowState.arches for the values the filter does
// not compare arch with, and for any past the first maxArches it does.
const (
	maxArches   = 63
	otherArch   = maxArches
	otherArches = uint64(1) << otherArch
	allArches   = ^uint64(0)
)

// join merges the state of an edge into the state of its target: a value
// or an arch survives when both agree. Dead code does not weaken what live
// paths establish; it is analysed from an unknown state only so that its
// loads and returns are still named.
func (s *flowState) join(t *flowState) {
	switch {
	case s.reach == reachNone, s.reach == reachDead && t.reach == reachLive:
		*s = *t
		return
	case s.reach == reachLive && t.reach == reachDead:
		return
	}
	s.arches |= t.arches
	meet := func(v *value, w value) {
		if *v != w {
			*v = value{}
		}
	}
	meet(&s.a, t.a)
	meet(&s.x, t.x)
	for i := range s.mem {
		meet(&s.mem[i], t.mem[i])
	}
}

// flow is the result of analyze.
type flow struct {
	// in holds the state before each instruction; a pc nothing reaches
	// has reachDead and every value unknown.
	in []flowState
	// compared holds the constants that arch is compared with by a jeq,
	// distinct, in pc order, at most maxArches of them.
	compared []uint32
}

// archBit returns the bit of flowState.arches for arch value v, giving v
// one if it has none yet.
func (fl *flow) archBit(v uint32) uint64 {
	for i, w := range fl.compared {
		if w == v {
			return 1 << i
		}
	}
	if len(fl.compared) == maxArches {
		return otherArches
	}
	fl.compared = append(fl.compared, v)
	return 1 << (len(fl.compared) - 1)
}

// analyze runs the forward dataflow over p in pc order. Since every jump
// goes forward, the state before pc is complete once every pc before it
// has been processed.
func analyze(p Program) flow {
	n := len(p)
	fl := flow{in: make([]flowState, n)}
	if n == 0 {
		return fl
	}
	// bpf_convert_filter's prologue clears A and X (§3); scratch memory
	// has no initial value (§2.2).
	fl.in[0] = flowState{reach: reachLive, arches: allArches, a: value{valConst, 0}, x: value{valConst, 0}}
	edge := func(t uint64, s *flowState) {
		if t < uint64(n) {
			fl.in[t].join(s)
		}
	}
	for pc, ins := range p {
		s := fl.in[pc] // a copy: the out state
		if s.reach == reachNone {
			s = flowState{reach: reachDead, arches: allArches}
			fl.in[pc] = s
		}
		op, k := Opcode(ins.Op), ins.K
		next := uint64(pc) + 1
		switch {
		case Class(ins.Op) == ClassRET:
			continue
		case op == Ja:
			edge(next+uint64(k), &s)
			continue
		case op.IsConditionalJump():
			t, f := s, s
			if v, ok := archCompared(op, k, &s); ok {
				bit := fl.archBit(v)
				t.arches &= bit
				if bit != otherArches {
					f.arches &^= bit
				}
			}
			// A branch no arch allows is never taken (the arch
			// established on the path contradicts it).
			if t.arches != 0 {
				edge(next+uint64(ins.Jt), &t)
			}
			if f.arches != 0 {
				edge(next+uint64(ins.Jf), &f)
			}
			continue
		}
		s.step(op, k)
		edge(next, &s)
	}
	return fl
}

// step applies a non-jump instruction to s.
func (s *flowState) step(op Opcode, k uint32) {
	switch op {
	case LdAbsW:
		s.a = value{}
		if k < seccompdata.Size && k%4 == 0 {
			s.a = value{valWord, k}
		}
	case LdImm:
		s.a = value{valConst, k}
	case LdxImm:
		s.x = value{valConst, k}
	case LdMem:
		s.a = value{}
		if k < MemWords {
			s.a = s.mem[k]
		}
	case LdxMem:
		s.x = value{}
		if k < MemWords {
			s.x = s.mem[k]
		}
	case St:
		if k < MemWords {
			s.mem[k] = s.a
		}
	case Stx:
		if k < MemWords {
			s.mem[k] = s.x
		}
	case Tax:
		s.x = s.a
	case Txa:
		s.a = s.x
	default:
		// Every other load and ALU operation changes A (ld #len too:
		// seccomp makes it 64, which no name depends on); ldx #len and
		// ldxb change X; codes outside the instruction set change
		// anything.
		switch Class(uint16(op)) {
		case ClassLD, ClassALU:
			s.a = value{}
		case ClassLDX:
			s.x = value{}
		default:
			s.a, s.x = value{}, value{}
		}
	}
}

// archCompared reports whether the jeq op compares seccomp_data.arch with a
// known constant v on every path to it.
func archCompared(op Opcode, k uint32, s *flowState) (uint32, bool) {
	field, other, ok := compared(op, k, s)
	if !ok || Op(uint16(op)) != OpJEQ || field.n != seccompdata.OffsetArch {
		return 0, false
	}
	return other, true
}

// compared returns the word of seccomp_data and the constant a
// conditional jump compares, when it compares one with the other: A with
// k, or A with X where X holds a constant (for jeq either way round).
func compared(op Opcode, k uint32, s *flowState) (value, uint32, bool) {
	other := value{valConst, k}
	if Src(uint16(op)) == SrcX {
		other = s.x
	}
	switch {
	case s.a.kind == valWord && other.kind == valConst:
		return s.a, other.n, true
	case Op(uint16(op)) == OpJEQ && s.a.kind == valConst && other.kind == valWord:
		return other, s.a.n, true
	}
	return value{}, 0, false
}

func containsU32(s []uint32, v uint32) bool {
	for _, w := range s {
		if w == v {
			return true
		}
	}
	return false
}

// annotator writes the comments of Annotate from the states of analyze.
type annotator struct {
	checked []seccompdata.Arch // the arch of each value of flow.compared
	valid   uint64             // the bits of flowState.arches in use
	// given: AnnotateOptions.Arch is set and not among compared; arch
	// is it.
	given bool
	arch  seccompdata.Arch
}

// arches returns the arches an instruction with state s may run on, for
// naming: those of the values the filter compares arch with that some
// path to it allows, and the given arch where a path leaves the arch
// open. Nil means no arch is known.
func (an *annotator) arches(s *flowState) []seccompdata.Arch {
	set := s.arches & an.valid
	var out []seccompdata.Arch
	for i := range an.checked {
		if set&(1<<i) != 0 {
			out = append(out, an.checked[i])
		}
	}
	if set&otherArches != 0 && an.given {
		out = append(out, an.arch)
	}
	return out
}

func (an *annotator) note(ins Instruction, s *flowState) string {
	op, k := Opcode(ins.Op), ins.K
	switch {
	case op == LdAbsW:
		return an.field(value{valWord, k}, s)
	case op == LdMem || op == LdxMem:
		if k < MemWords {
			return an.field(s.mem[k], s)
		}
	case op == RetK:
		return an.action(k, s)
	case op == RetA:
		if s.a.kind == valConst {
			return an.action(s.a.n, s)
		}
	case op.IsConditionalJump():
		field, c, ok := compared(op, k, s)
		if !ok {
			return ""
		}
		switch field.n {
		case seccompdata.OffsetNr:
			return agree(an.arches(s), func(a seccompdata.Arch) string { return syscallNote(a, op, c) })
		case seccompdata.OffsetArch:
			if Op(uint16(op)) == OpJEQ {
				name, _ := seccompdata.AuditArchName(c)
				return name
			}
		}
	}
	return ""
}

// agree returns f's answer when every arch of arches gives the same
// non-empty one, else "".
func agree(arches []seccompdata.Arch, f func(seccompdata.Arch) string) string {
	out := ""
	for i, a := range arches {
		s := f(a)
		if s == "" || i > 0 && s != out {
			return ""
		}
		out = s
	}
	return out
}

// syscallNote names the syscall number nr that op compares with on a.
// AUDIT_ARCH_X86_64 is also x32's: a number with __X32_SYSCALL_BIT is an
// x32 call, any other a native one (seccompdata.ArchFor).
func syscallNote(a seccompdata.Arch, op Opcode, nr uint32) string {
	jset := Op(uint16(op)) == OpJSET
	if a.Audit == seccompdata.AuditArchX86_64 {
		if nr == seccompdata.X32SyscallBit && Op(uint16(op)) != OpJEQ {
			return "__X32_SYSCALL_BIT" // jge #0x40000000: the x32 range
		}
		if jset {
			return ""
		}
		if x, _ := seccompdata.ArchFor(a.Audit, int32(nr)); x.NrBit != 0 {
			if name, ok := x.SyscallName(int32(nr)); ok {
				return "x32 " + name
			}
			return ""
		}
		a = seccompdata.ArchOf(seccompdata.AuditArchX86_64) // also when a is x32
	}
	if jset {
		return ""
	}
	name, _ := a.SyscallName(int32(nr))
	return name
}

// errnoBaseMax is the last errno of include/uapi/asm-generic/errno-base.h,
// which every arch's errno.h includes: errnos up to it have the same name
// everywhere.
const errnoBaseMax = 34

// action names a seccomp return value, with the errno of an ERRNO.
func (an *annotator) action(v uint32, s *flowState) string {
	a := seccompdata.Action(v)
	out := a.String()
	switch {
	case !a.Known():
		return out + ", acts as KILL_PROCESS"
	case a.Kind() != seccompdata.ActErrno:
		return out
	}
	n := a.Data()
	if n > seccompdata.MaxErrno {
		return out + ", capped to " + strconv.Itoa(seccompdata.MaxErrno)
	}
	errname := func(a seccompdata.Arch) string { name, _ := a.ErrnoName(n); return name }
	name := agree(an.arches(s), errname)
	if n <= errnoBaseMax {
		name = errname(seccompdata.ArchOf(seccompdata.AuditArchX86_64))
	}
	if name == "" {
		return out
	}
	return out + " " + name
}

// field names the seccomp_data word v holds, "" for anything else.
func (an *annotator) field(v value, s *flowState) string {
	if v.kind != valWord || v.n >= seccompdata.Size || v.n%4 != 0 {
		return ""
	}
	off := v.n
	switch {
	case off == seccompdata.OffsetNr:
		return "nr"
	case off == seccompdata.OffsetArch:
		return "arch"
	case off < seccompdata.OffsetArgs:
		return half("ip", off-seccompdata.OffsetInstructionPointer, an.order(s))
	}
	i := (off - seccompdata.OffsetArgs) / 8
	return half("args["+strconv.Itoa(int(i))+"]", (off-seccompdata.OffsetArgs)%8, an.order(s))
}

// order returns the byte order of seccomp_data at s: the arches' when
// they agree, little-endian (x86_64's) when no arch is known, nil when the
// arches differ.
func (an *annotator) order(s *flowState) binary.ByteOrder {
	arches := an.arches(s)
	if len(arches) == 0 {
		return binary.LittleEndian
	}
	o := arches[0].Order
	for _, a := range arches[1:] {
		if a.Order != o {
			return nil
		}
	}
	return o
}

// half names the 32-bit word at byte rel (0 or 4) of a 64-bit field:
// the low half comes first on a little-endian arch (§4).
func half(name string, rel uint32, order binary.ByteOrder) string {
	switch {
	case order == nil:
		return fmt.Sprintf("%s (+%d)", name, rel)
	case (rel == 0) == (order == binary.ByteOrder(binary.LittleEndian)):
		return name + " lo"
	}
	return name + " hi"
}
