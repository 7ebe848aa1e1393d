package kernel_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// Socket-filter verdicts: docs/kernel-semantics.md §0 and §2.1 (mod, ldb and
// IND loads are fine for sockets; ancillary offsets must be known; k >= 64
// past SKF_AD_OFF is EINVAL; length 0 and 4097 are EINVAL).
func TestSocketVerdict(t *testing.T) {
	requireSeccomp(t)
	o := openOracle(t)
	retA := program.Stmt(0x16, 0)
	tests := []struct {
		name string
		p    program.Program
		want kernel.Verdict
	}{
		{"mod", program.Program{program.Stmt(0x94, 3), retA}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
		{"ldb [x+k]", program.Program{program.Stmt(0x50, 1), retA}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
		{"ld proto", program.Program{program.Stmt(0x20, 0xfffff000), retA}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
		{"ld [0xfffff040]", program.Program{program.Stmt(0x20, 0xfffff040), retA}, kernel.Verdict{Errno: seccompdata.EINVAL}},
		{"ld [0xffffefff]", program.Program{program.Stmt(0x20, 0xffffefff), retA}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
		{"mod #0", program.Program{program.Stmt(0x94, 0), retA}, kernel.Verdict{Errno: seccompdata.EINVAL}},
		{"empty", program.Program{}, kernel.Verdict{Errno: seccompdata.EINVAL}},
		{"4097", repeat(4097, retA), kernel.Verdict{Errno: seccompdata.EINVAL}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := o.SocketVerdict(ctx, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("kernel: %+v, want %+v", got, tc.want)
			}
			if ours := verifier.Check(tc.p, verifier.Socket); (ours == nil) != got.Accepted {
				t.Errorf("verifier: %v, kernel: %v", ours, got)
			}
		})
	}
}
