//go:build linux && amd64

package kernel

import (
	"fmt"
	"runtime"
	"strings"
	_ "unsafe" // go:linkname

	"golang.org/x/sys/unix"
)

// stubSyscall is in stub_linux_amd64.s.
//
//go:noescape
func stubSyscall(site uintptr, regs *stubRegs) (r uintptr, next uintptr)

// The runtime's syscall bracket, as package syscall uses it: while the
// thread is in the kernel its P can run other goroutines, and if the kernel
// ends the thread there (KILL_THREAD) the runtime only loses an idle M.
//
//go:linkname entersyscall runtime.entersyscall
func entersyscall()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// stubCall issues regs from SYSCALL site site and returns RAX.
//
//go:nosplit
func stubCall(site int, regs *stubRegs) uintptr {
	entersyscall()
	r, _ := stubSyscall(uintptr(site), regs)
	exitsyscall()
	return r
}

func evalSupported() error { return nil }

// calibrateSites learns the address after each SYSCALL of the stub: the
// SYSCALL instruction leaves it in RCX (the kernel returns to user space
// with RCX = RIP, entry_SYSCALL_64 in arch/x86/entry/entry_64.S). getpid
// is issued from a fresh thread; each address must lie inside the stub.
func calibrateSites() (sites, error) {
	var at sites
	err := onFreshThread(func() error {
		regs := stubRegs{nr: unix.SYS_GETPID}
		for s := range at {
			r, next := stubSyscall(uintptr(s), &regs)
			if int(r) != unix.Getpid() {
				return fmt.Errorf("calibrating the syscall stub: getpid returned %d", int64(r))
			}
			if f := runtime.FuncForPC(next); f == nil || !strings.HasSuffix(f.Name(), ".stubSyscall") {
				return fmt.Errorf("calibrating the syscall stub: RCX %#x is not inside the stub", next)
			}
			at[s] = uint64(next)
		}
		return nil
	})
	return at, err
}
