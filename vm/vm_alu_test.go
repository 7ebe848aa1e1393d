package vm

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// runBoth runs p as a seccomp filter on zero seccomp_data (unless
// socketOnly) and as a socket filter on an empty packet; the ALU and jump
// semantics must not depend on the mode.
func runBoth(t *testing.T, p []asm, socketOnly bool, want uint32) {
	t.Helper()
	modes := []verifier.Mode{verifier.Socket}
	if !socketOnly {
		modes = append(modes, verifier.Seccomp)
	}
	for _, mode := range modes {
		f := mustCompile(t, mode, p...)
		var got uint32
		if mode == verifier.Seccomp {
			var w [16]uint32
			got = f.RunSeccomp(&w)
		} else {
			got = f.RunPacket(nil)
		}
		if got != want {
			t.Errorf("%v: got %#x, want %#x", mode, got, want)
		}
	}
}

// Expected values: docs/kernel-semantics.md §3 ("ALU", "NEG", "DIV/MOD by X==0",
// "LSH/RSH by X"), all live rows, and §9 for the shift example.
func TestALU(t *testing.T) {
	const (
		add, sub, mul, div = program.OpADD, program.OpSUB, program.OpMUL, program.OpDIV
		or, and, xor, mod  = program.OpOR, program.OpAND, program.OpXOR, program.OpMOD
		lsh, rsh           = program.OpLSH, program.OpRSH
	)
	tests := []struct {
		name       string
		prog       []asm
		socketOnly bool // MOD is rejected by seccomp_check_filter
		want       uint32
	}{
		{"initial A is 0", []asm{reta()}, false, 0},
		{"initial X is 0", []asm{txa(), reta()}, false, 0},
		{"add wraps: 0xffffffff+2", []asm{ldi(0xffffffff), alu(add, 2), reta()}, false, 1},
		{"add x wraps", []asm{ldi(0xffffffff), ldxi(2), alux(add), reta()}, false, 1},
		{"sub wraps: 0-1", []asm{ldi(0), alu(sub, 1), reta()}, false, 0xffffffff},
		{"sub x wraps", []asm{ldxi(1), alux(sub), reta()}, false, 0xffffffff},
		{"mul wraps: 0x10000*0x10001", []asm{ldi(0x10000), alu(mul, 0x10001), reta()}, false, 0x10000},
		{"mul x wraps", []asm{ldi(0x10000), ldxi(0x10001), alux(mul), reta()}, false, 0x10000},
		{"div unsigned: 0xffffffff/2", []asm{ldi(0xffffffff), alu(div, 2), reta()}, false, 0x7fffffff},
		{"div x unsigned", []asm{ldi(0xffffffff), ldxi(2), alux(div), reta()}, false, 0x7fffffff},
		{"div by 0x80000000 is unsigned", []asm{ldi(0xffffffff), alu(div, 0x80000000), reta()}, false, 1},
		{"mod unsigned: 0xffffffff%10", []asm{ldi(0xffffffff), alu(mod, 10), reta()}, true, 5},
		{"mod x unsigned", []asm{ldi(0xffffffff), ldxi(10), alux(mod), reta()}, true, 5},
		{"div x by 0 returns 0 despite the ret after", []asm{ldi(5), ldxi(0), alux(div), ret(7)}, false, 0},
		{"div x by 0 with A nonzero", []asm{ldi(0xdead), alux(div), reta()}, false, 0},
		{"mod x by 0 returns 0", []asm{ldi(5), ldxi(0), alux(mod), ret(7)}, true, 0},
		{"or", []asm{ldi(0xf0), alu(or, 0x0f), reta()}, false, 0xff},
		{"or x", []asm{ldi(0xf0), ldxi(0x0f), alux(or), reta()}, false, 0xff},
		{"and", []asm{ldi(0xff), alu(and, 0x3c), reta()}, false, 0x3c},
		{"and x", []asm{ldi(0xff), ldxi(0x3c), alux(and), reta()}, false, 0x3c},
		{"xor (allowed in seccomp)", []asm{ldi(0xff00), alu(xor, 0x0ff0), reta()}, false, 0xf0f0},
		{"xor x", []asm{ldi(0xff00), ldxi(0x0ff0), alux(xor), reta()}, false, 0xf0f0},
		{"neg 5", []asm{ldi(5), neg(), reta()}, false, 0xfffffffb},
		{"neg 0", []asm{ldi(0), neg(), reta()}, false, 0},
		{"neg 0x80000000", []asm{ldi(0x80000000), neg(), reta()}, false, 0x80000000},
		{"lsh #31", []asm{ldi(3), alu(lsh, 31), reta()}, false, 0x80000000},
		{"rsh #31", []asm{ldi(0xffffffff), alu(rsh, 31), reta()}, false, 1},
		{"lsh x=33 shifts by 1", []asm{ldi(1), ldxi(33), alux(lsh), reta()}, false, 2},
		{"lsh x=32 shifts by 0", []asm{ldi(1), ldxi(32), alux(lsh), reta()}, false, 1},
		{"lsh x=64 shifts by 0", []asm{ldi(1), ldxi(64), alux(lsh), reta()}, false, 1},
		{"lsh x=0xffffffff shifts by 31", []asm{ldi(1), ldxi(0xffffffff), alux(lsh), reta()}, false, 0x80000000},
		{"rsh x=33 shifts by 1", []asm{ldi(0x80000000), ldxi(33), alux(rsh), reta()}, false, 0x40000000},
		{"rsh x=32 shifts by 0", []asm{ldi(0x80000000), ldxi(32), alux(rsh), reta()}, false, 0x80000000},
		{"rsh x=0xffffffff shifts by 31", []asm{ldi(0x80000000), ldxi(0xffffffff), alux(rsh), reta()}, false, 1},
		// §9: x/net/bpf gives 0 where the kernel gives 0x2468acf0,
		// i.e. 0x12345678 << (33 & 31).
		{"§9 0x12345678 lsh x=33", []asm{ldi(0x12345678), ldxi(33), alux(lsh), reta()}, false, 0x2468acf0},
		{"tax", []asm{ldi(9), tax(), ldi(0), txa(), reta()}, false, 9},
		{"ret a after ld #k", []asm{ldi(0x50001), reta()}, false, 0x50001},
		{"ret #k ignores A", []asm{ldi(1), ret(0x7fff0000)}, false, 0x7fff0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runBoth(t, tt.prog, tt.socketOnly, tt.want) })
	}
}
