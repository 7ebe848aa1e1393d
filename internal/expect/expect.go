// Package expect checks a policy against a human-written list of cases,
// each a syscall and the action the policy must give it: bpfsim --expect.
// A file is YAML (or JSON, which YAML reads too):
//
//	arch: x86_64                  # the default arch of the cases
//	cases:
//	  - name: open for reading
//	    syscall: openat
//	    args: [AT_FDCWD, 0x7ffc1000, O_RDONLY|O_CLOEXEC]
//	    expect: ALLOW
//	  - syscall: clone
//	    args: [CLONE_NEWUSER]
//	    expect: ERRNO(EPERM)
//	    outcome: {returned: true, return: -1}
//
// Parse reads it, Check runs the cases on a stack, CheckLive asks the
// kernel too, WriteText, WriteJSON and WriteJUnit report, and Update writes
// the current behaviour back into the file, keeping its comments.
package expect

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// File is a parsed expectations file.
type File struct {
	Name  string
	Cases []*Case
	doc   *yaml.Node
}

// Case is one expectation: a call and what the policy must do with it.
type Case struct {
	// Name is the case's name, or one made of its syscall and args.
	Name string
	// Line is the line of the case in the file.
	Line int
	Call input.Call
	// Want is the expected return value; Want.Text is "" when the case
	// has none yet (a failure, which Update fills in).
	Want Want
	// Outcome, when not nil, is what the calling thread must experience.
	Outcome *OutcomeWant
	node    *yaml.Node // the case's mapping, for Update
}

// Error is a malformed file: the file, the line and why.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads an expectations file: a mapping with the cases under
// "cases" and optionally a default "arch", or a bare list of cases. Each
// case has syscall (a name or number on its arch) and expect, and
// optionally name, arch (default the file's, else x86_64), args (at most
// six values as input.ParseValue reads them: numbers, negative numbers,
// constants such as AT_FDCWD and O_RDONLY|O_CLOEXEC), ip, and outcome.
// Errors are *Error, with the line.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Name: name}
	fail := func(line int, format string, args ...any) error {
		return &Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, fail(line, "%s", m[2])
		}
		return nil, fail(0, "%s", msg)
	}
	if len(doc.Content) == 0 {
		return nil, fail(0, "no cases")
	}
	f.doc = &doc
	root := doc.Content[0]
	arch, _ := seccompdata.LookupArch("x86_64")
	list := root
	switch root.Kind {
	case yaml.SequenceNode:
	case yaml.MappingNode:
		list = nil
		for i := 0; i < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			switch k.Value {
			case "arch":
				a, err := input.ParseArch(v.Value)
				if v.Kind != yaml.ScalarNode || err != nil {
					return nil, fail(v.Line, "arch: %v", err)
				}
				arch = a
			case "cases":
				if v.Kind != yaml.SequenceNode {
					return nil, fail(v.Line, "cases: want a list of cases")
				}
				list = v
			default:
				return nil, fail(k.Line, "unknown field %q (want arch, cases)", k.Value)
			}
		}
		if list == nil {
			return nil, fail(root.Line, "no cases: list them under cases:")
		}
	default:
		return nil, fail(root.Line, "want a list of cases, or a mapping with cases:")
	}
	for _, n := range list.Content {
		c, err := parseCase(n, arch)
		if err != nil {
			return nil, &Error{File: name, Line: err.line, Msg: err.msg}
		}
		f.Cases = append(f.Cases, c)
	}
	if len(f.Cases) == 0 {
		return nil, fail(list.Line, "no cases")
	}
	return f, nil
}

type caseError struct {
	line int
	msg  string
}

func errAt(n *yaml.Node, format string, args ...any) *caseError {
	return &caseError{line: n.Line, msg: fmt.Sprintf(format, args...)}
}

func scalar(k, v *yaml.Node) (string, *caseError) {
	if v.Kind != yaml.ScalarNode {
		return "", errAt(v, "%s: want a single value", k.Value)
	}
	return v.Value, nil
}

