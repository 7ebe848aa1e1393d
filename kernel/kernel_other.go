//go:build !linux

package kernel

import (
	"fmt"
	"runtime"
)

// RunChildIfRequested does nothing on this platform.
func RunChildIfRequested() {}

// Available reports why the oracle cannot run here.
func Available() error {
	return fmt.Errorf("kernel oracle on %s: %w", runtime.GOOS, ErrUnsupported)
}

// start is never reached: Open checks Available first.
func start() (*Oracle, error) { return nil, Available() }

func readHealth(bool) Health { return Health{Err: "not linux"} }
