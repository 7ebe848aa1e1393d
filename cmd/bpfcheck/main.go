// Command bpfcheck tells whether the Linux kernel would accept a classic BPF
// program as a seccomp filter (or a socket filter), and if not, which
// instruction breaks which rule and which errno the kernel returns.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

const usage = `usage: bpfcheck [flags] POLICY...

Checks POLICY as the kernel would when it is installed. Several files are a
stack of seccomp filters in install order (the first file is installed
first), unless --each checks each file on its own. "-" reads standard input.

  bpfcheck policy.bpf
  bpfcheck --each --json policies/*.bpf
  bpfcheck --print asm policy.bpf      convert to another format
  bpfcheck --live policy.bpf           ask the running kernel too

Exit status: 0 accepted, 1 rejected, 2 usage or input error, 3 with --live
when the running kernel's verdict differs from bpfcheck's, 5 when the live
kernel is unavailable or stalled (see --kernel-timeout).

Flags:
`

func main() {
	// --live re-executes this binary as the kernel oracle's helper.
	kernel.RunChildIfRequested()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
	in    cli.Input
	live  cli.Live
	probe bool
	mode  string
	all   bool
	json  bool
	each  bool
	print string
	ask   bool

	ctx    context.Context
	oracle kernel.Kernel
	differ bool
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := pflag.NewFlagSet("bpfcheck", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	o.in.AddFlags(fs)
	o.live.AddFlags(fs)
	fs.BoolVar(&o.probe, "probe-kernel", false, "only probe the live kernel: say in one line whether it is healthy, exit 0 if so and 5 if not")
	fs.StringVar(&o.mode, "mode", "seccomp", "rule set: seccomp or socket")
	fs.BoolVar(&o.all, "all", false, "list every violation, not only the one the kernel stops at")
	fs.BoolVar(&o.json, "json", false, "print JSON (one object; one line per file with --each)")
	fs.BoolVar(&o.each, "each", false, "check every file on its own instead of as a stack")
	fs.BoolVar(&o.ask, "live", false, "also install the program in the running kernel (without attaching it) and compare")
	fs.StringVar(&o.print, "print", "", "write the program in `FORMAT` (raw, asm, c, ddd, comma) to stdout instead of checking it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return cli.ExitOK
		}
		fmt.Fprintf(stderr, "bpfcheck: %v\n", err)
		return cli.ExitUsage
	}
	ctx, stop, err := o.live.Start(fs)
	if err != nil {
		fmt.Fprintf(stderr, "bpfcheck: %v\n", err)
		return cli.ExitUsage
	}
	defer stop()
	o.ctx = ctx
	code, err := check(&o, fs.Args(), stdin, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "bpfcheck: %v\n", err)
		return cli.ExitCode(err)
	}
	return code
}

// probeKernel says whether the live kernel is healthy: Open's probe, one
// verdict with a short deadline.
func probeKernel(o *options, stdout io.Writer) (int, error) {
	start := time.Now()
	if _, err := o.live.Kernel(o.ctx); err != nil {
		return 0, err
	}
	fmt.Fprintf(stdout, "kernel: healthy: the probe answered in %v\n", time.Since(start).Round(time.Millisecond))
	return cli.ExitOK, nil
}

