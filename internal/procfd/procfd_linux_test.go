package procfd_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/internal/procfd"
)

// An inherited-style descriptor (no close-on-exec) reaches a child until
// CloseOnExecInherited runs, and not after; ExtraFiles still do.
func TestCloseOnExecInherited(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// Go opened it close-on-exec; clear the flag, as a descriptor
	// inherited from a parent would be.
	fd := int(r.Fd())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		t.Fatal(err)
	}
	extra, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	// The child lists its descriptors; ExtraFiles[0] is its fd 3.
	list := func() []string {
		cmd := exec.Command("/bin/sh", "-c", "ls /proc/self/fd")
		cmd.ExtraFiles = []*os.File{extra}
		cmd.SysProcAttr = &syscall.SysProcAttr{}
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(out))
	}
	has := func(fds []string, n int) bool {
		for _, f := range fds {
			if f == strconv.Itoa(n) {
				return true
			}
		}
		return false
	}
	if before := list(); !has(before, fd) || !has(before, 3) {
		t.Fatalf("before: the child holds %v, want fd %d (inherited) and 3 (ExtraFiles)", before, fd)
	}
	procfd.CloseOnExecInherited()
	if after := list(); has(after, fd) || !has(after, 3) {
		t.Errorf("after: the child holds %v, want 3 (ExtraFiles) and not %d", after, fd)
	}
}
