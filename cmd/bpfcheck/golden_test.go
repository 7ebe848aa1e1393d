package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/golden"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/program"
)

const (
	allow   = "testdata/allow.asm"
	divzero = "testdata/divzero.asm"
	many    = "testdata/many.asm"
	qemu    = "../../corpus/filters/qemu-system-x86_7.2_sandbox-on.bpf"
	docker  = "../../corpus/filters/docker-default_x86_64.bpf"
	abis    = "testdata/x86-abis.asm"
	docker3 = "../../corpus/filters/docker-default_x86_64+x86+x32.bpf"
	openssh = "../../corpus/filters/openssh-server_9.2p1-2+deb12u10_preauth.bpf"
	samples = "../../corpus/samples/"
)

// goldenCases cover every mode of the command; with --live and --pid the
// kernel is kerneltest.Fake, so the shapes are pinned without a kernel.
var goldenCases = []struct {
	name string
	args []string
	fake *kerneltest.Fake
}{
	{"accepted", []string{allow}, nil},
	{"accepted-json", []string{"--json", allow}, nil},
	{"rejected", []string{divzero}, nil},
	{"rejected-json", []string{"--json", divzero}, nil},
	{"all", []string{"--all", many}, nil},
	{"all-json", []string{"--all", "--json", many}, nil},
	{"each", []string{"--each", allow, divzero, qemu}, nil},
	{"each-json", []string{"--each", "--json", allow, divzero, qemu}, nil},
	{"stack", []string{allow, divzero}, nil},
	{"stack-json", []string{"--json", allow, divzero}, nil},
	{"socket-json", []string{"--mode", "socket", "--json", many}, nil},
	{"live", []string{"--live", allow}, &kerneltest.Fake{}},
	{"live-json", []string{"--live", "--json", allow}, &kerneltest.Fake{}},
	{"live-each-json", []string{"--live", "--each", "--json", allow, divzero}, &kerneltest.Fake{}},
	{"live-stack-json", []string{"--live", "--json", allow, divzero}, &kerneltest.Fake{}},
	// --kernel all: every kernel of the cache (testdata/kernels/MANIFEST).
	{"live-kernel-all", []string{"--live", "--kernel", "all", "--each", allow, divzero}, &kerneltest.Fake{}},
	{"live-kernel-all-json", []string{"--live", "--kernel", "all", "--json", allow, divzero}, &kerneltest.Fake{}},
	{"live-kernel-one-json", []string{"--live", "--kernel", "6.1", "--json", allow}, &kerneltest.Fake{}},
	{"probe-kernel-all", []string{"--probe-kernel", "--kernel", "all"}, &kerneltest.Fake{}},
	{"pid-json", []string{"--pid", "42", "--json"}, &kerneltest.Fake{Filters: []program.Program{
		{program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000)}, {program.Stmt(program.ClassRET|program.RvalK, 0x00050026)}}}},
	{"print-asm", []string{"--print", "asm", divzero}, nil},
	{"print-c", []string{"--print", "c", allow}, nil},
	{"print-ddd", []string{"--print", "ddd", allow}, nil},
	{"print-comma", []string{"--print", "comma", allow}, nil},
	{"print-asm-ignored-bits", []string{"--print", "asm", "testdata/ret-jf.c"}, nil},
	{"print-c-ignored-bits", []string{"--print", "c", "testdata/ret-jf.c"}, nil},
	{"ignored-bits", []string{"testdata/ret-jf.c"}, nil},
	{"empty", []string{"testdata/empty.bpf"}, nil},
	{"empty-json", []string{"--json", "testdata/comment-only.asm"}, nil},
	{"empty-stack", []string{allow, "testdata/empty.bpf"}, nil},
	{"empty-each-json", []string{"--each", "--json", "testdata/empty.bpf", "testdata/comment-only.asm", allow}, nil},
	{"table-accepted", []string{"../bpfsim/testdata/docker-table.json"}, nil},
	{"table-accepted-json", []string{"--json", "../bpfsim/testdata/docker-table.json"}, nil},
	{"print-asm-table", []string{"--print", "asm", "../bpfsim/testdata/trap-rw-table.json"}, nil},
	{"each-unreadable", []string{"--each", allow, "testdata/nope.bpf", "testdata/odd.bpf", divzero}, nil},
	{"each-unreadable-json", []string{"--each", "--json", allow, "testdata/nope.bpf", divzero}, nil},
	{"print-raw-be", []string{"--print", "raw-be", allow}, nil},
	{"print-be-to-le", []string{"--big-endian", "--format", "raw", "--print", "raw", "testdata/golden/allow-be.bpf.in"}, nil},
	{"usage", []string{"--mode", "tcp", allow}, nil},
	{"help", []string{"-h"}, nil},
	{"unknown-flag", []string{"--bogus", allow}, nil},
	// Issue 9: input read exactly or refused.
	{"be-hint", []string{"testdata/golden/allow-be.bpf.in"}, nil},
	{"latin1", []string{"testdata/latin1.asm"}, nil},
	{"truncated", []string{"testdata/truncated.asm"}, nil},
	{"dup-label", []string{"testdata/dup-label.asm"}, nil},
	{"names-arch-checked", []string{"--print", "ddd", "testdata/read-aarch64.c"}, nil},
	{"names-filter-arch", []string{"--print", "ddd", "--filter-arch", "x86_64", "testdata/read-aarch64.c"}, nil},
	{"names-missing", []string{"testdata/open-aarch64.asm"}, nil},
	{"names-filter-arch-bad", []string{"--filter-arch", "vax", allow}, nil},
	// Issue 11 item 0: --print asm annotates seccomp filters.
	{"print-asm-abis", []string{"--print", "asm", abis}, nil},
	{"print-asm-socket", []string{"--mode", "socket", "--print", "asm", abis}, nil},
	{"print-asm-filter-arch", []string{"--print", "asm", "--filter-arch", "x86_64", "testdata/open-aarch64.asm"}, nil},
	{"print-asm-no-arch", []string{"--print", "asm", "../../corpus/samples/fancy.asm"}, nil},
	{"print-asm-no-arch-given", []string{"--print", "asm", "--filter-arch", "x86_64", "../../corpus/samples/fancy.asm"}, nil},
	// Issue 12 item 2: --audit on every corpus sample (text and JSON)
	// and the four real filters.
	{"audit-dropper", []string{"--audit", samples + "dropper.asm"}, nil},
	// The uretprobe bypass by release: none on 6.12.13, a finding on
	// 6.12.117 (the 6.12.14 backport; seccompdata.KernelVersion).
	{"audit-uretprobe-6.12.13", []string{"--audit", "--kernel-version", "6.12.13", "../bpfsim/testdata/kill-uretprobe.asm"}, nil},
	{"audit-uretprobe-6.12.117", []string{"--audit", "--kernel-version", "6.12.117", "../bpfsim/testdata/kill-uretprobe.asm"}, nil},
	{"audit-dropper-json", []string{"--audit", "--json", samples + "dropper.asm"}, nil},
	{"audit-fancy", []string{"--audit", samples + "fancy.asm"}, nil},
	{"audit-fancy-json", []string{"--audit", "--json", samples + "fancy.asm"}, nil},
	{"audit-trap-rw", []string{"--audit", samples + "trap-rw.asm"}, nil},
	{"audit-trap-rw-json", []string{"--audit", "--json", samples + "trap-rw.asm"}, nil},
	{"audit-goseccompbpf", []string{"--audit", samples + "goseccompbpf-stale-accumulator.asm"}, nil},
	{"audit-goseccompbpf-json", []string{"--audit", "--json", samples + "goseccompbpf-stale-accumulator.asm"}, nil},
	{"audit-docker", []string{"--audit", docker}, nil},
	{"audit-docker-3-arches", []string{"--audit", docker3}, nil},
	{"audit-docker-3-arches-json", []string{"--audit", "--json", docker3}, nil},
	{"audit-openssh", []string{"--audit", openssh}, nil},
	{"audit-qemu", []string{"--audit", qemu}, nil},
	{"audit-qemu-fail-on-medium", []string{"--audit", "--fail-on", "medium", qemu}, nil},
	{"audit-kernel-6.13", []string{"--audit", "--kernel-version", "6.13", openssh}, nil},
	{"audit-stack", []string{"--audit", samples + "dropper.asm", samples + "trap-rw.asm"}, nil},
	{"audit-fail-on-bad", []string{"--audit", "--fail-on", "critical", qemu}, nil},
	{"audit-each", []string{"--audit", "--each", qemu}, nil},
	{"sarif-without-audit", []string{"--sarif", "x.sarif", qemu}, nil},
}

