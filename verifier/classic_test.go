package verifier_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// opcodeTable is docs/kernel-semantics.md §0, written out code by code: every
// code the kernel accepts for socket filters, and whether seccomp accepts
// it too. [live] per §0.
var opcodeTable = []struct {
	code    uint16
	name    string
	seccomp bool
}{
	{0x00, "ld #k", true},
	{0x20, "ld [k]", true},
	{0x28, "ldh [k]", false},
	{0x30, "ldb [k]", false},
	{0x40, "ld [x+k]", false},
	{0x48, "ldh [x+k]", false},
	{0x50, "ldb [x+k]", false},
	{0x60, "ld M[k]", true},
	{0x80, "ld #len", true},
	{0x01, "ldx #k", true},
	{0x61, "ldx M[k]", true},
	{0x81, "ldx #len", true},
	{0xb1, "ldxb 4*([k]&0xf)", false},
	{0x02, "st M[k]", true},
	{0x03, "stx M[k]", true},
	{0x04, "add #k", true},
	{0x0c, "add x", true},
	{0x14, "sub #k", true},
	{0x1c, "sub x", true},
	{0x24, "mul #k", true},
	{0x2c, "mul x", true},
	{0x34, "div #k", true},
	{0x3c, "div x", true},
	{0x44, "or #k", true},
	{0x4c, "or x", true},
	{0x54, "and #k", true},
	{0x5c, "and x", true},
	{0x64, "lsh #k", true},
	{0x6c, "lsh x", true},
	{0x74, "rsh #k", true},
	{0x7c, "rsh x", true},
	{0x94, "mod #k", false},
	{0x9c, "mod x", false},
	{0xa4, "xor #k", true},
	{0xac, "xor x", true},
	{0x84, "neg", true},
	{0x05, "ja", true},
	{0x15, "jeq #k", true},
	{0x1d, "jeq x", true},
	{0x25, "jgt #k", true},
	{0x2d, "jgt x", true},
	{0x35, "jge #k", true},
	{0x3d, "jge x", true},
	{0x45, "jset #k", true},
	{0x4d, "jset x", true},
	{0x06, "ret #k", true},
	{0x16, "ret a", true},
	{0x07, "tax", true},
	{0x87, "txa", true},
}

// minimal wraps one instruction with code in the smallest program that is
// valid whenever the code is: M[0] is written first, every offset and jump
// is 0, and the constant divisor is 1.
func minimal(code uint16) program.Program {
	k := uint32(0)
	if code == 0x34 || code == 0x94 {
		k = 1
	}
	return prog(stmt(0x02, 0), program.Instruction{Op: code, K: k}, retA)
}

func TestOpcodeTableSize(t *testing.T) {
	// §0: "Socket filters accept 49 codes; seccomp accepts 41."
	sec := 0
	for _, c := range opcodeTable {
		if c.seccomp {
			sec++
		}
	}
	if len(opcodeTable) != 49 || sec != 41 {
		t.Fatalf("table has %d socket and %d seccomp codes, want 49 and 41", len(opcodeTable), sec)
	}
}

func TestOpcodeAccepted(t *testing.T) {
	for _, c := range opcodeTable {
		t.Run(fmt.Sprintf("%#02x %s", c.code, c.name), func(t *testing.T) {
			expect(t, verifier.Check(minimal(c.code), verifier.Socket), ok)
			want := ok
			if !c.seccomp {
				want = einval(verifier.RuleSeccompOpcode, 1)
			}
			expect(t, verifier.Check(minimal(c.code), verifier.Seccomp), want)
		})
	}
}

// TestOpcodeSweep checks all 65536 codes: exactly the §0 codes pass
// chk_code_allowed, and exactly the seccomp column passes
// seccomp_check_filter. [live] per §0.
func TestOpcodeSweep(t *testing.T) {
	socket := make(map[uint16]bool)
	seccomp := make(map[uint16]bool)
	for _, c := range opcodeTable {
		socket[c.code] = true
		seccomp[c.code] = c.seccomp
	}
	var nsock, nsec int
	for i := 0; i < 1<<16; i++ {
		code := uint16(i)
		p := minimal(code)
		errSock := verifier.Check(p, verifier.Socket)
		errSec := verifier.Check(p, verifier.Seccomp)
		switch {
		case !socket[code]:
			expect(t, errSock, einval(verifier.RuleOpcode, 1))
			expect(t, errSec, einval(verifier.RuleOpcode, 1))
		case !seccomp[code]:
			expect(t, errSock, ok)
			expect(t, errSec, einval(verifier.RuleSeccompOpcode, 1))
		default:
			expect(t, errSock, ok)
			expect(t, errSec, ok)
		}
		if errSock == nil {
			nsock++
		}
		if errSec == nil {
			nsec++
		}
	}
	if nsock != 49 || nsec != 41 {
		t.Fatalf("accepted %d socket and %d seccomp codes, want 49 and 41", nsock, nsec)
	}
}

