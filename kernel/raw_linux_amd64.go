//go:build linux && amd64

package kernel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
)

// The raw evaluator is where Eval's filters run: a process of its own that
// shares the oracle helper's memory (clone with CLONE_VM) and runs nothing
// but the assembly of raw_linux_amd64.s, never Go code. A Go thread cannot
// hold such a filter: the runtime makes syscalls of its own on every
// thread (futex, and exit when the thread ends), so its filter would need
// a gate that lets them through, and the gate costs instructions a long
// program does not have. A thread that makes no syscall but the oracle's
// needs none. It cannot end either (every syscall it makes is answered by
// the filter, and a filter's kill would be logged by the audit subsystem),
// so it lives in a process the helper kills with SIGKILL once the answers
// are in; a second, unfiltered thread keeps that process alive when a
// division by X == 0 ends the evaluating thread, so the next inputs go to
// another process. The filter is created by the evaluating thread, so each
// run is one program creation, admitted by the pacer like any other.
//
// Starting and ending a process costs more than the run itself, so a pool
// keeps evaluators started, their evaluating thread waiting (unfiltered)
// for a job, and kills and reaps used ones off Eval's path.

// rawJob is the raw evaluator's job, at the start of a mapping it shares
// with the helper: the evaluator writes evalTid (through the kernel),
// installed, installRet, current, done and rcx, the helper the rest.
// raw_linux_amd64.s knows the offsets (TestRawJobLayout).
type rawJob struct {
	flags       uint64 // rawCompat, rawNoFilter
	n           uint64 // inputs in regs
	start       uint64 // the first input to issue
	nsites      uint64 // 1 or numSites: sites to issue each input from
	fprog       uint64 // address of fprogLen: a struct sock_fprog
	regs        uint64 // address of [n]stubRegs
	results     uint64 // address of [n][numSites]uint64: RAX from each site
	evalStack   uint64 // top of the evaluating thread's stack
	keeperStack uint64 // top of the keeping thread's stack
	rlimitCore  [2]uint64
	evalTid     uint64 // the evaluating thread's TID (an int32 written and cleared by the kernel), 0 once it ended
	installed   uint64 // 1 once seccomp(2) returned
	installRet  uint64 // what it returned: 0 or -errno
	current     uint64 // the input being issued
	done        uint64 // 1: every input answered, or the filter refused
	rcx         [numSites]uint64
	fprogLen    uint64 // struct sock_fprog: u16 len, then the pointer
	fprogFilter uint64
	goFlag      uint64 // set (a futex, woken) when the job above is ready
	name        [16]byte
	parent      uint64 // the helper's PID, which the evaluator's parent must have
}

// rawName is the raw evaluators' command name (ps, /proc/PID/comm).
const rawName = "bpfsim-raw"

const (
	rawCompat   = 1 // issue through int $0x80
	rawNoFilter = 2 // install nothing (calibration)
)

// The keeper's exit status, when it ends the process itself.
const (
	rawExitThreadGone = 1 // the evaluating thread ended
	rawExitNoThread   = 3 // it could not be started (installRet: clone's -errno)
	rawExitOrphan     = 4 // the helper's thread that started it had ended
)

// futexWake is FUTEX_WAKE (include/uapi/linux/futex.h), shared: the
// evaluator waits in another process.
const futexWake = 1

const (
	pageSize = 4096
	rawCtl   = 3 * pageSize // the job, and one stack page for each thread
)

//go:noescape
func rawSpawn(job *rawJob) (pid int64)

func rawSpawnText() *byte

//go:noescape
func stubInt80(regs *stubRegs) (r uintptr)

func evalSupported() error { return nil }

// rawRun is one run of the raw evaluator.
type rawRun struct {
	prog     program.Program // the filter; nil with noFilter
	regs     []stubRegs
	start    int // the first input to issue
	nsites   int
	compat   bool
	noFilter bool
}

// rawResult is what a raw evaluator gave back.
type rawResult struct {
	pid        int        // the evaluator's
	installErr unix.Errno // seccomp(2) failed: the filter is not in place
	rax        [][numSites]uint64
	rcx        [numSites]uint64
	next       int  // regs[start:next] were answered
	killed     bool // the evaluating thread ended while issuing regs[next]
}

