package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// These tests run the instrumented programs in bpfsim's own vm instead of
// the kernel: they check the rewriting, in particular for the int $0x80
// sites that only a kernel with IA-32 emulation would exercise. The live
// tests (eval_test.go, diff_test.go) check it against the kernel.

const archX86_64 = 0xc000003e

// Addresses with the raw evaluator's residues: 20, 8 and 0 modulo 32.
var (
	fakeSyscallSites = sites{0x4a1014, 0x4a1028, 0x4a1040}
	fakeInt80Sites   = sites{0x4a2034, 0x4a2048, 0x4a2060}
)

func mustRun(t testing.TB, p program.Program, d seccompdata.Data) uint32 {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatalf("vm.Compile: %v\n%v", err, p)
	}
	w := d.Words(binary.LittleEndian)
	return f.RunSeccomp(&w)
}

// checkInstrumented instruments p for d, checks that the kernel's rules
// (as the verifier has them) accept the result and that reading it back
// gives what p returns.
func checkInstrumented(t testing.TB, name string, p program.Program, d seccompdata.Data, compat bool) {
	t.Helper()
	run := func(p program.Program, d seccompdata.Data) uint32 {
		if err := verifier.Check(p, verifier.Seccomp); err != nil {
			t.Fatalf("%s: the instrumented program would be rejected: %v\n%v", name, err, p)
		}
		return mustRun(t, p, d)
	}
	prog, got, killed, err := instrumentedValue(p, d, compat, run)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if info := analyze(p); len(prog) != instrumentedLen(p, info) {
		t.Errorf("%s: %d instructions, instrumentedLen says %d", name, len(prog), instrumentedLen(p, info))
	}
	want := mustRun(t, p, d)
	switch {
	case killed && want != 0:
		t.Errorf("%s, %+v: killed, want %#x", name, d, want)
	case !killed && got != want:
		t.Errorf("%s, %+v: read back %#x, want %#x\n%v", name, d, got, want, prog)
	}
}

var (
	retA     = program.Stmt(0x16, 0)
	retAllow = program.Stmt(0x06, uint32(seccompdata.ActAllow))
)

func rep(n int, ins program.Instruction) program.Program {
	p := make(program.Program, n)
	for i := range p {
		p[i] = ins
	}
	return p
}

// instrumentCases covers each kind of layout.
func instrumentCases() map[string]program.Program {
	errno := func(n uint32) program.Instruction { return program.Stmt(0x06, uint32(seccompdata.ActErrno)|n) }
	allSlots := program.Program{}
	for j := range uint32(16) {
		allSlots = append(allSlots, program.Stmt(0x00, 0x11111111*j+0xabcdef), program.Stmt(0x02, j))
	}
	allSlots = append(allSlots, program.Stmt(0x60, 7), program.Stmt(0x61, 15), program.Stmt(0x0c, 0), retA)
	return map[string]program.Program{
		"arch":                {program.Stmt(0x20, 4), retA},
		"nr":                  {program.Stmt(0x20, 0), retA},
		"arg5 high":           {program.Stmt(0x20, 60), retA},
		"ip high":             {program.Stmt(0x20, 12), retA},
		"ip low":              {program.Stmt(0x20, 8), retA},
		"ret k only":          {program.Stmt(0x20, 0), program.Jump(0x15, 39, 0, 1), errno(1), retAllow},
		"ret k 0 and 0x5ffff": {program.Stmt(0x20, 0), program.Jump(0x15, 1, 0, 1), program.Stmt(0x06, 0), program.Stmt(0x06, 0x5ffff)},
		"mixed":               {program.Stmt(0x20, 4), program.Jump(0x15, seccompdata.AuditArchI386, 0, 1), errno(1), program.Stmt(0x20, 0), program.Jump(0x15, 335, 0, 1), retAllow, retA},
		"mixed, ret k last":   {program.Stmt(0x20, 16), program.Jump(0x25, 7, 0, 1), retA, retAllow},
		"a read first":        {program.Stmt(0x04, 5), program.Stmt(0x20, 0), program.Stmt(0x14, 0x30), retA},
		"a read first by ret": {retA},
		"a read by jump":      {program.Jump(0x15, 0, 0, 1), program.Stmt(0x00, 7), retA},
		"a written after ja":  {program.Stmt(0x05, 1), program.Stmt(0x04, 1), program.Stmt(0x00, 9), program.Stmt(0x01, 3), program.Stmt(0x2c, 0), retA},
		"txa first":           {program.Stmt(0x01, 0x1234), program.Stmt(0x87, 0), program.Stmt(0x84, 0), retA},
		"tax first":           {program.Stmt(0x07, 0), program.Stmt(0x87, 0), program.Stmt(0x04, 0x42), retA},
		"every slot used":     allSlots,
		"ret a not last":      {program.Stmt(0x20, 0), program.Jump(0x15, 1, 1, 0), retA, program.Stmt(0x00, 0x7fffef0f), retA},
		"div x":               {program.Stmt(0x20, 16), program.Stmt(0x07, 0), program.Stmt(0x00, 100), program.Stmt(0x3c, 0), retA},
		"restart pieces":      {program.Stmt(0x00, 0x00202202), retA},
		"all ones":            {program.Stmt(0x00, 0xffffffff), retA},
		"scratch":             {program.Stmt(0x00, 0xabcdef01), program.Stmt(0x02, 15), program.Stmt(0x00, 0), program.Stmt(0x60, 15), retA},
	}
}

