package program

import (
	"testing"
)

// An input without instructions is the empty program in every format, and
// no error: the kernel's answer to it (EINVAL for length 0) is the
// verifier's to give.
func TestDecodeEmpty(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   string
		want   Format // the format Decode reports
	}{
		{"0-byte raw", FormatRaw, "", FormatRaw},
		{"0-byte big-endian raw", FormatRaw, "", FormatRaw},
		{"0-byte asm", FormatAsm, "", FormatAsm},
		{"0-byte c", FormatC, "", FormatC},
		{"0-byte ddd", FormatDDD, "", FormatDDD},
		{"0-byte comma", FormatComma, "", FormatComma},
		{"0-byte, detected", FormatAuto, "", FormatAsm},
		{"white space, detected", FormatAuto, " \n\t\r\n\f\v\n", FormatAsm},
		{"byte order mark only, detected", FormatAuto, "\ufeff", FormatAsm},
		{"asm comments", FormatAsm, "; nothing\n/* at all */\n# a cpp line\n", FormatAsm},
		{"asm comments, detected", FormatAuto, "; seccomp policy: nothing yet\n/* at all */\n", FormatAsm},
		{"c comments and preprocessor lines", FormatC, "/* policy */\n// none\n#include <linux/filter.h>\n", FormatC},
		{"empty c array", FormatC, "static struct sock_filter filter[] = { };", FormatC},
		{"empty c array, detected", FormatAuto, "struct sock_filter filter[] = {\n};\n", FormatC},
		{"empty c array with sock_fprog", FormatC, "struct sock_filter f[] = {};\nstruct sock_fprog prog = { .len = 0, .filter = f };\n", FormatC},
		{"ddd count 0", FormatDDD, "0\n", FormatDDD},
		{"ddd count 0, detected", FormatAuto, "0\n", FormatDDD},
		{"ddd blank lines", FormatDDD, "\n \n", FormatDDD},
		{"comma count 0", FormatComma, "0,\n", FormatComma},
		{"comma count 0, detected", FormatAuto, "0,", FormatComma},
		{"comma count 0 without comma", FormatComma, "0", FormatComma},
		{"comma blank", FormatComma, " \n", FormatComma},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f, err := Decode([]byte(tt.data), DecodeOptions{Format: tt.format, Name: "empty"})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p == nil || len(p) != 0 {
				t.Errorf("got %#v, want an empty, non-nil Program", p)
			}
			if f != tt.want {
				t.Errorf("format %v, want %v", f, tt.want)
			}
		})
	}
	if f, err := Detect(nil); f != FormatAsm || err != nil {
		t.Errorf("Detect(nil) = %v, %v; want asm, nil", f, err)
	}
}

// A label alone is still an error: it names an instruction that is not
// there.
func TestDecodeEmptyWithLabel(t *testing.T) {
	_, _, err := Decode([]byte("; nothing but\nlabel:\n"), DecodeOptions{Format: FormatAsm, Name: "x.asm"})
	wantDecodeError(t, err, 2, -1, `label "label" is not followed by an instruction`)
}

// The empty program is written in every format as what Decode reads back
// as the empty program.
func TestEncodeEmpty(t *testing.T) {
	want := map[Format]string{FormatRaw: "", FormatAsm: "", FormatC: "", FormatDDD: "0\n", FormatComma: "0,\n"}
	for f, text := range want {
		for _, p := range []Program{nil, {}} {
			b, err := Encode(p, f, false)
			if err != nil || string(b) != text {
				t.Errorf("Encode(%#v, %v) = %q, %v; want %q", p, f, b, err, text)
				continue
			}
			back, _, err := Decode(b, DecodeOptions{Format: f})
			if err != nil || len(back) != 0 {
				t.Errorf("%v: %q decodes to %v, %v", f, b, back, err)
			}
		}
	}
	if s, err := Disassemble(nil); s != "" || err != nil {
		t.Errorf("Disassemble(nil) = %q, %v", s, err)
	}
}
