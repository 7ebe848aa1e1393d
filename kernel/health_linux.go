//go:build linux

package kernel

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// readThreads returns the number of threads in the system: the field after
// the slash in /proc/loadavg ("0.20 0.05 0.01 1/79 2021"), nr_threads in
// the kernel (loadavg_proc_show, fs/proc/loadavg.c). One small read, cheap
// enough to take often.
func readThreads() (int, error) {
	b, err := os.ReadFile("/proc/loadavg")
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
// oracle helper thread is one of those). With log it also looks for the
// newest hung-task report in the kernel log.
func readHealth(log bool) Health {
	var h Health
	n, err := readThreads()
	if err != nil {
		h.Err = "reading /proc/loadavg: " + err.Error()
		return h
	}
	h.Threads = n
	procs, err := os.ReadDir("/proc")
	if err != nil {
		h.Err = "reading /proc: " + err.Error()
		return h
	}
	buf := make([]byte, 1024)
	for _, d := range procs {
		name := d.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		comm, state, threads, ok := readStat("/proc/"+name+"/stat", buf)
		if !ok {
			continue // gone meanwhile
		}
		if threads <= 1 {
			h.count(comm, state)
			continue
		}
		tasks, err := os.ReadDir("/proc/" + name + "/task")
		if err != nil {
			h.count(comm, state)
			continue
		}
		for _, t := range tasks {
			if comm, state, _, ok := readStat("/proc/"+name+"/task/"+t.Name()+"/stat", buf); ok {
				h.count(comm, state)
			}
		}
	}
	if log {
		h.HungTask = lastHungTask()
	}
	return h
}

func (h *Health) count(comm string, state byte) {
	if state != 'D' {
		return
	}
	h.DTasks++
	if strings.HasPrefix(comm, "kworker") {
		h.DKworkers++
	}
}

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
