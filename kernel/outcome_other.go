//go:build !linux || !amd64

package kernel

import (
	"fmt"
	"os"
	"runtime"

	"github.com/bpfsim/bpfsim/program"
)

// Outcome's helper and tracer are written for x86_64 Linux: the syscall
// ABI, the ptrace register set and the raw clone it uses are that arch's.

func outcome([]program.Program, OutcomeCall, OutcomeEnv) (Observed, error) {
	if err := Available(); err != nil {
		return Observed{}, err
	}
	return Observed{}, fmt.Errorf("outcome oracle on %s/%s: %w", runtime.GOOS, runtime.GOARCH, ErrUnsupported)
}

// childOutcome exists for RunChildIfRequested on Linux arches other than
// x86_64, where Outcome never starts a helper.
func childOutcome() {
	fmt.Fprintln(os.Stderr, "bpfsim oracle helper: outcome is only supported on linux/amd64")
	os.Exit(2)
}
