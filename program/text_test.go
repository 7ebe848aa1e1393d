package program

import (
	"testing"
)

// The ethertype program of docs/kernel-semantics.md §8.1: bpf_asm prints it as
// "4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,"; tcpdump -ddd prints
// the count and then one decimal line per instruction (§8.2).
var ethertype = Program{{Op: 40, K: 12}, {Op: 21, Jf: 1, K: 2048}, {Op: 6, K: 4294967295}, {Op: 6}}

const (
	ethertypeComma = "4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,\n"
	ethertypeDDD   = "4\n40 0 0 12\n21 0 1 2048\n6 0 0 4294967295\n6 0 0 0\n"
)

func TestEncodeText(t *testing.T) {
	if got := string(encodeComma(ethertype)); got != ethertypeComma {
		t.Errorf("comma = %q, want %q", got, ethertypeComma)
	}
	if got := string(encodeDDD(ethertype)); got != ethertypeDDD {
		t.Errorf("ddd = %q, want %q", got, ethertypeDDD)
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		src  string
		want Program
	}{
		{"comma", FormatComma, ethertypeComma, ethertype},
		{"comma without trailing comma or newline", FormatComma, "4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0", ethertype},
		{"comma with spaces and newlines", FormatComma, " 4 ,\n40 0 0 12 ,\r\n21  0 1\t2048,6 0 0 4294967295,6 0 0 0,\r\n\n", ethertype},
		{"comma, largest fields", FormatComma, "1,65535 255 255 4294967295,", Program{{Op: 0xffff, Jt: 255, Jf: 255, K: 0xffffffff}}},
		{"ddd", FormatDDD, ethertypeDDD, ethertype},
		{"ddd with CRLF and blank lines", FormatDDD, "\r\n4\r\n40 0 0 12\r\n\r\n21 0 1 2048\r\n6 0 0 4294967295\r\n6 0 0 0", ethertype},
		{"ddd leading zeros are decimal", FormatDDD, "1\n006 000 000 010\n", Program{{Op: 6, K: 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := Decode([]byte(tt.src), DecodeOptions{Format: tt.f})
			if err != nil {
				t.Fatal(err)
			}
			if f != tt.f {
				t.Errorf("format %v, want %v", f, tt.f)
			}
			if !equalPrograms(got, tt.want) {
				t.Fatalf("%s", firstDiff(got, tt.want))
			}
		})
	}
}

func TestDecodeTextErrors(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		src  string
		line int
		msg  string
	}{
		{"ddd fewer than the count", FormatDDD, "5\n40 0 0 12\n21 0 1 2048\n6 0 0 4294967295\n6 0 0 0\n", 1, "count is 5 but 4 instructions follow"},
		{"ddd more than the count", FormatDDD, "3\n40 0 0 12\n21 0 1 2048\n6 0 0 4294967295\n6 0 0 0\n", 5, "more instructions than the count 3 given on line 1"},
		{"ddd k beyond 32 bits", FormatDDD, "2\n6 0 0 0\n6 0 0 4294967296\n", 3, "k 4294967296 is out of range 0..4294967295"},
		{"ddd code beyond 16 bits", FormatDDD, "1\n65536 0 0 0\n", 2, "code 65536 is out of range 0..65535"},
		{"ddd jt beyond 8 bits", FormatDDD, "1\n21 256 0 0\n", 2, "jt 256 is out of range 0..255"},
		{"ddd number beyond 64 bits", FormatDDD, "1\n6 0 0 99999999999999999999\n", 2, "k 99999999999999999999 is out of range"},
		{"ddd three fields", FormatDDD, "2\n6 0 0 0\n6 0 0\n", 3, `want 4 numbers "code jt jf k", got 3 fields "6 0 0"`},
		{"ddd hex field", FormatDDD, "1\n0x6 0 0 0\n", 2, `code "0x6" is not a decimal number`},
		{"ddd negative field", FormatDDD, "1\n6 0 0 -1\n", 2, `k "-1" is not a decimal number`},
		{"ddd count with extra field", FormatDDD, "4 5\n", 1, "want the instruction count alone on the first line"},
		{"ddd huge count", FormatDDD, "99999999\n6 0 0 0\n", 1, "instruction count 99999999 is more than 65536"},
		{"ddd zero count with an instruction", FormatDDD, "0\n6 0 0 0\n", 2, "more instructions than the count 0 given on line 1"},
		{"comma zero count with an instruction", FormatComma, "0,6 0 0 0,", 1, "count is 0 but 1 instructions follow"},
		{"comma count mismatch", FormatComma, "3,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,\n", 1, "count is 3 but 4 instructions follow"},
		{"comma k beyond 32 bits", FormatComma, "1,6 0 0 4294967296,", 1, "instruction 0: k 4294967296 is out of range 0..4294967295"},
		{"comma empty instruction", FormatComma, "2,6 0 0 0,,", 1, "instruction 1 is empty"},
		{"comma bad field on a later line", FormatComma, "2,\n6 0 0 0,\n6 0 x 0,\n", 3, `instruction 1: jf "x" is not a decimal number`},
		{"comma bad count", FormatComma, "four,6 0 0 0,", 1, `instruction count "four" is not a decimal number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tt.src), DecodeOptions{Format: tt.f, Name: "prog.txt"})
			wantDecodeError(t, err, tt.line, -1, tt.msg)
		})
	}
}

func TestTextInputErrors(t *testing.T) {
	for _, f := range []Format{FormatAsm, FormatC, FormatDDD, FormatComma} {
		_, _, err := Decode([]byte("ret #0\n\x00"), DecodeOptions{Format: f, Name: "x"})
		wantDecodeError(t, err, 2, 7, "NUL byte in text input")
		_, _, err = Decode([]byte("ret #0\xff"), DecodeOptions{Format: f, Name: "x"})
		wantDecodeError(t, err, 1, 6, "byte 0xff is not UTF-8: text input must be UTF-8 (a Latin-1 character?)")
		_, _, err = Decode([]byte("ld [0]\nret #0 ; caf\xc3\xa9 \xc3\n"), DecodeOptions{Format: f, Name: "x"})
		wantDecodeError(t, err, 2, 22, "byte 0xc3 is not UTF-8")
	}
	// A byte order mark is skipped.
	p, f, err := Decode([]byte("\ufeff"+ethertypeComma), DecodeOptions{})
	if err != nil || f != FormatComma || !equalPrograms(p, ethertype) {
		t.Errorf("with BOM: %v %v", f, err)
	}
	_, _, err = Decode([]byte("x"), DecodeOptions{Format: Format(9)})
	wantDecodeError(t, err, 0, -1, "unknown program format 9")
}
