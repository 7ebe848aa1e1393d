package corpus

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Expectation is the content of a corpus entry's NAME.expect.json: a
// program and what the kernel does with it. Every value in it was produced
// by the kernel (Expect), never by bpfsim's own code.
type Expectation struct {
	// Program is the program file, relative to the expectation file:
	// bpf_asm text (.asm) or raw little-endian struct sock_filter (.bpf).
	Program string `json:"program"`
	// Mode is "seccomp".
	Mode string `json:"mode"`
	// Accepted is the kernel's verdict; Errno its errno when it refuses.
	Accepted bool   `json:"accepted"`
	Errno    string `json:"errno,omitempty"`
	// Source says where the program comes from and how the expectations
	// were produced.
	Source string `json:"source"`
	// Kernel is the kernel that produced the expectations, as "linux
	// RELEASE ARCH".
	Kernel string `json:"kernel,omitempty"`
	// Note records what the entry guards against, for found divergences.
	Note string `json:"note,omitempty"`
	// Cases are the inputs and the kernel's answers; empty for a program
	// the kernel rejects.
	Cases []Case `json:"cases"`
}

// Case is one input and the kernel's answer for it.
type Case struct {
	// Why says what the input tests, or that a generator drew it.
	Why string `json:"why"`
	// Input is the seccomp_data in bpfsim's --input JSON form.
	Input json.RawMessage `json:"input"`
	// Ret is the 32-bit return value, "0x%08x"; Action its name.
	Ret    string `json:"ret"`
	Action string `json:"action"`
	// Method is how the oracle presented the input (kernel.Method).
	Method string `json:"method,omitempty"`
	// Outcome is what happened to a thread that really made the call;
	// recorded only where that is harmless (live.SafeToIssue).
	Outcome *Outcome `json:"outcome,omitempty"`
}

// Outcome is a recorded kernel outcome (kernel.Kernel.Outcome): the
// seccompdata.Outcome the oracle observed, with what changes from run to
// run taken out, and a line for readers. Files written before the outcome
// type was shared also carry "errno", which is -return and not read.
type Outcome struct {
	seccompdata.Outcome
	// Pid is set, and Return left 0, when the call was getppid and it ran:
	// it returned the helper's parent's pid, which changes from run to run.
	Pid bool `json:"pid,omitempty"`
	// Text is kernel.Observed.String, for readers.
	Text string `json:"text"`
}

func outcomeOf(nr int32, o kernel.Observed) *Outcome {
	out := &Outcome{Outcome: o.Outcome, Text: o.String()}
	if nr == seccompdata.NrGetppidX86_64 && o.Returned && o.Return > 0 {
		out.Return, out.Pid, out.Text = 0, true, "returned the parent's pid"
	}
	return out
}

// observed is the recorded outcome as the oracle reports one.
func (o *Outcome) observed(nr int32) kernel.Observed {
	ob := kernel.Observed{Install: kernel.Verdict{Accepted: true, FailedIndex: -1}, Ran: true, Outcome: o.Outcome}
	if o.Pid {
		ob.Return = 1 // any pid
	}
	ob.Errno = seccompdata.ReturnErrno(ob.Return)
	ob.Runs = o.Returned && o.Trap == nil && ranAsExpected(nr, ob.Return)
	return ob
}

// same reports whether two recorded outcomes agree on everything that is
// the same on every run: not the call address, nor Runs, which files
// written before it was recorded lack.
func (o *Outcome) same(p *Outcome) bool {
	a, b := o.Outcome, p.Outcome
	if a.Returned != b.Returned || a.Return != b.Return || o.Pid != p.Pid || a.Killed != b.Killed || a.Signal != b.Signal {
		return false
	}
	if (a.Trap == nil) != (b.Trap == nil) {
		return false
	}
	if a.Trap != nil {
		ta, tb := *a.Trap, *b.Trap
		ta.CallAddr, tb.CallAddr = 0, 0
		return ta == tb
	}
	return true
}

