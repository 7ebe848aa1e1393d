package program

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Format names one of the ways a program is written down.
type Format int

// The formats Decode reads and Encode writes.
const (
	// FormatAuto asks Decode to detect the format (see Detect).
	FormatAuto Format = iota
	// FormatRaw is an array of 8-byte struct sock_filter: u16 code, u8 jt,
	// u8 jf, u32 k, little-endian unless big-endian is requested.
	FormatRaw
	// FormatAsm is the text of the kernel's tools/bpf/bpf_asm, with labels.
	FormatAsm
	// FormatC is a list of C initialisers: "{ 0x20, 0, 0, 0x00000004 },"
	// lines (bpf_asm -c, tcpdump -dd) or BPF_STMT/BPF_JUMP macros.
	FormatC
	// FormatDDD is the output of tcpdump -ddd: the count on the first line,
	// then one "code jt jf k" line per instruction, all decimal.
	FormatDDD
	// FormatComma is the default output of bpf_asm, also read by bpf_dbg and
	// xt_bpf: "N,code jt jf k,code jt jf k,...," on one line.
	FormatComma
)

// MaxDecodeInstructions is the largest program Decode accepts: sixteen
// times the kernel's MaxInstructions (BPF_MAXINSNS), so that a program a
// little too long is still read and then refused by the verifier in the
// kernel's terms, while a runaway input is refused after this many
// instructions, before the rest of it is read.
const MaxDecodeInstructions = 16 * MaxInstructions

// MaxInputSize bounds the input Decode and ReadFile read, in bytes: room
// for MaxDecodeInstructions instructions in the most verbose text format,
// with comments. ReadFile stops reading past it.
const MaxInputSize = 16 << 20

// String returns the name ParseFormat accepts: "auto", "raw", "asm", "c",
// "ddd" or "comma".
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatRaw:
		return "raw"
	case FormatAsm:
		return "asm"
	case FormatC:
		return "c"
	case FormatDDD:
		return "ddd"
	case FormatComma:
		return "comma"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat returns the format with the given name, ignoring case and
// surrounding space: "auto", "raw", "asm", "c", "ddd" or "comma".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto":
		return FormatAuto, nil
	case "raw":
		return FormatRaw, nil
	case "asm":
		return FormatAsm, nil
	case "c":
		return FormatC, nil
	case "ddd":
		return FormatDDD, nil
	case "comma":
		return FormatComma, nil
	}
	return FormatAuto, fmt.Errorf("unknown program format %q (want auto, raw, asm, c, ddd or comma)", s)
}

// DecodeOptions says how Decode reads its input.
type DecodeOptions struct {
	// Format is the input format; FormatAuto (the zero value) detects it.
	Format Format
	// BigEndian reads raw input as big-endian. Other formats ignore it, and
	// detection never guesses it (see LooksBigEndian).
	BigEndian bool
	// Name is the file name used in errors; it may be empty.
	Name string
	// Arch is the arch whose syscall and errno numbers the names __NR_*,
	// SYS_* and EPERM stand for in C and bpf_asm text. The zero Arch
	// decides: the one arch the filter checks (it names one AUDIT_ARCH_*
	// macro, or a jeq compares with one known AUDIT_ARCH value), else
	// x86_64. A name the arch lacks is an error. Source.Arch reports the
	// arch used.
	Arch seccompdata.Arch
}

// Decode reads a program written in opt.Format, or in the format Detect
// finds when opt.Format is FormatAuto, and returns it with the format used.
// It is DecodeSource without what the text says besides the instructions.
//
// Errors are *DecodeError values; when the format was detected they say
// so, and that --format forces another. Decode never truncates: any byte it
// cannot account for is an error, and so is a number that does not fit its
// field. It rejects inputs larger than MaxInputSize and programs longer than
// MaxDecodeInstructions, but otherwise does not check what the kernel would
// accept; that is the verifier's job.
//
// An input that holds no instruction is the empty program: Decode returns a
// Program of length 0 and no error. That is a 0-byte input in any format
// (Detect calls it asm), text of only white space and comments (asm, c),
// an empty C array ("... = { };"), and a count of 0 in the ddd and comma
// formats ("0", "0,"), or no count at all. The kernel refuses such a
// program (length 0: EINVAL), and so does the verifier; it is a program
// all the same, which a user may well hand to bpfsim by mistake and must be
// told about in the kernel's terms rather than in a decoder's.
func Decode(data []byte, opt DecodeOptions) (Program, Format, error) {
	src, err := DecodeSource(data, opt)
	if err != nil {
		return nil, src.Format, err
	}
	return src.Program, src.Format, nil
}

