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

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/internal/expect"
	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

const usage = `usage: bpfsim [flags] POLICY... (--syscall NAME|NR | --input FILE | --explain)
       bpfsim [flags] --diff OLD NEW

Runs the seccomp filter POLICY on one syscall, or on a batch of them, as the
kernel would, and prints the action. Several files are a stack of filters in
install order (the first file is installed first); the kernel runs them all
and the most restrictive action wins.

  bpfsim policy.bpf --syscall openat
  bpfsim policy.bpf --syscall clone --arg0 0x10000 --trace
  bpfsim policy.bpf --input calls.jsonl --json
  bpfsim policy.bpf --syscall getppid --live --outcome
  bpfsim --pid 4242 --syscall openat      the filters a running thread has
  bpfsim --explain policy.bpf [--json]    the whole policy's decision table
  bpfsim --diff old.bpf new.bpf [--json]  what changed between two policies
  bpfsim --explain --oci policy.bpf       the same as an OCI/Docker seccomp profile
  bpfsim --dot policy.bpf                 the control-flow graph (--svg drawn,
                                          --html FILE with the table)

--explain prints the decision table of the policy (or of the stack): for
every arch it tells apart and every syscall number, the exact return value,
or the argument conditions that split it, or where conditions cannot express
it the residual programs and why; and per row whether an x86_64 kernel's
action cache serves it and whether it bypasses seccomp, for the kernel
version --kernel-version names (default: the running kernel's). With --json
it prints the table as one JSON object (README, "Decision tables"). With
--oci it writes the table as an OCI/Docker seccomp profile (defaultAction,
architectures, syscalls with names, action, errnoRet and args) where every
row can be expressed as one; otherwise it prints nothing on stdout, lists the
rows that cannot be on stderr and exits 1.

--diff compares two policies on every input: OLD and NEW are each a filter,
a decision table, or a stack given as its files joined by commas
(a.bpf,b.bpf). It prints, per arch, syscall numbers and argument region,
each change classed as loosened (the new action is less restrictive by the
kernel's precedence), tightened or changed (same action, other data), with
a witness --input line and both return values, checked by the vm. Exit 0
when equivalent, 1 when they differ (--fail-on loosened: only for a
loosened change, or a residual region it could not decide).

--input reads JSON lines such as
  {"arch": "x86_64", "nr": 257, "args": [4294967196, 140737488346112, 0], "ip": 4198400}
where arch is a name or an AUDIT_ARCH number, nr the number the filter sees
(or a syscall name), args at most six unsigned 64-bit numbers. Args and ip
may also be negative (-100 is 0xffffff9c on a 32-bit arch, sign-extended on
a 64-bit one) or symbolic constants of the call's arch, ORed with |
("AT_FDCWD", "CLONE_NEWUSER|CLONE_NEWNS"), here and in --arg0..5 and --ip.

--expect FILE checks the policy against the cases FILE lists, each a
syscall with its arch, args and ip, and the action it must get (ALLOW,
ERRNO(EPERM), ERRNO(*), KILL_PROCESS, or an exact value such as
0x00050001), optionally with the outcome. It prints a diff per failing case
and exits 1 if any fails; --update writes what the policy does now into the
failing cases instead; --junit writes a JUnit report; --json one report
object; --live asks the kernel too (README, "bpfsim in CI: expectations").

--live also runs each filter in the running kernel on the same inputs (one
kernel run per filter for the whole batch) and prints its return value
beside ours; --outcome then also makes the call for real under the
unmodified stack where that is safe (x86_64 only, and only when the kernel
skips the syscall or the syscall is harmless) and compares what happens.
--kernel NAME asks a kernel fetched by make kernels (5.10, 6.1, 6.12) or
an image PATH instead, booted in a QEMU guest; --kernel all asks every
fetched kernel and prints one answer per kernel (JSON: "kernels", by
name).

Which syscalls bypass seccomp depends on the release (uretprobe from 6.14
and 6.12.14, uprobe from 6.18): bpfsim answers for --kernel-version, else
for the one kernel --live asks, else for the newest release it knows.

Exit status: 0 ran (and every expectation held, or the two policies of
--diff are equivalent), 1 the kernel would reject a filter or the stack
(the verifier's reason follows; bpfcheck says more), an expectation
failed, --diff found a difference, or with --oci some rows cannot be
expressed as a profile, 2 usage error, 3 with
--live when the kernel's answer differs from bpfsim's, 4 input error (an
unreadable or malformed policy, a bad --input line, a syscall value its
arch cannot have), 5 when the live kernel is unavailable or stalled (see
--kernel-timeout).

Flags:
`

