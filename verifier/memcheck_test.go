package verifier_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestMemCheck covers check_load_and_stores (net/core/filter.c) with the
// examples of docs/kernel-semantics.md §2.2, all [live] there, and a few more
// traced by hand through the source's algorithm [src].
func TestMemCheck(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want verdict
	}{
		// §2.2 [live]: code after ja that no jump targets starts all-valid.
		{"unreachable load after ja", prog(stmt(0x05, 1), stmt(0x60, 0), retA), ok},
		// §2.2 [live]: RET does not reset the state.
		{"st; ret; ld", prog(stmt(0x02, 0), retK, stmt(0x60, 0), retA), ok},
		{"ret; ld", prog(retK, stmt(0x60, 0), retA), einval(verifier.RuleMemInit, 1)},
		// §2.2 [live]: the false rejection. pc 4 is reached only from
		// the ja at pc 2, where M[0] is set, but the ret at pc 3 leaks
		// its empty state into pc 4.
		{"false rejection", prog(
			jump(0x15, 0, 0, 2), // 0: jeq #0 → 1, → 3
			stmt(0x02, 0),       // 1: st M[0]
			stmt(0x05, 1),       // 2: ja → 4
			retK,                // 3: ret #0
			stmt(0x60, 0),       // 4: ld M[0]
			retA,                // 5
		), einval(verifier.RuleMemInit, 4)},
		// §2.2 [live]: a store on one branch only, then a load.
		{"store on one branch", prog(
			jump(0x15, 0, 0, 1), // 0: → 1, → 2
			stmt(0x02, 0),       // 1: st M[0]
			stmt(0x60, 0),       // 2: ld M[0]
			retA,
		), einval(verifier.RuleMemInit, 2)},
		// §2.2 [live]: stores on both branches.
		{"store on both branches", prog(
			jump(0x15, 0, 0, 2), // 0: → 1, → 3
			stmt(0x02, 0),       // 1: st M[0]
			stmt(0x05, 1),       // 2: ja → 4
			stmt(0x03, 0),       // 3: stx M[0]
			stmt(0x60, 0),       // 4: ld M[0]
			retA,
		), ok},
		// [src] Plain straight-line cases.
		{"ld before st", prog(stmt(0x60, 0), stmt(0x02, 0), retA), einval(verifier.RuleMemInit, 0)},
		{"ldx before stx", prog(stmt(0x61, 7), retA), einval(verifier.RuleMemInit, 0)},
		{"st then ld", prog(stmt(0x02, 7), stmt(0x61, 7), retA), ok},
		{"other slot", prog(stmt(0x02, 7), stmt(0x60, 6), retA), einval(verifier.RuleMemInit, 1)},
		// [src] The jump propagates before it resets: ja 0 ANDs the empty
		// state into its own successor, which then starts empty.
		{"ja 0 then ld", prog(stmt(0x05, 0), stmt(0x60, 0), retA), einval(verifier.RuleMemInit, 1)},
		{"st; ja 0; ld", prog(stmt(0x02, 0), stmt(0x05, 0), stmt(0x60, 0), retA), ok},
		// [src] jt == jf == 0: both edges carry the state to pc+1.
		{"jeq 0,0 then ld", prog(jump(0x15, 0, 0, 0), stmt(0x60, 0), retA), einval(verifier.RuleMemInit, 1)},
		// [src] The state that reaches a target is the AND over every
		// jump into it and the fall-through.
		{"and over predecessors", prog(
			stmt(0x02, 1),       // 0: st M[1]
			jump(0x15, 0, 2, 0), // 1: → 4, → 2
			stmt(0x02, 2),       // 2: st M[2]
			stmt(0x05, 0),       // 3: ja → 4
			stmt(0x60, 1),       // 4: ld M[1]: set on both paths
			stmt(0x60, 2),       // 5: ld M[2]: set on one path only
			retA,
		), einval(verifier.RuleMemInit, 5)},
	}
	for _, c := range cases {
		for _, mode := range []verifier.Mode{verifier.Socket, verifier.Seccomp} {
			t.Run(c.name+"/"+mode.String(), func(t *testing.T) {
				expect(t, verifier.Check(c.p, mode), c.want)
			})
		}
	}
}

// TestMemCheckAll: CheckAll reports every rejected load, not just the
// first; a load does not change the state, so later verdicts are the
// kernel's as if the earlier load had passed.
func TestMemCheckAll(t *testing.T) {
	p := prog(stmt(0x60, 0), stmt(0x61, 1), stmt(0x02, 1), stmt(0x61, 1), stmt(0x60, 0), retA)
	errs := verifier.CheckAll(p, verifier.Seccomp)
	var pcs []int
	for _, e := range errs {
		if e.Rule != verifier.RuleMemInit {
			t.Fatalf("unexpected %v", e)
		}
		pcs = append(pcs, e.PC)
	}
	if len(pcs) != 3 || pcs[0] != 0 || pcs[1] != 1 || pcs[2] != 4 {
		t.Fatalf("mem-init pcs %v, want [0 1 4]", pcs)
	}
}
