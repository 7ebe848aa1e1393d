// Package procfd keeps a process's inherited file descriptors out of the
// children it starts.
package procfd

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseOnExecInherited marks close-on-exec every descriptor above 2 that
// this process holds without that flag. Go opens all of its own files with
// it, so these are descriptors the process inherited: a fuzzing worker's
// pipes to its coordinator, for one. A child started afterwards (the
// kernel oracle's helper, a QEMU guest) then holds none of them, and the
// coordinator, which waits for those pipes to close, is not kept waiting
// by a child that outlives its worker or is stuck in the kernel.
// Descriptors passed on purpose (exec.Cmd's ExtraFiles) are unaffected.
// The change is process-wide: a program that means to pass an inherited
// descriptor to children it execs itself must clear the flag again.
func CloseOnExecInherited() {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range fds {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}