func main() { cli.Main(run) }

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
	explain bool
	oci     bool
	kver    string
	diff    bool
	failOn  string
	expect  string
	update  bool
	junit   string
	dot     bool // --dot, --svg, --html: pictures (draw.go)
	svg     bool
	html    string
	flags   *pflag.FlagSet // to tell the flags given
}

// run is the command; open, when not nil, replaces kernel.Open.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, open cli.OpenFunc) int {
	o := options{kernel: cli.Live{Open: open}}
	o.in.Hint = func(msg string) { fmt.Fprintf(stderr, "bpfsim: hint: %s\n", msg) }
	define := func(fs *pflag.FlagSet) {
		o.flags = fs
		o.in.AddFlags(fs)
		fs.StringVarP(&o.syscall, "syscall", "s", "", "syscall `NAME` or number, as the filter sees it")
		fs.StringVar(&o.arch, "arch", "x86_64", "arch name or AUDIT_ARCH number")
		fs.StringSliceVar(&o.args, "args", nil, "syscall arguments, comma separated (at most 6)")
		for i := range o.argN {
			fs.StringVar(&o.argN[i], fmt.Sprintf("arg%d", i), "", fmt.Sprintf("argument %d: a number (negative as the arch's C long holds it) or constants such as O_RDONLY|O_CLOEXEC", i))
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
		fs.BoolVar(&o.explain, "explain", false, "print the policy's decision table instead of running it on syscalls")
		fs.BoolVar(&o.diff, "diff", false, "compare two policies, OLD NEW (each a filter, a stack a.bpf,b.bpf, or a table): what changed, per arch, syscall and argument region")
		fs.StringVar(&o.failOn, "fail-on", "any", "with --diff, exit 1 for `CLASS` of change: any, or loosened")
		fs.BoolVar(&o.oci, "oci", false, "with --explain, write the table as an OCI/Docker seccomp profile (JSON) where every row can be one")
		fs.StringVar(&o.expect, "expect", "", "check the cases of the expectations `FILE` (YAML or JSON) and report failures")
		fs.BoolVar(&o.update, "update", false, "with --expect, write what the policy does now into FILE's failing cases")
		fs.StringVar(&o.junit, "junit", "", "with --expect, also write a JUnit XML report to `FILE`")
		fs.StringVar(&o.kver, "kernel-version", "", "the Linux `VERSION` (6.18, 6.12.117) to answer for: with --syscall or --input, which syscalls bypass seccomp there (default: the kernel --live asks, else the newest bpfsim knows, "+seccompdata.NewestKnownKernel().String()+"); with --explain or --html, the kernel view (default: the running kernel's)")
		fs.BoolVar(&o.dot, "dot", false, "print the policy's control-flow graph with each path's verdict, in DOT")
		fs.BoolVar(&o.svg, "svg", false, "print that graph drawn as SVG (no system graphviz needed)")
		fs.StringVar(&o.html, "html", "", "write one self-contained page, the decision table and the graph, to `FILE`")
	}
	return cli.Run("bpfsim", usage, args, stdout, stderr, &o.kernel, define, func(ctx context.Context, files []string) (int, error) {
		o.ctx = ctx
		if o.dot || o.svg || o.html != "" {
			return cli.ExitOK, draw(&o, files, stdin, stdout)
		}
		if o.diff {
			return diff(&o, files, stdin, stdout)
		}
		if o.failOn != "any" {
			return cli.ExitOK, cli.Usagef("--fail-on goes with --diff")
		}
		if o.explain {
			return explain(&o, files, stdin, stdout, stderr)
		}
		if o.oci {
			return cli.ExitOK, cli.Usagef("--oci goes with --explain")
		}
		if o.expect != "" {
			return expectations(&o, files, stdin, stdout)
		}
		if o.update || o.junit != "" {
			return 0, cli.Usagef("--update and --junit go with --expect")
		}
		return simulate(&o, files, stdin, stdout, stderr)
	})
}

