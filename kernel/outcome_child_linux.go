//go:build linux && amd64

package kernel

import (
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The helper side of Outcome. The helper is a Go process, so it is never
// single-threaded; the call is made either by one of its threads (second-
// thread mode: the helper's other threads stay alive) or by a process
// forked from that thread with a raw clone, which has exactly one thread.
// Either way the thread that makes the call (the target) runs only the
// nosplit code below from the moment the parent attaches: it installs the
// filters, makes the call and reports through the shared page with plain
// memory writes, because after the first filter any syscall of its own
// could be judged, and it blocks every signal so that no Go signal handler
// (whose rt_sigreturn the filters would judge) runs on it.

// targetPlan is everything the target needs, prepared before it starts.
type targetPlan struct {
	page   *outcomePage
	nr     uintptr
	args   [6]uintptr
	fprogs []unix.SockFprog
	flags  []uintptr
	rlim   unix.Rlimit // zero: no core file
	ppid   uintptr     // single-thread mode: the helper's pid
}

func childOutcome() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		childFail("reading outcome request: %v", err)
	}
	h, progs, err := decodeOutcomeRequest(input)
	if err != nil {
		childFail("%v", err)
	}
	mapping, err := unix.Mmap(3, 0, outcomePageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		childFail("mapping result page: %v", err)
	}
	page := (*outcomePage)(unsafe.Pointer(&mapping[0]))
	// The target spins on a locked thread with signals blocked, where the
	// runtime cannot preempt it: keep the garbage collector (which would
	// wait for it) off, and leave Ps for the listener and the watcher.
	debug.SetGCPercent(-1)
	if runtime.GOMAXPROCS(0) < 4 {
		runtime.GOMAXPROCS(4)
	}

	plan := &targetPlan{page: page, nr: uintptr(int64(h.Nr))}
	for i, a := range h.Args {
		plan.args[i] = uintptr(a)
	}
	plan.fprogs = make([]unix.SockFprog, len(progs))
	plan.flags = make([]uintptr, len(progs))
	for i, p := range progs {
		plan.fprogs[i].Len = uint16(len(p))
		if len(p) > 0 {
			plan.fprogs[i].Filter = &p[0]
		}
	}
	if h.Flags&reqListener != 0 {
		plan.flags[len(progs)-1] |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		go listen(page, h)
	}
	second := h.Flags&reqSecondThread != 0
	go targetThread(plan, second)
	if second {
		watchTarget(page)
	}
	for { // wait for the parent's SIGKILL
		time.Sleep(time.Hour)
	}
}

// targetThread becomes, or forks, the target. In second-thread mode it
// must not be the main thread, so that KILL_PROCESS is seen to kill the
// process "even from a non-main thread" and so that the traced thread is
// never the one the parent waits for as its child.
func targetThread(plan *targetPlan, second bool) {
	runtime.LockOSThread() // never unlocked: the thread dies with the process
	if unix.Gettid() == unix.Getpid() {
		go targetThread(plan, second)
		select {}
	}
	var all unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, nil); err != nil {
		childFail("blocking signals: %v", err)
	}
	if second {
		runTarget(plan, uintptr(unix.Gettid()))
	}
	plan.ppid = uintptr(unix.Getpid())
	pid, e := forkTarget(plan)
	if e != 0 {
		storeWord(&plan.page.setupErrno, uint64(e))
		storeWord(&plan.page.setupStep, 4)
		select {}
	}
	// Reap the target once its tracer, the parent, has seen its end.
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(int(pid), &ws, unix.WALL, nil); err != syscall.EINTR {
			break
		}
	}
	select {}
}

// forkTarget forks a single-threaded copy of this thread, sharing the fd
// table (CLONE_FILES) so that the listener fd it creates is usable by the
// helper's listener. In the copy it runs the target and never returns.
//
//go:nosplit
//go:norace
func forkTarget(plan *targetPlan) (uintptr, syscall.Errno) {
	pid, _, e := syscall.RawSyscall6(unix.SYS_CLONE, unix.CLONE_FILES|uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || pid != 0 {
		return pid, e
	}
	// The copy: die with the helper's thread, and make sure it was not
	// already gone.
	if _, _, e := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0); e != 0 {
		targetFail(plan.page, 5, e)
	}
	if ppid, _, _ := syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0); ppid != plan.ppid {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, 1, 0, 0)
	}
	me, _, _ := syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	runTarget(plan, me)
	return 0, 0
}

