package syscalltable

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseSysnum(t *testing.T) {
	path := writeFile(t, "zsysnum_linux_test.go", `package unix

const (
	SYS_WRITE        = 1
	SYS_READ         = 0
	SYS__LLSEEK      = 140
	SYS_SYSCALL_MASK = 0
	OTHER            = 7
)
`)
	got, err := parseSysnum(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []syscall{{"read", 0}, {"write", 1}, {"_llseek", 140}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestParseSysnumRejectsDuplicates(t *testing.T) {
	path := writeFile(t, "zsysnum_linux_test.go", "package unix\n\nconst (\n\tSYS_A = 1\n\tSYS_B = 1\n)\n")
	if _, err := parseSysnum(path); err == nil || !strings.Contains(err.Error(), "both 1") {
		t.Errorf("duplicate numbers: error %v", err)
	}
}

func TestParseTbl(t *testing.T) {
	amd64 := []syscall{{"read", 0}, {"readv", 19}}
	tbl := "# header, commit 7237cb3e1544718a972b732e66ebcf0f63b128a5\n\n" +
		"0\tcommon\tread\t\t\tsys_read\n19\t64\treadv\t\t\tsys_readv\n" +
		"515\tx32\treadv\t\t\tsys_readv\n"
	got, commit, err := parseTbl(writeFile(t, "syscall_64.tbl", tbl), amd64)
	if err != nil {
		t.Fatal(err)
	}
	if commit != "7237cb3e1544718a972b732e66ebcf0f63b128a5" {
		t.Errorf("commit = %q", commit)
	}
	if len(got) != 2 || got[0] != (syscall{"read", 0x40000000}) || got[1] != (syscall{"readv", 0x40000000 | 515}) {
		t.Errorf("got %v", got)
	}
	// A common row that disagrees with x86_64 is a transcription error.
	bad := "1\tcommon\tread\tsys_read\n"
	if _, _, err := parseTbl(writeFile(t, "syscall_64.tbl", bad), amd64); err == nil {
		t.Error("mismatched common row accepted")
	}
}