func check(o *options, files []string, stdin io.Reader, stdout io.Writer) (code int, err error) {
	var mode verifier.Mode
	switch o.mode {
	case "seccomp":
		mode = verifier.Seccomp
	case "socket":
		mode = verifier.Socket
	default:
		return 0, cli.Usagef("--mode %q: want seccomp or socket", o.mode)
	}
	if o.probe {
		return probeKernel(o, stdout)
	}
	if o.print != "" {
		return printProgram(o, files, stdin, stdout)
	}
	if o.in.Pid != 0 {
		o.each = false // the filters of one thread are one stack
	}
	if o.ask {
		oracle, err := o.live.Kernel(o.ctx)
		if err != nil {
			return 0, fmt.Errorf("--live: %w", err)
		}
		o.oracle = oracle
		defer func() {
			if o.differ && err == nil {
				code = cli.ExitDiffers
			}
		}()
	}
	if o.each {
		if len(files) == 0 {
			return 0, cli.Usagef("no policy file given (try --help)")
		}
		worst := cli.ExitOK
		for _, f := range files {
			p, err := o.in.Load(f, stdin)
			if err != nil {
				return 0, err
			}
			r := verify(mode, []string{f}, []program.Program{p}, o.all)
			if err := o.askKernel(mode, r); err != nil {
				return 0, err
			}
			if err := report(o, r, stdout); err != nil {
				return 0, err
			}
			if !r.Accepted {
				worst = cli.ExitRejected
			}
		}
		return worst, nil
	}
	if mode == verifier.Socket && len(files) > 1 {
		return 0, cli.Usagef("a socket holds one filter: give one file, or --each")
	}
	files, progs, err := o.in.Policies(o.ctx, &o.live, files, stdin)
	if err != nil {
		return 0, err
	}
	r := verify(mode, files, progs, o.all)
	if err := o.askKernel(mode, r); err != nil {
		return 0, err
	}
	if err := report(o, r, stdout); err != nil {
		return 0, err
	}
	if !r.Accepted {
		return cli.ExitRejected, nil
	}
	return cli.ExitOK, nil
}

func printProgram(o *options, files []string, stdin io.Reader, stdout io.Writer) (int, error) {
	f, err := program.ParseFormat(o.print)
	if err != nil || f == program.FormatAuto {
		return 0, cli.Usagef("--print %q: want raw, asm, c, ddd or comma", o.print)
	}
	names, progs, err := o.in.Policies(o.ctx, &o.live, files, stdin)
	if err != nil {
		return 0, err
	}
	if len(progs) != 1 {
		return 0, cli.Usagef("--print converts one program, got %d", len(progs))
	}
	p := progs[0]
	files = names
	out, err := program.Encode(p, f, o.in.BigEndian)
	if err != nil {
		return 0, &cli.UsageError{Msg: fmt.Sprintf("%s: %v", files[0], err)}
	}
	if _, err := stdout.Write(out); err != nil {
		return 0, err
	}
	return cli.ExitOK, nil
}

// result is what bpfcheck reports for one program or one stack. Its JSON
// field names are stable.
type result struct {
	Files        []string    `json:"files"`
	Mode         string      `json:"mode"`
	Accepted     bool        `json:"accepted"`
	Errno        string      `json:"errno"`
	PC           int         `json:"pc"`
	Rule         string      `json:"rule"`
	Reason       string      `json:"reason"`
	FailedIndex  int         `json:"failed_index"`
	Instructions []int       `json:"instructions"`
	PathLength   int         `json:"path_length,omitempty"`
	Violations   []violation `json:"violations,omitempty"`
	Kernel       *kernelView `json:"kernel,omitempty"`

	progs []program.Program
}

// kernelView is the running kernel's verdict, beside ours, with --live.
type kernelView struct {
	Accepted    bool   `json:"accepted"`
	Errno       string `json:"errno"`
	FailedIndex int    `json:"failed_index"`
	// Denied: an earlier filter of the stack answered the seccomp(2) call
	// that installs a later one (see kernel.Verdict).
	Denied bool   `json:"denied,omitempty"`
	Reason string `json:"reason,omitempty"`
	Agrees bool   `json:"agrees"`
}

// askKernel adds the running kernel's verdict to r and notes a difference.
func (o *options) askKernel(mode verifier.Mode, r *result) error {
	if !o.ask {
		return nil
	}
	var v kernel.Verdict
	var err error
	if mode == verifier.Socket {
		v, err = o.oracle.SocketVerdict(o.ctx, r.progs[0])
	} else {
		v, err = o.oracle.Verdict(o.ctx, r.progs)
	}
	if err != nil {
		return fmt.Errorf("--live: %w", err)
	}
	k := &kernelView{Accepted: v.Accepted, FailedIndex: v.FailedIndex, Denied: v.Denied, Reason: v.Reason}
	if !v.Accepted {
		k.Errno = v.Errno.String()
	}
	k.Agrees = k.Accepted == r.Accepted && k.Errno == r.Errno && k.FailedIndex == r.FailedIndex
	if !k.Agrees {
		o.differ = true
	}
	r.Kernel = k
	return nil
}

type violation struct {
	Filter int    `json:"filter"`
	PC     int    `json:"pc"`
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Errno  string `json:"errno"`
}

