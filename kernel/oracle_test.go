package kernel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// ctx is every test's context: the oracle's own deadlines bound the calls.
var ctx = context.Background()

// openOracle opens an oracle for t and closes it at the end of the test.
func openOracle(t testing.TB) *kernel.Oracle {
	t.Helper()
	return kerneltest.Open(t)
}

// readFilter reads a raw little-endian struct sock_filter array.
func readFilter(t testing.TB, path string) program.Program {
	t.Helper()
	p, _, err := program.ReadFile(path, program.DecodeOptions{Format: program.FormatRaw})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func corpusFilters(t testing.TB) map[string]program.Program {
	t.Helper()
	paths, err := filepath.Glob("../corpus/filters/*.bpf")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus filters: %v", err)
	}
	m := map[string]program.Program{}
	for _, p := range paths {
		m[filepath.Base(p)] = readFilter(t, p)
	}
	return m
}

// leftovers lists threads of this process that hold a seccomp filter and
// children of any of its threads: with every filter in the oracle's
// helper, the caller's process has neither once the oracle is closed.
func leftovers() []string {
	var found []string
	tasks, _ := filepath.Glob("/proc/self/task/*")
	for _, task := range tasks {
		if b, err := os.ReadFile(task + "/status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "Seccomp_filters:" && f[1] != "0" {
					found = append(found, fmt.Sprintf("%s: %s", task, line))
				}
			}
		}
		if b, err := os.ReadFile(task + "/children"); err == nil && strings.TrimSpace(string(b)) != "" {
			found = append(found, fmt.Sprintf("%s: children %s", task, strings.TrimSpace(string(b))))
		}
	}
	return found
}

// waitNoLeftovers gives exiting threads a moment to go.
func waitNoLeftovers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		l := leftovers()
		if len(l) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %v", l)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Nothing survives an oracle: no thread with a seccomp filter, no child,
// after normal calls, rejections, killed evaluations and denied stacks.
func TestNothingLeftBehind(t *testing.T) {
	requireSeccomp(t)
	waitNoLeftovers(t) // earlier tests' oracles are closed
	o, err := kernel.Open(ctx, kernel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	divX := program.Program{program.Stmt(0x20, 16), program.Stmt(0x07, 0), program.Stmt(0x00, 100), program.Stmt(0x3c, 0), retA}
	if _, err := o.Verdict(ctx, []program.Program{{retAllow}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Eval(ctx, divX, []seccompdata.Data{{}, {Args: [6]uint64{1}}, {}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Eval(ctx, program.Program{program.Stmt(0x20, 0), retA}, []seccompdata.Data{{Nr: seccompdata.NrUretprobeX86_64}, {Nr: 1}}); err != nil {
		t.Fatal(err)
	}
	// The first i386 input probes for IA-32 emulation in a helper.
	if _, err := o.Eval(ctx, program.Program{program.Stmt(0x20, 4), retA}, []seccompdata.Data{{Arch: archI386}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Eval(ctx, program.Program{program.Stmt(0x94, 1), retA}, []seccompdata.Data{{}}); err == nil {
		t.Fatal("Eval of a rejected program: no error")
	}
	if _, err := o.Verdict(ctx, []program.Program{{program.Stmt(0x06, 0)}, {retAllow}}); err != nil {
		t.Fatal(err)
	}
	helper := o.HelperPID()
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", helper)); err == nil {
		t.Errorf("helper %d outlived Close", helper)
	}
	if _, err := o.Verdict(ctx, []program.Program{{retAllow}}); err == nil {
		t.Error("Verdict after Close: no error")
	}
	waitNoLeftovers(t)
}
