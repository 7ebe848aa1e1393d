// Command bpfsim runs a seccomp filter, or a stack of them, on a syscall the
// way the Linux kernel would, and prints the action the kernel takes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

const usage = `usage: bpfsim [flags] POLICY... (--syscall NAME|NR | --input FILE)

Runs the seccomp filter POLICY on one syscall, or on a batch of them, as the
kernel would, and prints the action. Several files are a stack of filters in
install order (the first file is installed first); the kernel runs them all
and the most restrictive action wins.

  bpfsim policy.bpf --syscall openat
  bpfsim policy.bpf --syscall clone --arg0 0x10000 --trace
  bpfsim policy.bpf --input calls.jsonl --json
  bpfsim policy.bpf --syscall getppid --live --outcome
  bpfsim --pid 4242 --syscall openat      the filters a running thread has

--input reads JSON lines such as
  {"arch": "x86_64", "nr": 257, "args": [4294967196, 140737488346112, 0], "ip": 4198400}
where arch is a name or an AUDIT_ARCH number, nr the number the filter sees
(or a syscall name), args at most six unsigned 64-bit numbers.

--live also runs each filter in the running kernel on the same inputs (one
kernel run per filter for the whole batch) and prints its return value
beside ours; --outcome then also makes the call for real under the
unmodified stack where that is safe (x86_64 only, and only when the kernel
skips the syscall or the syscall is harmless) and compares what happens.

Exit status: 0 ran, 2 usage or input error (including a filter the kernel
would reject: check it with bpfcheck), 3 with --live when the kernel's
answer differs from bpfsim's, 5 when the live kernel is unavailable or
stalled (see --kernel-timeout).

Flags:
`

func main() {
	// --live re-executes this binary as the kernel oracle's helper.
	kernel.RunChildIfRequested()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	in      cli.Input
	kernel  cli.Live
	ctx     context.Context
	syscall string
	arch    string
	args    []string
	argN    [6]string
	ip      string
	trace   bool
	json    bool
	input   string
	live    bool
	outcome bool
	model   vm.OutcomeOptions
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := pflag.NewFlagSet("bpfsim", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	o.in.AddFlags(fs)
	o.kernel.AddFlags(fs)
	fs.StringVarP(&o.syscall, "syscall", "s", "", "syscall `NAME` or number, as the filter sees it")
	fs.StringVar(&o.arch, "arch", "x86_64", "arch name or AUDIT_ARCH number")
	fs.StringSliceVar(&o.args, "args", nil, "syscall arguments, comma separated (at most 6)")
	for i := range o.argN {
		fs.StringVar(&o.argN[i], fmt.Sprintf("arg%d", i), "", fmt.Sprintf("argument %d (unsigned 64-bit)", i))
	}
	fs.StringVar(&o.ip, "ip", "0", "instruction_pointer the filter sees")
	fs.BoolVar(&o.trace, "trace", false, "show every executed instruction with A and X")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per result")
	fs.StringVar(&o.input, "input", "", "run a batch: JSON lines from `FILE` (\"-\" for stdin)")
	fs.BoolVar(&o.live, "live", false, "also run the filters in the running kernel and compare")
	fs.BoolVar(&o.outcome, "outcome", false, "with --live, also make the call for real where safe and compare what happens")
	fs.BoolVar(&o.model.Tracer, "tracer", false, "model a ptracer with PTRACE_O_TRACESECCOMP")
	fs.BoolVar(&o.model.Listener, "listener", false, "model a user-notification listener on the matching filter")
	fs.BoolVar(&o.model.LastThread, "last-thread", false, "model a single-threaded process (KILL_THREAD kills it)")
	fs.BoolVar(&o.model.SIGSYSHandler, "sigsys-handler", false, "model a SIGSYS handler (TRAP does not kill)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return cli.ExitOK
		}
		fmt.Fprintf(stderr, "bpfsim: %v\n", err)
		return cli.ExitUsage
	}
	ctx, stop, err := o.kernel.Start(fs)
	if err != nil {
		fmt.Fprintf(stderr, "bpfsim: %v\n", err)
		return cli.ExitUsage
	}
	defer stop()
	o.ctx = ctx
	differ, err := simulate(&o, fs.Args(), stdin, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "bpfsim: %v\n", err)
		return cli.ExitCode(err)
	}
	if differ {
		return cli.ExitDiffers
	}
	return cli.ExitOK
}

