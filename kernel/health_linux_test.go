package kernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTask is one task of a fake /proc.
type fakeTask struct {
	dir     string // relative to the root: "10" or "20/task/21"
	comm    string
	state   byte
	threads int
	stack   *string // nil: no stack file (unreadable without CAP_SYS_ADMIN)
	wchan   string  // "": no wchan file
}

func text(s string) *string { return &s }

// stackOf formats frames the way proc_pid_stack (fs/proc/base.c) does.
func stackOf(frames ...string) string {
	var b strings.Builder
	for _, f := range frames {
		fmt.Fprintf(&b, "[<0>] %s+0x1c/0x80\n", f)
	}
	return b.String()
}

func writeFakeProc(t *testing.T, tasks []fakeTask) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("loadavg", fmt.Sprintf("0.50 0.20 0.10 2/%d 4242\n", 300))
	write("self/stat", "not a task directory: skipped because its name is no number")
	for _, tk := range tasks {
		pid := strings.SplitN(tk.dir, "/", 2)[0]
		// The layout of do_task_stat (fs/proc/array.c): num_threads is
		// field 20.
		write(tk.dir+"/stat", fmt.Sprintf("%s (%s) %c 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 20 %d 0 24 0 0\n", pid, tk.comm, tk.state, tk.threads))
		if tk.stack != nil {
			write(tk.dir+"/stack", *tk.stack)
		}
		if tk.wchan != "" {
			write(tk.dir+"/wchan", tk.wchan)
		}
	}
	return root
}

func TestReadHealthClassifiesKworkers(t *testing.T) {
	deferred := stackOf("__mutex_lock.constprop.0", "bpf_prog_pack_free", "bpf_jit_binary_pack_free", "bpf_jit_free", "bpf_prog_free_deferred", "process_one_work", "worker_thread", "kthread", "ret_from_fork", "ret_from_fork_asm")
	// A stack longer than one read, with the free at its outer end.
	var deep []string
	for i := range 300 {
		deep = append(deep, fmt.Sprintf("some_deep_function_%03d", i))
	}
	long := stackOf(append(deep, "bpf_prog_free_deferred", "process_one_work", "worker_thread")...)
	if len(long) < 8192 {
		t.Fatalf("long stack is only %d bytes", len(long))
	}
	root := writeFakeProc(t, []fakeTask{
		{dir: "10", comm: "kworker/0:1-events", state: 'D', threads: 1, stack: &deferred},
		{dir: "11", comm: "kworker/1:0+events", state: 'D', threads: 1, stack: text(stackOf("__mutex_lock", "bpf_prog_pack_alloc", "bpf_int_jit_compile"))},
		{dir: "12", comm: "kworker/u8:3+flush-254:0", state: 'D', threads: 1, stack: text(stackOf("io_schedule", "folio_wait_bit", "writeback_sb_inodes", "wb_workfn"))},
		{dir: "13", comm: "kworker/0:2", state: 'D', threads: 1, wchan: "__mutex_lock"},           // stack unreadable: unknown
		{dir: "14", comm: "kworker/1:1", state: 'D', threads: 1, wchan: "bpf_prog_free_deferred"}, // wchan names it
		{dir: "15", comm: "kworker/1:2", state: 'D', threads: 1, stack: text(""), wchan: "bpf_prog_pack_free"},
		{dir: "16", comm: "kworker/0:3", state: 'D', threads: 1, stack: &long},
		{dir: "17", comm: "kworker/0:4", state: 'I', threads: 1, stack: &deferred}, // not blocked
		{dir: "18", comm: "kworker/0:5", state: 'D', threads: 1},                   // nothing readable
		{dir: "20", comm: "bpfsim (helper)", state: 'S', threads: 2},
		{dir: "20/task/20", comm: "bpfsim (helper)", state: 'S', threads: 2},
		{dir: "20/task/21", comm: "bpfsim (helper)", state: 'D', threads: 2, stack: &deferred}, // no kworker
		{dir: "30", comm: "jbd2/vda1-8", state: 'D', threads: 1, stack: text(stackOf("jbd2_journal_commit_transaction"))},
	})
	h := readHealthAt(root)
	want := Health{DTasks: 10, DKworkers: 8, DeferredFrees: 5, OtherKworkers: 1, Threads: 300}
	if h != want {
		t.Fatalf("got  %+v\nwant %+v", h, want)
	}
	// Two kworkers could not be classified (13 and 18): they count.
	if got := h.Backlog(); got != 7 {
		t.Errorf("Backlog() = %d, want 7 (the 5 deferred frees and 2 unknown, not the writeback one)", got)
	}
	if s := h.String(); !strings.Contains(s, "8 kworkers, 5 of them in deferred BPF frees") {
		t.Errorf("String: %q", s)
	}
}

func TestReadHealthErrors(t *testing.T) {
	if h := readHealthAt(t.TempDir()); h.Err == "" || !strings.Contains(h.Err, "loadavg") {
		t.Errorf("no loadavg: %+v", h)
	}
}

// Where the stacks can be read, kworkers blocked on something else do not
// brake the pacer; where they cannot, every D-state kworker still does.
func TestPacerBrakesOnBPFBacklogOnly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      Health
		braked bool
	}{
		{"writeback stall", Health{DTasks: 40, DKworkers: 40, OtherKworkers: 40}, false},
		{"deferred frees", Health{DTasks: 40, DKworkers: 40, DeferredFrees: 16, OtherKworkers: 24}, true},
		{"stacks unreadable", Health{DTasks: 40, DKworkers: 40}, true},
		{"just below", Health{DKworkers: 20, DeferredFrees: 15, OtherKworkers: 5}, false},
	} {
		p := newPacer(constSignals{tc.h}, defaultPacerConfig())
		p.cfg.maxRate = 1e9
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		err := p.admit(ctx, 1)
		cancel()
		if braked := err != nil; braked != tc.braked {
			t.Errorf("%s: braked %v (%v), want %v", tc.name, braked, err, tc.braked)
		}
	}
}

type constSignals struct{ h Health }

func (c constSignals) threads() (int, error) { return 100, nil }
func (c constSignals) health(bool) Health    { return c.h }
