// Package input reads and writes the syscalls bpfsim runs filters on, in the
// form its command line and its --input batches use: the arch a call was
// made on and the seccomp_data a filter sees.
package input

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Call is one syscall: the arch it is made on and the seccomp_data a filter
// sees. Its JSON form is one line of an --input batch:
//
//	{"arch": "x86_64", "nr": 257, "args": ["0xffffff9c", "0x7ffc1000", "0x0", "0x0", "0x0", "0x0"], "ip": "0x401000"}
//
// MarshalJSON writes that form (arch by name, or as its number for an arch
// bpfsim has no table for; nr as the signed number the filter sees; all six
// args and ip as hex strings, exact in any JSON reader), and UnmarshalJSON
// and Parse read it back unchanged.
type Call struct {
	Arch seccompdata.Arch
	Data seccompdata.Data
}

// New returns the call nr on arch with all-zero args and ip.
func New(arch seccompdata.Arch, nr int32) Call {
	return Call{Arch: arch, Data: seccompdata.Data{Arch: arch.Audit, Nr: nr}}
}

// Parse reads one JSON object of the batch format. arch is an arch name or
// any 32-bit AUDIT_ARCH number (defaultArch when absent); nr is the value
// the filter sees, as a signed or unsigned 32-bit number or a syscall name
// of that arch (an arch named "x32" adds the 0x40000000 bit when it is
// missing); args holds at most six unsigned 64-bit numbers and ip one, each
// a JSON number or a string in Go syntax ("0x7fff"). nr is required; a
// missing arch, args or ip is the default arch or zero; args and ip may
// also be negative or symbolic, as ParseValue reads them; unknown fields and
// a second value after the object are errors. Parse reads any seccomp_data, as a
// filter may be tested on; Check says whether a real call can produce it.
func Parse(line []byte, defaultArch seccompdata.Arch) (Call, error) {
	if c, ok := parseFast(line, defaultArch); ok {
		return c, nil
	}
	return parseJSON(line, defaultArch)
}