// TestOpcodeNonCanonical: codes with unused bits set are rejected, not
// decoded loosely. [live] per §0.
func TestOpcodeNonCanonical(t *testing.T) {
	codes := []uint16{
		0x08, 0x0d, 0x0e, 0x0f, 0x12, 0x70, 0xa0, 0xa1, 0xb0, 0x21, // §0 examples
		0x8c,             // neg with X bit (§0: "0x8c is not valid")
		0xb2, 0xb4, 0xff, // ≥ 0xb2
		0x0106, 0x1334, 0xff06, // high byte set (0x1334 is "div #k" to x/net/bpf)
		0x8000, 0xffff,
	}
	for _, code := range codes {
		for _, mode := range []verifier.Mode{verifier.Socket, verifier.Seccomp} {
			t.Run(fmt.Sprintf("%#04x/%v", code, mode), func(t *testing.T) {
				expect(t, verifier.Check(minimal(code), mode), einval(verifier.RuleOpcode, 1))
			})
		}
	}
}

// TestSpecialChecks covers the per-instruction checks of bpf_check_classic.
// Every row is [live] per §2.1 unless marked.
func TestSpecialChecks(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		{"div #0", prog(stmt(0x34, 0), retA), einval(verifier.RuleDivZero, 0)},
		{"div #1", prog(stmt(0x34, 1), retA), ok},
		{"mod #0", prog(stmt(0x94, 0), retA), einval(verifier.RuleDivZero, 0)},
		{"mod #1", prog(stmt(0x94, 1), retA), ok},
		{"div x", prog(stmt(0x3c, 0), retA), ok},
		{"lsh #31", prog(stmt(0x64, 31), retA), ok},
		{"lsh #32", prog(stmt(0x64, 32), retA), einval(verifier.RuleShift, 0)},
		{"rsh #31", prog(stmt(0x74, 31), retA), ok},
		{"rsh #32", prog(stmt(0x74, 32), retA), einval(verifier.RuleShift, 0)},
		{"lsh #0xffffffff", prog(stmt(0x64, 0xffffffff), retA), einval(verifier.RuleShift, 0)},
		{"lsh x", prog(stmt(0x6c, 0), retA), ok},
		{"st M[15]", prog(stmt(0x02, 15), retA), ok},
		{"st M[16]", prog(stmt(0x02, 16), retA), einval(verifier.RuleMemIndex, 0)},
		{"stx M[15]", prog(stmt(0x03, 15), retA), ok},
		{"stx M[16]", prog(stmt(0x03, 16), retA), einval(verifier.RuleMemIndex, 0)},
		{"ld M[15]", prog(stmt(0x02, 15), stmt(0x60, 15), retA), ok},
		{"ld M[16]", prog(stmt(0x02, 15), stmt(0x60, 16), retA), einval(verifier.RuleMemIndex, 1)},
		{"ldx M[15]", prog(stmt(0x02, 15), stmt(0x61, 15), retA), ok},
		{"ldx M[16]", prog(stmt(0x02, 15), stmt(0x61, 16), retA), einval(verifier.RuleMemIndex, 1)},
		{"st M[0xffffffff]", prog(stmt(0x02, 0xffffffff), retA), einval(verifier.RuleMemIndex, 0)},

		// JA: rejected when k >= flen-pc-1, unsigned.
		{"ja to last", prog(stmt(0x05, 2), retA, retA, retA), ok},
		{"ja past last", prog(stmt(0x05, 3), retA, retA, retA), einval(verifier.RuleJumpRange, 0)},
		{"ja 0 before last", prog(retA, retA, stmt(0x05, 0), retA), ok},
		{"ja 1 before last", prog(retA, retA, stmt(0x05, 1), retA), einval(verifier.RuleJumpRange, 2)},
		{"ja 0xffffffff", prog(stmt(0x05, 0xffffffff), retA), einval(verifier.RuleJumpRange, 0)},
		{"ja 0x80000000", prog(stmt(0x05, 0x80000000), retA), einval(verifier.RuleJumpRange, 0)},
		{"ja as last instruction", prog(retA, stmt(0x05, 0)), einval(verifier.RuleJumpRange, 1)},

		// Jcond: rejected when pc+jt+1 >= flen or pc+jf+1 >= flen.
		{"jeq to last", prog(jump(0x15, 0, 1, 1), retA, retA), ok},
		{"jeq jt past last", prog(jump(0x15, 0, 2, 0), retA, retA), einval(verifier.RuleJumpRange, 0)},
		{"jeq jf past last", prog(jump(0x15, 0, 0, 2), retA, retA), einval(verifier.RuleJumpRange, 0)},
		{"jset x jf past last", prog(retA, jump(0x4d, 0, 0, 1), retA), einval(verifier.RuleJumpRange, 1)},
		{"jgt as last instruction", prog(retA, jump(0x25, 0, 0, 0)), einval(verifier.RuleJumpRange, 1)},
		{"jge jt 255 to last", append(prog(jump(0x35, 0, 255, 0)), repeat(256, retA)...), ok},
		{"jge jt 255 past last", append(prog(jump(0x35, 0, 255, 0)), repeat(255, retA)...), einval(verifier.RuleJumpRange, 0)},

		// Last instruction must be ret #k or ret a.
		{"ret #k last", prog(retK), ok},
		{"ret a last", prog(retA), ok},
		{"ld #0 last", prog(retA, stmt(0x00, 0)), einval(verifier.RuleLastRet, 1)},
		{"tax last", prog(stmt(0x07, 0)), einval(verifier.RuleLastRet, 0)},
		// ret x (0x0e) is not in the whitelist at all (§0).
		{"ret x last", prog(retA, stmt(0x0e, 0)), einval(verifier.RuleOpcode, 1)},
	}
	for _, c := range cases {
		for _, mode := range []verifier.Mode{verifier.Socket, verifier.Seccomp} {
			if mode == verifier.Seccomp && c.p[0].Op == 0x94 {
				continue // mod is seccomp-illegal; see seccomp_test.go
			}
			t.Run(c.name+"/"+mode.String(), func(t *testing.T) {
				expect(t, verifier.Check(c.p, mode), c.want)
			})
		}
	}
}

