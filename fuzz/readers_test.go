package fuzz_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/program"
)

// maxReaderInput bounds what FuzzReaders looks at, as program.FuzzDecode
// does: large inputs only slow the engine down.
const maxReaderInput = 4096

// FuzzReaders feeds every program reader arbitrary bytes. It must never
// panic, every error must be a *program.DecodeError that says where the
// input went wrong (a line for text, a byte offset for raw data) unless it
// concerns the input as a whole, and every accepted program must encode back
// in its own format to bytes that decode to the same program.
func FuzzReaders(f *testing.F) {
	for _, s := range []string{
		"ld [4]\njeq #0xc000003e, ok, bad\nok: ret #0x7fff0000\nbad: ret #0",
		"{ 0x06, 0, 0, 0x7fff0000 },", "BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ALLOW),",
		"1\n6 0 0 2147418112\n", "1,6 0 0 2147418112,", "\x06\x00\x00\x00\x00\x00\xff\x7f",
		"jlt #2, lt\nlt: ret #0", "ld [x + 5]\nret a", "# c\n/* x */ ret #0 ; y",
	} {
		for fm := range 6 {
			f.Add([]byte(s), uint8(fm))
		}
	}
	for _, p := range corpusPrograms(f) {
		if b, err := program.Encode(p, program.FormatRaw, false); err == nil && len(b) <= maxReaderInput {
			f.Add(b, uint8(program.FormatRaw))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		if len(data) > maxReaderInput {
			return
		}
		fm := program.Format(format % 6)
		p, got, err := program.Decode(data, program.DecodeOptions{Format: fm, Name: "in"})
		if err != nil {
			var de *program.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is a %T, want *program.DecodeError", err, err)
			}
			if de.Name != "in" {
				t.Errorf("error %q does not name the input", err)
			}
			whole := len(bytes.TrimSpace(data)) == 0 || strings.Contains(de.Msg, "empty") ||
				strings.Contains(de.Msg, "no instructions") || strings.Contains(de.Msg, "too many") ||
				strings.Contains(de.Msg, "not a multiple") || strings.Contains(de.Msg, "UTF-8")
			if de.Line <= 0 && de.Offset < 0 && !whole {
				t.Errorf("error %q carries no position (format %v)", err, fm)
			}
			return
		}
		enc, err := program.Encode(p, got, false)
		if err != nil {
			if got == program.FormatAsm {
				return // not every program has a bpf_asm spelling
			}
			t.Fatalf("encode as %v: %v", got, err)
		}
		back, _, err := program.Decode(enc, program.DecodeOptions{Format: got})
		if err != nil {
			t.Fatalf("%v: re-decode: %v\n%s", got, err, enc)
		}
		if !slicesEqual(back, p) {
			t.Fatalf("%v: round trip changed the program", got)
		}
	})
}

func slicesEqual(a, b program.Program) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
