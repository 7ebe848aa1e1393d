package verifier

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// MaxInsnsPerPath is MAX_INSNS_PER_PATH in kernel/seccomp.c, (1<<18)/8:
// the most eBPF instructions a task's chain of seccomp filters may hold,
// counted as StackLen does.
const MaxInsnsPerPath = 32768

// pathPenalty is the "4 instr penalty" seccomp_attach_filter adds for each
// filter already installed.
const pathPenalty = 4

// CheckStack checks a stack of seccomp filters installed one after the
// other, progs[0] first, as a task that starts without filters would. It
// returns the first failure a real installer would meet: for each filter
// in turn, Check(progs[i], Seccomp) (seccomp_prepare_filter), then the path
// limit of seccomp_attach_filter (kernel/seccomp.c):
//
//	ExpandedLen(progs[i]) + Σ_{j<i} (ExpandedLen(progs[j]) + 4) <= 32768
//
// else ENOMEM. The returned *Error has Stack set and Filter = i. Because
// the limit counts converted eBPF instructions, a stack of long filters
// hits it well before 32768 cBPF instructions: 4096-instruction filters of
// ret #k stack only 3 deep.
func CheckStack(progs []program.Program) error {
	installed := 0 // Σ (len + 4) over filters already attached
	for i, p := range progs {
		if e := check(p, Seccomp, nil); e != nil {
			e.Filter, e.Stack = i, true
			return e
		}
		n := ExpandedLen(p, Seccomp)
		if total := n + installed; total > MaxInsnsPerPath {
			return &Error{
				Filter: i, Stack: true, PC: -1, Rule: RuleStackSize, Errno: seccompdata.ENOMEM,
				Reason: fmt.Sprintf("filter path would hold %d ebpf instructions (%d for this filter, %d for the %d before it), more than %d",
					total, n, installed, i, MaxInsnsPerPath),
			}
		}
		installed += n + pathPenalty
	}
	return nil
}

// StackLen returns the figure seccomp_attach_filter compares with
// MaxInsnsPerPath when the last of progs is attached on top of the others:
// its ExpandedLen plus ExpandedLen + 4 for each earlier filter. It is 0
// for an empty stack.
func StackLen(progs []program.Program) int {
	total := 0
	for i, p := range progs {
		total += ExpandedLen(p, Seccomp)
		if i > 0 {
			total += pathPenalty
		}
	}
	return total
}
