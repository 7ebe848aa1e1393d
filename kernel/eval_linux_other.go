//go:build linux && !amd64

package kernel

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
)

func evalSupported() error {
	return fmt.Errorf("kernel oracle Eval on linux/%s: the raw evaluator exists only for amd64: %w", runtime.GOARCH, ErrUnsupported)
}

type rawRun struct {
	prog     program.Program
	regs     []stubRegs
	start    int
	nsites   int
	compat   bool
	noFilter bool
}

type rawResult struct {
	pid        int
	installErr unix.Errno
	rax        [][numSites]uint64
	rcx        [numSites]uint64
	next       int
	killed     bool
}

type rawPool struct{}

func newRawPool(int) *rawPool { return &rawPool{} }

func (*rawPool) close() {}

func (*rawPool) run(context.Context, *pacer, rawRun) (rawResult, error) {
	return rawResult{}, evalSupported()
}

func rawSyscallSites(context.Context, *rawPool) (sites, error) { return sites{}, evalSupported() }

func rawInt80Sites() (sites, error) { return sites{}, evalSupported() }

func probeInt80() (code, value uint32) { return ia32Faulted, 0 }