func simulate(o *options, files []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if (o.syscall == "") == (o.input == "") {
		return 0, cli.Usagef("give exactly one of --syscall and --input")
	}
	if o.outcome && !o.live {
		return 0, cli.Usagef("--outcome needs --live")
	}
	if o.input != "" {
		// A batch names its own args and ip, line by line.
		set := len(o.args) > 0 || o.ip != "0"
		for _, a := range o.argN {
			set = set || a != ""
		}
		if set {
			return 0, cli.Usagef("--args, --arg0..5 and --ip describe one --syscall; an --input line gives its own")
		}
	}
	arch, err := input.ParseArch(o.arch)
	if err != nil {
		return 0, cli.Usagef("--arch: %v", err)
	}
	files, srcs, err := o.in.Sources(o.ctx, &o.kernel, files, stdin)
	if err != nil {
		return 0, err
	}
	progs := make([]program.Program, len(srcs))
	labels := make([]map[int]string, len(srcs))
	for i, s := range srcs {
		progs[i], labels[i] = s.Program, s.Labels
	}
	var notes [][]string
	if o.trace {
		notes = make([][]string, len(srcs))
		for i, s := range srcs {
			var opt program.AnnotateOptions
			if s.ArchSource == program.ArchGiven {
				opt.Arch = s.Arch
			}
			notes[i] = program.Annotate(s.Program, opt)
		}
	}
	stack, err := cli.CompileStack(files, progs)
	if err != nil {
		return 0, err
	}
	// After the policies are read: with --live this may boot a guest, which
	// a typo in a file name should not wait for.
	v, err := o.answerVersion()
	if err != nil {
		return 0, err
	}
	bypass := vm.KernelOutcomeOptions(v)
	o.model.NoUretprobeBypass, o.model.NoUprobeBypass = bypass.NoUretprobeBypass, bypass.NoUprobeBypass
	sim := &simulator{o: o, files: files, progs: progs, labels: labels, notes: notes, stack: stack, w: bufio.NewWriter(stdout), stderr: stderr}
	defer sim.w.Flush()
	if o.input == "" {
		c, err := o.single(arch)
		if err != nil {
			return 0, err
		}
		return sim.chunk([]input.Entry{{Line: 1, Call: c}})
	}
	var r io.Reader = stdin
	name := "<stdin>"
	if o.input != "-" {
		f, err := os.Open(o.input)
		if err != nil {
			return 0, cli.Inputf("--input: %v", err)
		}
		defer f.Close()
		r, name = f, o.input
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			progress := cli.NewProgress(stderr, st.Size(), name, true)
			defer progress.Done()
			r = progress.Reader(f)
		}
	}
	// Stream: answer each chunk as it arrives, the kernel asked once a
	// chunk, memory bounded by the chunk.
	code := cli.ExitOK
	err = input.Stream(r, name, arch, chunkSize, func(entries []input.Entry) error {
		c, err := sim.chunk(entries)
		code = cli.Worst(code, c)
		if err == nil {
			err = sim.w.Flush()
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return code, nil
}

// chunkSize is how many batch lines are answered (and with --live, asked
// of the kernel) at a time.
const chunkSize = 10000

// chunk answers entries, in order: ExitInput if a line was bad (its
// record says why), ExitDiffers if the kernel disagreed.
func (s *simulator) chunk(entries []input.Entry) (int, error) {
	code := cli.ExitOK
	calls := make([]input.Call, 0, len(entries))
	for _, e := range entries {
		if e.Err == nil {
			calls = append(calls, e.Call)
		}
	}
	results := make([]*result, len(calls))
	for i := range calls {
		results[i] = s.evaluate(calls[i])
	}
	if s.o.live && len(calls) > 0 {
		differ, err := s.askKernel(calls, results)
		if err != nil {
			return 0, err
		}
		if differ {
			code = cli.ExitDiffers
		}
	}
	i := 0
	for _, e := range entries {
		if e.Err != nil {
			code = cli.Worst(code, cli.ExitInput)
			if err := s.printInputError(e); err != nil {
				return 0, err
			}
			continue
		}
		if err := s.print(results[i]); err != nil {
			return 0, err
		}
		i++
	}
	return code, nil
}

// lineError is the record of a batch line that is not a call: its line
// number and why, and no answer.
type lineError struct {
	Line       int    `json:"line"`
	InputError string `json:"input_error"`
}

func (s *simulator) printInputError(e input.Entry) error {
	if !s.o.json {
		_, err := fmt.Fprintf(s.stderr, "bpfsim: %v\n", e.Err)
		return err
	}
	b, err := json.Marshal(lineError{Line: e.Line, InputError: e.Err.Error()})
	if err != nil {
		return err
	}
	s.w.Write(b)
	return s.w.WriteByte('\n')
}

// expectations checks the cases of --expect on the policies.
func expectations(o *options, files []string, stdin io.Reader, stdout io.Writer) (int, error) {
	var conflicts []string
	o.flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "syscall", "input", "arch", "args", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "ip",
			"trace", "outcome", "explain", "kernel-version":
			conflicts = append(conflicts, "--"+f.Name)
		}
	})
	if len(conflicts) > 0 {
		return 0, cli.Usagef("--expect takes no %s: the file gives each case's call", strings.Join(conflicts, ", "))
	}
	if o.update && o.live {
		return 0, cli.Usagef("--update records bpfsim's answers; check them with --live in a separate run")
	}
	data, err := os.ReadFile(o.expect)
	if err != nil {
		return 0, cli.Inputf("--expect: %v", err)
	}
	ef, err := expect.Parse(o.expect, data)
	if err != nil {
		return 0, cli.Inputf("%v", err)
	}
	files, srcs, err := o.in.Sources(o.ctx, &o.kernel, files, stdin)
	if err != nil {
		return 0, err
	}
	progs := make([]program.Program, len(srcs))
	for i, s := range srcs {
		progs[i] = s.Program
	}
	stack, err := cli.CompileStack(files, progs)
	if err != nil {
		return 0, err
	}
	results := expect.Check(ef, stack, o.model)
	code := cli.ExitOK
	if o.live {
		k, err := o.kernel.Kernel(o.ctx)
		if err != nil {
			return 0, fmt.Errorf("--live: %w", err)
		}
		differ, err := expect.CheckLive(o.ctx, k, progs, files, results)
		if err != nil {
			return 0, fmt.Errorf("--live: %w", err)
		}
		if differ {
			code = cli.ExitDiffers
		}
	}
	if o.update {
		b, err := expect.Update(ef, results)
		if err != nil {
			return 0, cli.Usagef("--update: %v", err)
		}
		if err := os.WriteFile(o.expect, b, 0o644); err != nil {
			return 0, err
		}
		_, failed := expect.Summary(results)
		fmt.Fprintf(stdout, "%s: %d cases, %d updated\n", o.expect, len(results), failed)
		return cli.ExitOK, nil
	}
	if o.junit != "" {
		var b strings.Builder
		if err := expect.WriteJUnit(&b, ef, files, results); err != nil {
			return 0, err
		}
		if err := os.WriteFile(o.junit, []byte(b.String()), 0o644); err != nil {
			return 0, fmt.Errorf("--junit: %v", err)
		}
	}
	if o.json {
		err = expect.WriteJSON(stdout, ef, files, results)
	} else {
		err = expect.WriteText(stdout, ef, files, results)
	}
	if err != nil {
		return 0, err
	}
	if _, failed := expect.Summary(results); failed > 0 {
		code = cli.Worst(code, cli.ExitRejected)
	}
	return code, nil
}

