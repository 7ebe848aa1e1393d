// Package verifier answers whether the Linux kernel accepts a classic BPF
// program, as a seccomp filter or a socket filter, and if not, which
// instruction breaks which of the kernel's rules and which errno the kernel
// returns.
//
// The checks and their order follow the kernel: bpf_check_basics_ok and
// bpf_check_classic (with check_load_and_stores) in net/core/filter.c, then,
// for seccomp, seccomp_check_filter and the path-length limit of
// seccomp_attach_filter in kernel/seccomp.c.
package verifier

import (
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Mode selects the kernel's rule set.
type Mode int

const (
	// Seccomp is SECCOMP_SET_MODE_FILTER: bpf_check_classic, then
	// seccomp_check_filter (kernel/seccomp.c).
	Seccomp Mode = iota
	// Socket is SO_ATTACH_FILTER: bpf_check_classic only (net/core/filter.c).
	Socket
)

// String returns "seccomp" or "socket".
func (m Mode) String() string {
	switch m {
	case Seccomp:
		return "seccomp"
	case Socket:
		return "socket"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Rule names one of the kernel's rules a program can break.
type Rule int

// The rules, in the order the kernel checks them.
const (
	RuleLength        Rule = iota + 1 // 0 < len <= 4096 (seccomp_prepare_filter, bpf_check_basics_ok)
	RuleOpcode                        // code in the classic whitelist (chk_code_allowed)
	RuleDivZero                       // DIV/MOD by constant 0 (bpf_check_classic)
	RuleShift                         // LSH/RSH by constant >= 32 (bpf_check_classic)
	RuleMemIndex                      // scratch slot index >= 16 (bpf_check_classic)
	RuleJumpRange                     // jump target past the end (bpf_check_classic)
	RuleAncillary                     // unknown ancillary offset (bpf_anc_helper)
	RuleLastRet                       // last instruction is not RET (bpf_check_classic)
	RuleMemInit                       // scratch slot read before write (check_load_and_stores)
	RuleSeccompOpcode                 // opcode not allowed in seccomp (seccomp_check_filter)
	RuleSeccompLoad                   // ld [k] outside seccomp_data or misaligned (seccomp_check_filter)
	RuleStackSize                     // total filter path too long (seccomp_attach_filter)
)

// ruleNames are the stable identifiers String and MarshalText return,
// indexed by Rule. Read-only.
var ruleNames = [...]string{
	RuleLength:        "length",
	RuleOpcode:        "opcode",
	RuleDivZero:       "div-zero",
	RuleShift:         "shift",
	RuleMemIndex:      "mem-index",
	RuleJumpRange:     "jump-range",
	RuleAncillary:     "ancillary",
	RuleLastRet:       "last-ret",
	RuleMemInit:       "mem-init",
	RuleSeccompOpcode: "seccomp-opcode",
	RuleSeccompLoad:   "seccomp-load",
	RuleStackSize:     "stack-size",
}

// String returns the rule's short stable identifier, such as "div-zero" or
// "mem-init", suitable for JSON output and for matching in scripts.
func (r Rule) String() string {
	if r > 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("rule(%d)", int(r))
}

// MarshalText encodes the rule as its String identifier, so that a Rule
// appears in JSON as "div-zero" rather than a number.
func (r Rule) MarshalText() ([]byte, error) {
	if r <= 0 || int(r) >= len(ruleNames) {
		return nil, fmt.Errorf("verifier: unknown rule %d", int(r))
	}
	return []byte(ruleNames[r]), nil
}

// UnmarshalText decodes a rule identifier as produced by MarshalText.
func (r *Rule) UnmarshalText(text []byte) error {
	for i, name := range ruleNames {
		if i > 0 && name == string(text) {
			*r = Rule(i)
			return nil
		}
	}
	return fmt.Errorf("verifier: unknown rule %q", text)
}

// Error is the kernel's reason for rejecting a program or a stack of
// programs.
type Error struct {
	// Filter is the index of the failing program in a stack, in install
	// order; 0 for a single program.
	Filter int
	// Stack is true when the error comes from CheckStack; Error() then
	// names the filter, including filter 0.
	Stack bool
	// PC is the index of the offending instruction, or -1 when the rule
	// concerns the program as a whole (length, stack size).
	PC int
	// Rule is the rule broken.
	Rule Rule
	// Reason says in plain words what is wrong.
	Reason string
	// Errno is what the kernel's seccomp() or setsockopt() returns.
	Errno seccompdata.Errno
}

// Error returns a one-line message such as
// "pc 3: division by constant zero (EINVAL)", prefixed with "filter N: "
// for errors from CheckStack.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Stack {
		fmt.Fprintf(&b, "filter %d: ", e.Filter)
	}
	if e.PC >= 0 {
		fmt.Fprintf(&b, "pc %d: ", e.PC)
	}
	b.WriteString(e.Reason)
	b.WriteString(" (")
	b.WriteString(e.Errno.String())
	b.WriteString(")")
	return b.String()
}
