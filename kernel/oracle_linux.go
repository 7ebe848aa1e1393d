//go:build linux

package kernel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// oracle is the helper's side of an Oracle: the threads and children that
// really create programs, each creation admitted by pace.
type oracle struct {
	pace *pacer

	// mu is held for reading by every call and for writing by close, so
	// that the blocker and the workers outlive every call using them.
	mu     sync.RWMutex
	closed bool
	broken error // set if the kernel ever attached a filter by surprise

	blockerTID  int
	blockerStop chan struct{}
	blockerDone chan struct{}

	reqs    chan verdictReq
	workers sync.WaitGroup

	// accepted remembers programs the kernel accepted, so that repeated
	// Evals of one program ask the kernel once (the answer cannot change
	// while the process lives: the checks depend only on the program and
	// on the caller's filters, which the verdict threads never get).
	cacheMu  sync.Mutex
	accepted map[string]struct{}

	// sitesOK is set once the raw evaluator's sites were found where
	// the instrumented programs expect them (calibrated).
	sitesMu sync.Mutex
	sitesOK bool

	// raw keeps Eval's raw evaluators (raw_linux_amd64.go).
	raw *rawPool

	// ia32Mu guards the probe of IA-32 emulation (ia32_linux.go), made
	// once per oracle.
	ia32Mu   sync.Mutex
	ia32Done bool
	ia32St   ia32State
}

type verdictReq struct {
	p     program.Program
	reply chan verdictReply
}

type verdictReply struct {
	ret   uintptr
	errno unix.Errno
}

func openOracle(pace *pacer) (*oracle, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	o := &oracle{
		pace:        pace,
		blockerStop: make(chan struct{}),
		blockerDone: make(chan struct{}),
		reqs:        make(chan verdictReq),
		raw:         newRawPool(2 * runtime.GOMAXPROCS(0)),
	}
	started := make(chan error, 1)
	goLocked(func() { o.blocker(started) })
	if err := <-started; err != nil {
		<-o.blockerDone
		o.raw.close()
		return nil, err
	}
	n := runtime.GOMAXPROCS(0)
	ready := make(chan error, n)
	o.workers.Add(n)
	for range n {
		goLocked(func() { o.worker(ready) })
	}
	var first error
	for range n {
		if err := <-ready; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		o.close()
		return nil, first
	}
	return o, nil
}

// allowAll is the blocker's filter: one "ret #SECCOMP_RET_ALLOW".
var allowAll = [1]unix.SockFilter{{Code: 0x06, K: uint32(seccompdata.ActAllow)}}

// blocker installs allowAll on its own locked thread and parks until
// close. Its filter is no ancestor of any verdict thread's (empty) chain,
// which is what makes TSYNC fail (seccomp_can_sync_threads,
// kernel/seccomp.c). It runs under goLocked: the thread and its filter end
// with it.
func (o *oracle) blocker(started chan<- error) {
	defer close(o.blockerDone)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		started <- fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		return
	}
	fprog := unix.SockFprog{Len: 1, Filter: &allowAll[0]}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		started <- fmt.Errorf("installing the blocker filter: %v: %w", e, ErrUnsupported)
		return
	}
	o.blockerTID = unix.Gettid()
	started <- nil
	<-o.blockerStop
}

// worker answers single-program verdicts on its own locked thread (under
// goLocked), which never gets a filter (every offer fails TSYNC) and ends
// with the worker, taking its no_new_privs with it.
func (o *oracle) worker(ready chan<- error) {
	defer o.workers.Done()
	// seccomp_prepare_filter wants no_new_privs or CAP_SYS_ADMIN; with
	// no_new_privs the verdict never depends on privileges.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		ready <- fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		return
	}
	ready <- nil
	for req := range o.reqs {
		fprog := unix.SockFprog{Len: uint16(len(req.p))}
		if len(req.p) > 0 {
			fprog.Filter = (*unix.SockFilter)(unsafe.Pointer(&req.p[0]))
		}
		var r uintptr
		var e unix.Errno
		o.pace.timed(func() {
			r, _, e = unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
				unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
		})
		runtime.KeepAlive(req.p)
		req.reply <- verdictReply{ret: r, errno: e}
	}
}