// explain prints the decision table of the policies, a stack in install
// order.
func explain(o *options, files []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	var conflicts []string
	o.flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "syscall", "input", "arch", "args", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "ip",
			"trace", "live", "outcome", "tracer", "listener", "last-thread", "sigsys-handler":
			conflicts = append(conflicts, "--"+f.Name)
		}
	})
	if len(conflicts) > 0 {
		return cli.ExitOK, cli.Usagef("--explain takes no %s: the table answers every syscall", strings.Join(conflicts, ", "))
	}
	if o.oci && o.json {
		return cli.ExitOK, cli.Usagef("--oci and --json are two formats of the table: give one")
	}
	kv, err := o.kernelView()
	if err != nil {
		return cli.ExitOK, err
	}
	files, srcs, err := o.in.Sources(o.ctx, &o.kernel, files, stdin)
	if err != nil {
		return cli.ExitOK, err
	}
	progs := make([]program.Program, len(srcs))
	for i, s := range srcs {
		progs[i] = s.Program
	}
	stack, err := cli.CompileStack(files, progs)
	if err != nil {
		return cli.ExitOK, err
	}
	t, err := decision.New(stack, decision.Options{Names: files, Kernel: kv})
	if err != nil {
		return cli.ExitOK, err
	}
	if o.oci {
		return writeOCI(t, stdout, stderr)
	}
	if o.json {
		return cli.ExitOK, t.WriteJSON(stdout)
	}
	return cli.ExitOK, t.WriteText(stdout)
}

