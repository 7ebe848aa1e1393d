package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

const (
	nrGetppid       = 110
	auditArchX86_64 = 0xc000003e
	sigsys          = 31
)

// outcomeOrSkip is Kernel.Outcome, skipping t where the oracle cannot run
// (no ptrace permission, for instance).
func outcomeOrSkip(t *testing.T, progs []program.Program, call kernel.OutcomeCall, env kernel.OutcomeEnv) (kernel.Observed, error) {
	t.Helper()
	// An oracle of its own, closed before returning, so that tests can
	// check that nothing outlives it.
	requireSeccomp(t)
	k, err := kernel.Open(ctx, kernel.Options{})
	if err != nil {
		kerneltest.Fail(t, err)
	}
	o, err := k.Outcome(ctx, progs, call, env)
	if cerr := k.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if errors.Is(err, kernel.ErrUnsupported) {
		t.Skipf("live kernel test skipped: %v", err)
	}
	return o, err
}

// on returns a filter that answers act for syscall nr and ALLOW for every
// other one, so that a stack of them never judges its own installation.
func on(nr int32, act seccompdata.Action) program.Program {
	return program.Program{
		program.Stmt(program.ClassLD|program.SizeW|0x20, 0), // ld [0] (nr)
		program.Jump(program.ClassJMP|program.OpJEQ, uint32(nr), 0, 1),
		program.Stmt(program.ClassRET|program.RvalK, uint32(act)),
		program.Stmt(program.ClassRET|program.RvalK, uint32(seccompdata.ActAllow)),
	}
}

// outcomeCase is one behaviour of docs/kernel-semantics.md §5 that the kernel's
// seccomp selftests check (tools/testing/selftests/seccomp/seccomp_bpf.c)
// and bpfsim models. check gets the observation; the expected values are
// the live rows of the sheet.
type outcomeCase struct {
	name  string
	progs []program.Program
	call  kernel.OutcomeCall
	env   kernel.OutcomeEnv
	check func(t *testing.T, o kernel.Observed)
	// ret is the action the stack returns for the call, for the model
	// comparison.
	ret seccompdata.Action
	// minKernel is the first kernel version (major, minor) that behaves
	// so; older kernels skip the row.
	minKernel [2]int
}

func returns(want int64) func(*testing.T, kernel.Observed) {
	return func(t *testing.T, o kernel.Observed) {
		t.Helper()
		if !o.Returned || o.Return != want || o.Killed != "" || o.Trap != nil || o.TraceEvent != nil {
			t.Errorf("got %v, want a plain return of %d", o, want)
		}
	}
}

func errno(e seccompdata.Errno) func(*testing.T, kernel.Observed) {
	return func(t *testing.T, o kernel.Observed) {
		t.Helper()
		returns(-int64(e))(t, o)
		if o.Errno != e {
			t.Errorf("Errno %d, want %d", o.Errno, e)
		}
	}
}

// ranGetppid: getppid really ran, so it returned the helper's pid.
func ranGetppid(t *testing.T, o kernel.Observed) {
	t.Helper()
	if !o.Returned || o.Return <= 1 || o.Killed != "" {
		t.Errorf("got %v, want getppid to run and return the helper's pid", o)
	}
}

func killed(who string) func(*testing.T, kernel.Observed) {
	return func(t *testing.T, o kernel.Observed) {
		t.Helper()
		if o.Killed != who || o.Signal != sigsys || o.Returned || !o.Ran {
			t.Errorf("got %v, want the %s killed by SIGSYS", o, who)
		}
	}
}

func trap(data uint16, nr int32) func(*testing.T, kernel.Observed) {
	return func(t *testing.T, o kernel.Observed) {
		t.Helper()
		tr := o.Trap
		if tr == nil {
			t.Fatalf("got %v, want a TRAP", o)
		}
		want := seccompdata.Trap{Signo: sigsys, Code: 1, Errno: int32(data), Syscall: nr, Arch: auditArchX86_64, CallAddr: tr.CallAddr}
		if *tr != want || tr.CallAddr == 0 {
			t.Errorf("siginfo %+v, want %+v with a nonzero si_call_addr", *tr, want)
		}
		// syscall_rollback leaves the number in RAX.
		if !o.Returned || o.Return != int64(nr) || o.Killed != "" {
			t.Errorf("got %v, want the thread to go on with RAX = %d", o, nr)
		}
	}
}

var nrCall = kernel.OutcomeCall{Nr: kernel.NrNonexistent}
var getppidCall = kernel.OutcomeCall{Nr: nrGetppid}