// parseJSON is Parse through encoding/json: the one that says exactly
// what is wrong with a line.
func parseJSON(line []byte, defaultArch seccompdata.Arch) (Call, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Call{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if raw == nil {
		return Call{}, fmt.Errorf("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Call{}, fmt.Errorf("more than one JSON value: one call per line")
	}
	in := Call{Arch: defaultArch}
	if v, ok := raw["arch"]; ok {
		s, err := scalar(v)
		if err != nil {
			return Call{}, fmt.Errorf("arch: %v", err)
		}
		if in.Arch, err = ParseArch(s); err != nil {
			return Call{}, err
		}
	}
	in.Data.Arch = in.Arch.Audit
	for key, v := range raw {
		var err error
		switch key {
		case "arch":
		case "nr":
			in.Data.Nr, err = parseNr(v, in.Arch)
		case "ip":
			in.Data.InstructionPointer, err = parseValue(v, in.Arch)
		case "args":
			err = parseArgs(v, &in.Data.Args, in.Arch)
		default:
			err = fmt.Errorf("unknown field (want arch, nr, args, ip)")
		}
		if err != nil {
			return Call{}, fmt.Errorf("%s: %v", key, err)
		}
	}
	if _, ok := raw["nr"]; !ok {
		return Call{}, fmt.Errorf("no nr: every call names its syscall (0 is read)")
	}
	if in.Arch.NrBit != 0 {
		in.Data.Nr |= int32(in.Arch.NrBit)
	}
	return in, nil
}

// Check refuses values the call's arch cannot produce: on an arch whose
// registers are 32 bits wide (arm, mips, and any AUDIT_ARCH without
// __AUDIT_ARCH_64BIT) populate_seccomp_data takes each argument and the
// instruction pointer from a 32-bit register (syscall_get_arguments,
// kernel/seccomp.c), so a value above 0xffffffff never reaches a filter.
// Two 32-bit ABIs are exempt, because they run on x86_64 with whole 64-bit
// registers: x32, and i386, whose int $0x80 from a 64-bit process passes
// rbx and the others whole (arch/x86/include/asm/syscall.h, TS_COMPAT;
// the live kernel shows such a high half to the filter,
// kernel.TestIA32WholeRegisters).
func (c Call) Check() error {
	if c.Arch.Bits != 32 || c.Arch.NrBit != 0 || c.Arch.Audit == seccompdata.AuditArchI386 {
		return nil
	}
	for i, a := range c.Data.Args {
		if a > math.MaxUint32 {
			return fmt.Errorf("args[%d]: %#x does not fit in 32 bits, and %s registers are 32 bits wide", i, a, c.Arch)
		}
	}
	if ip := c.Data.InstructionPointer; ip > math.MaxUint32 {
		return fmt.Errorf("ip: %#x does not fit in 32 bits, and %s registers are 32 bits wide", ip, c.Arch)
	}
	return nil
}

// ParseArch reads an arch as the command line and batch format name it: an
// arch name, or any 32-bit number as an AUDIT_ARCH value
// (seccompdata.ArchOf: an arch bpfsim has no table for has no syscall
// names).
func ParseArch(s string) (seccompdata.Arch, error) {
	a, err := seccompdata.LookupArch(s)
	if err == nil {
		return a, nil
	}
	if n, perr := strconv.ParseUint(strings.TrimSpace(s), 0, 32); perr == nil {
		return seccompdata.ArchOf(uint32(n)), nil
	}
	return seccompdata.Arch{}, err
}

// MarshalJSON writes c in the batch format (see Call).
func (c Call) MarshalJSON() ([]byte, error) {
	return c.AppendJSON(make([]byte, 0, 160)), nil
}

// AppendJSON appends c in the batch format to b.
func (c Call) AppendJSON(b []byte) []byte {
	if c.Arch.Name != "" {
		b = append(b, `{"arch":"`...)
		b = append(b, c.Arch.Name...)
		b = append(b, '"')
	} else {
		b = append(b, `{"arch":`...)
		b = strconv.AppendUint(b, uint64(c.Data.Arch), 10)
	}
	b = append(b, `,"nr":`...)
	b = strconv.AppendInt(b, int64(c.Data.Nr), 10)
	b = append(b, `,"args":[`...)
	for i, a := range c.Data.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHex(b, a)
	}
	b = append(b, `],"ip":`...)
	b = appendHex(b, c.Data.InstructionPointer)
	return append(b, '}')
}

// appendHex appends "0x..." (quoted).
func appendHex(b []byte, v uint64) []byte {
	b = append(b, `"0x`...)
	b = strconv.AppendUint(b, v, 16)
	return append(b, '"')
}

// UnmarshalJSON reads c in the batch format, with x86_64 as the arch when
// the object names none.
func (c *Call) UnmarshalJSON(b []byte) error {
	x86, _ := seccompdata.LookupArch("x86_64")
	in, err := Parse(b, x86)
	if err != nil {
		return err
	}
	*c = in
	return nil
}

// Read reads a batch of calls: one JSON object a line, blank lines and
// lines that start with # skipped, each one a call its arch can make
// (Check). An error names the line: "NAME:LINE: reason".
func Read(r io.Reader, name string, defaultArch seccompdata.Arch) ([]Call, error) {
	var calls []Call
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		in, err := Parse([]byte(text), defaultArch)
		if err == nil {
			err = in.Check()
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		calls = append(calls, in)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return calls, nil
}

// Entry is one line of a batch read by Stream: a call, or the error that
// kept the line from being one.
type Entry struct {
	Line int   // 1-based
	Call Call  // when Err is nil
	Err  error // "NAME:LINE: reason"
}

// Stream reads a batch as Read does, but hands it to fn in chunks as it
// arrives, in order: a chunk ends after max lines or where r has nothing
// more ready (so that a pipe's lines are answered as they come), whichever
// is first. A bad line is an Entry with Err, and the lines after it are
// still read. Memory stays bounded by the chunk. It returns fn's first
// error, or the reader's.
func Stream(r io.Reader, name string, defaultArch seccompdata.Arch, max int, fn func([]Entry) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	chunk := make([]Entry, 0, max)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := fn(chunk)
		chunk = chunk[:0]
		return err
	}
	for line := 1; ; line++ {
		text, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: no call is that long.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			chunk = append(chunk, Entry{Line: line, Err: fmt.Errorf("%s:%d: line longer than %d bytes", name, line, br.Size())})
		} else if t := bytes.TrimSpace(text); len(t) > 0 && t[0] != '#' {
			c, perr := Parse(t, defaultArch)
			if perr == nil {
				perr = c.Check()
			}
			if perr != nil {
				chunk = append(chunk, Entry{Line: line, Err: fmt.Errorf("%s:%d: %v", name, line, perr)})
			} else {
				chunk = append(chunk, Entry{Line: line, Call: c})
			}
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("%s: %v", name, err)
		}
		if len(chunk) >= max || br.Buffered() == 0 {
			if ferr := flush(); ferr != nil {
				return ferr
			}
		}
	}
}

