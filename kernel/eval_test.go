package kernel_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

func st(code uint16, k uint32) program.Instruction { return program.Instruction{Op: code, K: k} }

const (
	archX86_64 = seccompdata.AuditArchX86_64
	archI386   = seccompdata.AuditArchI386
)

// The expected values are live rows of docs/kernel-semantics.md §3 and §4.
var evalCases = []struct {
	name   string
	p      program.Program
	in     seccompdata.Data
	want   uint32
	killed bool
	method kernel.Method
}{
	{"add wraps", program.Program{st(0x00, 0xffffffff), st(0x04, 2), retA}, seccompdata.Data{Nr: 39, Arch: archX86_64}, 1, false, kernel.Native},
	{"sub wraps", program.Program{st(0x00, 0), st(0x14, 1), retA}, seccompdata.Data{Arch: archX86_64}, 0xffffffff, false, kernel.Native},
	{"mul wraps", program.Program{st(0x00, 0x10000), st(0x24, 0x10001), retA}, seccompdata.Data{Arch: archX86_64}, 0x10000, false, kernel.Native},
	{"div unsigned", program.Program{st(0x00, 0xffffffff), st(0x34, 2), retA}, seccompdata.Data{Arch: archX86_64}, 0x7fffffff, false, kernel.Native},
	{"neg", program.Program{st(0x00, 5), st(0x84, 0), retA}, seccompdata.Data{Arch: archX86_64}, 0xfffffffb, false, kernel.Native},
	{"lsh x by 33", program.Program{st(0x01, 33), st(0x00, 0x12345678), st(0x6c, 0), retA}, seccompdata.Data{Arch: archX86_64}, 0x2468acf0, false, kernel.Native},
	{"lsh x by 32", program.Program{st(0x01, 32), st(0x00, 0x12345678), st(0x6c, 0), retA}, seccompdata.Data{Arch: archX86_64}, 0x12345678, false, kernel.Native},
	{"lsh x by 64", program.Program{st(0x01, 64), st(0x00, 0x12345678), st(0x6c, 0), retA}, seccompdata.Data{Arch: archX86_64}, 0x12345678, false, kernel.Native},
	{"rsh x by 0xffffffff", program.Program{st(0x01, 0xffffffff), st(0x00, 0x80000000), st(0x7c, 0), retA}, seccompdata.Data{Arch: archX86_64}, 1, false, kernel.Native},
	{"div x by arg0 = 0", program.Program{st(0x20, 16), st(0x07, 0), st(0x00, 100), st(0x3c, 0), retAllow}, seccompdata.Data{Arch: archX86_64}, 0, true, kernel.Native},
	{"div x by arg0 = 7", program.Program{st(0x20, 16), st(0x07, 0), st(0x00, 100), st(0x3c, 0), retA}, seccompdata.Data{Arch: archX86_64, Args: [6]uint64{7}}, 14, false, kernel.Native},
	{"arg0 low word", program.Program{st(0x20, 16), retA}, seccompdata.Data{Arch: archX86_64, Args: [6]uint64{0x0102030405060708}}, 0x05060708, false, kernel.Native},
	{"arg0 high word", program.Program{st(0x20, 20), retA}, seccompdata.Data{Arch: archX86_64, Args: [6]uint64{0x0102030405060708}}, 0x01020304, false, kernel.Native},
	{"arg5 high word", program.Program{st(0x20, 60), retA}, seccompdata.Data{Arch: archX86_64, Args: [6]uint64{5: 0xdeadbeef00000000}}, 0xdeadbeef, false, kernel.Native},
	{"ld len", program.Program{st(0x80, 0), retA}, seccompdata.Data{Arch: archX86_64}, 64, false, kernel.Native},
	{"ldx len", program.Program{st(0x81, 0), st(0x87, 0), retA}, seccompdata.Data{Arch: archX86_64}, 64, false, kernel.Native},
	{"x32 nr", program.Program{st(0x20, 0), retA}, seccompdata.Data{Nr: 0x400003e8, Arch: archX86_64}, 0x400003e8, false, kernel.Native},
	{"negative nr", program.Program{st(0x20, 0), retA}, seccompdata.Data{Nr: -1, Arch: archX86_64}, 0xffffffff, false, kernel.Native},
	{"nr 335", program.Program{st(0x20, 0), retA}, seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: archX86_64}, 335, false, kernel.NrSubstituted},
	{"nr 336 via ret k", program.Program{st(0x20, 0), program.Jump(program.JeqK, seccompdata.NrUprobeX86_64, 0, 1), st(0x06, 0x50007), retAllow}, seccompdata.Data{Nr: seccompdata.NrUprobeX86_64, Arch: archX86_64}, 0x50007, false, kernel.NrSubstituted},
	{"arch native", program.Program{st(0x20, 4), retA}, seccompdata.Data{Arch: archX86_64}, archX86_64, false, kernel.Native},
	{"arch i386", program.Program{st(0x20, 4), retA}, seccompdata.Data{Arch: archI386}, archI386, false, kernel.ArchSubstituted},
	{"arch arbitrary", program.Program{st(0x20, 4), retA}, seccompdata.Data{Arch: 0x12345678}, 0x12345678, false, kernel.ArchSubstituted},
	{"ip low", program.Program{st(0x20, 8), retA}, seccompdata.Data{Arch: archX86_64, InstructionPointer: 0x7fff12345678}, 0x12345678, false, kernel.IPSubstituted},
	{"ip high", program.Program{st(0x20, 12), retA}, seccompdata.Data{Arch: archX86_64, InstructionPointer: 0x7fff12345678}, 0x7fff, false, kernel.IPSubstituted},
	{"jeq 0xffffffff", program.Program{st(0x00, 0xffffffff), program.Jump(0x15, 0xffffffff, 0, 1), st(0x06, 1), st(0x06, 2)}, seccompdata.Data{Arch: archX86_64}, 1, false, kernel.Native},
	{"jgt unsigned", program.Program{st(0x00, 0x80000000), program.Jump(0x25, 1, 0, 1), st(0x06, 1), st(0x06, 2)}, seccompdata.Data{Arch: archX86_64}, 1, false, kernel.Native},
	{"ret k 0", program.Program{st(0x06, 0)}, seccompdata.Data{Arch: archX86_64}, 0, false, kernel.Native},
	{"ret errno 4095+", program.Program{st(0x06, 0x5ffff)}, seccompdata.Data{Arch: archX86_64}, 0x5ffff, false, kernel.Native},
	{"scratch", program.Program{st(0x00, 0xabcdef01), st(0x02, 15), st(0x00, 0), st(0x60, 15), retA}, seccompdata.Data{Arch: archX86_64}, 0xabcdef01, false, kernel.Native},
	// Each 12-bit piece of this value is 514 (-ERESTARTNOHAND as a
	// return): the read-back must not meet the kernel's syscall restart.
	{"restart codes as pieces", program.Program{st(0x00, 0x00202202), retA}, seccompdata.Data{Arch: archX86_64}, 0x00202202, false, kernel.Native},
	{"unknown action via ret a", program.Program{st(0x00, 0xc0000001), retA}, seccompdata.Data{Arch: archX86_64}, 0xc0000001, false, kernel.Native},
}

