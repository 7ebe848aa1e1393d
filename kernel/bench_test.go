package kernel_test

import (
	"sync/atomic"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
)

const dockerFilter = "../corpus/filters/docker-default_x86_64.bpf"

// BenchmarkVerdict measures single-program verdicts of the 337-instruction
// docker-default filter, from as many goroutines as GOMAXPROCS.
func BenchmarkVerdict(b *testing.B) {
	o := openOracle(b)
	p := readFilter(b, dockerFilter)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, err := o.Verdict(ctx, []program.Program{p}); err != nil || !v.Accepted {
				b.Fatalf("%v %v", v, err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
}

// BenchmarkEval measures kernel evaluation of the docker-default filter
// on batches of 1,000 inputs, from as many goroutines as GOMAXPROCS.
func BenchmarkEval(b *testing.B) {
	o := openOracle(b)
	p := readFilter(b, dockerFilter)
	inputs := fuzz.NewGenerator(7).Inputs(p, 1000)
	for i := range inputs {
		// One native batch: the figure is for a single install.
		inputs[i].Arch = archX86_64
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := o.Eval(ctx, p, inputs); err != nil {
				b.Fatal(err)
			}
			n.Add(int64(len(inputs)))
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "inputs/s")
}