// TestLength: len 0 and len > 4096 give EINVAL before anything else. [live]
// per §2.3 row 5.
func TestLength(t *testing.T) {
	length := verdict{rule: verifier.RuleLength, pc: -1, errno: seccompdata.EINVAL}
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		{"empty", program.Program{}, length},
		{"nil", nil, length},
		{"1", prog(retA), ok},
		{"4096", repeat(4096, retK), ok},
		{"4097", repeat(4097, retK), length},
		{"4097 with bad code", append(prog(stmt(0x0e, 0)), repeat(4096, retK)...), length},
	}
	for _, c := range cases {
		for _, mode := range []verifier.Mode{verifier.Socket, verifier.Seccomp} {
			t.Run(c.name+"/"+mode.String(), func(t *testing.T) {
				expect(t, verifier.Check(c.p, mode), c.want)
			})
		}
	}
}

// TestClassicOrder: bpf_check_classic walks pc upwards and checks each
// instruction completely before the next, then the last instruction, then
// check_load_and_stores (net/core/filter.c). [src]
func TestClassicOrder(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		{"div #0 before bad opcode", prog(stmt(0x34, 0), stmt(0x0e, 0), retA), einval(verifier.RuleDivZero, 0)},
		{"bad opcode before div #0", prog(stmt(0x0e, 0), stmt(0x34, 0), retA), einval(verifier.RuleOpcode, 0)},
		{"per-insn before last-ret", prog(stmt(0x64, 40), stmt(0x00, 0)), einval(verifier.RuleShift, 0)},
		{"last-ret before mem-init", prog(stmt(0x60, 0), stmt(0x00, 0)), einval(verifier.RuleLastRet, 1)},
		{"shift at pc 3 before mem-init at pc 0", prog(stmt(0x60, 0), retA, retA, stmt(0x64, 32), retA), einval(verifier.RuleShift, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, verifier.Check(c.p, verifier.Socket), c.want)
		})
	}
}

