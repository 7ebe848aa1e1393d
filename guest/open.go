//go:build linux

package guest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bpfsim/bpfsim/internal/procfd"
	"github.com/bpfsim/bpfsim/kernel"
)

// Guest is a booted virtual machine serving the kernel oracle. Its
// kernel.Kernel methods are the embedded Oracle's, sent over the RPC port.
type Guest struct {
	*kernel.Oracle
	// Kernel is the image booted, Release its uname -r.
	Kernel, Release string
	// Accel is the accelerator used ("tcg" or "kvm").
	Accel string
	// Boot is the time from starting QEMU to the oracle's first answer.
	Boot time.Duration
	// JIT is net.core.bpf_jit_enable as the guest read it back after
	// applying Options.JIT: "0" (the interpreter), "1", "2", or "?" when
	// the guest could not read it. A kernel built with
	// CONFIG_BPF_JIT_ALWAYS_ON answers "1" whatever Options.JIT asked.
	JIT string

	m *machine
}

// Check reports, without booting anything, why Open could not boot a
// guest with opts: an image it cannot find (wrapping ErrNoKernel for a
// name the cache lacks), no emulator (ErrNoQEMU), or an init that is not a
// static x86_64 executable (ErrNotStatic). Open makes the same checks
// first, in that order.
func Check(opts Options) error {
	_, _, _, err := prepare(opts)
	return err
}

// prepare resolves the image, the emulator and the init of opts, and
// checks that the init can run in a guest.
func prepare(opts Options) (img, qemu, init string, err error) {
	if img, err = ResolveKernel(opts.Kernel); err != nil {
		return "", "", "", err
	}
	qemu = opts.QEMU
	if qemu == "" {
		qemu = "qemu-system-x86_64"
	}
	if qemu, err = exec.LookPath(qemu); err != nil {
		return "", "", "", fmt.Errorf("%w: %v", ErrNoQEMU, err)
	}
	init = opts.Init
	if init == "" {
		if init, err = os.Executable(); err != nil {
			return "", "", "", err
		}
	}
	if err := checkStatic(init); err != nil {
		return "", "", "", err
	}
	return img, qemu, init, nil
}

// Open boots a guest and waits until its oracle answers a probe.
func Open(ctx context.Context, opts Options) (*Guest, error) {
	img, qemu, init, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	accel := opts.Accel
	switch accel {
	case "", "tcg":
		accel = "tcg"
	case "kvm":
	case "auto":
		accel = "tcg"
		if kvmWorks(ctx, opts) {
			accel = "kvm"
		}
	default:
		return nil, fmt.Errorf("accel %q: want tcg, kvm or auto", accel)
	}
	bootTimeout := opts.BootTimeout
	if bootTimeout <= 0 {
		bootTimeout = 3 * time.Minute
	}
	start := time.Now()
	m, conn, ready, err := boot(ctx, qemu, img, init, accel, opts, start.Add(bootTimeout))
	if err != nil {
		return nil, err
	}
	o, err := kernel.NewClient(ctx, conn, m, kernel.Options{Timeout: opts.Timeout, ProbeTimeout: time.Until(start.Add(bootTimeout))})
	if err != nil {
		m.stop()
		return nil, fmt.Errorf("guest %s: %w", img, err)
	}
	release, jit := parseReady(ready)
	return &Guest{Oracle: o, Kernel: img, Release: release, JIT: jit, Accel: accel, Boot: time.Since(start), m: m}, nil
}

// parseReady splits the init's announcement (after readyMagic): the
// kernel's release, then key=value fields.
func parseReady(s string) (release, jit string) {
	fs := strings.Fields(s)
	jit = "?"
	if len(fs) == 0 {
		return "", jit
	}
	for _, f := range fs[1:] {
		if v, ok := strings.CutPrefix(f, "jit="); ok {
			jit = v
		}
	}
	return fs[0], jit
}

// Close kills QEMU, ends the oracle and removes the guest's files. The
// guest has no disk and nothing to save, so it is not asked to power off
// (a serial line carries no end-of-file for its init to notice: waiting
// for it cost the oracle's whole reap timeout, 2 s). It is safe to call
// more than once.
func (g *Guest) Close() error {
	g.m.Kill()
	err := g.Oracle.Close()
	g.m.stop()
	return err
}

// KernelRelease returns the guest kernel's uname -r (Release).
func (g *Guest) KernelRelease() string { return g.Release }

// Console returns the kernel's console output so far.
func (g *Guest) Console() string { return g.m.console() }

// machine is a running QEMU.
type machine struct {
	cmd  *exec.Cmd
	dir  string
	done chan struct{}

	mu    sync.Mutex
	state string
	once  sync.Once
}

