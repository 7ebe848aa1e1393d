//go:build linux

package kernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ia32State is the oracle's answer to "can i386 inputs be issued through
// int $0x80", found once by probeIA32.
type ia32State struct {
	ok  bool
	err error
}

// ia32 probes on first use and returns the cached answer; the probe runs
// once per oracle, whatever it found.
func (o *oracle) ia32(ctx context.Context) ia32State {
	o.ia32Mu.Lock()
	defer o.ia32Mu.Unlock()
	if o.ia32Done {
		return o.ia32St
	}
	// The probe creates one filter, in a raw evaluator. A backlog that
	// does not drain is this call's answer, not the oracle's for good.
	if err := o.pace.admit(ctx, 1); err != nil {
		return ia32State{err: err}
	}
	o.ia32St, o.ia32Done = probeIA32(ctx, o.pace, o.raw), true
	return o.ia32St
}

func (o *oracle) ia32Emulation(ctx context.Context) (bool, error) {
	if err := o.enter(); err != nil {
		return false, err
	}
	defer o.mu.RUnlock() // the probe uses o.raw, which close ends
	st := o.ia32(ctx)
	return st.ok, st.err
}

// The probe helper's result page: word 0 the stage reached (1: int $0x80
// getpid under way), word 1 done, word 2 an ia32* code, word 3 the value
// that code reports.
const ia32Words = 4

// Codes of the probe.
const (
	ia32Faulted        = 1 // int $0x80 raised a signal: IA-32 emulation is off
	ia32BadGetpid      = 2 // int $0x80 getpid returned something else than the pid
	ia32FilterMismatch = 3 // the seccomp check did not give the expected answer
	ia32InstallFailed  = 4 // installing the probe filter failed (value: errno)
	ia32Works          = 5
)

// ia32ProbeTimeout bounds the probe from starting the helper to its
// answer; killing and reaping it is runChild's.
const ia32ProbeTimeout = 2 * time.Second

// probeIA32 finds whether int $0x80 works, in two stages. First a
// re-executed child (childIA32) issues getpid through it: where IA-32
// emulation is off the kernel answers int $0x80 with SIGSEGV (no gate for
// vector 0x80: idt_setup_traps, arch/x86/kernel/idt.c, sets it only when
// ia32_enabled(); FRED's fred_intx, arch/x86/entry/entry_fred.c, raises
// #GP), which must not reach this process. The helper is always killed and
// reaped (runChild). Where getpid works, a raw evaluator in compat mode
// issues i386 getpid from each of its int $0x80 sites under
// int80ProbeFilter, which checks that the kernel reports AUDIT_ARCH_I386,
// the full 64-bit argument registers and the very addresses the
// instrumented programs rely on; only then is the answer true.
func probeIA32(ctx context.Context, pace *pacer, pool *rawPool) ia32State {
	if err := evalSupported(); err != nil {
		return ia32State{err: err}
	}
	at, err := rawInt80Sites()
	if err != nil {
		return ia32State{err: err}
	}
	res, err := runChild("ia32", nil, ia32Words, ia32ProbeTimeout, -1)
	if err != nil {
		return ia32State{err: fmt.Errorf("probing int $0x80: %w", err)}
	}
	if res[1] != 1 {
		if res[0] == 1 {
			// Died at int $0x80 itself: no IA-32 emulation.
			return ia32State{}
		}
		return ia32State{err: errors.New("probing int $0x80: the helper died before reaching int $0x80")}
	}
	switch res[2] {
	case ia32Faulted:
		return ia32State{}
	case ia32BadGetpid:
		return ia32State{err: fmt.Errorf("int $0x80 getpid returned %d, not the helper's pid; i386 inputs use arch substitution", int32(res[3]))}
	case ia32Works:
	default:
		return ia32State{err: fmt.Errorf("probing int $0x80: unknown answer %d", res[2])}
	}
	code, site, value := checkInt80(ctx, pace, pool, at)
	switch code {
	case ia32Works:
		return ia32State{ok: true}
	case ia32FilterMismatch:
		return ia32State{err: fmt.Errorf("int $0x80 works, but from site %d the probe filter answered %d, want %d (the kernel did not report AUDIT_ARCH_I386, the full argument registers or the expected instruction_pointer); i386 inputs use arch substitution",
			site, int64(value), -(int80ProbeSite + int64(site)))}
	case ia32InstallFailed:
		return ia32State{err: fmt.Errorf("int $0x80 works, but installing the probe filter failed: %v", unix.Errno(value))}
	}
	return ia32State{err: fmt.Errorf("int $0x80 works, but the seccomp check failed: %v", unix.Errno(value))}
}

// checkInt80 is the probe's second stage: it returns ia32Works,
// ia32FilterMismatch with the site and the value returned from it,
// ia32InstallFailed with the errno, or 0 with an errno when the raw
// evaluator could not run.
func checkInt80(ctx context.Context, pace *pacer, pool *rawPool, at sites) (code int, site int, value uint64) {
	res, err := pool.run(ctx, pace, rawRun{prog: int80ProbeFilter(at), regs: []stubRegs{int80ProbeRegs()}, nsites: numSites, compat: true})
	switch {
	case err != nil:
		var errno unix.Errno
		errors.As(err, &errno)
		return 0, 0, uint64(errno)
	case res.installErr != 0:
		return ia32InstallFailed, 0, uint64(res.installErr)
	case len(res.rax) != 1:
		return ia32FilterMismatch, 0, 0
	}
	for s, r := range res.rax[0] {
		if int64(r) != -int64(int80ProbeSite+s) {
			return ia32FilterMismatch, s, r
		}
	}
	return ia32Works, 0, 0
}

// childIA32 is the helper side of probeIA32's first stage: it runs
// probeInt80 and reports through the result page (fd 3). Core dumps are
// off, in case the fault kills it after all.
func childIA32() {
	page, err := unix.Mmap(3, 0, ia32Words*4, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		childFail("mapping result page: %v", err)
	}
	words := unsafe.Slice((*uint32)(unsafe.Pointer(&page[0])), ia32Words)
	if err := evalSupported(); err != nil {
		childFail("%v", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		childFail("prctl(PR_SET_DUMPABLE): %v", err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		childFail("setrlimit(RLIMIT_CORE): %v", err)
	}
	atomic.StoreUint32(&words[0], 1)
	code, value := probeInt80()
	atomic.StoreUint32(&words[3], value)
	atomic.StoreUint32(&words[2], code)
	atomic.StoreUint32(&words[1], 1)
	os.Exit(0)
}
