package program

import "testing"

func TestSwapByteOrder(t *testing.T) {
	for name, p := range corpusPrograms(t) {
		be, _ := Encode(p, FormatRaw, true)
		asLE, _, err := Decode(be, DecodeOptions{Format: FormatRaw})
		if err != nil {
			t.Fatal(err)
		}
		if got := SwapByteOrder(asLE); !equalPrograms(got, p) {
			t.Errorf("%s: %s", name, firstDiff(got, p))
		}
		if !LooksBigEndian(asLE) {
			t.Errorf("%s read with the wrong byte order: LooksBigEndian = false", name)
		}
		if LooksBigEndian(p) {
			t.Errorf("%s: LooksBigEndian = true for the program read right", name)
		}
	}
}

func TestLooksBigEndian(t *testing.T) {
	tests := []struct {
		name string
		p    Program // as read little-endian
		want bool
	}{
		{"empty", Program{}, false},
		{"valid little-endian", Program{Stmt(LdAbsW, 4), Stmt(RetK, 0)}, false},
		// 0x0600 is BPF_RET|BPF_K (0x06) with its bytes swapped.
		{"ret #0 from a big-endian file", Program{{Op: 0x0600}}, true},
		{"ret a from a big-endian file", Program{{Op: 0x2000, K: 0x04000000}, {Op: 0x1600}}, true},
		{"swapped but not ending in ret", Program{{Op: 0x0600}, {Op: 0x2000}}, false},
		{"garbage either way", Program{{Op: 0x1234}, {Op: 0x0600}}, false},
		{"ret x is a bpf_asm code", Program{{Op: 0x0e00}, {Op: 0x0600}}, true},
	}
	for _, tt := range tests {
		if got := LooksBigEndian(tt.p); got != tt.want {
			t.Errorf("%s: LooksBigEndian = %v, want %v", tt.name, got, tt.want)
		}
	}
}
