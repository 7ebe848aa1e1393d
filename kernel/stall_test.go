package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
)

// These tests inject faults into the oracle's helper (BPFSIM_KERNEL_FAULT)
// instead of wedging a kernel: a kernel call that never returns, a kernel
// whose backlog of deferred frees does not drain, a slow kernel. None of
// them may hang the caller.

// bound is how long any of these calls may take beyond its own deadline:
// killing the helper, and reading /proc for the evidence. It is a bound
// that tells a report from a hang of the tool, not a timing assertion.
const bound = 5 * time.Second

// withFault opens an oracle whose helper has fault injected.
func withFault(t *testing.T, fault string, opts kernel.Options) (*kernel.Oracle, error) {
	t.Helper()
	requireSeccomp(t)
	t.Setenv(kernel.FaultEnv, fault)
	o, err := kernel.Open(ctx, opts)
	if err == nil {
		t.Cleanup(func() {
			if err := o.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	return o, err
}

func wantStall(t *testing.T, err error, op string, backlog bool) *kernel.StallError {
	t.Helper()
	var st *kernel.StallError
	if !errors.Is(err, kernel.ErrStalled) || !errors.As(err, &st) {
		t.Fatalf("got %v, want a *kernel.StallError", err)
	}
	if st.Op != op || st.Backlog != backlog {
		t.Errorf("stall op %q backlog %v, want %q %v", st.Op, st.Backlog, op, backlog)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "dmesg") || !strings.Contains(msg, "bpf_prog_free_deferred") {
		t.Errorf("message is not one line naming dmesg and bpf_prog_free_deferred: %q", msg)
	}
	return st
}

// A kernel that never answers the probe: Open says so within the probe's
// deadline.
func TestStallAtProbe(t *testing.T) {
	start := time.Now()
	_, err := withFault(t, "hang", kernel.Options{ProbeTimeout: 300 * time.Millisecond})
	wantStall(t, err, "probe", false)
	if d := time.Since(start); d > 300*time.Millisecond+bound {
		t.Errorf("Open took %v", d)
	}
}

// A stall that begins during the run: the call that meets it returns at
// its deadline, every later call at once with the same error, and Close
// still returns.
func TestStallDuringRun(t *testing.T) {
	o, err := withFault(t, "hang-after=1", kernel.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err) // the probe is the one request answered
	}
	start := time.Now()
	_, err = o.Verdict(ctx, []program.Program{{retAllow}})
	st := wantStall(t, err, "verdict", false)
	if d := time.Since(start); d < 300*time.Millisecond || d > 300*time.Millisecond+bound {
		t.Errorf("the stalled call returned after %v, want its 300ms deadline", d)
	}
	if st.After < 300*time.Millisecond {
		t.Errorf("StallError.After = %v", st.After)
	}
	start = time.Now()
	_, err = o.Eval(ctx, program.Program{retAllow}, nil)
	if !errors.Is(err, kernel.ErrStalled) {
		t.Errorf("call after the stall: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("call after the stall took %v, want at once", d)
	}
	// The helper was killed, not left to hold the pipes.
	waitGone(t, o.HelperPID())
}

// The context's deadline counts as well as the oracle's own.
func TestStallAtContextDeadline(t *testing.T) {
	o, err := withFault(t, "hang-after=1", kernel.Options{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = o.Eval(c, program.Program{retAllow}, nil)
	wantStall(t, err, "eval of 0 inputs", false)
	if d := time.Since(start); d > 200*time.Millisecond+bound {
		t.Errorf("took %v", d)
	}
}

// A kernel whose backlog of deferred frees does not drain: the helper
// creates nothing and says why before the caller's deadline.
func TestBacklogStalls(t *testing.T) {
	start := time.Now()
	_, err := withFault(t, "backlog", kernel.Options{ProbeTimeout: time.Second})
	st := wantStall(t, err, "probe", true)
	if st.Health.DKworkers < 100 || st.Health.HungTask == "" {
		t.Errorf("evidence: %+v", st.Health)
	}
	if d := time.Since(start); d > time.Second+bound {
		t.Errorf("took %v", d)
	}
}

// A backlog that drains: creation resumes, and the call succeeds late.
func TestBacklogDrains(t *testing.T) {
	start := time.Now()
	o, err := withFault(t, "backlog=700ms", kernel.Options{ProbeTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 700*time.Millisecond {
		t.Errorf("the probe was admitted after %v, during the backlog", d)
	}
	if v, err := o.Verdict(ctx, []program.Program{{retAllow}}); err != nil || !v.Accepted {
		t.Errorf("after the backlog: %v, %v", v, err)
	}
}

// A slow kernel still answers, only slowly.
func TestSlowCreate(t *testing.T) {
	o, err := withFault(t, "slow-create=30ms", kernel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 3 {
		if v, err := o.Verdict(ctx, []program.Program{{retAllow}}); err != nil || !v.Accepted {
			t.Fatalf("%v, %v", v, err)
		}
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("3 creations of at least 30ms took %v: the fault was not injected", d)
	}
}

// The helper shares no pipe with the caller: its stdin and stdout are
// /dev/null and its stderr a memfd, so a stuck helper cannot block a
// shell's $(...) or a pipeline.
func TestHelperSharesNoPipe(t *testing.T) {
	o := openOracle(t)
	for fd, want := range map[int]string{0: "/dev/null", 1: "/dev/null", 2: "/memfd:"} {
		got, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", o.HelperPID(), fd))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, want) {
			t.Errorf("helper fd %d is %s, want %s", fd, got, want)
		}
	}
}

// An unknown fault is refused, not ignored.
func TestUnknownFault(t *testing.T) {
	_, err := withFault(t, "wedge-everything", kernel.Options{})
	if err == nil || !strings.Contains(err.Error(), "unknown fault") {
		t.Errorf("got %v", err)
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return // reaped, or dead and waiting to be
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("helper %d still runs after the stall", pid)
}
