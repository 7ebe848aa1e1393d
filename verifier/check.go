package verifier

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Opcodes the checks name individually. They are exact 16-bit codes: the
// kernel compares whole codes, never decoded fields (chk_code_allowed).
const (
	opLdImm  = program.ClassLD | program.ModeIMM
	opLdAbsW = program.ClassLD | program.SizeW | program.ModeABS
	opLdAbsH = program.ClassLD | program.SizeH | program.ModeABS
	opLdAbsB = program.ClassLD | program.SizeB | program.ModeABS
	opLdIndW = program.ClassLD | program.SizeW | program.ModeIND
	opLdIndH = program.ClassLD | program.SizeH | program.ModeIND
	opLdIndB = program.ClassLD | program.SizeB | program.ModeIND
	opLdMem  = program.ClassLD | program.ModeMEM
	opLdLen  = program.ClassLD | program.SizeW | program.ModeLEN
	opLdxImm = program.ClassLDX | program.ModeIMM
	opLdxMem = program.ClassLDX | program.ModeMEM
	opLdxLen = program.ClassLDX | program.SizeW | program.ModeLEN
	opLdxMsh = program.ClassLDX | program.SizeB | program.ModeMSH
	opSt     = program.ClassST
	opStx    = program.ClassSTX

	opAddK = program.ClassALU | program.OpADD | program.SrcK
	opAddX = program.ClassALU | program.OpADD | program.SrcX
	opSubK = program.ClassALU | program.OpSUB | program.SrcK
	opSubX = program.ClassALU | program.OpSUB | program.SrcX
	opMulK = program.ClassALU | program.OpMUL | program.SrcK
	opMulX = program.ClassALU | program.OpMUL | program.SrcX
	opDivK = program.ClassALU | program.OpDIV | program.SrcK
	opDivX = program.ClassALU | program.OpDIV | program.SrcX
	opOrK  = program.ClassALU | program.OpOR | program.SrcK
	opOrX  = program.ClassALU | program.OpOR | program.SrcX
	opAndK = program.ClassALU | program.OpAND | program.SrcK
	opAndX = program.ClassALU | program.OpAND | program.SrcX
	opLshK = program.ClassALU | program.OpLSH | program.SrcK
	opLshX = program.ClassALU | program.OpLSH | program.SrcX
	opRshK = program.ClassALU | program.OpRSH | program.SrcK
	opRshX = program.ClassALU | program.OpRSH | program.SrcX
	opNeg  = program.ClassALU | program.OpNEG
	opModK = program.ClassALU | program.OpMOD | program.SrcK
	opModX = program.ClassALU | program.OpMOD | program.SrcX
	opXorK = program.ClassALU | program.OpXOR | program.SrcK
	opXorX = program.ClassALU | program.OpXOR | program.SrcX

	opJa    = program.ClassJMP | program.OpJA
	opJeqK  = program.ClassJMP | program.OpJEQ | program.SrcK
	opJeqX  = program.ClassJMP | program.OpJEQ | program.SrcX
	opJgtK  = program.ClassJMP | program.OpJGT | program.SrcK
	opJgtX  = program.ClassJMP | program.OpJGT | program.SrcX
	opJgeK  = program.ClassJMP | program.OpJGE | program.SrcK
	opJgeX  = program.ClassJMP | program.OpJGE | program.SrcX
	opJsetK = program.ClassJMP | program.OpJSET | program.SrcK
	opJsetX = program.ClassJMP | program.OpJSET | program.SrcX

	opRetK = program.ClassRET | program.RvalK
	opRetA = program.ClassRET | program.RvalA
	opTax  = program.ClassMISC | program.MiscTAX
	opTxa  = program.ClassMISC | program.MiscTXA
)

// seccompDataSize is sizeof(struct seccomp_data): the bound on seccomp
// loads and the value of ld #len in a seccomp filter.
const seccompDataSize = seccompdata.Size

