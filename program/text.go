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
func decodeDDD(text, name string) (textResult, error) {
	count, countLine := -1, 0
	var r textResult
	for ln, rest := 1, text; rest != ""; ln++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if count < 0 {
			if len(fields) != 1 {
				return r, lineError(name, ln, "want the instruction count alone on the first line, got %q", strings.TrimSpace(line))
			}
			n, err := parseCount(fields[0])
			if err != nil {
				return r, lineError(name, ln, "%v", err)
			}
			count, countLine = n, ln
			r.prog = make(Program, 0, min(count, strings.Count(rest, "\n")+1))
			r.lines = make([]int, 0, cap(r.prog))
			continue
		}
		if len(r.prog) == count {
			return r, lineError(name, ln, "more instructions than the count %d given on line %d", count, countLine)
		}
		ins, err := parseFields(fields)
		if err != nil {
			return r, lineError(name, ln, "%v", err)
		}
		r.prog = append(r.prog, ins)
		r.lines = append(r.lines, ln)
	}
	if count < 0 {
		return textResult{prog: Program{}}, nil // blank input: no instructions
	}
	if len(r.prog) != count {
		return r, lineError(name, countLine, "count is %d but %d instructions follow", count, len(r.prog))
	}
	return r, nil
}

// decodeComma reads bpf_asm's default output. The trailing comma that
// bpf_asm always writes is optional, and white space (including newlines)
// around fields is tolerated.
func decodeComma(text, name string) (textResult, error) {
	body := strings.TrimRight(text, " \t\r\n\f\v")
	var r textResult
	if body == "" {
		return textResult{prog: Program{}}, nil // blank input: no instructions
	}
	body = strings.TrimSuffix(body, ",") // the trailing comma
	line := 1
	// lineOf returns the line on which part starts, after white space.
	lineOf := func(part string) int {
		return line + strings.Count(part[:len(part)-len(strings.TrimLeft(part, " \t\r\n\f\v"))], "\n")
	}
	head, rest, more := strings.Cut(body, ",")
	count, err := parseCount(strings.TrimSpace(head))
	if err != nil {
		return r, lineError(name, lineOf(head), "%v", err)
	}
	line += strings.Count(head, "\n")
	n := 0
	if more {
		n = strings.Count(rest, ",") + 1
	}
	if n != count {
		return r, lineError(name, 1, "count is %d but %d instructions follow", count, n)
	}
	r.prog, r.lines = make(Program, 0, n), make([]int, 0, n)
	for i := 0; more; i++ {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		fields := strings.Fields(part)
		if len(fields) == 0 {
			return r, lineError(name, lineOf(part), "instruction %d is empty", i)
		}
		ins, err := parseFields(fields)
		if err != nil {
			return r, lineError(name, lineOf(part), "instruction %d: %v", i, err)
		}
		r.prog = append(r.prog, ins)
		r.lines = append(r.lines, lineOf(part))
		line += strings.Count(part, "\n")
	}
	return r, nil
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
