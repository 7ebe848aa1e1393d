package guest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// matrixRow is one kernel's line of the matrix.
type matrixRow struct {
	name, release string
	boot          time.Duration
	corpus        int
	verdicts      int
	evalPairs     int
	int80         int
	disagree      []string
	elapsed       time.Duration
}

// TestMatrix replays the corpus and runs the verifier/vm differential
// (BPFSIM_MATRIX_PROGRAMS verdicts, default 1,000, and
// BPFSIM_MATRIX_PAIRS eval pairs, default 10,000) on every cached kernel,
// each in its own guest, and prints the matrix. It runs when
// BPFSIM_MATRIX=1 (it takes minutes under TCG).
func TestMatrix(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to run the kernel matrix (needs QEMU and make kernels)")
	}
	names := testKernels(t)
	nProgs, nPairs := envInt("BPFSIM_MATRIX_PROGRAMS", 1000), envInt("BPFSIM_MATRIX_PAIRS", 10000)
	entries := corpusEntries(t)
	var rows []matrixRow
	for _, name := range names {
		row := matrixRow{name: name}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			start := time.Now()
			g, err := guest.Open(ctx, guest.Options{Kernel: name, Init: staticInit(t), Timeout: 120 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			row.release, row.boot = g.Release, g.Boot
			var k kernel.Kernel = g
			for _, e := range entries {
				for _, s := range corpus.Replay(ctx, e, k) {
					row.disagree = append(row.disagree, fmt.Sprintf("corpus %s: %s", filepath.Base(e.Path), s))
				}
				row.corpus++
			}
			gen := fuzz.NewGenerator(1)
			for i := range nProgs {
				var p program.Program
				switch i % 4 {
				case 0:
					p = gen.Valid()
				case 1:
					p = gen.Invalid()
				case 2:
					p = gen.Mutate(gen.Valid())
				default:
					p = gen.Arith()
				}
				d, err := fuzz.CheckVerdict(ctx, k, p)
				if err != nil {
					t.Fatalf("verdict %d: %v", i, err)
				}
				row.verdicts++
				if d != nil {
					row.disagree = append(row.disagree, fmt.Sprintf("verdict: %v", d))
				}
			}
			const perProg = 100
			for row.evalPairs < nPairs {
				p := gen.Valid()
				if row.evalPairs%200 == 100 {
					p = gen.Arith()
				}
				in := gen.Inputs(p, perProg)
				// Make a share of them i386, for the int $0x80 path.
				for j := range in {
					if j%4 == 0 {
						in[j].Arch = seccompdata.AuditArchI386
						in[j].Nr &= 0x1ff
					}
				}
				res, err := k.Eval(ctx, p, in)
				var tl *kernel.TooLongError
				var rej *kernel.RejectedError
				if errors.As(err, &tl) || errors.As(err, &rej) {
					continue
				}
				if err != nil {
					t.Fatalf("eval: %v", err)
				}
				f, err := vm.Compile(p, verifier.Seccomp)
				if err != nil {
					row.disagree = append(row.disagree, fmt.Sprintf("eval: the kernel accepts and the vm refuses %v: %v", p, err))
					continue
				}
				for j, r := range res {
					if r.Method&kernel.CompatInt80 != 0 {
						row.int80++
					}
					w := in[j].Words(binary.LittleEndian)
					if got := f.RunSeccomp(&w); got != r.Ret {
						row.disagree = append(row.disagree, fmt.Sprintf("eval: kernel %#x (%v), vm %#x, input %+v, program %v", r.Ret, r.Method, got, in[j], p))
					}
				}
				row.evalPairs += len(in)
			}
			row.elapsed = time.Since(start)
			for i, d := range row.disagree {
				if i == 20 {
					t.Logf("... and %d more", len(row.disagree)-20)
					break
				}
				t.Errorf("%s: %s", name, strings.ReplaceAll(d, "\n", " "))
			}
		})
		rows = append(rows, row)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| kernel | release | boot | corpus entries | verdicts | eval pairs | int $0x80 cases | disagreements | wall time | round trips/s |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		trips := r.corpus + r.verdicts + r.evalPairs/100
		rate := float64(trips) / (r.elapsed - r.boot).Seconds()
		fmt.Fprintf(&b, "| %s | %s | %.1f s | %d | %d | %d | %d | %d | %.0f s | %.0f |\n", r.name, r.release, r.boot.Seconds(), r.corpus, r.verdicts, r.evalPairs, r.int80, len(r.disagree), r.elapsed.Seconds(), rate)
	}
	t.Log(b.String())
	fmt.Print(b.String())
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func corpusEntries(t *testing.T) []*corpus.Entry {
	var files []string
	for _, pat := range []string{"../corpus/*/*.expect.json", "../corpus/*/*/*.expect.json"} {
		f, _ := filepath.Glob(pat)
		files = append(files, f...)
	}
	var es []*corpus.Entry
	for _, f := range files {
		e, err := corpus.ReadEntry(f)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}
