//go:build linux && !amd64

package kernel

import (
	"fmt"
	"runtime"
)

func evalSupported() error {
	return fmt.Errorf("kernel oracle Eval on linux/%s: the syscall stub exists only for amd64: %w", runtime.GOARCH, ErrUnsupported)
}

func stubCall(int, *stubRegs) uintptr { return 0 }

func calibrateSites() (sites, error) { return sites{}, evalSupported() }

func int80Call(int, *stubRegs) uintptr { return 0 }

func int80Sites() (sites, error) { return sites{}, evalSupported() }

func probeInt80(sites, func(uint32)) (code, site, value uint32) { return ia32Faulted, 0, 0 }
