package verifier_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/verifier"
)

// BenchmarkCheck checks Docker's default x86_64 seccomp filter (337
// instructions) and reports ns per cBPF instruction.
func BenchmarkCheck(b *testing.B) {
	p := readRaw(b, "../corpus/filters/docker-default_x86_64.bpf")
	b.ReportAllocs()
	for b.Loop() {
		if err := verifier.Check(p, verifier.Seccomp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p)), "ns/insn")
}

// BenchmarkCheckAll is CheckAll on the same accepted filter.
func BenchmarkCheckAll(b *testing.B) {
	p := readRaw(b, "../corpus/filters/docker-default_x86_64.bpf")
	b.ReportAllocs()
	for b.Loop() {
		if errs := verifier.CheckAll(p, verifier.Seccomp); errs != nil {
			b.Fatal(errs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p)), "ns/insn")
}