func simulate(o *options, files []string, stdin io.Reader, stdout io.Writer) (bool, error) {
	if (o.syscall == "") == (o.input == "") {
		return false, cli.Usagef("give exactly one of --syscall and --input")
	}
	if o.outcome && !o.live {
		return false, cli.Usagef("--outcome needs --live")
	}
	arch, err := seccompdata.LookupArch(o.arch)
	if err != nil {
		return false, cli.Usagef("--arch: %v", err)
	}
	files, progs, err := o.in.Policies(o.ctx, &o.kernel, files, stdin)
	if err != nil {
		return false, err
	}
	stack := make(vm.Stack, len(progs))
	for i, p := range progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			return false, cli.Usagef("%s: the kernel would reject this filter: %v", files[i], err)
		}
		stack[i] = f
	}
	var inputs []seccompdata.Input
	if o.input != "" {
		inputs, err = o.batch(arch, stdin)
	} else {
		var in seccompdata.Input
		in, err = o.single(arch)
		inputs = []seccompdata.Input{in}
	}
	if err != nil {
		return false, err
	}
	sim := &simulator{o: o, files: files, progs: progs, stack: stack, w: bufio.NewWriter(stdout)}
	defer sim.w.Flush()
	results := make([]*result, len(inputs))
	for i := range inputs {
		results[i] = sim.evaluate(&inputs[i])
	}
	differ := false
	if o.live {
		if differ, err = sim.askKernel(inputs, results); err != nil {
			return false, err
		}
	}
	for i, r := range results {
		if err := sim.print(r, &inputs[i]); err != nil {
			return false, err
		}
	}
	return differ, nil
}

// single builds the input the flags describe.
func (o *options) single(arch seccompdata.Arch) (seccompdata.Input, error) {
	in := seccompdata.Input{Arch: arch, Data: seccompdata.Data{Arch: arch.Audit}}
	nr, err := seccompdata.ParseNr(o.syscall, arch)
	if err != nil {
		return in, cli.Usagef("--syscall: %v", err)
	}
	in.Data.Nr = nr
	if len(o.args) > 6 {
		return in, cli.Usagef("--args: %d values, at most 6", len(o.args))
	}
	for i, s := range o.args {
		v, err := seccompdata.ParseUint64(s)
		if err != nil {
			return in, cli.Usagef("--args: argument %d: %v", i, err)
		}
		in.Data.Args[i] = v
	}
	for i, s := range o.argN {
		if s == "" {
			continue
		}
		v, err := seccompdata.ParseUint64(s)
		if err != nil {
			return in, cli.Usagef("--arg%d: %v", i, err)
		}
		in.Data.Args[i] = v
	}
	ip, err := seccompdata.ParseUint64(o.ip)
	if err != nil {
		return in, cli.Usagef("--ip: %v", err)
	}
	in.Data.InstructionPointer = ip
	return in, nil
}

// batch reads the --input file; a bad line is a usage error naming it.
func (o *options) batch(arch seccompdata.Arch, stdin io.Reader) ([]seccompdata.Input, error) {
	var r io.Reader = stdin
	name := "<stdin>"
	if o.input != "-" {
		f, err := os.Open(o.input)
		if err != nil {
			return nil, cli.Usagef("--input: %v", err)
		}
		defer f.Close()
		r, name = f, o.input
	}
	var inputs []seccompdata.Input
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		in, err := seccompdata.ParseInput([]byte(text), arch)
		if err != nil {
			return nil, cli.Usagef("%s:%d: %v", name, line, err)
		}
		inputs = append(inputs, in)
	}
	if err := sc.Err(); err != nil {
		return nil, cli.Usagef("%s: %v", name, err)
	}
	return inputs, nil
}

type simulator struct {
	o     *options
	files []string
	progs []program.Program
	stack vm.Stack
	w     *bufio.Writer
}

// result is one line of bpfsim's JSON output; the field names are stable.
type result struct {
	Arch    string      `json:"arch"`
	Nr      int32       `json:"nr"`
	Syscall string      `json:"syscall"`
	Ret     uint32      `json:"ret"`
	Action  string      `json:"action"`
	Data    uint16      `json:"data"`
	Errno   string      `json:"errno,omitempty"`
	Filter  int         `json:"filter"`
	Outcome vm.Result   `json:"outcome"`
	Trace   []step      `json:"trace,omitempty"`
	Kernel  *kernelView `json:"kernel,omitempty"`
}

type step struct {
	Filter int    `json:"filter"`
	PC     int    `json:"pc"`
	Insn   string `json:"insn"`
	A      uint32 `json:"a"`
	X      uint32 `json:"x"`
}