var instrumentInputs = []seccompdata.Data{
	{Nr: 39, Arch: archX86_64},
	{Nr: 1, Arch: archX86_64, Args: [6]uint64{0x0102030405060708, 5: 0xdeadbeef00000000}},
	{Nr: 335, Arch: archX86_64, InstructionPointer: 0x7fff_12345678},
	{Nr: -1, Arch: seccompdata.AuditArchI386, InstructionPointer: 0x7fff_12345678, Args: [6]uint64{3}},
	{Nr: 20, Arch: seccompdata.AuditArchI386, Args: [6]uint64{0x8badf00d_01234567, 5: 0xfeedface_89abcdef}},
	{Nr: 0x400003e8, Arch: 0x12345678, Args: [6]uint64{8}},
}

func TestInstrument(t *testing.T) {
	for name, p := range instrumentCases() {
		if err := verifier.Check(p, verifier.Seccomp); err != nil {
			t.Fatalf("%s: test program rejected: %v", name, err)
		}
		for _, d := range instrumentInputs {
			checkInstrumented(t, name, p, d, false)
			if d.Arch == seccompdata.AuditArchI386 {
				checkInstrumented(t, name+" via int80", p, d, true)
			}
		}
	}
}

// Every 32-bit pattern of the epilogue's windows comes back, the
// boundaries of each 12-bit piece included.
func TestInstrumentValues(t *testing.T) {
	for _, v := range []uint32{0, 1, 0xfff, 0x1000, 0xfffff, 0x100000, 0xf00000, 0xff000000, 0x7fffef0f, 0x80000000, 0xffffffff, 0x00505050, 0x12345678} {
		p := program.Program{program.Stmt(0x00, v), retA}
		checkInstrumented(t, fmt.Sprintf("%#x", v), p, instrumentInputs[0], false)
		// Mixed: a code could look like a value only if the top 4 bits
		// of its second piece equalled the low 4 of its third.
		p = program.Program{program.Stmt(0x20, 0), program.Jump(0x15, 39, 1, 0), program.Stmt(0x06, v), program.Stmt(0x00, v), retA}
		checkInstrumented(t, fmt.Sprintf("mixed %#x", v), p, instrumentInputs[0], false)
		checkInstrumented(t, fmt.Sprintf("mixed %#x", v), p, instrumentInputs[1], false)
	}
}

// Many constants together with RET A: each gets a code no value can
// produce, and each comes back.
func TestInstrumentManyConstants(t *testing.T) {
	const n = 600
	var p program.Program
	for i := range uint32(n) {
		// if nr == i return #(0x50000 | i) ... else return nr
		p = append(p, program.Jump(0x15, i, 0, 1), program.Stmt(0x06, 0x50000|i*7))
	}
	p = append(program.Program{program.Stmt(0x20, 0)}, append(p, retA)...)
	info := analyze(p)
	for i, c := range info.code {
		if c>>8 == c&0xf {
			t.Fatalf("constant %d has code %#x, which a value could give", i, c)
		}
	}
	for _, nr := range []int32{0, 1, 255, 256, 599, 600, 0x7fffef0f} {
		checkInstrumented(t, "many constants", p, seccompdata.Data{Nr: nr, Arch: archX86_64}, false)
	}
}