// excerptCases are golden cases whose output is long: the golden file
// keeps its first and last lines.
var excerptCases = []struct {
	name        string
	args        []string
	first, last int
}{
	{"print-asm-docker", []string{"--print", "asm", docker}, 60, 2},
	// The end of the i386 part and the tail the x86_64 and i386 paths
	// share, where the arch is not known.
	{"print-asm-docker-3-arches", []string{"--print", "asm", "../../corpus/filters/docker-default_x86_64+x86+x32.bpf"}, 10, 50},
}

func runGolden(args []string, fake *kerneltest.Fake) []byte {
	return golden.Transcript("bpfcheck", run, args, fake)
}

// TestGolden pins what bpfcheck prints in every mode; go test -update
// rewrites the files. Each case runs twice: the output must be stable.
func TestGolden(t *testing.T) {
	t.Setenv("BPFSIM_KERNELS", "testdata/kernels") // --kernel all's kernels
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			golden.CheckStable(t, tc.name, func() []byte { return runGolden(tc.args, tc.fake) })
		})
	}
	for _, tc := range excerptCases {
		t.Run(tc.name, func(t *testing.T) {
			got := runGolden(tc.args, nil)
			lines := strings.SplitAfter(string(got), "\n")
			if omit := len(lines) - tc.first - tc.last; omit > 0 {
				excerpt := strings.Join(lines[:tc.first], "") + fmt.Sprintf("[%d lines]\n", omit) + strings.Join(lines[len(lines)-tc.last:], "")
				got = []byte(excerpt)
			}
			golden.Check(t, tc.name, got)
		})
	}
}

// TestGoldenSARIF pins the SARIF log of --audit --sarif FILE.
func TestGoldenSARIF(t *testing.T) {
	for _, tc := range []struct{ name, policy string }{
		{"audit-sarif-dropper", samples + "dropper.asm"},
		{"audit-sarif-docker-3-arches", docker3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.sarif")
			var out, errOut bytes.Buffer
			code := run([]string{"--audit", "--sarif", path, tc.policy}, strings.NewReader(""), &out, &errOut, nil)
			if code != 0 && code != 1 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var log struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []struct {
						RuleID string `json:"ruleId"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(b, &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("not a SARIF 2.1.0 log: %v", err)
			}
			golden.Check(t, tc.name, b)
		})
	}
}