// kernelView is the running kernel's answer for one input, with --live.
type kernelView struct {
	// Ret is the stack's return value from the kernel's runs of each
	// filter (kernel.Oracle.Eval), combined by the kernel's precedence.
	Ret    uint32   `json:"ret"`
	Action string   `json:"action"`
	Filter int      `json:"filter"`
	Rets   []uint32 `json:"rets"`
	// Method says how each filter saw the input (kernel.Method).
	Method []string `json:"method"`
	// Outcome is what really happened with --outcome; Skipped says why
	// the call was not made.
	Outcome *kernel.Observed `json:"outcome,omitempty"`
	Skipped string           `json:"outcome_skipped,omitempty"`
	Agrees  bool             `json:"agrees"`
	Diffs   []string         `json:"diffs,omitempty"`
}

func (s *simulator) evaluate(in *seccompdata.Input) *result {
	out := s.stack.Evaluate(&in.Data, in.Arch.Order, s.o.model)
	words := in.Data.Words(in.Arch.Order)
	ret, match := s.stack.Run(&words)
	r := &result{
		Arch:    in.Arch.Name,
		Nr:      in.Data.Nr,
		Ret:     ret,
		Action:  seccompdata.Action(ret).String(),
		Data:    seccompdata.Action(ret).Data(),
		Filter:  match,
		Outcome: out,
	}
	if name, ok := in.Arch.SyscallName(in.Data.Nr); ok {
		r.Syscall = name
	}
	if seccompdata.Action(ret).Kind() == seccompdata.ActErrno && !out.Bypassed {
		r.Errno = errnoName(in.Arch, out.Errno)
	}
	if s.o.trace {
		// Filters run newest first (seccomp_run_filters).
		for i := len(s.stack) - 1; i >= 0; i-- {
			s.stack[i].TraceSeccomp(&words, func(st vm.Step) {
				r.Trace = append(r.Trace, step{Filter: i, PC: st.PC, Insn: program.InstructionText(s.progs[i], st.PC), A: st.A, X: st.X})
			})
		}
	}
	return r
}

// askKernel fills in the kernel's answers: one Eval per filter for the
// whole batch, and with --outcome one real call per safe input.
func (s *simulator) askKernel(inputs []seccompdata.Input, results []*result) (bool, error) {
	oracle, err := s.o.kernel.Kernel(s.o.ctx)
	if err != nil {
		return false, fmt.Errorf("--live: %w", err)
	}
	datas := make([]seccompdata.Data, len(inputs))
	for i := range inputs {
		datas[i] = inputs[i].Data
	}
	evals := make([][]kernel.EvalResult, len(s.progs))
	for i, p := range s.progs {
		if evals[i], err = oracle.Eval(s.o.ctx, p, datas); err != nil {
			return false, fmt.Errorf("--live: %s: %w", s.files[i], err)
		}
	}
	readsIP := false
	for _, p := range s.progs {
		readsIP = readsIP || program.ReadsInstructionPointer(p)
	}
	differ := false
	for j, r := range results {
		k := &kernelView{Ret: uint32(seccompdata.ActAllow), Filter: -1}
		// seccomp_run_filters: newest first, a value replaces the
		// current one only if its action is more restrictive.
		for i := len(s.progs) - 1; i >= 0; i-- {
			e := evals[i][j]
			k.Rets = append([]uint32{e.Ret}, k.Rets...)
			k.Method = append([]string{e.Method.String()}, k.Method...)
			if seccompdata.Action(e.Ret).Overrides(seccompdata.Action(k.Ret)) {
				k.Ret, k.Filter = e.Ret, i
			}
		}
		k.Action = seccompdata.Action(k.Ret).String()
		if k.Ret != r.Ret || k.Filter != r.Filter {
			k.Diffs = append(k.Diffs, fmt.Sprintf("ret: kernel 0x%08x (filter %d), bpfsim 0x%08x (filter %d)", k.Ret, k.Filter, r.Ret, r.Filter))
		}
		if s.o.outcome {
			if err := s.observe(oracle, oracleCall{&inputs[j], r, k, readsIP}); err != nil {
				return false, err
			}
		}
		k.Agrees = len(k.Diffs) == 0
		differ = differ || !k.Agrees
		r.Kernel = k
	}
	return differ, nil
}

type oracleCall struct {
	in      *seccompdata.Input
	r       *result
	k       *kernelView
	readsIP bool
}

