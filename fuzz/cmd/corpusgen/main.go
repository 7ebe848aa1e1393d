// Command corpusgen (re)produces the expectation files of bpfsim's
// regression corpus from the live kernel, and turns failures that Go's
// fuzzing engine saved under testdata/fuzz into new, minimised corpus
// entries.
//
//	go run ./fuzz/cmd/corpusgen [-corpus DIR] [-crashers DIR]...
//
// Without -crashers it rewrites every NAME.expect.json under DIR/samples,
// DIR/found and DIR/real: the programs and the reasons of the cases stay,
// generated inputs are drawn again from a fixed seed, and the verdict,
// return values and (where harmless) outcomes are asked of the kernel.
// The real filters of DIR/filters get their expectations in DIR/real.
//
// With -crashers DIR (for example fuzz/testdata/fuzz/FuzzVMVsKernel) it
// replays each saved input through the target it was found by (named by
// the directory), minimises the divergence against the kernel and writes
// it to DIR/found as NAME.asm (or .bpf) and NAME.expect.json. An input that
// no longer diverges is reported and skipped.
//
// It needs Linux with seccomp; it exits with status 1 on any error.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// generated is the number of generator inputs added to each entry, and the
// prefix of their reasons.
const (
	generated   = 24
	realInputs  = 40
	generatedAs = "generated "
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func main() {
	kernel.RunChildIfRequested()
	dir := flag.String("corpus", "corpus", "the corpus directory")
	var crashers multi
	flag.Var(&crashers, "crashers", "a testdata/fuzz/FuzzXxx directory to turn into corpus entries (repeatable)")
	flag.Parse()
	if err := run(*dir, crashers); err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(1)
	}
}

func run(dir string, crashers []string) error {
	o, err := kernel.Open(context.Background(), kernel.Options{})
	if err != nil {
		return err
	}
	defer o.Close()
	if len(crashers) > 0 {
		for _, c := range crashers {
			if err := convert(o, dir, c); err != nil {
				return err
			}
		}
		return nil
	}
	var entries []string
	for _, sub := range []string{"samples", "found", "real"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.expect.json"))
		entries = append(entries, files...)
	}
	progress := cli.NewProgress(os.Stderr, int64(len(entries)), "regenerating", false)
	defer progress.Done()
	for _, f := range entries {
		progress.Add(1)
		if err := regenerate(o, f); err != nil {
			return err
		}
	}
	filters, _ := filepath.Glob(filepath.Join(dir, "filters", "*.bpf"))
	for _, f := range filters {
		name := strings.TrimSuffix(filepath.Base(f), ".bpf")
		out := filepath.Join(dir, "real", name+".expect.json")
		if _, err := os.Stat(out); err == nil {
			continue // regenerated above
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		e := &corpus.Expectation{Program: "../filters/" + filepath.Base(f), Mode: "seccomp",
			Source: "a real filter, see filters/README.md", Cases: fixedCases()}
		if err := corpus.WriteExpectation(out, e); err != nil {
			return err
		}
		if err := regenerate(o, out); err != nil {
			return err
		}
	}
	return nil
}

// fixedCases are the inputs every real filter's expectations start with:
// calls whose outcome can be observed safely, and the arch and nr edges.
func fixedCases() []corpus.Case {
	const (
		x86     = seccompdata.AuditArchX86_64
		getppid = seccompdata.NrGetppidX86_64
	)
	cases := []struct {
		why string
		d   seccompdata.Data
	}{
		{"a syscall number no kernel implements (1000)", seccompdata.Data{Nr: 1000, Arch: x86}},
		{"getppid", seccompdata.Data{Nr: getppid, Arch: x86}},
		{"getppid with the x32 bit", seccompdata.Data{Nr: getppid | seccompdata.X32SyscallBit, Arch: x86}},
		{"nr -1", seccompdata.Data{Nr: -1, Arch: x86}},
		{"getppid from i386 (64)", seccompdata.Data{Nr: nrOf("i386", "getppid"), Arch: seccompdata.AuditArchI386}},
		{"getppid from aarch64 (173)", seccompdata.Data{Nr: nrOf("aarch64", "getppid"), Arch: seccompdata.AuditArchAArch64}},
		{"uretprobe (335), which bypasses seccomp on x86_64", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: x86}},
	}
	out := make([]corpus.Case, len(cases))
	for i, c := range cases {
		out[i] = corpus.Case{Why: c.why, Input: corpus.InputJSON(c.d), Ret: "0x00000000", Action: "KILL_THREAD"}
	}
	return out
}

