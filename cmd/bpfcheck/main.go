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

	"github.com/bpfsim/bpfsim/audit"
	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
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
  bpfcheck --audit policy.bpf [--json] [--fail-on medium] [--sarif out.sarif]
                                       review the policy for weaknesses

--audit reads the policy's decision table and reports findings by rule
(no-arch-check, x32-allowed, default-allow, sibling-gap, enosys-missing,
needs-handler, probe-bypass, unreachable, near-limit), each with a severity
(info, low, medium, high) and, where one exists, a witness input in the
bpfsim --input form.

Exit status: 0 accepted (with --audit: and no finding at or above
--fail-on), 1 rejected (with --audit: or a finding at or above --fail-on),
2 usage error, 3 with --live when
the running kernel's verdict differs from bpfcheck's, 4 input error (an
unreadable or malformed policy), 5 when the live kernel is unavailable or
stalled (see --kernel-timeout).

Flags:
`

func main() { cli.Main(run) }

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
	audit cli.Audit
}

// checker is one run's state: the flags, the context and the kernel.
type checker struct {
	o    *options
	mode verifier.Mode
	ctx  context.Context
	// kernels are the live kernels asked (--live): one, or each of
	// --kernel all's.
	kernels []cli.Named
	differ  bool
}

// run is the command; open, when not nil, replaces kernel.Open.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, open cli.OpenFunc) int {
	o := options{live: cli.Live{Open: open}}
	o.in.Hint = func(msg string) { fmt.Fprintf(stderr, "bpfcheck: hint: %s\n", msg) }
	define := func(fs *pflag.FlagSet) {
		o.in.AddFlags(fs)
		o.audit.AddFlags(fs)
		fs.BoolVar(&o.probe, "probe-kernel", false, "only probe the live kernel: say in one line whether it is healthy, exit 0 if so and 5 if not")
		fs.StringVar(&o.mode, "mode", "seccomp", "rule set: seccomp or socket")
		fs.BoolVar(&o.all, "all", false, "list every violation, not only the one the kernel stops at")
		fs.BoolVar(&o.json, "json", false, "print JSON (one object; one line per file with --each)")
		fs.BoolVar(&o.each, "each", false, "check every file on its own instead of as a stack")
		fs.BoolVar(&o.ask, "live", false, "also install the program in the running kernel (without attaching it) and compare")
		fs.StringVar(&o.print, "print", "", "write the program in `FORMAT` (raw, raw-be, asm, c, ddd, comma) to stdout instead of checking it; asm comments name what a seccomp filter reads, compares and returns")
	}
	return cli.Run("bpfcheck", usage, args, stdout, stderr, &o.live, define, func(ctx context.Context, files []string) (int, error) {
		return check(ctx, &o, files, stdin, stdout, stderr)
	})
}

// probeKernel says whether the live kernel is healthy: Open's probe, one
// verdict with a short deadline.
func probeKernel(ctx context.Context, o *options, stdout io.Writer) (int, error) {
	start := time.Now()
	ks, err := o.live.Kernels(ctx)
	if err != nil {
		return 0, err
	}
	for _, k := range ks {
		fmt.Fprintf(stdout, "%s: healthy: the probe answered in %v\n", kernelLabel(o, k), time.Since(start).Round(time.Millisecond))
	}
	return cli.ExitOK, nil
}

func check(ctx context.Context, o *options, files []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	c := &checker{o: o, ctx: ctx}
	switch o.mode {
	case "seccomp":
		c.mode = verifier.Seccomp
	case "socket":
		c.mode = verifier.Socket
	default:
		return 0, cli.Usagef("--mode %q: want seccomp or socket", o.mode)
	}
	switch {
	case o.probe:
		return probeKernel(ctx, o, stdout)
	case o.print != "":
		return printProgram(ctx, o, c.mode, files, stdin, stdout, stderr)
	case o.audit.On:
		return auditPolicy(ctx, o, c.mode, files, stdin, stdout)
	}
	if o.audit.SARIF != "" || o.audit.Kernel != "" || o.audit.FailOn != "high" {
		return 0, cli.Usagef("--fail-on, --sarif and --kernel-version go with --audit")
	}
	if o.ask {
		ks, err := o.live.Kernels(ctx)
		if err != nil {
			return 0, fmt.Errorf("--live: %w", err)
		}
		c.kernels = ks
	}
	// The units to judge: every file on its own with --each, else the
	// files (or the thread's filters) as one stack.
	var units [][]string
	switch {
	case o.each && o.in.Pid == 0:
		if len(files) == 0 {
			return 0, cli.Usagef("no policy file given (try --help)")
		}
		for _, f := range files {
			units = append(units, []string{f})
		}
	case c.mode == verifier.Socket && len(files) > 1:
		return 0, cli.Usagef("a socket holds one filter: give one file, or --each")
	default:
		units = [][]string{files}
	}
	code := cli.ExitOK
	progress := cli.NewProgress(stderr, int64(len(units)), "checking", false)
	if len(units) < 2 {
		progress = &cli.Progress{}
	}
	defer progress.Done()
	for _, u := range units {
		progress.Add(1)
		names, srcs, err := o.in.Sources(ctx, &o.live, u, stdin)
		var inErr *cli.InputError
		if err != nil && len(units) > 1 && errors.As(err, &inErr) {
			// --each goes on past a file it cannot read: a record
			// of its own, with no verdict, and the worst status.
			if err := reportInputError(o, u, err, stdout, stderr); err != nil {
				return 0, err
			}
			code = cli.Worst(code, cli.ExitInput)
			continue
		}
		if err != nil {
			return 0, err
		}
		progs := make([]program.Program, len(srcs))
		for i := range srcs {
			progs[i] = srcs[i].Program
		}
		r := c.verify(names, progs)
		r.locate(srcs)
		if err := c.askKernel(r); err != nil {
			return 0, err
		}
		if err := report(o, r, stdout); err != nil {
			return 0, err
		}
		if !r.Accepted {
			code = cli.Worst(code, cli.ExitRejected)
		}
	}
	if c.differ {
		code = cli.Worst(code, cli.ExitDiffers)
	}
	return code, nil
}

// inputErrorRecord is --each's record of a file it could not read: no
// verdict, so no "accepted".
type inputErrorRecord struct {
	Files      []string `json:"files"`
	InputError string   `json:"input_error"`
}

func reportInputError(o *options, files []string, err error, stdout, stderr io.Writer) error {
	if !o.json {
		_, werr := fmt.Fprintf(stderr, "bpfcheck: %v\n", err)
		return werr
	}
	b, merr := json.Marshal(inputErrorRecord{Files: files, InputError: err.Error()})
	if merr != nil {
		return merr
	}
	_, werr := fmt.Fprintf(stdout, "%s\n", b)
	return werr
}

func printProgram(ctx context.Context, o *options, mode verifier.Mode, files []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	// --big-endian says how to read the input; the output's byte order is
	// the format's own: raw is little-endian, raw-be big-endian.
	format, bigEndian := o.print, false
	if format == "raw-be" {
		format, bigEndian = "raw", true
	}
	f, err := program.ParseFormat(format)
	if err != nil || f == program.FormatAuto {
		return 0, cli.Usagef("--print %q: want raw, raw-be, asm, c, ddd or comma", o.print)
	}
	names, srcs, err := o.in.Sources(ctx, &o.live, files, stdin)
	if err != nil {
		return 0, err
	}
	if len(srcs) != 1 {
		return 0, cli.Usagef("--print converts one program, got %d", len(srcs))
	}
	p := srcs[0].Program
	var out []byte
	if f == program.FormatAsm && mode == verifier.Seccomp {
		// Comments say what each instruction reads, compares and
		// returns; a socket filter's loads read a packet, so it gets
		// none.
		var opt program.AnnotateOptions
		if srcs[0].ArchSource == program.ArchGiven {
			opt.Arch = srcs[0].Arch
		}
		var text string
		text, err = program.DisassembleAnnotated(p, opt)
		out = []byte(text)
	} else {
		out, err = program.Encode(p, f, bigEndian)
	}
	if err != nil {
		return 0, cli.Inputf("%s: %v", names[0], err)
	}
	if f == program.FormatAsm {
		if pcs := program.IgnoredBits(p); pcs != nil {
			fmt.Fprintf(stderr, "bpfcheck: warning: %s: %d instruction(s) (first at pc %d) carry bits the kernel ignores (jt/jf, or k where the form takes none); bpf_asm cannot keep them (the comments name them; --print raw keeps them)\n",
				names[0], len(pcs), pcs[0])
		}
	}
	if _, err := stdout.Write(out); err != nil {
		return 0, err
	}
	return cli.ExitOK, nil
}

// auditPolicy reviews the files as one stack (audit.Audit) and prints the
// findings; exit 1 when one is at or above --fail-on.
func auditPolicy(ctx context.Context, o *options, mode verifier.Mode, files []string, stdin io.Reader, stdout io.Writer) (int, error) {
	switch {
	case mode != verifier.Seccomp:
		return 0, cli.Usagef("--audit reviews seccomp filters, not --mode %s", mode)
	case o.each || o.all || o.ask:
		return 0, cli.Usagef("--audit reviews one policy (a stack): it takes no --each, --all or --live")
	}
	failOn, err := o.audit.FailOnSeverity()
	if err != nil {
		return 0, err
	}
	kv, err := o.audit.KernelView()
	if err != nil {
		return 0, err
	}
	names, srcs, err := o.in.Sources(ctx, &o.live, files, stdin)
	if err != nil {
		return 0, err
	}
	progs := make([]program.Program, len(srcs))
	lines := make([][]int, len(srcs))
	for i, s := range srcs {
		progs[i], lines[i] = s.Program, s.Lines
	}
	stack, err := cli.CompileStack(names, progs)
	if err != nil {
		return 0, err
	}
	r, err := audit.Audit(stack, audit.Options{Names: names, Lines: lines, Kernel: kv})
	if err != nil {
		return 0, err
	}
	if o.audit.SARIF != "" {
		b, err := r.SARIF()
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(o.audit.SARIF, append(b, '\n'), 0o644); err != nil {
			return 0, fmt.Errorf("--sarif: %v", err)
		}
	}
	if o.json {
		b, err := r.JSON(failOn)
		if err != nil {
			return 0, err
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
			return 0, err
		}
	} else {
		text := r.Text()
		if failOn != nil {
			if n := r.AtLeast(*failOn); n > 0 {
				text += fmt.Sprintf("fail: %d finding(s) at or above %s (--fail-on)\n", n, *failOn)
			}
		}
		if _, err := io.WriteString(stdout, text); err != nil {
			return 0, err
		}
	}
	if failOn != nil && r.AtLeast(*failOn) > 0 {
		return cli.ExitRejected, nil
	}
	return cli.ExitOK, nil
}

// result is what bpfcheck reports for one program or one stack (README,
// "JSON output").
type result struct {
	Files        []string `json:"files"`
	Mode         string   `json:"mode"`
	Instructions []int    `json:"instructions"`
	PathLength   int      `json:"path_length,omitempty"`
	verdict
	Violations []violation `json:"violations,omitempty"`
	// Kernel is the live kernel's verdict (--live); Kernels, under
	// --kernel all, each kernel's, by name.
	Kernel  *kernelVerdict            `json:"kernel,omitempty"`
	Kernels map[string]*kernelVerdict `json:"kernels,omitempty"`
	// asked are the kernels' verdicts in the order of --kernel all.
	asked []*kernelVerdict

	progs []program.Program
	errno seccompdata.Errno
}

// verdict is an answer to "would the kernel install this?", from the
// verifier or from the kernel, in the same shape.
type verdict struct {
	Accepted bool `json:"accepted"`
	// Errno names the error seccomp(2) or setsockopt(2) returns; "" when
	// accepted.
	Errno string `json:"errno"`
	// Error says where and why, when rejected.
	Error *rejection `json:"error,omitempty"`
}

// rejection is where and why a program was rejected.
type rejection struct {
	// Filter is the install index of the filter rejected (0 for one file).
	Filter int `json:"filter"`
	// PC is the offending instruction; absent when the rule concerns the
	// whole program, and from the kernel, which does not say.
	PC *int `json:"pc,omitempty"`
	// Line is the line of a text policy the instruction PC is on.
	Line int `json:"line,omitempty"`
	// Rule names the verifier's rule (absent from the kernel).
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason"`
	// Denied: the kernel did not judge the filter; an earlier filter of
	// the stack answered the seccomp(2) call that installs it.
	Denied bool `json:"denied,omitempty"`
}

