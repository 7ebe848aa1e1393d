package kernel

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Options configure an Oracle.
type Options struct {
	// Timeout bounds every round trip to the kernel; 0 means
	// BPFSIM_KERNEL_TIMEOUT, else DefaultTimeout.
	Timeout time.Duration
	// ProbeTimeout bounds the probe Open makes; 0 means
	// DefaultProbeTimeout (or Timeout, when that is shorter).
	ProbeTimeout time.Duration
}

// reapTimeout bounds every wait for a helper to exit after it was told or
// made to: a process with a thread in uninterruptible sleep cannot be
// reaped, and nothing may wait for one without a bound.
const reapTimeout = 2 * time.Second

// helperProc is a started helper process.
type helperProc interface {
	// kill sends SIGKILL to the helper and everything it started.
	kill()
	// exited is closed once the helper has been reaped.
	exited() <-chan struct{}
	// describe says what is known of its end: exit status and the first
	// line it wrote to its stderr.
	describe() string
	// pid is its process ID.
	pid() int
	// release frees what the caller holds of it.
	release()
}

// Oracle is the kernel this process runs on, as a Kernel. Its methods may
// be called from several goroutines at once. All of its work runs in one
// helper process (see the package documentation); Close ends it.
type Oracle struct {
	timeout time.Duration
	reap    time.Duration // reapTimeout, shorter in tests
	proc    helperProc
	reqW    deadlineWriter
	respR   io.ReadCloser

	wmu sync.Mutex
	enc *gob.Encoder
	bw  *bufio.Writer

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan response
	broken  error // set once: a stall, the helper's death, or Close
	closed  bool
}

var _ Kernel = (*Oracle)(nil)

// Open starts the helper and probes the kernel with a short deadline (one
// verdict of a one-instruction program): a kernel that is already wedged
// gives a *StallError here, in one line, instead of hanging later work.
// It fails with an error wrapping ErrUnsupported where the kernel cannot
// install seccomp filters.
func Open(ctx context.Context, opts Options) (*Oracle, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		var err error
		if timeout, err = TimeoutFromEnv(); err != nil {
			return nil, err
		}
	}
	probe := opts.ProbeTimeout
	if probe <= 0 {
		probe = min(DefaultProbeTimeout, timeout)
	}
	// A kernel whose backlog is already past the pacer's reach would
	// take our probe's program into the same sleep: say so without
	// creating one.
	if h := readHealth(true); h.Err == "" && h.Backlog() >= wedgedKworkers {
		return nil, &StallError{Op: "probe (not attempted)", Backlog: true, Health: h}
	}
	o, err := start()
	if err != nil {
		return nil, err
	}
	o.timeout = timeout
	pctx, cancel := context.WithTimeout(ctx, probe)
	defer cancel()
	if _, err := o.call(pctx, &request{Op: opProbe}); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// wedgedKworkers is the Health.Backlog (kworkers blocked in deferred BPF
// frees, or possibly so) at which Open does not even probe: four times
// the pacer's high water, a backlog no pacing of ours would have let grow.
const wedgedKworkers = 64

// deadlineWriter is the request side of the link to a helper: a pipe
// (*os.File) or a connection (net.Conn).
type deadlineWriter interface {
	io.WriteCloser
	SetWriteDeadline(time.Time) error
}

// newOracle wires an Oracle to a started helper.
func newOracle(proc helperProc, reqW deadlineWriter, respR io.ReadCloser) *Oracle {
	o := &Oracle{proc: proc, reqW: reqW, respR: respR, pending: map[uint64]chan response{}, timeout: DefaultTimeout, reap: reapTimeout}
	o.bw = bufio.NewWriterSize(reqW, 64<<10)
	o.enc = gob.NewEncoder(o.bw)
	go o.readLoop()
	return o
}

