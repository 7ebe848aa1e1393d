package program

import (
	"errors"
	"testing"
)

// maxFuzzInput bounds the inputs FuzzDecode looks at. Each execution
// round-trips the program through every format, so a large input costs tens
// of milliseconds under coverage instrumentation, and the fuzzer then spends
// its whole time minimising one such input. Large programs are covered by
// TestRoundTripCorpus instead.
const maxFuzzInput = 2048

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// survives a round trip through raw (both byte orders), ddd, comma and C,
// and through asm, up to the fields the kernel ignores, whenever
// Disassemble can write the program, with DisassembleAnnotated's comments
// too.
func FuzzDecode(f *testing.F) {
	add := func(b []byte, format Format, bigEndian bool) {
		if len(b) <= maxFuzzInput {
			f.Add(b, uint8(format), bigEndian)
		}
	}
	for _, b := range readCorpusBytes(f) {
		add(b, FormatAuto, false)
	}
	for _, p := range handWritten() {
		for _, e := range encodings {
			if enc, err := Encode(p, e.f, e.be); err == nil {
				add(enc, e.f, e.be)
			}
		}
	}
	for _, s := range []string{
		"ld [x+5]\nret #-1", "ldxb 4*([14]&0xf)\nja l0\nl0: ret a", "jlt #2, lt\nlt: ret #0",
		"struct sock_filter f[] = { BPF_STMT(BPF_RET|BPF_K, SKF_AD_OFF + 4 * (1 << 3)), };",
		"{ 6, 0, 0, 0x100000000 }", "3\n6 0 0 0\n", "2,6 0 0 0,", "/* x", "# c\nret #0",
		"", "0,", "0\n", "; nothing", "int f[] = { };",
	} {
		f.Add([]byte(s), uint8(FormatAuto), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8, bigEndian bool) {
		if len(data) > maxFuzzInput {
			return
		}
		opt := DecodeOptions{Format: Format(format % 7), BigEndian: bigEndian, Name: "fuzz"}
		p, got, err := Decode(data, opt)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is a %T, want a *DecodeError", err, err)
			}
			return
		}
		if p == nil || len(p) > MaxDecodeInstructions { // empty input: Program{}
			t.Fatalf("decoded %d instructions", len(p))
		}
		if got == FormatAuto {
			t.Fatal("Decode returned FormatAuto")
		}
		for _, e := range encodings {
			enc, err := Encode(p, e.f, e.be)
			if err != nil {
				if e.f == FormatAsm {
					continue // not every program has a bpf_asm form
				}
				t.Fatalf("Encode %v: %v", e.f, err)
			}
			back, _, err := Decode(enc, DecodeOptions{Format: e.f, BigEndian: e.be})
			if err != nil {
				t.Fatalf("%v: re-decode: %v\n%s", e.f, err, enc)
			}
			want := p
			if e.f == FormatAsm {
				want = withoutIgnoredBits(p) // written in comments only
			}
			if !equalPrograms(back, want) {
				t.Fatalf("%v: round trip: %s", e.f, firstDiff(back, want))
			}
			if e.f == FormatAsm {
				checkAnnotatedRoundTrip(t, "fuzz", p, AnnotateOptions{})
			}
		}
	})
}
