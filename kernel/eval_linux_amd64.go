//go:build linux && amd64

package kernel

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

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

// stubInt80 and stubInt80Text are in stub_linux_amd64.s.
//
//go:noescape
func stubInt80(site uintptr, regs *stubRegs) (r uintptr)

func stubInt80Text() *byte

// int80Call issues regs as an i386 syscall from INT $0x80 site site and
// returns RAX. Only for where the probe found that int $0x80 works (see
// oracle.ia32): a fault here, inside the syscall bracket, would crash the
// process.
//
//go:nosplit
func int80Call(site int, regs *stubRegs) uintptr {
	entersyscall()
	r := stubInt80(uintptr(site), regs)
	exitsyscall()
	return r
}

// maxStubInt80Len bounds how far int80Sites reads.
const maxStubInt80Len = 512

// int80Sites learns the address after each INT $0x80 of stubInt80, the
// instruction_pointer the kernel reports for it (an interrupt pushes the
// address of the next instruction), by reading the stub's machine code for
// the bytes cd 80 up to its end as the runtime's function table gives it.
// Nothing is executed, so this is safe where int $0x80 faults; the probe
// (childIA32) checks the addresses against what the kernel reports.
func int80Sites() (sites, error) {
	var at sites
	text := stubInt80Text()
	entry := uintptr(unsafe.Pointer(text))
	inStub := func(pc uintptr) bool {
		f := runtime.FuncForPC(pc)
		return f != nil && f.Entry() == entry && strings.HasSuffix(f.Name(), ".stubInt80")
	}
	if !inStub(entry) {
		return at, fmt.Errorf("locating the int $0x80 stub: %#x is not its entry", entry)
	}
	code := unsafe.Slice(text, maxStubInt80Len)
	n := 0
	for i := 0; i+1 < len(code) && inStub(entry+uintptr(i+1)); i++ {
		if code[i] != 0xcd || code[i+1] != 0x80 {
			continue
		}
		if n == numSites {
			return at, fmt.Errorf("the int $0x80 stub has more than %d cd 80 byte pairs", numSites)
		}
		at[n] = uint64(entry) + uint64(i) + 2
		n++
	}
	if n != numSites {
		return at, fmt.Errorf("the int $0x80 stub has %d cd 80 byte pairs, want %d", n, numSites)
	}
	return at, nil
}

// probeInt80 is the amd64 part of childIA32: it returns one of the ia32*
// codes, and for ia32BadGetpid the value returned, for ia32FilterMismatch
// the site and the value returned from it (as int64 low 32 bits), for
// ia32InstallFailed the errno. Stage 1 runs int $0x80 getpid outside the
// syscall bracket, so that the SIGSEGV of a kernel without IA-32
// emulation becomes a recoverable panic (SetPanicOnFault: the fault's
// si_code is SI_KERNEL, which the runtime would otherwise treat as fatal)
// instead of a crash. Stage 2 installs int80ProbeFilter on a fresh thread
// and issues getpid from each site.
func probeInt80(at sites, stage func(uint32)) (code, site, value uint32) {
	stage(1)
	r, faulted := int80Recovering(&stubRegs{nr: nrI386Getpid})
	if faulted {
		return ia32Faulted, 0, 0
	}
	if int(r) != unix.Getpid() {
		return ia32BadGetpid, 0, uint32(r)
	}
	stage(2)
	err := onFreshThread(func() error {
		if err := installOnThread(nil, int80ProbeFilter(at)); err != nil {
			return err
		}
		code = ia32Works
		for s := range at {
			regs := int80ProbeRegs()
			if got := int64(int80Call(s, &regs)); got != -int64(int80ProbeSite+s) {
				code, site, value = ia32FilterMismatch, uint32(s), uint32(got)
				break
			}
		}
		return nil
	})
	if err != nil {
		var errno unix.Errno
		errors.As(err, &errno)
		return ia32InstallFailed, 0, uint32(errno)
	}
	return code, site, value
}

// int80Recovering issues regs from site 0 and reports a fault instead of
// dying of it. Its arguments must be zero: RBP holds args[5] when the
// fault is delivered.
func int80Recovering(regs *stubRegs) (r uintptr, faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			faulted = true
		}
	}()
	return stubInt80(0, regs), false
}