// The example of issue 7, item 11: 4,089 loads and ALU instructions, then
// "ret a". The kernel runs it (4,090 <= 4,096); the instrumentation adds 6.
func longRetA(n int) program.Program {
	p := program.Program{program.Stmt(0x00, 0x7fff0000)}
	for len(p) < n-1 {
		p = append(p, program.Stmt(0x04, 1), program.Stmt(0x14, 1)) // add #1, sub #1
	}
	p = append(p[:n-2], program.Stmt(0x44, 0xef0f), retA) // or #0xef0f
	return p
}

func TestInstrumentedLengths(t *testing.T) {
	long := longRetA(4090)
	if len(long) != 4090 || mustRun(t, long, instrumentInputs[0]) != 0x7fffef0f {
		t.Fatalf("test program: %d instructions", len(long))
	}
	retK := append(rep(4089, program.Stmt(0x04, 3)), retAllow)
	retK[0] = program.Stmt(0x00, 0)
	aLive := append(program.Program{program.Stmt(0x04, 1)}, long[1:]...)
	for _, tc := range []struct {
		name  string
		p     program.Program
		added int
	}{
		{"4,090 ending in ret a", long, 6},
		{"ret a not last", append(append(program.Program{}, long[:4088]...), program.Jump(0x15, 0, 0, 1), retA, retAllow), 7},
		{"4,090 ending in ret #k", retK, 0},
		{"4,096 ret #k", rep(4096, retAllow), 0},
		{"A read first", aLive, 7},
		{"no free slot", instrumentCases()["every slot used"], 7},
	} {
		info := analyze(tc.p)
		if got := instrumentedLen(tc.p, info) - len(tc.p); got != tc.added {
			t.Errorf("%s: %d added, want %d", tc.name, got, tc.added)
		}
		if len(tc.p)+tc.added <= program.MaxInstructions {
			checkInstrumented(t, tc.name, tc.p, instrumentInputs[1], false)
		}
	}
}