func TestEval(t *testing.T) {
	o := openOracle(t)
	for _, tc := range evalCases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := o.Eval(ctx, tc.p, []seccompdata.Data{tc.in})
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			got := res[0]
			method := tc.method
			if tc.in.Arch == archI386 {
				method = i386Method(t, o, tc.method)
			}
			if got.Ret != tc.want || got.Killed != tc.killed || got.Method != method {
				t.Errorf("got ret %#x killed %v method %v, want %#x %v %v", got.Ret, got.Killed, got.Method, tc.want, tc.killed, method)
			}
		})
	}
}

// All cases in one batch, the div-x ones included, go through grouping.
func TestEvalBatch(t *testing.T) {
	o := openOracle(t)
	p := program.Program{st(0x20, 4), st(0x02, 0), st(0x20, 0), st(0x0c, 0) /* add x */, st(0x60, 0), st(0x04, 1), retA}
	in := []seccompdata.Data{{Nr: 1, Arch: archX86_64}, {Nr: seccompdata.NrUretprobeX86_64, Arch: archI386}, {Nr: 2, Arch: archI386}, {Nr: 3, Arch: archX86_64}}
	res, err := o.Eval(ctx, p, in)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range in {
		if want := d.Arch + 1; res[i].Ret != want {
			t.Errorf("input %d: got %#x, want %#x (%v)", i, res[i].Ret, want, res[i].Method)
		}
	}
	if res[1].Method != i386Method(t, o, kernel.ArchSubstituted|kernel.NrSubstituted) || res[0].Method != kernel.Native {
		t.Errorf("methods %v, %v", res[0].Method, res[1].Method)
	}
}

