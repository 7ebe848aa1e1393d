// Command genconsts writes internal/consts/zconsts.go from the pinned
// golang.org/x/sys module. Run it with "go generate ./internal/consts".
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bpfsim/bpfsim/internal/consts/internal/constgen"
)

func main() {
	xsys := flag.String("xsys", "", "directory of the golang.org/x/sys module (default: from go list -m)")
	out := flag.String("o", "zconsts.go", "output file")
	flag.Parse()
	if err := run(*xsys, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genconsts:", err)
		os.Exit(1)
	}
}

func run(xsys, out string) error {
	if xsys == "" {
		var err error
		if xsys, err = constgen.XSysDir(); err != nil {
			return err
		}
	}
	src, err := constgen.Generate(xsys)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
