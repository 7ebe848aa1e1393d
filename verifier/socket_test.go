package verifier_test

import (
	"fmt"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestAncillary: bpf_check_classic rejects LD|W/H/B|ABS with k >=
// SKF_AD_OFF (0xfffff000) unless bpf_anc_helper (include/linux/filter.h)
// knows k; the 16 known offsets are 0xfffff000 + 0, 4, ..., 60.
func TestAncillary(t *testing.T) {
	for _, code := range []uint16{0x20, 0x28, 0x30} {
		// §3 [live]: ld, ldh and ldb of every ancillary offset load.
		for off := uint32(0); off <= 60; off += 4 {
			t.Run(fmt.Sprintf("%#02x SKF_AD_OFF+%d", code, off), func(t *testing.T) {
				expect(t, verifier.Check(prog(stmt(code, 0xfffff000+off), retA), verifier.Socket), ok)
			})
		}
		rejected := []uint32{
			0xfffff040, // SKF_AD_MAX: §3 "≥64: EINVAL at load"
			0xfffff001, // not one of the exact offsets [src]
			0xfffff03e, // [src]
			0xfffffffc, // [src]
			0xffffffff, // [src]
		}
		for _, k := range rejected {
			t.Run(fmt.Sprintf("%#02x %#x rejected", code, k), func(t *testing.T) {
				expect(t, verifier.Check(prog(stmt(code, k), retA), verifier.Socket), einval(verifier.RuleAncillary, 0))
			})
		}
		// §2.1 [live]: negative offsets below SKF_AD_OFF are accepted.
		for _, k := range []uint32{0xffffefff, 0x80000000, 0xfff00000, 0xffe00000, 0x7fffffff} {
			t.Run(fmt.Sprintf("%#02x %#x accepted", code, k), func(t *testing.T) {
				expect(t, verifier.Check(prog(stmt(code, k), retA), verifier.Socket), ok)
			})
		}
	}
	// [src] The ancillary check applies to the three ABS codes only:
	// IND loads and ldxb take any k at load time.
	for _, code := range []uint16{0x40, 0x48, 0x50, 0xb1} {
		for _, k := range []uint32{0xfffff040, 0xffffffff, 0xfffff001} {
			t.Run(fmt.Sprintf("%#02x %#x not checked", code, k), func(t *testing.T) {
				expect(t, verifier.Check(prog(stmt(code, k), retA), verifier.Socket), ok)
			})
		}
	}
}

// TestSocketOnly: codes seccomp refuses are fine in socket filters (§0).
func TestSocketOnly(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
	}{
		{"mod #3", prog(stmt(0x94, 3), retA)},
		{"mod x", prog(stmt(0x9c, 0), retA)},
		{"ldh [12]", prog(stmt(0x28, 12), retA)},
		{"ldb [x+1]", prog(stmt(0x50, 1), retA)},
		{"ldxb 4*([14]&0xf)", prog(stmt(0xb1, 14), retA)},
		{"ld [1]", prog(stmt(0x20, 1), retA)},
		{"ld [100000]", prog(stmt(0x20, 100000), retA)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, verifier.Check(c.p, verifier.Socket), ok)
		})
	}
}

// TestSocketExpandedLen: counts of bpf_convert_filter, convert_bpf_ld_abs
// and convert_bpf_extensions (net/core/filter.c) for x86_64, traced by
// hand from the source. [src] only.
func TestSocketExpandedLen(t *testing.T) {
	cases := []struct {
		name string
		p    program.Program
		want int
	}{
		// 3 prologue + 4 packet prologue + (mov, jslt, ldx, ja) + 8 slow path + ret a.
		{"ldb [0]", prog(stmt(0x30, 0), retA), 3 + 4 + 4 + 8 + 1},
		// fast path: mov, sub, jslt, ldx, bswap, ja.
		{"ld [12]", prog(stmt(0x20, 12), retA), 3 + 4 + 6 + 8 + 1},
		{"ldh [12]", prog(stmt(0x28, 12), retA), 3 + 4 + 6 + 8 + 1},
		// offset > S16_MAX: the load goes through a temporary (+2).
		{"ld [40000]", prog(stmt(0x20, 40000), retA), 3 + 4 + 8 + 8 + 1},
		// negative offset: no fast path.
		{"ld [SKF_NET_OFF]", prog(stmt(0x20, 0xfff00000), retA), 3 + 4 + 8 + 1},
		{"ldb [x+0]", prog(stmt(0x50, 0), retA), 3 + 4 + 8 + 1},
		{"ldb [x+1]", prog(stmt(0x50, 1), retA), 3 + 4 + 9 + 1},
		// the packet prologue is counted once.
		{"two loads", prog(stmt(0x30, 0), stmt(0x30, 0), retA), 3 + 4 + 12 + 12 + 1},
		{"ldxb 4*([14]&0xf)", prog(stmt(0xb1, 14), retA), 3 + 4 + (1 + 13 + 5) + 1},
		{"ld proto", prog(stmt(0x20, 0xfffff000), retA), 3 + 2 + 1},
		{"ld type", prog(stmt(0x20, 0xfffff004), retA), 3 + 2 + 1},
		{"ld ifidx", prog(stmt(0x20, 0xfffff008), retA), 3 + 4 + 1},
		{"ld nla", prog(stmt(0x20, 0xfffff00c), retA), 3 + 4 + 1},
		{"ld mark", prog(stmt(0x20, 0xfffff014), retA), 3 + 1 + 1},
		{"ld xor_x", prog(stmt(0x20, 0xfffff028), retA), 3 + 1 + 1},
		{"ld vlan_avail", prog(stmt(0x20, 0xfffff030), retA), 3 + 3 + 1},
		{"ld rand", prog(stmt(0x20, 0xfffff038), retA), 3 + 4 + 1},
		{"ld vlan_tpid", prog(stmt(0x20, 0xfffff03c), retA), 3 + 2 + 1},
		{"ld #len", prog(stmt(0x80, 0), retA), 3 + 1 + 1},
		{"mod x", prog(stmt(0x9c, 0), retA), 3 + 5 + 1},
		{"mod #3", prog(stmt(0x94, 3), retA), 3 + 1 + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := verifier.ExpandedLen(c.p, verifier.Socket); got != c.want {
				t.Fatalf("ExpandedLen = %d, want %d", got, c.want)
			}
		})
	}
}
