package seccompdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Input is one syscall as bpfsim's batch format describes it: the arch it
// was made on and the seccomp_data a filter sees.
type Input struct {
	Arch Arch
	Data Data
}

// ParseInput reads one JSON object of the batch format:
//
//	{"arch": "x86_64", "nr": 257, "args": [1, 2], "ip": 4198400}
//
// arch is an arch name or its AUDIT_ARCH number (defaultArch when absent);
// nr is the value the filter sees, as a signed or unsigned 32-bit number or
// a syscall name of that arch (an arch named "x32" adds the 0x40000000 bit
// when it is missing); args holds at most six unsigned 64-bit numbers and
// ip one, each a JSON number or a string in Go syntax ("0x7fff"). Missing
// fields are zero; unknown fields are an error.
func ParseInput(line []byte, defaultArch Arch) (Input, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Input{}, fmt.Errorf("not a JSON object: %v", err)
	}
	if raw == nil {
		return Input{}, fmt.Errorf("not a JSON object")
	}
	in := Input{Arch: defaultArch}
	if v, ok := raw["arch"]; ok {
		s, err := scalar(v)
		if err != nil {
			return Input{}, fmt.Errorf("arch: %v", err)
		}
		a, err := LookupArch(s)
		if err != nil {
			return Input{}, err
		}
		in.Arch = a
	}
	in.Data.Arch = in.Arch.Audit
	for key, v := range raw {
		var err error
		switch key {
		case "arch":
		case "nr":
			in.Data.Nr, err = parseNr(v, in.Arch)
		case "ip":
			in.Data.InstructionPointer, err = parseU64(v)
		case "args":
			err = parseArgs(v, &in.Data.Args)
		default:
			err = fmt.Errorf("unknown field (want arch, nr, args, ip)")
		}
		if err != nil {
			return Input{}, fmt.Errorf("%s: %v", key, err)
		}
	}
	if in.Arch.NrBit != 0 {
		in.Data.Nr |= int32(in.Arch.NrBit)
	}
	return in, nil
}

// ParseNr reads a syscall as bpfsim's command line and batch format name
// it: a syscall name of arch, or a number that fits in 32 bits (negative
// values and values above 0x7fffffff are taken as the filter sees them).
// An x32 arch adds its 0x40000000 bit.
func ParseNr(s string, arch Arch) (int32, error) {
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
			return 0, fmt.Errorf("unknown syscall %q on %s", s, arch.Name)
		}
		nr = n
	}
	if arch.NrBit != 0 {
		nr |= int32(arch.NrBit)
	}
	return nr, nil
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

func parseNr(v json.RawMessage, arch Arch) (int32, error) {
	s, err := scalar(v)
	if err != nil {
		return 0, err
	}
	return ParseNr(s, arch)
}

func parseU64(v json.RawMessage) (uint64, error) {
	s, err := scalar(v)
	if err != nil {
		return 0, err
	}
	return ParseUint64(s)
}

func parseArgs(v json.RawMessage, args *[6]uint64) error {
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		return fmt.Errorf("want an array of at most 6 numbers")
	}
	if len(list) > len(args) {
		return fmt.Errorf("%d values, at most 6", len(list))
	}
	for i, e := range list {
		x, err := parseU64(e)
		if err != nil {
			return fmt.Errorf("[%d]: %v", i, err)
		}
		args[i] = x
	}
	return nil
}