// The pauses between two looks at a running evaluator grow from
// rawPollMin to rawPollMax, or follow its progress.
const (
	rawPollMin = 10 * time.Microsecond
	rawPollMax = 500 * time.Microsecond
)

// nap sleeps d on the calling thread. nanosleep(2) keeps to microseconds
// where a Go timer, with every P idle, may wait for the network poller's
// millisecond.
func nap(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	unix.Nanosleep(&ts, nil)
}

// rawProc is a started raw evaluator, waiting for its job.
type rawProc struct {
	pid   int
	pidfd int // -1 where pidfd_open(2) is missing (before Linux 5.3)
	ctl   []byte
	job   *rawJob
}

// rawPool starts raw evaluators ahead of need and disposes of used ones.
// Its spawner goroutine holds one OS thread for the pool's life: the
// evaluators' parent, whose end kills them (PR_SET_PDEATHSIG).
type rawPool struct {
	spawns chan chan spawned
	stop   chan struct{} // closed when the pool is
	size   int

	mu     sync.Mutex
	ready  []*rawProc
	closed bool
	bg     sync.WaitGroup // disposals and refills
}

type spawned struct {
	p   *rawProc
	err error
}

// newRawPool returns a pool that keeps up to size evaluators waiting.
func newRawPool(size int) *rawPool {
	p := &rawPool{spawns: make(chan chan spawned), stop: make(chan struct{}), size: size}
	go func() {
		// Never unlocked: the thread ends with the goroutine, when the
		// pool closes, and takes any evaluator left with it.
		runtime.LockOSThread()
		for {
			select {
			case reply := <-p.spawns:
				proc, err := spawnRaw()
				reply <- spawned{proc, err}
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

var errPoolClosed = errors.New("kernel oracle is closed")

// close kills the waiting evaluators and waits, within reapTimeout each,
// for every disposal.
func (p *rawPool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	ready := p.ready
	p.ready = nil
	p.mu.Unlock()
	for _, proc := range ready {
		p.dispose(proc)
	}
	p.bg.Wait()
	close(p.stop)
}

func (p *rawPool) spawn() (*rawProc, error) {
	reply := make(chan spawned, 1)
	select {
	case p.spawns <- reply:
	case <-p.stop:
		return nil, errPoolClosed
	}
	r := <-reply
	return r.p, r.err
}

// get returns a waiting evaluator, started now if none is, and refills the
// pool in the background.
func (p *rawPool) get() (*rawProc, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	var proc *rawProc
	for proc == nil && len(p.ready) > 0 {
		proc, p.ready = p.ready[len(p.ready)-1], p.ready[:len(p.ready)-1]
		var ws unix.WaitStatus
		switch wpid, err := unix.Wait4(proc.pid, &ws, unix.WNOHANG|unix.WALL, nil); {
		case wpid == proc.pid: // it died waiting: reaped now
			p.free(proc)
			proc = nil
		case err != nil:
			p.dispose(proc)
			proc = nil
		}
	}
	if len(p.ready) < p.size {
		p.bg.Add(1)
		go p.refill()
	}
	p.mu.Unlock()
	if proc != nil {
		return proc, nil
	}
	return p.spawn()
}

func (p *rawPool) refill() {
	defer p.bg.Done()
	proc, err := p.spawn()
	if err != nil {
		return // the next get starts one itself, and reports the error
	}
	p.mu.Lock()
	if !p.closed && len(p.ready) < p.size {
		p.ready = append(p.ready, proc)
		proc = nil
	}
	p.mu.Unlock()
	if proc != nil {
		p.dispose(proc)
	}
}

// retire kills and reaps a used evaluator in the background.
func (p *rawPool) retire(proc *rawProc, extra []byte) {
	if proc.pid > 0 { // 0: already reaped (and kill(0) is the process group)
		unix.Kill(proc.pid, unix.SIGKILL) // at once: it may be spinning
	}
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		if err := reapRaw(proc.pid); err != nil {
			// Its memory must stay: the evaluator may yet run.
			return
		}
		p.free(proc)
		if extra != nil {
			unix.Munmap(extra)
		}
	}()
}

func (p *rawPool) dispose(proc *rawProc) {
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		if reapRaw(proc.pid) == nil {
			p.free(proc)
		}
	}()
}

// free releases what the helper holds of a reaped evaluator.
func (p *rawPool) free(proc *rawProc) {
	if proc.pidfd >= 0 {
		unix.Close(proc.pidfd)
	}
	unix.Munmap(proc.ctl)
}

// spawnRaw starts an evaluator on the calling thread (the spawner's).
func spawnRaw() (*rawProc, error) {
	ctl, err := unix.Mmap(-1, 0, rawCtl, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mapping a raw evaluator: %w", err)
	}
	base := uint64(uintptr(unsafe.Pointer(&ctl[0])))
	job := (*rawJob)(unsafe.Pointer(&ctl[0]))
	job.keeperStack = base + 2*pageSize
	job.evalStack = base + 3*pageSize
	// A limit of 1 stops core dumps to files and pipes alike
	// (do_coredump, fs/coredump.c): a fault in the evaluator must not
	// dump the helper's memory.
	job.rlimitCore = [2]uint64{1, 1}
	job.fprog = uint64(uintptr(unsafe.Pointer(&job.fprogLen)))
	copy(job.name[:], rawName)
	job.parent = uint64(unix.Getpid())
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	// The evaluator inherits this mask: with every signal blocked, none
	// reaches Go's handlers (which it shares nothing with but memory),
	// and ERRNO data 512-516 never meets a pending signal (see
	// blockAllSignals). A fault it cannot block resets its handler to
	// SIG_DFL (force_sig_info_to_task, kernel/signal.c) and kills it.
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		unix.Munmap(ctl)
		return nil, fmt.Errorf("blocking signals: %w", err)
	}
	pid := rawSpawn(job)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	if pid < 0 {
		unix.Munmap(ctl)
		return nil, fmt.Errorf("starting a raw evaluator: clone: %w", unix.Errno(-pid))
	}
	// A pidfd turns readable when the process has ended (pidfd_poll,
	// kernel/pid.c, from Linux 5.3).
	pidfd, err := unix.PidfdOpen(int(pid), 0)
	if err != nil {
		pidfd = -1
	}
	return &rawProc{pid: int(pid), pidfd: pidfd, ctl: ctl, job: job}, nil
}

// run has a waiting evaluator answer r, and disposes of it. pace, when
// not nil, hears how long the filter's creation took; the caller admitted
// it. A context that ends first gives a *StallError (or the context's
// error when it was cancelled).
func (p *rawPool) run(ctx context.Context, pace *pacer, r rawRun) (rawResult, error) {
	var res rawResult
	n := len(r.regs)
	size := 8*len(r.prog) + int(unsafe.Sizeof(stubRegs{}))*n + 8*numSites*n
	size = max((size+pageSize-1)/pageSize*pageSize, pageSize)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return res, fmt.Errorf("mapping the evaluator's job: %w", err)
	}
	base := uint64(uintptr(unsafe.Pointer(&mem[0])))
	filter := unsafe.Slice((*program.Instruction)(unsafe.Pointer(&mem[0])), len(r.prog))
	copy(filter, r.prog)
	off := 8 * len(r.prog)
	regs := unsafe.Slice((*stubRegs)(unsafe.Pointer(&mem[off])), n)
	copy(regs, r.regs)
	regsAt := base + uint64(off)
	off += int(unsafe.Sizeof(stubRegs{})) * n
	results := unsafe.Slice((*[numSites]uint64)(unsafe.Pointer(&mem[off])), n)
	resultsAt := base + uint64(off)

	if pace != nil && pace.delay > 0 {
		time.Sleep(pace.delay) // the slow-create fault, as pacer.timed has it
	}
	proc, err := p.get()
	if err != nil {
		unix.Munmap(mem)
		return res, err
	}
	res.pid = proc.pid
	defer p.retire(proc, mem)
	job := proc.job
	job.regs, job.results = regsAt, resultsAt
	job.n, job.start, job.nsites = uint64(n), uint64(r.start), uint64(r.nsites)
	job.fprogLen, job.fprogFilter = uint64(len(r.prog)), base
	job.flags = 0
	if r.compat {
		job.flags |= rawCompat
	}
	if r.noFilter {
		job.flags |= rawNoFilter
	}
	started := time.Now()
	atomic.StoreUint64(&job.goFlag, 1)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&job.goFlag)), futexWake, 1, 0, 0, 0)

	waitErr := func() error {
		installed := false
		var installedAt time.Time
		pause := rawPollMin
		for {
			if !installed && atomic.LoadUint64(&job.installed) == 1 {
				installed, installedAt = true, time.Now()
				if pace != nil {
					pace.observe(installedAt.Sub(started))
				}
			}
			if atomic.LoadUint64(&job.done) != 0 {
				return nil
			}
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(proc.pid, &ws, unix.WNOHANG|unix.WALL, nil)
			switch {
			case wpid == proc.pid:
				proc.pid = 0 // reaped: retire has nothing to kill
				switch {
				case ws.Exited() && ws.ExitStatus() == rawExitThreadGone && atomic.LoadUint64(&job.installed) == 1:
					res.killed = true
					return nil
				case ws.Exited() && ws.ExitStatus() == rawExitNoThread:
					return fmt.Errorf("starting the raw evaluator's thread: clone: %w", unix.Errno(-int64(atomic.LoadUint64(&job.installRet))))
				case ws.Exited() && ws.ExitStatus() == rawExitOrphan:
					return errors.New("the raw evaluator found its parent gone")
				}
				return fmt.Errorf("the raw evaluator ended unexpectedly (%s)", describeWait(ws, nil))
			case err != nil && !errors.Is(err, unix.EINTR):
				return fmt.Errorf("waiting for the raw evaluator: %w", err)
			}
			select {
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return &StallError{Op: "eval", After: time.Since(started), Health: readHealth(true)}
				}
				return ctx.Err()
			default:
			}
			pause = min(pause*3/2, rawPollMax)
			if cur := int(atomic.LoadUint64(&job.current)); installed && cur > r.start {
				// The finished evaluator spins until it is killed: look
				// again about when the rest should be done, at the pace
				// it has kept so far.
				left := time.Since(installedAt) / time.Duration(cur-r.start) * time.Duration(n-cur)
				pause = min(max(left, rawPollMin), rawPollMax)
			}
			if proc.pidfd >= 0 {
				ts := unix.NsecToTimespec(int64(pause))
				unix.Ppoll([]unix.PollFd{{Fd: int32(proc.pidfd), Events: unix.POLLIN}}, &ts, nil)
			} else {
				nap(pause)
			}
		}
	}()
	installRet := int64(atomic.LoadUint64(&job.installRet))
	switch {
	case waitErr != nil || res.killed:
		res.next = int(atomic.LoadUint64(&job.current))
		if atomic.LoadUint64(&job.installed) == 0 && !r.noFilter {
			res.next = r.start
		}
	case !r.noFilter && installRet != 0:
		res.installErr, res.next = unix.Errno(-installRet), r.start
	default:
		res.next = n
	}
	res.next = max(res.next, r.start)
	res.rax = make([][numSites]uint64, res.next-r.start)
	copy(res.rax, results[r.start:res.next])
	for s := range res.rcx {
		res.rcx[s] = atomic.LoadUint64(&job.rcx[s])
	}
	return res, waitErr
}