// classicAllowed reports whether code is in the table of chk_code_allowed
// (net/core/filter.c): 49 exact codes; anything else, including codes
// with unused bits set, is EINVAL.
func classicAllowed(code uint16) bool {
	switch code {
	case opAddK, opAddX, opSubK, opSubX, opMulK, opMulX, opDivK, opDivX,
		opModK, opModX, opAndK, opAndX, opOrK, opOrX, opXorK, opXorX,
		opLshK, opLshX, opRshK, opRshX, opNeg,
		opLdAbsW, opLdAbsH, opLdAbsB, opLdLen, opLdIndW, opLdIndH, opLdIndB,
		opLdImm, opLdMem, opLdxLen, opLdxMsh, opLdxImm, opLdxMem,
		opSt, opStx, opTax, opTxa, opRetK, opRetA,
		opJa, opJeqK, opJeqX, opJgeK, opJgeX, opJgtK, opJgtX, opJsetK, opJsetX:
		return true
	}
	return false
}

// seccompAllowed reports whether seccomp_check_filter (kernel/seccomp.c)
// lets code through: its explicit list plus the three codes it rewrites
// (ld [k], ld #len, ldx #len); 41 codes. MOD is absent, XOR present.
func seccompAllowed(code uint16) bool {
	switch code {
	case opLdAbsW, opLdLen, opLdxLen,
		opRetK, opRetA,
		opAddK, opAddX, opSubK, opSubX, opMulK, opMulX, opDivK, opDivX,
		opAndK, opAndX, opOrK, opOrX, opXorK, opXorX,
		opLshK, opLshX, opRshK, opRshX, opNeg,
		opLdImm, opLdxImm, opTax, opTxa, opLdMem, opLdxMem, opSt, opStx,
		opJa, opJeqK, opJeqX, opJgeK, opJgeX, opJgtK, opJgtX, opJsetK, opJsetX:
		return true
	}
	return false
}

// isJcond reports whether code is one of the eight conditional jumps.
func isJcond(code uint16) bool {
	switch code {
	case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, opJsetX:
		return true
	}
	return false
}

// knownAncillary reports whether k is one of the 16 ancillary offsets
// bpf_anc_helper (include/linux/filter.h) knows: SKF_AD_OFF + 0, 4, ..., 60.
func knownAncillary(k uint32) bool {
	off := k - program.AncillaryBase
	return k >= program.AncillaryBase && off < program.AncMax && off%4 == 0
}

// Check returns nil if the kernel accepts p in the given mode, or the
// *Error for the first rule the kernel's checks hit, in the kernel's order:
//
//  1. the length, 1..4096 (seccomp_prepare_filter, bpf_check_basics_ok);
//  2. bpf_check_classic, per instruction in ascending pc: the opcode
//     whitelist, then that instruction's own checks (constant division by
//     zero, shift >= 32, scratch index >= 16, jump targets, ancillary
//     offsets);
//  3. the last instruction must be ret #k or ret a;
//  4. check_load_and_stores, the scratch-memory initialisation analysis,
//     which bpf_check_classic calls at its end;
//  5. for Seccomp only, seccomp_check_filter, which bpf_prepare_filter
//     calls after bpf_check_classic has passed the whole program.
//
// So in seccomp mode a classic violation anywhere in the program is
// reported before a seccomp-only violation at a lower pc. Every content
// error is EINVAL.
func Check(p program.Program, mode Mode) error {
	if e := check(p, mode, nil); e != nil {
		return e
	}
	return nil
}

