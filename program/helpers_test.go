package program

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusPrograms returns the real filters in corpus/filters, by file name.
func corpusPrograms(t testing.TB) map[string]Program {
	t.Helper()
	paths, err := filepath.Glob("../corpus/filters/*.bpf")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus filters found: %v", err)
	}
	out := map[string]Program{}
	for _, path := range paths {
		p, f, err := ReadFile(path, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f != FormatRaw {
			t.Fatalf("%s: detected %v, want raw", path, f)
		}
		out[filepath.Base(path)] = p
	}
	return out
}

func readCorpusBytes(t testing.TB) [][]byte {
	t.Helper()
	paths, _ := filepath.Glob("../corpus/filters/*.bpf")
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func equalPrograms(a, b Program) bool {
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

// withoutIgnoredBits returns a copy of p with the fields the kernel
// ignores cleared: the program its bpf_asm text reads back as. Only
// conditional jumps keep jt and jf (bpf_check_classic, net/core/filter.c,
// checks jt and jf of BPF_JMP|BPF_JEQ/JGT/JGE/JSET with BPF_K or BPF_X),
// and k is dropped by bpf_convert_filter in ld/ldx #len (0x80, 0x81), the
// ALU x forms and neg (0x0c..0xac, 0x84), the jumps on x (0x1d, 0x2d,
// 0x3d, 0x4d), ret a (0x16), tax (0x07) and txa (0x87).
func withoutIgnoredBits(p Program) Program {
	q := append(Program(nil), p...)
	for i := range q {
		switch q[i].Op {
		case 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d:
		default:
			q[i].Jt, q[i].Jf = 0, 0
		}
		switch q[i].Op {
		case 0x80, 0x81, 0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, 0x84,
			0x1d, 0x2d, 0x3d, 0x4d, 0x16, 0x07, 0x87:
			q[i].K = 0
		}
	}
	return q
}

// firstDiff describes the first difference between two programs.
func firstDiff(got, want Program) string {
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("instruction %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("length %d, want %d", len(got), len(want))
}

// wantDecodeError checks that err is a *DecodeError at the given line and
// offset whose message contains msg.
func wantDecodeError(t *testing.T, err error, line int, offset int64, msg string) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got error %v (%T), want a *DecodeError", err, err)
	}
	if de.Line != line || de.Offset != offset {
		t.Errorf("error %q: line %d offset %d, want line %d offset %d", err, de.Line, de.Offset, line, offset)
	}
	if !strings.Contains(de.Msg, msg) {
		t.Errorf("error %q: want message containing %q", err, msg)
	}
	s := err.Error()
	if strings.Contains(s, "\n") || strings.HasSuffix(s, ".") {
		t.Errorf("error %q: want one line without a trailing period", s)
	}
}
