//go:build linux && amd64

package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// outcomeTimeout bounds one Outcome run, from starting the helper to the
// end of the call; reaping gets reapTimeout (oracle.go) on top.
const outcomeTimeout = 5 * time.Second

// outcomePage is the page shared (a memfd mapped MAP_SHARED) by the parent,
// the helper and, in single-thread mode, the helper's forked target. The
// target writes it without syscalls once filters are installed. Every field
// is accessed atomically.
type outcomePage struct {
	ready   uint64 // target: tid is set, waiting for goAhead
	goAhead uint64 // parent: the tracer is attached
	tid     uint64 // the target thread (its pid in single-thread mode)

	setupStep  uint64 // nonzero: a setup step before the filters failed
	setupErrno uint64
	installed  uint64 // filters installed so far
	failed     uint64 // 1: seccomp(2) of filter failIdx failed with failErrno
	failIdx    uint64
	failErrno  uint64
	calling    uint64 // the call is being made
	done       uint64 // the call returned; rax holds RAX
	rax        uint64

	listenFd   uint64 // the listener fd + 1, once installed
	notified   uint64 // the listener received notif*
	notifID    uint64
	notifPid   uint64
	notifFlags uint64
	notifData  [8]uint64
	sent       uint64 // the listener's reply ioctl returned; sendErrno
	sendErrno  uint64
	recvErrno  uint64 // the listener's receive ioctl failed

	survived uint64 // second-thread mode: the target thread is gone, the process lives
}

const outcomePageSize = 4096

func init() {
	if unsafe.Sizeof(outcomePage{}) > outcomePageSize {
		panic("outcomePage does not fit its page")
	}
}

// outcome request flags, passed to the helper on stdin.
const (
	reqListener = 1 << iota
	reqSecondThread
	reqContinue
)

type outcomeHeader struct {
	Nr         int32
	Flags      uint32
	Args       [6]uint64
	ReplyVal   int64
	ReplyError int32
	NProgs     uint32
}

func encodeOutcomeRequest(progs []program.Program, call OutcomeCall, env OutcomeEnv) []byte {
	h := outcomeHeader{Nr: call.Nr, Args: call.Args, ReplyVal: env.Reply.Val, ReplyError: env.Reply.Error, NProgs: uint32(len(progs))}
	if env.Listener {
		h.Flags |= reqListener
	}
	if env.SecondThread {
		h.Flags |= reqSecondThread
	}
	if env.Reply.Continue {
		h.Flags |= reqContinue
	}
	var b bytes.Buffer
	binary.Write(&b, binary.NativeEndian, &h)
	for _, p := range progs {
		binary.Write(&b, binary.NativeEndian, uint32(len(p)))
		for _, ins := range p {
			binary.Write(&b, binary.NativeEndian, ins)
		}
	}
	return b.Bytes()
}

func decodeOutcomeRequest(in []byte) (outcomeHeader, [][]unix.SockFilter, error) {
	r := bytes.NewReader(in)
	var h outcomeHeader
	if err := binary.Read(r, binary.NativeEndian, &h); err != nil {
		return h, nil, errors.New("truncated outcome request")
	}
	if uint64(h.NProgs) > uint64(len(in)) {
		return h, nil, errors.New("bad outcome request")
	}
	progs := make([][]unix.SockFilter, h.NProgs)
	for i := range progs {
		var n uint32
		if err := binary.Read(r, binary.NativeEndian, &n); err != nil || uint64(n)*8 > uint64(r.Len()) {
			return h, nil, errors.New("truncated program")
		}
		progs[i] = make([]unix.SockFilter, n)
		if err := binary.Read(r, binary.NativeEndian, progs[i]); err != nil {
			return h, nil, errors.New("truncated program")
		}
	}
	return h, progs, nil
}

// outcomeRun is one parent-side run: the helper process, the tracee, and
// what was seen of them.
type outcomeRun struct {
	env    OutcomeEnv
	page   *outcomePage
	cmd    *exec.Cmd
	exited chan struct{}
	stderr bytes.Buffer

	tracee   int  // tid of the traced target thread, 0 before attach
	attached bool // PTRACE_SEIZE succeeded: we must reap tracee
	pidfd    int  // single-thread mode: the forked target, -1 if none
	gone     bool // the tracee's exit was reaped
	// judged names a TRAP or TRACE stop of a seccomp(2) that installs a
	// later filter of the stack: the stack acted on its own installation.
	judged string
	status unix.WaitStatus

	obs Observed
}

