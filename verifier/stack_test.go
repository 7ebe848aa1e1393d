package verifier_test

import (
	"errors"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestSeccompExpandedLen: the eBPF length of seccomp filters, 3 prologue
// instructions plus the per-instruction expansion of bpf_convert_filter.
// Rows marked [live] were measured on 6.18 (docs/kernel-semantics.md §2.3);
// the others are [src].
func TestSeccompExpandedLen(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want int
	}{
		{"ret #k [live]", prog(retK), 3 + 2},
		{"ret a [live]", prog(retA), 3 + 1},
		{"ld [k] [live]", prog(stmt(0x20, 4), retA), 3 + 1 + 1},
		{"ld #len [live]", prog(stmt(0x80, 0), retA), 3 + 1 + 1},
		{"ldx #len", prog(stmt(0x81, 0), retA), 3 + 1 + 1},
		{"st [live]", prog(stmt(0x02, 0), retA), 3 + 1 + 1},
		{"ld M[] [live]", prog(stmt(0x02, 0), stmt(0x60, 0), retA), 3 + 1 + 1 + 1},
		{"stx, ldx M[]", prog(stmt(0x03, 0), stmt(0x61, 0), retA), 3 + 1 + 1 + 1},
		{"div #k [live]", prog(stmt(0x34, 3), retA), 3 + 1 + 1},
		{"div x [live]", prog(stmt(0x3c, 0), retA), 3 + 5 + 1},
		{"ja [live]", prog(stmt(0x05, 0), retA), 3 + 1 + 1},
		{"ld #k, ldx #k", prog(stmt(0x00, 1), stmt(0x01, 1), retA), 3 + 2 + 1},
		{"tax, txa", prog(stmt(0x07, 0), stmt(0x87, 0), retA), 3 + 2 + 1},
		{"neg", prog(stmt(0x84, 0), retA), 3 + 1 + 1},
		{"alu k", prog(stmt(0x04, 1), stmt(0x14, 1), stmt(0x24, 1), stmt(0x44, 1), stmt(0x54, 1),
			stmt(0x64, 1), stmt(0x74, 1), stmt(0xa4, 1), retA), 3 + 8 + 1},
		{"alu x", prog(stmt(0x0c, 0), stmt(0x1c, 0), stmt(0x2c, 0), stmt(0x4c, 0), stmt(0x5c, 0),
			stmt(0x6c, 0), stmt(0x7c, 0), stmt(0xac, 0), retA), 3 + 8 + 1},

		// Conditional jumps [live]: 1, +1 for a K form with (int32)k < 0,
		// +1 unless jf == 0 or (jt == 0 and not jset).
		{"jeq jf=0", prog(jump(0x15, 1, 1, 0), retA, retA), 3 + 1 + 2},
		{"jeq jt=0", prog(jump(0x15, 1, 0, 1), retA, retA), 3 + 1 + 2},
		{"jgt jt=0", prog(jump(0x25, 1, 0, 1), retA, retA), 3 + 1 + 2},
		{"jge jt=0", prog(jump(0x35, 1, 0, 1), retA, retA), 3 + 1 + 2},
		{"jset jf=0", prog(jump(0x45, 1, 1, 0), retA, retA), 3 + 1 + 2},
		{"jset jt=0", prog(jump(0x45, 1, 0, 1), retA, retA), 3 + 2 + 2},
		{"jeq both", prog(jump(0x15, 1, 1, 2), retA, retA, retA), 3 + 2 + 3},
		{"jgt both", prog(jump(0x25, 1, 2, 1), retA, retA, retA), 3 + 2 + 3},
		{"jeq 0,0", prog(jump(0x15, 1, 0, 0), retA), 3 + 1 + 1},
		{"jeq negative k jf=0", prog(jump(0x15, 0xffffffff, 1, 0), retA, retA), 3 + 2 + 2},
		{"jeq negative k jt=0", prog(jump(0x15, 0x80000000, 0, 1), retA, retA), 3 + 2 + 2},
		{"jeq negative k both", prog(jump(0x15, 0x80000000, 1, 2), retA, retA, retA), 3 + 3 + 3},
		{"jset negative k jt=0", prog(jump(0x45, 0xfffffff0, 0, 1), retA, retA), 3 + 3 + 2},
		{"jeq 0x7fffffff both", prog(jump(0x15, 0x7fffffff, 1, 2), retA, retA, retA), 3 + 2 + 3},
		// The X form ignores k, negative or not.
		{"jeq x, k negative, both", prog(jump(0x1d, 0xffffffff, 1, 2), retA, retA, retA), 3 + 2 + 3},
		{"jset x jt=0", prog(jump(0x4d, 0, 0, 1), retA, retA), 3 + 2 + 2},

		// §2.3 [live]: a filter of 4096 ret #ALLOW is 8195 instructions.
		{"4096 x ret #k", repeat(4096, retAllow), 8195},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := verifier.Check(c.p, verifier.Seccomp); err != nil {
				t.Fatalf("test program rejected: %v", err)
			}
			if got := verifier.ExpandedLen(c.p, verifier.Seccomp); got != c.want {
				t.Fatalf("ExpandedLen = %d, want %d", got, c.want)
			}
		})
	}
}