func parseCase(n *yaml.Node, arch seccompdata.Arch) (*Case, *caseError) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "a case is a mapping with syscall: and expect:")
	}
	c := &Case{Line: n.Line, node: n}
	fields := make(map[string]*yaml.Node)
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "name", "syscall", "arch", "args", "ip", "expect", "outcome":
		default:
			return nil, errAt(k, "unknown field %q (want name, syscall, arch, args, ip, expect, outcome)", k.Value)
		}
		if fields[k.Value] != nil {
			return nil, errAt(k, "%s given twice", k.Value)
		}
		fields[k.Value] = v
	}
	key := func(name string) *yaml.Node { return &yaml.Node{Value: name} }
	if v := fields["arch"]; v != nil {
		s, err := scalar(key("arch"), v)
		if err != nil {
			return nil, err
		}
		a, perr := input.ParseArch(s)
		if perr != nil {
			return nil, errAt(v, "arch: %v", perr)
		}
		arch = a
	}
	v := fields["syscall"]
	if v == nil {
		return nil, errAt(n, "no syscall: every case names one")
	}
	sys, serr := scalar(key("syscall"), v)
	if serr != nil {
		return nil, serr
	}
	nr, err := input.ParseNr(sys, arch)
	if err != nil {
		return nil, errAt(v, "syscall: %v", err)
	}
	c.Call = input.New(arch, nr)
	var argText []string
	if v := fields["args"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			return nil, errAt(v, "args: want a list of at most 6 values")
		}
		if len(v.Content) > 6 {
			return nil, errAt(v, "args: %d values, at most 6", len(v.Content))
		}
		for i, a := range v.Content {
			if a.Kind != yaml.ScalarNode {
				return nil, errAt(a, "args[%d]: want a single value", i)
			}
			x, err := input.ParseValue(a.Value, arch)
			if err != nil {
				return nil, errAt(a, "args[%d]: %v", i, err)
			}
			c.Call.Data.Args[i] = x
			argText = append(argText, a.Value)
		}
	}
	if v := fields["ip"]; v != nil {
		s, err := scalar(key("ip"), v)
		if err != nil {
			return nil, err
		}
		x, perr := input.ParseValue(s, arch)
		if perr != nil {
			return nil, errAt(v, "ip: %v", perr)
		}
		c.Call.Data.InstructionPointer = x
	}
	if err := c.Call.Check(); err != nil {
		return nil, errAt(n, "%v", err)
	}
	if v := fields["expect"]; v != nil {
		s, err := scalar(key("expect"), v)
		if err != nil {
			return nil, err
		}
		w, perr := ParseWant(s, arch)
		if perr != nil {
			return nil, errAt(v, "expect: %v", perr)
		}
		c.Want = w
	}
	if v := fields["outcome"]; v != nil {
		o, err := parseOutcome(v)
		if err != nil {
			return nil, err
		}
		c.Outcome = o
	}
	if v := fields["name"]; v != nil {
		s, err := scalar(key("name"), v)
		if err != nil {
			return nil, err
		}
		c.Name = s
	} else {
		c.Name = sys + "(" + strings.Join(argText, ", ") + ")"
		if fields["arch"] != nil {
			c.Name += " on " + arch.String()
		}
	}
	return c, nil
}

// Want is an expected return value: an action by name, with its data or
// any data, or an exact value.
type Want struct {
	// Text is the expectation as written ("ERRNO(EPERM)", "0x00050001").
	Text string
	// Exact: the stack must return exactly Ret.
	Exact bool
	Ret   uint32
	// Otherwise the action's kind must be Kind and, for ERRNO, TRAP and
	// TRACE, whose data the kernel uses, its data Data unless AnyData.
	Kind    seccompdata.Action
	Data    uint16
	AnyData bool
}

// ParseWant reads an expectation: a number (0x00050001, the exact value
// the kernel acts on), or an action name: ALLOW, LOG, KILL_PROCESS,
// KILL_THREAD (or KILL), USER_NOTIF match that action whatever its data;
// ERRNO, TRAP and TRACE take their data in parentheses, a number, * for
// any, or for ERRNO an errno name of arch (ERRNO(EPERM)). SECCOMP_RET_
// may prefix a name; case does not matter.
func ParseWant(s string, arch seccompdata.Arch) (Want, error) {
	t := strings.TrimSpace(s)
	w := Want{Text: t}
	if t == "" {
		return w, fmt.Errorf("empty: want an action such as ALLOW or ERRNO(EPERM), or a value such as 0x7fff0000")
	}
	if c := t[0]; c == '-' || (c >= '0' && c <= '9') {
		if n, err := strconv.ParseUint(t, 0, 32); err == nil {
			w.Exact, w.Ret = true, uint32(n)
			return w, nil
		}
		if n, err := strconv.ParseInt(t, 0, 32); err == nil {
			w.Exact, w.Ret = true, uint32(int32(n))
			return w, nil
		}
		return w, fmt.Errorf("%q is not a 32-bit value", t)
	}
	u := strings.ToUpper(t)
	name, data, hasData := u, "", false
	if i := strings.IndexByte(u, '('); i >= 0 {
		if !strings.HasSuffix(u, ")") {
			return w, fmt.Errorf("%q: missing closing parenthesis", t)
		}
		name, data, hasData = strings.TrimSpace(u[:i]), strings.TrimSpace(u[i+1:len(u)-1]), true
	}
	if strings.TrimPrefix(name, "SECCOMP_RET_") == "UNKNOWN" {
		a, err := seccompdata.ParseAction(t)
		if err != nil {
			return w, err
		}
		w.Exact, w.Ret = true, uint32(a)
		return w, nil
	}
	kind, err := seccompdata.ParseAction(name)
	if err != nil || kind.Data() != 0 || strings.ContainsAny(name, "|0123456789") {
		return w, fmt.Errorf("%q: want ALLOW, LOG, KILL_PROCESS, KILL_THREAD, USER_NOTIF, ERRNO(...), TRAP(...), TRACE(...) or a value", t)
	}
	w.Kind = kind
	switch kind {
	case seccompdata.ActErrno, seccompdata.ActTrap, seccompdata.ActTrace:
		if !hasData {
			return w, fmt.Errorf("%q: say which data, as in %s(1), or %s(*) for any", t, kind.Name(), kind.Name())
		}
		switch {
		case data == "*":
			w.AnyData = true
		default:
			if n, err := strconv.ParseUint(data, 0, 16); err == nil {
				w.Data = uint16(n)
			} else if e, ok := arch.ErrnoByName(data); ok && kind == seccompdata.ActErrno {
				w.Data = e
			} else if kind == seccompdata.ActErrno {
				return w, fmt.Errorf("%q: %q is not a 16-bit number or an errno of %s", t, data, arch)
			} else {
				return w, fmt.Errorf("%q: %q is not a 16-bit number", t, data)
			}
		}
	default:
		if hasData {
			return w, fmt.Errorf("%q: %s's data makes no difference to the kernel; write %s, or the exact value", t, kind.Name(), kind.Name())
		}
	}
	return w, nil
}

