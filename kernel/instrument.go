package kernel

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// This file rewrites a program so that the kernel itself runs it on a real
// syscall and hands its 32-bit return value back in pieces; it is portable
// so that the rewriting can be tested anywhere.
//
// Layout of an instrumented program:
//
//	gate      9 insns: anything not issued from one of the oracle's four
//	          SYSCALL sites (for a compat group: its four INT $0x80 sites)
//	          is allowed (the Go runtime's own syscalls on the evaluating
//	          thread); then A = 0 again.
//	original  the program, with every RET replaced by a JA to a stub (same
//	          length, so no jump offset changes) and, where the input asks for
//	          it, ld [0] / ld [4] / ld [8] / ld [12] replaced by ld #value.
//	K stubs   one "ret #ERRNO|i" per distinct RET K constant i.
//	A stub    19 insns (only when the program has RET A): saves A in M[0]
//	          and returns a 12-bit piece of it as ERRNO data, the piece
//	          chosen by which site the syscall came from.
//
// ERRNO data reaches the caller as -data, capped at 4095, and ERRNO|0 as 0
// (__seccomp_filter, kernel/seccomp.c), so 12 bits per syscall come back
// exactly.

// Offsets of the words of seccomp_data the rewriting reads, on
// little-endian x86_64: each 64-bit field's low half comes first
// (populate_seccomp_data, kernel/seccomp.c; seccompdata.Data.Words).
const (
	offIPLow  = seccompdata.OffsetInstructionPointer
	offIPHigh = seccompdata.OffsetInstructionPointer + 4
)

// offArgLow is the offset of the low half of args[i].
func offArgLow(i uint32) uint32 { return seccompdata.OffsetArgs + 8*i }

// Syscall sites of the stub, by role.
const (
	siteK     = 0 // the index of a RET K constant, or aPathMarker
	sitePiece = 1 // sites 1, 2, 3: bits 0-11, 12-23, 24-31 of a RET A value
	numSites  = 4
)

const (
	gateLen     = 9
	aStubLen    = 19
	aPathMarker = 4095 // K site answer meaning "the program returned A"
	errnoMax    = 4095 // MAX_ERRNO
)

// progInfo is what the instrumentation needs to know about a program.
type progInfo struct {
	readsNr, readsArch, readsIP bool
	retK                        []uint32       // distinct RET K constants, in order of appearance
	kIndex                      map[uint32]int // position in retK
	retA                        bool
	divX                        bool // may stop with 0 (KILL_THREAD) at run time
}