func TestEvalRejected(t *testing.T) {
	o := openOracle(t)
	_, err := o.Eval(ctx, program.Program{st(0x94, 3), retA}, []seccompdata.Data{{}})
	var rej *kernel.RejectedError
	if !errors.As(err, &rej) || rej.Verdict.Errno != seccompdata.EINVAL {
		t.Fatalf("got %v, want a RejectedError with EINVAL", err)
	}
	// Too long for the kernel itself: its refusal, not Eval's.
	_, err = o.Eval(ctx, repeat(4097, retAllow), []seccompdata.Data{{}})
	if !errors.As(err, &rej) || rej.Verdict.Errno != seccompdata.EINVAL || errors.Is(err, kernel.ErrTooLong) {
		t.Fatalf("4,097 instructions: got %v, want a RejectedError with EINVAL", err)
	}
}

// longProgram returns head, then "add #1; sub #1" pairs (and one "add #0"
// when the count is odd) up to n-len(tail) instructions, then tail: a
// program of exactly n instructions whose value is head's and tail's.
func longProgram(n int, head, tail program.Program) program.Program {
	p := append(program.Program{}, head...)
	for len(p) < n-len(tail) {
		if len(p)+2 <= n-len(tail) {
			p = append(p, st(0x04, 1), st(0x14, 1))
		} else {
			p = append(p, st(0x04, 0))
		}
	}
	return append(p, tail...)
}

