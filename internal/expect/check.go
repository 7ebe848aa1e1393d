package expect

import (
	"context"
	"errors"
	"fmt"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// Result is one case checked: what the stack did and whether that is what
// the case expects.
type Result struct {
	Case *Case
	Got  Got
	// Path is the instructions the deciding filter executed (every
	// filter's when none decided, as for ALLOW), for the diff.
	Path []Path
	// Pass: the stack (and with CheckLive the kernel) meets the case.
	Pass bool
	// Diffs say what differs, one line each.
	Diffs []string
	// Kernel is the running kernel's answer, with CheckLive.
	Kernel *KernelAnswer
}

// Got is what the stack returned for a case's call.
type Got struct {
	// Ret is the value the kernel acts on (seccomp_run_filters), Rets
	// each filter's own, Filter the index Ret came from (-1: none).
	Ret    uint32   `json:"ret"`
	Rets   []uint32 `json:"rets"`
	Filter int      `json:"filter"`
	// Action is Ret by name ("ERRNO(1)"), Errno an ERRNO's errno name on
	// the call's arch.
	Action  string              `json:"action"`
	Errno   string              `json:"errno,omitempty"`
	Outcome seccompdata.Outcome `json:"outcome"`
}

// Path is the pcs one filter executed, in order.
type Path struct {
	Filter int   `json:"filter"`
	PCs    []int `json:"pcs"`
}

// KernelAnswer is the running kernel's value for a case.
type KernelAnswer struct {
	Ret    uint32 `json:"ret"`
	Action string `json:"action"`
	// Unavailable says why the kernel could not answer (a filter too long
	// for the oracle to read its value back); nothing is compared then.
	Unavailable string `json:"unavailable,omitempty"`
	// Agrees: the kernel returned what bpfsim did.
	Agrees bool `json:"agrees"`
}

// Check runs every case of f on stack, whose filters model the outcome as
// opts says, and reports each in order.
func Check(f *File, stack vm.Stack, opts vm.OutcomeOptions) []Result {
	out := make([]Result, len(f.Cases))
	for i, c := range f.Cases {
		r := &out[i]
		r.Case = c
		d := c.Call.Data
		ev := stack.Evaluate(&d, c.Call.Arch.Order, opts)
		r.Got = Got{Ret: ev.Ret, Rets: ev.Rets, Filter: ev.Filter, Action: seccompdata.Action(ev.Ret).String(), Outcome: ev.Outcome}
		r.Got.Errno = errnoName(c.Call.Arch, ev.Ret)
		if c.Want.Text == "" {
			r.Diffs = append(r.Diffs, fmt.Sprintf("no expect: the policy gives %s (--update records it)", describe(c.Call.Arch, ev.Ret)))
		} else if !c.Want.Match(ev.Ret) {
			r.Diffs = append(r.Diffs, fmt.Sprintf("expected %s, got %s", c.Want.Text, describe(c.Call.Arch, ev.Ret)))
		}
		if c.Outcome != nil {
			r.Diffs = append(r.Diffs, c.Outcome.diffs(&ev.Outcome)...)
		}
		r.Pass = len(r.Diffs) == 0
		words := d.Words(c.Call.Arch.Order)
		for j := len(stack) - 1; j >= 0; j-- {
			if ev.Filter >= 0 && j != ev.Filter {
				continue
			}
			p := Path{Filter: j}
			stack[j].TraceSeccomp(&words, func(st vm.Step) { p.PCs = append(p.PCs, st.PC) })
			r.Path = append(r.Path, p)
		}
	}
	return out
}

// CheckLive asks the running kernel for the value of every case's call
// under progs (the stack's programs, in install order; one kernel run per
// filter for all cases). A case whose kernel value does not meet its
// expectation fails; differ reports whether the kernel and bpfsim
// disagreed on any case.
func CheckLive(ctx context.Context, k kernel.Kernel, progs []program.Program, names []string, results []Result) (differ bool, err error) {
	datas := make([]seccompdata.Data, len(results))
	for i := range results {
		datas[i] = results[i].Case.Call.Data
	}
	evals, err := kernel.EvalStack(ctx, k, progs, datas)
	if err != nil {
		var fe *kernel.FilterError
		if errors.As(err, &fe) && fe.Filter < len(names) {
			return false, fmt.Errorf("%s: %w", names[fe.Filter], fe.Err)
		}
		return false, err
	}
	for i := range results {
		r, e := &results[i], evals[i]
		if !e.Known {
			why := ""
			for j, m := range e.Missing {
				if m != "" {
					why = fmt.Sprintf("%s: %s", names[j], m)
				}
			}
			r.Kernel = &KernelAnswer{Unavailable: why, Agrees: true}
			continue
		}
		ka := &KernelAnswer{Ret: e.Ret, Action: seccompdata.Action(e.Ret).String(), Agrees: e.Ret == r.Got.Ret}
		r.Kernel = ka
		if !ka.Agrees {
			differ = true
			r.Diffs = append(r.Diffs, fmt.Sprintf("the kernel returns %s, bpfsim %s", describe(r.Case.Call.Arch, e.Ret), describe(r.Case.Call.Arch, r.Got.Ret)))
		}
		if r.Case.Want.Text != "" && !r.Case.Want.Match(e.Ret) {
			r.Diffs = append(r.Diffs, fmt.Sprintf("kernel: expected %s, got %s", r.Case.Want.Text, describe(r.Case.Call.Arch, e.Ret)))
		}
		r.Pass = len(r.Diffs) == 0
	}
	return differ, nil
}

func errnoName(arch seccompdata.Arch, ret uint32) string {
	a := seccompdata.Action(ret)
	if a.Kind() != seccompdata.ActErrno {
		return ""
	}
	if name, ok := arch.ErrnoName(a.Data()); ok {
		return name
	}
	return ""
}

// describe is ret as the diff shows it: "ERRNO(1) EPERM (0x00050001)".
func describe(arch seccompdata.Arch, ret uint32) string {
	s := seccompdata.Action(ret).String()
	if e := errnoName(arch, ret); e != "" {
		s += " " + e
	}
	return fmt.Sprintf("%s (0x%08x)", s, ret)
}

// gotText is ret as Update writes it for a name-form expectation:
// ERRNO with its errno's name on arch, the other actions as
// seccompdata.Action.String writes them, an unknown kind exactly.
func gotText(arch seccompdata.Arch, ret uint32) string {
	a := seccompdata.Action(ret)
	if !a.Known() {
		return fmt.Sprintf("0x%08x", ret)
	}
	if e := errnoName(arch, ret); e != "" {
		return "ERRNO(" + e + ")"
	}
	return a.String()
}
