package vm

import (
	"testing"

	"github.com/bpfsim/bpfsim/verifier"
)

// TestFastPathSize: the precomputed form of every corpus filter stays
// small (the bound: 1 MiB for Docker's 1,001-instruction filter),
// and every arch class of the real filters is precomputed.
func TestFastPathSize(t *testing.T) {
	for name, p := range corpusFilters(t) {
		f, err := Compile(p, verifier.Seccomp)
		if err != nil {
			t.Fatal(err)
		}
		if f.fast == nil {
			t.Errorf("%s: no fast path", name)
			continue
		}
		size, classes, residuals, plain := f.fast.size(), 0, 0, 0
		for _, ac := range f.fast.arches {
			if ac.plain {
				plain++
			}
			for _, l := range ac.nr.leaves {
				classes++
				if l.plain {
					plain++
				}
				if l.code != nil {
					residuals++
				}
			}
		}
		t.Logf("%s: %d instructions, %d arch classes, %d (arch, nr) classes, %d residual programs, %d bytes",
			name, len(p), len(f.fast.arches), classes, residuals, size)
		if size > 1<<20 {
			t.Errorf("%s: fast path holds %d bytes, more than 1 MiB", name, size)
		}
		if plain > 0 {
			t.Errorf("%s: %d classes left to the plain interpreter", name, plain)
		}
	}
}