func TestCheckAll(t *testing.T) {
	p := prog(
		stmt(0x60, 3),        // 0: ld M[3] before any store: mem-init
		stmt(0x34, 0),        // 1: div #0
		stmt(0x28, 0),        // 2: ldh [0]: seccomp-opcode
		stmt(0x0e, 0),        // 3: bad opcode (not reported again by seccomp)
		stmt(0x02, 20),       // 4: st M[20]: mem-index (ignored by mem-init)
		stmt(0x20, 2),        // 5: ld [2]: seccomp-load
		stmt(0x05, 1),        // 6: ja 1 (to 8) carries "nothing written"
		jump(0x15, 0, 0, 50), // 7: jf out of range
		stmt(0x61, 1),        // 8: ldx M[1]: mem-init
		stmt(0x05, 100),      // 9: ja out of range
		stmt(0x94, 2),        // 10: mod: seccomp-opcode
		stmt(0x00, 0),        // 11: not ret: last-ret
	)
	type row struct {
		rule verifier.Rule
		pc   int
	}
	want := []row{
		{verifier.RuleDivZero, 1},
		{verifier.RuleOpcode, 3},
		{verifier.RuleMemIndex, 4},
		{verifier.RuleJumpRange, 7},
		{verifier.RuleJumpRange, 9},
		{verifier.RuleLastRet, 11},
		{verifier.RuleMemInit, 0},
		{verifier.RuleMemInit, 8},
		{verifier.RuleSeccompOpcode, 2},
		{verifier.RuleSeccompLoad, 5},
		{verifier.RuleSeccompOpcode, 10},
	}
	got := verifier.CheckAll(p, verifier.Seccomp)
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.Rule, e.PC})
		if e.Errno != seccompdata.EINVAL {
			t.Errorf("%v: errno %d, want EINVAL", e, e.Errno)
		}
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("CheckAll:\n got %v\nwant %v", rows, want)
	}
	first := verifier.Check(p, verifier.Seccomp).(*verifier.Error)
	if *first != *got[0] {
		t.Fatalf("Check = %+v, CheckAll[0] = %+v", first, got[0])
	}
	// Socket mode: the same minus the seccomp rows.
	if n := len(verifier.CheckAll(p, verifier.Socket)); n != len(want)-3 {
		t.Fatalf("socket CheckAll: %d errors, want %d", n, len(want)-3)
	}
	if errs := verifier.CheckAll(prog(retA), verifier.Seccomp); errs != nil {
		t.Fatalf("CheckAll of a valid program = %v, want nil", errs)
	}
	long := verifier.CheckAll(append(repeat(4097, retK), stmt(0x34, 0), retA), verifier.Socket)
	if len(long) != 2 || long[0].Rule != verifier.RuleLength || long[1].Rule != verifier.RuleDivZero || long[1].PC != 4097 {
		t.Fatalf("CheckAll of a long program = %v", long)
	}
	if empty := verifier.CheckAll(nil, verifier.Socket); len(empty) != 1 || empty[0].Rule != verifier.RuleLength {
		t.Fatalf("CheckAll(nil) = %v", empty)
	}
}

func TestErrorFormat(t *testing.T) {
	err := verifier.Check(prog(retA, retA, retA, stmt(0x34, 0), retA), verifier.Seccomp)
	if got, want := err.Error(), "pc 3: division by constant zero (EINVAL)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err = verifier.Check(nil, verifier.Seccomp)
	if got, want := err.Error(), "program is empty (EINVAL)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err = verifier.CheckStack([]program.Program{prog(retA), prog(stmt(0x34, 0), retA)})
	if got, want := err.Error(), "filter 1: pc 0: division by constant zero (EINVAL)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err = verifier.CheckStack([]program.Program{prog(stmt(0x64, 32), retA)})
	if got, want := err.Error(), "filter 0: pc 0: shift by constant 32, must be below 32 (EINVAL)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var e *verifier.Error
	if !errors.As(fmt.Errorf("wrapped: %w", err), &e) || e.Filter != 0 || !e.Stack {
		t.Errorf("errors.As through wrapping failed: %#v", e)
	}
	// Every message: one line, lower case start, no trailing period.
	for _, e := range verifier.CheckAll(prog(stmt(0x60, 1), stmt(0x0e, 0), stmt(0x20, 0xfffff040), stmt(0x05, 9),
		jump(0x15, 0, 9, 0), jump(0x15, 0, 0, 9), stmt(0x74, 99), stmt(0x94, 0), stmt(0x02, 16), stmt(0x20, 3), stmt(0x28, 0)), verifier.Seccomp) {
		s := e.Error()
		if s == "" || s[len(s)-1] == '.' || s[0] < 'a' || s[0] > 'z' {
			t.Errorf("bad message %q", s)
		}
		for _, r := range s {
			if r == '\n' {
				t.Errorf("multi-line message %q", s)
			}
		}
	}
}

