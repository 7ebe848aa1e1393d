package guest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// realFilter is one of the four real filters of corpus/filters and the
// generated inputs it is evaluated on.
type realFilter struct {
	name string
	p    program.Program
	in   []seccompdata.Data
}

// realFilters reads corpus/filters/*.bpf and draws n inputs for each
// (fuzz.Generator.Inputs: biased to the constants the filter tests). A
// share is i386, through int $0x80: a third for Docker's three-arch
// filter, which has an i386 branch, an eighth for the others, which
// check arch and refuse it.
func realFilters(t *testing.T, n int) []realFilter {
	files, err := filepath.Glob("../corpus/filters/*.bpf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no real filters in ../corpus/filters: %v", err)
	}
	var out []realFilter
	for i, f := range files {
		p, _, err := program.ReadFile(f, program.DecodeOptions{Format: program.FormatRaw})
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".bpf")
		every := 8
		if strings.Contains(name, "+x86") {
			every = 3
		}
		gen := fuzz.NewGenerator(int64(100 + i))
		out = append(out, realFilter{name, p, withI386(gen.Inputs(p, n), every)})
	}
	return out
}

// realPart evaluates each real filter on its inputs and compares every
// return value with vm.Filter.RunSeccomp's.
func realPart(ctx context.Context, s *side, filters []realFilter) error {
	for _, rf := range filters {
		f, err := vm.Compile(rf.p, verifier.Seccomp)
		if err != nil {
			return fmt.Errorf("%s: vm.Compile: %w", rf.name, err)
		}
		// Batches of 500: every answer within a round trip of a few
		// seconds even under TCG.
		const batch = 500
		for lo := 0; lo < len(rf.in); lo += batch {
			in := rf.in[lo:min(lo+batch, len(rf.in))]
			res, err := s.k.Eval(ctx, rf.p, in)
			if err != nil {
				return fmt.Errorf("%s: %w", rf.name, err)
			}
			for j, r := range res {
				s.answer(fmt.Sprintf("real %s input %d", rf.name, lo+j), evalAnswer(r))
				w := in[j].Words(binary.LittleEndian)
				if got := f.RunSeccomp(&w); got != r.Ret {
					s.find("real filters", "%s: kernel %#x (%v), vm %#x, input %+v", rf.name, r.Ret, r.Method, got, in[j])
				}
			}
		}
	}
	return nil
}
