package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadCrasher(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file    string
		want    string
		wantErr bool
	}{
		{"go test fuzz v1\n[]byte(\"\\x00ab\\\"\")\n", "\x00ab\"", false},
		{"go test fuzz v1\n[]byte(\"\")\n", "", false},
		{"go test fuzz v1\nstring(\"x\")\n", "", true},
		{"not a corpus file\n", "", true},
	}
	for i, tc := range tests {
		path := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readCrasher(path)
		if (err != nil) != tc.wantErr || string(got) != tc.want {
			t.Errorf("%q: %q, %v", tc.file, got, err)
		}
	}
}
