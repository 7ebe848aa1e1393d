//go:build linux

package guest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/kernel"
)

// RunInitIfRequested makes the binary the init of a guest when it runs as
// one (process 1 with BPFSIM_GUEST in its environment, which the kernel
// passes on from the command line Open gives it): it mounts /proc, /sys,
// /dev and the tmpfs the oracle needs, puts the RPC serial port in raw
// mode, announces itself there, and starts the oracle's server on that
// port (kernel.ServerEnv). When the server ends (the host closed the
// link), it powers the machine off. It never returns in a guest, and
// returns at once anywhere else; call it first thing in main or TestMain,
// before kernel.RunChildIfRequested.
func RunInitIfRequested() {
	if os.Getpid() != 1 || os.Getenv(guestEnv) == "" {
		return
	}
	err := initGuest()
	fmt.Fprintf(os.Stderr, "bpfsim guest init: %v\n", err)
	powerOff()
}

func powerOff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	for {
		time.Sleep(time.Hour)
	}
}

func initGuest() error {
	for _, m := range []struct{ src, dir, fs string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
		{"tmpfs", "/tmp", "tmpfs"},
		{"tmpfs", "/dev/shm", "tmpfs"},
	} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.fs, 0, ""); err != nil {
			return fmt.Errorf("mount %s: %w", m.dir, err)
		}
	}
	const jitSysctl = "/proc/sys/net/core/bpf_jit_enable"
	if jit := os.Getenv(jitEnv); jit != "" {
		if err := os.WriteFile(jitSysctl, []byte(jit), 0); err != nil {
			fmt.Fprintf(os.Stderr, "bpfsim guest init: bpf_jit_enable=%s: %v\n", jit, err)
		}
	}
	// Announce the value the kernel really holds: a kernel built with
	// CONFIG_BPF_JIT_ALWAYS_ON refuses 0 (proc_dointvec_minmax_bpf_enable).
	jit := "?"
	if b, err := os.ReadFile(jitSysctl); err == nil {
		jit = strings.TrimSpace(string(b))
	}
	tty, err := os.OpenFile(rpcTTY, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	if err := makeRaw(int(tty.Fd())); err != nil {
		return fmt.Errorf("%s: %w", rpcTTY, err)
	}
	var uts unix.Utsname
	unix.Uname(&uts)
	if _, err := fmt.Fprintf(tty, "%s %s jit=%s\n", readyMagic, unix.ByteSliceToString(uts.Release[:]), jit); err != nil {
		return err
	}
	console, _ := os.OpenFile("/dev/console", os.O_WRONLY, 0)
	cmd := exec.Command("/init")
	cmd.Env = append(os.Environ(), kernel.ServerEnv)
	cmd.ExtraFiles = []*os.File{tty, tty}
	cmd.Stderr = console
	if err := cmd.Start(); err != nil {
		return err
	}
	// Process 1 reaps every orphan until the server ends.
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid == cmd.Process.Pid {
			return fmt.Errorf("oracle server ended: %v", ws)
		}
	}
}

// makeRaw is cfmakeraw(3) at 115200 baud, 8 bits, no flow control.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | unix.B115200
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
