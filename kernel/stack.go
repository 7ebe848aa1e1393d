package kernel

import (
	"context"
	"errors"
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// StackResult is the kernel's answer for one input to a stack of filters.
type StackResult struct {
	// Ret is the value the kernel acts on: Rets combined by
	// seccompdata.Combine, the precedence of seccomp_run_filters.
	Ret uint32
	// Rets is each filter's own return value as the kernel computed it,
	// in install order.
	Rets []uint32
	// Filter is the install index of the filter Ret came from, -1 when
	// none was taken.
	Filter int
	// Methods says, per filter, how the input was presented to it.
	Methods []Method
	// Missing says, per filter, why the kernel could not evaluate it (""
	// where it did): a program Eval cannot instrument (ErrTooLong). Where
	// any filter is missing, Ret and Filter are not known and Known is
	// false; Rets of the others are.
	Missing []string
	Known   bool
}

// EvalStack runs each filter of progs (install order) in k on every input,
// one Eval per filter for the whole batch, and combines each input's values
// as the kernel combines a stack. A filter Eval cannot instrument
// (ErrTooLong) is reported in StackResult.Missing and the others are still
// evaluated; any other error, which names the filter it came from, stops
// the batch.
func EvalStack(ctx context.Context, k Kernel, progs []program.Program, inputs []seccompdata.Data) ([]StackResult, error) {
	out := make([]StackResult, len(inputs))
	for j := range out {
		out[j] = StackResult{Rets: make([]uint32, len(progs)), Methods: make([]Method, len(progs)),
			Missing: make([]string, len(progs)), Known: true}
	}
	for i, p := range progs {
		res, err := k.Eval(ctx, p, inputs)
		if errors.Is(err, ErrTooLong) {
			for j := range out {
				out[j].Missing[i], out[j].Known = err.Error(), false
			}
			continue
		}
		if err != nil {
			return nil, &FilterError{Filter: i, Err: err}
		}
		for j, r := range res {
			out[j].Rets[i], out[j].Methods[i] = r.Ret, r.Method
		}
	}
	for j := range out {
		if out[j].Known {
			out[j].Ret, out[j].Filter = seccompdata.Combine(out[j].Rets)
		}
	}
	return out, nil
}

// FilterError is an error from one filter of a stack.
type FilterError struct {
	Filter int // install index
	Err    error
}

func (e *FilterError) Error() string { return fmt.Sprintf("filter %d: %v", e.Filter, e.Err) }

// Unwrap returns the filter's error.
func (e *FilterError) Unwrap() error { return e.Err }