// Issue 7, item 11: programs the kernel runs (at most 4,096 instructions)
// that the instrumentation once made too long to evaluate. The values are
// the programs' arithmetic; the kernel computes them.
func TestEvalLongPrograms(t *testing.T) {
	o := openOracle(t)
	nr := func(n int32) seccompdata.Data { return seccompdata.Data{Nr: n, Arch: archX86_64, Args: [6]uint64{7}} }
	// A = nr | 0x7fffef00: 0x7fffef0f for nr 15. 4,090 instructions,
	// 4,096 instrumented.
	retAnr := longProgram(4090, program.Program{st(0x20, 0)}, program.Program{st(0x44, 0x7fffef00), retA})
	// A = 0x7fffef0f whatever the input.
	retAconst := longProgram(4090, program.Program{st(0x00, 0x7fff0000)}, program.Program{st(0x44, 0xef0f), retA})
	// Both kinds of return, still 4,090: ERRNO|5 for nr 39, else A.
	mixed := longProgram(4090, program.Program{st(0x20, 0), program.Jump(0x15, 39, 0, 1), st(0x06, uint32(seccompdata.ActErrno)|5)},
		program.Program{st(0x44, 0x7fffef00), retA})
	// A division by arg0: killed for 0, 0x7fffef0f / 7 = 0x12492226 for 7.
	divX := longProgram(4090, program.Program{st(0x20, 16), st(0x07, 0), st(0x00, 0x7fffef0f), st(0x3c, 0)}, program.Program{retA})
	cases := []struct {
		name string
		p    program.Program
		in   []seccompdata.Data
		want []kernel.EvalResult
	}{
		{"ret a of nr", retAnr, []seccompdata.Data{nr(15), nr(0), nr(0xfff)},
			[]kernel.EvalResult{{Ret: 0x7fffef0f}, {Ret: 0x7fffef00}, {Ret: 0x7fffefff}}},
		{"ret a constant", retAconst, []seccompdata.Data{nr(1)}, []kernel.EvalResult{{Ret: 0x7fffef0f}}},
		{"ret k and ret a", mixed, []seccompdata.Data{nr(39), nr(0x0f), nr(0x160)},
			[]kernel.EvalResult{{Ret: 0x50005}, {Ret: 0x7fffef0f}, {Ret: 0x7fffef60}}},
		{"div x", divX, []seccompdata.Data{nr(1), {Arch: archX86_64}, nr(2)},
			[]kernel.EvalResult{{Ret: 0x12492226}, {Killed: true}, {Ret: 0x12492226}}},
	}
	// "ret #k" of every action, and of values no action has, at 4,090
	// and at the kernel's limit, 4,096: nothing is added to them.
	for _, k := range []uint32{uint32(seccompdata.ActAllow), uint32(seccompdata.ActAllow) | 0xef0f, uint32(seccompdata.ActErrno) | 5,
		uint32(seccompdata.ActErrno) | 0xffff, uint32(seccompdata.ActKillProcess), uint32(seccompdata.ActKillThread),
		uint32(seccompdata.ActTrap) | 7, uint32(seccompdata.ActTrace) | 1, uint32(seccompdata.ActLog), uint32(seccompdata.ActUserNotif), 0xc0000001} {
		for _, n := range []int{4090, 4096} {
			p := longProgram(n, program.Program{st(0x00, 0)}, program.Program{st(0x06, k)})
			cases = append(cases, struct {
				name string
				p    program.Program
				in   []seccompdata.Data
				want []kernel.EvalResult
			}{fmt.Sprintf("%d ending in ret #%#x", n, k), p, []seccompdata.Data{nr(1)}, []kernel.EvalResult{{Ret: k}}})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.p) != 4090 && len(tc.p) != 4096 {
				t.Fatalf("test program has %d instructions", len(tc.p))
			}
			res, err := o.Eval(ctx, tc.p, tc.in)
			if err != nil {
				kerneltest.Fail(t, err)
			}
			for i, want := range tc.want {
				if got := res[i]; got.Ret != want.Ret || got.Killed != want.Killed || got.Method != kernel.Native {
					t.Errorf("input %d: got %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

// A program the kernel runs but whose instrumented copy would not fit
// gets an error that says by how much, which callers can tell from others,
// and the oracle goes on: the next Eval works.
func TestEvalTooLong(t *testing.T) {
	o := openOracle(t)
	in := []seccompdata.Data{{Nr: 15, Arch: archX86_64}}
	for _, tc := range []struct {
		name       string
		p          program.Program
		need, over int
	}{
		{"4,091 ending in ret a", longProgram(4091, program.Program{st(0x20, 0)}, program.Program{st(0x44, 0x7fffef00), retA}), 4097, 1},
		{"4,090 reading A first", longProgram(4090, program.Program{st(0x04, 0x7fff0000)}, program.Program{retA}), 4097, 1},
		{"4,096 with ret a inside", longProgram(4096, program.Program{st(0x20, 0), program.Jump(0x15, 1, 0, 1), retA}, program.Program{retAllow}), 4103, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := o.Verdict(ctx, []program.Program{tc.p}); err != nil || !v.Accepted {
				t.Fatalf("the kernel does not run the test program: %v %v", v, err)
			}
			for _, inputs := range [][]seccompdata.Data{in, nil} {
				_, err := o.Eval(ctx, tc.p, inputs)
				var tl *kernel.TooLongError
				if !errors.Is(err, kernel.ErrTooLong) || !errors.As(err, &tl) || tl.Need != tc.need || tl.Need-tl.Max != tc.over || tl.Len != len(tc.p) {
					t.Fatalf("%d inputs: got %v, want a TooLongError of %d, %d over", len(inputs), err, tc.need, tc.over)
				}
				want := fmt.Sprintf("instrumented program would need %s instructions, %d over the kernel's 4,096",
					strings.Replace(fmt.Sprint(tc.need), "4", "4,", 1), tc.over)
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("message %q, want it to start with %q", err, want)
				}
			}
			// The oracle still serves.
			res, err := o.Eval(ctx, program.Program{st(0x20, 0), retA}, in)
			if err != nil || res[0].Ret != 15 {
				t.Fatalf("Eval after the error: %v, %v", res, err)
			}
		})
	}
}

// A division by X == 0 ends the evaluating thread at once, for every
// input, native and i386 (through int $0x80 where the kernel has it) at
// the same time: each input is reported killed, and the next one goes to a
// new evaluator.
func TestEvalEveryInputKilled(t *testing.T) {
	o := openOracle(t)
	p := program.Program{st(0x3c, 0), retA} // A / X with X == 0
	var in []seccompdata.Data
	for i := range 40 {
		arch := uint32(archX86_64)
		if i%2 == 1 {
			arch = archI386
		}
		in = append(in, seccompdata.Data{Nr: int32(i), Arch: arch})
	}
	res, err := o.Eval(ctx, p, in)
	if err != nil {
		kerneltest.Fail(t, err)
	}
	for i, r := range res {
		if !r.Killed || r.Ret != 0 {
			t.Errorf("input %d: got %+v, want killed", i, r)
		}
	}
}
