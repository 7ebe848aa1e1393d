package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `# worst docker: x86_64 socket (0x29), args 0xffffffff, 316 instructions
goos: linux
goarch: amd64
pkg: github.com/bpfsim/bpfsim/bench
cpu: AMD EPYC
BenchmarkSideBySide/docker/mix/bpfsim-2         	  707642	       170.0 ns/op	       126.5 insns/eval	       170.0 ns/eval	         1.350 ns/insn	       0 B/op	       0 allocs/op
BenchmarkSideBySide/docker/mix/bpfsim-plain-2   	  689600	       174.6 ns/op	       126.5 insns/eval	       174.6 ns/eval	         1.380 ns/insn	       0 B/op	       0 allocs/op
BenchmarkSideBySide/docker/mix/xnetbpf-2        	  277016	       425.0 ns/op	       126.5 insns/eval	       425.0 ns/eval	         3.427 ns/insn	       0 B/op	       0 allocs/op
# worst docker: x86_64 socket (0x29), args 0xffffffff, 316 instructions
BenchmarkSideBySide/docker/mix/bpfsim-2         	  707642	       180.0 ns/op	       126.5 insns/eval	       180.0 ns/eval	         1.450 ns/insn	       0 B/op	       0 allocs/op
BenchmarkSideBySide/docker/mix/bpfsim-plain-2   	  689600	       174.6 ns/op	       126.5 insns/eval	       174.6 ns/eval	         1.380 ns/insn	       0 B/op	       0 allocs/op
BenchmarkSideBySide/docker/mix/xnetbpf-2        	  277016	       425.0 ns/op	       126.5 insns/eval	       425.0 ns/eval	         3.427 ns/insn	       0 B/op	       0 allocs/op
BenchmarkSideBySide/qemu/worst/gvisor           	  2059591	        58.16 ns/op	        24.00 insns/eval	        58.16 ns/eval	         2.423 ns/insn	       0 B/op	       0 allocs/op
PASS
ok  	github.com/bpfsim/bpfsim/bench	5.882s
`

func TestTable(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(strings.NewReader(sample), &out, &errs); err != nil {
		t.Fatalf("run: %v (stderr %q)", err, errs.String())
	}
	if errs.Len() != 0 {
		t.Errorf("stderr: %q", errs.String())
	}
	want := `Side by side (linux, amd64, AMD EPYC; median of 2 run(s) each):

| filter | inputs | insns/eval | implementation | ns/eval | ns/insn | allocs/eval | vs bpfsim |
|---|---|--:|---|--:|--:|--:|--:|
| docker | mix | 126.5 | bpfsim | 175.0 | 1.40 | 0 | 1.00x |
| docker | mix | 126.5 | bpfsim-plain | 174.6 | 1.38 | 0 | 1.00x |
| docker | mix | 126.5 | xnetbpf | 425.0 | 3.43 | 0 | 2.43x |
| qemu | worst | 24.0 | gvisor | 58.2 | 2.42 | 0 | - |

- worst docker: x86_64 socket (0x29), args 0xffffffff, 316 instructions
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestFailure(t *testing.T) {
	in := sample + "--- FAIL: TestAgree (0.04s)\nFAIL\n"
	var out, errs bytes.Buffer
	if err := run(strings.NewReader(in), &out, &errs); err == nil {
		t.Error("no error for a failed run")
	}
	if !strings.Contains(errs.String(), "--- FAIL: TestAgree") {
		t.Errorf("stderr lacks the failure: %q", errs.String())
	}
	if err := run(strings.NewReader("PASS\n"), &out, &errs); err == nil {
		t.Error("no error for an input without results")
	}
}

func TestTrimProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkX/a/b/bpfsim-plain-2":  "BenchmarkX/a/b/bpfsim-plain",
		"BenchmarkX/a/b/bpfsim-plain":    "BenchmarkX/a/b/bpfsim-plain",
		"BenchmarkX/a/b/bpfsim-16":       "BenchmarkX/a/b/bpfsim",
		"BenchmarkX/docker-3arch/b/c":    "BenchmarkX/docker-3arch/b/c",
		"BenchmarkX/docker-3arch/b/c-4":  "BenchmarkX/docker-3arch/b/c",
		"BenchmarkX/a/b/bpfsim-plain#01": "BenchmarkX/a/b/bpfsim-plain#01",
	} {
		if got := trimProcs(in); got != want {
			t.Errorf("trimProcs(%q) = %q, want %q", in, got, want)
		}
	}
}
