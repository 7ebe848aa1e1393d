// Package cli holds what the bpfcheck and bpfsim commands share: reading
// policy files with the input-format flags, and usage errors.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/audit"
	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Exit codes shared by the commands.
const (
	ExitOK       = 0 // accepted / ran
	ExitRejected = 1 // the kernel would reject the program
	ExitUsage    = 2 // bad flags
	ExitDiffers  = 3 // --live: our answer and the kernel's differ
	ExitInput    = 4 // an unreadable or malformed policy, batch line or syscall value
	ExitKernel   = 5 // the live kernel is unavailable or stalled
)

// Worst returns the worse of two exit statuses of a run that judged
// several things: ExitKernel, then ExitInput, ExitDiffers, ExitRejected,
// ExitOK.
func Worst(a, b int) int {
	rank := func(c int) int {
		switch c {
		case ExitKernel:
			return 5
		case ExitInput:
			return 4
		case ExitDiffers:
			return 3
		case ExitRejected:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// ExitCode is the exit status for an error that ends a command: ExitKernel
// when the live kernel is unavailable or stalled, ExitRejected for a
// *RejectedError, ExitInput for an *InputError, else ExitUsage.
func ExitCode(err error) int {
	var rej *RejectedError
	var in *InputError
	switch {
	case errors.Is(err, kernel.ErrStalled) || errors.Is(err, kernel.ErrUnsupported):
		return ExitKernel
	case errors.As(err, &rej):
		return ExitRejected
	case errors.As(err, &in):
		return ExitInput
	}
	return ExitUsage
}

// InputError is a policy or a syscall the command cannot read: an
// unreadable or malformed file, a bad batch line, a value the arch cannot
// have. The commands print it and exit with ExitInput.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Inputf returns an *InputError.
func Inputf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Main is a command's main function: it first serves as the kernel
// oracle's helper when --live re-executed the binary for that
// (kernel.RunChildIfRequested), else runs run on the process's arguments
// and standard streams and exits with its status.
func Main(run func(args []string, stdin io.Reader, stdout, stderr io.Writer, open OpenFunc) int) {
	guest.RunInitIfRequested() // as a VM's /init under --kernel
	kernel.RunChildIfRequested()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil))
}

// Run is the frame of a command: it defines the flags (define, plus live's
// --kernel-timeout), parses args, prints usage for --help, starts live's
// deadline, calls body with the context and the operands, and turns what
// body returns into an exit status, printing an error as one line
// "NAME: message" on stderr.
func Run(name, usage string, args []string, stdout, stderr io.Writer, live *Live, define func(*pflag.FlagSet), body func(ctx context.Context, operands []string) (int, error)) int {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	define(fs)
	live.AddFlags(fs)
	// A flag given twice is an error, not a silent override; list flags
	// (--args) collect their values instead, and a switch said twice
	// says the same thing.
	fs.VisitAll(func(f *pflag.Flag) {
		if t := f.Value.Type(); t != "bool" && !strings.HasSuffix(t, "Slice") {
			f.Value = &once{Value: f.Value, name: f.Name}
		}
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return ExitOK
		}
		fmt.Fprintf(stderr, "%s: %v (try --help)\n", name, err)
		return ExitUsage
	}
	ctx, stop, err := live.Start(fs)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitUsage
	}
	defer stop()
	code, err := body(ctx, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitCode(err)
	}
	return code
}

// once is a flag value that may be set only once.
type once struct {
	pflag.Value
	name string
	set  bool
}

func (o *once) Set(s string) error {
	if o.set {
		return fmt.Errorf("given twice; give it once")
	}
	o.set = true
	return o.Value.Set(s)
}

// RejectedError is a policy the kernel would refuse to install; the
// commands print it and exit with ExitRejected.
type RejectedError struct {
	// Name is the policy: a file, or the files of a stack.
	Name string
	// Err is the verifier's *verifier.Error.
	Err error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s: the kernel would reject this: %v", e.Name, e.Err)
}

// Unwrap returns the verifier's error.
func (e *RejectedError) Unwrap() error { return e.Err }

