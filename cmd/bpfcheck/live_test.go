package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
)

// runMainEnv makes the test binary run bpfcheck's main, for the tests that
// need a real process.
const runMainEnv = "BPFCHECK_TEST_RUN_MAIN"

// --live re-executes the test binary as the oracle's helper.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) != "" {
		kernel.RunChildIfRequested()
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil))
	}
	kerneltest.Main(m)
}

// A kernel that stops answering (injected: the helper answers the probe
// and nothing after it) gives one line and exit 5 within the timeout,
// from the flag or the environment; an unhealthy kernel fails the probe.
func TestKernelStallExit5(t *testing.T) {
	kerneltest.Require(t)
	tests := []struct {
		name, fault, timeoutEnv string
		args                    []string
		code                    int
		stderr                  string
	}{
		{"flag", "hang-after=1", "", []string{"--live", "--kernel-timeout", "500ms", "testdata/allow.asm"}, 5, "kernel stalled: verdict got no answer within"},
		{"env", "hang-after=1", "400ms", []string{"--live", "testdata/allow.asm"}, 5, "kernel stalled: verdict got no answer within"},
		{"each", "hang-after=2", "", []string{"--live", "--each", "--kernel-timeout", "500ms", "testdata/allow.asm", "testdata/allow.asm"}, 5, "kernel stalled"},
		{"probe", "hang", "", []string{"--live", "--kernel-timeout", "300ms", "testdata/allow.asm"}, 5, "kernel stalled: probe got no answer"},
		{"backlog", "backlog", "", []string{"--probe-kernel", "--kernel-timeout", "500ms"}, 5, "backlog of deferred BPF frees"},
		{"bad env", "", "soon", []string{"--live", "testdata/allow.asm"}, 2, "BPFSIM_KERNEL_TIMEOUT"},
		{"healthy probe", "", "", []string{"--probe-kernel"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(kernel.FaultEnv, tc.fault)
			t.Setenv(kernel.TimeoutEnv, tc.timeoutEnv)
			start := time.Now()
			code, out, errOut := runCheck(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q (stdout %q)", code, errOut, tc.code, tc.stderr, out)
			}
			if n := strings.Count(errOut, "\n"); n > 1 {
				t.Errorf("%d lines on stderr, want one", n)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// A stuck helper blocks no capture of the command's output: $(bpfcheck
// --live ...) returns when bpfcheck does, because the helper holds none
// of its pipes.
func TestStuckHelperReleasesCapture(t *testing.T) {
	kerneltest.Require(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--live", "--kernel-timeout", "500ms", "testdata/allow.asm")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", kernel.FaultEnv+"=hang-after=1")
	start := time.Now()
	out, err := cmd.Output() // waits for EOF on stdout, as $(...) does
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
		t.Errorf("got %v (stdout %q), want exit 5", err, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the capture returned after %v", d)
	}
}

// The kernel's verdicts for these files are EINVAL for div #0 and for a
// read of an unwritten scratch slot (docs/kernel-semantics.md §2.1, §2.2), and
// acceptance for the real filters; bpfcheck must agree and say so.
func TestLive(t *testing.T) {
	kerneltest.Require(t)
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--live", "--each", "../../corpus/filters/qemu-system-x86_7.2_sandbox-on.bpf", "testdata/divzero.asm"}, 1,
			[]string{"kernel: accepted; agrees", "kernel: rejected with EINVAL; agrees"}},
		{[]string{"--live", "--mode", "socket", "testdata/many.asm"}, 1, []string{"kernel: rejected with EINVAL; agrees"}},
		{[]string{"--live", "testdata/allow.asm", "testdata/divzero.asm"}, 1, []string{"kernel: rejected with EINVAL at filter 1; agrees"}},
		// A 0-instruction program: the kernel refuses it with EINVAL,
		// alone, in a stack and with --each.
		{[]string{"--live", "testdata/empty.bpf"}, 1, []string{"kernel: rejected with EINVAL; agrees"}},
		{[]string{"--live", "testdata/allow.asm", "testdata/comment-only.asm"}, 1, []string{"kernel: rejected with EINVAL at filter 1; agrees"}},
		{[]string{"--live", "--each", "testdata/comment-only.asm", "testdata/allow.asm"}, 1, []string{"kernel: rejected with EINVAL; agrees", "kernel: accepted; agrees"}},
		// The kernel ignores jt/jf outside conditional jumps (firejail
		// ships such a filter): accepted.
		{[]string{"--live", "testdata/ret-jf.c"}, 0, []string{"kernel: accepted; agrees"}},
		// ... and k in forms that take none (txa, add x, ret a).
		{[]string{"--live", "testdata/ignored-k.c"}, 0, []string{"kernel: accepted; agrees"}},
		{[]string{"--live", "--json", "testdata/allow.asm"}, 0, []string{`"kernel":{"release":"`, `"accepted":true,"errno":"","agrees":true}}`}},
	}
	for _, tc := range tests {
		code, out, errOut := runCheck(tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}
