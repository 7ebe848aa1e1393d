package kernel_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
)

// heldFilters allow everything, so the holding thread can go on waiting.
// The first has loads the kernel rewrites when it installs a filter
// (seccomp_check_filter: ld [k] to an internal code, ld #len to ld #64).
var heldFilters = []program.Program{
	{program.Stmt(0x20, 0), program.Stmt(0x80, 0), program.Stmt(0x06, 0x7fff0000)},
	{program.Stmt(0x06, 0x7fff0001)},
}

func holdFilters() {
	tid := make(chan int)
	go func() {
		runtime.LockOSThread()
		for _, p := range heldFilters {
			unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
			fprog := unix.SockFprog{Len: uint16(len(p)), Filter: (*unix.SockFilter)(unsafe.Pointer(&p[0]))}
			if _, _, e := unix.Syscall(unix.SYS_SECCOMP, 1, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
				fmt.Println("error", e)
				os.Exit(1)
			}
		}
		tid <- unix.Gettid()
		select {}
	}()
	fmt.Println(<-tid)
	for { // a sleeping goroutine keeps the runtime from declaring deadlock
		time.Sleep(time.Hour)
	}
}

// docs/kernel-semantics.md §7 [live]: PTRACE_SECCOMP_GET_FILTER returns the
// original program (0x20 stays 0x20) and index 0 is the oldest filter.
func TestReadFilters(t *testing.T) {
	requireSeccomp(t)
	o := openOracle(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("holding child: %v", err)
	}
	tid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("holding child said %q", line)
	}
	got, err := o.ReadFilters(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(heldFilters) {
		t.Errorf("read back %v, want %v", got, heldFilters)
	}
	// Filters are per thread: another thread of the child has none.
	other := cmd.Process.Pid
	if other == tid {
		other = otherThread(t, tid)
	}
	none, err := o.ReadFilters(ctx, other)
	if err != nil || len(none) != 0 {
		t.Errorf("thread %d: %v, %v; want no filters", other, none, err)
	}
	// Reading released the thread: it can still be read again.
	if again, err := o.ReadFilters(ctx, tid); err != nil || len(again) != 2 {
		t.Errorf("second read: %v, %v", again, err)
	}
}

// otherThread returns a thread of tid's process other than tid.
func otherThread(t *testing.T, tid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", tid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil && n != tid {
			return n
		}
	}
	t.Fatalf("process of thread %d has no other thread", tid)
	return 0
}