// nrOf returns the number of a syscall from seccompdata's tables; the
// names asked for are in every table, so a miss is a bug.
func nrOf(arch, name string) int32 {
	a, err := seccompdata.LookupArch(arch)
	nr, found := a.SyscallNumber(name)
	if err != nil || !found {
		panic("corpusgen: no " + name + " on " + arch)
	}
	return nr
}

// regenerate rewrites one expectation file from the kernel.
func regenerate(o *kernel.Oracle, path string) error {
	e, err := corpus.ReadEntry(path)
	if err != nil {
		return err
	}
	var cases []corpus.CaseInput
	for _, c := range e.Exp.Cases {
		if strings.HasPrefix(c.Why, generatedAs) {
			continue
		}
		d, err := corpus.ParseCaseInput(c.Input)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		cases = append(cases, corpus.CaseInput{Why: c.Why, Input: d})
	}
	n := generated
	if strings.HasPrefix(e.Exp.Program, "../filters/") {
		n = realInputs
	}
	if e.Exp.Note != "" && len(cases) > 0 {
		n = 0 // a found divergence keeps exactly its minimised input
	}
	h := fnv.New64a()
	h.Write([]byte(filepath.Base(path)))
	g := fuzz.NewGenerator(int64(h.Sum64()))
	for i, d := range g.Inputs(e.Program, n) {
		cases = append(cases, corpus.CaseInput{Why: fmt.Sprintf("%s%d: input generator, biased to the program's constants", generatedAs, i+1), Input: d})
	}
	exp, err := corpus.Expect(context.Background(), o, e.Program, cases, true)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	exp.Program, exp.Note = e.Exp.Program, e.Exp.Note
	exp.Source = origin(e.Exp.Source) + "; expectations from the live kernel (go run ./fuzz/cmd/corpusgen)"
	if err := corpus.WriteExpectation(path, exp); err != nil {
		return err
	}
	fmt.Printf("%s: %d cases, accepted=%v\n", path, len(exp.Cases), exp.Accepted)
	return nil
}

// origin keeps the part of a source line that says where the program
// comes from.
func origin(s string) string {
	if i := strings.Index(s, "; expectations from"); i >= 0 {
		return s[:i]
	}
	if strings.HasPrefix(s, "read off the program") {
		return "the kernel's samples/seccomp, re-expressed in bpf_asm (see the program's comments)"
	}
	return s
}

// convert turns the crashers of one fuzz target into corpus entries.
func convert(o *kernel.Oracle, dir, crashDir string) error {
	target := filepath.Base(crashDir)
	seeds, err := corpus.Programs(dir)
	if err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(crashDir, "*"))
	for _, f := range files {
		data, err := readCrasher(f)
		if err != nil {
			return err
		}
		var d *fuzz.Divergence
		switch target {
		case "FuzzVerifierVsKernel":
			d, err = fuzz.CheckVerdict(context.Background(), o, fuzz.VerdictCase(data, seeds))
		case "FuzzVMVsKernel":
			p, inputs := fuzz.EvalCase(data, seeds)
			var ds []*fuzz.Divergence
			ds, err = fuzz.CheckEval(context.Background(), o, p, inputs)
			if len(ds) > 0 {
				d = ds[0]
			}
		default:
			return fmt.Errorf("%s: corpusgen converts FuzzVerifierVsKernel and FuzzVMVsKernel failures, not %s", f, target)
		}
		var rej *kernel.RejectedError
		if errors.As(err, &rej) {
			err = nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if d == nil {
			fmt.Printf("%s: no divergence any more, skipped\n", f)
			continue
		}
		m, err := fuzz.Minimize(context.Background(), o, d, nil)
		if err != nil {
			return fmt.Errorf("%s: minimise: %w", f, err)
		}
		sum := sha256.Sum256([]byte(fuzz.Hex(m.Program) + string(corpus.InputJSON(m.Input))))
		name := string(m.Kind) + "-" + hex.EncodeToString(sum[:4])
		var cases []corpus.CaseInput
		if m.Kind == fuzz.KindEval {
			cases = []corpus.CaseInput{{Why: "the minimised input of the divergence", Input: m.Input}}
		}
		exp, err := corpus.Expect(context.Background(), o, m.Program, cases, true)
		if err != nil {
			return err
		}
		exp.Note = fmt.Sprintf("found by %s (%s): kernel %s, bpfsim %s", target, filepath.Base(f), m.Want, m.Got)
		exp.Source = "minimised from a fuzzing failure; expectations from the live kernel (go run ./fuzz/cmd/corpusgen)"
		if err := corpus.WriteEntry(filepath.Join(dir, "found"), name, m.Program, exp); err != nil {
			return err
		}
		fmt.Printf("%s: %v\n  -> %s\n", f, m, filepath.Join(dir, "found", name))
	}
	return nil
}
