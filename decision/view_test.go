package decision_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

func rowAt(t *testing.T, tb *decision.Table, arch uint32, nr int32) *decision.Row {
	t.Helper()
	_, r := tb.Find(&seccompdata.Data{Arch: arch, Nr: nr})
	return r
}

// TestKernelView: which rows the action cache serves and which bypass the
// filter follow the kernel version (docs/kernel-semantics.md §5, §6).
func TestKernelView(t *testing.T) {
	f := compile(t, load(t, "../corpus/samples/dropper.asm"))
	const x86, i386 = seccompdata.AuditArchX86_64, seccompdata.AuditArchI386
	for _, tc := range []struct {
		version              decision.KernelVersion
		cached335, bypass335 bool
		bypass336            bool
		cached470, cached471 bool
	}{
		{decision.KernelVersion{Major: 5, Minor: 10}, false, false, false, false, false},
		{decision.KernelVersion{Major: 6, Minor: 12, Patch: 13}, true, false, false, false, false},
		// The uretprobe exception's stable backport (6.12.14), measured in
		// a 6.12.117 guest (guest.TestBypass).
		{decision.KernelVersion{Major: 6, Minor: 12, Patch: 117}, true, true, false, false, false},
		{decision.KernelVersion{Major: 6, Minor: 13}, true, false, false, false, false},
		{decision.KernelVersion{Major: 6, Minor: 14}, true, true, false, false, false},
		{decision.KernelVersion{Major: 6, Minor: 18}, true, true, true, true, false},
	} {
		tb, err := decision.New(vm.Stack{f}, decision.Options{Kernel: decision.KernelView{Version: tc.version, Source: "test"}})
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, got, want bool) {
			t.Helper()
			if got != want {
				t.Errorf("%v: %s = %v, want %v", tc.version, what, got, want)
			}
		}
		check("cached 0", rowAt(t, tb, x86, 0).Cached, tc.version.Major > 5)
		check("cached getppid", rowAt(t, tb, x86, 110).Cached, false) // ERRNO
		check("cached 335", rowAt(t, tb, x86, 335).Cached, tc.cached335)
		check("bypass 335", rowAt(t, tb, x86, 335).Bypass, tc.bypass335)
		check("bypass 336", rowAt(t, tb, x86, 336).Bypass, tc.bypass336)
		check("bypass i386 335", rowAt(t, tb, i386, 335).Bypass, false)
		check("cached i386 20", rowAt(t, tb, i386, 20).Cached, tc.version.Major > 5) // dropper allows every i386 call
		check("cached 470", rowAt(t, tb, x86, 470).Cached, tc.cached470)
		check("cached 471", rowAt(t, tb, x86, 471).Cached, tc.cached471)
		check("cached x32", rowAt(t, tb, x86, 0x40000000).Cached, false)
		check("cached negative", rowAt(t, tb, x86, -1).Cached, false)
	}
}

// TestDockerConditions pins how Docker's argument conditions read: 64-bit
// where libseccomp compares both halves (x86_64), the low half where it
// compares one (x32, i386).
func TestDockerConditions(t *testing.T) {
	tb := build(t, vm.Stack{compile(t, load(t, "../corpus/filters/docker-default_x86_64+x86+x32.bpf"))})
	const x86, i386 = seccompdata.AuditArchX86_64, seccompdata.AuditArchI386
	for _, tc := range []struct {
		arch uint32
		nr   int32
		want []string // each case: condition, then action
	}{
		{x86, 56, []string{"args[0] & 0x7e020000 == 0", "ALLOW", "otherwise", "ERRNO(1)"}},
		{x86, 41, []string{"args[0] == 38 || args[0] == 40", "ERRNO(1)", "otherwise", "ALLOW"}},
		{x86, 135, []string{"args[0] == 0 || args[0] == 8 || args[0] == 0x20000 || args[0] == 0x20008 || args[0] == 0xffffffff", "ALLOW", "otherwise", "ERRNO(1)"}},
		{x86, 0x40000038, []string{"args[0] lo & 0x7e020000 == 0", "ALLOW", "otherwise", "ERRNO(1)"}},
		{i386, 120, []string{"args[0] lo & 0x7e020000 == 0", "ALLOW", "otherwise", "ERRNO(1)"}},
	} {
		r := rowAt(t, tb, tc.arch, tc.nr)
		var got []string
		for _, c := range r.Cases {
			cond := "otherwise"
			if c.When != nil {
				cond = decision.WhenText(c.When)
			}
			got = append(got, cond, seccompdata.Action(c.Ret).String())
		}
		if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
			t.Errorf("arch %#x nr %#x: %q, want %q", tc.arch, tc.nr, got, tc.want)
		}
	}
	// x32 getppid is allowed by Docker too; read is cached on x86_64 only.
	if r := rowAt(t, tb, x86, 0x4000006e); r.Ret != uint32(seccompdata.ActAllow) || r.Cached {
		t.Errorf("x32 getppid: %+v", r)
	}
	if r := rowAt(t, tb, x86, 0); !r.Cached || r.Ret != uint32(seccompdata.ActAllow) {
		t.Errorf("read: %+v", r)
	}
}

