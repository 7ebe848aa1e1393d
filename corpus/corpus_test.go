package corpus_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/program"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// loadEntries reads every expectation file of the corpus.
func loadEntries(t *testing.T) []*corpus.Entry {
	t.Helper()
	var files []string
	for _, sub := range []string{"samples", "found", "real"} {
		f, _ := filepath.Glob(filepath.Join(sub, "*.expect.json"))
		files = append(files, f...)
	}
	if len(files) == 0 {
		t.Fatal("no expectation files in the corpus")
	}
	var out []*corpus.Entry
	for _, f := range files {
		e, err := corpus.ReadEntry(f)
		if err != nil {
			t.Fatal(err)
		}
		if e.Exp.Kernel == "" {
			t.Errorf("%s: no kernel recorded; expectations must come from the kernel (go run ./fuzz/cmd/corpusgen)", f)
		}
		if e.Exp.Accepted && len(e.Exp.Cases) == 0 {
			t.Errorf("%s: an accepted program needs cases", f)
		}
		out = append(out, e)
	}
	return out
}

// TestReplay runs every corpus entry through the verifier and the vm, and
// compares the vm's outcome model with every recorded outcome.
func TestReplay(t *testing.T) {
	for _, e := range loadEntries(t) {
		t.Run(e.Path, func(t *testing.T) {
			t.Parallel()
			for _, s := range corpus.Replay(context.Background(), e, nil) {
				t.Error(s)
			}
		})
	}
}

// TestReplayKernel runs every corpus entry through the live kernel again:
// verdict, return values and recorded outcomes must not have changed.
func TestReplayKernel(t *testing.T) {
	o := kerneltest.Open(t)
	var wg sync.WaitGroup
	entries := loadEntries(t)
	results := make([][]string, len(entries))
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = corpus.Replay(context.Background(), e, o)
		}()
	}
	wg.Wait()
	for i, e := range entries {
		for _, s := range results[i] {
			t.Errorf("%s: %s", e.Path, s)
		}
	}
}

// TestRoundTrip writes every corpus program in every format and reads it
// back: the program must come back identical.
func TestRoundTrip(t *testing.T) {
	progs := map[string]program.Program{}
	for _, e := range loadEntries(t) {
		progs[e.Path] = e.Program
	}
	formats := []program.Format{program.FormatRaw, program.FormatAsm, program.FormatC, program.FormatDDD, program.FormatComma}
	for name, p := range progs {
		for _, f := range formats {
			for _, big := range []bool{false, true} {
				if big && f != program.FormatRaw {
					continue
				}
				b, err := program.Encode(p, f, big)
				if err != nil {
					if f == program.FormatAsm && filepath.Ext(name) != ".asm" {
						continue // a found program bpf_asm cannot spell is kept raw
					}
					t.Fatalf("%s as %v: %v", name, f, err)
				}
				back, got, err := program.Decode(b, program.DecodeOptions{BigEndian: big})
				if err != nil {
					t.Fatalf("%s as %v: decode: %v", name, f, err)
				}
				if got != f {
					t.Errorf("%s as %v: detected as %v", name, f, got)
				}
				if len(back) != len(p) {
					t.Fatalf("%s as %v: %d instructions back, want %d", name, f, len(back), len(p))
				}
				for i := range p {
					if back[i] != p[i] {
						t.Fatalf("%s as %v: pc %d: %+v, want %+v", name, f, i, back[i], p[i])
					}
				}
			}
		}
	}
}
