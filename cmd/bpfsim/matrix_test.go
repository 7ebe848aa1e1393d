package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/guest"
)

// TestKernelAllBinary runs the static bpfsim and bpfcheck binaries, as a
// user would, with --live --kernel all: every cached kernel boots in its
// own guest, and each must agree with bpfsim on the docker-default filter
// for calls on all three of its arches (i386 made for real through
// int $0x80, since Debian's kernels have IA-32 emulation), with outcomes.
// It runs when BPFSIM_MATRIX=1 (it boots guests: needs QEMU and make
// kernels).
func TestKernelAllBinary(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to run --kernel all against guests (needs QEMU and make kernels)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("needs QEMU: apt-get install qemu-system-x86")
	}
	cached, err := guest.Kernels()
	if err != nil {
		t.Fatal(err)
	}
	if len(cached) == 0 {
		t.Skipf("no kernel images in %s: run make kernels", guest.CacheDir())
	}
	var names []string
	for _, k := range cached {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "../bpfsim", "../bpfcheck")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	docker := "../../corpus/filters/docker-default_x86_64+x86+x32.bpf"
	batch := filepath.Join(bin, "calls.jsonl")
	calls := `{"arch": "x86_64", "nr": "getppid"}
{"arch": "x86_64", "nr": "kexec_load"}
{"arch": "x86_64", "nr": "clone", "args": ["CLONE_NEWUSER"]}
{"arch": "x86_64", "nr": 1000}
{"arch": "i386", "nr": "getppid"}
{"arch": "i386", "nr": "kexec_load"}
{"arch": "x32", "nr": "getppid"}
{"arch": "x32", "nr": "kexec_load"}
`
	if err := os.WriteFile(batch, []byte(calls), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "bpfsim"), docker, "--input", batch, "--live", "--outcome", "--kernel", "all", "--json", "--kernel-timeout", "5m")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bpfsim: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	lines, int80 := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		lines++
		var r struct {
			Syscall string `json:"syscall"`
			Arch    string `json:"arch"`
			Kernels map[string]struct {
				Release string   `json:"release"`
				Agrees  bool     `json:"agrees"`
				Diffs   []string `json:"diffs"`
				Method  []string `json:"method"`
			} `json:"kernels"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		var got []string
		for name, k := range r.Kernels {
			got = append(got, name)
			if !k.Agrees {
				t.Errorf("%s on %s: kernel %s (%s) differs: %v", r.Syscall, r.Arch, name, k.Release, k.Diffs)
			}
			if k.Release == "" {
				t.Errorf("kernel %s: no release", name)
			}
			for _, m := range k.Method {
				if strings.Contains(m, "int80") {
					int80++
				}
			}
		}
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(names, " ") {
			t.Errorf("%s on %s: kernels %v, want %v", r.Syscall, r.Arch, got, names)
		}
	}
	if lines != 8 {
		t.Errorf("%d results, want 8:\n%s", lines, out)
	}
	if int80 != 2*len(names) {
		t.Errorf("%d answers through int $0x80, want %d (both i386 calls on every kernel)", int80, 2*len(names))
	}
	check := exec.Command(filepath.Join(bin, "bpfcheck"), "--live", "--kernel", "all", "--each", "--kernel-timeout", "5m",
		docker, "../../corpus/filters/openssh-server_9.2p1-2+deb12u10_preauth.bpf", "../bpfcheck/testdata/divzero.asm")
	out, err = check.CombinedOutput()
	// divzero.asm is rejected (exit 1) by bpfcheck and by every kernel.
	if code := check.ProcessState.ExitCode(); code != 1 || strings.Contains(string(out), "DIFFERS") {
		t.Errorf("bpfcheck --kernel all: exit %d (%v), want 1 with every kernel agreeing:\n%s", code, err, out)
	}
	if n := strings.Count(string(out), "; agrees"); n != 3*len(names) {
		t.Errorf("bpfcheck: %d kernel verdicts agree, want %d:\n%s", n, 3*len(names), out)
	}
	t.Logf("bpfsim and bpfcheck --kernel all: %d kernels, %d calls, every answer agrees", len(names), lines)
}
