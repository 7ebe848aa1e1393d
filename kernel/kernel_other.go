//go:build !linux

package kernel

import (
	"fmt"
	"runtime"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// RunChildIfRequested does nothing on this platform.
func RunChildIfRequested() {}

// Available reports why the oracle cannot run here.
func Available() error {
	return fmt.Errorf("kernel oracle on %s: %w", runtime.GOOS, ErrUnsupported)
}

func installVerdict([]program.Program) (Verdict, error) { return Verdict{}, Available() }

type oracle struct{}

func openOracle() (*oracle, error) { return nil, Available() }

func (*oracle) close() error                             { return nil }
func (*oracle) verdict(program.Program) (Verdict, error) { return Verdict{}, Available() }
func (*oracle) verdictStack([]program.Program) (Verdict, error) {
	return Verdict{}, Available()
}
func (*oracle) eval(program.Program, []seccompdata.Data) ([]EvalResult, error) {
	return nil, Available()
}
func (*oracle) ia32Emulation() (bool, error) { return false, Available() }

// SocketVerdict reports why the oracle cannot run here.
func SocketVerdict(program.Program) (Verdict, error) { return Verdict{}, Available() }

// ReadFilters reports why the oracle cannot run here.
func ReadFilters(int) ([]program.Program, error) { return nil, Available() }