func toViolation(e *verifier.Error) violation {
	return violation{Filter: e.Filter, PC: e.PC, Rule: e.Rule.String(), Reason: e.Reason, Errno: e.Errno.String()}
}

func verify(mode verifier.Mode, files []string, progs []program.Program, all bool) *result {
	r := &result{Files: files, Mode: mode.String(), PC: -1, FailedIndex: -1, progs: progs}
	for _, p := range progs {
		r.Instructions = append(r.Instructions, len(p))
	}
	var err error
	if mode == verifier.Seccomp {
		err = verifier.CheckStack(progs)
		r.PathLength = verifier.StackLen(progs)
	} else {
		err = verifier.Check(progs[0], mode)
	}
	r.Accepted = err == nil
	var verr *verifier.Error
	if errors.As(err, &verr) {
		r.Errno = verr.Errno.String()
		r.PC = verr.PC
		r.Rule = verr.Rule.String()
		r.Reason = verr.Reason
		r.FailedIndex = verr.Filter
	} else if err != nil {
		r.Reason = err.Error()
	}
	if all {
		for i, p := range progs {
			for _, e := range verifier.CheckAll(p, mode) {
				e.Filter = i
				r.Violations = append(r.Violations, toViolation(e))
			}
		}
		if verr != nil && verr.Rule == verifier.RuleStackSize {
			r.Violations = append(r.Violations, toViolation(verr))
		}
	}
	return r
}

func report(o *options, r *result, w io.Writer) error {
	if err := reportVerdict(o, r, w); err != nil || o.json || r.Kernel == nil {
		return err
	}
	k := r.Kernel
	verdict := "accepted"
	if !k.Accepted {
		verdict = "rejected with " + k.Errno
		if len(r.Files) > 1 {
			verdict += fmt.Sprintf(" at filter %d", k.FailedIndex)
		}
		if k.Denied {
			verdict += " (" + k.Reason + ")"
		}
	}
	agree := "agrees"
	if !k.Agrees {
		agree = "DIFFERS from bpfcheck"
	}
	_, err := fmt.Fprintf(w, "    kernel: %s; %s\n", verdict, agree)
	return err
}

func reportVerdict(o *options, r *result, w io.Writer) error {
	if o.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	name := strings.Join(r.Files, " + ")
	if len(r.Files) > 1 {
		name = fmt.Sprintf("stack of %d filters (%s)", len(r.Files), name)
	}
	if r.Accepted {
		extra := ""
		if r.PathLength > 0 {
			extra = fmt.Sprintf(", path length %d of %d", r.PathLength, verifier.MaxInsnsPerPath)
		}
		_, err := fmt.Fprintf(w, "%s: accepted (%s instructions%s)\n", name, joinInts(r.Instructions), extra)
		return err
	}
	where := ""
	if len(r.Files) > 1 {
		where = fmt.Sprintf("filter %d (%s): ", r.FailedIndex, r.Files[r.FailedIndex])
	}
	if r.PC >= 0 {
		where += fmt.Sprintf("pc %d: ", r.PC)
	}
	fmt.Fprintf(w, "%s: rejected with %s: %s%s\n", name, r.Errno, where, r.Reason)
	if r.PC >= 0 && r.FailedIndex >= 0 {
		fmt.Fprintf(w, "    %4d: %s\n", r.PC, insnText(r.progs[r.FailedIndex], r.PC))
	}
	for _, v := range r.Violations {
		loc := ""
		if len(r.Files) > 1 {
			loc = fmt.Sprintf("filter %d ", v.Filter)
		}
		if v.PC >= 0 {
			loc += fmt.Sprintf("pc %d", v.PC)
		}
		fmt.Fprintf(w, "  - %s: %s (%s, %s)\n", strings.TrimSpace(loc), v.Reason, v.Rule, v.Errno)
	}
	return nil
}

// insnText renders one instruction for a report: bpf_asm text where it has
// one, else the raw fields.
func insnText(p program.Program, pc int) string {
	if pc < 0 || pc >= len(p) {
		return ""
	}
	ins := p[pc]
	return fmt.Sprintf("%s\t; { 0x%02x, %d, %d, 0x%08x }", program.InstructionText(p, pc), ins.Op, ins.Jt, ins.Jf, ins.K)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, "+")
}
