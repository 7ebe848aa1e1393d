package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/golden"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

const (
	trapRW    = "../../corpus/samples/trap-rw.asm"
	ownValue  = "testdata/own-value.asm"
	killUret  = "testdata/kill-uretprobe.asm"
	arches    = "testdata/arches.jsonl"
	batchFile = "testdata/batch.jsonl"
	abis      = "../bpfcheck/testdata/x86-abis.asm"

	fancy        = "../../corpus/samples/fancy.asm"
	goSeccompBPF = "../../corpus/samples/goseccompbpf-stale-accumulator.asm"
	qemu         = "../../corpus/filters/qemu-system-x86_7.2_sandbox-on.bpf"
	docker       = "../../corpus/filters/docker-default_x86_64.bpf"
	dockerTable  = "testdata/docker-table.json"
	trapRWTable  = "testdata/trap-rw-table.json"
	dockerLoose  = "../../decision/testdata/diff/docker-clone-allowed.asm"
	dockerExpect = "testdata/docker-expect.yaml"
)

// goldenCases cover every mode of the command; with --live and --pid the
// kernel is kerneltest.Fake, so the shapes are pinned without a kernel.
var goldenCases = []struct {
	name string
	args []string
	fake *kerneltest.Fake
}{
	{"single", []string{dropper, "--syscall", "getppid"}, nil},
	{"single-json", []string{dropper, "--syscall", "getppid", "--json"}, nil},
	{"trace", []string{dropper, "--syscall", "getppid", "--trace"}, nil},
	{"trace-json", []string{dropper, "--syscall", "getppid", "--trace", "--json"}, nil},
	{"batch", []string{dropper, "--input", batchFile}, nil},
	{"batch-json", []string{dropper, "--input", batchFile, "--json"}, nil},
	{"arches-json", []string{dropper, "--input", arches, "--json"}, nil},
	{"stack", []string{dropper, trapRW, "--syscall", "read"}, nil},
	{"stack-json", []string{"--json", dropper, trapRW, "--syscall", "getppid"}, nil},
	{"stack-trace", []string{dropper, trapRW, "--syscall", "getppid", "--trace"}, nil},
	{"own-value", []string{ownValue, "--syscall", "read"}, nil},
	{"own-value-json", []string{ownValue, "--syscall", "read", "--json"}, nil},
	{"bypass", []string{killUret, "--syscall", "335"}, nil},
	{"bypass-json", []string{killUret, "--syscall", "uretprobe", "--json"}, nil},
	{"trap-no-handler", []string{trapRW, "--syscall", "write"}, nil},
	{"trap-handler", []string{trapRW, "--syscall", "write", "--sigsys-handler"}, nil},
	{"kill-thread", []string{killUret, "--arch", "i386", "--syscall", "335"}, nil},
	{"kill-thread-last", []string{killUret, "--arch", "i386", "--syscall", "335", "--last-thread"}, nil},
	{"outcome-model-json", []string{trapRW, "--syscall", "write", "--json", "--sigsys-handler"}, nil},
	{"live", []string{dropper, "--syscall", "getppid", "--live"}, &kerneltest.Fake{}},
	{"live-json", []string{dropper, "--input", batchFile, "--live", "--json"}, &kerneltest.Fake{}},
	{"live-outcome", []string{trapRW, "--input", batchFile, "--live", "--outcome"}, &kerneltest.Fake{}},
	{"live-outcome-json", []string{dropper, trapRW, "--syscall", "getppid", "--live", "--outcome", "--json"}, &kerneltest.Fake{}},
	{"live-differs", []string{dropper, "--syscall", "getppid", "--live"}, &kerneltest.Fake{Override: func(seccompdata.Data, uint32) uint32 { return 0x00050002 }}},
	{"live-differs-json", []string{dropper, "--syscall", "getppid", "--live", "--json"}, &kerneltest.Fake{Override: func(seccompdata.Data, uint32) uint32 { return 0x00050002 }}},
	{"live-too-long", []string{"testdata/long-ret-a.asm", "--syscall", "read", "--live"}, &kerneltest.Fake{TooLong: 4090}},
	{"live-too-long-stack-json", []string{dropper, "testdata/long-ret-a.asm", "--syscall", "getppid", "--live", "--json"}, &kerneltest.Fake{TooLong: 4090}},
	{"pid-json", []string{"--pid", "42", "--syscall", "getppid", "--json"}, &kerneltest.Fake{Filters: []program.Program{
		{program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000)},
		{program.Stmt(program.ClassRET|program.RvalK, 0x00050026)}}}},
	{"rejected-stack", []string{"../bpfcheck/testdata/allow.asm", "../bpfcheck/testdata/divzero.asm", "--syscall", "read"}, nil},
	{"empty-filter", []string{"../bpfcheck/testdata/empty.bpf", "--syscall", "read"}, nil},
	{"batch-with-arg0", []string{dropper, "--input", batchFile, "--arg0", "1"}, nil},
	{"input-without-nr", []string{dropper, "--input", "testdata/golden/no-nr.jsonl.in"}, nil},
	{"bad-input-json", []string{dropper, "--input", "testdata/golden/bad.jsonl.in", "--json"}, nil},
	{"bad-input", []string{dropper, "--input", "testdata/golden/bad.jsonl.in"}, nil},
	{"usage", []string{dropper}, nil},
	{"kernel-missing", []string{dropper, "--syscall", "read", "--live", "--kernel", "testdata/no-such-vmlinuz"}, nil},
	{"help", []string{"--help"}, nil},
	{"flag-twice", []string{dropper, "-s", "read", "--syscall", "write"}, nil},
	{"args-and-arg0", []string{dropper, "-s", "read", "--args", "1,2", "--arg0", "3"}, nil},
	{"did-you-mean", []string{dropper, "-s", "opneat"}, nil},
	{"errno-capped", []string{"testdata/errno-cap.asm", "-s", "read"}, nil},
	{"arch-number", []string{dropper, "--arch", "0xc000003d", "-s", "5"}, nil},
	{"wide-arm-flag", []string{dropper, "--arch", "arm", "--syscall", "getppid", "--arg0", "0x1122334455667788"}, nil},
	{"wide-arm-input", []string{dropper, "--input", "testdata/golden/wide-arm.jsonl.in"}, nil},
	{"wide-i386-ok", []string{dropper, "--arch", "i386", "--syscall", "getppid", "--arg0", "0x1122334455667788", "--json"}, nil},
	{"be-hint", []string{"../bpfcheck/testdata/golden/allow-be.bpf.in", "--syscall", "read"}, nil},
	{"trace-names", []string{"../bpfcheck/testdata/open-aarch64.asm", "--filter-arch", "x86_64", "--arch", "aarch64", "--syscall", "read", "--trace"}, nil},
	// Issue 11 item 0: the trace carries bpfcheck --print asm's comments.
	{"trace-x32", []string{abis, "--arch", "x32", "--syscall", "openat", "--arg0", "0xffffffffffffff9c", "--trace"}, nil},
	{"trace-i386-json", []string{abis, "--arch", "i386", "--syscall", "openat", "--arg0", "3", "--trace", "--json"}, nil},
	// --explain, on every corpus sample and two real filters, with the
	// kernel version given so that the output does not depend on the
	// machine.
	{"explain-dropper", []string{"--explain", dropper, "--kernel-version", "6.18"}, nil},
	{"explain-dropper-json", []string{"--explain", dropper, "--kernel-version", "6.18", "--json"}, nil},
	{"explain-fancy", []string{"--explain", fancy, "--kernel-version", "6.18"}, nil},
	{"explain-fancy-json", []string{"--explain", fancy, "--kernel-version", "6.18", "--json"}, nil},
	{"explain-trap-rw", []string{"--explain", trapRW, "--kernel-version", "6.18"}, nil},
	{"explain-trap-rw-json", []string{"--explain", trapRW, "--kernel-version", "6.18", "--json"}, nil},
	{"explain-goseccompbpf", []string{"--explain", goSeccompBPF, "--kernel-version", "6.18"}, nil},
	{"explain-goseccompbpf-json", []string{"--explain", goSeccompBPF, "--kernel-version", "6.18", "--json"}, nil},
	{"explain-qemu", []string{"--explain", qemu, "--kernel-version", "6.18"}, nil},
	{"explain-qemu-json", []string{"--explain", qemu, "--kernel-version", "6.18", "--json"}, nil},
	{"explain-docker", []string{"--explain", docker, "--kernel-version", "6.18"}, nil},
	{"explain-stack", []string{"--explain", dropper, trapRW, "--kernel-version", "6.18"}, nil},
	{"explain-kernel-5.10", []string{"--explain", trapRW, "--kernel-version", "5.10"}, nil},
	{"explain-with-syscall", []string{"--explain", dropper, "--syscall", "read"}, nil},
	{"explain-bad-version", []string{"--explain", dropper, "--kernel-version", "6"}, nil},
	// --explain --oci: the profiles of the corpus policies that have one,
	// and the rows of the others.
	{"oci-docker", []string{"--explain", "--oci", docker, "--kernel-version", "6.18"}, nil},
	{"oci-docker-3-arches", []string{"--explain", "--oci", "../../corpus/filters/docker-default_x86_64+x86+x32.bpf", "--kernel-version", "6.18"}, nil},
	{"oci-qemu", []string{"--explain", "--oci", qemu, "--kernel-version", "6.18"}, nil},
	{"oci-openssh", []string{"--explain", "--oci", "../../corpus/filters/openssh-server_9.2p1-2+deb12u10_preauth.bpf", "--kernel-version", "6.18"}, nil},
	{"oci-dropper", []string{"--explain", "--oci", dropper, "--kernel-version", "6.18"}, nil},
	{"oci-fancy", []string{"--explain", "--oci", fancy, "--kernel-version", "6.18"}, nil},
	{"oci-trap-rw", []string{"--explain", "--oci", trapRW, "--kernel-version", "6.18"}, nil},
	{"oci-goseccompbpf", []string{"--explain", "--oci", goSeccompBPF, "--kernel-version", "6.18"}, nil},
	{"oci-table", []string{"--explain", "--oci", dockerTable, "--kernel-version", "6.18"}, nil},
	{"oci-with-json", []string{"--explain", "--oci", "--json", dropper}, nil},
	{"oci-without-explain", []string{"--oci", dropper, "--syscall", "read"}, nil},
	{"table-syscall", []string{dockerTable, "--syscall", "personality", "--arg0", "0xffffffff"}, nil},
	{"table-syscall-json", []string{dockerTable, "--syscall", "personality", "--arg0", "5", "--json"}, nil},
	{"table-format-trace", []string{"--format", "table", trapRWTable, "--syscall", "write", "--trace"}, nil},
	{"table-bad", []string{"testdata/golden/bad-table.json.in", "--syscall", "read"}, nil},
	// Issue 12 item 1: --diff.
	{"diff-docker-loosened", []string{"--diff", docker, dockerLoose}, nil},
	{"diff-docker-loosened-json", []string{"--diff", docker, dockerLoose, "--json"}, nil},
	{"diff-docker-tightened-fail-on-loosened", []string{dockerLoose, docker, "--diff", "--fail-on", "loosened"}, nil},
	{"diff-table-equivalent", []string{"--diff", dockerTable, docker}, nil},
	{"diff-table-equivalent-json", []string{docker, dockerTable, "--diff", "--json"}, nil},
	{"diff-stack", []string{"--diff", dropper + "," + trapRW, dropper, "--json"}, nil},
	{"diff-one-operand", []string{"--diff", docker}, nil},
	{"diff-with-syscall", []string{"--diff", docker, docker, "--syscall", "read"}, nil},
	{"fail-on-without-diff", []string{docker, "--syscall", "read", "--fail-on", "loosened"}, nil},
	// Issue 13: symbolic and negative args, per arch.
	{"symbolic-args", []string{docker, "--syscall", "clone", "--arg0", "CLONE_NEWUSER|CLONE_NEWNS"}, nil},
	{"negative-arg-arm-json", []string{dropper, "--arch", "arm", "--syscall", "openat", "--arg0", "AT_FDCWD", "--arg2", "O_WRONLY|O_CREAT", "--ip", "-4096", "--json"}, nil},
	{"unknown-constant", []string{dropper, "--syscall", "openat", "--arg0", "AT_FDCWDD"}, nil},
	// Issue 13 item 1: expectations, with one deliberate failure.
	{"expect-docker", []string{"--expect", dockerExpect, docker}, nil},
	{"expect-docker-json", []string{"--expect", dockerExpect, docker, "--json"}, nil},
	{"expect-docker-live", []string{"--expect", dockerExpect, docker, "--live"}, &kerneltest.Fake{}},
	{"expect-live-differs-json", []string{"--expect", "testdata/expect.json", dropper, "--live", "--json"}, &kerneltest.Fake{Override: func(seccompdata.Data, uint32) uint32 { return 0x00050002 }}},
	{"expect-json-file", []string{"--expect", "testdata/expect.json", dropper}, nil},
	{"expect-bad-file", []string{"--expect", "testdata/golden/bad-expect.yaml.in", dropper}, nil},
	{"expect-missing-file", []string{"--expect", "testdata/no-such.yaml", dropper}, nil},
	{"expect-with-syscall", []string{"--expect", dockerExpect, docker, "--syscall", "read"}, nil},
	{"update-without-expect", []string{docker, "--syscall", "read", "--update"}, nil},
	// Issue 12 item 3, pictures: --dot of a sample and of a stack, --svg
	// (Graphviz in WebAssembly: the same bytes every run), usage errors.
	{"dot-fancy", []string{"--dot", fancy}, nil},
	{"dot-trap-rw", []string{trapRW, "--dot"}, nil},
	{"dot-stack", []string{"--dot", dropper, trapRW}, nil},
	{"dot-docker", []string{"--dot", docker}, nil}, // chains of jeq as one node
	{"svg-dropper", []string{"--svg", dropper}, nil},
	{"dot-with-syscall", []string{"--dot", dropper, "--syscall", "read"}, nil},
	{"dot-and-svg", []string{"--dot", "--svg", dropper}, nil},
	{"dot-kernel-version", []string{"--dot", dropper, "--kernel-version", "6.18"}, nil},
	// Issue 14: which syscalls bypass seccomp follows the release
	// (seccompdata.KernelVersion): uretprobe from 6.14 and 6.12.14.
	{"kernel-version-6.1", []string{killUret, "--syscall", "uretprobe", "--kernel-version", "6.1"}, nil},
	{"kernel-version-6.12.117", []string{killUret, "--syscall", "uretprobe", "--kernel-version", "6.12.117"}, nil},
	{"kernel-version-json", []string{killUret, "--syscall", "uretprobe", "--kernel-version", "6.12.13", "--json"}, nil},
	{"kernel-version-bad", []string{killUret, "--syscall", "uretprobe", "--kernel-version", "6.x"}, nil},
	// With --live and no --kernel-version, bpfsim answers for the release
	// of the kernel it asks (the fake guest says NAME.0-fake).
	{"live-guest-release", []string{killUret, "--syscall", "uretprobe", "--live", "--kernel", "6.12"}, &kerneltest.Fake{}},
	{"live-guest-release-json", []string{killUret, "--syscall", "uretprobe", "--live", "--kernel", "6.18", "--json"}, &kerneltest.Fake{}},
	// --kernel all: every kernel of the cache (testdata/kernels/MANIFEST).
	{"live-kernel-all", []string{dropper, "--input", batchFile, "--live", "--kernel", "all"}, &kerneltest.Fake{}},
	{"live-kernel-all-json", []string{dropper, "--syscall", "getppid", "--live", "--kernel", "all", "--json"}, &kerneltest.Fake{}},
	{"live-kernel-all-outcome", []string{trapRW, "--syscall", "getppid", "--live", "--outcome", "--kernel", "all"}, &kerneltest.Fake{}},
	{"live-kernel-all-differs", []string{dropper, "--syscall", "getppid", "--live", "--kernel", "all"}, &kerneltest.Fake{Override: func(seccompdata.Data, uint32) uint32 { return 0x00050002 }}},
	{"live-kernel-all-too-long-json", []string{"testdata/long-ret-a.asm", "--syscall", "read", "--live", "--kernel", "all", "--json"}, &kerneltest.Fake{TooLong: 4090}},
	{"expect-kernel-all", []string{"--expect", dockerExpect, docker, "--live", "--kernel", "all"}, &kerneltest.Fake{}},
	{"pid-kernel-all", []string{"--pid", "42", "--syscall", "getppid", "--kernel", "all"}, &kerneltest.Fake{}},
}

