package decision_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// The kernel oracle re-executes the test binary as its helper.
func TestMain(m *testing.M) { kerneltest.Main(m) }

// TestWitnessesKernel checks every witness of the tables of the bundled
// real filters and the corpus samples against the running kernel: one
// Eval per filter for all its witnesses. The kernel lays seccomp_data out
// little-endian (x86_64), so a witness of a big-endian arch is held to
// the vm's answer for that layout; every other witness to the row's own
// value.
func TestWitnessesKernel(t *testing.T) {
	o := kerneltest.Open(t)
	evals, checked := 0, 0
	for _, path := range corpusPolicies(t) {
		p := load(t, path)
		f := compile(t, p)
		tb := build(t, vm.Stack{f}, path)
		ws := tb.Witnesses()
		datas := make([]seccompdata.Data, len(ws))
		for i, w := range ws {
			datas[i] = w.Data
		}
		res, err := o.Eval(context.Background(), p, datas)
		evals++
		if err != nil {
			kerneltest.Fail(t, err)
		}
		for i, w := range ws {
			want := w.Ret
			if w.Arch.Order != binary.LittleEndian {
				words := w.Data.Words(binary.LittleEndian)
				want = f.RunSeccompPlain(&words)
			}
			if res[i].Ret != want {
				t.Errorf("%s: witness %+v (%s): kernel %#x (%v), table %#x", filepath.Base(path), w.Data, w.Arch, res[i].Ret, res[i].Method, want)
			}
			checked++
		}
	}
	t.Logf("%d witnesses checked against the kernel in %d Eval calls", checked, evals)
}
