//go:build linux

package kernel

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// socketVerdict attaches p as a socket filter (SO_ATTACH_FILTER) to a fresh
// AF_UNIX datagram socket, closes it, and reports what setsockopt(2)
// returned (sk_attach_filter, net/core/filter.c). Nothing else sees the
// filter.
func (o *oracle) socketVerdict(ctx context.Context, p program.Program) (Verdict, error) {
	if err := o.pace.admit(ctx, 1); err != nil {
		return Verdict{}, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return Verdict{}, fmt.Errorf("socket(AF_UNIX): %w", err)
	}
	defer unix.Close(fd)
	fprog := unix.SockFprog{Len: uint16(len(p))}
	if len(p) > 0xffff {
		// sock_fprog.len is 16 bits: the kernel would see the length
		// modulo 65536, which is not the program the caller means.
		return Verdict{}, fmt.Errorf("program of %d instructions does not fit sock_fprog.len", len(p))
	}
	if len(p) > 0 {
		fprog.Filter = (*unix.SockFilter)(unsafe.Pointer(&p[0]))
	}
	o.pace.timed(func() { err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog) })
	var errno unix.Errno
	switch {
	case err == nil:
		return Verdict{Accepted: true, FailedIndex: -1}, nil
	case errors.As(err, &errno):
		return Verdict{Errno: seccompdata.Errno(errno)}, nil
	}
	return Verdict{}, err
}
