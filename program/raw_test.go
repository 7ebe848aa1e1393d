package program

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
)

// The layout is struct sock_filter from include/uapi/linux/filter.h:
// u16 code, u8 jt, u8 jf, u32 k (docs/kernel-semantics.md §0).
func TestDecodeRaw(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		be   bool
		want Program
	}{
		{"ld [4] little-endian", []byte{0x20, 0, 0, 0, 4, 0, 0, 0}, false, Program{{Op: 0x20, K: 4}}},
		{"ld [4] big-endian", []byte{0, 0x20, 0, 0, 0, 0, 0, 4}, true, Program{{Op: 0x20, K: 4}}},
		{"jeq with offsets", []byte{0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0}, false,
			Program{{Op: 0x15, Jt: 1, Jf: 2, K: 0xc000003e}}},
		{"two instructions", []byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f, 0x0e, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff}, false,
			Program{{Op: 0x06, K: 0x7fff0000}, {Op: 0x10e, K: 0xffffffff}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := Decode(tt.data, DecodeOptions{Format: FormatRaw, BigEndian: tt.be})
			if err != nil || f != FormatRaw {
				t.Fatalf("Decode: %v, %v", f, err)
			}
			if !equalPrograms(got, tt.want) {
				t.Fatalf("Decode: %s", firstDiff(got, tt.want))
			}
			if enc := encodeRaw(got, tt.be); !bytes.Equal(enc, tt.data) {
				t.Errorf("encodeRaw = % x, want % x", enc, tt.data)
			}
		})
	}
}

func TestDecodeRawErrors(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		offset int64
		msg    string
	}{
		{"odd length", make([]byte, 803), 803, "length 803 is not a multiple of 8"},
		{"one byte short", make([]byte, 15), 15, "length 15 is not a multiple of 8"},
		{"too many instructions", make([]byte, 8*(MaxDecodeInstructions+1)), 8 * MaxDecodeInstructions, "more than 65536 instructions (the kernel takes at most 4096)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.data, DecodeOptions{Format: FormatRaw, Name: "policy.bpf"})
			wantDecodeError(t, err, 0, tt.offset, tt.msg)
		})
	}
	_, _, err := Decode(make([]byte, 803), DecodeOptions{Format: FormatRaw, Name: "policy.bpf"})
	if got, want := err.Error(), "policy.bpf: byte 803: length 803 is not a multiple of 8"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReadFileErrors(t *testing.T) {
	_, _, err := ReadFile("testdata/does-not-exist.bpf", DecodeOptions{})
	wantDecodeError(t, err, 0, -1, "open: no such file or directory")
	if got, want := err.Error(), "testdata/does-not-exist.bpf: open: no such file or directory"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestReadFileCorpus(t *testing.T) {
	// Sizes from corpus/filters/README.md.
	want := map[string]int{
		"docker-default_x86_64.bpf":                   337,
		"docker-default_x86_64+x86+x32.bpf":           1001,
		"openssh-server_9.2p1-2+deb12u10_preauth.bpf": 99,
		"qemu-system-x86_7.2_sandbox-on.bpf":          27,
	}
	got := corpusPrograms(t)
	for name, n := range want {
		if len(got[name]) != n {
			t.Errorf("%s: %d instructions, want %d", name, len(got[name]), n)
		}
	}
}
