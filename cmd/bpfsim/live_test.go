package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
)

// A kernel that stops answering (injected) ends --live, --outcome and
// --pid with one line and exit 5 within --kernel-timeout.
func TestKernelStallExit5(t *testing.T) {
	kerneltest.Require(t)
	for _, tc := range []struct {
		name  string
		fault string
		args  []string
	}{
		{"eval", "hang-after=1", []string{dropper, "--syscall", "getppid", "--live"}},
		{"outcome", "hang-after=2", []string{dropper, "--syscall", "getppid", "--live", "--outcome"}},
		{"batch", "hang-after=1", []string{dropper, "--input", "testdata/batch.jsonl", "--live", "--json"}},
		{"pid", "hang-after=1", []string{"--pid", "1", "--syscall", "read"}},
		{"backlog", "backlog", []string{dropper, "--syscall", "getppid", "--live"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(kernel.FaultEnv, tc.fault)
			start := time.Now()
			code, out, errOut := runSim("", append(tc.args, "--kernel-timeout", "600ms")...)
			if code != 5 || !strings.Contains(errOut, "kernel stalled") || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 5 and one line saying the kernel stalled (stdout %q)", code, errOut, out)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// --live re-executes the test binary as the oracle's helper.
func TestMain(m *testing.M) { kerneltest.Main(m) }

// With --live the kernel's return values stand beside ours; the expected
// values are the kernel's (docs/kernel-semantics.md §5: ERRNO(1) makes getppid
// fail with EPERM; TRAP's siginfo carries the data and the nr).
func TestLive(t *testing.T) {
	kerneltest.Require(t)
	code, out, errOut := runSim("", dropper, "--syscall", "getppid", "--live", "--outcome", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var r struct {
		Ret    uint32 `json:"ret"`
		Kernel struct {
			Ret     uint32 `json:"ret"`
			Agrees  bool   `json:"agrees"`
			Outcome struct {
				Returned bool  `json:"returned"`
				Return   int64 `json:"return"`
			} `json:"outcome"`
		} `json:"kernel"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Kernel.Ret != 0x00050001 || !r.Kernel.Agrees || r.Kernel.Outcome.Return != -1 || !r.Kernel.Outcome.Returned {
		t.Errorf("got %+v", r)
	}

	code, out, _ = runSim("", "../../corpus/samples/trap-rw.asm", "--input", "testdata/batch.jsonl", "--live", "--outcome")
	if code != 0 || strings.Count(out, "; agrees") != 4 {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// An i386 input cannot be made for real on x86_64.
	if !strings.Contains(out, "not observed: only x86_64 calls can be made for real") {
		t.Errorf("no skipped outcome:\n%s", out)
	}
}

func TestOutcomeNeedsLive(t *testing.T) {
	code, _, errOut := runSim("", dropper, "--syscall", "getppid", "--outcome")
	if code != 2 || !strings.Contains(errOut, "--outcome needs --live") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// Long programs under --live (issue 7 item 11): a 4,090-instruction program
// that ends in ret a evaluates, and the kernel's value is the filter's own
// 0x7fffef0f; at 4,095 instructions the kernel still runs it but Eval
// cannot read the value back, and --live says so and carries on (exit 0).
func TestLiveLongPrograms(t *testing.T) {
	kerneltest.Require(t)
	code, out, errOut := runSim("", "testdata/ret-a-4090.asm", "--syscall", "read", "--live")
	if code != 0 || !strings.Contains(out, "kernel: ALLOW  ret=0x7fffef0f (the kernel acts on 0x7fff0000) (native); agrees") {
		t.Errorf("4,090 instructions: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runSim("", dropper, "testdata/long-ret-a.asm", "--input", "testdata/batch.jsonl", "--live")
	if code != 0 || strings.Count(out, "kernel: not evaluated: testdata/long-ret-a.asm: instrumented program would need 4,101 instructions, 5 over the kernel's 4,096") != 4 {
		t.Errorf("4,095 instructions in a stack: exit %d\n%s%s", code, out, errOut)
	}
}

// A decision table in a filter's place compiles back to a program the
// kernel accepts and answers as the filter does (issue 11 item 2).
func TestLiveTable(t *testing.T) {
	kerneltest.Require(t)
	for _, table := range []string{"testdata/docker-table.json", "testdata/trap-rw-table.json"} {
		code, out, errOut := runSim("", table, "--input", "testdata/batch.jsonl", "--live")
		if code != 0 || strings.Count(out, "; agrees") != 4 {
			t.Errorf("%s: exit %d\n%s%s", table, code, out, errOut)
		}
	}
}
