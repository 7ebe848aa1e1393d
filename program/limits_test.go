package program

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInputLimits: a runaway input is refused early and cheaply: past
// MaxInputSize before it is read further, and past MaxDecodeInstructions
// instructions before the rest is parsed, in every text format.
func TestInputLimits(t *testing.T) {
	big := make([]byte, MaxInputSize+1)
	for i := range big {
		big[i] = "tax\n"[i%4]
	}
	_, _, err := Decode(big, DecodeOptions{Name: "big.asm"})
	wantDecodeError(t, err, 0, -1, "input is larger than 16 MiB")

	path := filepath.Join(t.TempDir(), "big.asm")
	if err := os.WriteFile(path, append(big, strings.Repeat("tax\n", 1<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = ReadFile(path, DecodeOptions{})
	wantDecodeError(t, err, 0, -1, "input is larger than 16 MiB")

	// Just under the size limit, four times too many instructions: the
	// readers stop at the first one too many, and memory stays far below
	// the input's token count (the asm and C lexers run on demand).
	n := MaxInputSize / 8
	inputs := map[Format]string{
		FormatAsm: strings.Repeat("tax\n", n),
		FormatC:   strings.Repeat("{7,0,0,0},\n", n/2),
		FormatDDD: "999999\n" + strings.Repeat("7 0 0 0\n", n/2),
	}
	for f, src := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, err := Decode([]byte(src), DecodeOptions{Format: f, Name: "many"})
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "65536") {
			t.Errorf("%v: %v, want an error naming the limit", f, err)
		}
		// The input's []byte to string copy is 16 MiB; the rest must be
		// proportional to the instructions read.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%v: %d MiB allocated", f, alloc>>20)
		}
	}
}