// runTarget is the target: it announces itself, waits for the parent's
// tracer, installs the filters and makes the call. It never returns.
//
//go:nosplit
//go:norace
func runTarget(t *targetPlan, tid uintptr) {
	p := t.page
	storeWord(&p.tid, uint64(tid))
	storeWord(&p.ready, 1)
	for loadWord(&p.goAhead) == 0 {
		syscall.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
	// Without CAP_SYS_ADMIN seccomp wants no_new_privs
	// (seccomp_prepare_filter); as root it is harmless.
	if _, _, e := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		targetFail(p, 1, e)
	}
	// The kills force a core dump (force_sig_seccomp(..., true));
	// do_coredump gives up at once for a non-dumpable mm, so no core file
	// is written and no core_pattern handler runs. The tracer attached
	// before this.
	if _, _, e := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0); e != 0 {
		targetFail(p, 2, e)
	}
	if _, _, e := syscall.RawSyscall(unix.SYS_SETRLIMIT, unix.RLIMIT_CORE, uintptr(unsafe.Pointer(&t.rlim)), 0); e != 0 {
		targetFail(p, 3, e)
	}
	for i := 0; i < len(t.fprogs); i++ {
		r, _, e := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, t.flags[i], uintptr(unsafe.Pointer(&t.fprogs[i])))
		if e != 0 {
			storeWord(&p.failErrno, uint64(e))
			storeWord(&p.failIdx, uint64(i))
			storeWord(&p.failed, 1)
			spin()
		}
		if t.flags[i]&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
			storeWord(&p.listenFd, uint64(r)+1)
		}
		storeWord(&p.installed, uint64(i+1))
	}
	storeWord(&p.calling, 1)
	r, _, e := syscall.RawSyscall6(t.nr, t.args[0], t.args[1], t.args[2], t.args[3], t.args[4], t.args[5])
	if e != 0 {
		r = -uintptr(e)
	}
	storeWord(&p.rax, uint64(r))
	storeWord(&p.done, 1)
	spin()
}

//go:nosplit
//go:norace
func targetFail(p *outcomePage, step uint64, e syscall.Errno) {
	storeWord(&p.setupErrno, uint64(e))
	storeWord(&p.setupStep, step)
	spin()
}

// spin waits, without syscalls, for the parent's SIGKILL.
//
//go:nosplit
//go:norace
func spin() {
	for {
	}
}

// seccompNotif is struct seccomp_notif; seccompNotifResp is struct
// seccomp_notif_resp (include/uapi/linux/seccomp.h).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  [64]byte
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// listen receives the target's user notification on the listener fd and
// sends the requested reply. It runs on a thread that is under no filter:
// filters are per thread, and the target's are installed without TSYNC.
func listen(p *outcomePage, h outcomeHeader) {
	for atomic.LoadUint64(&p.listenFd) == 0 {
		time.Sleep(20 * time.Microsecond)
	}
	fd := uintptr(atomic.LoadUint64(&p.listenFd) - 1)
	var n seccompNotif
	for {
		n = seccompNotif{} // SECCOMP_IOCTL_NOTIF_RECV wants a zeroed buffer
		_, _, e := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			atomic.StoreUint64(&p.recvErrno, uint64(e))
			return
		}
		break
	}
	atomic.StoreUint64(&p.notifID, n.ID)
	atomic.StoreUint64(&p.notifPid, uint64(n.Pid))
	atomic.StoreUint64(&p.notifFlags, uint64(n.Flags))
	for i := range p.notifData {
		atomic.StoreUint64(&p.notifData[i], binary.NativeEndian.Uint64(n.Data[8*i:]))
	}
	atomic.StoreUint64(&p.notified, 1)
	resp := seccompNotifResp{ID: n.ID, Val: h.ReplyVal, Error: h.ReplyError}
	if h.Flags&reqContinue != 0 {
		resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
	}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp)))
	atomic.StoreUint64(&p.sendErrno, uint64(e))
	atomic.StoreUint64(&p.sent, 1)
}

// watchTarget reports, in second-thread mode, that the target thread is
// gone while this process lives on. A thread killed with its whole process
// never gets here: tgkill can report ESRCH only after the parent reaped the
// target, by which time a group exit has already queued SIGKILL for this
// thread, which dies on its way back from tgkill.
func watchTarget(p *outcomePage) {
	for atomic.LoadUint64(&p.ready) == 0 {
		time.Sleep(20 * time.Microsecond)
	}
	pid, tid := unix.Getpid(), int(atomic.LoadUint64(&p.tid))
	for {
		if err := unix.Tgkill(pid, tid, 0); err == unix.ESRCH {
			atomic.StoreUint64(&p.survived, 1)
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}
