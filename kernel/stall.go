package kernel

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrStalled is wrapped by every error that reports a kernel that did not
// answer in time or whose backlog did not drain in time; test with
// errors.Is. The concrete error is a *StallError.
var ErrStalled = errors.New("kernel stalled")

// Environment variables the package reads.
const (
	// TimeoutEnv names the variable that sets the default deadline of one
	// round trip to the kernel (a Go duration such as "30s"), for the
	// library and the tests; commands take --kernel-timeout.
	TimeoutEnv = "BPFSIM_KERNEL_TIMEOUT"
	// FaultEnv names the variable that injects faults into the helper,
	// for tests (see the package documentation).
	FaultEnv = "BPFSIM_KERNEL_FAULT"
)

// DefaultTimeout bounds one round trip to the kernel when neither
// Options.Timeout nor BPFSIM_KERNEL_TIMEOUT says otherwise.
const DefaultTimeout = 60 * time.Second

// DefaultProbeTimeout bounds the probe that Open makes before any other
// work.
const DefaultProbeTimeout = 10 * time.Second

// TimeoutFromEnv returns the duration BPFSIM_KERNEL_TIMEOUT sets, or
// DefaultTimeout when it is unset; a value that is not a positive Go
// duration is an error.
func TimeoutFromEnv() (time.Duration, error) {
	v := os.Getenv(TimeoutEnv)
	if v == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 30s", TimeoutEnv, v)
	}
	return d, nil
}

// Health is what the kernel shows of the backlog that precedes a BPF JIT
// deadlock (see the pacer): the tasks in uninterruptible sleep, the
// kworkers among them, the number of threads, and the kernel log's last
// hung-task report.
type Health struct {
	// DTasks counts the tasks of the whole system in uninterruptible
	// sleep (state D in /proc/PID/stat).
	DTasks int
	// DKworkers counts the kworker threads among them: where frees of
	// BPF programs back up (bpf_prog_free_deferred runs on the system
	// workqueue), these are what piles up.
	DKworkers int
	// DeferredFrees counts the kworkers in uninterruptible sleep whose
	// kernel stack (/proc/PID/stack, or /proc/PID/wchan where the stack
	// cannot be read) names bpf_prog_free_deferred or the JIT's pack
	// allocator (bpf_prog_pack_alloc, bpf_prog_pack_free): the backlog
	// itself, as the machine's own watchdog counts it.
	DeferredFrees int
	// OtherKworkers counts the kworkers in uninterruptible sleep whose
	// stack could be read and names neither: blocked on something else
	// (writeback, say), and so no sign of a BPF backlog.
	OtherKworkers int
	// Threads is the number of threads in the system (the fourth field
	// of /proc/loadavg, after the slash).
	Threads int
	// HungTask is the newest hung-task line of the kernel log ("INFO:
	// task ... blocked for more than N seconds"), with " (bpf_prog_free_deferred)"
	// appended when the log shows that function in a hung task's stack;
	// empty when there is none or the log cannot be read.
	HungTask string
	// Err says why Health could not be read, if it could not.
	Err string
}

// Backlog is the number the pacer brakes on: the kworkers in
// uninterruptible sleep that are, or may be, deferred frees of BPF
// programs. Where every such kworker's stack can be read (as root) it is
// DeferredFrees, exactly; where none can, every D-state kworker counts,
// as before stacks were read. A kworker whose wchan alone is readable
// counts unless it names a BPF free: wchan shows only the innermost
// blocking function (a mutex, typically), which cannot clear it.
func (h Health) Backlog() int { return h.DKworkers - h.OtherKworkers }

// String describes h in one line.
func (h Health) String() string {
	if h.Err != "" {
		return "kernel health unknown: " + h.Err
	}
	s := fmt.Sprintf("%d tasks in uninterruptible sleep (%d kworkers, %d of them in deferred BPF frees), %d threads", h.DTasks, h.DKworkers, h.DeferredFrees, h.Threads)
	if h.HungTask != "" {
		s += "; kernel log: " + h.HungTask
	}
	return s
}

// StallError reports a round trip to the kernel that did not finish in
// time. It wraps ErrStalled.
type StallError struct {
	// Op names the round trip: "probe", "verdict", "eval of 1000 inputs"...
	Op string
	// After is how long the caller waited.
	After time.Duration
	// Backlog is true when the helper was waiting for the kernel's backlog
	// of deferred frees to drain, rather than for a kernel call to return.
	Backlog bool
	// Health is the host kernel's state when the wait ended; zero for a
	// remote kernel.
	Health Health
	// Remote, for a kernel served over NewClient (a QEMU guest), is what
	// is known of that end (Remote.Describe); "" for the host's kernel.
	Remote string
}

func (e *StallError) Error() string {
	var b strings.Builder
	if e.Backlog {
		fmt.Fprintf(&b, "kernel stalled: %s waited %v for the kernel's backlog of deferred BPF frees to drain", e.Op, e.After.Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "kernel stalled: %s got no answer within %v", e.Op, e.After.Round(time.Millisecond))
	}
	if e.Remote != "" {
		// A guest's kernel: it was killed with its machine, and the
		// host's kernel was not involved.
		fmt.Fprintf(&b, "; the remote kernel was killed (%s); the host's kernel is not affected", e.Remote)
		return b.String()
	}
	fmt.Fprintf(&b, "; %v", e.Health)
	b.WriteString("; the kernel may be deadlocked in the BPF JIT (look in dmesg for \"blocked for more than\" with bpf_prog_free_deferred; only a reboot recovers it)")
	return b.String()
}

// Is makes errors.Is(err, ErrStalled) true.
func (e *StallError) Is(target error) bool { return target == ErrStalled }

// hungTaskLine finds the newest hung-task report in a kernel log.
func hungTaskLine(log string) string {
	i := strings.LastIndex(log, "blocked for more than")
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(log[:i], '\n') + 1
	end := strings.IndexByte(log[i:], '\n')
	if end < 0 {
		end = len(log) - i
	}
	line := strings.TrimSpace(log[start : i+end])
	if strings.HasPrefix(line, "<") {
		if j := strings.IndexByte(line, '>'); j > 0 {
			line = line[j+1:] // the syslog priority prefix
		}
	}
	if strings.Contains(log, "bpf_prog_free_deferred") {
		line += " (bpf_prog_free_deferred)"
	}
	return line
}
