package program

import (
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