// ReadFile reads the file at path and decodes it like Decode. When opt.Name
// is empty the path is used in errors. A file that cannot be read is also
// reported as a *DecodeError, whose Err holds the cause (so errors.Is(err,
// fs.ErrNotExist) works).
func ReadFile(path string, opt DecodeOptions) (Program, Format, error) {
	src, err := ReadSource(path, opt)
	if err != nil {
		return nil, src.Format, err
	}
	return src.Program, src.Format, nil
}

// ReadSource reads the file at path and decodes it like DecodeSource, with
// errors as ReadFile's. It reads at most MaxInputSize bytes.
func ReadSource(path string, opt DecodeOptions) (Source, error) {
	if opt.Name == "" {
		opt.Name = path
	}
	fail := func(err error) (Source, error) {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Op + ": " + pe.Err.Error() // the path is already in Name
		}
		de := inputError(opt.Name, "%s", msg)
		de.Err = err
		return Source{Format: opt.Format}, de
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxInputSize+1))
	if err != nil {
		return fail(err)
	}
	return DecodeSource(data, opt)
}

// Encode writes p in format f. bigEndian selects the byte order of
// FormatRaw and is ignored otherwise. FormatAsm is Disassemble's output and
// fails, with an *EncodeError, for programs bpf_asm cannot express (none
// the kernel accepts); it writes fields the kernel ignores only in
// comments, so it reads back without them (IgnoredBits lists them). The other formats write
// any program, every bit of it. The empty program is written as what
// Decode reads back as one: no bytes (raw, asm, c), "0\n" (ddd) or "0,\n"
// (comma).
func Encode(p Program, f Format, bigEndian bool) ([]byte, error) {
	switch f {
	case FormatRaw:
		return encodeRaw(p, bigEndian), nil
	case FormatAsm:
		s, err := Disassemble(p)
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	case FormatC:
		return encodeC(p), nil
	case FormatDDD:
		return encodeDDD(p), nil
	case FormatComma:
		return encodeComma(p), nil
	}
	return nil, &EncodeError{PC: -1, Msg: fmt.Sprintf("cannot encode in format %v", f)}
}

// Detect guesses the format of data, by these rules, in order:
//
//  1. Text or raw. Data is text when any of these holds, and raw otherwise:
//     - it is valid UTF-8 without NUL bytes or control characters other
//     than tab, newline, carriage return, vertical tab and form feed;
//     - it starts like text: its first eight bytes (after a UTF-8 byte
//     order mark) hold no NUL or such control character, and its first
//     byte that is not white space is printable ASCII;
//     - it is mostly text: no NUL byte, and at least 9 bytes in 10 are
//     printable ASCII or white space.
//     Every raw program the kernel accepts has a NUL byte in its first two
//     bytes (the high byte of the first code), so none is taken for text;
//     and a text with a stray Latin-1 byte or control character stays text,
//     which the text readers refuse naming the line and byte.
//  2. Text that starts, after white space, with digits and a comma is the
//     comma format ("4,40 0 0 12,...").
//  3. Text whose first non-blank line is a lone decimal number is ddd. Only
//     that line is looked at, so that a typo further down is reported by the
//     ddd reader with its line number instead of as an asm syntax error; no
//     asm or C program can start with a number.
//  4. Text that contains "{", "BPF_STMT" or "BPF_JUMP" outside comments is C.
//  5. Anything else is asm.
//
// The edge case: a raw file whose bytes all happen to be printable text (no
// NUL, which means every code has a non-zero high byte and is invalid
// anyway) is taken for text. Pass FormatRaw to read such a file as raw.
// Detect never guesses big-endian raw data (see LooksBigEndian). Empty
// input is text (rule 5: asm), which Decode reads as the empty program, as
// it does white space or comments alone. The error is always nil; it is
// kept for callers written when empty input was one.
func Detect(data []byte) (Format, error) {
	if !isText(data) {
		return FormatRaw, nil
	}
	s := strings.TrimPrefix(string(data), "\ufeff")
	t := strings.TrimLeft(s, " \t\r\n\f\v")
	if n := leadingDigits(t); n > 0 && strings.HasPrefix(strings.TrimLeft(t[n:], " \t"), ",") {
		return FormatComma, nil
	}
	for len(s) > 0 {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if n := leadingDigits(line); n > 0 && n == len(line) {
			return FormatDDD, nil
		}
		break
	}
	if looksLikeC(string(data)) {
		return FormatC, nil
	}
	return FormatAsm, nil
}