// CompileStack checks progs as the stack of seccomp filters they are
// (verifier.CheckStack: each filter's rules and the stack's path limit)
// and compiles them for the vm; names are the policies' names, in the same
// order. A stack the kernel would refuse is a *RejectedError.
func CompileStack(names []string, progs []program.Program) (vm.Stack, error) {
	if err := verifier.CheckStack(progs); err != nil {
		name := strings.Join(names, " + ")
		var verr *verifier.Error
		if errors.As(err, &verr) && len(progs) > 1 && verr.Filter >= 0 && verr.Filter < len(names) {
			name = fmt.Sprintf("%s (filter %d of the stack)", names[verr.Filter], verr.Filter)
		}
		return nil, &RejectedError{Name: name, Err: err}
	}
	stack := make(vm.Stack, len(progs))
	for i, p := range progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			return nil, &RejectedError{Name: names[i], Err: err}
		}
		stack[i] = f
	}
	return stack, nil
}

// UsageError is a problem with the command line; the commands print it and
// exit with ExitUsage.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// OpenFunc opens the kernel that --kernel names: name is "" for the
// running kernel, else a name of the cache of make kernels (such as 6.1)
// or an image path. Tests put a fake kernel behind one.
type OpenFunc func(ctx context.Context, name string, opts kernel.Options) (kernel.Kernel, error)

// AllKernels is the --kernel value that asks every cached kernel.
const AllKernels = "all"

// Live holds the flags that choose and bound the commands' use of live
// kernels, and the kernels once opened.
type Live struct {
	// Timeout bounds every round trip with the kernel, and the whole
	// command (see Start).
	Timeout time.Duration
	// Guest names the kernel --kernel asks for (a name of the cache of
	// make kernels, such as 6.1, a path to an image, or AllKernels),
	// run in a QEMU guest; "" is the running kernel.
	Guest string
	// Open opens a kernel; nil means kernel.Open for the running one and
	// guest.Open for the others.
	Open OpenFunc
	set  bool
	ks   []Named
}

// GuestCommandTimeout is how long a command that asks a guest kernel
// (--kernel) may take in all when neither --kernel-timeout nor
// BPFSIM_KERNEL_TIMEOUT says: under emulation a guest answers about 150
// times slower than the host (README, "The kernel matrix"), so a batch the
// host answers in seconds takes minutes. Each round trip is still bounded
// by the default timeout, so a guest that stops answering is found as
// quickly as the host's kernel.
const GuestCommandTimeout = 10 * time.Minute

// Named is a kernel a command asks, with the names its report gives it.
type Named struct {
	// Name is the --kernel name ("5.10", an image path), "" for the
	// running kernel.
	Name string
	// Release is the kernel's uname -r, "" when unknown.
	Release string
	kernel.Kernel
}

// AddFlags registers --kernel-timeout and --kernel on fs.
func (l *Live) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.Guest, "kernel", "", "with --live or --pid, ask the kernel `NAME` (a version fetched by make kernels, such as 6.1) or image PATH, booted in a QEMU guest, instead of the running one; with --live, \"all\" asks every fetched kernel and reports per kernel")
	fs.DurationVar(&l.Timeout, "kernel-timeout", kernel.DefaultTimeout,
		"give up on the live kernel after `DURATION` for the whole command (default from "+kernel.TimeoutEnv+", else 60s; with --kernel, 60s per round trip and "+GuestCommandTimeout.String()+" in all); then exit 5")
}

// Start returns the command's context, which ends when --kernel-timeout
// (or BPFSIM_KERNEL_TIMEOUT, when the flag is not given) has passed, and
// stop, which the command defers: it ends the context and closes the
// kernels that were opened.
func (l *Live) Start(fs *pflag.FlagSet) (ctx context.Context, stop func(), err error) {
	explicit := fs.Changed("kernel-timeout") || os.Getenv(kernel.TimeoutEnv) != ""
	if !fs.Changed("kernel-timeout") {
		d, err := kernel.TimeoutFromEnv()
		if err != nil {
			return nil, nil, &UsageError{Msg: err.Error()}
		}
		l.Timeout = d
	}
	if l.Timeout <= 0 {
		return nil, nil, Usagef("--kernel-timeout %v: want a positive duration", l.Timeout)
	}
	l.set = true
	whole := l.Timeout
	if l.Guest != "" && !explicit {
		whole = GuestCommandTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), whole)
	return ctx, func() { cancel(); l.Close() }, nil
}

// All reports whether --kernel all asks every cached kernel.
func (l *Live) All() bool { return l.Guest == AllKernels }