func analyze(p program.Program) *progInfo {
	info := &progInfo{kIndex: map[uint32]int{}}
	for _, ins := range p {
		switch program.Opcode(ins.Op) {
		case program.LdAbsW:
			switch ins.K {
			case seccompdata.OffsetNr:
				info.readsNr = true
			case seccompdata.OffsetArch:
				info.readsArch = true
			case offIPLow, offIPHigh:
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
		}
	}
	return info
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

// sites holds the addresses right after the stub's four SYSCALL
// instructions, the instruction_pointer the kernel reports for each; for
// a compat group, the addresses right after the four INT $0x80 of the
// int80 stub instead. The gate and the A stub below compare
// instruction_pointer with whichever set the group's thread issues from.
type sites [numSites]uint64

func instrumentedLen(p program.Program, info *progInfo) int {
	n := gateLen + len(p) + len(info.retK)
	if info.retA {
		n += aStubLen
	}
	return n
}

// instrument returns the evaluation program for p. p must be a program
// the kernel accepts; the result is then accepted too (see the comments on
// check_load_and_stores below).
func instrument(p program.Program, info *progInfo, at sites, sub substitution) (program.Program, error) {
	if n := instrumentedLen(p, info); n > program.MaxInstructions {
		return nil, fmt.Errorf("instrumented program would have %d instructions, more than %d: the program is too long to evaluate (%d instructions, %d distinct return constants)",
			n, program.MaxInstructions, len(p), len(info.retK))
	}
	if len(info.retK) >= aPathMarker {
		return nil, fmt.Errorf("program has %d distinct return constants, at most %d can be evaluated", len(info.retK), aPathMarker-1)
	}
	hi := uint32(at[0] >> 32)
	for _, s := range at {
		if uint32(s>>32) != hi {
			return nil, fmt.Errorf("syscall sites %#x span a 4 GiB boundary", at)
		}
	}
	errno := uint32(seccompdata.ActErrno)
	out := make(program.Program, 0, instrumentedLen(p, info))

	// Gate. Its jumps leave check_load_and_stores' state at the first
	// original instruction exactly as in the original program (nothing
	// stored), so validation of the original part is unchanged.
	out = append(out,
		program.Stmt(program.LdAbsW, offIPHigh),
		program.Jump(program.JeqK, hi, 0, 5),
		program.Stmt(program.LdAbsW, offIPLow),
		program.Jump(program.JeqK, uint32(at[0]), 4, 0),
		program.Jump(program.JeqK, uint32(at[1]), 3, 0),
		program.Jump(program.JeqK, uint32(at[2]), 2, 0),
		program.Jump(program.JeqK, uint32(at[3]), 1, 0),
		program.Stmt(program.RetK, uint32(seccompdata.ActAllow)),
		// The gate used A; the original program starts with A = 0
		// (bpf_convert_filter, net/core/filter.c, zeroes A and X).
		program.Stmt(program.LdImm, 0),
	)

	kBase := gateLen + len(p)
	aBase := kBase + len(info.retK)
	for pc, ins := range p {
		here := gateLen + pc
		op := program.Opcode(ins.Op)
		switch {
		case op == program.RetK:
			ins = program.Stmt(program.Ja, uint32(kBase+info.kIndex[ins.K]-here-1))
		case op == program.RetA:
			ins = program.Stmt(program.Ja, uint32(aBase-here-1))
		case op == program.LdAbsW && ins.K == seccompdata.OffsetNr && sub.nr:
			ins = program.Stmt(program.LdImm, sub.nrVal)
		case op == program.LdAbsW && ins.K == seccompdata.OffsetArch && sub.arch:
			ins = program.Stmt(program.LdImm, sub.archVal)
		case op == program.LdAbsW && ins.K == offIPLow && sub.ip:
			ins = program.Stmt(program.LdImm, sub.ipLow)
		case op == program.LdAbsW && ins.K == offIPHigh && sub.ip:
			ins = program.Stmt(program.LdImm, sub.ipHigh)
		}
		// A RET that became a JA makes check_load_and_stores start the
		// next instruction with every slot valid: the rewrite can only
		// accept more, never reject what the kernel accepted.
		out = append(out, ins)
	}
	for i := range info.retK {
		out = append(out, program.Stmt(program.RetK, errno|uint32(i)))
	}
	if info.retA {
		// Stores M[0] before any load on every path, as
		// check_load_and_stores (net/core/filter.c) wants; the original
		// program has finished, so its scratch slots no longer matter.
		out = append(out,
			program.Stmt(program.St, 0),                               // +0  st M[0]
			program.Stmt(program.LdAbsW, offIPLow),                    // +1  ld [8]: which site
			program.Jump(program.JeqK, uint32(at[siteK]), 15, 0),      // +2  -> +18
			program.Jump(program.JeqK, uint32(at[sitePiece]), 0, 4),   // +3  -> +4 / +8
			program.Stmt(program.LdMem, 0),                            // +4  ld M[0]
			program.Stmt(program.AndK, 0xfff),                         // +5  and #0xfff
			program.Stmt(program.OrK, errno),                          // +6  or #ERRNO
			program.Stmt(program.RetA, 0),                             // +7  ret a
			program.Jump(program.JeqK, uint32(at[sitePiece+1]), 0, 5), // +8  -> +9 / +14
			program.Stmt(program.LdMem, 0),                            // +9  ld M[0]
			program.Stmt(program.RshK, 12),                            // +10 rsh #12
			program.Stmt(program.AndK, 0xfff),                         // +11 and #0xfff
			program.Stmt(program.OrK, errno),                          // +12 or #ERRNO
			program.Stmt(program.RetA, 0),                             // +13 ret a
			program.Stmt(program.LdMem, 0),                            // +14 ld M[0]
			program.Stmt(program.RshK, 24),                            // +15 rsh #24
			program.Stmt(program.OrK, errno),                          // +16 or #ERRNO
			program.Stmt(program.RetA, 0),                             // +17 ret a
			program.Stmt(program.RetK, errno|aPathMarker),             // +18
		)
	}
	return out, nil
}

// substitutionFor decides how input d is presented to the program, and
// returns the substitution and the method. compat says that i386 syscalls
// can be issued for real through int $0x80 (the oracle's probe found IA-32
// emulation on); otherwise every input is a native x86_64 syscall.
func substitutionFor(d *seccompdata.Data, info *progInfo, nativeArch uint32, compat bool) (substitution, Method) {
	var sub substitution
	var m Method
	// AUDIT_ARCH_I386 is the arch the kernel reports for a syscall made
	// through int $0x80 on x86_64 (syscall_get_arch,
	// arch/x86/include/asm/syscall.h: TS_COMPAT).
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
	if bypassesSeccomp(d.Nr) && info.readsNr {
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

// nrReplacement is the number issued in place of the x86_64 syscalls
// seccomp lets through unfiltered (seccomp_uprobe_exception,
// kernel/seccomp.c).
const nrReplacement = 1000

// bypassesSeccomp reports whether nr is one of those syscalls, uretprobe
// or uprobe, on native x86_64.
func bypassesSeccomp(nr int32) bool {
	return nr == seccompdata.NrUretprobeX86_64 || nr == seccompdata.NrUprobeX86_64
}

// issuedNr is the syscall number actually placed in RAX (EAX for int
// $0x80) for d.
func issuedNr(d *seccompdata.Data, sub substitution) uint64 {
	if !sub.compat && (sub.nr || bypassesSeccomp(d.Nr)) {
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

// The probe of IA-32 emulation (see probeIA32) issues i386 getpid through
// each int $0x80 site, under int80ProbeFilter, with these registers: it
// checks that the kernel reports AUDIT_ARCH_I386, the i386 number, the
// full 64-bit EBX and EBP (args 0 and 5: syscall_get_arguments,
// arch/x86/include/asm/syscall.h, reads regs->bx ... regs->bp whole for a
// TS_COMPAT task) and the very addresses the gate compares with.
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
		{seccompdata.OffsetNr, nrI386Getpid},
		{offArgLow(0), int80ProbeArg0 & 0xffffffff}, {offArgLow(0) + 4, int80ProbeArg0 >> 32},
		{offArgLow(5), int80ProbeArg5 & 0xffffffff}, {offArgLow(5) + 4, int80ProbeArg5 >> 32},
		{offIPHigh, uint32(at[0] >> 32)},
	}
	errno := uint32(seccompdata.ActErrno)
	// Layout: arch check (2), checks (2 each), ld [8] and one jeq per
	// site, then: no-site ret, site rets, check-failed rets, allow.
	siteRets := 2 + 2*len(checks) + 1 + numSites + 1
	failRets := siteRets + numSites
	allow := failRets + len(checks)
	p := program.Program{
		program.Stmt(program.LdAbsW, seccompdata.OffsetArch),
		program.Jump(program.JeqK, seccompdata.AuditArchI386, 0, uint8(allow-2)),
	}
	for i, c := range checks {
		pc := len(p)
		p = append(p, program.Stmt(program.LdAbsW, c.off), program.Jump(program.JeqK, c.val, 0, uint8(failRets+i-pc-2)))
	}
	p = append(p, program.Stmt(program.LdAbsW, offIPLow))
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
