package vm

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
)

// Expected values: docs/kernel-semantics.md §3 "jumps" (live): unsigned 32-bit
// comparisons, constants >= 0x80000000 zero-extended, JSET is A&K != 0; and
// §2.1 for the JA target rule (pc+1+k).
func TestJumps(t *testing.T) {
	const (
		jeq, jgt, jge, jset = program.OpJEQ, program.OpJGT, program.OpJGE, program.OpJSET
	)
	// cond returns "ld #a; <j>; ret #1 (true); ret #2 (false)".
	cond := func(a uint32, j asm) []asm {
		return []asm{ldi(a), j, ret(1), ret(2)}
	}
	condx := func(a, x uint32, j asm) []asm {
		return []asm{ldi(a), ldxi(x), j, ret(1), ret(2)}
	}
	tests := []struct {
		name string
		prog []asm
		want uint32
	}{
		{"jeq #0xffffffff matches A=0xffffffff", cond(0xffffffff, jmp(jeq, 0xffffffff, 0, 1)), 1},
		{"jeq #0xffffffff misses A=0x7fffffff", cond(0x7fffffff, jmp(jeq, 0xffffffff, 0, 1)), 2},
		{"jgt #1 true for A=0x80000000 (unsigned)", cond(0x80000000, jmp(jgt, 1, 0, 1)), 1},
		{"jgt #0x80000000 false for A=1", cond(1, jmp(jgt, 0x80000000, 0, 1)), 2},
		{"jgt equal is false", cond(7, jmp(jgt, 7, 0, 1)), 2},
		{"jge equal is true", cond(7, jmp(jge, 7, 0, 1)), 1},
		{"jge #0x80000000 false for A=0x7fffffff", cond(0x7fffffff, jmp(jge, 0x80000000, 0, 1)), 2},
		{"jge #0x80000000 true for A=0xffffffff", cond(0xffffffff, jmp(jge, 0x80000000, 0, 1)), 1},
		{"jset #0x80000000 true for A=0x80000001", cond(0x80000001, jmp(jset, 0x80000000, 0, 1)), 1},
		{"jset false when A&K == 0", cond(0x0f, jmp(jset, 0xf0, 0, 1)), 2},
		{"jeq x", condx(5, 5, jmpx(jeq, 0, 1)), 1},
		{"jgt x unsigned", condx(0x80000000, 1, jmpx(jgt, 0, 1)), 1},
		{"jgt x false", condx(1, 0x80000000, jmpx(jgt, 0, 1)), 2},
		{"jge x equal", condx(0xffffffff, 0xffffffff, jmpx(jge, 0, 1)), 1},
		{"jset x", condx(0x30, 0x10, jmpx(jset, 0, 1)), 1},
		{"jset x false", condx(0x30, 0x0f, jmpx(jset, 0, 1)), 2},
		{"jt and jf both nonzero", []asm{ldi(1), jmp(jeq, 1, 1, 2), ret(9), ret(1), ret(2)}, 1},
		{"jt == jf == 0 falls through", []asm{ldi(1), jmp(jeq, 1, 0, 0), ret(3)}, 3},
		{"ja skips k instructions", []asm{ja(2), ret(1), ret(2), ret(3)}, 3},
		{"ja 0 is a no-op", []asm{ja(0), ret(4)}, 4},
		{"ja skips a load", []asm{ldi(6), ja(1), ldi(7), reta()}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runBoth(t, tt.prog, false, tt.want) })
	}
}

// TestJumpReach checks the largest offsets: jt/jf of 255 and a ja to the
// last instruction of a maximal program.
func TestJumpReach(t *testing.T) {
	p := []asm{ldi(1), jmp(program.OpJEQ, 1, 255, 0)}
	for range 255 {
		p = append(p, ret(2))
	}
	p = append(p, ret(1))
	runBoth(t, p, false, 1)

	long := make([]asm, program.MaxInstructions)
	long[0] = ja(program.MaxInstructions - 2)
	for i := 1; i < len(long); i++ {
		long[i] = ret(uint32(i))
	}
	runBoth(t, long, false, program.MaxInstructions-1)
}