// kernelVerdict is a live kernel's verdict, beside ours, with --live.
type kernelVerdict struct {
	// name labels the kernel in the text report; Release is its uname -r
	// (absent when unknown).
	name    string
	Release string `json:"release,omitempty"`
	verdict
	Agrees bool     `json:"agrees"`
	Diffs  []string `json:"diffs,omitempty"`
}

type violation struct {
	Filter int    `json:"filter"`
	PC     *int   `json:"pc,omitempty"`
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Errno  string `json:"errno"`
}

func pcOf(pc int) *int {
	if pc < 0 {
		return nil
	}
	return &pc
}

// askKernel adds each live kernel's verdict to r and notes a difference.
func (c *checker) askKernel(r *result) error {
	for _, k := range c.kernels {
		kv, err := c.askOne(k, r)
		if err != nil {
			if c.o.live.All() {
				return fmt.Errorf("--live: kernel %s: %w", k.Name, err)
			}
			return fmt.Errorf("--live: %w", err)
		}
		r.asked = append(r.asked, kv)
	}
	switch {
	case len(r.asked) == 0:
	case !c.o.live.All():
		r.Kernel = r.asked[0]
	default:
		r.Kernels = make(map[string]*kernelVerdict, len(r.asked))
		for i, kv := range r.asked {
			r.Kernels[c.kernels[i].Name] = kv
		}
	}
	return nil
}