var outcomeCases = []outcomeCase{
	{name: "ALLOW runs the call", progs: []program.Program{on(1000, seccompdata.ActAllow)}, call: nrCall,
		check: errno(seccompdata.ENOSYS), ret: seccompdata.ActAllow},
	{name: "ALLOW with data runs getppid", progs: []program.Program{on(nrGetppid, seccompdata.ActAllow|0x1234)}, call: getppidCall,
		// ALLOW never replaces the initial ALLOW in seccomp_run_filters
		// (strict <), so the stack's value is plain ALLOW.
		check: ranGetppid, ret: seccompdata.ActAllow},
	{name: "LOG runs the call", progs: []program.Program{on(1000, seccompdata.ActLog)}, call: nrCall,
		check: errno(seccompdata.ENOSYS), ret: seccompdata.ActLog},
	{name: "ERRNO 5", progs: []program.Program{on(1000, seccompdata.ActErrno|5)}, call: nrCall,
		check: errno(5), ret: seccompdata.ActErrno | 5},
	{name: "ERRNO 0x1000 capped", progs: []program.Program{on(1000, seccompdata.ActErrno|0x1000)}, call: nrCall,
		check: errno(4095), ret: seccompdata.ActErrno | 0x1000},
	{name: "ERRNO 0xffff capped", progs: []program.Program{on(1000, seccompdata.ActErrno|0xffff)}, call: nrCall,
		check: errno(4095), ret: seccompdata.ActErrno | 0xffff},
	{name: "ERRNO 0 skips getppid and returns 0", progs: []program.Program{on(nrGetppid, seccompdata.ActErrno)}, call: getppidCall,
		check: returns(0), ret: seccompdata.ActErrno},
	{name: "TRAP siginfo", progs: []program.Program{on(1000, seccompdata.ActTrap|0x1234)}, call: nrCall,
		check: trap(0x1234, 1000), ret: seccompdata.ActTrap | 0x1234},
	{name: "TRACE without tracer is ENOSYS", progs: []program.Program{on(nrGetppid, seccompdata.ActTrace|0x42)}, call: getppidCall,
		check: errno(seccompdata.ENOSYS), ret: seccompdata.ActTrace | 0x42},
	{name: "TRACE with tracer", progs: []program.Program{on(nrGetppid, seccompdata.ActTrace|0x42)}, call: getppidCall,
		env: kernel.OutcomeEnv{Tracer: true}, ret: seccompdata.ActTrace | 0x42,
		check: func(t *testing.T, o kernel.Observed) {
			want := seccompdata.TraceEvent{Message: 0x42, OrigRax: nrGetppid, Rax: -int64(seccompdata.ENOSYS)}
			if o.TraceEvent == nil || *o.TraceEvent != want {
				t.Errorf("got %v (%+v), want event %+v", o, o.TraceEvent, want)
			}
			// The tracer let it go: the filters re-run, TRACE now
			// means allow (recheck_after_trace), getppid runs.
			ranGetppid(t, o)
		}},
	{name: "USER_NOTIF without listener is ENOSYS", progs: []program.Program{on(nrGetppid, seccompdata.ActUserNotif)}, call: getppidCall,
		check: errno(seccompdata.ENOSYS), ret: seccompdata.ActUserNotif},
	{name: "USER_NOTIF with listener replying EPERM", progs: []program.Program{on(nrGetppid, seccompdata.ActUserNotif)},
		call: kernel.OutcomeCall{Nr: nrGetppid, Args: [6]uint64{0x0102030405060708, 2, 3, 4, 5, 6}},
		env:  kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Error: -1}}, ret: seccompdata.ActUserNotif,
		check: func(t *testing.T, o kernel.Observed) {
			n := o.Notification
			if n == nil {
				t.Fatalf("got %v, want a notification", o)
			}
			if n.Data.Nr != nrGetppid || n.Data.Arch != auditArchX86_64 || n.Data.Args != [6]uint64{0x0102030405060708, 2, 3, 4, 5, 6} ||
				n.Data.InstructionPointer == 0 || n.Pid == 0 || n.Flags != 0 || n.SendErrno != 0 {
				t.Errorf("notification %+v", *n)
			}
			errno(seccompdata.EPERM)(t, o)
		}},
	{name: "USER_NOTIF with listener replying CONTINUE", progs: []program.Program{on(nrGetppid, seccompdata.ActUserNotif)}, call: getppidCall,
		env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Continue: true}}, ret: seccompdata.ActUserNotif,
		check: func(t *testing.T, o kernel.Observed) {
			if o.Notification == nil {
				t.Errorf("got %v, want a notification", o)
			}
			ranGetppid(t, o)
		}},
	{name: "USER_NOTIF with listener, positive error is a value", progs: []program.Program{on(nrGetppid, seccompdata.ActUserNotif)}, call: getppidCall,
		env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Error: 5}}, ret: seccompdata.ActUserNotif,
		check: returns(5)},
	{name: "KILL_THREAD with a second thread", progs: []program.Program{on(1000, seccompdata.ActKillThread)}, call: nrCall,
		env: kernel.OutcomeEnv{SecondThread: true}, check: killed("thread"), ret: seccompdata.ActKillThread},
	{name: "KILL_THREAD as the last thread", progs: []program.Program{on(1000, seccompdata.ActKillThread)}, call: nrCall,
		check: killed("process"), ret: seccompdata.ActKillThread},
	{name: "KILL_PROCESS from a non-main thread", progs: []program.Program{on(1000, seccompdata.ActKillProcess)}, call: nrCall,
		env: kernel.OutcomeEnv{SecondThread: true}, check: killed("process"), ret: seccompdata.ActKillProcess},
	{name: "KILL_PROCESS single-threaded", progs: []program.Program{on(1000, seccompdata.ActKillProcess)}, call: nrCall,
		check: killed("process"), ret: seccompdata.ActKillProcess},
	{name: "unknown action 0x00010000 acts as KILL_PROCESS", progs: []program.Program{on(1000, 0x00010000)}, call: nrCall,
		env: kernel.OutcomeEnv{SecondThread: true}, check: killed("process"), ret: 0x00010000},
	{name: "old 0xc0000000 beats new KILL_THREAD and kills the process", call: nrCall,
		progs: []program.Program{on(1000, 0xc0000000), on(1000, seccompdata.ActKillThread)},
		env:   kernel.OutcomeEnv{SecondThread: true}, check: killed("process"), ret: 0xc0000000},
	{name: "old ERRNO 1, new ERRNO 2: newest wins the tie", call: nrCall,
		progs: []program.Program{on(1000, seccompdata.ActErrno|1), on(1000, seccompdata.ActErrno|2)},
		check: errno(2), ret: seccompdata.ActErrno | 2},
	{name: "old ERRNO 2, new ERRNO 1", call: nrCall,
		progs: []program.Program{on(1000, seccompdata.ActErrno|2), on(1000, seccompdata.ActErrno|1)},
		check: errno(1), ret: seccompdata.ActErrno | 1},
	{name: "TRAP beats ERRNO", call: nrCall,
		progs: []program.Program{on(1000, seccompdata.ActTrap|7), on(1000, seccompdata.ActErrno|2)},
		check: trap(7, 1000), ret: seccompdata.ActTrap | 7},
	{name: "ERRNO beats TRACE even with a tracer", call: nrCall, env: kernel.OutcomeEnv{Tracer: true},
		progs: []program.Program{on(1000, seccompdata.ActErrno|3), on(1000, seccompdata.ActTrace|1)},
		check: errno(3), ret: seccompdata.ActErrno | 3},
	{name: "USER_NOTIF of a filter without the listener is ENOSYS", call: getppidCall, env: kernel.OutcomeEnv{Listener: true},
		// The listener is on the newest filter, which allows; the
		// matching filter has none (seccomp_do_user_notification).
		progs: []program.Program{on(nrGetppid, seccompdata.ActUserNotif), on(nrGetppid, seccompdata.ActAllow)},
		check: func(t *testing.T, o kernel.Observed) {
			if o.Notification != nil {
				t.Errorf("notification %+v, want none", *o.Notification)
			}
			errno(seccompdata.ENOSYS)(t, o)
		}, ret: seccompdata.ActUserNotif},
	{name: "uprobe (336) bypasses an ERRNO filter", progs: []program.Program{on(nrUprobe, seccompdata.ActErrno|5)},
		// seccomp_uprobe_exception: the syscall runs and, not called
		// from a uprobe trampoline, fails with ENXIO.
		call: kernel.OutcomeCall{Nr: nrUprobe}, check: errno(enxio), ret: seccompdata.ActErrno | 5, minKernel: [2]int{6, 18}},
}

