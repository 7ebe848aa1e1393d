package verifier_test

import (
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestSeccompRules covers seccomp_check_filter (kernel/seccomp.c) as in
// docs/kernel-semantics.md §1.
func TestSeccompRules(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		// §1 [live]: ld [60] accepted; ld [64], ld [2], ld [0xfffff000] EINVAL.
		{"ld [0]", prog(stmt(0x20, 0), retA), ok},
		{"ld [60]", prog(stmt(0x20, 60), retA), ok},
		{"ld [64]", prog(stmt(0x20, 64), retA), einval(verifier.RuleSeccompLoad, 0)},
		{"ld [2]", prog(stmt(0x20, 2), retA), einval(verifier.RuleSeccompLoad, 0)},
		{"ld [61]", prog(stmt(0x20, 61), retA), einval(verifier.RuleSeccompLoad, 0)},
		// A known ancillary offset passes bpf_check_classic, then fails here.
		{"ld [0xfffff000]", prog(stmt(0x20, 0xfffff000), retA), einval(verifier.RuleSeccompLoad, 0)},
		{"ld [0x80000000]", prog(stmt(0x20, 0x80000000), retA), einval(verifier.RuleSeccompLoad, 0)},
		// An unknown one already fails bpf_check_classic [src].
		{"ld [0xfffff040]", prog(stmt(0x20, 0xfffff040), retA), einval(verifier.RuleAncillary, 0)},
		// §1 [live]: other loads, ldxb and mod are rejected.
		{"ldh [0]", prog(stmt(0x28, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"ldb [0]", prog(stmt(0x30, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"ld [x+0]", prog(stmt(0x40, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"ldh [x+0]", prog(stmt(0x48, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"ldb [x+0]", prog(stmt(0x50, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"ldxb", prog(stmt(0xb1, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"mod #2", prog(stmt(0x94, 2), retA), einval(verifier.RuleSeccompOpcode, 0)},
		{"mod x", prog(stmt(0x9c, 0), retA), einval(verifier.RuleSeccompOpcode, 0)},
		// mod #0 breaks the classic rule first.
		{"mod #0", prog(stmt(0x94, 0), retA), einval(verifier.RuleDivZero, 0)},
		// §1 [live]: xor allowed; ld #len and ldx #len allowed (become #64).
		{"xor #k", prog(stmt(0xa4, 1), retA), ok},
		{"xor x", prog(stmt(0xac, 0), retA), ok},
		{"ld #len", prog(stmt(0x80, 0), retA), ok},
		{"ldx #len", prog(stmt(0x81, 0), retA), ok},
		{"ld #len with k", prog(stmt(0x80, 12345), retA), ok},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, verifier.Check(c.p, verifier.Seccomp), c.want)
		})
	}
}

// TestSeccompOrder: bpf_prepare_filter (net/core/filter.c) runs
// bpf_check_classic, which ends with check_load_and_stores, over the whole
// program before the seccomp_check_filter callback; so a classic violation
// anywhere beats a seccomp one at a lower pc. [src]
func TestSeccompOrder(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		{"classic at pc 5 beats seccomp at pc 1",
			prog(retA, stmt(0x94, 3), retA, retA, retA, stmt(0x34, 0), retA),
			einval(verifier.RuleDivZero, 5)},
		{"mem-init at pc 3 beats seccomp at pc 1",
			prog(retA, stmt(0x28, 0), retA, stmt(0x60, 0), retA),
			einval(verifier.RuleMemInit, 3)},
		{"last-ret beats seccomp load at pc 0",
			prog(stmt(0x20, 64), stmt(0x00, 0)),
			einval(verifier.RuleLastRet, 1)},
		{"seccomp by pc",
			prog(stmt(0x20, 3), stmt(0xb1, 0), retA),
			einval(verifier.RuleSeccompLoad, 0)},
		{"seccomp by pc, opcode first",
			prog(stmt(0x50, 0), stmt(0x20, 3), retA),
			einval(verifier.RuleSeccompOpcode, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, verifier.Check(c.p, verifier.Seccomp), c.want)
		})
	}
}

// TestCorpusAccepted: corpus/filters/README.md says all four filters are
// accepted by the Linux 6.18 kernel. [live]
func TestCorpusAccepted(t *testing.T) {
	files, err := filepath.Glob("../corpus/filters/*.bpf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus filters: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p := readRaw(t, f)
			expect(t, verifier.Check(p, verifier.Seccomp), ok)
			if errs := verifier.CheckAll(p, verifier.Seccomp); errs != nil {
				t.Fatalf("CheckAll = %v", errs)
			}
		})
	}
}
