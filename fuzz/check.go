package fuzz

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Kind says which two views of a program disagreed.
type Kind string

// The kinds of divergence.
const (
	// KindVerdict: verifier.Check and the kernel disagree on whether the
	// program is accepted, or on the errno of a rejection.
	KindVerdict Kind = "verdict"
	// KindEval: the vm and the kernel return different values for an input.
	KindEval Kind = "eval"
	// KindReference: the vm's value (which the kernel confirms in
	// CheckEval) differs from the caller's reference meaning of the
	// program: the generator that wrote the program, or its reference,
	// is wrong.
	KindReference Kind = "reference"
)

// Divergence is one disagreement found by a check.
type Divergence struct {
	// Kind says which two views disagreed.
	Kind Kind
	// Program is the program they disagreed on.
	Program program.Program
	// Input is the seccomp_data of an eval or reference divergence.
	Input seccompdata.Data
	// Want is the authority's answer (the kernel's, or the reference's
	// for KindReference) and Got bpfsim's, both in words: "accepted",
	// "EINVAL", "0x7fff0000".
	Want, Got string
	// Detail adds what helps to judge it: the verifier's reason, the
	// kernel's Eval method.
	Detail string
}

// Error describes d in one line followed by the program in hex (raw
// little-endian struct sock_filter) and bpf_asm text where it has one.
func (d *Divergence) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s divergence: want %s, got %s", d.Kind, d.Want, d.Got)
	if d.Kind != KindVerdict {
		fmt.Fprintf(&b, " for %+v", d.Input)
	}
	if d.Detail != "" {
		fmt.Fprintf(&b, " (%s)", d.Detail)
	}
	fmt.Fprintf(&b, "\nprogram (%d instructions) %s", len(d.Program), Hex(d.Program))
	if len(d.Program) <= 64 {
		if s, err := program.Disassemble(d.Program); err == nil {
			b.WriteString("\n" + s)
		}
	}
	return b.String()
}

// Hex returns p as hex of its raw little-endian encoding.
func Hex(p program.Program) string {
	b, err := program.Encode(p, program.FormatRaw, false)
	if err != nil {
		return "(empty)"
	}
	return hex.EncodeToString(b)
}

func verdictString(v kernel.Verdict) string {
	if v.Accepted {
		return "accepted"
	}
	return v.Errno.String()
}

// CheckVerdict compares verifier.Check with the kernel's verdict on p as a
// seccomp filter: both must accept, or both reject with the same errno. It
// returns nil when they agree, and an error only when the kernel could not
// be asked.
func CheckVerdict(ctx context.Context, k kernel.Kernel, p program.Program) (*Divergence, error) {
	v, err := k.Verdict(ctx, []program.Program{p})
	if err != nil {
		return nil, err
	}
	ours := verifier.Check(p, verifier.Seccomp)
	var ve *verifier.Error
	switch {
	case ours == nil && v.Accepted:
		return nil, nil
	case ours != nil && !v.Accepted && errors.As(ours, &ve) && ve.Errno == v.Errno:
		return nil, nil
	}
	d := &Divergence{Kind: KindVerdict, Program: p, Want: verdictString(v), Got: "accepted"}
	if ours != nil {
		d.Got, d.Detail = "rejected", ours.Error()
		if errors.As(ours, &ve) {
			d.Got = ve.Errno.String()
		}
	}
	return d, nil
}

// CheckEval runs p on every input in the vm and in the kernel and returns
// a divergence for each input on which the return values differ. p must be
// accepted by the kernel; if it is not, CheckEval returns the kernel's
// *kernel.RejectedError. If the kernel accepts p and the verifier does not,
// the one divergence returned is of KindVerdict.
func CheckEval(ctx context.Context, k kernel.Kernel, p program.Program, inputs []seccompdata.Data) ([]*Divergence, error) {
	res, err := k.Eval(ctx, p, inputs)
	if err != nil {
		return nil, err
	}
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return []*Divergence{{Kind: KindVerdict, Program: p, Want: "accepted", Got: "rejected", Detail: err.Error()}}, nil
	}
	var out []*Divergence
	for i := range inputs {
		w := words(&inputs[i])
		if got := f.RunSeccomp(&w); got != res[i].Ret {
			out = append(out, &Divergence{Kind: KindEval, Program: p, Input: inputs[i],
				Want: fmt.Sprintf("%#08x", res[i].Ret), Got: fmt.Sprintf("%#08x", got),
				Detail: fmt.Sprintf("kernel method %v, killed %v", res[i].Method, res[i].Killed)})
		}
	}
	return out, nil
}

// CheckReference runs p on every input in the vm and compares the result
// with ref, the caller's idea of what the program means (typically computed
// from the policy the program was generated from). It returns a divergence
// for each input where they differ, and an error if the verifier rejects p.
// Run CheckEval on the same program and inputs to make sure the vm speaks
// for the kernel; then a reference divergence is a fact about the generator
// or the reference.
func CheckReference(p program.Program, inputs []seccompdata.Data, ref func(*seccompdata.Data) uint32) ([]*Divergence, error) {
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return nil, err
	}
	var out []*Divergence
	for i := range inputs {
		w := words(&inputs[i])
		got, want := f.RunSeccomp(&w), ref(&inputs[i])
		if got != want {
			out = append(out, &Divergence{Kind: KindReference, Program: p, Input: inputs[i],
				Want: fmt.Sprintf("%#08x", want), Got: fmt.Sprintf("%#08x", got),
				Detail: fmt.Sprintf("reference %v, program %v", seccompdata.Action(want), seccompdata.Action(got))})
		}
	}
	return out, nil
}

// Coverage records which instructions of a program a set of inputs executed.
type Coverage struct {
	// Program is the program measured.
	Program program.Program
	// Hits[pc] is the number of inputs that executed instruction pc.
	Hits []int
	// Returns counts the inputs by the value the program returned.
	Returns map[uint32]int
}

// MeasureCoverage runs p on every input in the vm, tracing it, and counts
// the inputs that reached each instruction. It returns an error if the
// verifier rejects p.
func MeasureCoverage(p program.Program, inputs []seccompdata.Data) (*Coverage, error) {
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return nil, err
	}
	c := &Coverage{Program: p, Hits: make([]int, len(p)), Returns: map[uint32]int{}}
	for i := range inputs {
		w := words(&inputs[i])
		ret := f.TraceSeccomp(&w, func(s vm.Step) { c.Hits[s.PC]++ })
		c.Returns[ret]++
	}
	return c, nil
}

// Uncovered returns the instructions no input executed, in order.
func (c *Coverage) Uncovered() []int {
	var out []int
	for pc, n := range c.Hits {
		if n == 0 {
			out = append(out, pc)
		}
	}
	return out
}

// Fraction returns the share of instructions some input executed.
func (c *Coverage) Fraction() float64 {
	if len(c.Hits) == 0 {
		return 0
	}
	return 1 - float64(len(c.Uncovered()))/float64(len(c.Hits))
}
