package verifier_test

import (
	"errors"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// Test programs are written with raw codes, as in docs/kernel-semantics.md §0,
// so that expected verdicts do not depend on the package's own constants.

func stmt(code uint16, k uint32) program.Instruction { return program.Instruction{Op: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) program.Instruction {
	return program.Instruction{Op: code, Jt: jt, Jf: jf, K: k}
}

func prog(ins ...program.Instruction) program.Program { return program.Program(ins) }

// repeat returns n copies of ins.
func repeat(n int, ins program.Instruction) program.Program {
	p := make(program.Program, n)
	for i := range p {
		p[i] = ins
	}
	return p
}

var (
	retA     = stmt(0x16, 0)
	retK     = stmt(0x06, 0x7fff0000)
	retAllow = stmt(0x06, 0x7fff0000)
)

// verdict is the expected outcome of checking one program: accepted when
// rule is 0, else rejected at pc with that rule and errno.
type verdict struct {
	rule  verifier.Rule
	pc    int
	errno seccompdata.Errno
}

var ok = verdict{}

func einval(rule verifier.Rule, pc int) verdict {
	return verdict{rule: rule, pc: pc, errno: seccompdata.EINVAL}
}

// expect checks err against want.
func expect(t testing.TB, err error, want verdict) {
	t.Helper()
	if want.rule == 0 {
		if err != nil {
			t.Fatalf("rejected, want accepted: %v", err)
		}
		return
	}
	var e *verifier.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *verifier.Error (%v at pc %d)", err, want.rule, want.pc)
	}
	if e.Rule != want.rule || e.PC != want.pc || e.Errno != want.errno {
		t.Fatalf("got rule %v pc %d errno %d (%v), want rule %v pc %d errno %d",
			e.Rule, e.PC, e.Errno, e, want.rule, want.pc, want.errno)
	}
}

// readRaw reads a raw struct sock_filter file: little-endian u16 code, u8
// jt, u8 jf, u32 k per 8 bytes (corpus/filters/README.md).
func readRaw(tb testing.TB, path string) program.Program {
	tb.Helper()
	p, _, err := program.ReadFile(path, program.DecodeOptions{Format: program.FormatRaw})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