func TestTooLongError(t *testing.T) {
	p := longRetA(4091) // 4,097 instrumented
	_, err := instrument(p, analyze(p), substitution{})
	var tl *TooLongError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLong) || tl.Need != 4097 || tl.Len != 4091 || tl.Max != 4096 {
		t.Fatalf("got %#v, want a TooLongError for 4,097 of 4,096", err)
	}
	want := "instrumented program would need 4,097 instructions, 1 over the kernel's 4,096"
	if msg := err.Error(); !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("message %q, want it to start with %q", msg, want)
	}
	if err := canEvaluate(longRetA(4090), analyze(longRetA(4090))); err != nil {
		t.Errorf("4,090: %v", err)
	}
	tl = &TooLongError{Len: 4000, Max: 4096, Constants: 3900, MaxConstants: maxMixedConstants}
	if msg := tl.Error(); msg != "program returns A and 3,900 distinct constants, 60 more than Eval can tell apart from a value" {
		t.Errorf("constants: %q", msg)
	}
	for n, s := range map[int]string{0: "0", 999: "999", 1000: "1,000", 4096: "4,096", 1234567: "1,234,567", -4100: "-4,100"} {
		if got := thousands(n); got != s {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}

func TestSubstitutionForI386(t *testing.T) {
	readsAll := analyze(program.Program{program.Stmt(0x20, 0), program.Stmt(0x20, 4), program.Stmt(0x20, 8), program.Stmt(0x16, 0)})
	readsArg := analyze(program.Program{program.Stmt(0x20, 16), program.Stmt(0x16, 0)})
	for _, tc := range []struct {
		name   string
		d      seccompdata.Data
		info   *progInfo
		compat bool
		method Method
		issued uint64
	}{
		{"i386 via int80", seccompdata.Data{Nr: 20, Arch: seccompdata.AuditArchI386}, readsAll, true, CompatInt80 | IPSubstituted, 20},
		{"i386 nr 335 via int80 is real", seccompdata.Data{Nr: 335, Arch: seccompdata.AuditArchI386}, readsAll, true, CompatInt80 | IPSubstituted, 335},
		{"i386 not reading arch via int80", seccompdata.Data{Nr: 336, Arch: seccompdata.AuditArchI386}, readsArg, true, CompatInt80, 336},
		{"i386 fallback", seccompdata.Data{Nr: 20, Arch: seccompdata.AuditArchI386}, readsAll, false, ArchSubstituted | IPSubstituted, 20},
		{"i386 fallback nr 335", seccompdata.Data{Nr: 335, Arch: seccompdata.AuditArchI386}, readsAll, false, ArchSubstituted | NrSubstituted | IPSubstituted, nrReplacement},
		{"i386 fallback not reading arch", seccompdata.Data{Nr: 5, Arch: seccompdata.AuditArchI386}, readsArg, false, Native, 5},
		{"x86_64 with int80 available", seccompdata.Data{Nr: 335, Arch: archX86_64}, readsAll, true, NrSubstituted | IPSubstituted, nrReplacement},
		{"other arch with int80 available", seccompdata.Data{Nr: 1, Arch: 0xc00000b7}, readsAll, true, ArchSubstituted | IPSubstituted, 1},
	} {
		sub, m := substitutionFor(&tc.d, tc.info, archX86_64, tc.compat)
		if m != tc.method || sub.compat != (m&CompatInt80 != 0) {
			t.Errorf("%s: method %v (compat %v), want %v", tc.name, m, sub.compat, tc.method)
		}
		if got := issuedNr(&tc.d, sub); got != tc.issued {
			t.Errorf("%s: issued nr %d, want %d", tc.name, got, tc.issued)
		}
	}
	if s := (CompatInt80 | IPSubstituted).String(); s != "ip-substituted+compat-int80" {
		t.Errorf("String: %q", s)
	}
}

func TestInt80ProbeFilter(t *testing.T) {
	p := int80ProbeFilter(fakeInt80Sites)
	good := seccompdata.Data{Nr: nrI386Getpid, Arch: seccompdata.AuditArchI386, Args: [6]uint64{0: int80ProbeArg0, 5: int80ProbeArg5}}
	errno := func(v uint32) uint32 { return uint32(seccompdata.ActErrno) | v }
	for s, ip := range fakeInt80Sites {
		d := good
		d.InstructionPointer = ip
		if got := mustRun(t, p, d); got != errno(uint32(int80ProbeSite+s)) {
			t.Errorf("site %d: %#x", s, got)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*seccompdata.Data)
		want   uint32
	}{
		{"native", func(d *seccompdata.Data) { d.Arch = archX86_64 }, uint32(seccompdata.ActAllow)},
		{"nr", func(d *seccompdata.Data) { d.Nr = 39 }, errno(1)},
		{"arg0 truncated", func(d *seccompdata.Data) { d.Args[0] &= 0xffffffff }, errno(3)},
		{"arg5 low", func(d *seccompdata.Data) { d.Args[5] ^= 1 }, errno(4)},
		{"arg5 truncated", func(d *seccompdata.Data) { d.Args[5] &= 0xffffffff }, errno(5)},
		{"ip high", func(d *seccompdata.Data) { d.InstructionPointer += 1 << 32 }, errno(6)},
		{"no site", func(d *seccompdata.Data) { d.InstructionPointer += 2 }, errno(int80ProbeNoSite)},
	} {
		d := good
		d.InstructionPointer = fakeInt80Sites[1]
		tc.change(&d)
		if got := mustRun(t, p, d); got != tc.want {
			t.Errorf("%s: %#x, want %#x", tc.name, got, tc.want)
		}
	}
	if err := checkResidues("fake", fakeSyscallSites); err != nil {
		t.Error(err)
	}
	if err := checkResidues("fake", sites{0x4a1014, 0x4a1029, 0x4a1040}); err == nil {
		t.Error("a site at 9 modulo 32 passed")
	}
}