func outcome(progs []program.Program, call OutcomeCall, env OutcomeEnv) (Observed, error) {
	if err := Available(); err != nil {
		return Observed{}, err
	}
	fd, err := unix.MemfdCreate("bpfsim-outcome", unix.MFD_CLOEXEC)
	if err != nil {
		return Observed{}, fmt.Errorf("memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "bpfsim-outcome")
	defer mem.Close()
	if err := mem.Truncate(outcomePageSize); err != nil {
		return Observed{}, fmt.Errorf("sizing result page: %w", err)
	}
	mapping, err := unix.Mmap(fd, 0, outcomePageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return Observed{}, fmt.Errorf("mapping result page: %w", err)
	}
	defer unix.Munmap(mapping)
	exe, err := os.Executable()
	if err != nil {
		return Observed{}, fmt.Errorf("finding own executable: %w", err)
	}

	// ptrace requests must come from the thread that attached, and
	// Pdeathsig follows the thread that forked: one locked thread does
	// all of it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	r := &outcomeRun{
		env:    env,
		page:   (*outcomePage)(unsafe.Pointer(&mapping[0])),
		exited: make(chan struct{}),
		pidfd:  -1,
	}
	r.cmd = exec.Command(exe)
	r.cmd.Env = append(os.Environ(), childEnv+"=outcome")
	r.cmd.Stdin = bytes.NewReader(encodeOutcomeRequest(progs, call, env))
	r.cmd.Stderr = &r.stderr
	r.cmd.ExtraFiles = []*os.File{mem}
	r.cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		return Observed{}, fmt.Errorf("starting oracle helper: %w", err)
	}
	go func() { r.cmd.Wait(); close(r.exited) }()

	timeout := env.Timeout
	if timeout <= 0 {
		timeout = outcomeTimeout
	}
	runErr := r.run(time.Now().Add(timeout), len(progs))
	obs := r.obs
	if err := r.cleanup(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return Observed{}, runErr
	}
	obs.Runs = ranForReal(call.Nr, &obs.Outcome)
	return obs, nil
}

func (r *outcomeRun) processExited() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// pause is the polling step: every wait of the parent is a poll against a
// deadline, so no wait can hang.
func pause() { time.Sleep(50 * time.Microsecond) }

func (r *outcomeRun) helperDied(what string) error {
	if !r.processExited() {
		// Its state and stderr are still being written.
		return fmt.Errorf("oracle helper failed %s", what)
	}
	msg := ""
	if b := bytes.TrimSpace(r.stderr.Bytes()); len(b) > 0 {
		msg = ": " + firstLine(b)
	}
	return fmt.Errorf("oracle helper died %s (%v)%s", what, r.cmd.ProcessState, msg)
}

func (r *outcomeRun) setupFailed() error {
	if n := atomic.LoadUint64(&r.page.setupStep); n != 0 {
		step := "setup"
		if n < uint64(len(setupSteps)) {
			step = setupSteps[n]
		}
		return fmt.Errorf("oracle target: %s: %v", step, syscall.Errno(atomic.LoadUint64(&r.page.setupErrno)))
	}
	return nil
}

func (r *outcomeRun) run(deadline time.Time, nprogs int) error {
	p := r.page
	for atomic.LoadUint64(&p.ready) == 0 {
		if err := r.setupFailed(); err != nil {
			return err
		}
		if r.processExited() {
			return r.helperDied("before it was ready")
		}
		if time.Now().After(deadline) {
			return errors.New("oracle helper hung: not ready in time")
		}
		pause()
	}
	tid := int(atomic.LoadUint64(&p.tid))
	if !r.env.SecondThread {
		// The forked target is not our child: hold a pidfd so that the
		// cleanup's kill cannot hit a recycled pid.
		pfd, err := unix.PidfdOpen(tid, 0)
		if err != nil {
			return fmt.Errorf("pidfd_open of the target: %w", err)
		}
		r.pidfd = pfd
	}
	// EXITKILL: if this process dies, so does the target.
	opts := unix.PTRACE_O_EXITKILL
	if r.env.Tracer {
		opts |= unix.PTRACE_O_TRACESECCOMP
	}
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(tid), 0, uintptr(opts), 0, 0); e != 0 {
		if e == unix.EPERM {
			// Yama, a container without CAP_SYS_PTRACE, or an LSM.
			return fmt.Errorf("ptrace(PTRACE_SEIZE) of the oracle's target: not permitted here: %w", ErrUnsupported)
		}
		return fmt.Errorf("ptrace(PTRACE_SEIZE) of the oracle's target: %w", e)
	}
	r.tracee, r.attached = tid, true
	atomic.StoreUint64(&p.goAhead, 1)

	for {
		progress, err := r.step()
		if err != nil {
			return err
		}
		if err := r.setupFailed(); err != nil {
			return err
		}
		if r.judged != "" {
			return fmt.Errorf("filter %d: seccomp(2) was judged by the earlier filters: %s", atomic.LoadUint64(&p.installed), r.judged)
		}
		if atomic.LoadUint64(&p.failed) != 0 {
			r.obs.Install = Verdict{Errno: seccompdata.Errno(atomic.LoadUint64(&p.failErrno)), FailedIndex: int(atomic.LoadUint64(&p.failIdx))}
			return nil
		}
		if atomic.LoadUint64(&p.done) != 0 {
			if atomic.LoadUint64(&p.notified) != 0 && atomic.LoadUint64(&p.sent) == 0 {
				if time.Now().After(deadline) {
					return errors.New("oracle helper hung: the listener's reply did not return")
				}
				pause()
				continue
			}
			return r.finishReturned()
		}
		if r.gone {
			return r.finishKilled(deadline, nprogs)
		}
		if time.Now().After(deadline) {
			return r.hung(nprogs)
		}
		if !progress {
			pause()
		}
	}
}