const (
	nrUprobe = 336
	enxio    = seccompdata.Errno(6)
)

// kernelAtLeast reports whether the running kernel is at least major.minor.
func kernelAtLeast(t *testing.T, v [2]int) bool {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Fatal(err)
	}
	var major, minor int
	fmt.Sscanf(string(b), "%d.%d", &major, &minor)
	return major > v[0] || major == v[0] && minor >= v[1]
}

func TestOutcomeMatchesKernelSemantics(t *testing.T) {
	requireSeccomp(t)
	for _, tc := range outcomeCases {
		t.Run(tc.name, func(t *testing.T) {
			if !kernelAtLeast(t, tc.minKernel) {
				t.Skipf("needs Linux %d.%d", tc.minKernel[0], tc.minKernel[1])
			}
			start := time.Now()
			o, err := outcomeOrSkip(t, tc.progs, tc.call, tc.env)
			if err != nil {
				t.Fatalf("Outcome: %v", err)
			}
			t.Logf("%v in %v", o, time.Since(start).Round(100*time.Microsecond))
			if !o.Install.Accepted {
				t.Fatalf("stack not installed: %v", o.Install)
			}
			tc.check(t, o)
		})
	}
}

func TestOutcomeInstallFailure(t *testing.T) {
	requireSeccomp(t)
	// The second filter is invalid (ld [64]); the first allows seccomp(2).
	bad := program.Program{program.Stmt(0x20, 64), program.Stmt(0x16, 0)}
	o, err := outcomeOrSkip(t, []program.Program{on(1000, seccompdata.ActErrno|5), bad}, nrCall, kernel.OutcomeEnv{})
	if err != nil {
		t.Fatal(err)
	}
	want := kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 1}
	if o.Install != want || o.Ran {
		t.Errorf("got %+v, want install %v and no call", o, want)
	}
}

