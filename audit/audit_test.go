package audit_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/audit"
	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

var kernel618 = decision.KernelView{Version: decision.KernelVersion{Major: 6, Minor: 18}, Source: "test"}

func load(t testing.TB, path string) (vm.Stack, program.Source) {
	t.Helper()
	src, err := program.ReadSource(path, program.DecodeOptions{Name: path})
	if err != nil {
		t.Fatal(err)
	}
	f, err := vm.Compile(src.Program, verifier.Seccomp)
	if err != nil {
		t.Fatal(err)
	}
	return vm.Stack{f}, src
}

func corpus(t testing.TB) []string {
	var out []string
	for _, g := range []string{"../corpus/samples/*.asm", "../corpus/filters/*.bpf"} {
		m, _ := filepath.Glob(g)
		out = append(out, m...)
	}
	if len(out) < 8 {
		t.Fatalf("corpus: %d files", len(out))
	}
	return out
}

func auditFile(t testing.TB, path string) (*audit.Report, vm.Stack) {
	stack, src := load(t, path)
	r, err := audit.Audit(stack, audit.Options{Names: []string{path}, Lines: [][]int{src.Lines}, Kernel: kernel618})
	if err != nil {
		t.Fatal(err)
	}
	return r, stack
}

func TestPrint(t *testing.T) {
	if os.Getenv("AUDIT_PRINT") == "" {
		t.Skip()
	}
	for _, p := range corpus(t) {
		r, _ := auditFile(t, p)
		t.Log(r.Text())
		b, _ := r.JSON(nil)
		_ = json.Valid(b)
	}
	_ = seccompdata.ActAllow
}

// TestWitnesses: every witness, run again in the vm, returns its value,
// and the finding's rule holds for it (re-derived here from the input).
func TestWitnesses(t *testing.T) {
	for _, p := range corpus(t) {
		r, stack := auditFile(t, p)
		for _, f := range r.Findings {
			if f.Witness == nil {
				if f.Rule != audit.RuleUnreachable && f.Rule != audit.RuleNearLimit {
					t.Errorf("%s: %s has no witness", p, f.Rule)
				}
				continue
			}
			d := f.Witness.Input.Data
			w := d.Words(f.Witness.Input.Arch.Order)
			ret, _ := stack.Run(&w)
			if ret != f.Witness.Ret {
				t.Errorf("%s: %s: vm returns %#x, witness says %#x", p, f.Rule, ret, f.Witness.Ret)
			}
			k := seccompdata.Action(ret).Kind()
			allow := k == seccompdata.ActAllow || k == seccompdata.ActLog
			ok := true
			switch f.Rule {
			case audit.RuleX32Allowed:
				ok = allow && d.Arch == seccompdata.AuditArchX86_64 && uint32(d.Nr)&seccompdata.X32SyscallBit != 0
			case audit.RuleDefaultAllow, audit.RuleSiblingGap:
				ok = allow
			case audit.RuleEnosysMissing:
				ok = k == seccompdata.ActKillProcess || k == seccompdata.ActKillThread || k == seccompdata.ActErrno && ret&0xffff != 38
			case audit.RuleNeedsHandler:
				ok = k == seccompdata.ActTrap || k == seccompdata.ActTrace || k == seccompdata.ActUserNotif
			case audit.RuleProbeBypass:
				ok = !allow && d.Arch == seccompdata.AuditArchX86_64 && (d.Nr == 335 || d.Nr == 336)
			}
			if !ok {
				t.Errorf("%s: %s: the witness %+v (ret %#x) does not show the finding", p, f.Rule, d, ret)
			}
			// The witness reads back in the --input form unchanged.
			b, err := json.Marshal(f.Witness.Input)
			if err != nil {
				t.Fatal(err)
			}
			back, err := input.Parse(b, seccompdata.Arch{})
			if err != nil || back.Data != d || back.Arch.Name != f.Witness.Input.Arch.Name {
				t.Errorf("%s: %s: the witness %s reads back as %+v (%v)", p, f.Rule, b, back, err)
			}
		}
	}
}

func rules(r *audit.Report) map[string]int {
	m := map[string]int{}
	for _, f := range r.Findings {
		m[f.Rule]++
	}
	return m
}

// TestSamples pins the rules each sample must (and must not) trigger.
func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
		not  []string
	}{
		{"../corpus/samples/dropper.asm", []string{audit.RuleX32Allowed, audit.RuleDefaultAllow}, []string{audit.RuleNoArchCheck}},
		{"../corpus/samples/fancy.asm", []string{audit.RuleNoArchCheck}, []string{audit.RuleX32Allowed}},
		{"../corpus/samples/trap-rw.asm", []string{audit.RuleNeedsHandler}, []string{audit.RuleX32Allowed, audit.RuleNoArchCheck}},
		{"../corpus/filters/docker-default_x86_64.bpf", []string{audit.RuleProbeBypass}, []string{audit.RuleX32Allowed, audit.RuleNoArchCheck, audit.RuleDefaultAllow}},
	} {
		r, _ := auditFile(t, tc.path)
		got := rules(r)
		for _, w := range tc.want {
			if got[w] == 0 {
				t.Errorf("%s: no %s finding: %v", tc.path, w, got)
			}
		}
		for _, w := range tc.not {
			if got[w] != 0 {
				t.Errorf("%s: a %s finding: %v", tc.path, w, got)
			}
		}
	}
	r, _ := auditFile(t, "../corpus/samples/dropper.asm")
	for _, f := range r.Findings {
		if f.Rule == audit.RuleX32Allowed && f.Severity != audit.High {
			t.Errorf("dropper: x32-allowed is %s, want high (x32 getppid evades the x86_64 rule)", f.Severity)
		}
	}
}

// TestUnreachableAndNearLimit: a program with dead code and a long jump.
func TestUnreachableAndNearLimit(t *testing.T) {
	p := program.Program{program.Jump(program.JeqK, 0, 240, 0)}
	for range 240 {
		p = append(p, program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000))
	}
	p = append(p, program.Stmt(program.ClassRET|program.RvalK, 0x7fff0000), program.Stmt(program.ClassRET|program.RvalK, 0))
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatal(err)
	}
	r, err := audit.Audit(vm.Stack{f}, audit.Options{Kernel: kernel618})
	if err != nil {
		t.Fatal(err)
	}
	var un, near *audit.Finding
	for i, f := range r.Findings {
		switch f.Rule {
		case audit.RuleUnreachable:
			un = &r.Findings[i]
		case audit.RuleNearLimit:
			near = &r.Findings[i]
		}
	}
	if un == nil || un.PC != 2 || !strings.Contains(un.Message, "240 unreachable") || !strings.Contains(un.Message, "pc 2-240, 242") {
		t.Errorf("unreachable: %+v", un)
	}
	if near == nil || near.PC != 0 {
		t.Errorf("near-limit: %+v", near)
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range []audit.Severity{audit.Info, audit.Low, audit.Medium, audit.High} {
		if got, err := audit.ParseSeverity(s.String()); err != nil || got != s {
			t.Errorf("%v: %v %v", s, got, err)
		}
	}
	if _, err := audit.ParseSeverity("critical"); err == nil {
		t.Error("critical parsed")
	}
}

// BenchmarkAuditDocker3: issue 12 item 4, the audit of one
// 1,001-instruction three-arch filter (Docker's) under 1 s.
func BenchmarkAuditDocker3(b *testing.B) {
	stack, _ := load(b, "../corpus/filters/docker-default_x86_64+x86+x32.bpf")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := audit.Audit(stack, audit.Options{Kernel: kernel618}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1001, "ns/insn")
}
