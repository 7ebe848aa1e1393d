package kernel

import (
	"errors"
	"fmt"
	"time"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// The caller and its helper speak gob over two pipes: requests one way,
// responses the other, matched by ID so that calls from several goroutines
// can be in flight at once.

type op uint8

const (
	opProbe op = iota + 1
	opVerdict
	opSocketVerdict
	opEval
	opOutcome
	opReadFilters
	opIA32
)

type request struct {
	ID uint64
	Op op
	// Budget is how long, in nanoseconds from when the request is
	// read, the caller will wait for the answer. It is relative because
	// the two ends need not share a clock: a QEMU guest's starts from the
	// emulated RTC, whole seconds from the host's and drifting under TCG.
	Budget int64
	Progs  []program.Program
	Inputs []seccompdata.Data
	Call   OutcomeCall
	Env    OutcomeEnv
	Tid    int
}

// describe names a request in errors: "verdict of a stack of 3 filters".
func (r *request) describe() string {
	switch r.Op {
	case opProbe:
		return "probe"
	case opVerdict:
		if len(r.Progs) > 1 {
			return fmt.Sprintf("verdict of a stack of %d filters", len(r.Progs))
		}
		return "verdict"
	case opSocketVerdict:
		return "socket verdict"
	case opEval:
		return fmt.Sprintf("eval of %d inputs", len(r.Inputs))
	case opOutcome:
		return "outcome"
	case opReadFilters:
		return fmt.Sprintf("reading the filters of thread %d", r.Tid)
	case opIA32:
		return "IA-32 emulation probe"
	}
	return "request"
}

type response struct {
	ID       uint64
	Verdict  Verdict
	Evals    []EvalResult
	Observed Observed
	Progs    []program.Program
	OK       bool
	Err      *wireError
}

// wireError carries an error across the pipe, keeping the types callers
// test for.
type wireError struct {
	Msg         string
	Unsupported bool        // wraps ErrUnsupported
	Rejected    *Verdict    // a *RejectedError
	Stall       *StallError // a *StallError
	TooLong     *TooLongError
}

func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Msg: err.Error(), Unsupported: errors.Is(err, ErrUnsupported)}
	var rej *RejectedError
	if errors.As(err, &rej) {
		w.Rejected = &rej.Verdict
	}
	var st *StallError
	if errors.As(err, &st) {
		w.Stall = st
	}
	var tl *TooLongError
	if errors.As(err, &tl) {
		w.TooLong = tl
	}
	return w
}

func (w *wireError) err() error {
	switch {
	case w == nil:
		return nil
	case w.Rejected != nil:
		return &RejectedError{Verdict: *w.Rejected}
	case w.Stall != nil:
		return w.Stall
	case w.TooLong != nil:
		return w.TooLong
	case w.Unsupported:
		return &remoteError{msg: w.Msg, wrapped: ErrUnsupported}
	}
	return &remoteError{msg: w.Msg}
}

// remoteError is an error the helper returned.
type remoteError struct {
	msg     string
	wrapped error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.wrapped }

// serverDeadline is when the helper, having read a request with budget
// at received, gives up its own waits (the pacer's): a tenth of the budget,
// at most a second, earlier than the caller, so that its answer, which
// says why, arrives before the caller's timer fires.
func serverDeadline(received time.Time, budget time.Duration) time.Time {
	margin := budget / 10
	if margin > time.Second {
		margin = time.Second
	}
	return received.Add(budget - margin)
}