// writeOCI writes the table as an OCI seccomp profile; where rows cannot
// be expressed, it writes nothing on stdout, lists them on stderr and exits
// 1.
func writeOCI(t *decision.Table, stdout, stderr io.Writer) (int, error) {
	p, err := t.OCI()
	var oe *decision.OCIError
	if errors.As(err, &oe) {
		fmt.Fprintf(stderr, "bpfsim: %v\n", oe)
		return cli.ExitRejected, nil
	}
	if err != nil {
		return cli.ExitOK, err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return cli.ExitOK, err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return cli.ExitOK, err
}

// diff compares two policies (bpfsim --diff OLD NEW): each operand is a
// filter, a table, or a stack given as its files joined by commas. It
// exits 0 when they are equivalent, 1 when they differ (with --fail-on
// loosened, only for a loosened change or a region left undecided).
func diff(o *options, files []string, stdin io.Reader, stdout io.Writer) (int, error) {
	var conflicts []string
	o.flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "syscall", "input", "arch", "args", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "ip",
			"trace", "live", "outcome", "tracer", "listener", "last-thread", "sigsys-handler", "explain", "pid", "kernel-version":
			conflicts = append(conflicts, "--"+f.Name)
		}
	})
	if len(conflicts) > 0 {
		return cli.ExitUsage, cli.Usagef("--diff takes no %s: it compares the policies on every input", strings.Join(conflicts, ", "))
	}
	if len(files) != 2 {
		return cli.ExitUsage, cli.Usagef("--diff takes two policies, OLD NEW (a stack is its files joined by commas), not %d", len(files))
	}
	loosenedOnly := false
	switch o.failOn {
	case "any":
	case "loosened":
		loosenedOnly = true
	default:
		return cli.ExitUsage, cli.Usagef("--fail-on: %q: want any or loosened", o.failOn)
	}
	var names [2][]string
	var stacks [2]vm.Stack
	for i, operand := range files {
		parts := strings.Split(operand, ",")
		paths, srcs, err := o.in.Sources(o.ctx, &o.kernel, parts, stdin)
		if err != nil {
			return cli.ExitOK, err
		}
		progs := make([]program.Program, len(srcs))
		for j, s := range srcs {
			progs[j] = s.Program
		}
		if stacks[i], err = cli.CompileStack(paths, progs); err != nil {
			return cli.ExitOK, err
		}
		names[i] = paths
	}
	d, err := decision.Compare(stacks[0], stacks[1], decision.CompareOptions{Old: names[0], New: names[1],
		Kernel: decision.KernelView{Version: decision.NewestKnown(), Source: "--diff"}})
	if err != nil {
		return cli.ExitOK, err
	}
	if o.json {
		err = d.WriteJSON(stdout)
	} else {
		err = d.WriteText(stdout)
	}
	if err != nil {
		return cli.ExitOK, err
	}
	differ := !d.Equivalent()
	if loosenedOnly {
		differ = d.Count(decision.Loosened) > 0 || len(d.Undecided) > 0
	}
	if differ {
		return 1, nil
	}
	return cli.ExitOK, nil
}

// answerVersion is the release whose rules bpfsim answers calls for
// (which syscalls bypass seccomp): --kernel-version, else with --live the
// one kernel asked (a guest's or the running kernel's release), else the
// newest release bpfsim knows. Under --kernel all it is that newest one
// too, unless --kernel-version says otherwise.
func (o *options) answerVersion() (seccompdata.KernelVersion, error) {
	if o.kver != "" {
		v, err := seccompdata.ParseKernelVersion(o.kver)
		if err != nil {
			return v, cli.Usagef("--kernel-version: %v", err)
		}
		return v, nil
	}
	if o.live && !o.kernel.All() {
		ks, err := o.kernel.Kernels(o.ctx)
		if err != nil {
			return seccompdata.KernelVersion{}, fmt.Errorf("--live: %w", err)
		}
		if v, err := seccompdata.ParseKernelVersion(ks[0].Release); err == nil {
			return v, nil
		}
	}
	return seccompdata.NewestKnownKernel(), nil
}

// kernelView is the kernel --kernel-version names, else the running one.
func (o *options) kernelView() (decision.KernelView, error) {
	kv := decision.KernelView{Source: "--kernel-version"}
	if o.kver != "" {
		v, err := decision.ParseKernelVersion(o.kver)
		if err != nil {
			return kv, cli.Usagef("--kernel-version: %v", err)
		}
		kv.Version = v
	} else if v, err := decision.RunningKernelVersion(); err == nil {
		kv.Version, kv.Source = v, "running kernel"
	} else {
		kv.Version = decision.NewestKnown()
		kv.Source = fmt.Sprintf("assumed: %v", err)
	}
	return kv, nil
}

// single builds the call the flags describe.
func (o *options) single(arch seccompdata.Arch) (input.Call, error) {
	nr, err := input.ParseNr(o.syscall, arch)
	if err != nil {
		return input.Call{}, cli.Inputf("--syscall: %v", err)
	}
	c := input.New(arch, nr)
	if len(o.args) > 6 {
		return c, cli.Usagef("--args: %d values, at most 6", len(o.args))
	}
	for i, s := range o.argN {
		if s != "" && len(o.args) > 0 {
			return c, cli.Usagef("--args and --arg%d both set arguments: use one or the other", i)
		}
	}
	for i, s := range o.args {
		v, err := input.ParseValue(s, arch)
		if err != nil {
			return c, cli.Inputf("--args: argument %d: %v", i, err)
		}
		c.Data.Args[i] = v
	}
	for i, s := range o.argN {
		if s == "" {
			continue
		}
		v, err := input.ParseValue(s, arch)
		if err != nil {
			return c, cli.Inputf("--arg%d: %v", i, err)
		}
		c.Data.Args[i] = v
	}
	ip, err := input.ParseValue(o.ip, arch)
	if err != nil {
		return c, cli.Inputf("--ip: %v", err)
	}
	c.Data.InstructionPointer = ip
	if err := c.Check(); err != nil {
		return c, cli.Inputf("%v", err)
	}
	return c, nil
}

