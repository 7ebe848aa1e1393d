package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/golden"
)

// TestGoldenJUnit pins the JUnit report of the Docker expectations, with
// its one deliberate failure.
func TestGoldenJUnit(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.xml")
	var out, errOut bytes.Buffer
	code := run([]string{"--expect", dockerExpect, docker, "--junit", report}, strings.NewReader(""), &out, &errOut, nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	xml, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "expect-docker-junit", xml)
}

// TestExpectUpdate: --update rewrites only the failing case, keeps the
// comments and the order, and the file then passes.
func TestExpectUpdate(t *testing.T) {
	orig, err := os.ReadFile(dockerExpect)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cases.yaml")
	if err := os.WriteFile(file, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"--expect", file, docker, "--update"}, strings.NewReader(""), &out, &errOut, nil); code != 0 {
		t.Fatalf("--update: exit %d: %s%s", code, out.String(), errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "20 cases, 1 updated") {
		t.Errorf("--update said %q", got)
	}
	updated, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(orig), "    expect: ALLOW # deliberately wrong: the profile refuses it", "    expect: ERRNO(EPERM) # deliberately wrong: the profile refuses it", 1)
	if string(updated) != want {
		t.Errorf("--update wrote:\n%s\nwant:\n%s", updated, want)
	}
	out.Reset()
	if code := run([]string{"--expect", file, docker}, strings.NewReader(""), &out, &errOut, nil); code != 0 {
		t.Errorf("after --update: exit %d:\n%s", code, out.String())
	}
	// A file in JSON is refused, not turned into YAML.
	if code := run([]string{"--expect", "testdata/expect.json", dropper, "--update"}, strings.NewReader(""), &out, &errOut, nil); code != 2 {
		t.Errorf("--update of a JSON file: exit %d, want 2", code)
	}
}
