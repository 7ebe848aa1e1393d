package kernel

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// This file rewrites a program so that the kernel itself runs it on real
// syscalls and hands its 32-bit return value back; it is portable so that
// the rewriting can be tested anywhere.
//
// The rewritten program is installed on a thread that makes no syscall but
// the oracle's own (the raw evaluator, raw_linux_amd64.go): it needs no
// gate that lets other syscalls through. Every syscall that thread makes is
// issued from one of three sites, and the value comes back as
// SECCOMP_RET_ERRNO data: -data, capped at 4095, and ERRNO|0 as 0
// (__seccomp_filter, kernel/seccomp.c), so 12 bits per syscall come back
// exactly. Layout:
//
//	front     2 insns, only when the program has RET A: "ld [8]; st M[j]"
//	          keeps the low word of instruction_pointer, which says the
//	          site, in a scratch slot j the program never uses; plus
//	          "ld #0" when the program reads A before writing it (the
//	          kernel starts it with A = 0: bpf_convert_filter,
//	          net/core/filter.c).
//	original  the program, same length: "ret #k" becomes
//	          "ret #ERRNO|code(k)" in place; "ret a" becomes a JA to the
//	          epilogue (dropped when it is the last instruction, where the
//	          epilogue starts); where the input asks for it, ld [0], [4],
//	          [8] and [12] become "ld #value".
//	epilogue  5 insns, only with RET A: "ldx M[j]; lsh x; rsh #20;
//	          or #ERRNO; ret a". X is the site's instruction_pointer; the
//	          x86-64 JIT shifts by X & 31 (kernel-semantics §3), and the
//	          sites lie at addresses that are 20, 8 and 0 modulo 32, so the
//	          three syscalls return bits 0-11, 12-23 and 20-31 of A.
//	          Without a free slot it is 8 insns that read the site after
//	          the program: "st M[0]; ld [8]; tax; ld M[0]; lsh x; rsh #20;
//	          or #ERRNO; ret a".
//
// The windows overlap in bits 20-23, so an answer from the epilogue always
// has the top 4 bits of its second piece equal to the low 4 bits of its
// third. The codes of RET K constants are chosen where that is false (when
// the program also has RET A), so the three answers tell the two apart
// without a jump.
//
// What fits in BPF_MAXINSNS (4,096), by kind of program:
//
//   - no RET A (every return a constant): no instruction is added; every
//     program the kernel accepts evaluates.
//   - RET A, a scratch slot the program never uses, A written before it is
//     read: 7 added, 6 when the last instruction is RET A; programs of up
//     to 4,089 instructions (4,090 ending in RET A) evaluate.
//   - RET A and A read before it is written, or every scratch slot used:
//     8 added, 7 when the last instruction is RET A; up to 4,088 (4,089).
//   - RET A together with more than 3,840 distinct RET K constants (so at
//     least 3,842 instructions): too many constants to tell apart from a
//     value; a *TooLongError.
//
// So every program the kernel accepts evaluates if it has at most 3,841
// instructions, or returns only constants, or has at most 4,088
// instructions and at most 3,840 distinct constants; one that does not fit
// gets a *TooLongError that says by how much.

// numSites is the number of syscall sites of the raw evaluator.
const numSites = 3

// pieceShift[s] is the shift count the epilogue applies for site s: the
// site's address modulo 32. (A << pieceShift[s]) >> 20 is bits
// 20-pieceShift[s] .. 31-pieceShift[s] of A.
var pieceShift = [numSites]uint32{20, 8, 0}

const (
	pieceBits = 12
	errnoMax  = seccompdata.MaxErrno
)

// ErrTooLong is wrapped by the error Eval returns for a program the kernel
// accepts but whose return value the oracle cannot read back, because the
// instrumented copy would not fit in the kernel's 4,096 instructions; test
// with errors.Is. The concrete error is a *TooLongError.
var ErrTooLong = errors.New("program too long to evaluate")

// TooLongError is Eval's error for a program whose instrumented copy does
// not fit. It concerns that program only: the oracle goes on serving.
type TooLongError struct {
	// Len is the program's length.
	Len int
	// Need is the instrumented program's length, more than Max; 0 when
	// the program is short enough but has too many distinct return
	// constants (Constants).
	Need int
	// Max is BPF_MAXINSNS, 4,096.
	Max int
	// Constants is the number of distinct RET K constants of a program
	// that also returns A, when more than MaxConstants; else 0.
	Constants, MaxConstants int
}

