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
//
// With BPFSIM_KERNEL=NAME|PATH (KernelEnv) set, the live tests ask a
// disposable kernel instead of the host's: Open and Shared return the
// oracle of a QEMU guest (package guest) booted from that image, a name of
// the make kernels cache such as 6.1 or a path to a vmlinuz, so that heavy
// churn of filters, which has wedged host kernels, lands on one nobody
// minds losing. The host kernel is then neither probed nor asked; the
// test binary is the guest's /init, so it must be static (CGO_ENABLED=0).
// Where no guest can boot (no QEMU, no such image, a dynamic binary) the
// live tests skip with the reason. A guest that stops answering is a
// stall like the host's (kernel.ErrStalled) and fails the same way.
package kerneltest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
)

// KernelEnv names the variable that sends the live tests to a QEMU guest
// booted from a kernel image: a name of the make kernels cache (5.10, 6.1,
// 6.12) or a path to a vmlinuz. Unset, they ask the host's kernel.
const KernelEnv = "BPFSIM_KERNEL"

// state is what the probe before the tests found, and the first stall
// met during them. It is the package's only state: one test binary, one
// kernel.
var state struct {
	mu        sync.Mutex
	probed    bool
	preWedged error // the kernel was wedged before the tests started
	noGuest   error // BPFSIM_KERNEL is set but no guest can boot
	stalled   error // a stall met during the run

	shared      *kernel.Oracle // Shared's oracle
	sharedGuest *guest.Guest   // the guest serving it, if any
	sharedErr   error
}

// Main runs the tests of a package that uses the kernel oracle. Call it
// from TestMain: a guest boots the test binary as its /init, and the
// oracle re-executes it as its helper; Main turns those copies into what
// they are asked to be before any test runs. Then it probes the kernel
// (one verdict, with a short deadline), so that a kernel already wedged is
// known before the first live test; with BPFSIM_KERNEL set it checks
// instead that a guest can boot, and the host kernel is not asked.
// Shared's guest, if one was booted, is powered off when the tests end.
func Main(m *testing.M) {
	guest.RunInitIfRequested()
	kernel.RunChildIfRequested()
	probe()
	code := m.Run()
	state.mu.Lock()
	g := state.sharedGuest
	state.mu.Unlock()
	if g != nil {
		g.Close()
	}
	os.Exit(code)
}

// probe records whether the kernel was wedged before the tests started,
// or, with BPFSIM_KERNEL set, whether a guest can boot.
func probe() {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.probed {
		return
	}
	state.probed = true
	if name := os.Getenv(KernelEnv); name != "" {
		if err := guest.Check(guest.Options{Kernel: name}); err != nil {
			state.noGuest = fmt.Errorf("%s=%s: no guest can boot: %w", KernelEnv, name, err)
			if errors.Is(err, guest.ErrNotStatic) {
				state.noGuest = fmt.Errorf("%w (the guest's /init is this test binary)", state.noGuest)
			}
			fmt.Fprintf(os.Stderr, "kerneltest: LIVE KERNEL TESTS WILL SKIP: %v\n", state.noGuest)
			return
		}
		img, _ := guest.ResolveKernel(name)
		fmt.Fprintf(os.Stderr, "kerneltest: %s=%s: the live tests ask QEMU guests booted from %s, not this host's kernel\n", KernelEnv, name, img)
		return
	}
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

// Unusable says why live tests cannot run here (no seccomp, a kernel
// found wedged before the tests started, or, with BPFSIM_KERNEL set, no
// guest that can boot), or returns nil.
func Unusable() error {
	if os.Getenv(KernelEnv) == "" {
		if err := kernel.Available(); err != nil {
			return err
		}
	}
	probe()
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.noGuest != nil {
		return state.noGuest
	}
	return state.preWedged
}

// Require skips t, with the reason, when this kernel cannot install
// seccomp filters or was found wedged before the tests started; with
// BPFSIM_KERNEL set, when no guest can boot from it (no QEMU, no such
// image, or a test binary that is not static).
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(KernelEnv) == "" {
		if err := kernel.Available(); err != nil {
			t.Skipf("live kernel test skipped: %v", err)
		}
	}
	probe() // for tests run without Main
	state.mu.Lock()
	pre, noGuest, stalled := state.preWedged, state.noGuest, state.stalled
	state.mu.Unlock()
	if noGuest != nil {
		t.Skipf("live kernel test skipped: %v", noGuest)
	}
	if pre != nil {
		t.Skipf("LIVE KERNEL TEST SKIPPED: the kernel was wedged before the tests started (not by them): %v", pre)
	}
	if stalled != nil {
		t.Fatalf("the kernel stalled earlier in this run: %v", stalled)
	}
}

// Open requires the kernel (see Require) and returns an oracle that is
// closed when t ends. With BPFSIM_KERNEL set, it is a guest booted for t
// alone (t's log says which kernel, and how long the boot took), and the
// guest is powered off when t ends.
func Open(t testing.TB) *kernel.Oracle {
	t.Helper()
	Require(t)
	if name := os.Getenv(KernelEnv); name != "" {
		g, err := openGuest(name)
		if err != nil {
			Fail(t, err)
		}
		t.Logf("kernel oracle: %s", describe(name, g))
		t.Cleanup(func() {
			if err := g.Close(); err != nil {
				Fail(t, err)
			}
		})
		return g.Oracle
	}
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
// worker is one process. With BPFSIM_KERNEL set, it is a guest booted on
// first use (each fuzzing worker boots its own), announced once on
// standard error, and in t's log every time (a fuzzing worker's standard
// error goes nowhere, but the log of a failing input is reported), and
// powered off by Main when the tests end.
func Shared(t testing.TB) *kernel.Oracle {
	t.Helper()
	Require(t)
	state.mu.Lock()
	if state.shared == nil && state.sharedErr == nil {
		if name := os.Getenv(KernelEnv); name != "" {
			g, err := openGuest(name)
			if err == nil {
				state.shared, state.sharedGuest = g.Oracle, g
				fmt.Fprintf(os.Stderr, "kerneltest: shared kernel oracle: %s\n", describe(name, g))
			}
			state.sharedErr = err
		} else {
			state.shared, state.sharedErr = kernel.Open(context.Background(), kernel.Options{})
		}
	}
	o, g, err := state.shared, state.sharedGuest, state.sharedErr
	state.mu.Unlock()
	if err != nil {
		Fail(t, err)
	}
	if g != nil {
		t.Logf("kernel oracle: %s", describe(os.Getenv(KernelEnv), g))
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

// openGuest boots a guest from the image name (BPFSIM_KERNEL's value),
// with this test binary as its /init. A fault injected into the oracle
// (kernel.FaultEnv) is passed on to the guest's server, so the tests of
// stalls run there too.
func openGuest(name string) (*guest.Guest, error) {
	opts := guest.Options{Kernel: name}
	if f := os.Getenv(kernel.FaultEnv); f != "" {
		opts.Append = []string{kernel.FaultEnv + "=" + f}
	}
	return guest.Open(context.Background(), opts)
}

// describe says which kernel a guest runs, in one line.
func describe(name string, g *guest.Guest) string {
	return fmt.Sprintf("QEMU guest %s, Linux %s (%s), booted in %v", name, g.Release, g.Accel, g.Boot.Round(10*time.Millisecond))
}
