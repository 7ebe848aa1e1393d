// Package cli holds what the bpfcheck and bpfsim commands share: reading
// policy files with the input-format flags, and usage errors.
package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
)

// Exit codes shared by the commands.
const (
	ExitOK       = 0 // accepted / ran
	ExitRejected = 1 // bpfcheck: the kernel would reject the program
	ExitUsage    = 2 // bad flags, unreadable or malformed input
	ExitDiffers  = 3 // --live: our answer and the kernel's differ
)

// UsageError is a problem with the command line or the input files; the
// commands print it and exit with ExitUsage.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Input holds the flags that say how to read policy files.
type Input struct {
	Format    string
	BigEndian bool
	Pid       int
}

// AddFlags registers --format and --big-endian on fs.
func (in *Input) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&in.Format, "format", "auto", "input format: auto, raw, asm, c, ddd or comma")
	fs.BoolVar(&in.BigEndian, "big-endian", false, "raw input is big-endian (default little-endian)")
	fs.IntVar(&in.Pid, "pid", 0, "read the filters of running thread `TID` (a process ID names its main thread), oldest first, instead of files")
}

// Policies returns the programs the command line names, in install order,
// with a name for each: the files, or with --pid the filters of a running
// thread.
func (in *Input) Policies(paths []string, stdin io.Reader) ([]string, []program.Program, error) {
	if in.Pid == 0 {
		if len(paths) == 0 {
			return nil, nil, Usagef("no policy file given (try --help)")
		}
		progs, err := in.LoadAll(paths, stdin)
		return paths, progs, err
	}
	if len(paths) > 0 {
		return nil, nil, Usagef("give policy files or --pid, not both")
	}
	progs, err := kernel.ReadFilters(in.Pid)
	if err != nil {
		return nil, nil, Usagef("--pid %d: %v", in.Pid, err)
	}
	if len(progs) == 0 {
		return nil, nil, Usagef("--pid %d: the thread has no seccomp filter", in.Pid)
	}
	names := make([]string, len(progs))
	for i := range progs {
		names[i] = fmt.Sprintf("pid %d filter %d", in.Pid, i)
	}
	return names, progs, nil
}

// Load reads one policy file ("-" is standard input).
func (in *Input) Load(path string, stdin io.Reader) (program.Program, error) {
	f, err := program.ParseFormat(in.Format)
	if err != nil {
		return nil, Usagef("--format: %v", err)
	}
	opt := program.DecodeOptions{Format: f, BigEndian: in.BigEndian, Name: path}
	if path == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, Usagef("reading standard input: %v", err)
		}
		opt.Name = "<stdin>"
		p, _, err := program.Decode(data, opt)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		return p, nil
	}
	p, _, err := program.ReadFile(path, opt)
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	return p, nil
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