func (e *TooLongError) Error() string {
	if e.Need > e.Max {
		return fmt.Sprintf("instrumented program would need %s instructions, %s over the kernel's %s: the kernel runs this %s-instruction program, but Eval cannot read back its return value",
			thousands(e.Need), thousands(e.Need-e.Max), thousands(e.Max), thousands(e.Len))
	}
	return fmt.Sprintf("program returns A and %s distinct constants, %s more than Eval can tell apart from a value",
		thousands(e.Constants), thousands(e.Constants-e.MaxConstants))
}

// Is makes errors.Is(err, ErrTooLong) true.
func (e *TooLongError) Is(target error) bool { return target == ErrTooLong }

// thousands writes n with a comma every three digits: 4,096.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// maxMixedConstants is how many RET K constants a program that also
// returns A can have: the 12-bit codes whose top 4 bits differ from their
// low 4 bits.
const maxMixedConstants = 4096 - 256

// progInfo is what the instrumentation needs to know about a program.
type progInfo struct {
	readsNr, readsArch, readsIP bool
	retK                        []uint32       // distinct RET K constants, in order of appearance
	kIndex                      map[uint32]int // position in retK
	retA                        bool
	divX                        bool // may stop with 0 (KILL_THREAD) at run time
	aLive                       bool // A may be read before it is written
	slot                        int  // a scratch slot the program never uses, or -1
	code                        []uint32
	byCode                      map[uint32]int // code -> position in retK
}

func analyze(p program.Program) *progInfo {
	info := &progInfo{kIndex: map[uint32]int{}}
	var used uint32 // scratch slots named by any instruction
	for _, ins := range p {
		switch program.Opcode(ins.Op) {
		case program.LdAbsW:
			switch ins.K {
			case 0:
				info.readsNr = true
			case 4:
				info.readsArch = true
			case 8, 12:
				info.readsIP = true
			}
		case program.RetK:
			if _, ok := info.kIndex[ins.K]; !ok {
				info.kIndex[ins.K] = len(info.retK)
				info.retK = append(info.retK, ins.K)
			}
		case program.RetA:
			info.retA = true
		case program.DivX, program.ModX:
			// bpf_convert_filter (net/core/filter.c) emits "if X == 0
			// return 0" before a division or modulo by X.
			info.divX = true
		case program.St, program.Stx,
			program.LdMem, program.LdxMem:
			if ins.K < 32 {
				used |= 1 << ins.K
			}
		}
	}
	info.slot = -1
	for j := 15; j >= 0; j-- {
		if used&(1<<j) == 0 {
			info.slot = j
			break
		}
	}
	info.aLive = aReadFirst(p)
	info.byCode = make(map[uint32]int, len(info.retK))
	c := uint32(0)
	for i := range info.retK {
		for info.retA && c>>8 == c&0xf {
			c++ // an answer the epilogue could give: skip it
		}
		info.code = append(info.code, c)
		info.byCode[c] = i
		c++
	}
	return info
}

// aReadFirst reports whether p may read A before writing it. Every path
// starts with the same straight line up to the first conditional jump, and
// a conditional jump reads A, so following that line decides exactly.
func aReadFirst(p program.Program) bool {
	for pc := 0; pc < len(p); {
		ins := p[pc]
		switch program.Class(ins.Op) {
		case program.ClassLD:
			return false
		case program.ClassLDX, program.ClassSTX:
			pc++
		case program.ClassJMP:
			if ins.Op != program.ClassJMP|program.OpJA {
				return true
			}
			pc += 1 + int(ins.K)
		case program.ClassRET:
			return ins.Op == program.ClassRET|program.RvalA
		case program.ClassMISC:
			return ins.Op&program.MiscTXA == 0 // tax reads A, txa writes it
		default: // ST, ALU
			return true
		}
	}
	return true
}

