// Command gensyscalls writes seccompdata/zsyscalls.go, the per-arch syscall
// and errno tables, from the pinned golang.org/x/sys module and from the
// kernel's syscall_64.tbl stored beside this file (for x32).
//
// Run it with "go generate ./seccompdata" or, from the module root,
// "go run ./seccompdata/internal/gensyscalls". By default it finds x/sys with
// "go list -m" and the files relative to the main module's directory.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata/internal/syscalltable"
)

func main() {
	xsys := flag.String("xsys", "", "directory of the golang.org/x/sys module (default: from go list -m)")
	tbl := flag.String("tbl", "", "path of syscall_64.tbl (default: seccompdata/internal/gensyscalls/syscall_64.tbl)")
	out := flag.String("o", "", "output file (default: seccompdata/zsyscalls.go)")
	flag.Parse()
	if err := run(*xsys, *tbl, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensyscalls:", err)
		os.Exit(1)
	}
}

func run(xsys, tbl, out string) error {
	if tbl == "" || out == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		if tbl == "" {
			tbl = filepath.Join(root, "seccompdata", "internal", "gensyscalls", "syscall_64.tbl")
		}
		if out == "" {
			out = filepath.Join(root, "seccompdata", "zsyscalls.go")
		}
	}
	if xsys == "" {
		var err error
		if xsys, err = syscalltable.XSysDir(); err != nil {
			return err
		}
	}
	src, err := syscalltable.Generate(xsys, tbl)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// moduleRoot is the directory of the main module.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(b)), nil
}
