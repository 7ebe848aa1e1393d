package program

import (
	"fmt"
	"strconv"
	"strings"
)

// Readers and writers for the two all-decimal forms: tcpdump -ddd
// (libpcap bpf_dump.c) and bpf_asm's default output (tools/bpf/bpf_exp.y,
// bpf_pretty_print), which bpf_dbg and iptables -m bpf read.

// encodeDDD writes p the way tcpdump -ddd does: "%d\n" with the count, then
// "%u %u %u %u\n" per instruction.
func encodeDDD(p Program) []byte {
	b := make([]byte, 0, 8+len(p)*20)
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, '\n')
	for _, ins := range p {
		b = appendFields(b, ins)
		b = append(b, '\n')
	}
	return b
}

// encodeComma writes p the way bpf_asm does by default: "%u," with the
// count, "%u %u %u %u," per instruction, then a newline.
func encodeComma(p Program) []byte {
	b := make([]byte, 0, 8+len(p)*20)
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, ',')
	for _, ins := range p {
		b = appendFields(b, ins)
		b = append(b, ',')
	}
	return append(b, '\n')
}

func appendFields(b []byte, ins Instruction) []byte {
	b = strconv.AppendUint(b, uint64(ins.Op), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(ins.Jt), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(ins.Jf), 10)
	b = append(b, ' ')
	return strconv.AppendUint(b, uint64(ins.K), 10)
}

// decodeDDD reads tcpdump -ddd output. Blank lines and white space around
// fields are tolerated (tcpdump writes neither); anything else that is not
// a decimal field is an error.
func decodeDDD(text, name string) (Program, error) {
	lines := strings.Split(text, "\n")
	count, countLine := -1, 0
	var p Program
	for i, line := range lines {
		ln := i + 1
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if count < 0 {
			if len(fields) != 1 {
				return nil, lineError(name, ln, "want the instruction count alone on the first line, got %q", strings.TrimSpace(line))
			}
			n, err := parseCount(fields[0])
			if err != nil {
				return nil, lineError(name, ln, "%v", err)
			}
			count, countLine = n, ln
			p = make(Program, 0, min(count, len(lines)))
			continue
		}
		if len(p) == count {
			return nil, lineError(name, ln, "more instructions than the count %d given on line %d", count, countLine)
		}
		ins, err := parseFields(fields)
		if err != nil {
			return nil, lineError(name, ln, "%v", err)
		}
		p = append(p, ins)
	}
	if count < 0 {
		return Program{}, nil // blank input: no instructions
	}
	if len(p) != count {
		return nil, lineError(name, countLine, "count is %d but %d instructions follow", count, len(p))
	}
	return p, nil
}

// decodeComma reads bpf_asm's default output. The trailing comma that
// bpf_asm always writes is optional, and white space (including newlines)
// around fields is tolerated.
func decodeComma(text, name string) (Program, error) {
	body := strings.TrimRight(text, " \t\r\n\f\v")
	var parts []string
	if body != "" {
		parts = strings.Split(body, ",")
	}
	if len(parts) > 1 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1] // the trailing comma
	}
	line := 1
	lineOf := func(s string) int { // line on which part s starts
		return line + strings.Count(s[:len(s)-len(strings.TrimLeft(s, " \t\r\n\f\v"))], "\n")
	}
	if len(parts) == 0 {
		return Program{}, nil // blank input: no instructions
	}
	count, err := parseCount(strings.TrimSpace(parts[0]))
	if err != nil {
		return nil, lineError(name, lineOf(parts[0]), "%v", err)
	}
	line += strings.Count(parts[0], "\n")
	if len(parts)-1 != count {
		return nil, lineError(name, 1, "count is %d but %d instructions follow", count, len(parts)-1)
	}
	p := make(Program, 0, len(parts)-1)
	for i, part := range parts[1:] {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			return nil, lineError(name, lineOf(part), "instruction %d is empty", i)
		}
		ins, err := parseFields(fields)
		if err != nil {
			return nil, lineError(name, lineOf(part), "instruction %d: %v", i, err)
		}
		p = append(p, ins)
		line += strings.Count(part, "\n")
	}
	return p, nil
}

// parseCount reads the instruction count of the ddd and comma formats.
func parseCount(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	switch {
	case err != nil && !isDecimal(s):
		return 0, fmt.Errorf("instruction count %q is not a decimal number", s)
	case err != nil || n > MaxDecodeInstructions:
		return 0, fmt.Errorf("instruction count %s is more than %d", s, MaxDecodeInstructions)
	}
	return int(n), nil
}

// parseFields reads "code jt jf k", all decimal.
func parseFields(f []string) (Instruction, error) {
	if len(f) != 4 {
		return Instruction{}, fmt.Errorf("want 4 numbers \"code jt jf k\", got %d fields %q", len(f), strings.Join(f, " "))
	}
	var v [4]uint64
	limits := [4]uint64{0xffff, 0xff, 0xff, 0xffffffff}
	names := [4]string{"code", "jt", "jf", "k"}
	for i, s := range f {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil && !isDecimal(s) {
			return Instruction{}, fmt.Errorf("%s %q is not a decimal number", names[i], s)
		}
		if err != nil || n > limits[i] {
			return Instruction{}, fmt.Errorf("%s %s is out of range 0..%d", names[i], s, limits[i])
		}
		v[i] = n
	}
	return Instruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}, nil
}

func isDecimal(s string) bool {
	return s != "" && leadingDigits(s) == len(s)
}