// canEvaluate returns a *TooLongError when p, which the kernel accepts,
// cannot be instrumented.
func canEvaluate(p program.Program, info *progInfo) error {
	if n := instrumentedLen(p, info); n > program.MaxInstructions {
		return &TooLongError{Len: len(p), Need: n, Max: program.MaxInstructions}
	}
	if info.retA && len(info.retK) > maxMixedConstants {
		return &TooLongError{Len: len(p), Max: program.MaxInstructions, Constants: len(info.retK), MaxConstants: maxMixedConstants}
	}
	return nil
}

func frontLen(info *progInfo) int {
	switch {
	case !info.retA || info.slot < 0:
		return 0
	case info.aLive:
		return 3
	}
	return 2
}

func epilogueLen(info *progInfo) int {
	switch {
	case !info.retA:
		return 0
	case info.slot < 0:
		return 8
	}
	return 5
}

func endsInRetA(p program.Program) bool {
	return len(p) > 0 && p[len(p)-1].Op == program.ClassRET|program.RvalA
}

func instrumentedLen(p program.Program, info *progInfo) int {
	n := frontLen(info) + len(p) + epilogueLen(info)
	if info.retA && endsInRetA(p) {
		n--
	}
	return n
}

// sitesToIssue is how many of the sites the evaluator issues each input
// from: one answer is a whole value when the program returns only
// constants.
func sitesToIssue(info *progInfo) int {
	if info.retA {
		return numSites
	}
	return 1
}

// substitution says which seccomp_data words the original part of an
// instrumented program reads as constants instead of from the real
// syscall, and (compat) whether the input is issued as an i386 syscall
// through int $0x80 instead of SYSCALL.
type substitution struct {
	nr, arch, ip          bool
	nrVal, archVal, ipLow uint32
	ipHigh                uint32
	compat                bool
}

// instrument returns the evaluation program for p, which the kernel
// accepts; so does it the result (see check_load_and_stores below).
func instrument(p program.Program, info *progInfo, sub substitution) (program.Program, error) {
	if err := canEvaluate(p, info); err != nil {
		return nil, err
	}
	errno := uint32(seccompdata.ActErrno)
	out := make(program.Program, 0, instrumentedLen(p, info))
	// check_load_and_stores (net/core/filter.c) starts with no slot
	// valid; the front adds slot j to that, which only ever accepts more.
	if front := frontLen(info); front > 0 {
		out = append(out, program.Stmt(program.LdAbsW, 8), program.Stmt(program.St, uint32(info.slot)))
		if front == 3 {
			out = append(out, program.Stmt(program.LdImm, 0))
		}
	}
	base := len(out)
	orig := len(p)
	if info.retA && endsInRetA(p) {
		orig-- // the epilogue starts where that RET A was
	}
	epilogue := base + orig
	for pc, ins := range p[:orig] {
		switch {
		case ins.Op == 0x06: // RET K
			ins = program.Stmt(program.RetK, errno|info.code[info.kIndex[ins.K]])
		case ins.Op == 0x16: // RET A
			// A JA makes check_load_and_stores start the next
			// instruction with every slot valid, where the RET passed
			// its state on: again it can only accept more.
			ins = program.Stmt(program.Ja, uint32(epilogue-(base+pc)-1))
		case ins.Op == 0x20 && ins.K == 0 && sub.nr:
			ins = program.Stmt(program.LdImm, sub.nrVal)
		case ins.Op == 0x20 && ins.K == 4 && sub.arch:
			ins = program.Stmt(program.LdImm, sub.archVal)
		case ins.Op == 0x20 && ins.K == 8 && sub.ip:
			ins = program.Stmt(program.LdImm, sub.ipLow)
		case ins.Op == 0x20 && ins.K == 12 && sub.ip:
			ins = program.Stmt(program.LdImm, sub.ipHigh)
		}
		out = append(out, ins)
	}
	if info.retA {
		if info.slot >= 0 {
			out = append(out, program.Stmt(program.LdxMem, uint32(info.slot))) // ldx M[j]
		} else {
			// The program has finished: its slots no longer matter, and
			// M[0] is stored before it is loaded on every path.
			out = append(out,
				program.Stmt(program.St, 0),     // st M[0]
				program.Stmt(program.LdAbsW, 8), // ld [8]
				program.Stmt(program.Tax, 0),    // tax
				program.Stmt(program.LdMem, 0))  // ld M[0]
		}
		out = append(out,
			program.Stmt(program.LshX, 0),            // lsh x: by instruction_pointer & 31
			program.Stmt(program.RshK, 32-pieceBits), // rsh #20
			program.Stmt(program.OrK, errno),         // or #ERRNO
			program.Stmt(program.RetA, 0))            // ret a
	}
	return out, nil
}

