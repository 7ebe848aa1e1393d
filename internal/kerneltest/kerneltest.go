// Package kerneltest is the one way bpfsim's tests reach the live kernel:
// a TestMain that lets the kernel oracle re-execute the test binary as its
// helper and probes the kernel before any test runs, a guard that skips,
// with the reason, where seccomp is unavailable or the kernel was found
// wedged before the tests started, and Open, which gives a test an oracle
// and fails it at once when the kernel stalls during the run.
//
// CI machines have seccomp, so there the live tests run. A kernel found
// wedged before the tests start is treated like one without seccomp: the
// live tests skip, loudly, with the probe's evidence. A stall that begins
// during the run may be ours, so it fails the test that meets it, and every
// later live test of the binary fails at once with the same message
// instead of waiting for its own deadline.
package kerneltest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/bpfsim/bpfsim/kernel"
)

// state is what the probe before the tests found, and the first stall
// met during them. It is the package's only state: one test binary, one
// kernel.
var state struct {
	mu        sync.Mutex
	probed    bool
	preWedged error // the kernel was wedged before the tests started
	stalled   error // a stall met during the run

	shared    *kernel.Oracle // Shared's oracle
	sharedErr error
}

// Main runs the tests of a package that uses the kernel oracle. Call it
// from TestMain: the oracle re-executes the test binary, and Main turns
// that copy into the oracle's helper before any test runs. Then it
// probes the kernel (one verdict, with a short deadline), so that a kernel
// already wedged is known before the first live test.
func Main(m *testing.M) {
	kernel.RunChildIfRequested()
	probe()
	os.Exit(m.Run())
}

// probe records whether the kernel was wedged before the tests started.
func probe() {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.probed {
		return
	}
	state.probed = true
	if kernel.Available() != nil {
		return // Require says why
	}
	o, err := kernel.Open(context.Background(), kernel.Options{})
	if err != nil {
		if errors.Is(err, kernel.ErrStalled) {
			state.preWedged = err
			fmt.Fprintf(os.Stderr, "kerneltest: LIVE KERNEL TESTS WILL SKIP: the kernel was wedged before the tests started: %v\n", err)
		}
		return
	}
	o.Close()
}

// Unusable says why live tests cannot run here (no seccomp, or a kernel
// found wedged before the tests started), or returns nil.
func Unusable() error {
	if err := kernel.Available(); err != nil {
		return err
	}
	probe()
	state.mu.Lock()
	defer state.mu.Unlock()
	return state.preWedged
}

// Require skips t, with the reason, when this kernel cannot install
// seccomp filters or was found wedged before the tests started.
func Require(t testing.TB) {
	t.Helper()
	if err := kernel.Available(); err != nil {
		t.Skipf("live kernel test skipped: %v", err)
	}
	probe() // for tests run without Main
	state.mu.Lock()
	pre, stalled := state.preWedged, state.stalled
	state.mu.Unlock()
	if pre != nil {
		t.Skipf("LIVE KERNEL TEST SKIPPED: the kernel was wedged before the tests started (not by them): %v", pre)
	}
	if stalled != nil {
		t.Fatalf("the kernel stalled earlier in this run: %v", stalled)
	}
}

// Open requires the kernel (see Require) and returns an oracle that is
// closed when t ends.
func Open(t testing.TB) *kernel.Oracle {
	t.Helper()
	Require(t)
	o, err := kernel.Open(context.Background(), kernel.Options{})
	if err != nil {
		Fail(t, err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			Fail(t, err)
		}
	})
	return o
}

// Shared requires the kernel (see Require) and returns the binary's one
// long-lived oracle, opened on first use and never closed: its helper
// exits when this process does. Fuzz targets use it, since each fuzzing
// worker is one process.
func Shared(t testing.TB) *kernel.Oracle {
	t.Helper()
	Require(t)
	state.mu.Lock()
	if state.shared == nil && state.sharedErr == nil {
		state.shared, state.sharedErr = kernel.Open(context.Background(), kernel.Options{})
	}
	o, err := state.shared, state.sharedErr
	state.mu.Unlock()
	if err != nil {
		Fail(t, err)
	}
	return o
}

// Fail ends t with err. A stall is remembered, so that every later live
// test of this binary fails at once with it instead of waiting for its
// own deadline; an unsupported kernel skips.
func Fail(t testing.TB, err error) {
	t.Helper()
	switch {
	case errors.Is(err, kernel.ErrStalled):
		state.mu.Lock()
		if state.stalled == nil {
			state.stalled = err
		}
		state.mu.Unlock()
		t.Fatalf("the kernel stalled during this run (possibly because of it): %v", err)
	case errors.Is(err, kernel.ErrUnsupported):
		t.Skipf("live kernel test skipped: %v", err)
	}
	t.Fatal(err)
}
