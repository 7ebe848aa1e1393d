//go:build linux

package kernel

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procRoot is where the host's signals are read.
const procRoot = "/proc"

// readThreads returns the number of threads in the system: the field after
// the slash in /proc/loadavg ("0.20 0.05 0.01 1/79 2021"), nr_threads in
// the kernel (loadavg_proc_show, fs/proc/loadavg.c). One small read, cheap
// enough to take often.
func readThreads() (int, error) { return readThreadsAt(procRoot) }

func readThreadsAt(root string) (int, error) {
	b, err := os.ReadFile(root + "/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return 0, errShortLoadavg
	}
	_, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return 0, errShortLoadavg
	}
	return strconv.Atoi(total)
}

// readHealth counts the tasks in uninterruptible sleep, and the kworkers
// among them, by reading /proc/PID/stat of every process and
// /proc/PID/task/TID/stat of the threads of multi-threaded ones (a stuck
// oracle helper thread is one of those). Each kworker in D state is then
// classified by its kernel stack (see classifyKworker). With log it also
// looks for the newest hung-task report in the kernel log.
func readHealth(log bool) Health {
	h := readHealthAt(procRoot)
	if log && h.Err == "" {
		h.HungTask = lastHungTask()
	}
	return h
}

// readHealthAt is readHealth without the kernel log, from a /proc
// mounted at root (a directory of fake files in tests).
func readHealthAt(root string) Health {
	var h Health
	n, err := readThreadsAt(root)
	if err != nil {
		h.Err = "reading " + root + "/loadavg: " + err.Error()
		return h
	}
	h.Threads = n
	procs, err := os.ReadDir(root)
	if err != nil {
		h.Err = "reading " + root + ": " + err.Error()
		return h
	}
	buf := make([]byte, 4096)
	for _, d := range procs {
		name := d.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		dir := root + "/" + name
		comm, state, threads, ok := readStat(dir+"/stat", buf)
		if !ok {
			continue // gone meanwhile
		}
		if threads <= 1 {
			h.count(dir, comm, state, buf)
			continue
		}
		tasks, err := os.ReadDir(dir + "/task")
		if err != nil {
			h.count(dir, comm, state, buf)
			continue
		}
		for _, t := range tasks {
			tdir := dir + "/task/" + t.Name()
			if comm, state, _, ok := readStat(tdir+"/stat", buf); ok {
				h.count(tdir, comm, state, buf)
			}
		}
	}
	return h
}

// count adds the task whose /proc directory is dir.
func (h *Health) count(dir, comm string, state byte, buf []byte) {
	if state != 'D' {
		return
	}
	h.DTasks++
	if !strings.HasPrefix(comm, "kworker") {
		return
	}
	h.DKworkers++
	switch classifyKworker(dir, buf) {
	case kworkerDeferredFree:
		h.DeferredFrees++
	case kworkerOther:
		h.OtherKworkers++
	}
}

type kworkerKind int

const (
	kworkerUnknown      kworkerKind = iota // neither stack nor wchan tells
	kworkerDeferredFree                    // names a BPF free or the pack allocator
	kworkerOther                           // its whole stack names neither
)

// classifyKworker reads the kernel stack of the kworker whose /proc
// directory is dir. A stuck free of a BPF program shows
// bpf_prog_free_deferred (kernel/bpf/core.c: the work item bpf_prog_free
// queues on the system workqueue) and, where it waits for the JIT's
// pack_mutex, bpf_prog_pack_free; the machine's watchdog greps the same
// names. /proc/PID/stack needs CAP_SYS_ADMIN (proc_pid_stack,
// fs/proc/base.c); without it, /proc/PID/wchan gives only the innermost
// blocking function (proc_pid_wchan), which can name a BPF function but
// never clear a kworker of being one: a free blocked on pack_mutex shows
// the mutex there.
func classifyKworker(dir string, buf []byte) kworkerKind {
	if b, ok := readWhole(dir+"/stack", buf); ok && len(bytes.TrimSpace(b)) > 0 {
		if namesBPFFree(b) {
			return kworkerDeferredFree
		}
		return kworkerOther
	}
	if b, ok := readWhole(dir+"/wchan", buf); ok && namesBPFFree(b) {
		return kworkerDeferredFree
	}
	return kworkerUnknown
}

func namesBPFFree(b []byte) bool {
	return bytes.Contains(b, []byte("bpf_prog_free_deferred")) || bytes.Contains(b, []byte("bpf_prog_pack"))
}

// readWhole reads a small /proc file to its end, in buf while it fits:
// a stack is generated a page at a time, and bpf_prog_free_deferred sits
// near its outermost end, so a first read alone could miss it.
func readWhole(path string, buf []byte) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b := buf[:0]
	for len(b) < maxProcRead {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil || n == 0 {
			break
		}
	}
	return b, len(b) > 0
}

// maxProcRead bounds readWhole.
const maxProcRead = 1 << 16

// readStat returns the command name, the state and the number of threads
// from a stat file: "pid (comm) S ppid ... num_threads ..." where comm may
// hold spaces and parentheses, so the fields are counted from the last ')'
// (do_task_stat, fs/proc/array.c; num_threads is field 20).
func readStat(path string, buf []byte) (comm string, state byte, threads int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, 0, false
	}
	n, _ := f.Read(buf)
	f.Close()
	b := buf[:n]
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open || end+2 >= len(b) {
		return "", 0, 0, false
	}
	comm, state = string(b[open+1:end]), b[end+2]
	fields := bytes.Fields(b[end+2:])
	// fields[0] is the state (field 3); num_threads is field 20.
	if len(fields) > 17 {
		threads, _ = strconv.Atoi(string(fields[17]))
	}
	return comm, state, threads, true
}

// lastHungTask returns the newest "INFO: task ... blocked for more than"
// line of the kernel log (check_hung_task, kernel/hung_task.c), marked
// when bpf_prog_free_deferred appears in the log's stacks, or "" when
// there is none or the log cannot be read (reading it needs CAP_SYSLOG
// where kernel.dmesg_restrict is set).
func lastHungTask() string {
	size, err := unix.Klogctl(unix.SYSLOG_ACTION_SIZE_BUFFER, nil)
	if err != nil || size <= 0 {
		return ""
	}
	buf := make([]byte, size)
	n, err := unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
	if err != nil {
		return ""
	}
	return hungTaskLine(string(buf[:n]))
}
