//go:build linux

package kernel

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/internal/procfd"
)

// execHelper is a helper process started with os/exec.
type execHelper struct {
	cmd    *exec.Cmd
	stderr *os.File // an unlinked temporary file: no pipe to drain
	done   chan struct{}

	mu    sync.Mutex
	state string
}

// startHelperProcess re-executes this binary as the helper for job, in a
// process group of its own, with extra as its fds 3, 4, ... Its stdin and
// stdout are /dev/null and its stderr a file, so it shares no pipe with
// the caller: a stuck helper can block neither a shell's $(...) nor a
// pipeline, and nothing drains a pipe of it.
func startHelperProcess(job string, extra []*os.File, env []string) (*execHelper, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding own executable: %w", err)
	}
	fd, err := unix.MemfdCreate("bpfsim-helper-stderr", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	stderr := os.NewFile(uintptr(fd), "helper stderr")
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), env...), childEnv+"="+job)
	cmd.Stderr = stderr
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &unix.SysProcAttr{Setpgid: true}
	// The helper holds none of this process's inherited descriptors: a
	// fuzzing worker's pipes to its coordinator, kept open by a helper
	// stuck in the kernel, would hang the coordinator.
	procfd.CloseOnExecInherited()
	if err := cmd.Start(); err != nil {
		stderr.Close()
		return nil, fmt.Errorf("starting oracle helper: %w", err)
	}
	h := &execHelper{cmd: cmd, stderr: stderr, done: make(chan struct{})}
	go func() {
		// This goroutine may wait forever for a helper that cannot be
		// reaped; nothing else waits for it without a bound.
		err := cmd.Wait()
		h.mu.Lock()
		if err != nil {
			h.state = err.Error()
		} else {
			h.state = "exit status 0"
		}
		h.mu.Unlock()
		close(h.done)
	}()
	return h, nil
}

func (h *execHelper) kill() {
	// The whole group: the helper and the children it started.
	unix.Kill(-h.cmd.Process.Pid, unix.SIGKILL)
}

func (h *execHelper) exited() <-chan struct{} { return h.done }

func (h *execHelper) pid() int { return h.cmd.Process.Pid }

func (h *execHelper) release() { h.stderr.Close() }

func (h *execHelper) describe() string {
	h.mu.Lock()
	state := h.state
	h.mu.Unlock()
	if state == "" {
		state = "still running"
	}
	var buf [512]byte
	n, _ := h.stderr.ReadAt(buf[:], 0)
	if msg := bytes.TrimSpace(buf[:n]); len(msg) > 0 {
		state += ": " + firstLine(msg)
	}
	return state
}

// start starts the oracle's helper and wires an Oracle to it.
func start() (*Oracle, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	h, err := startHelperProcess("server", []*os.File{reqR, respW}, nil)
	reqR.Close()
	respW.Close()
	if err != nil {
		reqW.Close()
		respR.Close()
		return nil, err
	}
	return newOracle(h, reqW, respR), nil
}

// hostSignals reads the running kernel's state.
type hostSignals struct{}

func (hostSignals) threads() (int, error)  { return readThreads() }
func (hostSignals) health(log bool) Health { return readHealth(log) }
