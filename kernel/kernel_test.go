package kernel_test

import (
	"errors"
	"os"
	"testing"

	"github.com/bpfsim/bpfsim/internal/kerneltest"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// holdEnv makes the re-executed test binary install heldFilters on one
// thread, print that thread's ID and wait to be killed.
const holdEnv = "BPFSIM_TEST_HOLD_FILTERS"

func TestMain(m *testing.M) {
	if os.Getenv(holdEnv) != "" {
		holdFilters() // a child of TestReadFilters; never returns
	}
	kerneltest.Main(m)
}

// requireSeccomp skips t, with the reason, where the kernel cannot install
// seccomp filters. CI machines have seccomp, so there these tests run.
func requireSeccomp(t *testing.T) {
	t.Helper()
	kerneltest.Require(t)
}

func repeat(n int, ins program.Instruction) program.Program {
	p := make(program.Program, n)
	for i := range p {
		p[i] = ins
	}
	return p
}

var divX4096 = append(append(program.Program{program.Stmt(0x01, 1), program.Stmt(0x00, uint32(seccompdata.ActAllow))},
	repeat(4093, program.Stmt(0x3c, 0))...), retA)

var (
	retAllow = program.Stmt(program.ClassRET|program.RvalK, uint32(seccompdata.ActAllow))
	retA     = program.Stmt(program.ClassRET|program.RvalA, 0)
)

// The expected verdicts are the live-kernel rows of docs/kernel-semantics.md
// (§1, §2.1, §2.2, §2.3); the test asserts that this kernel still gives
// them and that the verifier agrees.
var verdictCases = []struct {
	name  string
	progs []program.Program
	want  kernel.Verdict
}{
	{"ret allow", []program.Program{{retAllow}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"0 insns", []program.Program{{}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ld [0xfffff000]", []program.Program{{program.Stmt(0x20, 0xfffff000), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ldh [0]", []program.Program{{program.Stmt(0x28, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ld [x+0]", []program.Program{{program.Stmt(0x40, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"mod x", []program.Program{{program.Stmt(0x9c, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"xor x", []program.Program{{program.Stmt(0xac, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"neg", []program.Program{{program.Stmt(0x84, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"0x8c", []program.Program{{program.Stmt(0x8c, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ja x 0x0d", []program.Program{{program.Stmt(0x0d, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ret 0x0f", []program.Program{{program.Stmt(0x0f, 0)}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"high byte set", []program.Program{{program.Stmt(0x0106, 0)}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ldx #len", []program.Program{{program.Stmt(0x81, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"ldxb msh", []program.Program{{program.Stmt(0xb1, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"div #0", []program.Program{{program.Stmt(0x34, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"div x", []program.Program{{program.Stmt(0x3c, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"lsh #31", []program.Program{{program.Stmt(0x64, 31), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"rsh #32", []program.Program{{program.Stmt(0x74, 32), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"st M[15]", []program.Program{{program.Stmt(0x02, 15), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"st M[16]", []program.Program{{program.Stmt(0x02, 16), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ja past end", []program.Program{{program.Stmt(0x05, 1), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ja 0xffffffff", []program.Program{{program.Stmt(0x05, 0xffffffff), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ja to last", []program.Program{{program.Stmt(0x05, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"jeq jt past end", []program.Program{{program.Jump(0x15, 0, 1, 0), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"jeq jf past end", []program.Program{{program.Jump(0x15, 0, 0, 1), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"last not ret", []program.Program{{retA, program.Stmt(0x00, 0)}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"unreachable load after ja", []program.Program{{
		program.Stmt(0x05, 1), program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"store on one branch", []program.Program{{
		program.Jump(0x15, 0, 0, 1), program.Stmt(0x02, 0), program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"store on both branches", []program.Program{{
		program.Jump(0x15, 0, 0, 2), program.Stmt(0x02, 0), program.Stmt(0x05, 1), program.Stmt(0x02, 0), program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"ret x in second filter", []program.Program{{retAllow}, {program.Stmt(0x0e, 0)}}, kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 1}},
	{"ld [60]", []program.Program{{program.Stmt(0x20, 60), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"ld [64]", []program.Program{{program.Stmt(0x20, 64), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ld [2]", []program.Program{{program.Stmt(0x20, 2), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"mod #3", []program.Program{{program.Stmt(0x94, 3), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"xor #3", []program.Program{{program.Stmt(0xa4, 3), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"ret x", []program.Program{{program.Stmt(0x0e, 0)}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"lsh #32", []program.Program{{program.Stmt(0x64, 32), retA}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"ld len", []program.Program{{program.Stmt(0x80, 0), retA}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"4096 insns", []program.Program{repeat(4096, retAllow)}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"4097 insns", []program.Program{repeat(4097, retAllow)}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"store before ret leaks to dead load", []program.Program{{
		program.Stmt(0x02, 0), retAllow, program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	{"load after ret without store", []program.Program{{
		retAllow, program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	{"false rejection through ret", []program.Program{{
		program.Jump(0x15, 0, 0, 2), program.Stmt(0x02, 0), program.Stmt(0x05, 1),
		retAllow, program.Stmt(0x60, 0), retA,
	}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	// 4096 x ret #ALLOW is 8195 eBPF instructions: three stack, the
	// fourth exceeds MAX_INSNS_PER_PATH (§2.3).
	{"stack of four 4096-insn filters", []program.Program{
		repeat(4096, retAllow), repeat(4096, retAllow), repeat(4096, retAllow), repeat(4096, retAllow),
	}, kernel.Verdict{Errno: seccompdata.ENOMEM, FailedIndex: 3}},
	{"stack of three 4096-insn filters", []program.Program{
		repeat(4096, retAllow), repeat(4096, retAllow), repeat(4096, retAllow),
	}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
	// ldx #1, ld #ALLOW, 4093 x div x, ret a: 3 + 2 + 5*4093 + 1 = 20471
	// eBPF instructions (§2.3); two of them exceed 32768.
	{"two 4096 div-x filters", []program.Program{divX4096, divX4096}, kernel.Verdict{Errno: seccompdata.ENOMEM, FailedIndex: 1}},
}

func TestVerdictMatchesKernelAndVerifier(t *testing.T) {
	requireSeccomp(t)
	o := openOracle(t)
	for _, tc := range verdictCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := o.Verdict(ctx, tc.progs)
			if err != nil {
				kerneltest.Fail(t, err)
			}
			if got != tc.want {
				t.Errorf("kernel: got %+v, want %+v", got, tc.want)
			}
			ours := verifier.CheckStack(tc.progs)
			var verr *verifier.Error
			switch {
			case ours == nil && !got.Accepted:
				t.Errorf("verifier accepts, kernel says %v", got)
			case ours != nil && got.Accepted:
				t.Errorf("verifier rejects (%v), kernel accepts", ours)
			case ours != nil && errors.As(ours, &verr) && (verr.Errno != got.Errno || verr.Filter != got.FailedIndex):
				t.Errorf("verifier: filter %d %v, kernel: %v", verr.Filter, verr.Errno, got)
			}
		})
	}
}

// An earlier filter that answers seccomp(2) decides the verdict of the
// later filters: the verdict says so instead of reporting a kernel errno.
func TestVerdictStackDenied(t *testing.T) {
	o := openOracle(t)
	errno5 := program.Program{program.Stmt(0x06, uint32(seccompdata.ActErrno)|5)}
	kill := program.Program{program.Stmt(0x06, uint32(seccompdata.ActKillThread))}
	for _, tc := range []struct {
		name  string
		progs []program.Program
		errno seccompdata.Errno
	}{
		{"errno 5", []program.Program{errno5, {retAllow}}, 5},
		{"kill thread", []program.Program{kill, {retAllow}}, 0},
		{"div by zero", []program.Program{{program.Stmt(0x3c, 0), retA}, {retAllow}}, 0},
	} {
		v, err := o.Verdict(ctx, tc.progs)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if v.Accepted || !v.Denied || v.FailedIndex != 1 || v.Errno != tc.errno || v.Reason == "" {
			t.Errorf("%s: got %+v, want denied at filter 1 with errno %d", tc.name, v, tc.errno)
		}
	}
}

// An input without instructions decodes to the empty program, which the
// kernel refuses with EINVAL, alone and wherever it stands in a stack
// (seccomp_prepare_filter, kernel/seccomp.c: len 0 before anything else
// about the filter), and the verifier says the same. Eval of it is the
// kernel's refusal too, as a *RejectedError.
func TestVerdictEmptyProgram(t *testing.T) {
	o := openOracle(t)
	for _, src := range []struct {
		name   string
		data   string
		format program.Format
	}{
		{"0-byte raw file", "", program.FormatRaw},
		{"comment-only bpf_asm", "; no rules yet\n/* none */\n", program.FormatAuto},
		{"empty C array", "struct sock_filter filter[] = { };\n", program.FormatAuto},
		{"ddd count 0", "0\n", program.FormatAuto},
	} {
		empty, _, err := program.Decode([]byte(src.data), program.DecodeOptions{Format: src.format})
		if err != nil || len(empty) != 0 {
			t.Fatalf("%s: Decode = %v, %v", src.name, empty, err)
		}
		for _, tc := range []struct {
			name  string
			progs []program.Program
			want  kernel.Verdict
		}{
			{"alone", []program.Program{empty}, kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 0}},
			{"first of a stack", []program.Program{empty, {retAllow}}, kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 0}},
			{"after a filter", []program.Program{{retAllow}, empty, {retAllow}}, kernel.Verdict{Errno: seccompdata.EINVAL, FailedIndex: 1}},
		} {
			got, err := o.Verdict(ctx, tc.progs)
			if err != nil {
				kerneltest.Fail(t, err)
			}
			if got != tc.want {
				t.Errorf("%s, %s: kernel says %+v, want %+v", src.name, tc.name, got, tc.want)
			}
			var verr *verifier.Error
			if err := verifier.CheckStack(tc.progs); !errors.As(err, &verr) || verr.Rule != verifier.RuleLength ||
				verr.Errno != got.Errno || verr.Filter != got.FailedIndex {
				t.Errorf("%s, %s: verifier says %v, kernel %+v", src.name, tc.name, err, got)
			}
		}
		_, err = o.Eval(ctx, empty, []seccompdata.Data{{Arch: archX86_64}})
		var rej *kernel.RejectedError
		if !errors.As(err, &rej) || rej.Verdict.Errno != seccompdata.EINVAL {
			t.Errorf("%s: Eval = %v, want a RejectedError with EINVAL", src.name, err)
		}
	}
}