func TestOutcomeEarlierFilterJudgesInstall(t *testing.T) {
	requireSeccomp(t)
	// The first filter kills every syscall, so the second seccomp(2) dies.
	// The first filter acts on every syscall, so also on the second
	// seccomp(2).
	for _, act := range []seccompdata.Action{seccompdata.ActKillProcess, seccompdata.ActTrap | 1, seccompdata.ActTrace | 1} {
		all := program.Program{program.Stmt(program.ClassRET|program.RvalK, uint32(act))}
		_, err := outcomeOrSkip(t, []program.Program{all, on(1000, seccompdata.ActAllow)}, nrCall, kernel.OutcomeEnv{Tracer: true})
		if err == nil || !strings.Contains(err.Error(), "judged by the earlier filters") {
			t.Errorf("%v: got error %v, want the installation reported as judged by the earlier filters", act, err)
		}
	}
}

// A call that never returns is reported as a hang of the helper, and the
// helper is still killed and reaped.
func TestOutcomeHangIsReported(t *testing.T) {
	requireSeccomp(t)
	tag := tagHelpers(t)
	const nrPause = 34 // the target blocks every signal: pause never returns
	for _, second := range []bool{false, true} {
		start := time.Now()
		_, err := outcomeOrSkip(t, []program.Program{on(1000, seccompdata.ActAllow)}, kernel.OutcomeCall{Nr: nrPause},
			kernel.OutcomeEnv{SecondThread: second, Timeout: 200 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "hung") {
			t.Errorf("second thread %v: got %v, want a hang", second, err)
		}
		// 200ms for the call, at most 2s to kill and reap: well short of
		// this bound, which only tells a report from a hang of the tool.
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("took %v", d)
		}
	}
	assertNoChildren(t, tag)
}

func TestOutcomeLeavesNoProcess(t *testing.T) {
	requireSeccomp(t)
	tag := tagHelpers(t)
	// One run of each shape, then look for anything left behind.
	for _, tc := range outcomeCases {
		if _, err := outcomeOrSkip(t, tc.progs, tc.call, tc.env); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	assertNoChildren(t, tag)
}

// tagHelpers marks the helpers this test process starts (they inherit the
// environment, and the raw-forked targets share their helper's memory), so
// that assertNoChildren finds only ours even when other copies of this
// binary run at the same time.
func tagHelpers(t *testing.T) string {
	tag := "BPFSIM_OUTCOME_TEST_OWNER=" + itoa(os.Getpid())
	t.Setenv("BPFSIM_OUTCOME_TEST_OWNER", itoa(os.Getpid()))
	return tag
}

// assertNoChildren checks that no thread of this process has a child left,
// and that no process carrying tag (a helper, or a raw-forked target, which
// is a grandchild and orphaned to init if its helper dies first) lives on.
func assertNoChildren(t *testing.T, tag string) {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			t.Errorf("%s: children %q left behind", f, strings.TrimSpace(string(b)))
		}
	}
	self := "/proc/" + itoa(os.Getpid())
	deadline := time.Now().Add(time.Second)
	for {
		var left []string
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			if p == self {
				continue
			}
			env, err := os.ReadFile(p + "/environ")
			if err == nil && slices.Contains(strings.Split(string(env), "\x00"), tag) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("oracle processes left behind: %v", left)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// A filter that answers ERRNO(5) for syscall 1000, made by a thread of a
// disposable helper: the call returns -5.
func ExampleOracle_Outcome() {
	filter := program.Program{
		program.Stmt(0x20, 0),            // ld [0] (nr)
		program.Jump(0x15, 1000, 0, 1),   // jeq #1000, 0, 1
		program.Stmt(0x06, 0x00050000|5), // ret #ERRNO(5)
		program.Stmt(0x06, 0x7fff0000),   // ret #ALLOW
	}
	k, err := kernel.Open(context.Background(), kernel.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Close()
	o, err := k.Outcome(context.Background(), []program.Program{filter}, kernel.OutcomeCall{Nr: kernel.NrNonexistent}, kernel.OutcomeEnv{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Return, o.Errno == 5)
}