// observe makes the call for real under the unmodified stack, when safe.
func (s *simulator) observe(oracle kernel.Kernel, c oracleCall) error {
	ok, why := live.SafeToIssue(&c.in.Data, c.k.Ret, c.readsIP)
	if !ok {
		c.k.Skipped = why
		return nil
	}
	env := kernel.OutcomeEnv{Tracer: s.o.model.Tracer, Listener: s.o.model.Listener, SecondThread: !s.o.model.LastThread}
	obs, err := oracle.Outcome(s.o.ctx, s.progs, kernel.OutcomeCall{Nr: c.in.Data.Nr, Args: c.in.Data.Args}, env)
	if err != nil {
		return fmt.Errorf("--outcome: %w", err)
	}
	c.k.Outcome = &obs
	// The oracle's tracer suppresses TRAP's SIGSYS as a handler that
	// leaves RAX alone would, and the real call's instruction_pointer is
	// the helper's: model exactly that for the comparison.
	d := c.in.Data
	if obs.Trap != nil {
		d.InstructionPointer = obs.Trap.CallAddr
	}
	opts := s.o.model
	opts.SIGSYSHandler = true
	if opts.Listener && c.r.Filter != len(s.progs)-1 {
		opts.Listener = false // the oracle's listener is on the newest filter
	}
	m := s.stack.Evaluate(&d, c.in.Arch.Order, opts)
	ran := live.Harmless(d.Nr&^int32(seccompdata.X32SyscallBit)) && obs.Returned
	c.k.Diffs = append(c.k.Diffs, live.CompareOutcome(m, obs, ran)...)
	return nil
}

func errnoName(arch seccompdata.Arch, n int) string {
	if name, ok := arch.ErrnoName(uint16(n)); ok {
		return name
	}
	return fmt.Sprint(n)
}

func (s *simulator) print(r *result, in *seccompdata.Input) error {
	if s.o.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		s.w.Write(b)
		return s.w.WriteByte('\n')
	}
	for _, st := range r.Trace {
		prefix := ""
		if len(s.stack) > 1 {
			prefix = fmt.Sprintf("[%d] ", st.Filter)
		}
		fmt.Fprintf(s.w, "  %s%4d: %-32s A=0x%08x X=0x%08x\n", prefix, st.PC, st.Insn, st.A, st.X)
	}
	name := r.Syscall
	if name == "" {
		name = "unknown syscall"
	}
	nr := fmt.Sprint(r.Nr)
	if in.Arch.NrBit != 0 || r.Nr < 0 {
		nr = fmt.Sprintf("%#x", uint32(r.Nr))
	}
	fmt.Fprintf(s.w, "%s (%s) on %s: %s", name, nr, r.Arch, describe(r))
	if len(s.stack) > 1 && r.Filter >= 0 {
		fmt.Fprintf(s.w, "  filter=%d (%s)", r.Filter, s.files[r.Filter])
	}
	fmt.Fprintf(s.w, "  ret=0x%08x\n", r.Ret)
	if k := r.Kernel; k != nil {
		agree := "agrees"
		if !k.Agrees {
			agree = "DIFFERS: " + strings.Join(k.Diffs, "; ")
		}
		fmt.Fprintf(s.w, "    kernel: %s  ret=0x%08x (%s); %s\n", k.Action, k.Ret, strings.Join(k.Method, ", "), agree)
		switch {
		case k.Outcome != nil:
			fmt.Fprintf(s.w, "    kernel outcome: %v\n", *k.Outcome)
		case k.Skipped != "":
			fmt.Fprintf(s.w, "    kernel outcome: not observed: %s\n", k.Skipped)
		}
	}
	return nil
}

// describe is the action with what the calling thread sees.
func describe(r *result) string {
	o := r.Outcome
	switch {
	case o.Bypassed:
		return "ALLOW (this syscall bypasses seccomp; the filters said " + r.Action + ")"
	case r.Errno != "":
		return r.Action + " " + r.Errno
	}
	a := seccompdata.Action(r.Ret)
	switch {
	case a.Kind() == seccompdata.ActTrace && !o.Notify && o.TraceEvent == nil:
		return r.Action + " (ENOSYS without a tracer)"
	case a.Kind() == seccompdata.ActUserNotif && !o.Notify:
		return r.Action + " (ENOSYS without a listener)"
	case !a.Known():
		return r.Action + " (acts as KILL_PROCESS)"
	}
	return r.Action
}
