package guest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/guest"
)

// holdEnv makes TestInnerHold boot a guest from its value, a kernel, with
// the init in holdInitEnv, print the emulator's pid and the inode of a
// pipe this process holds without close-on-exec, and wait to be killed.
const (
	holdEnv     = "BPFSIM_TEST_GUEST_HOLD"
	holdInitEnv = "BPFSIM_TEST_GUEST_HOLD_INIT"
)

func TestInnerHold(t *testing.T) {
	name := os.Getenv(holdEnv)
	if name == "" {
		t.Skip("run by TestEmulatorDiesWithItsOwner")
	}
	// A pipe without close-on-exec, as a fuzzing worker inherits its
	// coordinator's.
	var p [2]int
	if err := unix.Pipe2(p[:], 0); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(p[1], &st); err != nil {
		t.Fatal(err)
	}
	g, err := guest.Open(context.Background(), guest.Options{Kernel: name, Init: os.Getenv(holdInitEnv)})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("hold: qemu %d pipe %d\n", g.HelperPID(), st.Ino)
	time.Sleep(time.Hour)
}

// The emulator holds none of the descriptors its owner inherited, and it
// dies with its owner, however that ends: a guest cannot tell that its
// link closed, and a fuzzing worker is killed when the run ends.
func TestEmulatorDiesWithItsOwner(t *testing.T) {
	names := testKernels(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestInnerHold$")
	// The holder is killed, so its guest's files are left in its TMPDIR.
	cmd.Env = append(os.Environ(), holdEnv+"="+names[0], holdInitEnv+"="+staticInit(t), "TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "hold: ") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	var qemu int
	var pipe uint64
	select {
	case l, ok := <-lines:
		if _, err := fmt.Sscanf(l, "hold: qemu %d pipe %d", &qemu, &pipe); !ok || err != nil {
			t.Fatalf("the holder said %q (%v)", l, err)
		}
	case <-time.After(4 * time.Minute):
		t.Fatal("the holder's guest did not boot")
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", qemu))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("pipe:[%d]", pipe)
	for _, fd := range fds {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", qemu, fd.Name())); l == want {
			t.Errorf("qemu holds its owner's inherited pipe as fd %s", fd.Name())
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for alive(qemu) {
		if time.Now().After(deadline) {
			unix.Kill(qemu, unix.SIGKILL)
			t.Fatalf("qemu (pid %d) outlived its owner", qemu)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alive reports whether pid is a process that has not exited.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