// decodeAnswers turns the ERRNO data answered from the sites (as many as
// sitesToIssue) into the program's return value.
func decodeAnswers(info *progInfo, d []int) (uint32, error) {
	if !info.retA {
		i, ok := info.byCode[uint32(d[0])]
		if !ok {
			return 0, fmt.Errorf("evaluation filter answered %d, not the code of a return constant", d[0])
		}
		return info.retK[i], nil
	}
	if d[1]>>8 != d[2]&0xf { // a code: the same from every site
		i, ok := info.byCode[uint32(d[0])]
		if !ok || d[1] != d[0] || d[2] != d[0] {
			return 0, fmt.Errorf("evaluation filter answered %v, neither a value nor the code of a return constant", d)
		}
		return info.retK[i], nil
	}
	return uint32(d[0]) | uint32(d[1])<<12 | uint32(d[2]>>4)<<24, nil
}

// substitutionFor decides how input d is presented to the program, and
// returns the substitution and the method. compat says that i386 syscalls
// can be issued for real through int $0x80 (the oracle's probe found IA-32
// emulation on); otherwise every input is a native x86_64 syscall.
func substitutionFor(d *seccompdata.Data, info *progInfo, nativeArch uint32, compat bool) (substitution, Method) {
	var sub substitution
	var m Method
	if compat && d.Arch == seccompdata.AuditArchI386 {
		// The kernel itself sets arch to AUDIT_ARCH_I386 and takes nr
		// and the six args from the registers; 335 and 336 reach the
		// filter because seccomp_uprobe_exception (kernel/seccomp.c)
		// excepts them only for the native arch. Only
		// instruction_pointer (the stub's) is still substituted.
		sub.compat = true
		m |= CompatInt80
		if info.readsIP {
			sub.ip, sub.ipLow, sub.ipHigh = true, uint32(d.InstructionPointer), uint32(d.InstructionPointer>>32)
			m |= IPSubstituted
		}
		return sub, m
	}
	if d.Arch != nativeArch && info.readsArch {
		sub.arch, sub.archVal = true, d.Arch
		m |= ArchSubstituted
	}
	if (d.Nr == nrUretprobe || d.Nr == nrUprobe) && info.readsNr {
		// seccomp_uprobe_exception (kernel/seccomp.c): these two never
		// reach a filter on native x86_64, so another number is issued
		// and the program reads the wanted one as a constant.
		sub.nr, sub.nrVal = true, uint32(d.Nr)
		m |= NrSubstituted
	}
	if info.readsIP {
		sub.ip, sub.ipLow, sub.ipHigh = true, uint32(d.InstructionPointer), uint32(d.InstructionPointer>>32)
		m |= IPSubstituted
	}
	return sub, m
}

// x86_64 numbers of the syscalls seccomp lets through unfiltered
// (seccomp_uprobe_exception, kernel/seccomp.c), and the number issued in
// their place.
const (
	nrUretprobe   = seccompdata.NrUretprobeX86_64
	nrUprobe      = seccompdata.NrUprobeX86_64
	nrReplacement = 1000
)

// issuedNr is the syscall number actually placed in RAX (EAX for int
// $0x80) for d.
func issuedNr(d *seccompdata.Data, sub substitution) uint64 {
	if !sub.compat && (sub.nr || d.Nr == nrUretprobe || d.Nr == nrUprobe) {
		// When the program never reads nr the number does not matter to
		// it, but 335/336 would skip the filter altogether.
		return nrReplacement
	}
	// Only the low 32 bits of RAX are the number a filter sees
	// (populate_seccomp_data, kernel/seccomp.c: syscall_get_nr); int $0x80
	// keeps the same low 32 bits (do_int80_emulation,
	// arch/x86/entry/common.c: orig_ax = ax & GENMASK(31, 0)).
	return uint64(uint32(d.Nr))
}

