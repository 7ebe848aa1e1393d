// Package audit reviews a seccomp policy (one filter or a stack) the way a
// reviewer of a security policy would: does it check the arch, does it
// close the x32 hole, what is its default, does it deny one syscall while
// an equivalent stays allowed, does it answer new syscalls in a way libc
// can fall back from, does it need a handler, what does the kernel run
// without asking it, and is its code dead or near the kernel's limits.
//
// The answers are read from the policy's decision table (package
// decision), so they hold for every input, not for samples; every finding
// that has a witness input carries it, and Audit runs each witness through
// the vm and refuses to return a finding whose claim does not hold for it.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// Severity ranks a finding. The order is Info < Low < Medium < High.
type Severity int

// Severities (README, "Audit").
const (
	// Info: worth knowing; not a weakness by itself.
	Info Severity = iota
	// Low: a robustness or maintenance problem: the policy breaks
	// programs or is hard to change, but lets nothing through.
	Low
	// Medium: a weakness a reviewer should justify: a policy that allows
	// by default, or denies a syscall while an equivalent stays allowed.
	Medium
	// High: syscalls get through that the policy means to stop: no arch
	// check, x32 numbers that evade the x86_64 rules.
	High
)

var severityNames = [...]string{"info", "low", "medium", "high"}

// String returns "info", "low", "medium" or "high".
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name ParseSeverity reads.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads "info", "low", "medium" or "high".
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: want info, low, medium or high", s)
}

// Rule ids.
const (
	RuleNoArchCheck   = "no-arch-check"
	RuleX32Allowed    = "x32-allowed"
	RuleDefaultAllow  = "default-allow"
	RuleSiblingGap    = "sibling-gap"
	RuleEnosysMissing = "enosys-missing"
	RuleNeedsHandler  = "needs-handler"
	RuleProbeBypass   = "probe-bypass"
	RuleUnreachable   = "unreachable"
	RuleNearLimit     = "near-limit"
)

// RuleInfo describes a rule: its id, its severity (the highest it
// reports; x32-allowed reports medium when x32 gets only what x86_64
// gets) and what it finds.
type RuleInfo struct {
	ID          string
	Severity    Severity
	Description string
}

// Rules lists every rule, in the order findings are reported.
func Rules() []RuleInfo {
	return []RuleInfo{
		{RuleNoArchCheck, High, "an action that depends on nr is reached without the arch having been checked: the same number means another syscall on another arch"},
		{RuleX32Allowed, High, "x32 numbers (nr | 0x40000000 with AUDIT_ARCH_X86_64) get through on x86_64; high when an x32 call gets through whose x86_64 namesake does not (a bypass), medium when x32 gets only what x86_64 gets"},
		{RuleDefaultAllow, Medium, "the policy's default (numbers past the syscall table, or the most common answer) is ALLOW or LOG: a deny-list, which lets every syscall it does not know through"},
		{RuleSiblingGap, Medium, "a syscall is denied explicitly (not by the default, not with ENOSYS) while an equivalent one stays allowed"},
		{RuleEnosysMissing, Low, "syscalls newer than the newest the policy names get EPERM or KILL, where ENOSYS lets libc fall back to an older call"},
		{RuleNeedsHandler, Low, "TRAP, TRACE or USER_NOTIF: the calling program needs a SIGSYS handler, a ptrace tracer or a notification listener, or the call fails or kills"},
		{RuleProbeBypass, Low, "the filter denies uretprobe (x86_64 335, since 6.14) or uprobe (336, since 6.18), but the kernel runs them without asking the filter"},
		{RuleUnreachable, Info, "instructions no path from the first reaches: dead code"},
		{RuleNearLimit, Low, "a jump offset near 255, a program near 4096 instructions, or a stack near the kernel's path limit: the next rule may not fit"},
	}
}

// Witness is an input the finding's claim holds for, and what the policy
// returns for it.
type Witness struct {
	Input input.Call
	Ret   uint32
}