// TestFallback: a row whose conditions would need arithmetic on an
// argument keeps its residual program and says why, and still answers
// exactly; so does a row with more paths than the explorer walks.
func TestFallback(t *testing.T) {
	allow := uint32(seccompdata.ActAllow)
	stmt, jump := program.Stmt, program.Jump
	arith := program.Program{
		stmt(program.LdAbsW, 0),
		jump(program.JeqK, 1, 0, 4),
		stmt(program.LdAbsW, 16),
		stmt(program.AddK, 1),
		jump(program.JeqK, 5, 0, 1),
		stmt(program.RetK, 0x50001),
		stmt(program.RetK, allow),
	}
	// 14 independent bits of args[0], each stored: 16,384 paths.
	var many program.Program
	for i := range 14 {
		many = append(many,
			stmt(program.LdAbsW, 16),
			jump(program.JsetK, 1<<i, 0, 2),
			stmt(program.LdImm, 1),
			stmt(program.Ja, 1),
			stmt(program.LdImm, 2),
			stmt(program.St, uint32(i)),
		)
	}
	for i := range 14 {
		many = append(many, stmt(program.LdMem, uint32(i)), jump(program.JeqK, 1, 0, 1), stmt(program.RetK, 0x50000|uint32(i)))
	}
	many = append(many, stmt(program.RetK, allow))
	for _, tc := range []struct {
		name   string
		p      program.Program
		nr     int32
		reason string
	}{
		{"arithmetic", arith, 1, "(add #1)"},
		{"paths", many, 0, "more than 4096 paths"},
	} {
		f := compile(t, tc.p)
		tb := build(t, vm.Stack{f})
		r := rowAt(t, tb, seccompdata.AuditArchX86_64, tc.nr)
		if r.Residual == nil || !strings.Contains(r.Residual.Reason, tc.reason) {
			t.Errorf("%s: row %+v, want a residual row saying %q", tc.name, r, tc.reason)
			continue
		}
		var text bytes.Buffer
		tb.WriteText(&text)
		if !strings.Contains(text.String(), tc.reason) || !strings.Contains(text.String(), "rows are kept as residual programs") {
			t.Errorf("%s: the text does not say which rows fell back and why:\n%s", tc.name, text.String())
		}
		g := fuzz.NewGenerator(3)
		for _, d := range g.Inputs(tc.p, 3000) {
			if got, want := tb.Lookup(&d), vmAnswer(vm.Stack{f}, &d); got != want {
				t.Fatalf("%s: %+v: table %#x, vm %#x", tc.name, d, got, want)
			}
		}
		for _, w := range tb.Witnesses() {
			if got := vmAnswer(vm.Stack{f}, &w.Data); got != w.Ret {
				t.Errorf("%s: witness %+v: vm %#x, table %#x", tc.name, w.Data, got, w.Ret)
			}
		}
	}
}