// CheckAll returns every violation in p, or nil if the kernel accepts it.
// The order is the kernel's (see Check), so the first element is the error
// Check returns: length; then the classic per-instruction violations by
// ascending pc; then the last-instruction rule; then every scratch read
// check_load_and_stores rejects, by pc; then, for Seccomp, every seccomp
// violation by pc.
//
// Unlike the kernel, CheckAll goes on after a failure. A program longer
// than 4096 is still checked instruction by instruction. The memory
// analysis ignores instructions that already broke a classic rule (a
// scratch index >= 16, a jump target outside the program), and the seccomp
// pass does not report again an opcode that is not classic BPF at all.
func CheckAll(p program.Program, mode Mode) []*Error {
	var errs []*Error
	check(p, mode, &errs)
	return errs
}

// reporter collects violations: with all == nil it keeps the first and
// asks the caller to stop; otherwise it appends every one.
type reporter struct {
	all   *[]*Error
	first *Error
}

// add records e and reports whether checking should stop.
func (r *reporter) add(e *Error) bool {
	if r.first == nil {
		r.first = e
	}
	if r.all == nil {
		return true
	}
	*r.all = append(*r.all, e)
	return false
}

// check runs the kernel's checks in the kernel's order, reporting to all
// (every violation) or, with all == nil, stopping at the first. It returns
// the first violation.
func check(p program.Program, mode Mode, all *[]*Error) *Error {
	r := reporter{all: all}
	n := len(p)

	// seccomp_prepare_filter and bpf_check_basics_ok (via
	// bpf_prog_create_from_user or __get_filter): len 0 or > BPF_MAXINSNS.
	if n == 0 || n > program.MaxInstructions {
		if r.add(lengthError(n)) || n == 0 {
			return r.first
		}
	}

	// bpf_check_classic: per instruction, whitelist then special checks.
	for pc := range p {
		if e := classicInsn(p, pc); e != nil && r.add(e) {
			return r.first
		}
	}

	// bpf_check_classic: "Last instruction must be a RET code".
	if last := p[n-1].Op; last != opRetK && last != opRetA {
		e := &Error{PC: n - 1, Rule: RuleLastRet, Errno: seccompdata.EINVAL,
			Reason: fmt.Sprintf("last instruction (code %#02x) is not ret #k or ret a", last)}
		if r.add(e) {
			return r.first
		}
	}

	// bpf_check_classic ends with check_load_and_stores.
	if memCheck(p, &r) {
		return r.first
	}

	// bpf_prepare_filter runs the seccomp trans callback only after
	// bpf_check_classic succeeded.
	if mode == Seccomp {
		for pc := range p {
			if e := seccompInsn(p[pc], pc); e != nil && r.add(e) {
				return r.first
			}
		}
	}
	return r.first
}

// lengthError is the error for a program of n instructions, n outside
// 1..4096.
func lengthError(n int) *Error {
	reason := "program is empty"
	if n > 0 {
		reason = fmt.Sprintf("program has %d instructions, more than %d", n, program.MaxInstructions)
	}
	return &Error{PC: -1, Rule: RuleLength, Errno: seccompdata.EINVAL, Reason: reason}
}