var setupSteps = [...]string{1: "prctl(PR_SET_NO_NEW_PRIVS)", 2: "prctl(PR_SET_DUMPABLE)", 3: "setrlimit(RLIMIT_CORE)", 4: "clone", 5: "prctl(PR_SET_PDEATHSIG)"}

// step handles at most one ptrace stop or the tracee's exit, reporting
// whether there was one.
func (r *outcomeRun) step() (bool, error) {
	if r.gone {
		return false, nil
	}
	var ws unix.WaitStatus
	wpid, err := unix.Wait4(r.tracee, &ws, unix.WALL|unix.WNOHANG, nil)
	switch {
	case err == unix.EINTR:
		return true, nil
	case err == unix.ECHILD:
		r.gone = true // reaped by someone else: nothing more to see
		return true, nil
	case err != nil:
		return false, fmt.Errorf("wait4 on the oracle's target: %w", err)
	case wpid != r.tracee:
		return false, nil
	}
	if ws.Exited() || ws.Signaled() {
		r.gone, r.status = true, ws
		return true, nil
	}
	if !ws.Stopped() {
		return true, nil
	}
	sig := 0
	event := (uint32(ws) >> 16) & 0xff
	switch {
	case event == unix.PTRACE_EVENT_SECCOMP:
		// __seccomp_filter, SECCOMP_RET_TRACE: ptrace_event(PTRACE_EVENT_SECCOMP, data).
		msg, err := unix.PtraceGetEventMsg(r.tracee)
		if err != nil {
			return false, fmt.Errorf("PTRACE_GETEVENTMSG: %w", err)
		}
		var regs unix.PtraceRegs
		if err := unix.PtraceGetRegs(r.tracee, &regs); err != nil {
			return false, fmt.Errorf("PTRACE_GETREGS: %w", err)
		}
		r.obs.TraceEvent = &seccompdata.TraceEvent{Message: uint16(msg), OrigRax: int64(regs.Orig_rax), Rax: int64(regs.Rax)}
		if atomic.LoadUint64(&r.page.calling) == 0 {
			r.judged = fmt.Sprintf("TRACE stop (msg %#x)", msg)
		}
	case event != 0:
		// PTRACE_EVENT_STOP (a group-stop under PTRACE_SEIZE) and other
		// events: resume.
	default:
		var si siginfoSys
		if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(r.tracee), 0, uintptr(unsafe.Pointer(&si)), 0, 0); e != 0 {
			return false, fmt.Errorf("PTRACE_GETSIGINFO: %w", e)
		}
		sig = int(ws.StopSignal())
		if sig == int(unix.SIGSYS) && si.Code == seccompdata.SysSeccomp && r.obs.Trap == nil {
			// seccomp_send_sigsys: a TRAP. Suppress it, as a tracer may,
			// so that the thread goes on with RAX = nr (syscall_rollback).
			r.obs.Trap = &seccompdata.Trap{Signo: si.Signo, Code: si.Code, Errno: si.Errno, Syscall: si.Syscall, Arch: si.Arch, CallAddr: si.CallAddr}
			sig = 0
			if atomic.LoadUint64(&r.page.calling) == 0 {
				r.judged = fmt.Sprintf("TRAP (si_errno %#x)", si.Errno)
			}
		}
	}
	if err := unix.PtraceCont(r.tracee, sig); err != nil && err != unix.ESRCH {
		return false, fmt.Errorf("PTRACE_CONT: %w", err)
	}
	return true, nil
}

// siginfoSys is the x86_64 siginfo_t as the kernel fills it for SIGSYS
// (the _sigsys member of the union at offset 16).
type siginfoSys struct {
	Signo    int32
	Errno    int32
	Code     int32
	_        int32
	CallAddr uint64
	Syscall  int32
	Arch     uint32
	_        [96]byte
}

func (r *outcomeRun) installedAll(nprogs int) bool {
	return atomic.LoadUint64(&r.page.installed) == uint64(nprogs)
}