// CaseInput is an input to record, with the reason it is in the corpus.
type CaseInput struct {
	// Why becomes the Case's Why.
	Why string
	// Input is the seccomp_data to ask the kernel about.
	Input seccompdata.Data
}

// InputJSON writes d in bpfsim's --input JSON form (internal/input.Call),
// which ParseCaseInput and bpfsim --input read back: arch by name where
// bpfsim knows it, else as its number; nr as a signed number; args and ip
// in hex.
func InputJSON(d seccompdata.Data) json.RawMessage {
	b, _ := json.Marshal(input.Call{Arch: seccompdata.ArchOf(d.Arch), Data: d})
	return b
}

// ParseCaseInput reads a Case's input. Arch numbers bpfsim has no table for
// are accepted too; the words are laid out as on x86_64 in either case,
// since that is where the kernel produced the expectations.
func ParseCaseInput(raw json.RawMessage) (seccompdata.Data, error) {
	var c input.Call
	err := json.Unmarshal(raw, &c)
	return c.Data, err
}

// kernelString returns "linux RELEASE ARCH" for the running kernel.
func kernelString() string {
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS + " " + runtime.GOARCH
	}
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x86_64"
	}
	return "linux " + strings.TrimSpace(string(rel)) + " " + arch
}

// readsIP reports whether p loads seccomp_data.instruction_pointer.
func readsIP(p program.Program) bool {
	for _, ins := range p {
		if ins.Op == program.ClassLD|program.ModeABS && (ins.K == 8 || ins.K == 12) {
			return true
		}
	}
	return false
}

// Expect asks the kernel about p and cases: its verdict, and for an accepted
// p the return value of each input (Oracle.Eval) and, with outcomes, what a
// thread that really makes the call experiences (Kernel.Outcome), for the
// inputs where that is harmless: native x86_64 calls that the filter keeps
// from running, or that do nothing when they run (live.SafeToIssue).
// Outcomes always come from the live kernel through k.Outcome, whatever
// k is.
func Expect(ctx context.Context, k kernel.Kernel, p program.Program, cases []CaseInput, outcomes bool) (*Expectation, error) {
	v, err := k.Verdict(ctx, []program.Program{p})
	if err != nil {
		return nil, err
	}
	e := &Expectation{Mode: "seccomp", Accepted: v.Accepted, Kernel: kernelString(),
		Source: "expectations produced by the live kernel (kernel.Kernel Verdict, Eval and Outcome) through corpus.Expect"}
	if !v.Accepted {
		e.Errno = v.Errno.String()
		return e, nil
	}
	in := make([]seccompdata.Data, len(cases))
	for i, c := range cases {
		in[i] = c.Input
	}
	res, err := k.Eval(ctx, p, in)
	if err != nil {
		return nil, err
	}
	ip := readsIP(p)
	for i, c := range cases {
		kc := Case{Why: c.Why, Input: InputJSON(c.Input), Ret: fmt.Sprintf("0x%08x", res[i].Ret),
			Action: seccompdata.Action(res[i].Ret).String(), Method: res[i].Method.String()}
		if ok, _ := live.SafeToIssue(&in[i], res[i].Ret, ip, vm.OutcomeOptions{}); ok && outcomes {
			o, err := k.Outcome(ctx, []program.Program{p}, kernel.OutcomeCall{Nr: in[i].Nr, Args: in[i].Args}, kernel.OutcomeEnv{})
			if err != nil {
				return nil, fmt.Errorf("outcome of %s: %w", kc.Input, err)
			}
			kc.Outcome = outcomeOf(in[i].Nr, o)
		}
		e.Cases = append(e.Cases, kc)
	}
	return e, nil
}

// Entry is a corpus entry read by ReadEntry.
type Entry struct {
	// Path is the expectation file.
	Path string
	// Program is the program the expectation names, decoded.
	Program program.Program
	// Exp is the expectation file's content.
	Exp Expectation
}