// textByte sorts a byte: printable ASCII or white space (1), a byte of
// 0x80 and up (0), or NUL and the other control characters (-1).
func textByte(c byte) int {
	switch {
	case c >= 0x20 && c < 0x7f, c == '\t', c == '\n', c == '\r', c == '\f', c == '\v':
		return 1
	case c >= 0x80:
		return 0
	}
	return -1
}

// isText applies rule 1 of Detect.
func isText(data []byte) bool {
	clean := true // no NUL or other control character
	for _, c := range data {
		if textByte(c) < 0 {
			clean = false
			break
		}
	}
	if clean && utf8.Valid(data) {
		return true
	}
	body := bytes.TrimPrefix(data, []byte("\ufeff"))
	startsLikeText := true
	for _, c := range body[:min(len(body), 8)] {
		if textByte(c) < 0 {
			startsLikeText = false
		}
	}
	if startsLikeText {
		i := 0
		for i < len(body) && (body[i] == ' ' || body[i] >= '\t' && body[i] <= '\r') {
			i++
		}
		if i == len(body) || textByte(body[i]) == 1 {
			return true
		}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return false
	}
	n := 0
	for _, c := range data {
		if textByte(c) == 1 {
			n++
		}
	}
	return n >= len(data)-len(data)/10
}

// leadingDigits returns the number of ASCII digits at the start of s.
func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// looksLikeC reports whether s contains "{", "BPF_STMT" or "BPF_JUMP" once
// the comments of both asm (";" to end of line, "#" in column 0) and C
// ("/* */", "//") are removed. bpf_asm has no "{" token, so a brace means C.
func looksLikeC(s string) bool {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
			b.WriteByte(' ')
		case strings.HasPrefix(s[i:], "//") || s[i] == ';' || s[i] == '#' && (i == 0 || s[i-1] == '\n'):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				i = len(s)
			} else {
				i += end
			}
			// Treating C's ";" as an asm comment loses nothing on a line
			// such as "};", where the "{" of the array came earlier.
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	t := b.String()
	return strings.Contains(t, "{") || strings.Contains(t, "BPF_STMT") || strings.Contains(t, "BPF_JUMP")
}

// firstInvalidUTF8 returns the offset of the first byte of data that does
// not start a valid UTF-8 sequence.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// textInput checks that data is UTF-8 text and returns it without a
// leading byte order mark. A NUL byte or a byte that is not UTF-8 is an
// error naming its line and offset.
func textInput(data []byte, name string) (string, error) {
	at := func(i int, format string, args ...any) error {
		e := lineError(name, 1+bytes.Count(data[:i], []byte("\n")), format, args...)
		e.Offset = int64(i)
		return e
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", at(i, "NUL byte in text input")
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		return "", at(i, "byte %#02x is not UTF-8: text input must be UTF-8 (a Latin-1 character?)", data[i])
	}
	return strings.TrimPrefix(string(data), "\ufeff"), nil
}