func (r *outcomeRun) finishReturned() error {
	p := r.page
	r.obs.Install = Verdict{Accepted: true, FailedIndex: -1}
	r.obs.Ran, r.obs.Returned = true, true
	r.obs.Return = int64(atomic.LoadUint64(&p.rax))
	r.obs.Errno = seccompdata.ReturnErrno(r.obs.Return)
	r.readNotification()
	return nil
}

func (r *outcomeRun) readNotification() {
	p := r.page
	if atomic.LoadUint64(&p.notified) == 0 {
		return
	}
	var raw [64]byte
	for i := range p.notifData {
		binary.NativeEndian.PutUint64(raw[8*i:], atomic.LoadUint64(&p.notifData[i]))
	}
	d, _ := seccompdata.DecodeData(raw[:], binary.NativeEndian)
	r.obs.Notification = &seccompdata.Notification{
		ID:        atomic.LoadUint64(&p.notifID),
		Pid:       uint32(atomic.LoadUint64(&p.notifPid)),
		Flags:     uint32(atomic.LoadUint64(&p.notifFlags)),
		Data:      d,
		SendErrno: seccompdata.Errno(atomic.LoadUint64(&p.sendErrno)),
	}
}

// finishKilled classifies the death of the tracee.
func (r *outcomeRun) finishKilled(deadline time.Time, nprogs int) error {
	p := r.page
	ws := r.status
	if !ws.Signaled() {
		if ws.Exited() {
			return r.helperDied(fmt.Sprintf("with the target thread exiting (status %d)", ws.ExitStatus()))
		}
		return r.helperDied("while its target ran (target reaped elsewhere)")
	}
	if !r.installedAll(nprogs) {
		return fmt.Errorf("filter %d: seccomp(2) was judged by the earlier filters: the installing thread was killed by signal %d",
			atomic.LoadUint64(&p.installed), ws.Signal())
	}
	if atomic.LoadUint64(&p.calling) == 0 {
		return fmt.Errorf("oracle target killed by signal %d before it made the call", ws.Signal())
	}
	r.obs.Install = Verdict{Accepted: true, FailedIndex: -1}
	r.obs.Ran = true
	r.obs.Signal = int(ws.Signal())
	r.readNotification()
	if !r.env.SecondThread {
		if r.processExited() {
			// The helper itself died, and its Pdeathsig took the
			// target: that is no seccomp kill.
			return r.helperDied("while its target ran")
		}
		// The target was a whole, single-threaded process.
		r.obs.Killed = "process"
		r.obs.CoreDump = ws.CoreDump()
		return nil
	}
	// The traced thread is dead and reaped. Either its process died with
	// it, or the helper's watcher, still alive, saw the thread vanish
	// (a zapped thread never returns to user mode to report).
	for {
		if atomic.LoadUint64(&p.survived) != 0 {
			r.obs.Killed = "thread"
			return nil
		}
		if r.processExited() {
			st, _ := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !st.Signaled() {
				return r.helperDied("after its target thread was killed")
			}
			r.obs.Killed = "process"
			r.obs.Signal = int(st.Signal())
			r.obs.CoreDump = st.CoreDump()
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("oracle helper hung: its target thread died and the process neither exited nor reported")
		}
		pause()
	}
}

func (r *outcomeRun) hung(nprogs int) error {
	p := r.page
	switch {
	case atomic.LoadUint64(&p.calling) != 0:
		what := ""
		if atomic.LoadUint64(&p.listenFd) != 0 && atomic.LoadUint64(&p.notified) == 0 {
			what = " (the listener received no notification)"
		}
		return fmt.Errorf("oracle helper hung: the call did not return in time%s", what)
	case !r.installedAll(nprogs):
		return fmt.Errorf("oracle helper hung installing filter %d", atomic.LoadUint64(&p.installed))
	}
	return errors.New("oracle helper hung")
}

// cleanup kills the helper and its target and reaps both, within
// reapTimeout. It runs on every path.
func (r *outcomeRun) cleanup() error {
	if r.pidfd >= 0 {
		unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0)
	}
	r.cmd.Process.Kill()
	deadline := time.Now().Add(reapTimeout)
	var err error
	for r.attached && !r.gone {
		// The tracee's exit is reported to us, its tracer, first; until
		// we reap it, its thread group (or its parent) cannot finish.
		r.step()
		if r.gone {
			break
		}
		if time.Now().After(deadline) {
			err = fmt.Errorf("oracle target %d could not be reaped within %v", r.tracee, reapTimeout)
			break
		}
		pause()
	}
	if r.pidfd >= 0 {
		unix.Close(r.pidfd)
		r.pidfd = -1
	}
	select {
	case <-r.exited:
	case <-time.After(time.Until(deadline) + 10*time.Millisecond):
		if err == nil {
			err = fmt.Errorf("oracle helper %d could not be reaped within %v", r.cmd.Process.Pid, reapTimeout)
		}
	}
	return err
}
