package guest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// jitRun is what one guest (JIT on or off) answered.
type jitRun struct {
	g        *guest.Guest
	verdicts []kernel.Verdict
	evals    [][]kernel.EvalResult // nil where the kernel refused the program
	evalErrs []error
	err      error
}

// TestJIT is the kernel's interpreter against its JIT: per cached kernel,
// two guests, booted with net.core.bpf_jit_enable 1 and 0 (checked in the
// guest), judge the same generated programs (BPFSIM_JIT_PROGRAMS, default
// 300) and evaluate the same inputs (BPFSIM_JIT_PAIRS, default 4,000, a
// quarter of them i386); every difference between the two, and between
// either and bpfsim's vm, is an error. A kernel that forces the JIT
// (CONFIG_BPF_JIT_ALWAYS_ON) is skipped with that reason. It runs when
// BPFSIM_MATRIX=1.
func TestJIT(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to run the kernel's interpreter against its JIT (needs QEMU and make kernels)")
	}
	names := testKernels(t)
	nProgs, nPairs := envInt("BPFSIM_JIT_PROGRAMS", 300), envInt("BPFSIM_JIT_PAIRS", 4000)
	// The same programs and inputs for every kernel and both guests.
	gen := fuzz.NewGenerator(14)
	var vprogs []program.Program
	for i := range nProgs {
		switch i % 4 {
		case 0, 2:
			vprogs = append(vprogs, gen.Valid())
		case 1:
			vprogs = append(vprogs, gen.Arith())
		default:
			vprogs = append(vprogs, gen.Mutate(gen.Valid()))
		}
	}
	const perProg = 100
	var eprogs []program.Program
	var einputs [][]seccompdata.Data
	for n := 0; n < nPairs; n += perProg {
		p := gen.Valid()
		if len(eprogs)%2 == 1 {
			p = gen.Arith()
		}
		in := gen.Inputs(p, perProg)
		for j := range in {
			if j%4 == 0 {
				in[j].Arch = seccompdata.AuditArchI386
				in[j].Nr &= 0x1ff
			}
		}
		eprogs, einputs = append(eprogs, p), append(einputs, in)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| kernel | release | bpf_jit_enable (asked 1, 0) | verdicts compared | eval pairs compared | JIT vs interpreter | vs bpfsim's vm | wall time |\n|---|---|---|---|---|---|---|---|\n")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			start := time.Now()
			init := staticInit(t)
			runs := [2]*jitRun{{}, {}}
			var wg sync.WaitGroup
			for i, jit := range []string{"1", "0"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := runs[i]
					r.g, r.err = guest.Open(ctx, guest.Options{Kernel: name, Init: init, JIT: jit, Timeout: 120 * time.Second})
				}()
			}
			wg.Wait()
			for _, r := range runs {
				if r.g != nil {
					defer r.g.Close()
				}
			}
			for _, r := range runs {
				if r.err != nil {
					t.Fatal(r.err)
				}
			}
			on, off := runs[0], runs[1]
			t.Logf("%s: release %s; bpf_jit_enable asked 1 got %s, asked 0 got %s", name, on.g.Release, on.g.JIT, off.g.JIT)
			if on.g.JIT != "1" {
				t.Fatalf("%s: asked bpf_jit_enable=1, the guest holds %q", name, on.g.JIT)
			}
			if off.g.JIT != "0" {
				fmt.Fprintf(&table, "| %s | %s | %s, %s | skipped: the kernel forces the JIT (CONFIG_BPF_JIT_ALWAYS_ON) | | | | |\n", name, on.g.Release, on.g.JIT, off.g.JIT)
				t.Skipf("%s: bpf_jit_enable=0 did not take (the guest holds %q): the kernel forces the JIT (CONFIG_BPF_JIT_ALWAYS_ON), so it has no interpreter to compare", name, off.g.JIT)
			}
			for _, r := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, p := range vprogs {
						v, err := r.g.Verdict(ctx, []program.Program{p})
						if err != nil {
							r.err = err
							return
						}
						r.verdicts = append(r.verdicts, v)
					}
					for i, p := range eprogs {
						res, err := r.g.Eval(ctx, p, einputs[i])
						var tl *kernel.TooLongError
						var rej *kernel.RejectedError
						if err != nil && !errors.As(err, &tl) && !errors.As(err, &rej) {
							r.err = err
							return
						}
						r.evals, r.evalErrs = append(r.evals, res), append(r.evalErrs, err)
					}
				}()
			}
			wg.Wait()
			for _, r := range runs {
				if r.err != nil {
					t.Fatalf("jit=%s: %v", r.g.JIT, r.err)
				}
			}
			var jitDiff, vmDiff []string
			for i, p := range vprogs {
				a, b := on.verdicts[i], off.verdicts[i]
				if a != b {
					jitDiff = append(jitDiff, fmt.Sprintf("verdict: JIT %v, interpreter %v, program %v", a, b, p))
				}
				if d, err := fuzz.CheckVerdict(ctx, off.g, p); err != nil {
					t.Fatal(err)
				} else if d != nil {
					vmDiff = append(vmDiff, fmt.Sprintf("verdict (interpreter): %v", d))
				}
			}
			pairs := 0
			for i, p := range eprogs {
				ea, eb := on.evalErrs[i], off.evalErrs[i]
				if (ea == nil) != (eb == nil) {
					jitDiff = append(jitDiff, fmt.Sprintf("eval: JIT %v, interpreter %v, program %v", ea, eb, p))
					continue
				}
				if ea != nil {
					continue
				}
				f, err := vm.Compile(p, verifier.Seccomp)
				if err != nil {
					vmDiff = append(vmDiff, fmt.Sprintf("eval: the kernel accepts and the vm refuses %v: %v", p, err))
				}
				for j, in := range einputs[i] {
					a, b := on.evals[i][j], off.evals[i][j]
					pairs++
					if a != b {
						jitDiff = append(jitDiff, fmt.Sprintf("eval: JIT %#x (%v, killed %v), interpreter %#x (%v, killed %v), input %+v, program %v", a.Ret, a.Method, a.Killed, b.Ret, b.Method, b.Killed, in, p))
					}
					if f == nil {
						continue
					}
					w := in.Words(binary.LittleEndian)
					if got := f.RunSeccomp(&w); got != b.Ret || got != a.Ret {
						vmDiff = append(vmDiff, fmt.Sprintf("eval: JIT %#x, interpreter %#x, vm %#x, input %+v, program %v", a.Ret, b.Ret, got, in, p))
					}
				}
			}
			for _, ds := range [][]string{jitDiff, vmDiff} {
				for i, d := range ds {
					if i == 20 {
						t.Logf("... and %d more", len(ds)-20)
						break
					}
					t.Errorf("%s: %s", name, strings.ReplaceAll(d, "\n", " "))
				}
			}
			fmt.Fprintf(&table, "| %s | %s | %s, %s | %d | %d | %d | %d | %.0f s |\n", name, on.g.Release, on.g.JIT, off.g.JIT, len(vprogs), pairs, len(jitDiff), len(vmDiff), time.Since(start).Seconds())
		})
	}
	t.Log(table.String())
	fmt.Print(table.String())
}
