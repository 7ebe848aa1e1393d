// Package kerneltest is the one way bpfsim's tests reach the live kernel:
// a TestMain that lets the kernel oracle re-execute the test binary as its
// helper, and a guard that skips, with the reason, where seccomp is
// unavailable. CI machines have seccomp, so there the live tests run.
package kerneltest

import (
	"os"
	"testing"

	"github.com/bpfsim/bpfsim/kernel"
)

// Main runs the tests of a package that uses the kernel oracle. Call it
// from TestMain: the oracle re-executes the test binary, and Main turns
// that copy into the oracle's helper before any test runs.
func Main(m *testing.M) {
	kernel.RunChildIfRequested()
	os.Exit(m.Run())
}

// Require skips t, with the reason, when this kernel cannot install
// seccomp filters.
func Require(t testing.TB) {
	t.Helper()
	if err := kernel.Available(); err != nil {
		t.Skipf("live kernel test skipped: %v", err)
	}
}