// ReadEntry reads an expectation file and the program it names.
func ReadEntry(path string) (*Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	e := &Entry{Path: path}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e.Exp); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if e.Exp.Program == "" || e.Exp.Source == "" {
		return nil, fmt.Errorf("%s: an expectation needs a program and a source", path)
	}
	opt := program.DecodeOptions{}
	if filepath.Ext(e.Exp.Program) == ".bpf" {
		opt.Format = program.FormatRaw
	}
	e.Program, _, err = program.ReadFile(filepath.Join(filepath.Dir(path), e.Exp.Program), opt)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// WriteExpectation writes e as indented JSON, one case per line.
func WriteExpectation(path string, e *Expectation) error {
	var b bytes.Buffer
	head := *e
	head.Cases = nil
	hb, err := marshal(head, "  ")
	if err != nil {
		return err
	}
	hb = bytes.TrimSuffix(bytes.TrimSpace(hb), []byte("}"))
	hb = bytes.TrimSuffix(bytes.TrimSpace(hb), []byte(`"cases": null`))
	b.Write(hb)
	b.WriteString("\"cases\": [")
	for i, c := range e.Cases {
		cb, err := marshal(c, "")
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ")
		b.Write(cb)
	}
	if len(e.Cases) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	var check Expectation
	if err := json.Unmarshal(b.Bytes(), &check); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteEntry writes p as dir/name.asm (or dir/name.bpf when bpf_asm cannot
// express it exactly, bits the kernel ignores included: program.IgnoredBits)
// and e, with its Program set accordingly, as dir/name.expect.json.
func WriteEntry(dir, name string, p program.Program, e *Expectation) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := name + ".asm"
	data, err := program.Encode(p, program.FormatAsm, false)
	if err == nil && program.IgnoredBits(p) != nil {
		err = errors.New("bpf_asm would drop bits the kernel ignores")
	}
	if err == nil {
		data = append([]byte("; "+name+": "+oneLine(e.Note)+"\n"), data...)
	} else {
		file = name + ".bpf"
		if data, err = program.Encode(p, program.FormatRaw, false); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
		return err
	}
	e.Program = file
	return WriteExpectation(filepath.Join(dir, name+".expect.json"), e)
}

// marshal is json.Marshal (or MarshalIndent with indent) without escaping
// <, > and &, which makes reasons such as "1<<32" unreadable.
func marshal(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// Replay checks an entry against the verifier and the vm, and, when k is
// not nil, against the kernel again: its verdict, its return values and the
// recorded outcomes. The vm's outcome model (vm.Outcome) is compared with
// every recorded outcome. With k, the outcomes are observed again through
// Kernel.Outcome. It returns one line per disagreement.
func Replay(ctx context.Context, e *Entry, k kernel.Kernel) []string {
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	err := verifier.Check(e.Program, verifier.Seccomp)
	if (err == nil) != e.Exp.Accepted {
		add("verifier: %v, want accepted=%v", err, e.Exp.Accepted)
	}
	var ve *verifier.Error
	if err != nil && e.Exp.Errno != "" && errors.As(err, &ve) && ve.Errno.String() != e.Exp.Errno {
		add("verifier: errno %v, want %s", ve.Errno, e.Exp.Errno)
	}
	if k != nil {
		v, kerr := k.Verdict(ctx, []program.Program{e.Program})
		switch {
		case kerr != nil:
			add("kernel verdict: %v", kerr)
		case v.Accepted != e.Exp.Accepted || (!v.Accepted && v.Errno.String() != e.Exp.Errno):
			add("kernel verdict %v, want accepted=%v %s", v, e.Exp.Accepted, e.Exp.Errno)
		}
	}
	if !e.Exp.Accepted || err != nil {
		return bad
	}
	f, err := vm.Compile(e.Program, verifier.Seccomp)
	if err != nil {
		add("vm.Compile: %v", err)
		return bad
	}
	inputs := make([]seccompdata.Data, len(e.Exp.Cases))
	for i, c := range e.Exp.Cases {
		d, err := ParseCaseInput(c.Input)
		if err != nil {
			add("case %q: input %s: %v", c.Why, c.Input, err)
			return bad
		}
		inputs[i] = d
	}
	var kres []kernel.EvalResult
	if k != nil && len(inputs) > 0 {
		var kerr error
		if kres, kerr = k.Eval(ctx, e.Program, inputs); kerr != nil {
			add("kernel eval: %v", kerr)
			kres = nil
		}
	}
	for i, c := range e.Exp.Cases {
		want, err := strconv.ParseUint(c.Ret, 0, 32)
		if err != nil {
			add("case %q: ret %q: %v", c.Why, c.Ret, err)
			continue
		}
		w := inputs[i].Words(binary.LittleEndian)
		got := f.RunSeccomp(&w)
		if got != uint32(want) {
			add("case %q %s: vm 0x%08x, want %s", c.Why, c.Input, got, c.Ret)
		}
		if a := seccompdata.Action(want).String(); a != c.Action {
			add("case %q: action %s does not name ret %s (%s)", c.Why, c.Action, c.Ret, a)
		}
		if kres != nil && kres[i].Ret != uint32(want) {
			add("case %q %s: kernel 0x%08x, want %s", c.Why, c.Input, kres[i].Ret, c.Ret)
		}
		if c.Outcome == nil {
			continue
		}
		d := inputs[i]
		if c.Outcome.Trap != nil {
			d.InstructionPointer = c.Outcome.Trap.CallAddr
		}
		m := vm.Outcome(&d, uint32(want), vm.OutcomeOptions{LastThread: true, SIGSYSHandler: true})
		ob := c.Outcome.observed(d.Nr)
		for _, s := range live.Compare(m, ob.Outcome) {
			add("case %q: outcome: %s", c.Why, s)
		}
		if k != nil {
			o, err := k.Outcome(ctx, []program.Program{e.Program}, kernel.OutcomeCall{Nr: d.Nr, Args: d.Args}, kernel.OutcomeEnv{})
			if err != nil {
				add("case %q: kernel outcome: %v", c.Why, err)
			} else if got := outcomeOf(d.Nr, o); !got.same(c.Outcome) {
				add("case %q: kernel outcome %s, recorded %s", c.Why, got.Text, c.Outcome.Text)
			}
		}
	}
	return bad
}

// ranAsExpected reports whether ret is what the harmless call nr returns
// when it really runs.
func ranAsExpected(nr int32, ret int64) bool {
	if nr&int32(seccompdata.X32SyscallBit) != 0 && ret == -int64(seccompdata.ENOSYS) {
		return true // a kernel built without CONFIG_X86_X32_ABI
	}
	switch nr &^ int32(seccompdata.X32SyscallBit) {
	case kernel.NrNonexistent:
		return ret == -int64(seccompdata.ENOSYS)
	case seccompdata.NrGetppidX86_64:
		return ret > 0
	}
	return false
}

// Programs reads the programs of a corpus directory in a fixed order:
// samples/*.asm, found/*.asm, found/*.bpf, filters/*.bpf. bpfsim's fuzz
// targets mutate these (fuzz.VerdictCase, fuzz.EvalCase), so a crasher is
// replayed with the same seeds it was found with as long as the corpus has
// not changed since.
func Programs(corpusDir string) ([]program.Program, error) {
	var out []program.Program
	for _, pat := range []string{"samples/*.asm", "found/*.asm", "found/*.bpf", "filters/*.bpf"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir, pat))
		sort.Strings(files)
		for _, f := range files {
			opt := program.DecodeOptions{}
			if filepath.Ext(f) == ".bpf" {
				opt.Format = program.FormatRaw
			}
			p, _, err := program.ReadFile(f, opt)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}
