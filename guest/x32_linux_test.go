package guest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// TestX32 issues x32 calls for real: per cached kernel, one guest booted
// with syscall.x32=y and one without. In both the filters must see nr
// with __X32_SYSCALL_BIT and arch AUDIT_ARCH_X86_64 (seccomp runs before
// the syscall table is chosen), as bpfsim's vm says; with x32 on, an
// allowed x32 getppid must run and return the parent's pid, without it
// -ENOSYS. It runs when BPFSIM_MATRIX=1.
func TestX32(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to issue x32 calls in guests (needs QEMU and make kernels)")
	}
	names := testKernels(t)
	const x32Getppid = int32(seccompdata.X32SyscallBit | seccompdata.NrGetppidX86_64)
	allow := program.Program{{Op: 0x06, K: uint32(seccompdata.ActAllow)}}
	// ld [0]; jeq #x32 getppid, errno 77; ret allow.
	errnoOnX32 := program.Program{
		{Op: 0x20, K: 0},
		{Op: 0x15, Jt: 0, Jf: 1, K: uint32(x32Getppid)},
		{Op: 0x06, K: uint32(seccompdata.ActErrno) | 77},
		{Op: 0x06, K: uint32(seccompdata.ActAllow)},
	}
	retNr := program.Program{{Op: 0x20, K: 0}, {Op: 0x16}}
	retArch := program.Program{{Op: 0x20, K: 4}, {Op: 0x16}}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| kernel | syscall.x32 | allowed x32 getppid returns | filter sees nr | filter sees arch | ERRNO(77) on x32 getppid | disagreements with bpfsim |\n|---|---|---|---|---|---|---|\n")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			init := staticInit(t)
			var gs [2]*guest.Guest
			var errs [2]error
			var wg sync.WaitGroup
			for i, app := range [][]string{{"syscall.x32=y"}, nil} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					gs[i], errs[i] = guest.Open(ctx, guest.Options{Kernel: name, Init: init, Append: app, Timeout: 60 * time.Second})
				}()
			}
			wg.Wait()
			for _, g := range gs {
				if g != nil {
					defer g.Close()
				}
			}
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for i, g := range gs {
				x32On := i == 0
				mode := "y"
				if !x32On {
					mode = "(default)"
				}
				var disagree []string
				// What the filter sees.
				in := []seccompdata.Data{{Nr: x32Getppid, Arch: seccompdata.AuditArchX86_64}, {Nr: int32(seccompdata.X32SyscallBit | 39), Arch: seccompdata.AuditArchX86_64}}
				seen := map[string][]kernel.EvalResult{}
				for pname, p := range map[string]program.Program{"nr": retNr, "arch": retArch} {
					res, err := g.Eval(ctx, p, in)
					if err != nil {
						t.Fatal(err)
					}
					seen[pname] = res
					f, err := vm.Compile(p, verifier.Seccomp)
					if err != nil {
						t.Fatal(err)
					}
					for j, r := range res {
						w := in[j].Words(binary.LittleEndian)
						if got := f.RunSeccomp(&w); got != r.Ret || r.Method != kernel.Native {
							disagree = append(disagree, fmt.Sprintf("ld %s: kernel %#x (%v), vm %#x, input %+v", pname, r.Ret, r.Method, got, in[j]))
						}
					}
				}
				// What an allowed x32 getppid does, and an ERRNO on it.
				var rets []string
				for _, p := range []program.Program{allow, errnoOnX32} {
					obs, err := g.Outcome(ctx, []program.Program{p}, kernel.OutcomeCall{Nr: x32Getppid}, kernel.OutcomeEnv{})
					if err != nil {
						t.Fatal(err)
					}
					d := seccompdata.Data{Nr: x32Getppid, Arch: seccompdata.AuditArchX86_64}
					f, err := vm.Compile(p, verifier.Seccomp)
					if err != nil {
						t.Fatal(err)
					}
					w := d.Words(binary.LittleEndian)
					want := vm.Outcome(&d, f.RunSeccomp(&w), vm.OutcomeOptions{})
					got := obs.Outcome
					// The vm leaves a running call's return to the call.
					if want.Runs && got.Runs {
						want.Return, want.Errno = got.Return, got.Errno
					}
					if got.Runs != want.Runs || got.Returned != want.Returned || got.Return != want.Return || got.Killed != want.Killed || got.Signal != want.Signal {
						disagree = append(disagree, fmt.Sprintf("outcome: kernel %v, vm %+v", obs, want))
					}
					rets = append(rets, fmt.Sprint(obs))
				}
				// With x32 on the call runs and returns a pid; off, -ENOSYS.
				obs, err := g.Outcome(ctx, []program.Program{allow}, kernel.OutcomeCall{Nr: x32Getppid}, kernel.OutcomeEnv{})
				if err != nil {
					t.Fatal(err)
				}
				if x32On && !(obs.Returned && obs.Return > 0) {
					t.Errorf("%s, syscall.x32=y: allowed x32 getppid: %v, want the parent's pid (is CONFIG_X86_X32_ABI set?)", name, obs)
				}
				if !x32On && obs.Return != -int64(seccompdata.ENOSYS) {
					t.Logf("%s, x32 not asked: allowed x32 getppid: %v (x32 on by default?)", name, obs)
				}
				if seen["nr"][0].Ret != uint32(x32Getppid) || seen["arch"][0].Ret != seccompdata.AuditArchX86_64 {
					t.Errorf("%s, syscall.x32=%s: the filter saw nr %#x arch %#x, want %#x %#x", name, mode, seen["nr"][0].Ret, seen["arch"][0].Ret, x32Getppid, seccompdata.AuditArchX86_64)
				}
				for _, d := range disagree {
					t.Errorf("%s, syscall.x32=%s: %s", name, mode, d)
				}
				t.Logf("%s (%s), syscall.x32=%s: allow: %s; errno on x32 getppid: %s", name, g.Release, mode, rets[0], rets[1])
				fmt.Fprintf(&table, "| %s | %s | %s | %#x, %#x | %#x | %s | %d |\n", name, mode, rets[0], seen["nr"][0].Ret, seen["nr"][1].Ret, seen["arch"][0].Ret, rets[1], len(disagree))
			}
		})
	}
	t.Log(table.String())
	fmt.Print(table.String())
}
