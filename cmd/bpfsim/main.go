// Command bpfsim runs a seccomp filter, or a stack of them, on a syscall the
// way the Linux kernel would, and prints the action the kernel takes.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/internal/cli"
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

--input reads JSON lines such as
  {"arch": "x86_64", "nr": 257, "args": [4294967196, 140737488346112, 0], "ip": 4198400}
where arch is a name or an AUDIT_ARCH number, nr the number the filter sees
(or a syscall name), args at most six unsigned 64-bit numbers.

Exit status: 0 ran, 2 usage or input error (including a filter the kernel
would reject: check it with bpfcheck).

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	in      cli.Input
	syscall string
	arch    string
	args    []string
	argN    [6]string
	ip      string
	trace   bool
	json    bool
	input   string
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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return cli.ExitOK
		}
		fmt.Fprintf(stderr, "bpfsim: %v\n", err)
		return cli.ExitUsage
	}
	if err := simulate(&o, fs.Args(), stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "bpfsim: %v\n", err)
		return cli.ExitUsage
	}
	return cli.ExitOK
}

func simulate(o *options, files []string, stdin io.Reader, stdout io.Writer) error {
	if len(files) == 0 {
		return cli.Usagef("no policy file given (try --help)")
	}
	if (o.syscall == "") == (o.input == "") {
		return cli.Usagef("give exactly one of --syscall and --input")
	}
	arch, err := seccompdata.LookupArch(o.arch)
	if err != nil {
		return cli.Usagef("--arch: %v", err)
	}
	progs, err := o.in.LoadAll(files, stdin)
	if err != nil {
		return err
	}
	stack := make(vm.Stack, len(progs))
	for i, p := range progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			return cli.Usagef("%s: the kernel would reject this filter: %v", files[i], err)
		}
		stack[i] = f
	}
	sim := &simulator{o: o, files: files, progs: progs, stack: stack, w: bufio.NewWriter(stdout)}
	defer sim.w.Flush()
	if o.input != "" {
		return sim.batch(arch, stdin)
	}
	in, err := o.single(arch)
	if err != nil {
		return err
	}
	return sim.emit(in)
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

type simulator struct {
	o     *options
	files []string
	progs []program.Program
	stack vm.Stack
	w     *bufio.Writer
}

func (s *simulator) batch(arch seccompdata.Arch, stdin io.Reader) error {
	var r io.Reader = stdin
	name := "<stdin>"
	if s.o.input != "-" {
		f, err := os.Open(s.o.input)
		if err != nil {
			return cli.Usagef("--input: %v", err)
		}
		defer f.Close()
		r, name = f, s.o.input
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		in, err := seccompdata.ParseInput([]byte(text), arch)
		if err != nil {
			return cli.Usagef("%s:%d: %v", name, line, err)
		}
		if err := s.emit(in); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return cli.Usagef("%s: %v", name, err)
	}
	return nil
}

// result is one line of bpfsim's JSON output; the field names are stable.
type result struct {
	Arch    string    `json:"arch"`
	Nr      int32     `json:"nr"`
	Syscall string    `json:"syscall"`
	Ret     uint32    `json:"ret"`
	Action  string    `json:"action"`
	Data    uint16    `json:"data"`
	Errno   string    `json:"errno,omitempty"`
	Filter  int       `json:"filter"`
	Outcome vm.Result `json:"outcome"`
	Trace   []step    `json:"trace,omitempty"`
}

type step struct {
	Filter int    `json:"filter"`
	PC     int    `json:"pc"`
	Insn   string `json:"insn"`
	A      uint32 `json:"a"`
	X      uint32 `json:"x"`
}

func (s *simulator) emit(in seccompdata.Input) error {
	words := in.Data.Words(in.Arch.Order)
	ret, match := s.stack.Run(&words)
	out := vm.Outcome(&in.Data, ret, vm.OutcomeOptions{})
	r := result{
		Arch:    in.Arch.Name,
		Nr:      in.Data.Nr,
		Ret:     out.Ret,
		Action:  seccompdata.Action(out.Ret).String(),
		Data:    seccompdata.Action(out.Ret).Data(),
		Filter:  match,
		Outcome: out,
	}
	if name, ok := in.Arch.SyscallName(in.Data.Nr); ok {
		r.Syscall = name
	}
	if seccompdata.Action(out.Ret).Kind() == seccompdata.ActErrno {
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
	if s.o.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		s.w.Write(b)
		s.w.WriteByte('\n')
		return nil
	}
	return s.text(&r, &in)
}

func errnoName(arch seccompdata.Arch, n int) string {
	if name, ok := arch.ErrnoName(uint16(n)); ok {
		return name
	}
	return fmt.Sprint(n)
}

func (s *simulator) text(r *result, in *seccompdata.Input) error {
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
	fmt.Fprintf(s.w, "%s (%d) on %s: %s", name, r.Nr, r.Arch, describe(r))
	if len(s.stack) > 1 && r.Filter >= 0 {
		fmt.Fprintf(s.w, "  filter=%d (%s)", r.Filter, s.files[r.Filter])
	}
	fmt.Fprintf(s.w, "  ret=0x%08x\n", r.Ret)
	return nil
}

// describe is the action with what the calling thread sees.
func describe(r *result) string {
	o := r.Outcome
	switch {
	case o.Bypassed:
		return "ALLOW (this syscall bypasses seccomp)"
	case r.Errno != "":
		return r.Action + " " + r.Errno
	}
	a := seccompdata.Action(r.Ret)
	switch a.Kind() {
	case seccompdata.ActTrace:
		return r.Action + " (ENOSYS without a tracer)"
	case seccompdata.ActUserNotif:
		return r.Action + " (ENOSYS without a listener)"
	}
	if !a.Known() {
		return r.Action + " (acts as KILL_PROCESS)"
	}
	return r.Action
}