func TestParseKernelVersion(t *testing.T) {
	for in, want := range map[string]string{"6.18": "6.18", "6.18.44-pvm-guest": "6.18.44", "5.10.0-35-amd64\n": "5.10", "6.19-rc4": "6.19", "6.12.117+deb13-amd64": "6.12.117"} {
		v, err := decision.ParseKernelVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("%q: %v %v, want %s", in, v, err, want)
		}
	}
	for _, in := range []string{"", "6", "six.one", "6.x"} {
		if _, err := decision.ParseKernelVersion(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestInstructionPointer: a filter that compares both words of ip reads as
// ip; one that compares one word, as that half.
func TestInstructionPointer(t *testing.T) {
	allow := uint32(seccompdata.ActAllow)
	stmt, jump := program.Stmt, program.Jump
	both := program.Program{
		stmt(program.LdAbsW, 12), // ip hi on x86_64
		jump(program.JeqK, 0, 0, 3),
		stmt(program.LdAbsW, 8), // ip lo
		jump(program.JgeK, 0x401000, 0, 1),
		stmt(program.RetK, allow),
		stmt(program.RetK, 0x00030000),
	}
	lo := program.Program{
		stmt(program.LdAbsW, 8),
		jump(program.JsetK, 0xfff, 0, 1),
		stmt(program.RetK, 0x00030000),
		stmt(program.RetK, allow),
	}
	for _, tc := range []struct {
		p    program.Program
		want string
	}{
		{both, "ip >= 0x401000 && ip <= 0xffffffff"},
		{lo, "ip lo & 0xfff == 0x0"},
	} {
		tb := build(t, vm.Stack{compile(t, tc.p)})
		r := rowAt(t, tb, seccompdata.AuditArchX86_64, 0)
		if len(r.Cases) != 2 || decision.WhenText(r.Cases[0].When) != tc.want {
			t.Errorf("%+v, want the first case %q", r.Cases, tc.want)
		}
	}
}

// TestWitnessInputForm: a witness's input is an --input line
// (internal/input.Call) that reads back as the same call.
func TestWitnessInputForm(t *testing.T) {
	tb := build(t, vm.Stack{compile(t, load(t, "../corpus/samples/fancy.asm"))})
	var buf bytes.Buffer
	if err := tb.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sections []struct {
			Rows []struct {
				Witness *struct {
					Input json.RawMessage `json:"input"`
				} `json:"witness"`
				Cases []struct {
					Witness struct {
						Input json.RawMessage `json:"input"`
					} `json:"witness"`
				} `json:"cases"`
			} `json:"rows"`
		} `json:"sections"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var inputs []json.RawMessage
	for _, s := range doc.Sections {
		for _, r := range s.Rows {
			if r.Witness != nil {
				inputs = append(inputs, r.Witness.Input)
			}
			for _, c := range r.Cases {
				inputs = append(inputs, c.Witness.Input)
			}
		}
	}
	ws := tb.Witnesses()
	if len(inputs) != len(ws) {
		t.Fatalf("%d inputs in the JSON, %d witnesses", len(inputs), len(ws))
	}
	x86, _ := seccompdata.LookupArch("x86_64")
	for i, raw := range inputs {
		c, err := input.Parse(raw, x86)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if c.Data != ws[i].Data || c.Arch.Name != ws[i].Arch.Name {
			t.Errorf("%s reads as %+v on %s, want %+v on %s", raw, c.Data, c.Arch, ws[i].Data, ws[i].Arch)
		}
		again, _ := c.MarshalJSON()
		if !bytes.Equal(again, raw) {
			t.Errorf("%s is written back as %s", raw, again)
		}
	}
}

// TestReadRefuses: a table that does not cover everything, or whose rows
// are not one answer each, is refused.
func TestReadRefuses(t *testing.T) {
	tb := build(t, vm.Stack{compile(t, load(t, "../corpus/samples/dropper.asm"))})
	var buf bytes.Buffer
	if err := tb.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for _, tc := range []struct{ name, old, new string }{
		{"schema", `"schema_version":1`, `"schema_version":2`},
		{"gap", `"nr":[110,110]`, `"nr":[111,111]`},
		{"two answers", `"ret":327681,"action":"ERRNO(1)"`, `"ret":327681,"cases":[],"action":"ERRNO(1)"`},
		{"unknown field", `"filters":1`, `"filters":1,"extra":0`},
		{"arches", `"arches":[[3221225534,3221225534]]`, `"arches":[[3221225533,3221225534]]`},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in the table", tc.name, tc.old)
		}
		if _, err := decision.Read(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: read without error", tc.name)
		}
	}
	if _, err := decision.Read(strings.NewReader(good)); err != nil {
		t.Errorf("the table itself: %v", err)
	}
}