func TestRuleNames(t *testing.T) {
	want := map[verifier.Rule]string{
		verifier.RuleLength:        "length",
		verifier.RuleOpcode:        "opcode",
		verifier.RuleDivZero:       "div-zero",
		verifier.RuleShift:         "shift",
		verifier.RuleMemIndex:      "mem-index",
		verifier.RuleJumpRange:     "jump-range",
		verifier.RuleAncillary:     "ancillary",
		verifier.RuleLastRet:       "last-ret",
		verifier.RuleMemInit:       "mem-init",
		verifier.RuleSeccompOpcode: "seccomp-opcode",
		verifier.RuleSeccompLoad:   "seccomp-load",
		verifier.RuleStackSize:     "stack-size",
	}
	for r, name := range want {
		if r.String() != name {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), name)
		}
		b, err := json.Marshal(r)
		if err != nil || string(b) != `"`+name+`"` {
			t.Errorf("json.Marshal(%v) = %s, %v", r, b, err)
		}
		var back verifier.Rule
		if err := json.Unmarshal(b, &back); err != nil || back != r {
			t.Errorf("json round trip of %v = %v, %v", r, back, err)
		}
	}
	if s := verifier.Rule(99).String(); s != "rule(99)" {
		t.Errorf("Rule(99).String() = %q", s)
	}
	if _, err := json.Marshal(verifier.Rule(0)); err == nil {
		t.Errorf("json.Marshal(Rule(0)) succeeded")
	}
	if verifier.Seccomp.String() != "seccomp" || verifier.Socket.String() != "socket" {
		t.Errorf("Mode names: %v %v", verifier.Seccomp, verifier.Socket)
	}
}

// TestOpcodeWhitelists checks the exported whitelists against §0: the
// same codes, in the table's order, and the Allows functions agree with
// them on all 65536 codes.
func TestOpcodeWhitelists(t *testing.T) {
	var wantClassic, wantSeccomp []program.Opcode
	for _, c := range opcodeTable {
		wantClassic = append(wantClassic, program.Opcode(c.code))
		if c.seccomp {
			wantSeccomp = append(wantSeccomp, program.Opcode(c.code))
		}
	}
	if got := verifier.ClassicOpcodes(); fmt.Sprintf("%x", got) != fmt.Sprintf("%x", wantClassic) {
		t.Errorf("ClassicOpcodes() = %x\nwant %x", got, wantClassic)
	}
	if got := verifier.SeccompOpcodes(); fmt.Sprintf("%x", got) != fmt.Sprintf("%x", wantSeccomp) {
		t.Errorf("SeccompOpcodes() = %x\nwant %x", got, wantSeccomp)
	}
	classic, seccomp := map[program.Opcode]bool{}, map[program.Opcode]bool{}
	for _, op := range wantClassic {
		classic[op] = true
	}
	for _, op := range wantSeccomp {
		seccomp[op] = true
	}
	for c := 0; c <= 0xffff; c++ {
		op := program.Opcode(c)
		if verifier.ClassicAllows(op) != classic[op] || verifier.SeccompAllows(op) != seccomp[op] {
			t.Errorf("%#04x: ClassicAllows %v, SeccompAllows %v", c, verifier.ClassicAllows(op), verifier.SeccompAllows(op))
		}
	}
	// Each call returns a new slice.
	verifier.SeccompOpcodes()[0] = 0xffff
	verifier.ClassicOpcodes()[0] = 0xffff
	if verifier.SeccompOpcodes()[0] != program.LdImm || verifier.ClassicOpcodes()[0] != program.LdImm {
		t.Error("the whitelists share their backing array")
	}
}