// stackOf returns n copies of p.
func stackOf(n int, p program.Program) []program.Program {
	s := make([]program.Program, n)
	for i := range s {
		s[i] = p
	}
	return s
}

func stackSizeErr() verdict {
	return verdict{rule: verifier.RuleStackSize, pc: -1, errno: seccompdata.ENOMEM}
}

// TestStackLimit: seccomp_attach_filter (kernel/seccomp.c) refuses with
// ENOMEM when new->prog->len + Σ existing (prog->len + 4) > 32768,
// counting eBPF instructions.
func TestStackLimit(t *testing.T) {
	one := prog(retAllow)
	full := repeat(4096, retAllow)
	bad := prog(stmt(0x34, 0), retA)
	cases := []struct {
		name   string
		stack  []program.Program
		want   verdict
		filter int
		len    int // StackLen, or -1 to skip
	}{
		// §2.3 [live]: 1-instruction filters stack 3641 deep:
		// 5 + 3640×9 = 32765 <= 32768, and 5 + 3641×9 = 32774 is not.
		{"3641 x 1 insn", stackOf(3641, one), ok, 0, 32765},
		{"3642 x 1 insn", stackOf(3642, one), stackSizeErr(), 3641, 32774},
		// §2.3 [live]: 4096-instruction filters stack only 3 deep:
		// 8195 + 2×8199 = 24593; 8195 + 3×8199 = 32792.
		{"3 x 4096", stackOf(3, full), ok, 0, 24593},
		{"4 x 4096", stackOf(4, full), stackSizeErr(), 3, 32792},
		// [src] Content errors carry the filter index, and an invalid
		// filter gets EINVAL even where it would also break the limit,
		// since seccomp_prepare_filter runs before seccomp_attach_filter.
		{"bad second", []program.Program{one, bad, one}, einval(verifier.RuleDivZero, 0), 1, -1},
		{"bad and too long", append(stackOf(3, full), append(repeat(4095, retAllow), stmt(0x0e, 0))),
			einval(verifier.RuleOpcode, 4095), 3, -1},
		// [src] Filters are installed one by one: the first failing
		// installation decides, whatever comes after it.
		{"limit before later bad", append(stackOf(4, full), bad), stackSizeErr(), 3, -1},
		{"bad before later limit", append(append(stackOf(3, full), bad), full), einval(verifier.RuleDivZero, 0), 3, -1},
		{"empty", nil, ok, 0, 0},
		// [live] (kernel TestVerdictEmptyProgram): an empty program in a
		// stack fails its own installation with EINVAL
		// (seccomp_prepare_filter: len 0), before any path count.
		{"empty second", []program.Program{one, {}, one}, einval(verifier.RuleLength, -1), 1, -1},
		{"empty first", []program.Program{nil, full, full, full, full}, einval(verifier.RuleLength, -1), 0, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verifier.CheckStack(c.stack)
			expect(t, err, c.want)
			if err != nil {
				var e *verifier.Error
				errors.As(err, &e)
				if e.Filter != c.filter || !e.Stack {
					t.Fatalf("Filter %d Stack %v, want %d true", e.Filter, e.Stack, c.filter)
				}
			}
			if c.len >= 0 {
				if got := verifier.StackLen(c.stack); got != c.len {
					t.Fatalf("StackLen = %d, want %d", got, c.len)
				}
			}
		})
	}
}

// TestStackLimitEdge: exactly 32768 is allowed, 32769 is not ("total_insns
// > MAX_INSNS_PER_PATH" in seccomp_attach_filter). [src]
func TestStackLimitEdge(t *testing.T) {
	// Three full filters use 3×8199 = 24597 with their penalties, leaving
	// 8171 for a fourth: 3 + 2×4084 = 8171 with 4084 ret #k.
	base := stackOf(3, repeat(4096, retAllow))
	fits := append(base, repeat(4084, retAllow))
	if got := verifier.StackLen(fits); got != verifier.MaxInsnsPerPath {
		t.Fatalf("StackLen = %d, want %d", got, verifier.MaxInsnsPerPath)
	}
	expect(t, verifier.CheckStack(fits), ok)
	// One eBPF instruction more: a tax in front.
	over := append(base, append(prog(stmt(0x07, 0)), repeat(4084, retAllow)...))
	if got := verifier.StackLen(over); got != verifier.MaxInsnsPerPath+1 {
		t.Fatalf("StackLen = %d, want %d", got, verifier.MaxInsnsPerPath+1)
	}
	expect(t, verifier.CheckStack(over), stackSizeErr())
}
