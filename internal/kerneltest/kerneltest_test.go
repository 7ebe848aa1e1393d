package kerneltest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// innerEnv marks the copies of this binary that the tests below run with
// a fault injected; only there do the Inner tests do anything.
const innerEnv = "KERNELTEST_INNER"

func TestInnerLive(t *testing.T) {
	if os.Getenv(innerEnv) == "" {
		t.Skip("run by TestWedgedBeforeStartSkips and TestStallDuringRunFails")
	}
	o := kerneltest.Open(t)
	if _, err := o.Verdict(context.Background(), []program.Program{{{Op: 0x06, K: 0x7fff0000}}}); err != nil {
		kerneltest.Fail(t, err)
	}
}

func TestInnerLater(t *testing.T) {
	if os.Getenv(innerEnv) == "" {
		t.Skip("run by TestStallDuringRunFails")
	}
	kerneltest.Require(t)
}

// runInner runs the Inner tests that match run in a copy of the binary
// exe (this one when ""), with env added to this process's environment
// less BPFSIM_KERNEL, and returns its output.
func runInner(t *testing.T, exe, run string, timeout time.Duration, env ...string) string {
	t.Helper()
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run="+run, "-test.v")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, kerneltest.KernelEnv+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, innerEnv+"=1")
	cmd.Env = append(cmd.Env, env...)
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the inner tests hung:\n%s", out)
	}
	return string(out)
}

// runInnerFault runs the Inner tests on the host with fault injected into
// every oracle helper, and returns their output.
func runInnerFault(t *testing.T, fault string) string {
	t.Helper()
	if k := os.Getenv(kerneltest.KernelEnv); k != "" {
		t.Skipf("tests the host kernel's probe and stalls; %s=%s keeps the tests off the host", kerneltest.KernelEnv, k)
	}
	kerneltest.Require(t)
	return runInner(t, "", "^TestInner(Live|Later)$", 30*time.Second, kernel.FaultEnv+"="+fault, kernel.TimeoutEnv+"=500ms")
}

// A kernel wedged before the tests start: the live tests skip, loudly,
// with the probe's evidence.
func TestWedgedBeforeStartSkips(t *testing.T) {
	out := runInnerFault(t, "hang")
	for _, want := range []string{
		"LIVE KERNEL TESTS WILL SKIP: the kernel was wedged before the tests started: kernel stalled: probe got no answer",
		"--- SKIP: TestInnerLive",
		"LIVE KERNEL TEST SKIPPED: the kernel was wedged before the tests started",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A stall that begins during the run fails the test that meets it, and
// every later live test at once.
func TestStallDuringRunFails(t *testing.T) {
	start := time.Now()
	out := runInnerFault(t, "hang-after=1")
	for _, want := range []string{
		"--- FAIL: TestInnerLive",
		"the kernel stalled during this run (possibly because of it): kernel stalled: verdict got no answer",
		"--- FAIL: TestInnerLater",
		"the kernel stalled earlier in this run",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}
