package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/picture"
	"github.com/bpfsim/bpfsim/picture/svg"
	"github.com/bpfsim/bpfsim/program"
)

// draw writes the policy's picture: --dot the DOT, --svg the SVG on
// stdout, --html FILE the page with the decision table and the SVG
// (README, "Pictures").
func draw(o *options, files []string, stdin io.Reader, stdout io.Writer) error {
	var modes, conflicts []string
	o.flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "dot", "svg", "html", "explain":
			modes = append(modes, "--"+f.Name)
		case "syscall", "input", "arch", "args", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "ip",
			"trace", "json", "live", "outcome", "tracer", "listener", "last-thread", "sigsys-handler":
			conflicts = append(conflicts, "--"+f.Name)
		}
	})
	if len(modes) > 1 {
		return cli.Usagef("give one of %s", strings.Join(modes, ", "))
	}
	if len(conflicts) > 0 {
		return cli.Usagef("%s takes no %s: the picture answers every syscall", modes[0], strings.Join(conflicts, ", "))
	}
	if o.kver != "" && o.html == "" {
		return cli.Usagef("--kernel-version goes with --explain or --html")
	}
	files, srcs, err := o.in.Sources(o.ctx, &o.kernel, files, stdin)
	if err != nil {
		return err
	}
	progs := make([]program.Program, len(srcs))
	filters := make([]picture.Filter, len(srcs))
	for i, s := range srcs {
		progs[i] = s.Program
		filters[i] = picture.Filter{Name: files[i], Program: s.Program, Labels: s.Labels}
		if s.ArchSource == program.ArchGiven {
			filters[i].Annotate.Arch = s.Arch
		}
	}
	// The kernel would refuse a filter: say so, as every mode does.
	stack, err := cli.CompileStack(files, progs)
	if err != nil {
		return err
	}
	title := "seccomp policy " + strings.Join(files, " + ")
	var dot bytes.Buffer
	if err := picture.WriteDot(&dot, title, filters); err != nil {
		return err
	}
	if o.dot {
		_, err := stdout.Write(dot.Bytes())
		return err
	}
	pic, err := svg.Render(o.ctx, dot.Bytes())
	if err != nil {
		return err
	}
	if o.svg {
		_, err := stdout.Write(pic)
		return err
	}
	kv, err := o.kernelView()
	if err != nil {
		return err
	}
	t, err := decision.New(stack, decision.Options{Names: files, Kernel: kv})
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := picture.WriteHTML(&page, title, t, pic); err != nil {
		return err
	}
	if err := os.WriteFile(o.html, page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--html: %v", err)
	}
	return nil
}
