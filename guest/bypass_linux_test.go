package guest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// TestBypass makes uretprobe (335) and uprobe (336) calls for real under a
// filter that answers ERRNO|5 to everything, beside the controls 334 and
// 337, in a guest of every cached kernel, and checks them against bpfsim's
// model of that release (seccompdata.KernelVersion.UretprobeBypass,
// UprobeBypass), read from the guest's uname. A call the model says
// bypasses seccomp must not return -5: uretprobe outside its trampoline
// gets SIGILL, and uprobe, where the syscall exists, -ENXIO
// (docs/kernel-semantics.md §5). A call the model filters must return -5.
// This is where the kernels differ: Debian's 6.12 carries the uretprobe
// exception's stable backport, 5.10 and 6.1 have none. It runs when
// BPFSIM_MATRIX=1.
func TestBypass(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to make uretprobe and uprobe calls in guests (needs QEMU and make kernels)")
	}
	errno5 := program.Program{{Op: 0x06, K: uint32(seccompdata.ActErrno) | 5}}
	for _, name := range testKernels(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := openGuest(t, name, 60*time.Second)
			v, err := seccompdata.ParseKernelVersion(g.Release)
			if err != nil {
				t.Fatal(err)
			}
			model := vm.KernelOutcomeOptions(v)
			for _, nr := range []int32{334, seccompdata.NrUretprobeX86_64, seccompdata.NrUprobeX86_64, 337} {
				obs, err := g.Outcome(ctx, []program.Program{errno5}, kernel.OutcomeCall{Nr: nr}, kernel.OutcomeEnv{})
				if err != nil {
					t.Fatalf("nr %d: %v", nr, err)
				}
				filtered := obs.Returned && obs.Return == -5
				bypass := model.Bypasses(&seccompdata.Data{Arch: seccompdata.AuditArchX86_64, Nr: nr})
				t.Logf("%s (%s): nr %d: %v (bpfsim for %v: bypass %v)", name, g.Release, nr, obs, v, bypass)
				switch {
				case bypass && filtered:
					t.Errorf("%s: nr %d: the filter's ERRNO applied, but bpfsim says %v bypasses seccomp", g.Release, nr, v)
				case !bypass && !filtered:
					t.Errorf("%s: nr %d: %v, but bpfsim says %v applies the filter (-5)", g.Release, nr, obs, v)
				case bypass && nr == seccompdata.NrUretprobeX86_64 && obs.Returned:
					t.Errorf("%s: uretprobe bypassed the filter but returned (%v); want SIGILL", g.Release, obs)
				}
			}
		})
	}
}