func runGolden(args []string, fake *kerneltest.Fake) []byte {
	return golden.Transcript("bpfsim", run, args, fake)
}

// TestGolden pins what bpfsim prints in every mode; go test -update
// rewrites the files. Each case runs twice: the output must be stable.
func TestGolden(t *testing.T) {
	t.Setenv("BPFSIM_KERNELS", "testdata/kernels") // --kernel all's kernels
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			golden.CheckStable(t, tc.name, func() []byte { return runGolden(tc.args, tc.fake) })
		})
	}
}

// TestInputRoundTrip: every input object bpfsim --json prints is read back
// by --input unchanged, with any 32-bit arch number, and gives the same
// result.
func TestInputRoundTrip(t *testing.T) {
	code, out, errOut := runSim("", dropper, "--input", arches, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var echoed []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		echoed = append(echoed, string(r.Input))
	}
	code, again, errOut := runSim(strings.Join(echoed, "\n"), dropper, "--input", "-", "--json")
	if code != 0 || again != out {
		t.Errorf("exit %d %s\nread back:\n%s\nfirst run:\n%s", code, errOut, again, out)
	}
}

// TestTableFiles: the table files of the tests are the tables of their
// filters (bpfsim --explain --json), and a table file in a filter's place
// gives the filter's answers.
func TestTableFiles(t *testing.T) {
	for _, tc := range []struct{ filter, table string }{{docker, dockerTable}, {trapRW, trapRWTable}} {
		code, table, errOut := runSim("", "--explain", "--json", "--kernel-version", "6.18", tc.filter)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.filter, code, errOut)
		}
		want, err := os.ReadFile(tc.table)
		if err != nil {
			t.Fatal(err)
		}
		// The file names the policy as the command line did when it was made.
		if strings.Replace(table, "../../corpus/", "corpus/", 1) != string(want) {
			t.Errorf("%s is not the table of %s: regenerate it with bpfsim --explain --json --kernel-version 6.18", tc.table, tc.filter)
		}
		for _, batch := range []string{batchFile, arches} {
			_, fromFilter, _ := runSim("", tc.filter, "--input", batch, "--json")
			code, fromTable, errOut := runSim("", tc.table, "--input", batch, "--json")
			if code != 0 || fromTable != fromFilter {
				t.Errorf("%s with %s: exit %d %s\ntable:\n%s\nfilter:\n%s", tc.table, batch, code, errOut, fromTable, fromFilter)
			}
		}
	}
}

