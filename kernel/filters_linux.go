//go:build linux

package kernel

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
)

// readFiltersOf returns the seccomp filters of the thread tid (a process ID
// names its main thread), oldest first, which is install order: what a
// stack of policy files means to bpfsim. Each is the program as its
// installer passed it, before the kernel's own rewriting ("ld [k]" stays
// 0x20), and a thread without filters has none.
//
// It uses PTRACE_SECCOMP_GET_FILTER (seccomp_get_filter, kernel/seccomp.c):
// the caller needs CAP_SYS_ADMIN and must not run under seccomp itself,
// and the kernel needs CONFIG_CHECKPOINT_RESTORE. The thread is seized
// (PTRACE_SEIZE, so no SIGSTOP reaches its process), interrupted for as
// long as the reading takes, and released.
func readFiltersOf(tid int) ([]program.Program, error) {
	type answer struct {
		progs []program.Program
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		// ptrace requests must come from the tracing thread.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		progs, err := readFilters(tid)
		done <- answer{progs, err}
	}()
	a := <-done
	return a.progs, a.err
}

func readFilters(tid int) ([]program.Program, error) {
	if err := unix.PtraceSeize(tid); err != nil {
		return nil, fmt.Errorf("ptrace(PTRACE_SEIZE, %d): %w", tid, err)
	}
	defer unix.PtraceDetach(tid)
	if err := ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0); err != nil {
		return nil, fmt.Errorf("ptrace(PTRACE_INTERRUPT, %d): %w", tid, err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(tid, &ws, unix.WALL, nil); err != nil {
		return nil, fmt.Errorf("waiting for %d to stop: %w", tid, err)
	}
	if !ws.Stopped() {
		return nil, fmt.Errorf("thread %d ended before its filters could be read", tid)
	}
	var progs []program.Program
	for i := 0; ; i++ {
		// With a NULL buffer the kernel returns the length only
		// (seccomp_get_filter); index 0 is the oldest filter
		// (get_nth_filter counts back from the newest).
		n, err := ptraceRet(unix.PTRACE_SECCOMP_GET_FILTER, tid, uintptr(i), 0)
		switch {
		case errors.Is(err, unix.ENOENT):
			return progs, nil // past the newest filter
		case errors.Is(err, unix.EINVAL) && i == 0:
			return nil, nil // not in filter mode (or no CONFIG_CHECKPOINT_RESTORE)
		case errors.Is(err, unix.EACCES):
			return nil, fmt.Errorf("reading the filters of %d: %w (the reader must not run under seccomp)", tid, err)
		case err != nil:
			return nil, fmt.Errorf("ptrace(PTRACE_SECCOMP_GET_FILTER, %d, %d): %w", tid, i, err)
		case n == 0 || n > program.MaxInstructions:
			return nil, fmt.Errorf("filter %d of %d has %d instructions", i, tid, n)
		}
		p := make(program.Program, n)
		if _, err := ptraceRet(unix.PTRACE_SECCOMP_GET_FILTER, tid, uintptr(i), uintptr(unsafe.Pointer(&p[0]))); err != nil {
			return nil, fmt.Errorf("ptrace(PTRACE_SECCOMP_GET_FILTER, %d, %d): %w", tid, i, err)
		}
		progs = append(progs, p)
	}
}

func ptrace(req, pid int, addr, data uintptr) error {
	_, err := ptraceRet(req, pid, addr, data)
	return err
}

// ptraceRet issues a ptrace request whose return value is the answer.
func ptraceRet(req, pid int, addr, data uintptr) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