const acceptedCacheSize = 1024

// acceptedCached is verdict for callers that only need acceptance.
func (o *oracle) acceptedCached(ctx context.Context, p program.Program) (Verdict, error) {
	key := string(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(p))), 8*len(p)))
	o.cacheMu.Lock()
	_, ok := o.accepted[key]
	o.cacheMu.Unlock()
	if ok {
		return Verdict{Accepted: true, FailedIndex: -1}, nil
	}
	v, err := o.verdict(ctx, p)
	if err == nil && v.Accepted {
		o.cacheMu.Lock()
		if o.accepted == nil || len(o.accepted) >= acceptedCacheSize {
			o.accepted = map[string]struct{}{}
		}
		o.accepted[key] = struct{}{}
		o.cacheMu.Unlock()
	}
	return v, err
}

func (o *oracle) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	close(o.reqs)
	o.workers.Wait() // workers first: the blocker must outlive every offer
	close(o.blockerStop)
	<-o.blockerDone
	o.raw.close()
	return nil
}

func (o *oracle) enter() error {
	o.mu.RLock()
	switch {
	case o.closed:
		o.mu.RUnlock()
		return errors.New("kernel oracle is closed")
	case o.broken != nil:
		o.mu.RUnlock()
		return o.broken
	}
	return nil
}

func (o *oracle) verdict(ctx context.Context, p program.Program) (Verdict, error) {
	if len(p) > 0xffff {
		return Verdict{}, fmt.Errorf("program of %d instructions: struct sock_fprog cannot hold more than 65535", len(p))
	}
	if err := o.pace.admit(ctx, 1); err != nil {
		return Verdict{}, err
	}
	if err := o.enter(); err != nil {
		return Verdict{}, err
	}
	defer o.mu.RUnlock()
	reply := make(chan verdictReply, 1)
	o.reqs <- verdictReq{p: p, reply: reply}
	r := <-reply
	switch {
	case r.errno != 0:
		return Verdict{Errno: seccompdata.Errno(r.errno), FailedIndex: 0}, nil
	case r.ret > 0:
		// The TID of a thread TSYNC could not move (the blocker, or any
		// other thread of the process with an unrelated filter): every
		// check has passed (seccomp_attach_filter, kernel/seccomp.c).
		return Verdict{Accepted: true, FailedIndex: -1}, nil
	}
	// Success: the filter is now on every thread of the process. This
	// cannot happen while the blocker lives.
	o.broken = errors.New("kernel oracle: a filter under test was attached to the process; the process must not continue")
	return Verdict{}, o.broken
}

// verdictStack answers Kernel.Verdict: one program through verdict, a
// stack installed for real in a child.
func (o *oracle) verdictStack(ctx context.Context, progs []program.Program) (Verdict, error) {
	if len(progs) == 1 {
		return o.verdict(ctx, progs[0])
	}
	if err := o.enter(); err != nil {
		return Verdict{}, err
	}
	o.mu.RUnlock()
	// The child creates every filter of the stack, and killing it frees
	// them all at once.
	if err := o.pace.admit(ctx, len(progs)); err != nil {
		return Verdict{}, err
	}
	v, err := installVerdict(progs)
	if err != nil || v.Accepted || v.FailedIndex == 0 || v.Denied {
		return v, err
	}
	// A later filter failed. The kernel's own reasons are validation
	// (independent of the stack: the single verdict gives the same errno)
	// or the path limit (ENOMEM, for a program the single verdict
	// accepts); anything else is the earlier filters' answer to seccomp(2).
	alone, err := o.verdict(ctx, progs[v.FailedIndex])
	if err != nil {
		return Verdict{}, err
	}
	if (alone.Accepted && v.Errno != seccompdata.ENOMEM) || (!alone.Accepted && alone.Errno != v.Errno) {
		v.Denied = true
		v.Reason = fmt.Sprintf("an earlier filter answered the seccomp(2) call that installs it with %s", v.Errno)
	}
	return v, nil
}