// askOne is kernel k's verdict on r's programs, compared with ours.
func (c *checker) askOne(k cli.Named, r *result) (*kernelVerdict, error) {
	var v kernel.Verdict
	var err error
	if c.mode == verifier.Socket {
		v, err = k.SocketVerdict(c.ctx, r.progs[0])
	} else {
		v, err = k.Verdict(c.ctx, r.progs)
	}
	if err != nil {
		return nil, err
	}
	kv := &kernelVerdict{name: kernelLabel(c.o, k), Release: k.Release, verdict: verdict{Accepted: v.Accepted}}
	if !v.Accepted {
		kv.Errno = v.Errno.String()
		kv.Error = &rejection{Filter: v.FailedIndex, Reason: v.Reason, Denied: v.Denied}
		if kv.Error.Reason == "" {
			kv.Error.Reason = "seccomp(2) failed with " + kv.Errno
		}
	}
	ours := kernel.Verdict{Accepted: r.Accepted, FailedIndex: -1}
	if r.Error != nil {
		ours.FailedIndex = r.Error.Filter
		ours.Errno = r.errno
	}
	kv.Diffs = live.CompareVerdicts(ours, v)
	kv.Agrees = len(kv.Diffs) == 0
	c.differ = c.differ || !kv.Agrees
	return kv, nil
}

