package program

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data string
		want Format
	}{
		{"raw with NUL bytes", "\x06\x00\x00\x00\x00\x00\xff\x7f", FormatRaw},
		{"raw without NUL but with control bytes", "\x06\x01\x02\x03\x04\x05\xff\x7f", FormatRaw},
		{"invalid UTF-8", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", FormatRaw},
		{"comma", ethertypeComma, FormatComma},
		{"comma with leading space", "  \n12 ,", FormatComma},
		{"ddd", ethertypeDDD, FormatDDD},
		{"ddd with blank first line", "\n\n  4  \r\nnonsense", FormatDDD},
		{"c lines", "{ 0x06, 0, 0, 0 },", FormatC},
		{"c macros", "BPF_STMT(BPF_RET|BPF_K, 0)", FormatC},
		{"c declaration", "/* x */\n#include <linux/filter.h>\nstruct sock_filter f[] = {\n{ 6, 0, 0, 0 }\n};", FormatC},
		{"asm", "ld [4]\nret #0\n", FormatAsm},
		{"asm with a brace in a comment", "; see { this }\n/* BPF_STMT */ ret #0\n# {\n", FormatAsm},
		{"asm with labels", "l0: ret #0", FormatAsm},
		{"text that is also 8-byte aligned raw", "ret #0\n\n", FormatAsm},
		// Issue 9: text with a stray byte is text, never raw.
		{"asm with a Latin-1 byte in a comment", "; caf\xe9\nld [4]\nret #0\n", FormatAsm},
		{"C with a Latin-1 byte in a comment", "/* \xa9 1998 */\n{ 0x06, 0, 0, 0 },\n", FormatC},
		{"ddd with a Latin-1 byte", "1\n6 0 0 0 \xe9\n", FormatDDD},
		{"asm with a control character", "ld [4]\n\x01ret #0\n", FormatAsm},
		{"asm with a NUL after its start", "ld [4]\nret #0\x00\n", FormatAsm},
		{"mostly text, starting with a Latin-1 byte", "\xe9" + strings.Repeat("ret #0 ; \xe9\n", 20), FormatAsm},
		{"white space first", "\n\n\t  \xff ret #0", FormatAsm},
		{"all ones (raw, no NUL)", "\xff\xff\xff\xff\xff\xff\xff\xff", FormatRaw},
		{"big-endian raw", "\x00\x06\x00\x00\x7f\xff\x00\x00", FormatRaw},
		{"mostly binary, no NUL", "r\x06\x01\x02\x03\x04\x05\xff\x7f\xfe\xfd", FormatRaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Detect = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDetectCorpus(t *testing.T) {
	for _, b := range readCorpusBytes(t) {
		if f, err := Detect(b); err != nil || f != FormatRaw {
			t.Errorf("Detect = %v, %v; want raw", f, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatRaw, FormatAsm, FormatC, FormatDDD, FormatComma} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if got, err := ParseFormat(" DDD "); err != nil || got != FormatDDD {
		t.Errorf("ParseFormat(\" DDD \") = %v, %v", got, err)
	}
	if _, err := ParseFormat("hex"); err == nil || err.Error() != `unknown program format "hex" (want auto, raw, asm, c, ddd or comma)` {
		t.Errorf("ParseFormat(\"hex\") error = %v", err)
	}
	if s := Format(42).String(); s != "Format(42)" {
		t.Errorf("Format(42).String() = %q", s)
	}
}

// TestDetectCorpusBigEndian: valid filters in either byte order are raw.
func TestDetectCorpusBigEndian(t *testing.T) {
	for name, p := range corpusPrograms(t) {
		be, _ := Encode(p, FormatRaw, true)
		if f, _ := Detect(be); f != FormatRaw {
			t.Errorf("%s big-endian: Detect = %v, want raw", name, f)
		}
	}
}

// TestDetectedFormatInErrors: an error says which format was detected and
// that --format picks another; the bad byte of a text is named by line and
// offset.
func TestDetectedFormatInErrors(t *testing.T) {
	tests := []struct {
		data string
		opt  DecodeOptions
		want string
	}{
		{"; caf\xe9\nret #0\n", DecodeOptions{Name: "x.asm"},
			"x.asm:1: byte 5: byte 0xe9 is not UTF-8: text input must be UTF-8 (a Latin-1 character?) (detected as asm; use --format to force another)"},
		{"; caf\xe9\nret #0\n", DecodeOptions{Name: "x.asm", Format: FormatAsm},
			"x.asm:1: byte 5: byte 0xe9 is not UTF-8: text input must be UTF-8 (a Latin-1 character?)"},
		{"\x06\x00\x00\x00\xff", DecodeOptions{Name: "x.bpf"},
			"x.bpf: byte 5: length 5 is not a multiple of 8 (detected as raw; use --format to force another)"},
		{"1\n6 0 0\n", DecodeOptions{Name: "x.txt"},
			`x.txt:2: want 4 numbers "code jt jf k", got 3 fields "6 0 0" (detected as ddd; use --format to force another)`},
	}
	for _, tt := range tests {
		_, _, err := Decode([]byte(tt.data), tt.opt)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v\nwant %s", tt.data, err, tt.want)
		}
	}
}
