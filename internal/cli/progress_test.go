package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// Off a terminal (a pipe, a file, a CI log) progress prints nothing.
func TestProgressQuietOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 100, "checking", false)
	p.Add(50)
	p.Done()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	q := NewProgress(f, 100, "checking", false)
	q.Add(100)
	q.Done()
	r := q.Reader(strings.NewReader("abc"))
	if buf.Len() != 0 || p.bar != nil || q.bar != nil || r == nil {
		t.Errorf("progress off a terminal: %q", buf.String())
	}
}