// kernelLabel names k in the text report: "kernel", or under --kernel
// all "kernel 6.1 (6.1.0-50-amd64)".
func kernelLabel(o *options, k cli.Named) string {
	if !o.live.All() {
		return "kernel"
	}
	if k.Release == "" {
		return "kernel " + k.Name
	}
	return "kernel " + k.Name + " (" + k.Release + ")"
}

// locate adds the line of a text policy to the rejection.
func (r *result) locate(srcs []program.Source) {
	if e := r.Error; e != nil && e.PC != nil && e.Filter < len(srcs) {
		if lines := srcs[e.Filter].Lines; *e.PC < len(lines) {
			e.Line = lines[*e.PC]
		}
	}
}

func (c *checker) verify(files []string, progs []program.Program) *result {
	r := &result{Files: files, Mode: c.mode.String(), Instructions: make([]int, len(progs)), progs: progs}
	for i, p := range progs {
		r.Instructions[i] = len(p)
	}
	var err error
	if c.mode == verifier.Seccomp {
		err = verifier.CheckStack(progs)
		r.PathLength = verifier.StackLen(progs)
	} else {
		err = verifier.Check(progs[0], c.mode)
	}
	r.Accepted = err == nil
	var verr *verifier.Error
	switch {
	case errors.As(err, &verr):
		r.errno, r.Errno = verr.Errno, verr.Errno.String()
		r.Error = &rejection{Filter: verr.Filter, PC: pcOf(verr.PC), Rule: verr.Rule.String(), Reason: verr.Reason}
	case err != nil:
		r.Error = &rejection{Reason: err.Error()}
	}
	if c.o.all {
		for i, p := range progs {
			for _, e := range verifier.CheckAll(p, c.mode) {
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

func toViolation(e *verifier.Error) violation {
	return violation{Filter: e.Filter, PC: pcOf(e.PC), Rule: e.Rule.String(), Reason: e.Reason, Errno: e.Errno.String()}
}

func report(o *options, r *result, w io.Writer) error {
	if err := reportVerdict(o, r, w); err != nil || o.json {
		return err
	}
	for _, k := range r.asked {
		if err := reportKernel(r, k, w); err != nil {
			return err
		}
	}
	return nil
}

// reportKernel prints one kernel's verdict under ours.
func reportKernel(r *result, k *kernelVerdict, w io.Writer) error {
	verdict := "accepted"
	if !k.Accepted {
		verdict = "rejected with " + k.Errno
		if len(r.Files) > 1 {
			verdict += fmt.Sprintf(" at filter %d", k.Error.Filter)
		}
		if k.Error.Denied {
			verdict += " (" + k.Error.Reason + ")"
		}
	}
	agree := "agrees"
	if !k.Agrees {
		agree = "DIFFERS from bpfcheck: " + strings.Join(k.Diffs, "; ")
	}
	_, err := fmt.Fprintf(w, "    %s: %s; %s\n", k.name, verdict, agree)
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
			// seccomp_attach_filter: the stack's eBPF instructions plus 4
			// for each filter, at most MAX_INSNS_PER_PATH.
			extra = fmt.Sprintf(", path length %d of the kernel's %d", r.PathLength, verifier.MaxInsnsPerPath)
		}
		_, err := fmt.Fprintf(w, "%s: accepted (%s%s)\n", name, instructions(r.Instructions), extra)
		return err
	}
	e := r.Error
	where := ""
	if len(r.Files) > 1 {
		where = fmt.Sprintf("filter %d (%s): ", e.Filter, r.Files[e.Filter])
	}
	if e.Line > 0 {
		where += fmt.Sprintf("line %d: ", e.Line)
	}
	if e.PC != nil {
		where += fmt.Sprintf("pc %d: ", *e.PC)
	}
	fmt.Fprintf(w, "%s: rejected with %s: %s%s\n", name, r.Errno, where, e.Reason)
	if e.PC != nil {
		fmt.Fprintf(w, "    %4d: %s\n", *e.PC, insnText(r.progs[e.Filter], *e.PC))
	}
	for _, v := range r.Violations {
		loc := ""
		if len(r.Files) > 1 {
			loc = fmt.Sprintf("filter %d ", v.Filter)
		}
		if v.PC != nil {
			loc += fmt.Sprintf("pc %d", *v.PC)
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
	raw := fmt.Sprintf("{ 0x%02x, %d, %d, 0x%08x }", ins.Op, ins.Jt, ins.Jf, ins.K)
	text := program.InstructionText(p, pc)
	if strings.HasPrefix(text, "{") {
		return raw // no bpf_asm text for it
	}
	return text + "\t; " + raw
}

// instructions is "1 instruction", "27 instructions" or "3+1 instructions".
func instructions(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	if len(v) == 1 && v[0] == 1 {
		return "1 instruction"
	}
	return strings.Join(s, "+") + " instructions"
}
