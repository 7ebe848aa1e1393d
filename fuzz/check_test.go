package fuzz_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// fakeKernel is a kernel with planted bugs, to test the checks and the
// minimiser without depending on a real divergence: it refuses every
// program with a tax, and its return value has bit 0 flipped when the
// program holds a neg.
type fakeKernel struct {
	kernel.Kernel // the methods the checks do not call
}

func has(p program.Program, code uint16) bool {
	for _, ins := range p {
		if ins.Op == code {
			return true
		}
	}
	return false
}

func (fakeKernel) Verdict(_ context.Context, progs []program.Program) (kernel.Verdict, error) {
	p := progs[0]
	err := verifier.Check(p, verifier.Seccomp)
	var ve *verifier.Error
	switch {
	case has(p, program.ClassMISC|program.MiscTAX):
		return kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 0}, nil
	case errors.As(err, &ve):
		return kernel.Verdict{Errno: ve.Errno, FailedIndex: 0}, nil
	}
	return kernel.Verdict{Accepted: true, FailedIndex: -1}, nil
}

func (k fakeKernel) Eval(ctx context.Context, p program.Program, in []seccompdata.Data) ([]kernel.EvalResult, error) {
	if v, _ := k.Verdict(ctx, []program.Program{p}); !v.Accepted {
		return nil, &kernel.RejectedError{Verdict: v}
	}
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		return nil, err
	}
	out := make([]kernel.EvalResult, len(in))
	for i := range in {
		w := in[i].Words(seccompdata.Native().Order)
		out[i].Ret = f.RunSeccomp(&w)
		if has(p, program.ClassALU|program.OpNEG) {
			out[i].Ret ^= 1
		}
	}
	return out, nil
}

func TestCheckAndMinimize(t *testing.T) {
	g := fuzz.NewGenerator(9)
	pol := &fuzz.Policy{CheckArch: true, Arch: seccompdata.AuditArchX86_64, Default: seccompdata.ActAllow,
		Rules: []fuzz.Rule{
			{Nr: 1, Action: seccompdata.ActErrno | 5, Ret: 3, DataFromArg: -1}, // tax/txa
			{Nr: 2, Action: seccompdata.ActTrap, Ret: 4, DataFromArg: -1},      // neg
			{Nr: 3, Action: seccompdata.ActLog, DataFromArg: -1, Conds: []fuzz.Cond{{Arg: 2, Op: fuzz.OpGt, Value: 7}}},
		}}
	p := pol.Program()
	tests := []struct {
		name    string
		prog    program.Program
		kind    fuzz.Kind
		maxLen  int
		mustHas uint16
	}{
		{"verdict", p, fuzz.KindVerdict, 3, program.ClassMISC | program.MiscTAX},
	}
	for _, tc := range tests {
		d, err := fuzz.CheckVerdict(context.Background(), fakeKernel{}, tc.prog)
		if err != nil || d == nil {
			t.Fatalf("%s: CheckVerdict found nothing (%v)", tc.name, err)
		}
		m, err := fuzz.Minimize(context.Background(), fakeKernel{}, d, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(m.Program) > tc.maxLen || !has(m.Program, tc.mustHas) {
			t.Errorf("%s: minimised to %d instructions:\n%v", tc.name, len(m.Program), m)
		}
	}

	// An eval divergence, on a program without tax.
	pol.Rules[0].Ret = 0
	p = pol.Program()
	ds, err := fuzz.CheckEval(context.Background(), fakeKernel{}, p, g.Inputs(p, 50))
	if err != nil || len(ds) == 0 {
		t.Fatalf("CheckEval found nothing (%v)", err)
	}
	m, err := fuzz.Minimize(context.Background(), fakeKernel{}, ds[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Program) > 3 || !has(m.Program, program.ClassALU|program.OpNEG) || m.Input != (seccompdata.Data{}) {
		t.Errorf("eval divergence minimised to\n%v", m)
	}

	// A reference divergence: only the input shrinks.
	ref := func(d *seccompdata.Data) uint32 { return pol.Eval(d) &^ 0xffff }
	ds, err = fuzz.CheckReference(p, g.Inputs(p, 200), ref)
	if err != nil || len(ds) == 0 {
		t.Fatalf("CheckReference found nothing (%v)", err)
	}
	m, err = fuzz.Minimize(context.Background(), nil, ds[0], ref)
	if err != nil {
		t.Fatal(err)
	}
	if m.Input.Args != ([6]uint64{}) || m.Input.InstructionPointer != 0 {
		t.Errorf("reference divergence input not shrunk: %+v", m.Input)
	}
}

func TestReadCrasher(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file    string
		want    string
		wantErr bool
	}{
		{"go test fuzz v1\n[]byte(\"\\x00ab\\\"\")\n", "\x00ab\"", false},
		{"go test fuzz v1\n[]byte(\"\")\n", "", false},
		{"go test fuzz v1\nstring(\"x\")\n", "", true},
		{"not a corpus file\n", "", true},
	}
	for i, tc := range tests {
		path := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := fuzz.ReadCrasher(path)
		if (err != nil) != tc.wantErr || string(got) != tc.want {
			t.Errorf("%q: %q, %v", tc.file, got, err)
		}
	}
}

// TestExpectWriteReadReplay makes a corpus entry from the kernel, writes it,
// reads it back and replays it against the verifier, the vm and the kernel.
func TestExpectWriteReadReplay(t *testing.T) {
	o := liveOracle(t)
	p := dropper(t)
	cases := []fuzz.CaseInput{
		{Why: "getppid", Input: seccompdata.Data{Nr: seccompdata.NrGetppidX86_64, Arch: seccompdata.AuditArchX86_64}},
		{Why: "nonexistent", Input: seccompdata.Data{Nr: 1000, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{1 << 40}}},
		{Why: "unknown arch", Input: seccompdata.Data{Nr: seccompdata.NrGetppidX86_64, Arch: 12345, InstructionPointer: 0x401000}},
	}
	e, err := fuzz.Expect(context.Background(), o, p, cases, true)
	if err != nil {
		t.Fatal(err)
	}
	e.Note = "test entry"
	dir := t.TempDir()
	if err := fuzz.WriteEntry(dir, "dropper", p, e); err != nil {
		t.Fatal(err)
	}
	back, err := fuzz.ReadEntry(filepath.Join(dir, "dropper.expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Exp.Cases) != 3 || back.Exp.Cases[0].Outcome == nil || back.Exp.Cases[2].Outcome != nil {
		t.Fatalf("cases %+v", back.Exp.Cases)
	}
	// The kernel says: getppid fails with EPERM; 1000 is allowed and runs.
	if c := back.Exp.Cases[0]; c.Ret != "0x00050001" || c.Outcome.Return != -1 {
		t.Errorf("getppid: %+v %+v", c, c.Outcome)
	}
	if c := back.Exp.Cases[1]; c.Ret != "0x7fff0000" || c.Outcome.Return != -38 {
		t.Errorf("nonexistent: %+v %+v", c, c.Outcome)
	}
	for _, s := range fuzz.Replay(context.Background(), back, o) {
		t.Error(s)
	}
	// A wrong expectation is reported.
	back.Exp.Cases[1].Ret = "0x7fff0001"
	if bad := fuzz.Replay(context.Background(), back, nil); len(bad) == 0 || !strings.Contains(bad[0], "vm 0x7fff0000") {
		t.Errorf("replay of a wrong expectation: %v", bad)
	}
}