// stubRegs is what the evaluator loads into the syscall registers for one
// input; its layout is read by raw_linux_amd64.s.
type stubRegs struct {
	nr   uint64
	args [6]uint64
}

// sites holds the addresses right after the raw evaluator's three
// SYSCALL (or, for compat, INT $0x80) instructions: the
// instruction_pointer the kernel reports for each.
type sites [numSites]uint64

// checkResidues reports an error unless each site lies at pieceShift
// modulo 32, as the epilogue needs.
func checkResidues(kind string, at sites) error {
	for s, a := range at {
		if uint32(a)&31 != pieceShift[s] {
			return fmt.Errorf("%s site %d at %#x: want an address that is %d modulo 32 (the evaluator's code is misaligned)", kind, s, a, pieceShift[s])
		}
	}
	return nil
}

// The probe of IA-32 emulation (see probeIA32) issues i386 getpid through
// each int $0x80 site, under int80ProbeFilter, with these registers: it
// checks that the kernel reports AUDIT_ARCH_I386, the i386 number, the
// full 64-bit EBX and EBP (args 0 and 5: syscall_get_arguments,
// arch/x86/include/asm/syscall.h, reads regs->bx ... regs->bp whole for a
// TS_COMPAT task) and the very addresses the epilogue relies on.
const (
	nrI386Getpid   = 20 // arch/x86/entry/syscalls/syscall_32.tbl
	int80ProbeArg0 = 0x8badf00d_01234567
	int80ProbeArg5 = 0xfeedface_89abcdef
	// int80ProbeSite + s is the errno answered from site s; smaller
	// answers name the first check of int80ProbeFilter that failed
	// (counted from 1), int80ProbeNoSite an instruction_pointer that is
	// no site.
	int80ProbeSite   = 16
	int80ProbeNoSite = 15
)

// int80ProbeFilter returns the probe's filter: native syscalls are
// allowed; an i386 one is answered with ERRNO int80ProbeSite+s when it is
// getpid with int80ProbeRegs' args from site at[s], else with the number of
// the failed check.
func int80ProbeFilter(at sites) program.Program {
	checks := []struct{ off, val uint32 }{
		{0, nrI386Getpid},
		{16, int80ProbeArg0 & 0xffffffff}, {20, int80ProbeArg0 >> 32},
		{56, int80ProbeArg5 & 0xffffffff}, {60, int80ProbeArg5 >> 32},
		{12, uint32(at[0] >> 32)},
	}
	errno := uint32(seccompdata.ActErrno)
	// Layout: arch check (2), checks (2 each), ld [8] and one jeq per
	// site, then: no-site ret, site rets, check-failed rets, allow.
	siteRets := 2 + 2*len(checks) + 1 + numSites + 1
	failRets := siteRets + numSites
	allow := failRets + len(checks)
	p := program.Program{
		program.Stmt(program.LdAbsW, 4),
		program.Jump(program.JeqK, seccompdata.AuditArchI386, 0, uint8(allow-2)),
	}
	for i, c := range checks {
		pc := len(p)
		p = append(p, program.Stmt(program.LdAbsW, c.off), program.Jump(program.JeqK, c.val, 0, uint8(failRets+i-pc-2)))
	}
	p = append(p, program.Stmt(program.LdAbsW, 8))
	for s := range at {
		pc := len(p)
		p = append(p, program.Jump(program.JeqK, uint32(at[s]), uint8(siteRets+s-pc-1), 0))
	}
	p = append(p, program.Stmt(program.RetK, errno|int80ProbeNoSite))
	for s := range at {
		p = append(p, program.Stmt(program.RetK, errno|uint32(int80ProbeSite+s)))
	}
	for i := range checks {
		p = append(p, program.Stmt(program.RetK, errno|uint32(1+i)))
	}
	return append(p, program.Stmt(program.RetK, uint32(seccompdata.ActAllow)))
}

// int80ProbeRegs is what the probe issues from every int $0x80 site under
// int80ProbeFilter.
func int80ProbeRegs() stubRegs {
	return stubRegs{nr: nrI386Getpid, args: [6]uint64{0: int80ProbeArg0, 5: int80ProbeArg5}}
}
