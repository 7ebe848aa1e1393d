//go:build !linux

package guest

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/bpfsim/bpfsim/kernel"
)

// Guest is a booted virtual machine; off Linux none can be booted.
type Guest struct {
	*kernel.Oracle
	Kernel, Release, Accel string
	Boot                   time.Duration
}

// Open fails off Linux.
func Open(ctx context.Context, opts Options) (*Guest, error) {
	return nil, fmt.Errorf("guest on %s: %w", runtime.GOOS, kernel.ErrUnsupported)
}

// Check fails off Linux, where no guest can be booted.
func Check(opts Options) error {
	return fmt.Errorf("guest on %s: %w", runtime.GOOS, kernel.ErrUnsupported)
}

// Console returns nothing off Linux.
func (g *Guest) Console() string { return "" }

// KernelRelease returns the guest kernel's uname -r (Release).
func (g *Guest) KernelRelease() string { return g.Release }