// readLoop hands each response to its caller until the pipe ends.
func (o *Oracle) readLoop() {
	dec := gob.NewDecoder(bufio.NewReaderSize(o.respR, 64<<10))
	for {
		var r response
		if err := dec.Decode(&r); err != nil {
			o.fail(o.helperGone())
			return
		}
		o.mu.Lock()
		ch := o.pending[r.ID]
		delete(o.pending, r.ID)
		o.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// helperGone describes the end of the helper's pipe.
func (o *Oracle) helperGone() error {
	select {
	case <-o.proc.exited():
	case <-time.After(100 * time.Millisecond):
	}
	return fmt.Errorf("kernel oracle helper %d ended: %s", o.proc.pid(), o.proc.describe())
}

// fail makes err the answer of every pending and later call, once.
func (o *Oracle) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken != nil {
		return
	}
	o.broken = err
	for id, ch := range o.pending {
		ch <- response{ID: id, Err: toWire(err)}
		delete(o.pending, id)
	}
}

// stall records a stall, kills the helper (nothing waits for it to be
// reaped) and returns the error every call now gets.
func (o *Oracle) stall(req *request, waited time.Duration) error {
	st := &StallError{Op: req.describe(), After: waited}
	if r, ok := o.proc.(remoteProc); ok {
		// Not the host's kernel: its health says nothing of this one.
		st.Remote = r.describe()
	} else {
		st.Health = readHealth(true)
	}
	o.fail(st)
	o.proc.kill()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.broken
}

// call sends req and waits for its response until the earlier of ctx's
// deadline and the oracle's timeout.
func (o *Oracle) call(ctx context.Context, req *request) (response, error) {
	start := time.Now()
	deadline := start.Add(o.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req.Budget = int64(time.Until(deadline))
	ch := make(chan response, 1)
	o.mu.Lock()
	if o.broken != nil {
		err := o.broken
		o.mu.Unlock()
		return response{}, err
	}
	o.nextID++
	req.ID = o.nextID
	o.pending[req.ID] = ch
	o.mu.Unlock()

	o.wmu.Lock()
	o.reqW.SetWriteDeadline(deadline)
	err := o.enc.Encode(req)
	if err == nil {
		err = o.bw.Flush()
	}
	o.wmu.Unlock()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err) {
			return response{}, o.stall(req, time.Since(start))
		}
		o.fail(o.helperGone())
		return response{}, o.broken
	}

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case r := <-ch:
		if err := r.Err.err(); err != nil {
			var st *StallError
			if errors.As(err, &st) {
				st.Op = req.describe()
			}
			return r, err
		}
		return r, nil
	case <-timer.C:
		return response{}, o.stall(req, time.Since(start))
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return response{}, o.stall(req, time.Since(start))
		}
		o.mu.Lock()
		delete(o.pending, req.ID)
		o.mu.Unlock()
		return response{}, ctx.Err()
	}
}

// Close ends the helper: it is told to exit (its request pipe closes),
// then killed if it has not within reapTimeout, and waited for at most
// reapTimeout more. A helper that still cannot be reaped is left behind
// with an error that says so; Close never hangs.
func (o *Oracle) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	if o.broken == nil {
		o.broken = errors.New("kernel oracle is closed")
	}
	for id, ch := range o.pending {
		ch <- response{ID: id, Err: toWire(o.broken)}
		delete(o.pending, id)
	}
	o.mu.Unlock()
	o.reqW.Close()
	defer o.respR.Close()
	defer o.proc.release()
	select {
	case <-o.proc.exited():
		return nil
	case <-time.After(o.reap):
	}
	o.proc.kill()
	select {
	case <-o.proc.exited():
		return nil
	case <-time.After(o.reap):
	}
	return fmt.Errorf("kernel oracle helper %d could not be reaped within %v of SIGKILL: a thread of it is probably in uninterruptible sleep; %v", o.proc.pid(), o.reap, readHealth(true))
}

// Verdict implements Kernel.
func (o *Oracle) Verdict(ctx context.Context, progs []program.Program) (Verdict, error) {
	if len(progs) == 0 {
		return Verdict{}, errors.New("no program to install")
	}
	if len(progs) > maxStack {
		return Verdict{}, fmt.Errorf("stack of %d filters: the oracle stacks at most %d", len(progs), maxStack)
	}
	for i, p := range progs {
		if len(p) > 0xffff {
			return Verdict{}, fmt.Errorf("filter %d has %d instructions: struct sock_fprog cannot hold more than 65535", i, len(p))
		}
	}
	r, err := o.call(ctx, &request{Op: opVerdict, Progs: progs})
	return r.Verdict, err
}

// SocketVerdict implements Kernel.
func (o *Oracle) SocketVerdict(ctx context.Context, p program.Program) (Verdict, error) {
	if len(p) > 0xffff {
		// sock_fprog.len is 16 bits: the kernel would see the length
		// modulo 65536, which is not the program the caller means.
		return Verdict{}, fmt.Errorf("program of %d instructions does not fit sock_fprog.len", len(p))
	}
	r, err := o.call(ctx, &request{Op: opSocketVerdict, Progs: []program.Program{p}})
	return r.Verdict, err
}

// Eval implements Kernel. The kernel runs an instrumented copy of p
// (instrument.go) on real syscalls issued by a raw evaluator, a process
// the helper starts that shares its memory and runs nothing but a few
// hundred bytes of assembly (raw_linux_amd64.go): every RET K returns a
// code in place, every RET A jumps to a 5-instruction epilogue, and the
// value comes back as SECCOMP_RET_ERRNO data, 12 bits per syscall, from
// three syscall sites the epilogue tells apart by instruction_pointer.
// Because that process makes no other syscall, the filter needs no gate:
// a program of 4,090 instructions ending in "ret a" evaluates, and one
// returning only constants evaluates at any length the kernel accepts. A
// program whose instrumented copy would not fit gets a *TooLongError
// (errors.Is(err, ErrTooLong)) that says by how many instructions; the
// oracle goes on serving. nr and the six args are the real registers of
// the syscall, so every value is possible (x32 numbers included); arch and
// instruction_pointer are substituted as constants where needed
// (EvalResult.Method). A division by X == 0 ends the evaluating thread
// alone; the input is reported Killed and a new evaluator takes the rest.
func (o *Oracle) Eval(ctx context.Context, p program.Program, inputs []seccompdata.Data) ([]EvalResult, error) {
	if len(inputs) == 0 {
		// Still ask: a rejected program is an error whatever the inputs.
		_, err := o.call(ctx, &request{Op: opEval, Progs: []program.Program{p}})
		return nil, err
	}
	r, err := o.call(ctx, &request{Op: opEval, Progs: []program.Program{p}, Inputs: inputs})
	return r.Evals, err
}