// reapRaw kills and reaps the raw evaluator pid (0: already reaped), for
// at most reapTimeout: a thread in uninterruptible sleep (a filter
// creation caught in a kernel deadlock) keeps a process from being reaped.
func reapRaw(pid int) error {
	if pid <= 0 {
		return nil
	}
	unix.Kill(pid, unix.SIGKILL)
	deadline := time.Now().Add(reapTimeout)
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(pid, &ws, unix.WNOHANG|unix.WALL, nil)
		switch {
		case wpid == pid || errors.Is(err, unix.ECHILD):
			return nil
		case err != nil && !errors.Is(err, unix.EINTR):
			return fmt.Errorf("reaping the raw evaluator %d: %w", pid, err)
		case time.Now().After(deadline):
			return fmt.Errorf("the raw evaluator %d could not be reaped within %v after SIGKILL: %v", pid, reapTimeout, readHealth(true))
		}
		nap(rawPollMin)
	}
}

func describeWait(ws unix.WaitStatus, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case ws.Signaled():
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// rawSyscallSites learns the address after each SYSCALL site of the raw
// evaluator: SYSCALL leaves it in RCX (entry_SYSCALL_64,
// arch/x86/entry/entry_64.S, returns to user space with RCX = RIP). A run
// without a filter issues getpid from each, which must return the
// evaluator's PID.
func rawSyscallSites(ctx context.Context, pool *rawPool) (sites, error) {
	res, err := pool.run(ctx, nil, rawRun{regs: []stubRegs{{nr: unix.SYS_GETPID}}, nsites: numSites, noFilter: true})
	if err != nil {
		return sites{}, fmt.Errorf("calibrating the raw evaluator: %w", err)
	}
	if len(res.rax) != 1 {
		return sites{}, errors.New("calibrating the raw evaluator: no answer")
	}
	for s, r := range res.rax[0] {
		if int(r) != res.pid {
			return sites{}, fmt.Errorf("calibrating the raw evaluator: getpid from site %d returned %d, not %d", s, int64(r), res.pid)
		}
	}
	at := sites(res.rcx)
	if err := checkSitesInCode(at, 0x0f, 0x05); err != nil {
		return at, err
	}
	return at, checkResidues("SYSCALL", at)
}

// rawInt80Sites finds the address after each INT $0x80 of the raw
// evaluator, the instruction_pointer the kernel reports for it (an
// interrupt pushes the address of the next instruction), by reading its
// machine code for the bytes cd 80 up to its end as the runtime's function
// table gives it. Nothing is executed, so this is safe where int $0x80
// faults; the IA-32 probe checks the addresses against what the kernel
// reports.
func rawInt80Sites() (sites, error) {
	var at sites
	code, err := rawCode()
	if err != nil {
		return at, err
	}
	entry := uintptr(unsafe.Pointer(&code[0]))
	k := 0
	for i := 0; i+1 < len(code); i++ {
		if code[i] != 0xcd || code[i+1] != 0x80 {
			continue
		}
		if k == numSites {
			return at, fmt.Errorf("the raw evaluator has more than %d cd 80 byte pairs", numSites)
		}
		at[k] = uint64(entry) + uint64(i) + 2
		k++
	}
	if k != numSites {
		return at, fmt.Errorf("the raw evaluator has %d cd 80 byte pairs, want %d", k, numSites)
	}
	return at, checkResidues("int $0x80", at)
}

// rawCode returns the machine code of rawSpawn, which holds the evaluator.
func rawCode() ([]byte, error) {
	text := rawSpawnText()
	entry := uintptr(unsafe.Pointer(text))
	f := runtime.FuncForPC(entry)
	if f == nil || f.Entry() != entry || !strings.HasSuffix(f.Name(), ".rawSpawn") {
		return nil, fmt.Errorf("locating the raw evaluator: %#x is not its entry", entry)
	}
	n := 0
	for runtime.FuncForPC(entry+uintptr(n)) == f && n < maxRawCode {
		n++
	}
	return unsafe.Slice(text, n), nil
}

// maxRawCode bounds how far rawCode reads.
const maxRawCode = 4096

// checkSitesInCode checks that each site follows the two bytes b0 b1
// inside the raw evaluator's code.
func checkSitesInCode(at sites, b0, b1 byte) error {
	code, err := rawCode()
	if err != nil {
		return err
	}
	entry := uint64(uintptr(unsafe.Pointer(&code[0])))
	for s, a := range at {
		if a < entry+2 || a > entry+uint64(len(code)) || code[a-entry-2] != b0 || code[a-entry-1] != b1 {
			return fmt.Errorf("raw evaluator site %d at %#x does not follow %02x %02x in its code at %#x", s, a, b0, b1, entry)
		}
	}
	return nil
}

// probeInt80 is the first stage of the IA-32 probe, run in a disposable
// helper (childIA32): it issues i386 getpid through int $0x80 outside the
// syscall bracket, so that the SIGSEGV of a kernel without IA-32
// emulation becomes a recoverable panic (SetPanicOnFault: the fault's
// si_code is SI_KERNEL, which the runtime would otherwise treat as fatal)
// instead of a crash. It returns ia32Faulted, ia32BadGetpid with the value
// returned, or ia32Works.
func probeInt80() (code, value uint32) {
	r, faulted := int80Recovering(&stubRegs{nr: nrI386Getpid})
	switch {
	case faulted:
		return ia32Faulted, 0
	case int(r) != unix.Getpid():
		return ia32BadGetpid, uint32(r)
	}
	return ia32Works, 0
}

// int80Recovering issues regs and reports a fault instead of dying of it.
// Its arguments must be zero: RBP holds args[5] when the fault is
// delivered.
func int80Recovering(regs *stubRegs) (r uintptr, faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			faulted = true
		}
	}()
	return stubInt80(regs), false
}
