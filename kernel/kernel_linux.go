//go:build linux

package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// childEnv names the environment variable that turns a re-executed binary
// into the oracle's helper; its value is the job.
const childEnv = "BPFSIM_KERNEL_ORACLE_CHILD"

// ServerEnv is the environment entry with which a re-execution of the
// binary serves the oracle's protocol from RunChildIfRequested, reading
// requests from its fd 3 and answering on its fd 4, as the helper Open
// starts does. A virtual machine's init starts one on a serial port (see
// NewClient for the other end).
const ServerEnv = childEnv + "=server"

// childTimeout bounds how long the parent waits for a helper.
const childTimeout = 10 * time.Second

// Shared result page layout, written by the child without any syscall after
// the first filter is installed (the filter may forbid every syscall):
// word 0: number of filters the child finished (installed or failed),
// word 1: 1 when the child is done, word 2+2i: 1 installed / 2 failed,
// word 3+2i: errno.
const resultWords = 3 + 2*maxStack

// tidWord is the word of the verdict page holding the TID of the thread
// that installs the filters.
const tidWord = resultWords - 1

// Available reports whether this kernel can install seccomp filters.
func Available() error {
	// SECCOMP_GET_ACTION_AVAIL needs no privilege and exists since 4.14;
	// ALLOW is always available where filters are (kernel/seccomp.c,
	// seccomp_get_action_avail).
	act := uint32(seccompdata.ActAllow)
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&act)))
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_GET_ACTION_AVAIL): %v: %w", e, ErrUnsupported)
	}
	return nil
}

// RunChildIfRequested turns this process into the oracle's helper when the
// parent asked for it, and then never returns. Otherwise it returns at once.
func RunChildIfRequested() {
	job := os.Getenv(childEnv)
	if job == "" {
		return
	}
	switch job {
	case "server":
		childServer()
	case "verdict":
		childVerdict()
	case "outcome":
		childOutcome()
	case "ia32":
		childIA32()
	default:
		fmt.Fprintf(os.Stderr, "bpfsim oracle helper: unknown job %q\n", job)
		os.Exit(2)
	}
}

func installVerdict(progs []program.Program) (Verdict, error) {
	var in bytes.Buffer
	binary.Write(&in, binary.LittleEndian, uint32(len(progs)))
	for _, p := range progs {
		binary.Write(&in, binary.LittleEndian, uint32(len(p)))
		for _, ins := range p {
			binary.Write(&in, binary.NativeEndian, ins)
		}
	}
	res, err := runChild("verdict", in.Bytes(), resultWords, childTimeout, tidWord)
	if err != nil {
		return Verdict{}, err
	}
	for i := range progs {
		switch res[2+2*i] {
		case 1:
			continue
		case 2:
			return Verdict{Errno: seccompdata.Errno(res[3+2*i]), FailedIndex: i}, nil
		default:
			// The helper makes no syscall after the first filter except
			// the next seccomp(2), so the stack itself stopped it there.
			if i > 0 && res[0] == uint32(i) {
				return Verdict{FailedIndex: i, Denied: true,
					Reason: "the helper thread was killed by an earlier filter of the stack (its action for the seccomp(2) call that installs this one)"}, nil
			}
			return Verdict{}, fmt.Errorf("oracle helper stopped before it finished installing filter %d", i)
		}
	}
	return Verdict{Accepted: true, FailedIndex: -1}, nil
}

// runChild re-executes this binary as a helper for job, feeds it input on
// stdin and returns the first words of the shared result page (word 1 is
// the child's "done" flag) once the child reports done, dies, or times
// out. The child is always killed and reaped.
//
// If watch >= 0, word watch holds the TID of a thread of the child; when
// that thread is gone before the child reports done, runChild returns the
// words as they are (the caller reads what the thread had finished).
func runChild(job string, input []byte, nwords int, timeout time.Duration, watch int) ([]uint32, error) {
	fd, err := unix.MemfdCreate("bpfsim-oracle", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "bpfsim-oracle")
	defer mem.Close()
	size := nwords * 4
	if err := mem.Truncate(int64(size)); err != nil {
		return nil, fmt.Errorf("sizing result page: %w", err)
	}
	page, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping result page: %w", err)
	}
	defer unix.Munmap(page)
	words := unsafe.Slice((*uint32)(unsafe.Pointer(&page[0])), nwords)

	stdin, err := memFile("bpfsim-job", input)
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding own executable: %w", err)
	}
	// Files, not pipes, for stdin and stderr: nothing copies them, so
	// nothing but the bounded waits below waits for the child.
	stderr, err := memFile("bpfsim-stderr", nil)
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+job)
	cmd.Stdin = stdin
	cmd.Stderr = stderr
	cmd.ExtraFiles = []*os.File{mem}
	cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting oracle helper: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(timeout)
	done, dead := false, false
	for !done && !dead && time.Now().Before(deadline) {
		if atomic.LoadUint32(&words[1]) == 1 {
			done = true
			break
		}
		select {
		case <-exited:
			dead = true
		case <-time.After(200 * time.Microsecond):
		}
		if watch >= 0 && !dead {
			if tid := atomic.LoadUint32(&words[watch]); tid != 0 {
				if err := unix.Tgkill(cmd.Process.Pid, int(tid), 0); errors.Is(err, unix.ESRCH) && atomic.LoadUint32(&words[1]) != 1 {
					dead = true
				}
			}
		}
	}
	cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(reapTimeout):
		return nil, fmt.Errorf("oracle helper %d could not be reaped within %v after SIGKILL: %v", cmd.Process.Pid, reapTimeout, readHealth(true))
	}
	out := make([]uint32, nwords)
	for i := range out {
		out[i] = atomic.LoadUint32(&words[i])
	}
	if out[1] == 1 {
		return out, nil
	}
	if dead {
		if msg := bytes.TrimSpace(readAll(stderr)); len(msg) > 0 && out[0] == 0 {
			return nil, fmt.Errorf("oracle helper failed: %s", firstLine(msg))
		}
		return out, nil // partial: the caller reports which step died
	}
	return nil, fmt.Errorf("oracle helper did not answer within %v", timeout)
}