// TestDiffWitnesses: each change's input, fed to bpfsim --json --input
// with each side, gives the change's old_ret and new_ret.
func TestDiffWitnesses(t *testing.T) {
	for _, pair := range [][2]string{{docker, dockerLoose}, {dropper + "," + trapRW, dropper}, {trapRW, dropper}} {
		code, out, errOut := runSim("", "--diff", "--json", pair[0], pair[1])
		if code != 1 {
			t.Fatalf("%v: exit %d: %s", pair, code, errOut)
		}
		var d struct {
			Changes []struct {
				Input  json.RawMessage `json:"input"`
				OldRet uint32          `json:"old_ret"`
				NewRet uint32          `json:"new_ret"`
			} `json:"changes"`
		}
		if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Changes) == 0 {
			t.Fatalf("%v: %v: %s", pair, err, out)
		}
		for _, c := range d.Changes {
			for side, want := range []uint32{c.OldRet, c.NewRet} {
				args := append(strings.Split(pair[side], ","), "--input", "-", "--json")
				code, res, errOut := runSim(string(c.Input), args...)
				var r struct{ Ret uint32 }
				if err := json.Unmarshal([]byte(res), &r); code != 0 || err != nil || r.Ret != want {
					t.Errorf("%v side %d, input %s: exit %d %v %s: ret %#x, the diff says %#x", pair, side, c.Input, code, err, errOut, r.Ret, want)
				}
			}
		}
	}
}

