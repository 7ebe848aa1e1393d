package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
)

func runSim(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut, nil)
	return code, out.String(), errOut.String()
}

const dropper = "../../corpus/samples/dropper.asm"

// Expected actions are read off the sample programs by the kernel's rules
// (docs/kernel-semantics.md §3, §5) and are the same ones the corpus replay
// asserts; syscall numbers are the kernel's x86_64 table.
func TestSingle(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"errno", []string{dropper, "--syscall", "getppid"}, 0, "getppid (110) on x86_64: ERRNO(1) EPERM  ret=0x00050001\n", ""},
		{"by number", []string{dropper, "--syscall", "110"}, 0, "getppid (110) on x86_64: ERRNO(1) EPERM  ret=0x00050001\n", ""},
		{"allow", []string{dropper, "-s", "getpid"}, 0, "getpid (39) on x86_64: ALLOW  ret=0x7fff0000\n", ""},
		{"other arch", []string{dropper, "--arch", "i386", "--syscall", "110"}, 0, "on i386: ALLOW  ret=0x7fff0000\n", ""},
		{"docker default", []string{"../../corpus/filters/docker-default_x86_64.bpf", "--syscall", "openat"}, 0, "openat (257) on x86_64: ALLOW  ret=0x7fff0000\n", ""},
		{"unknown syscall", []string{dropper, "--syscall", "nosuchcall"}, 4, "", "unknown syscall \"nosuchcall\" on x86_64"},
		{"bad number", []string{dropper, "--syscall", "99999999999"}, 4, "", "does not fit in 32 bits"},
		{"bad arg", []string{dropper, "--syscall", "read", "--arg0", "-1x"}, 4, "", "--arg0"},
		{"negative arg", []string{dropper, "--syscall", "read", "--arg0", "-1", "--json"}, 0, `"args":["0xffffffffffffffff"`, ""},
		{"too many args", []string{dropper, "--syscall", "read", "--args", "1,2,3,4,5,6,7"}, 2, "", "at most 6"},
		{"bad arch", []string{dropper, "--arch", "vax", "--syscall", "read"}, 2, "", "vax"},
		{"no syscall", []string{dropper}, 2, "", "exactly one of --syscall and --input"},
		{"rejected filter", []string{"../bpfcheck/testdata/divzero.asm", "--syscall", "read"}, 1, "", "would reject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runSim("", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.out) {
				t.Errorf("stdout %q lacks %q", out, tc.out)
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr %q lacks %q", errOut, tc.err)
			}
		})
	}
}

func TestBatchJSON(t *testing.T) {
	code, out, errOut := runSim("", dropper, "--input", "testdata/batch.jsonl", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type res struct {
		Arch    string `json:"arch"`
		Nr      int32  `json:"nr"`
		Syscall string `json:"syscall"`
		Ret     uint32 `json:"ret"`
		Action  string `json:"action"`
		Data    uint16 `json:"data"`
	}
	want := []res{
		{"x86_64", 110, "getppid", 0x00050001, "ERRNO(1)", 1},
		{"x86_64", 39, "getpid", 0x7fff0000, "ALLOW", 0},
		// i386 110 is iopl (arch/x86/entry/syscalls/syscall_32.tbl).
		{"i386", 110, "iopl", 0x7fff0000, "ALLOW", 0},
		// x32 adds __X32_SYSCALL_BIT; the filter forgot it.
		{"x32", 0x40000000 | 110, "getppid", 0x7fff0000, "ALLOW", 0},
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var got res
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if got != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got, want[i])
		}
	}
}

func TestBatchErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{`{"nr": 1, "bogus": 2}`, "<stdin>:1: bogus: unknown field"},
		{"\n{\"nr\": \"nosuch\"}", "<stdin>:2: nr: unknown syscall \"nosuch\" on x86_64"},
		{`{"nr": 1, "args": [1,2,3,4,5,6,7]}`, "<stdin>:1: args: 7 values, at most 6"},
		{`{"nr": 1, "args": [18446744073709551616]}`, "does not fit in 64 bits"},
		{`{"arch": "pdp11", "nr": 1}`, "pdp11"},
		{`not json`, "<stdin>:1: not a JSON object"},
	}
	for _, tc := range tests {
		code, _, errOut := runSim(tc.in, dropper, "--input", "-")
		if code != 4 || !strings.Contains(errOut, tc.err) {
			t.Errorf("input %q: exit %d, stderr %q; want 4 and %q", tc.in, code, errOut, tc.err)
		}
	}
}

func TestTrace(t *testing.T) {
	code, out, _ := runSim("", dropper, "--syscall", "getppid", "--trace")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// dropper.asm: ld [4]; jeq arch; ld [0]; jeq #110; ret ERRNO: five
	// instructions run, and A holds the loaded words. Jumps and
	// instructions are named by the file's own labels.
	for _, want := range []string{"0: ld [4]", "A=0xc000003e", "1: jne #0xc000003e, allow ", "2: check_nr: ld [0]",
		"A=0x0000006e", "4: drop: ret #0x50001"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestStack(t *testing.T) {
	// Two filters: the newest's ERRNO(1) ties with nothing stronger, so
	// it decides (seccomp_run_filters: lowest action wins, ties to newest).
	code, out, _ := runSim("", "../../corpus/samples/trap-rw.asm", dropper, "--syscall", "getppid")
	if code != 0 || !strings.Contains(out, "ERRNO(1) EPERM  filter=1") {
		t.Errorf("exit %d: %s", code, out)
	}
	code, out, _ = runSim("", "../../corpus/samples/trap-rw.asm", dropper, "--syscall", "read")
	if code != 0 || !strings.Contains(out, "TRAP(0) (SIGSYS kills the process with a core dump: no SIGSYS handler)  filter=0") {
		t.Errorf("exit %d: %s", code, out)
	}
}

// --explain --json prints exactly one table and nothing else, which reads
// back as a table; without --kernel-version the kernel view is the running
// kernel's (or, where that cannot be read, an assumed one), and says so.
func TestExplain(t *testing.T) {
	code, out, errOut := runSim("", "--explain", "--json", dropper)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var first map[string]any
	if err := dec.Decode(&first); err != nil {
		t.Fatal(err)
	}
	var more any
	if err := dec.Decode(&more); err == nil {
		t.Errorf("more than one JSON value on stdout: %v", more)
	}
	if first["schema_version"] != 1.0 {
		t.Errorf("schema_version %v", first["schema_version"])
	}
	if src := first["kernel"].(map[string]any)["source"].(string); src != "running kernel" && !strings.HasPrefix(src, "assumed") {
		t.Errorf("kernel source %q", src)
	}
	if _, err := decision.Read(strings.NewReader(out)); err != nil {
		t.Errorf("the table does not read back: %v", err)
	}
	code, out, _ = runSim("", "--explain", dropper)
	if code != 0 || !strings.Contains(out, "(running kernel)") && !strings.Contains(out, "(assumed") {
		t.Errorf("exit %d, text header does not say which kernel: %.300s", code, out)
	}
}
