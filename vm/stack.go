package vm

import (
	"encoding/binary"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Stack is the seccomp filters of a thread in install order: Stack[0] is
// the oldest, the last element the newest. This is also the index order of
// PTRACE_SECCOMP_GET_FILTER. Every element must be a non-nil seccomp
// filter.
type Stack []*Filter

// Run evaluates every filter on w, newest first, and combines their return
// values as seccomp_run_filters (kernel/seccomp.c) does: starting from
// SECCOMP_RET_ALLOW, a filter's value replaces the current one only if
// (s32)(ret & SECCOMP_RET_ACTION_FULL) is strictly less than the current
// one's. So the lowest action wins, compared signed (KILL_PROCESS and other
// values with the top bit set rank lowest), and among equal actions the
// newest filter wins with its data.
//
// match is the install index of the filter whose value was taken. If no
// filter returned an action below ALLOW, none was taken: ret is exactly
// 0x7fff0000 (ALLOW's data from the filters is dropped) and match is -1, as
// the kernel leaves its match pointer NULL. An empty stack returns ALLOW
// and -1.
func (s Stack) Run(w *[16]uint32) (ret uint32, match int) {
	ret, match = uint32(seccompdata.ActAllow), -1
	for i := len(s) - 1; i >= 0; i-- {
		if cur := s[i].RunSeccomp(w); seccompdata.Action(cur).Overrides(seccompdata.Action(ret)) {
			ret, match = cur, i
		}
	}
	return ret, match
}

// RunEach is Run that also stores each filter's own return value in rets,
// in install order; rets must have len(s) elements.
func (s Stack) RunEach(w *[16]uint32, rets []uint32) (ret uint32, match int) {
	for i, f := range s {
		rets[i] = f.RunSeccomp(w)
	}
	return seccompdata.Combine(rets)
}

// Evaluate runs the stack on d, encoded in the given byte order, and
// returns every filter's value, their combination and what the calling
// thread experiences (see Outcome). A syscall that bypasses seccomp
// (OutcomeOptions.Bypasses) runs whatever the filters say; Result.Bypassed
// says so. An empty stack means the thread is not in filter mode: the
// syscall runs and nothing is bypassed.
func (s Stack) Evaluate(d *seccompdata.Data, order binary.ByteOrder, opts OutcomeOptions) Result {
	r := Result{Ret: uint32(seccompdata.ActAllow), Rets: make([]uint32, len(s)), Filter: -1}
	if len(s) == 0 {
		r.Outcome.Runs, r.Outcome.Returned = true, true
		return r
	}
	w := d.Words(order)
	r.Ret, r.Filter = s.RunEach(&w, r.Rets)
	r.Bypassed = opts.Bypasses(d)
	r.Outcome = Outcome(d, r.Ret, opts)
	return r
}
