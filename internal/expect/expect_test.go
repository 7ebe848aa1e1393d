package expect

import (
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

func TestWant(t *testing.T) {
	x86, _ := seccompdata.LookupArch("x86_64")
	mips, _ := seccompdata.LookupArch("mips")
	for _, tc := range []struct {
		arch      seccompdata.Arch
		in        string
		match, no []uint32
	}{
		{x86, "ALLOW", []uint32{0x7fff0000}, []uint32{0x7ffc0000, 0x00050000}},
		{x86, "ERRNO(EPERM)", []uint32{0x00050001}, []uint32{0x00050002, 0x7fff0001}},
		{x86, "errno(1)", []uint32{0x00050001}, []uint32{0x00050000}},
		{x86, "SECCOMP_RET_ERRNO(*)", []uint32{0x00050000, 0x0005ffff}, []uint32{0x00030001}},
		{mips, "ERRNO(ENOSYS)", []uint32{0x00050059}, []uint32{0x00050026}}, // mips ENOSYS is 89
		{x86, "TRAP(*)", []uint32{0x00030007}, []uint32{0x00050007}},
		{x86, "KILL_PROCESS", []uint32{0x80000000, 0x80001234}, []uint32{0}},
		{x86, "KILL", []uint32{0}, []uint32{0x80000000}},
		{x86, "0x00050001", []uint32{0x00050001}, []uint32{0x00050002}},
		{x86, "-1", []uint32{0xffffffff}, nil},
		{x86, "UNKNOWN(0x00010000)", []uint32{0x00010000}, []uint32{0x00010001}},
	} {
		w, err := ParseWant(tc.in, tc.arch)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		for _, r := range tc.match {
			if !w.Match(r) {
				t.Errorf("%s does not match %#x", tc.in, r)
			}
		}
		for _, r := range tc.no {
			if w.Match(r) {
				t.Errorf("%s matches %#x", tc.in, r)
			}
		}
	}
	for _, in := range []string{"", "ERRNO", "TRAP", "ALLOW(1)", "ERRNO(EFOO)", "ERRNO(70000)", "NOPE", "ERRNO(1", "0x100000000"} {
		if _, err := ParseWant(in, x86); err == nil {
			t.Errorf("ParseWant(%q) accepted", in)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "f.yaml: no cases"},
		{"cases: []", "f.yaml:1: no cases"},
		{"cases:\n  - syscall: read\n    expect: ALLOW\n    flavour: x\n", "f.yaml:4: unknown field \"flavour\""},
		{"- expect: ALLOW\n", "f.yaml:1: no syscall"},
		{"- syscall: reed\n  expect: ALLOW\n", "f.yaml:1: syscall: unknown syscall \"reed\" on x86_64 (did you mean read?)"},
		{"- syscall: read\n  args: [1, 2, 3, 4, 5, 6, 7]\n", "f.yaml:2: args: 7 values"},
		{"- syscall: read\n  args: [1, NOT_A_CONST]\n", "f.yaml:2: args[1]: \"NOT_A_CONST\""},
		{"- syscall: read\n  arch: arm\n  args: [0x100000000]\n", "f.yaml:1: args[0]: 0x100000000 does not fit in 32 bits"},
		{"- syscall: read\n  outcome: {killed: maybe}\n", "f.yaml:2: outcome.killed"},
		{"- syscall: read\n  expect: [ALLOW]\n", "f.yaml:2: expect: want a single value"},
		{"- syscall: read\n\texpect: ALLOW\n", "f.yaml:2: found a tab character"},
		{"arch: sparc\ncases: []\n", "f.yaml:1: arch:"},
	} {
		_, err := Parse("f.yaml", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestCompactPCs(t *testing.T) {
	if got := CompactPCs([]int{0, 1, 2, 3, 6, 7, 9, 12, 13, 14}); got != "0-3 6 7 9 12-14" {
		t.Errorf("got %q", got)
	}
	if got := CompactPCs(nil); got != "" {
		t.Errorf("got %q", got)
	}
}

// A case without expect fails and --update fills it in; comments stay.
func TestCheckAndUpdate(t *testing.T) {
	p := program.Program{
		program.Stmt(program.LdAbsW, 0),
		program.Jump(program.JeqK, 110, 0, 1),
		program.Stmt(program.ClassRET|program.RvalK, 0x00050001),
		program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000),
	}
	f0, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatal(err)
	}
	src := "# header\ncases:\n  - syscall: getppid # the parent\n  - syscall: read\n    expect: ALLOW\n"
	f, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := Check(f, vm.Stack{f0}, vm.OutcomeOptions{})
	if res[0].Pass || !res[1].Pass {
		t.Fatalf("pass: %v %v", res[0].Pass, res[1].Pass)
	}
	if got := CompactPCs(res[0].Path[0].PCs); got != "0-2" {
		t.Errorf("path %s", got)
	}
	b, err := Update(f, res)
	if err != nil {
		t.Fatal(err)
	}
	want := "# header\ncases:\n  - syscall: getppid # the parent\n    expect: ERRNO(EPERM)\n  - syscall: read\n    expect: ALLOW\n"
	if string(b) != want {
		t.Errorf("Update:\n%s\nwant:\n%s", b, want)
	}
}
