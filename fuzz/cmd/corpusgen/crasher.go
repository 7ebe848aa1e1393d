package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// readCrasher reads a file Go's fuzzing engine saved under testdata/fuzz
// for a target whose only argument is a []byte, and returns that argument.
func readCrasher(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "go test fuzz v1" {
		return nil, fmt.Errorf("%s: not a Go fuzz corpus file", path)
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "[]byte(") || !strings.HasSuffix(line, ")") {
			return nil, fmt.Errorf("%s: want one []byte value, found %q", path, line)
		}
		s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s: no value", path)
}
