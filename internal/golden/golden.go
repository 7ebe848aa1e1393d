// Package golden compares command output with files under testdata/golden
// and rewrites them when the test binary runs with -update.
package golden

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
)

// Update is set by go test -update: Check then writes the files instead of
// comparing.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Check compares got with testdata/golden/NAME.golden, or writes it there
// with -update.
func Check(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Command is a command's run function, as both commands' main packages
// define it; open, when not nil, replaces kernel.Open.
type Command func(args []string, stdin io.Reader, stdout, stderr io.Writer, open cli.OpenFunc) int

// Transcript runs cmd with args and no standard input, with fake as its
// kernel when not nil, and returns what a golden file holds: the command
// line, the exit status, stdout and stderr.
func Transcript(name string, cmd Command, args []string, fake *kerneltest.Fake) []byte {
	var out, errOut bytes.Buffer
	var open cli.OpenFunc
	if fake != nil {
		// The running kernel is fake itself; a kernel of --kernel NAME
		// (each of --kernel all's) is a copy that gives its release as
		// NAME.0-fake.
		open = func(_ context.Context, name string, _ kernel.Options) (kernel.Kernel, error) {
			if name == "" {
				return fake, nil
			}
			f := *fake
			f.Release = name + ".0-fake"
			return &f, nil
		}
	}
	code := cmd(args, strings.NewReader(""), &out, &errOut, open)
	return []byte(fmt.Sprintf("$ %s %s\nexit %d\n--- stdout\n%s--- stderr\n%s", name, strings.Join(args, " "), code, out.String(), errOut.String()))
}

// CheckStable makes got twice, fails t when the two differ, and checks the
// first against testdata/golden/NAME.golden.
func CheckStable(t *testing.T, name string, got func() []byte) {
	t.Helper()
	first := got()
	if again := got(); !bytes.Equal(first, again) {
		t.Fatalf("output is not stable:\n%s\n---\n%s", first, again)
	}
	Check(t, name, first)
}
