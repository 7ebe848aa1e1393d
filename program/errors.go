package program

import (
	"fmt"
	"strings"
)

// DecodeError reports why an input could not be read as a program, and where.
// Its message is one line, in lower case, without a trailing period, and
// looks like "policy.asm:12: pc 3: unknown mnemonic \"lds\"",
// "policy.bpf: byte 803: length 803 is not a multiple of 8" or, when the
// format was detected rather than given, "policy.bpf: byte 803: length 803
// is not a multiple of 8 (detected as raw; use --format to force another)".
type DecodeError struct {
	// Name is the file name given in DecodeOptions.Name, or the path given
	// to ReadFile; it may be empty.
	Name string
	// Line is the 1-based line of a text input the error refers to, or 0.
	Line int
	// Offset is the byte offset in the input the error refers to, or -1.
	// A text error may have both a line and an offset.
	Offset int64
	// PC is the index of the instruction being read when the error was
	// found, or -1 when the error concerns no one instruction.
	PC int
	// Format is the format the input was read as; FormatAuto when the
	// format was not known yet (a file that could not be read).
	Format Format
	// Detected says that Format was detected (DecodeOptions.Format was
	// FormatAuto) rather than given; the message then says so.
	Detected bool
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, such as a *fs.PathError from ReadFile,
	// or nil. errors.Is and errors.As see it through Unwrap.
	Err error
}

// Error returns "name:line: byte offset: pc N: msg", leaving out the parts
// that are not known, and adding "(detected as F; use --format to force
// another)" when the format was detected.
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
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
	}
	if e.Offset >= 0 {
		sep()
		fmt.Fprintf(&b, "byte %d", e.Offset)
	}
	if e.PC >= 0 {
		sep()
		fmt.Fprintf(&b, "pc %d", e.PC)
	}
	sep()
	b.WriteString(e.Msg)
	if e.Detected && e.Format != FormatAuto {
		fmt.Fprintf(&b, " (detected as %v; use --format to force another)", e.Format)
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// lineError returns a DecodeError for a line of a text input.
func lineError(name string, line int, format string, args ...any) *DecodeError {
	return &DecodeError{Name: name, Line: line, Offset: -1, PC: -1, Msg: fmt.Sprintf(format, args...)}
}

// inputError returns a DecodeError about the whole input.
func inputError(name string, format string, args ...any) *DecodeError {
	return &DecodeError{Name: name, Offset: -1, PC: -1, Msg: fmt.Sprintf(format, args...)}
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