type simulator struct {
	o      *options
	stderr io.Writer
	files  []string
	progs  []program.Program
	// labels are the author's labels of each bpf_asm policy, by pc, for
	// --trace.
	labels []map[int]string
	// notes are program.Annotate's comments on each filter, by pc, for
	// --trace.
	notes [][]string
	stack vm.Stack
	w     *bufio.Writer
}

// result is one line of bpfsim's JSON output (README, "JSON output").
type result struct {
	// Input is the call, as an --input line reads it back.
	Input   input.Call `json:"input"`
	Arch    string     `json:"arch"`
	Nr      int32      `json:"nr"`
	Syscall string     `json:"syscall"`
	answer
	Trace []step `json:"trace,omitempty"`
	// Kernel is the live kernel's answer (--live); Kernels, under
	// --kernel all, each kernel's, by name.
	Kernel  *kernelAnswer            `json:"kernel,omitempty"`
	Kernels map[string]*kernelAnswer `json:"kernels,omitempty"`
	// asked are the kernels' answers in the order of --kernel all.
	asked []*kernelAnswer
}

// answer is what a stack returns for one call, from the vm or from the
// kernel, in the same shape.
type answer struct {
	// Ret is what seccomp_run_filters returns for the stack; Rets each
	// filter's own value, in install order; Filter the index Ret came
	// from, -1 for none.
	Ret    uint32   `json:"ret"`
	Rets   []uint32 `json:"rets"`
	Filter int      `json:"filter"`
	// Action names Ret ("ERRNO(1)"), Data is its 16 data bits, Errno the
	// name of an ERRNO's errno on the call's arch.
	Action string `json:"action"`
	Data   uint16 `json:"data"`
	Errno  string `json:"errno,omitempty"`
	// Bypassed: the syscall skips seccomp and runs whatever Ret says.
	Bypassed bool `json:"bypassed,omitempty"`
	// Outcome is what the calling thread experiences.
	Outcome *seccompdata.Outcome `json:"outcome,omitempty"`
}

func newAnswer(arch seccompdata.Arch, ret uint32, rets []uint32, filter int) answer {
	a := seccompdata.Action(ret)
	ans := answer{Ret: ret, Rets: rets, Filter: filter, Action: a.String(), Data: a.Data()}
	if a.Kind() == seccompdata.ActErrno {
		ans.Errno = errnoName(arch, a.Data())
	}
	return ans
}

type step struct {
	Filter int `json:"filter"`
	PC     int `json:"pc"`
	// Label is the author's label of the instruction, from a bpf_asm
	// policy; Insn names jump targets by those labels too.
	Label string `json:"label,omitempty"`
	Insn  string `json:"insn"`
	// Note says what the instruction reads, compares or returns in a
	// seccomp filter ("nr", "openat", "ERRNO(1) EPERM"), as bpfcheck
	// --print asm writes it in a comment (program.Annotate).
	Note string `json:"note,omitempty"`
	A    uint32 `json:"a"`
	X    uint32 `json:"x"`
}

// kernelAnswer is a live kernel's answer for one call, with --live.
type kernelAnswer struct {
	// Name is the kernel's --kernel name, Release its uname -r (absent
	// when unknown).
	Name    string `json:"-"`
	Release string `json:"release,omitempty"`
	*answer        // nil when Unavailable
	// Method says, per filter, how the kernel saw the input (kernel.Method).
	Method []string `json:"method,omitempty"`
	// OutcomeSkipped says why --outcome did not make the call.
	OutcomeSkipped string `json:"outcome_skipped,omitempty"`
	// Unavailable says why the kernel could not answer (a filter too long
	// to instrument); ret, rets and filter are then absent and nothing is
	// compared.
	Unavailable string   `json:"unavailable,omitempty"`
	Agrees      bool     `json:"agrees"`
	Diffs       []string `json:"diffs,omitempty"`
}