// Kernel opens the one live kernel on first use (every round trip
// bounded by the timeout) and returns it; Close closes it. Under
// --kernel all it is a usage error: the command asks Kernels instead.
func (l *Live) Kernel(ctx context.Context) (kernel.Kernel, error) {
	if l.All() {
		return nil, Usagef("--kernel all is for bpfcheck --live and bpfsim --live with --syscall or --input; name one kernel here")
	}
	ks, err := l.Kernels(ctx)
	if err != nil {
		return nil, err
	}
	return ks[0].Kernel, nil
}

// Kernels opens, on first use, the kernels --kernel names: the running
// one, one guest, or under --kernel all a guest of every kernel that make
// kernels fetched, booted side by side, in the cache's order. If one
// cannot be opened, none is kept and the error names it.
func (l *Live) Kernels(ctx context.Context) ([]Named, error) {
	if l.ks != nil {
		return l.ks, nil
	}
	if !l.set {
		return nil, errors.New("internal error: Live.Start was not called")
	}
	names := []string{l.Guest}
	if l.All() {
		cached, err := guest.Kernels()
		if err != nil {
			return nil, fmt.Errorf("--kernel all: %w", unavailable{err})
		}
		if len(cached) == 0 {
			return nil, fmt.Errorf("--kernel all: %w", unavailable{fmt.Errorf("no kernel images in %s: run make kernels", guest.CacheDir())})
		}
		names = names[:0]
		for _, c := range cached {
			names = append(names, c.Name)
		}
	}
	open := l.Open
	if open == nil {
		open = openKernel
	}
	ks := make([]Named, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			k, err := open(ctx, name, kernel.Options{Timeout: l.Timeout})
			if err != nil {
				errs[i] = err
				return
			}
			ks[i] = Named{Name: name, Release: releaseOf(name, k), Kernel: k}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		for _, k := range ks {
			if k.Kernel != nil {
				k.Close()
			}
		}
		if names[i] == "" {
			return nil, fmt.Errorf("live kernel: %w", err)
		}
		return nil, fmt.Errorf("live kernel %s: %w", names[i], err)
	}
	l.ks = ks
	return ks, nil
}

// openKernel opens the running kernel, or boots name in a guest.
func openKernel(ctx context.Context, name string, opts kernel.Options) (kernel.Kernel, error) {
	if name == "" {
		return kernel.Open(ctx, opts)
	}
	g, err := guest.Open(ctx, guest.Options{Kernel: name, Timeout: opts.Timeout})
	if err != nil {
		return nil, unavailable{err} // exit 5, as a host kernel without seccomp
	}
	return g, nil
}

// releaseOf is k's uname -r: a guest's (or a fake's) KernelRelease, the
// host's osrelease for the running kernel, else "".
func releaseOf(name string, k kernel.Kernel) string {
	if r, ok := k.(interface{ KernelRelease() string }); ok {
		return r.KernelRelease()
	}
	if name == "" {
		if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return ""
}

// unavailable is a kernel that cannot be asked: ExitCode maps it to
// ExitKernel.
type unavailable struct{ err error }

func (u unavailable) Error() string   { return u.err.Error() }
func (u unavailable) Unwrap() []error { return []error{u.err, kernel.ErrUnsupported} }

// Close closes the kernels that were opened.
func (l *Live) Close() {
	for _, k := range l.ks {
		if k.Kernel != nil {
			k.Close()
		}
	}
	l.ks = nil
}

// Input holds the flags that say how to read policy files.
type Input struct {
	Format     string
	BigEndian  bool
	FilterArch string
	Pid        int
	// Hint, when not nil, receives advice on an input that was read but
	// is probably not what its author meant, as one line without the
	// command's name: a raw file that reads as a valid filter only in the
	// other byte order.
	Hint func(msg string)
}

// AddFlags registers --format, --big-endian, --filter-arch and --pid on fs.
func (in *Input) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&in.Format, "format", "auto", "input format: auto, raw, asm, c, ddd, comma or table (a decision table, bpfsim --explain --json; auto detects it)")
	fs.BoolVar(&in.BigEndian, "big-endian", false, "raw input is big-endian (default little-endian); the output's order is --print's: raw or raw-be")
	fs.StringVar(&in.FilterArch, "filter-arch", "", "read the syscall and errno names (__NR_open, EPERM) of C and bpf_asm input as `ARCH`'s numbers (default: the one arch the filter checks, else x86_64)")
	fs.IntVar(&in.Pid, "pid", 0, "read the filters of running thread `TID` (a process ID names its main thread), oldest first, instead of files")
}