// Finding is one thing the audit found.
type Finding struct {
	Rule     string
	Severity Severity
	Message  string
	// Arch names the decision table's section the finding is about
	// ("x86_64", "any other arch"); "" when about the program.
	Arch string
	// Filter is the install index of the filter the finding is about, -1
	// when about the policy as a whole; PC the instruction (-1 when
	// none) and Line its line in a text policy (0 when unknown).
	Filter, PC, Line int
	// Witness, where one exists.
	Witness *Witness

	// claim must hold for the value the vm returns for the witness.
	claim func(ret uint32) bool
}

// Options say what the audit is for.
type Options struct {
	// Names are the policies, in install order (for messages and SARIF).
	Names []string
	// Lines, when not nil, hold for each filter the line of a text
	// policy each instruction is on (program.Source.Lines).
	Lines [][]int
	// Kernel is the kernel the probe-bypass rule is judged for; the zero
	// value means decision.NewestKnown().
	Kernel decision.KernelView
}

// Report is the result of an audit.
type Report struct {
	Policy   []string
	Kernel   decision.KernelView
	Findings []Finding
}

// Max returns the highest severity of the findings, and false when there
// are none.
func (r *Report) Max() (Severity, bool) {
	max, any := Info, false
	for _, f := range r.Findings {
		if !any || f.Severity > max {
			max, any = f.Severity, true
		}
	}
	return max, any
}