func (s *simulator) evaluate(c input.Call) *result {
	ev := s.stack.Evaluate(&c.Data, c.Arch.Order, s.o.model)
	r := &result{Input: c, Arch: c.Arch.String(), Nr: c.Data.Nr, answer: newAnswer(c.Arch, ev.Ret, ev.Rets, ev.Filter)}
	if c.Arch.Name == "" {
		r.Arch = fmt.Sprint(c.Data.Arch)
	}
	r.Bypassed = ev.Bypassed
	r.Outcome = &ev.Outcome
	r.Syscall, _ = c.Arch.SyscallName(c.Data.Nr)
	if s.o.trace {
		words := c.Data.Words(c.Arch.Order)
		// Filters run newest first (seccomp_run_filters).
		for i := len(s.stack) - 1; i >= 0; i-- {
			s.stack[i].TraceSeccomp(&words, func(st vm.Step) {
				r.Trace = append(r.Trace, step{Filter: i, PC: st.PC, Label: s.labels[i][st.PC],
					Insn: program.InstructionTextLabels(s.progs[i], st.PC, s.labels[i]), Note: s.notes[i][st.PC], A: st.A, X: st.X})
			})
		}
	}
	return r
}

// askKernel fills in the kernels' answers (one kernel, or each of
// --kernel all's): one Eval per filter for the whole batch, and with
// --outcome one real call per safe input.
func (s *simulator) askKernel(calls []input.Call, results []*result) (bool, error) {
	ks, err := s.o.kernel.Kernels(s.o.ctx)
	if err != nil {
		return false, fmt.Errorf("--live: %w", err)
	}
	datas := make([]seccompdata.Data, len(calls))
	for i := range calls {
		datas[i] = calls[i].Data
	}
	differ := false
	for _, k := range ks {
		d, err := s.askOne(k, calls, datas, results)
		if err != nil {
			if k.Name != "" && s.o.kernel.All() {
				return false, fmt.Errorf("kernel %s: %w", k.Name, err)
			}
			return false, err
		}
		differ = differ || d
	}
	for _, r := range results {
		if !s.o.kernel.All() {
			r.Kernel = r.asked[0]
			continue
		}
		r.Kernels = make(map[string]*kernelAnswer, len(r.asked))
		for _, ka := range r.asked {
			r.Kernels[ka.Name] = ka
		}
	}
	return differ, nil
}

// askOne adds kernel k's answer to each result.
func (s *simulator) askOne(k cli.Named, calls []input.Call, datas []seccompdata.Data, results []*result) (bool, error) {
	evals, err := kernel.EvalStack(s.o.ctx, k, s.progs, datas)
	if err != nil {
		var fe *kernel.FilterError
		if errors.As(err, &fe) {
			return false, fmt.Errorf("--live: %s: %w", s.files[fe.Filter], fe.Err)
		}
		return false, fmt.Errorf("--live: %w", err)
	}
	// The kernel's outcome is judged by the rules of its own release
	// (which syscalls bypass seccomp there), whatever --kernel-version
	// says; unknown, both bypass, which is also the safe assumption for
	// deciding whether a call may be made.
	model := s.o.model
	model.NoUretprobeBypass, model.NoUprobeBypass = false, false
	if v, err := seccompdata.ParseKernelVersion(k.Release); err == nil {
		b := vm.KernelOutcomeOptions(v)
		model.NoUretprobeBypass, model.NoUprobeBypass = b.NoUretprobeBypass, b.NoUprobeBypass
	}
	differ := false
	for j, r := range results {
		e := evals[j]
		ka := &kernelAnswer{Name: k.Name, Release: k.Release}
		r.asked = append(r.asked, ka)
		if !e.Known {
			var why []string
			for i, m := range e.Missing {
				if m != "" {
					why = append(why, fmt.Sprintf("%s: %s", s.files[i], m))
				}
			}
			ka.Unavailable, ka.Agrees = strings.Join(why, "; "), true
			continue
		}
		ans := newAnswer(calls[j].Arch, e.Ret, e.Rets, e.Filter)
		ka.answer = &ans
		for _, m := range e.Methods {
			ka.Method = append(ka.Method, m.String())
		}
		ka.Diffs = live.CompareRets(r.Ret, r.Rets, e.Ret, e.Rets)
		if s.o.outcome {
			obs, err := live.Observe(s.o.ctx, k, s.progs, s.stack, calls[j].Data, e.Ret, model)
			if err != nil {
				return false, fmt.Errorf("--outcome: %w", err)
			}
			ka.Outcome, ka.OutcomeSkipped = obs.Outcome, obs.Skipped
			ka.Diffs = append(ka.Diffs, obs.Diffs...)
		}
		ka.Agrees = len(ka.Diffs) == 0
		differ = differ || !ka.Agrees
	}
	return differ, nil
}

func errnoName(arch seccompdata.Arch, n uint16) string {
	if name, ok := arch.ErrnoName(n); ok {
		return name
	}
	return fmt.Sprint(n)
}

