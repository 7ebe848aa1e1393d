package verifier

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// seccompDataSize is sizeof(struct seccomp_data): the bound on seccomp
// loads and the value of ld #len in a seccomp filter.
const seccompDataSize = seccompdata.Size

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
	if last := program.Opcode(p[n-1].Op); last != program.RetK && last != program.RetA {
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
	code, k := program.Opcode(ins.Op), ins.K
	fail := func(rule Rule, format string, args ...any) *Error {
		return &Error{PC: pc, Rule: rule, Errno: seccompdata.EINVAL, Reason: fmt.Sprintf(format, args...)}
	}
	if !ClassicAllows(code) {
		return fail(RuleOpcode, "invalid opcode %#02x", code)
	}
	flen := len(p)
	switch code {
	case program.DivK:
		if k == 0 {
			return fail(RuleDivZero, "division by constant zero")
		}
	case program.ModK:
		if k == 0 {
			return fail(RuleDivZero, "modulo by constant zero")
		}
	case program.LshK, program.RshK:
		if k >= 32 {
			return fail(RuleShift, "shift by constant %d, must be below 32", k)
		}
	case program.LdMem, program.LdxMem, program.St, program.Stx:
		if k >= program.MemWords {
			return fail(RuleMemIndex, "scratch slot M[%d] does not exist, slots are M[0]..M[15]", k)
		}
	case program.Ja:
		// The kernel compares unsigned: k >= (unsigned)(flen - pc - 1).
		if k >= uint32(flen-pc-1) {
			return fail(RuleJumpRange, "ja %d jumps to pc %d, past the last instruction (pc %d)",
				k, uint64(pc)+1+uint64(k), flen-1)
		}
	case program.JeqK, program.JeqX, program.JgtK, program.JgtX, program.JgeK, program.JgeX, program.JsetK, program.JsetX:
		if t := pc + int(ins.Jt) + 1; t >= flen {
			return fail(RuleJumpRange, "true branch (jt %d) jumps to pc %d, past the last instruction (pc %d)",
				ins.Jt, t, flen-1)
		}
		if t := pc + int(ins.Jf) + 1; t >= flen {
			return fail(RuleJumpRange, "false branch (jf %d) jumps to pc %d, past the last instruction (pc %d)",
				ins.Jf, t, flen-1)
		}
	case program.LdAbsW, program.LdAbsH, program.LdAbsB:
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
		switch program.Opcode(ins.Op) {
		case program.St, program.Stx:
			if ins.K < program.MemWords {
				valid |= 1 << ins.K
			}
		case program.LdMem, program.LdxMem:
			if ins.K < program.MemWords && valid&(1<<ins.K) == 0 {
				e := &Error{PC: pc, Rule: RuleMemInit, Errno: seccompdata.EINVAL,
					Reason: fmt.Sprintf("M[%d] may be read before it is written", ins.K)}
				if r.add(e) {
					return true
				}
			}
		case program.Ja:
			if t := uint64(pc) + 1 + uint64(ins.K); t < uint64(n) {
				masks[t] &= valid
			}
			valid = 0xffff
		case program.JeqK, program.JeqX, program.JgtK, program.JgtX, program.JgeK, program.JgeX, program.JsetK, program.JsetX:
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
	op := program.Opcode(ins.Op)
	switch {
	case op == program.LdAbsW:
		if ins.K >= seccompDataSize || ins.K&3 != 0 {
			return &Error{PC: pc, Rule: RuleSeccompLoad, Errno: seccompdata.EINVAL,
				Reason: fmt.Sprintf("ld [%d] is not an aligned word of seccomp_data (0, 4, ..., 60)", ins.K)}
		}
	case !SeccompAllows(op) && ClassicAllows(op):
		return &Error{PC: pc, Rule: RuleSeccompOpcode, Errno: seccompdata.EINVAL,
			Reason: fmt.Sprintf("opcode %#02x is not allowed in seccomp filters", ins.Op)}
	}
	return nil
}
