package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runCheck(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut, nil)
	return code, out.String(), errOut.String()
}

// Verdicts and errnos below are the kernel's (docs/kernel-semantics.md §1, §2.1,
// §2.2: div #0, mod in seccomp and reading an unwritten scratch slot are
// EINVAL); exit codes are bpfcheck's documented ones.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{"accepted", []string{"testdata/allow.asm"}, 0, "testdata/allow.asm: accepted (2 instructions", ""},
		{"real filter", []string{"../../corpus/filters/docker-default_x86_64.bpf"}, 0, "accepted (337 instructions", ""},
		{"div by zero", []string{"testdata/divzero.asm"}, 1, "rejected with EINVAL: line 2: pc 1: ", ""},
		{"socket mode allows mod", []string{"--mode", "socket", "--all", "testdata/many.asm"}, 1, "rejected with EINVAL", ""},
		{"no file", []string{}, 2, "", "no policy file"},
		{"missing file", []string{"testdata/nope.bpf"}, 4, "", "nope.bpf"},
		{"odd length", []string{"testdata/odd.bpf"}, 4, "", "not a multiple of 8"},
		{"bad mode", []string{"--mode", "bogus", "testdata/allow.asm"}, 2, "", "--mode"},
		{"bad flag", []string{"--bogus", "testdata/allow.asm"}, 2, "", "unknown flag"},
		{"pid and files", []string{"--pid", "1", "testdata/allow.asm"}, 2, "", "give policy files or --pid, not both"},
		{"each", []string{"--each", "testdata/allow.asm", "testdata/divzero.asm"}, 1, "testdata/allow.asm: accepted", ""},
		{"stack", []string{"testdata/allow.asm", "testdata/allow.asm"}, 0, "stack of 2 filters", ""},
		{"stack fails on filter 1", []string{"testdata/allow.asm", "testdata/divzero.asm"}, 1, "filter 1 (testdata/divzero.asm): line 2: pc 1: ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCheck(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.out) {
				t.Errorf("stdout %q lacks %q", out, tc.out)
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr %q lacks %q", errOut, tc.err)
			}
			if tc.code == 2 && strings.Count(strings.TrimSpace(errOut), "\n") > 0 && tc.name != "bad flag" {
				t.Errorf("usage error is not one line: %q", errOut)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	code, out, _ := runCheck("--json", "--all", "testdata/many.asm")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var r struct {
		Accepted bool   `json:"accepted"`
		Errno    string `json:"errno"`
		Error    struct {
			Filter int    `json:"filter"`
			PC     int    `json:"pc"`
			Rule   string `json:"rule"`
		} `json:"error"`
		Violations []struct {
			PC   int    `json:"pc"`
			Rule string `json:"rule"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// bpf_check_classic runs check_load_and_stores before seccomp's own
	// opcode filter (bpf_prepare_filter, net/core/filter.c), so the
	// unwritten M[1] at pc 2 decides, not the mod at pc 1.
	if r.Accepted || r.Errno != "EINVAL" || r.Error.PC != 2 || r.Error.Rule != "mem-init" || r.Error.Filter != 0 {
		t.Errorf("got %+v", r)
	}
	if len(r.Violations) != 2 || r.Violations[0].PC != 2 || r.Violations[1].PC != 1 || r.Violations[1].Rule != "seccomp-opcode" {
		t.Errorf("violations %+v, want mem-init at pc 2 then seccomp-opcode at pc 1", r.Violations)
	}
}

func TestEachJSONLines(t *testing.T) {
	code, out, _ := runCheck("--each", "--json", "testdata/allow.asm", "testdata/divzero.asm")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %s", len(lines), out)
	}
	for i, want := range []bool{true, false} {
		var r struct{ Accepted bool }
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil || r.Accepted != want {
			t.Errorf("line %d: %s (err %v), want accepted=%v", i, lines[i], err, want)
		}
	}
}

// TestPrintRoundTrip converts a real filter into every format and back.
func TestPrintRoundTrip(t *testing.T) {
	src := "../../corpus/filters/qemu-system-x86_7.2_sandbox-on.bpf"
	_, want, _ := runCheck("--print", "raw", src)
	for _, f := range []string{"asm", "c", "ddd", "comma"} {
		code, text, errOut := runCheck("--print", f, src)
		if code != 0 {
			t.Fatalf("--print %s: exit %d: %s", f, code, errOut)
		}
		var out, e bytes.Buffer
		if c := run([]string{"--print", "raw", "-"}, strings.NewReader(text), &out, &e, nil); c != 0 {
			t.Fatalf("re-reading %s: exit %d: %s", f, c, e.String())
		}
		if out.String() != want {
			t.Errorf("%s does not round-trip", f)
		}
	}
}