// Outcome implements Kernel. env.Timeout, when set, bounds the run inside
// the helper too.
func (o *Oracle) Outcome(ctx context.Context, progs []program.Program, call OutcomeCall, env OutcomeEnv) (Observed, error) {
	for i, p := range progs {
		if len(p) > 0xffff {
			return Observed{}, fmt.Errorf("filter %d has %d instructions: struct sock_fprog cannot carry it", i, len(p))
		}
	}
	if env.Listener && len(progs) == 0 {
		return Observed{}, errors.New("a listener needs a filter to attach to")
	}
	r, err := o.call(ctx, &request{Op: opOutcome, Progs: progs, Call: call, Env: env})
	return r.Observed, err
}

// ReadFilters implements Kernel: the filters of thread tid (a process ID
// names its main thread), oldest first, which is install order. Each is
// the program as its installer passed it, before the kernel's own
// rewriting, and a thread without filters has none. It uses
// PTRACE_SECCOMP_GET_FILTER (seccomp_get_filter, kernel/seccomp.c): it
// needs CAP_SYS_ADMIN, a helper not itself under seccomp, and
// CONFIG_CHECKPOINT_RESTORE.
func (o *Oracle) ReadFilters(ctx context.Context, tid int) ([]program.Program, error) {
	r, err := o.call(ctx, &request{Op: opReadFilters, Tid: tid})
	return r.Progs, err
}

// IA32Emulation implements Kernel. The first call probes, once per
// oracle, in a disposable child: int $0x80 with EAX = 20 (i386 getpid).
// A SIGSEGV there means IA-32 emulation is off (idt_setup_traps,
// arch/x86/kernel/idt.c, installs the gate only when ia32_enabled(); under
// FRED fred_intx raises #GP): false with a nil error. Where getpid works,
// a raw evaluator (see Eval) also checks, under a seccomp filter, that the
// kernel reports AUDIT_ARCH_I386, the full 64-bit argument registers and
// the addresses the instrumented programs expect; only then is the answer
// true.
func (o *Oracle) IA32Emulation(ctx context.Context) (bool, error) {
	r, err := o.call(ctx, &request{Op: opIA32})
	return r.OK, err
}

// HelperPID returns the process ID of the oracle's helper, where every
// filter is created (Eval's in raw evaluators, children of the helper
// that share its memory).
func (o *Oracle) HelperPID() int { return o.proc.pid() }

// isTimeout reports a write deadline passed on a net.Conn.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Conn is a link to a server of the oracle's protocol that runs elsewhere,
// such as RunChildIfRequested's "server" job inside a virtual machine: a
// net.Conn fits. Requests are written to it and responses read from it.
type Conn interface {
	io.ReadWriteCloser
	SetWriteDeadline(time.Time) error
}

// Remote is the process that serves a Conn (for a virtual machine, its
// emulator). Kill must end it at once, without waiting; Exited is closed
// once it has ended; Describe says what is known of that end in one line;
// PID identifies it in errors.
type Remote interface {
	Kill()
	Exited() <-chan struct{}
	Describe() string
	PID() int
}

// NewClient returns a Kernel served over conn by remote, with the same
// protocol, deadlines and errors as the helper Open starts: a call that
// is not answered in time returns a *StallError and kills remote. It
// probes the server first, as Open does (Options.ProbeTimeout). The
// server runs the kernel's own pacer; the host's health is not consulted,
// since the kernel is not the host's. Close closes conn and kills remote
// when it has not ended within two seconds of that.
func NewClient(ctx context.Context, conn Conn, remote Remote, opts Options) (*Oracle, error) {
	o := newOracle(remoteProc{remote}, conn, io.NopCloser(conn))
	if opts.Timeout > 0 {
		o.timeout = opts.Timeout
	} else if t, err := TimeoutFromEnv(); err == nil {
		o.timeout = t
	}
	probe := opts.ProbeTimeout
	if probe <= 0 {
		probe = min(DefaultProbeTimeout, o.timeout)
	}
	pctx, cancel := context.WithTimeout(ctx, probe)
	defer cancel()
	if _, err := o.call(pctx, &request{Op: opProbe}); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// remoteProc adapts a Remote to what an Oracle needs of its helper.
type remoteProc struct{ r Remote }

func (p remoteProc) kill()                   { p.r.Kill() }
func (p remoteProc) exited() <-chan struct{} { return p.r.Exited() }
func (p remoteProc) describe() string        { return p.r.Describe() }
func (p remoteProc) pid() int                { return p.r.PID() }
func (p remoteProc) release()                {}