// TestHTML: --html writes one page with every row of the decision table,
// the filters for them, and the picture inline; nothing is fetched.
func TestHTML(t *testing.T) {
	page := t.TempDir() + "/page.html"
	code, out, errOut := runSim("", "--html", page, "--kernel-version", "6.18", trapRW)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"<!DOCTYPE html>", "<h2>Decision table</h2>", `id="q"`, `id="act"`, "<option>TRAP</option>", "<option>KILL_PROCESS</option>",
		`data-names="read" data-lo="0" data-hi="0" data-acts="TRAP"`, `data-names="write" data-lo="1" data-hi="1" data-acts="TRAP"`,
		"TRAP(0)", "TRAP(1)", "x86_64 (AUDIT_ARCH 0xc000003e)", "i386 (AUDIT_ARCH 0x40000003)",
		"<svg ", "</svg>", "nr == read", "arch == AUDIT_ARCH_X86_64", "<script>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The table's rows: as many as --explain prints for each section.
	_, table, _ := runSim("", "--explain", "--json", "--kernel-version", "6.18", trapRW)
	var tab struct {
		Sections []struct{ Rows []json.RawMessage } `json:"sections"`
	}
	if err := json.Unmarshal([]byte(table), &tab); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, s := range tab.Sections {
		rows += len(s.Rows)
	}
	if n := strings.Count(got, "<tr data-names="); n != rows {
		t.Errorf("%d table rows on the page, the table has %d", n, rows)
	}
	for _, external := range []string{"http://", "https://", "src=", "<link"} {
		if i := strings.Index(strings.SplitN(got, "<svg ", 2)[0], external); i >= 0 {
			t.Errorf("the page refers to something outside it: %q", got[max(0, i-40):i+40])
		}
	}
	if code, _, errOut := runSim("", "--html", t.TempDir()+"/no/such/dir/p.html", trapRW); code != 2 || !strings.Contains(errOut, "--html") {
		t.Errorf("unwritable --html: exit %d, %s", code, errOut)
	}
}