func boot(ctx context.Context, qemu, img, init, accel string, opts Options, deadline time.Time) (*machine, net.Conn, string, error) {
	bin, err := os.ReadFile(init)
	if err != nil {
		return nil, nil, "", err
	}
	dir, err := os.MkdirTemp("", "bpfsim-guest-")
	if err != nil {
		return nil, nil, "", err
	}
	fail := func(err error) (*machine, net.Conn, string, error) {
		os.RemoveAll(dir)
		return nil, nil, "", err
	}
	var cpio bytes.Buffer
	if err := writeInitramfs(&cpio, bin); err != nil {
		return fail(err)
	}
	initrd := filepath.Join(dir, "initramfs.cpio")
	if err := os.WriteFile(initrd, cpio.Bytes(), 0o600); err != nil {
		return fail(err)
	}
	sock := filepath.Join(dir, "rpc.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return fail(err)
	}
	defer ln.Close()
	mem, cpus := opts.MemoryMiB, opts.CPUs
	if mem <= 0 {
		mem = 512
	}
	if cpus <= 0 {
		cpus = 1
	}
	cmdline := []string{"console=ttyS0", "quiet", "panic=-1", guestEnv + "=1"}
	if opts.JIT != "" {
		cmdline = append(cmdline, jitEnv+"="+opts.JIT)
	}
	cmdline = append(cmdline, opts.Append...)
	cpu := "max"
	if accel == "kvm" {
		cpu = "host"
	}
	args := []string{
		"-accel", accel, "-cpu", cpu, "-m", fmt.Sprint(mem), "-smp", fmt.Sprint(cpus),
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-kernel", img, "-initrd", initrd, "-append", strings.Join(cmdline, " "),
		"-serial", "file:" + filepath.Join(dir, "console.log"),
		"-chardev", "socket,id=rpc,path=" + sock,
		"-serial", "chardev:rpc",
	}
	m := &machine{dir: dir, done: make(chan struct{})}
	m.cmd = exec.Command(qemu, args...)
	qlog, err := os.Create(filepath.Join(dir, "qemu.log"))
	if err != nil {
		return fail(err)
	}
	m.cmd.Stdout, m.cmd.Stderr = qlog, qlog
	// QEMU gets SIGKILL when this process ends, however it ends: a guest
	// cannot tell that the host end of its serial link closed, so an
	// emulator left behind would run for ever. The signal follows the
	// thread that started QEMU, which therefore stays locked to the
	// goroutine below until QEMU has exited.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	procfd.CloseOnExecInherited() // QEMU holds none of this process's inherited descriptors
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := m.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := m.cmd.Wait()
		qlog.Close()
		m.mu.Lock()
		if err != nil {
			m.state = err.Error()
		} else {
			m.state = "exited"
		}
		m.mu.Unlock()
		close(m.done)
	}()
	if err := <-started; err != nil {
		qlog.Close()
		return fail(fmt.Errorf("starting %s: %w", qemu, err))
	}
	failM := func(err error) (*machine, net.Conn, string, error) {
		m.stop()
		return nil, nil, "", err
	}
	// QEMU connects at once; the guest speaks only when its init runs.
	type accepted struct {
		c   net.Conn
		err error
	}
	ach := make(chan accepted, 1)
	ln.SetDeadline(deadline)
	go func() { c, err := ln.Accept(); ach <- accepted{c, err} }()
	var conn net.Conn
	select {
	case a := <-ach:
		if a.err != nil {
			return failM(fmt.Errorf("guest %s: qemu did not connect: %v: %s", img, a.err, m.Describe()))
		}
		conn = a.c
	case <-m.done:
		return failM(fmt.Errorf("guest %s: qemu ended: %s", img, m.Describe()))
	case <-ctx.Done():
		return failM(ctx.Err())
	}
	// Read the announcement a byte at a time: nothing after it may be
	// consumed here.
	conn.SetReadDeadline(deadline)
	stopWatch := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	var line []byte
	var b [1]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			stopWatch()
			conn.Close()
			what := "did not boot in time"
			if ctx.Err() != nil {
				what = ctx.Err().Error()
			}
			return failM(fmt.Errorf("guest %s: %s (%v): %s", img, what, err, m.Describe()))
		}
		if b[0] == '\n' {
			if rel, ok := strings.CutPrefix(string(line), readyMagic+" "); ok {
				stopWatch()
				conn.SetReadDeadline(time.Time{})
				os.Remove(initrd) // loaded at QEMU's start; nothing reads it again
				return m, conn, rel, nil
			}
			line = line[:0]
			continue
		}
		if len(line) < 4096 {
			line = append(line, b[0])
		}
	}
}

// Kill implements kernel.Remote.
func (m *machine) Kill() { syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL) }

// Exited implements kernel.Remote.
func (m *machine) Exited() <-chan struct{} { return m.done }

// PID implements kernel.Remote.
func (m *machine) PID() int { return m.cmd.Process.Pid }

// Describe implements kernel.Remote: QEMU's state, its own last message
// and the console's last lines.
func (m *machine) Describe() string {
	m.mu.Lock()
	state := m.state
	m.mu.Unlock()
	if state == "" {
		state = "qemu still running"
	}
	if q, _ := os.ReadFile(filepath.Join(m.dir, "qemu.log")); len(bytes.TrimSpace(q)) > 0 {
		state += "; qemu: " + lastLines(string(q), 1)
	}
	if c := m.console(); c != "" {
		state += "; console: " + lastLines(c, 3)
	}
	return state
}

func (m *machine) console() string {
	b, _ := os.ReadFile(filepath.Join(m.dir, "console.log"))
	return string(b)
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r", "")), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}

// stop waits a few seconds for QEMU to exit (the init powers off once
// its link closes), kills it otherwise, and removes the guest's files.
func (m *machine) stop() {
	m.once.Do(func() {
		select {
		case <-m.done:
		case <-time.After(5 * time.Second):
			m.Kill()
			select {
			case <-m.done:
			case <-time.After(2 * time.Second):
			}
		}
		os.RemoveAll(m.dir)
	})
}
