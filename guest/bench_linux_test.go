package guest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// BenchmarkGuest measures, per cached kernel, what a guest costs: booting
// it to its first answer and tearing it down (boot-ms, teardown-ms per
// guest), a verdict round trip on Docker's default filter, and Eval of
// that filter on batches of 1,000 x86_64 inputs (inputs/s). It runs when
// BPFSIM_MATRIX=1, e.g.
//
//	BPFSIM_MATRIX=1 CGO_ENABLED=0 go test -run '^$' -bench Guest -benchtime 3x ./guest
func BenchmarkGuest(b *testing.B) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		b.Skip("set BPFSIM_MATRIX=1 to boot guests (needs QEMU and make kernels)")
	}
	ctx := context.Background()
	docker, _, err := program.ReadFile("../corpus/filters/docker-default_x86_64+x86+x32.bpf", program.DecodeOptions{Format: program.FormatRaw})
	if err != nil {
		b.Fatal(err)
	}
	inputs := fuzz.NewGenerator(7).Inputs(docker, 1000)
	for i := range inputs {
		inputs[i].Arch = seccompdata.AuditArchX86_64
	}
	opts := func(name string) guest.Options {
		return guest.Options{Kernel: name, Init: staticInit(b), Timeout: 60 * time.Second}
	}
	for _, name := range testKernels(b) {
		b.Run(name+"/boot-teardown", func(b *testing.B) {
			var boot, down time.Duration
			for b.Loop() {
				g, err := guest.Open(ctx, opts(name))
				if err != nil {
					b.Fatal(err)
				}
				boot += g.Boot
				start := time.Now()
				g.Close()
				down += time.Since(start)
			}
			b.ReportMetric(float64(boot.Milliseconds())/float64(b.N), "boot-ms")
			b.ReportMetric(float64(down.Milliseconds())/float64(b.N), "teardown-ms")
		})
		g, err := guest.Open(ctx, opts(name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/verdict", func(b *testing.B) {
			for b.Loop() {
				if v, err := g.Verdict(ctx, []program.Program{docker}); err != nil || !v.Accepted {
					b.Fatalf("%v %v", v, err)
				}
			}
		})
		b.Run(name+"/eval1000", func(b *testing.B) {
			for b.Loop() {
				if _, err := g.Eval(ctx, docker, inputs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(inputs))/b.Elapsed().Seconds(), "inputs/s")
		})
		g.Close()
	}
}