// Policies returns the programs the command line names, in install order,
// with a name for each: the files, or with --pid the filters of a running
// thread, read through the live kernel that live opens.
func (in *Input) Policies(ctx context.Context, live *Live, paths []string, stdin io.Reader) ([]string, []program.Program, error) {
	names, srcs, err := in.Sources(ctx, live, paths, stdin)
	if err != nil {
		return nil, nil, err
	}
	progs := make([]program.Program, len(srcs))
	for i, s := range srcs {
		progs[i] = s.Program
	}
	return names, progs, nil
}

// Sources is Policies with what each input says besides its instructions
// (program.Source: the format, the arch its names were read for, the
// author's labels); a thread's filters are raw programs.
func (in *Input) Sources(ctx context.Context, live *Live, paths []string, stdin io.Reader) ([]string, []program.Source, error) {
	if in.Pid == 0 {
		if len(paths) == 0 {
			return nil, nil, Usagef("no policy file given (try --help)")
		}
		srcs := make([]program.Source, 0, len(paths))
		for _, path := range paths {
			s, err := in.LoadSource(path, stdin)
			if err != nil {
				return nil, nil, err
			}
			srcs = append(srcs, s)
		}
		return paths, srcs, nil
	}
	if len(paths) > 0 {
		return nil, nil, Usagef("give policy files or --pid, not both")
	}
	k, err := live.Kernel(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("--pid %d: %w", in.Pid, err)
	}
	progs, err := k.ReadFilters(ctx, in.Pid)
	if err != nil {
		if ExitCode(err) == ExitKernel {
			return nil, nil, fmt.Errorf("--pid %d: %w", in.Pid, err)
		}
		return nil, nil, Inputf("--pid %d: %v", in.Pid, err)
	}
	if len(progs) == 0 {
		return nil, nil, Inputf("--pid %d: the thread has no seccomp filter", in.Pid)
	}
	names := make([]string, len(progs))
	srcs := make([]program.Source, len(progs))
	for i, p := range progs {
		names[i] = fmt.Sprintf("pid %d filter %d", in.Pid, i)
		srcs[i] = program.Source{Program: p, Format: program.FormatRaw}
	}
	return names, srcs, nil
}

// Load reads one policy file ("-" is standard input).
func (in *Input) Load(path string, stdin io.Reader) (program.Program, error) {
	s, err := in.LoadSource(path, stdin)
	return s.Program, err
}

// LoadSource reads one policy file ("-" is standard input, of at most
// program.MaxInputSize bytes) with what its text says besides the
// instructions. A raw file read as little-endian that is a valid filter
// only as big-endian gets a Hint.
func (in *Input) LoadSource(path string, stdin io.Reader) (program.Source, error) {
	table := strings.EqualFold(strings.TrimSpace(in.Format), "table")
	format := in.Format
	if table {
		format = "auto"
	}
	f, err := program.ParseFormat(format)
	if err != nil {
		return program.Source{}, Usagef("--format: %v", err)
	}
	opt := program.DecodeOptions{Format: f, BigEndian: in.BigEndian, Name: path}
	if in.FilterArch != "" {
		if opt.Arch, err = seccompdata.LookupArch(in.FilterArch); err != nil {
			return program.Source{}, Usagef("--filter-arch: %v", err)
		}
	}
	var s program.Source
	var data []byte
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, program.MaxInputSize+1))
		if err != nil {
			return program.Source{}, Inputf("reading standard input: %v", err)
		}
		opt.Name = "<stdin>"
	} else if f == program.FormatAuto {
		// A file that cannot be opened is program's to report.
		if fh, err := os.Open(path); err == nil {
			data, err = io.ReadAll(io.LimitReader(fh, program.MaxInputSize+1))
			fh.Close()
			if err != nil {
				data = nil
			}
		}
	}
	switch {
	case f == program.FormatAuto && data != nil && (table || IsTable(data)):
		return loadTable(opt.Name, data)
	case table:
		return program.Source{}, Inputf("%s: not a decision table", opt.Name)
	case data != nil:
		if s, err = program.DecodeSource(data, opt); err != nil {
			return program.Source{}, &InputError{Msg: err.Error()}
		}
	default:
		if s, err = program.ReadSource(path, opt); err != nil {
			return program.Source{}, &InputError{Msg: err.Error()}
		}
	}
	if s.Format == program.FormatRaw && !in.BigEndian && in.Hint != nil && program.LooksBigEndian(s.Program) {
		// program cannot ask the verifier (it sits below it); only a
		// program the kernel would refuse as read and accept swapped is
		// worth a hint.
		be := program.SwapByteOrder(s.Program)
		if verifier.Check(s.Program, verifier.Socket) != nil &&
			(verifier.Check(be, verifier.Seccomp) == nil || verifier.Check(be, verifier.Socket) == nil) {
			in.Hint(fmt.Sprintf("%s reads as a valid filter when read as big-endian: try --big-endian", opt.Name))
		}
	}
	return s, nil
}