// AtLeast counts the findings of severity s or above.
func (r *Report) AtLeast(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// Audit reviews a stack of seccomp filters (one filter is a stack of one)
// in install order. Every finding with a witness has been checked: the vm
// returns Witness.Ret for it, and that value is what the finding claims.
func Audit(stack vm.Stack, opts Options) (*Report, error) {
	if opts.Kernel.Version == (decision.KernelVersion{}) {
		opts.Kernel = decision.KernelView{Version: decision.NewestKnown(), Source: "assumed: the newest kernel bpfsim knows"}
	}
	t, err := decision.New(stack, decision.Options{Names: opts.Names, Kernel: opts.Kernel})
	if err != nil {
		return nil, err
	}
	return FromTable(t, stack, opts)
}

// FromTable is Audit for a table already built from stack.
func FromTable(t *decision.Table, stack vm.Stack, opts Options) (*Report, error) {
	if len(stack) != t.Filters {
		return nil, errors.New("audit: the table is not the stack's")
	}
	a := &auditor{t: t, stack: stack, opts: opts}
	a.sections()
	a.noArchCheck()
	a.x32Allowed()
	a.defaultAllow()
	a.siblingGap()
	a.enosysMissing()
	a.needsHandler()
	a.probeBypass()
	a.unreachable()
	a.nearLimit()
	for i := range a.out {
		if err := a.check(&a.out[i]); err != nil {
			return nil, err
		}
	}
	return &Report{Policy: opts.Names, Kernel: t.Kernel, Findings: a.out}, nil
}

// check runs a finding's witness through the vm: the stack must return
// the witness's value, and the finding's claim must hold for it.
func (a *auditor) check(f *Finding) error {
	if f.Witness == nil {
		return nil
	}
	d := f.Witness.Input.Data
	w := d.Words(f.Witness.Input.Arch.Order)
	ret, _ := a.stack.Run(&w)
	if ret != f.Witness.Ret || (f.claim != nil && !f.claim(ret)) {
		return fmt.Errorf("audit: internal error: the witness of %s (%s) returns %#08x in the vm, not what the finding claims (%#08x)", f.Rule, f.Message, ret, f.Witness.Ret)
	}
	return nil
}

// Check runs the witness of f through stack and reports whether the vm
// returns the witness's value; tests use it on findings read back.
func Check(stack vm.Stack, f *Finding) bool {
	if f.Witness == nil {
		return true
	}
	w := f.Witness.Input.Data.Words(f.Witness.Input.Arch.Order)
	ret, _ := stack.Run(&w)
	return ret == f.Witness.Ret
}

// jsonFinding is a finding's JSON form (README, "Audit").
type jsonFinding struct {
	Rule     string      `json:"rule"`
	Severity Severity    `json:"severity"`
	Message  string      `json:"message"`
	Arch     string      `json:"arch,omitempty"`
	Filter   *int        `json:"filter,omitempty"`
	PC       *int        `json:"pc,omitempty"`
	Line     int         `json:"line,omitempty"`
	Witness  *input.Call `json:"witness,omitempty"`
	Ret      *uint32     `json:"witness_ret,omitempty"`
	Action   string      `json:"witness_action,omitempty"`
}

// MarshalJSON writes the finding with its witness in the --input form.
func (f Finding) MarshalJSON() ([]byte, error) {
	j := jsonFinding{Rule: f.Rule, Severity: f.Severity, Message: f.Message, Arch: f.Arch, Line: f.Line}
	if f.Filter >= 0 {
		j.Filter = &f.Filter
	}
	if f.PC >= 0 {
		j.PC = &f.PC
	}
	if w := f.Witness; w != nil {
		call, ret := w.Input, w.Ret
		j.Witness, j.Ret, j.Action = &call, &ret, seccompdata.Action(ret).String()
	}
	return json.Marshal(j)
}

// jsonReport is the one object bpfcheck --audit --json prints.
type jsonReport struct {
	Policy   []string       `json:"policy"`
	Kernel   string         `json:"kernel"`
	Summary  map[string]int `json:"summary"`
	Findings []Finding      `json:"findings"`
	FailOn   *string        `json:"fail_on,omitempty"`
	Failed   *bool          `json:"failed,omitempty"`
}

// JSON returns the report as one JSON object: policy, kernel, summary
// (findings per severity), findings; with failOn, also fail_on and
// failed (some finding at or above it).
func (r *Report) JSON(failOn *Severity) ([]byte, error) {
	j := jsonReport{Policy: r.Policy, Kernel: r.Kernel.Version.String(), Summary: map[string]int{}, Findings: r.Findings}
	if j.Findings == nil {
		j.Findings = []Finding{}
	}
	for _, n := range severityNames {
		j.Summary[n] = 0
	}
	for _, f := range r.Findings {
		j.Summary[f.Severity.String()]++
	}
	if failOn != nil {
		s, failed := failOn.String(), r.AtLeast(*failOn) > 0
		j.FailOn, j.Failed = &s, &failed
	}
	return json.Marshal(j)
}

// Text writes the report for people: one block per finding, then a
// summary line.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit of %s (kernel view: Linux %s)\n", strings.Join(r.Policy, " + "), r.Kernel.Version)
	for _, f := range r.Findings {
		where := ""
		if f.Filter >= 0 && len(r.Policy) > 1 {
			where += fmt.Sprintf(" filter %d", f.Filter)
		}
		if f.Line > 0 {
			where += fmt.Sprintf(" line %d", f.Line)
		}
		if f.PC >= 0 {
			where += fmt.Sprintf(" pc %d", f.PC)
		}
		if where != "" {
			where = " (" + strings.TrimSpace(where) + ")"
		}
		fmt.Fprintf(&b, "%-6s %s%s: %s\n", f.Severity, f.Rule, where, f.Message)
		if w := f.Witness; w != nil {
			in, _ := json.Marshal(w.Input)
			fmt.Fprintf(&b, "       witness: %s -> %s\n", in, seccompdata.Action(w.Ret))
		}
	}
	counts := make([]string, 0, len(severityNames))
	for s := High; s >= Info; s-- {
		n := 0
		for _, f := range r.Findings {
			if f.Severity == s {
				n++
			}
		}
		counts = append(counts, fmt.Sprintf("%d %s", n, s))
	}
	plural := "s"
	if len(r.Findings) == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%d finding%s: %s\n", len(r.Findings), plural, strings.Join(counts, ", "))
	return b.String()
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[uint32]V) []uint32 {
	out := make([]uint32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
