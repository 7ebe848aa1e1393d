package corpus_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

func dropper(t testing.TB) program.Program {
	t.Helper()
	p, _, err := program.ReadFile("samples/dropper.asm", program.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExpectWriteReadReplay makes a corpus entry from the kernel, writes it,
// reads it back and replays it against the verifier, the vm and the kernel.
func TestExpectWriteReadReplay(t *testing.T) {
	o := kerneltest.Shared(t)
	p := dropper(t)
	cases := []corpus.CaseInput{
		{Why: "getppid", Input: seccompdata.Data{Nr: 110, Arch: 0xc000003e}},
		{Why: "nonexistent", Input: seccompdata.Data{Nr: 1000, Arch: 0xc000003e, Args: [6]uint64{1 << 40}}},
		{Why: "unknown arch", Input: seccompdata.Data{Nr: 110, Arch: 12345, InstructionPointer: 0x401000}},
	}
	e, err := corpus.Expect(context.Background(), o, p, cases, true)
	if err != nil {
		t.Fatal(err)
	}
	e.Note = "test entry"
	dir := t.TempDir()
	if err := corpus.WriteEntry(dir, "dropper", p, e); err != nil {
		t.Fatal(err)
	}
	back, err := corpus.ReadEntry(filepath.Join(dir, "dropper.expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Exp.Cases) != 3 || back.Exp.Cases[0].Outcome == nil || back.Exp.Cases[2].Outcome != nil {
		t.Fatalf("cases %+v", back.Exp.Cases)
	}
	// The kernel says: getppid fails with EPERM; 1000 is allowed and runs.
	if c := back.Exp.Cases[0]; c.Ret != "0x00050001" || c.Outcome.Return != -1 {
		t.Errorf("getppid: %+v %+v", c, c.Outcome)
	}
	if c := back.Exp.Cases[1]; c.Ret != "0x7fff0000" || c.Outcome.Return != -38 {
		t.Errorf("nonexistent: %+v %+v", c, c.Outcome)
	}
	for _, s := range corpus.Replay(context.Background(), back, o) {
		t.Error(s)
	}
	// A wrong expectation is reported.
	back.Exp.Cases[1].Ret = "0x7fff0001"
	if bad := corpus.Replay(context.Background(), back, nil); len(bad) == 0 || !strings.Contains(bad[0], "vm 0x7fff0000") {
		t.Errorf("replay of a wrong expectation: %v", bad)
	}
}

// TestPrograms checks the order Programs reads a corpus in: the samples
// first, sorted, the real filters last.
func TestPrograms(t *testing.T) {
	progs, err := corpus.Programs(".")
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := filepath.Glob("samples/*.asm")
	filters, _ := filepath.Glob("filters/*.bpf")
	found, _ := filepath.Glob("found/*")
	if len(progs) < len(samples)+len(filters) || len(progs) > len(samples)+len(filters)+len(found) {
		t.Fatalf("%d programs for %d samples, %d filters and %d found files", len(progs), len(samples), len(filters), len(found))
	}
	if first := dropper(t); len(progs[0]) != len(first) {
		t.Errorf("the first program has %d instructions, want samples/dropper.asm's %d", len(progs[0]), len(first))
	}
}