func (s *simulator) print(r *result) error {
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
		insn := st.Insn
		if st.Label != "" {
			insn = st.Label + ": " + insn
		}
		note := ""
		if st.Note != "" {
			note = "  ; " + st.Note
		}
		fmt.Fprintf(s.w, "  %s%4d: %-32s A=0x%08x X=0x%08x%s\n", prefix, st.PC, insn, st.A, st.X, note)
	}
	name := r.Syscall
	if name == "" {
		name = "unknown syscall"
	}
	nr := fmt.Sprint(r.Nr)
	if r.Input.Arch.NrBit != 0 || r.Nr < 0 {
		nr = fmt.Sprintf("%#x", uint32(r.Nr))
	}
	fmt.Fprintf(s.w, "%s (%s) on %s: %s", name, nr, r.Input.Arch, describe(r))
	if len(s.stack) > 1 && r.Filter >= 0 {
		fmt.Fprintf(s.w, "  filter=%d (%s)", r.Filter, s.files[r.Filter])
	}
	fmt.Fprintf(s.w, "  %s\n", retText(&r.answer))
	for _, k := range r.asked {
		// "kernel", or under --kernel all "kernel 6.1 (6.1.0-50-amd64)".
		who := "kernel"
		if s.o.kernel.All() {
			who = "kernel " + k.Name
			if k.Release != "" {
				who += " (" + k.Release + ")"
			}
		}
		if k.Unavailable != "" {
			fmt.Fprintf(s.w, "    %s: not evaluated: %s\n", who, k.Unavailable)
			continue
		}
		agree := "agrees"
		if !k.Agrees {
			agree = "DIFFERS: " + strings.Join(k.Diffs, "; ")
		}
		fmt.Fprintf(s.w, "    %s: %s  %s (%s); %s\n", who, k.Action, retText(k.answer), strings.Join(k.Method, ", "), agree)
		switch {
		case k.Outcome != nil:
			fmt.Fprintf(s.w, "    %s outcome: %s\n", who, kernel.Observed{Install: kernel.Verdict{Accepted: true}, Ran: true, Outcome: *k.Outcome})
		case k.OutcomeSkipped != "":
			fmt.Fprintf(s.w, "    %s outcome: not observed: %s\n", who, k.OutcomeSkipped)
		}
	}
	return nil
}

// retText is "ret=0x..." for the human line: for a single filter its own
// value, saying when the kernel acts on another (an ALLOW never replaces
// the initial ALLOW, seccomp_run_filters); for a stack the combined value
// and each filter's own.
func retText(a *answer) string {
	switch {
	case len(a.Rets) == 1 && a.Rets[0] != a.Ret:
		return fmt.Sprintf("ret=0x%08x (the kernel acts on 0x%08x)", a.Rets[0], a.Ret)
	case len(a.Rets) <= 1:
		return fmt.Sprintf("ret=0x%08x", a.Ret)
	}
	rets := make([]string, len(a.Rets))
	for i, x := range a.Rets {
		rets[i] = fmt.Sprintf("0x%08x", x)
	}
	return fmt.Sprintf("ret=0x%08x rets=[%s]", a.Ret, strings.Join(rets, " "))
}

// describe is the action with what the calling thread experiences in the
// circumstances the flags model (--tracer, --listener, --last-thread,
// --sigsys-handler).
func describe(r *result) string {
	o := r.Outcome
	if r.Bypassed {
		return "ALLOW (this syscall bypasses seccomp; the filters said " + r.Action + ")"
	}
	a := seccompdata.Action(r.Ret)
	var what string
	switch vm.Effective(r.Ret) {
	case seccompdata.ActErrno:
		what = r.Errno
		if a.Data() > seccompdata.MaxErrno {
			what = fmt.Sprintf("(returns -%d: the kernel caps the errno at MAX_ERRNO)", seccompdata.MaxErrno)
		}
	case seccompdata.ActTrap:
		what = "(SIGSYS kills the process with a core dump: no SIGSYS handler)"
		if o.Killed == "" {
			what = fmt.Sprintf("(SIGSYS to the handler, si_errno %d; the call returns its nr)", a.Data())
		}
	case seccompdata.ActTrace:
		what = "(ENOSYS without a tracer)"
		if o.TraceEvent != nil {
			what = "(stops for the tracer, which decides)"
		}
	case seccompdata.ActUserNotif:
		what = "(ENOSYS without a listener)"
		if o.Notification != nil {
			what = "(the listener decides)"
		}
	case seccompdata.ActKillThread:
		what = "(kills the thread)"
		if o.Killed == seccompdata.KilledProcess {
			what = "(kills the process with a core dump: the last thread)"
		}
	case seccompdata.ActKillProcess:
		if !a.Known() {
			what = "(acts as KILL_PROCESS)"
		}
	}
	if what == "" {
		return r.Action
	}
	return r.Action + " " + what
}
