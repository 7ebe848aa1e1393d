package kernel_test

import (
	"errors"
	"testing"

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
	_, err = o.Eval(ctx, repeat(4096, retAllow), []seccompdata.Data{{}})
	if err == nil {
		t.Fatal("4096-instruction program: want a too-long error")
	}
}
