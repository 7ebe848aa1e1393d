package program

import (
	"fmt"
	"strings"
)

// DecodeError reports why an input could not be read as a program, and where.
// Its message is one line, in lower case, without a trailing period, and
// looks like "policy.asm:12: unknown mnemonic \"lds\"" or
// "policy.bpf: byte 803: length 803 is not a multiple of 8".
type DecodeError struct {
	// Name is the file name given in DecodeOptions.Name, or the path given
	// to ReadFile; it may be empty.
	Name string
	// Line is the 1-based line of a text input the error refers to, or 0.
	Line int
	// Offset is the byte offset in a raw input the error refers to, or -1.
	Offset int64
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, such as a *fs.PathError from ReadFile,
	// or nil. errors.Is and errors.As see it through Unwrap.
	Err error
}

// Error returns "name:line: msg", "name: byte offset: msg" or "name: msg",
// leaving out the parts that are not known.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Line > 0 {
		if e.Name == "" {
			b.WriteString("line ")
		} else {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, "%d", e.Line)
	}
	if e.Offset >= 0 {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		fmt.Fprintf(&b, "byte %d", e.Offset)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// lineError returns a DecodeError for a line of a text input.
func lineError(name string, line int, format string, args ...any) *DecodeError {
	return &DecodeError{Name: name, Line: line, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// EncodeError reports an instruction that cannot be written in the requested
// format, such as a code that has no bpf_asm spelling.
type EncodeError struct {
	// PC is the index of the offending instruction, or -1 when the error
	// concerns the whole program.
	PC int
	// Ins is the offending instruction (zero when PC is -1).
	Ins Instruction
	// Msg says what is wrong.
	Msg string
}

// Error returns a one-line message naming the instruction and its code.
func (e *EncodeError) Error() string {
	if e.PC < 0 {
		return e.Msg
	}
	return fmt.Sprintf("instruction %d (code %#04x jt %d jf %d k %#x): %s",
		e.PC, e.Ins.Op, e.Ins.Jt, e.Ins.Jf, e.Ins.K, e.Msg)
}