// ParseNr reads a syscall as bpfsim's command line and batch format name
// it: a syscall name of arch, or a number that fits in 32 bits (negative
// values and values above 0x7fffffff are taken as the filter sees them).
// An x32 arch adds its 0x40000000 bit.
func ParseNr(s string, arch seccompdata.Arch) (int32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty syscall")
	}
	var nr int32
	if c := s[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil || v < math.MinInt32 || v > math.MaxUint32 {
			return 0, fmt.Errorf("syscall number %q does not fit in 32 bits", s)
		}
		nr = int32(uint32(v))
	} else {
		n, ok := arch.SyscallNumber(s)
		if !ok {
			if near := closest(s, arch.Syscalls()); near != "" {
				return 0, fmt.Errorf("unknown syscall %q on %s (did you mean %s?)", s, arch, near)
			}
			return 0, fmt.Errorf("unknown syscall %q on %s", s, arch)
		}
		nr = n
	}
	if arch.NrBit != 0 {
		nr |= int32(arch.NrBit)
	}
	return nr, nil
}

// closest returns the syscall name nearest to s by edit distance, if one is
// within a third of s's length.
func closest(s string, calls []seccompdata.Syscall) string {
	s = strings.ToLower(s)
	best, bestD := "", len(s)/3+1
	for _, c := range calls {
		if d := levenshtein.ComputeDistance(s, c.Name); d < bestD {
			best, bestD = c.Name, d
		}
	}
	return best
}

// ParseUint64 reads an unsigned 64-bit number in Go syntax (decimal, 0x
// hex, 0o or leading-0 octal, 0b binary), as the command line and batch
// format accept for args and ip.
func ParseUint64(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%q does not fit in 64 bits", s)
		}
		return 0, fmt.Errorf("%q is not an unsigned number", s)
	}
	return v, nil
}

func scalar(v json.RawMessage) (string, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return "", err
	}
	switch x := x.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	}
	return "", fmt.Errorf("want a string or a number, got %s", v)
}

func parseNr(v json.RawMessage, arch seccompdata.Arch) (int32, error) {
	s, err := scalar(v)
	if err != nil {
		return 0, err
	}
	return ParseNr(s, arch)
}

func parseValue(v json.RawMessage, arch seccompdata.Arch) (uint64, error) {
	s, err := scalar(v)
	if err != nil {
		return 0, err
	}
	return ParseValue(s, arch)
}

func parseArgs(v json.RawMessage, args *[6]uint64, arch seccompdata.Arch) error {
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		return fmt.Errorf("want an array of at most 6 numbers")
	}
	if len(list) > len(args) {
		return fmt.Errorf("%d values, at most 6", len(list))
	}
	for i, e := range list {
		x, err := parseValue(e, arch)
		if err != nil {
			return fmt.Errorf("[%d]: %v", i, err)
		}
		args[i] = x
	}
	return nil
}
