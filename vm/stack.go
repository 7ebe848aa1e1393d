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
		cur := s[i].RunSeccomp(w)
		if actionOnly(cur) < actionOnly(ret) {
			ret, match = cur, i
		}
	}
	return ret, match
}

// actionOnly is ACTION_ONLY from kernel/seccomp.c.
func actionOnly(ret uint32) int32 { return int32(ret & seccompdata.ActionFullMask) }

// Evaluate runs the stack on d, encoded in the given byte order, and
// returns what the calling thread experiences (see Outcome). When the
// syscall bypasses seccomp (OutcomeOptions.Bypasses) no filter runs. Result.Filter
// is the match index from Run. An empty stack means the thread is not in
// filter mode: the syscall runs and nothing is bypassed.
func (s Stack) Evaluate(d *seccompdata.Data, order binary.ByteOrder, opts OutcomeOptions) Result {
	if len(s) == 0 {
		return Result{
			Action: seccompdata.ActAllow, Effective: seccompdata.ActAllow,
			Ret: uint32(seccompdata.ActAllow), Filter: -1, Runs: true,
		}
	}
	if opts.Bypasses(d) {
		return Outcome(d, uint32(seccompdata.ActAllow), opts)
	}
	w := d.Words(order)
	ret, match := s.Run(&w)
	r := Outcome(d, ret, opts)
	r.Filter = match
	return r
}