// classicInsn applies bpf_check_classic (net/core/filter.c) to the
// instruction at pc: chk_code_allowed, then the switch of special checks.
func classicInsn(p program.Program, pc int) *Error {
	ins := p[pc]
	code, k := ins.Op, ins.K
	fail := func(rule Rule, format string, args ...any) *Error {
		return &Error{PC: pc, Rule: rule, Errno: seccompdata.EINVAL, Reason: fmt.Sprintf(format, args...)}
	}
	if !classicAllowed(code) {
		return fail(RuleOpcode, "invalid opcode %#02x", code)
	}
	flen := len(p)
	switch code {
	case opDivK:
		if k == 0 {
			return fail(RuleDivZero, "division by constant zero")
		}
	case opModK:
		if k == 0 {
			return fail(RuleDivZero, "modulo by constant zero")
		}
	case opLshK, opRshK:
		if k >= 32 {
			return fail(RuleShift, "shift by constant %d, must be below 32", k)
		}
	case opLdMem, opLdxMem, opSt, opStx:
		if k >= program.MemWords {
			return fail(RuleMemIndex, "scratch slot M[%d] does not exist, slots are M[0]..M[15]", k)
		}
	case opJa:
		// The kernel compares unsigned: k >= (unsigned)(flen - pc - 1).
		if k >= uint32(flen-pc-1) {
			return fail(RuleJumpRange, "ja %d jumps to pc %d, past the last instruction (pc %d)",
				k, uint64(pc)+1+uint64(k), flen-1)
		}
	case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, opJsetX:
		if t := pc + int(ins.Jt) + 1; t >= flen {
			return fail(RuleJumpRange, "true branch (jt %d) jumps to pc %d, past the last instruction (pc %d)",
				ins.Jt, t, flen-1)
		}
		if t := pc + int(ins.Jf) + 1; t >= flen {
			return fail(RuleJumpRange, "false branch (jf %d) jumps to pc %d, past the last instruction (pc %d)",
				ins.Jf, t, flen-1)
		}
	case opLdAbsW, opLdAbsH, opLdAbsB:
		// Only these three codes: IND loads and ldxb take any k here.
		if k >= program.AncillaryBase && !knownAncillary(k) {
			return fail(RuleAncillary, "unknown ancillary offset %#x (SKF_AD_OFF+%d)", k, k-program.AncillaryBase)
		}
	}
	return nil
}

// memCheck is check_load_and_stores (net/core/filter.c): one linear pass
// with a bitmask of written slots, which jumps AND into their targets'
// masks. Its quirks are the kernel's: RET does not reset the state, and
// after a jump the next instruction starts from all slots valid (then
// ANDed with what jumps brought to it). It reports to r and says whether
// to stop.
func memCheck(p program.Program, r *reporter) bool {
	n := len(p)
	var buf [program.MaxInstructions]uint16
	var masks []uint16
	if n <= len(buf) {
		masks = buf[:n]
	} else {
		masks = make([]uint16, n)
	}
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, ins := range p {
		valid &= masks[pc]
		switch ins.Op {
		case opSt, opStx:
			if ins.K < program.MemWords {
				valid |= 1 << ins.K
			}
		case opLdMem, opLdxMem:
			if ins.K < program.MemWords && valid&(1<<ins.K) == 0 {
				e := &Error{PC: pc, Rule: RuleMemInit, Errno: seccompdata.EINVAL,
					Reason: fmt.Sprintf("M[%d] may be read before it is written", ins.K)}
				if r.add(e) {
					return true
				}
			}
		case opJa:
			if t := uint64(pc) + 1 + uint64(ins.K); t < uint64(n) {
				masks[t] &= valid
			}
			valid = 0xffff
		case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, opJsetX:
			if t := pc + 1 + int(ins.Jt); t < n {
				masks[t] &= valid
			}
			if t := pc + 1 + int(ins.Jf); t < n {
				masks[t] &= valid
			}
			valid = 0xffff
		}
	}
	return false
}

// seccompInsn applies seccomp_check_filter (kernel/seccomp.c) to one
// instruction. ld #len and ldx #len are rewritten to #64 there, which is
// not an error.
func seccompInsn(ins program.Instruction, pc int) *Error {
	switch {
	case ins.Op == opLdAbsW:
		if ins.K >= seccompDataSize || ins.K&3 != 0 {
			return &Error{PC: pc, Rule: RuleSeccompLoad, Errno: seccompdata.EINVAL,
				Reason: fmt.Sprintf("ld [%d] is not an aligned word of seccomp_data (0, 4, ..., 60)", ins.K)}
		}
	case !seccompAllowed(ins.Op) && classicAllowed(ins.Op):
		return &Error{PC: pc, Rule: RuleSeccompOpcode, Errno: seccompdata.EINVAL,
			Reason: fmt.Sprintf("opcode %#02x is not allowed in seccomp filters", ins.Op)}
	}
	return nil
}