// IsTable reports whether data is a decision table (bpfsim --explain
// --json): a JSON object with "schema_version" and "sections". No other
// input format is a JSON object, so no other input is taken for one; C
// initialisers begin with "{" too, but are not JSON.
func IsTable(data []byte) bool {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return false
	}
	_, v := obj["schema_version"]
	_, s := obj["sections"]
	return v && s
}

// loadTable reads a decision table and compiles it to the filter that
// answers as it does (decision.Table.Program); the Source is that
// program's, as if read raw.
func loadTable(name string, data []byte) (program.Source, error) {
	t, err := decision.Read(bytes.NewReader(data))
	if err != nil {
		return program.Source{}, Inputf("%s: %v", name, err)
	}
	p, err := t.Program()
	if err != nil {
		return program.Source{}, Inputf("%s: %v", name, err)
	}
	raw, err := program.Encode(p, program.FormatRaw, false)
	if err != nil {
		return program.Source{}, Inputf("%s: %v", name, err)
	}
	s, err := program.DecodeSource(raw, program.DecodeOptions{Format: program.FormatRaw, Name: name})
	if err != nil {
		return program.Source{}, Inputf("%s: %v", name, err)
	}
	return s, nil
}

// LoadAll reads every path in order.
func (in *Input) LoadAll(paths []string, stdin io.Reader) ([]program.Program, error) {
	progs := make([]program.Program, 0, len(paths))
	for _, path := range paths {
		p, err := in.Load(path, stdin)
		if err != nil {
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

// Audit holds the flags of bpfcheck --audit.
type Audit struct {
	On     bool
	FailOn string
	SARIF  string
	Kernel string
}

// AddFlags registers --audit, --fail-on, --sarif and --kernel-version on fs.
func (a *Audit) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&a.On, "audit", false, "review the policy (a stack in install order) for weaknesses instead of only checking it; exit 1 when a finding is at or above --fail-on")
	fs.StringVar(&a.FailOn, "fail-on", "high", "with --audit, exit 1 when a finding is at or above `SEVERITY` (info, low, medium, high; none: never)")
	fs.StringVar(&a.SARIF, "sarif", "", "with --audit, also write the findings as SARIF 2.1.0 to `FILE`")
	fs.StringVar(&a.Kernel, "kernel-version", "", "with --audit, the Linux `VERSION` (major.minor) the kernel's behaviour is judged for (default: the newest bpfsim knows, "+decision.NewestKnown().String()+")")
}

// FailOnSeverity returns the severity of --fail-on, nil for "none".
func (a *Audit) FailOnSeverity() (*audit.Severity, error) {
	if a.FailOn == "none" {
		return nil, nil
	}
	s, err := audit.ParseSeverity(a.FailOn)
	if err != nil {
		return nil, Usagef("--fail-on: %v (or none)", err)
	}
	return &s, nil
}

// KernelView returns the kernel view of --kernel-version, else the newest
// kernel bpfsim knows: a policy ships to many kernels, and the newest has
// every exception seccomp makes.
func (a *Audit) KernelView() (decision.KernelView, error) {
	if a.Kernel == "" {
		return decision.KernelView{Version: decision.NewestKnown(), Source: "assumed: the newest kernel bpfsim knows"}, nil
	}
	v, err := decision.ParseKernelVersion(a.Kernel)
	if err != nil {
		return decision.KernelView{}, Usagef("--kernel-version: %v", err)
	}
	return decision.KernelView{Version: v, Source: "--kernel-version"}, nil
}