// goLocked runs f on a new goroutine locked to a thread that is not the
// process's main thread, and lets the goroutine exit locked, so that the
// runtime ends the thread, and any seccomp filter on it, when f returns.
// The runtime never ends the main thread (it wedges it instead), so a
// goroutine that lands there hands f on: while it holds the main thread
// locked, the new goroutine must run on another.
func goLocked(f func()) {
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			done := make(chan struct{})
			goLocked(func() { defer close(done); f() })
			<-done
			runtime.UnlockOSThread()
			return
		}
		f()
	}()
}

// blockAllSignals blocks every signal on the calling (locked) thread. A
// thread whose syscalls a filter under test judges needs it twice over: a
// signal handler ends in rt_sigreturn, which the filter would judge; and a
// pending signal makes the kernel's exit path treat a syscall return of
// -512..-516 (-ERESTARTSYS and friends, which ERRNO data in that range
// produces) as a request to restart the call, possibly as restart_syscall
// (arch_do_signal_or_restart, arch/x86/kernel/signal.c). Blocked signals
// do not set TIF_SIGPENDING (recalc_sigpending), so neither can happen.
func blockAllSignals() error {
	var all unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^all.Val[i]
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &all, nil); err != nil {
		return fmt.Errorf("blocking signals: %w", err)
	}
	return nil
}

// memFile returns a memfd holding data, positioned at its start.
func memFile(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if len(data) > 0 {
		if _, err := f.WriteAt(data, 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return f, nil
}

// readAll returns the first 4 KiB of f from its start.
func readAll(f *os.File) []byte {
	buf := make([]byte, 4096)
	n, _ := f.ReadAt(buf, 0)
	return buf[:n]
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return strconv.Quote(string(b))
}

// childVerdict installs the filters read from stdin on one locked thread and
// records each result in the shared page (fd 3). After the first filter is
// in place that thread makes no syscall of its own except the next
// seccomp(2): it only stores to the shared page and spins at the end. Its
// TID is in the page, so the parent can tell when a filter whose action for
// seccomp(2) is KILL_THREAD (or a division by zero) ends it
// (__seccomp_filter, kernel/seccomp.c: do_exit ends only that thread).
func childVerdict() {
	debug.SetGCPercent(-1)
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		childFail("reading programs: %v", err)
	}
	page, err := unix.Mmap(3, 0, resultWords*4, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		childFail("mapping result page: %v", err)
	}
	words := unsafe.Slice((*uint32)(unsafe.Pointer(&page[0])), resultWords)
	progs, err := decodePrograms(input)
	if err != nil {
		childFail("%v", err)
	}
	failed := make(chan error, 1)
	// A thread other than the leader, whose death tgkill can see.
	goLocked(func() {
		// Without CAP_SYS_ADMIN the kernel wants no_new_privs
		// (seccomp_prepare_filter); as root it is harmless.
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			failed <- fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
			return
		}
		// Once a filter is in place every syscall of this thread is its
		// to judge, including the rt_sigreturn that ends a Go preemption
		// signal's handler.
		if err := blockAllSignals(); err != nil {
			failed <- err
			return
		}
		atomic.StoreUint32(&words[tidWord], uint32(unix.Gettid()))
		for i, p := range progs {
			fprog := unix.SockFprog{Len: uint16(len(p))}
			if len(p) > 0 {
				fprog.Filter = &p[0]
			}
			atomic.StoreUint32(&words[0], uint32(i)) // filter i in progress
			_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
			if e != 0 {
				atomic.StoreUint32(&words[3+2*i], uint32(e))
				atomic.StoreUint32(&words[2+2*i], 2)
				break
			}
			atomic.StoreUint32(&words[2+2*i], 1)
		}
		atomic.StoreUint32(&words[1], 1)
		for { // wait, without syscalls, for the parent's SIGKILL
		}
	})
	childFail("%v", <-failed)
}

func decodePrograms(b []byte) ([][]unix.SockFilter, error) {
	r := bytes.NewReader(b)
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, errors.New("truncated program list")
	}
	progs := make([][]unix.SockFilter, n)
	for i := range progs {
		var l uint32
		if err := binary.Read(r, binary.LittleEndian, &l); err != nil {
			return nil, errors.New("truncated program list")
		}
		progs[i] = make([]unix.SockFilter, l)
		if err := binary.Read(r, binary.NativeEndian, progs[i]); err != nil {
			return nil, errors.New("truncated program")
		}
	}
	return progs, nil
}

func childFail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}