// Match reports whether ret, the value the kernel acts on, meets w.
func (w Want) Match(ret uint32) bool {
	if w.Text == "" {
		return false
	}
	if w.Exact {
		return ret == w.Ret
	}
	a := seccompdata.Action(ret)
	if a.Kind() != w.Kind {
		return false
	}
	switch w.Kind {
	case seccompdata.ActErrno, seccompdata.ActTrap, seccompdata.ActTrace:
		return w.AnyData || a.Data() == w.Data
	}
	return true
}

// OutcomeWant is what the calling thread must experience; nil fields are
// not checked. The names are those of seccompdata.Outcome's JSON.
type OutcomeWant struct {
	Runs     *bool   `json:"runs,omitempty"`
	Returned *bool   `json:"returned,omitempty"`
	Return   *int64  `json:"return,omitempty"`
	Killed   *string `json:"killed,omitempty"`
	Signal   *int    `json:"signal,omitempty"`
	CoreDump *bool   `json:"core_dump,omitempty"`
	Logged   *bool   `json:"logged,omitempty"`
}

func parseOutcome(n *yaml.Node) (*OutcomeWant, *caseError) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "outcome: want a mapping such as {returned: true, return: -1}")
	}
	o := &OutcomeWant{}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, errAt(v, "outcome.%s: want a single value", k.Value)
		}
		var err error
		switch k.Value {
		case "runs", "returned", "core_dump", "logged":
			var b bool
			if b, err = strconv.ParseBool(v.Value); err == nil {
				switch k.Value {
				case "runs":
					o.Runs = &b
				case "returned":
					o.Returned = &b
				case "core_dump":
					o.CoreDump = &b
				case "logged":
					o.Logged = &b
				}
			}
		case "return":
			var x int64
			if x, err = strconv.ParseInt(v.Value, 0, 64); err == nil {
				o.Return = &x
			}
		case "signal":
			var x int64
			if x, err = strconv.ParseInt(v.Value, 0, 32); err == nil && x >= 0 && x <= math.MaxInt32 {
				s := int(x)
				o.Signal = &s
			}
		case "killed":
			s := strings.ToLower(v.Value)
			switch s {
			case "", "none", "no", "false":
				s = seccompdata.KilledNone
			case seccompdata.KilledThread, seccompdata.KilledProcess:
			default:
				return nil, errAt(v, "outcome.killed: want none, thread or process")
			}
			o.Killed = &s
		default:
			return nil, errAt(k, "outcome: unknown field %q (want runs, returned, return, killed, signal, core_dump, logged)", k.Value)
		}
		if err != nil {
			return nil, errAt(v, "outcome.%s: %q: %v", k.Value, v.Value, err.(*strconv.NumError).Err)
		}
	}
	return o, nil
}

// diffs lists where got differs from o.
func (o *OutcomeWant) diffs(got *seccompdata.Outcome) []string {
	var d []string
	add := func(name string, want, have any) {
		if fmt.Sprint(want) != fmt.Sprint(have) {
			d = append(d, fmt.Sprintf("outcome.%s: expected %v, got %v", name, want, have))
		}
	}
	if o.Runs != nil {
		add("runs", *o.Runs, got.Runs)
	}
	if o.Returned != nil {
		add("returned", *o.Returned, got.Returned)
	}
	if o.Return != nil {
		add("return", *o.Return, got.Return)
	}
	if o.Killed != nil {
		k := func(s string) string {
			if s == "" {
				return "none"
			}
			return s
		}
		add("killed", k(*o.Killed), k(got.Killed))
	}
	if o.Signal != nil {
		add("signal", *o.Signal, got.Signal)
	}
	if o.CoreDump != nil {
		add("core_dump", *o.CoreDump, got.CoreDump)
	}
	if o.Logged != nil {
		add("logged", *o.Logged, got.Logged)
	}
	return d
}
