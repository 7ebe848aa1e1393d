package decision_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// ociActions are the return values the generated profiles use.
var ociActions = []uint32{0x7fff0000, 0x00050001, 0x00050026, 0x00000000, 0x80000000, 0x7ffc0000, 0x00030000, 0x7ff00005, 0x7fc00000}

var ociOps = []string{"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"}

// genProfile draws a profile: x86_64 and some of x86, x32 and aarch64, a
// default action, and a few syscalls with entries of one action each,
// unconditional or with comparisons of distinct arguments.
func genProfile(r *rand.Rand) *decision.OCIProfile {
	p := &decision.OCIProfile{Architectures: []string{"SCMP_ARCH_X86_64"}}
	for _, tk := range []string{"SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"} {
		if r.Intn(2) == 0 {
			p.Architectures = append(p.Architectures, tk)
		}
	}
	def := ociActions[r.Intn(len(ociActions))]
	p.DefaultAction, p.DefaultErrnoRet, _ = decision.OCIAction(def)
	x86_64, _ := seccompdata.LookupArch("x86_64")
	tab := x86_64.Syscalls()
	vals := []uint64{0, 1, 2, 38, 40, 0xffffffff, 1 << 32, 0x7e020000, 0xffffffffffffff9c, r.Uint64()}
	for range 1 + r.Intn(6) {
		name := tab[r.Intn(len(tab))].Name
		if decision.OCIMuxed[name] != "" || name == "socketcall" || name == "ipc" {
			continue
		}
		ret := ociActions[r.Intn(len(ociActions))]
		if ret == def {
			continue
		}
		action, errno, _ := decision.OCIAction(ret)
		if r.Intn(3) == 0 {
			p.Syscalls = append(p.Syscalls, decision.OCISyscall{Names: []string{name}, Action: action, ErrnoRet: errno})
			continue
		}
		for range 1 + r.Intn(2) {
			e := decision.OCISyscall{Names: []string{name}, Action: action, ErrnoRet: errno}
			for _, idx := range r.Perm(6)[:1+r.Intn(2)] {
				a := decision.OCIArg{Index: uint(idx), Value: vals[r.Intn(len(vals))], Op: ociOps[r.Intn(len(ociOps))]}
				if a.Op == "SCMP_CMP_MASKED_EQ" {
					a.ValueTwo = vals[r.Intn(len(vals))] & a.Value
				}
				e.Args = append(e.Args, a)
			}
			p.Syscalls = append(p.Syscalls, e)
		}
	}
	return p
}

// compileProfile writes a profile as a filter the way libseccomp lays it
// out (ociEval's semantics), in bpf_asm.
func compileProfile(p *decision.OCIProfile) string {
	var b strings.Builder
	n := 0
	label := func() string { n++; return fmt.Sprintf("l%d", n) }
	emit := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	def, _ := decision.OCIRet(p.DefaultAction, p.DefaultErrnoRet)
	listed := func(tk string) bool { return slices.Contains(p.Architectures, tk) }
	emit("ld [4]")
	emit("jeq #%#x, b_x86_64", seccompdata.AuditArchX86_64)
	if listed("SCMP_ARCH_X86") {
		emit("jeq #%#x, b_i386", seccompdata.AuditArchI386)
	}
	if listed("SCMP_ARCH_AARCH64") {
		emit("jeq #%#x, b_aarch64", seccompdata.AuditArchAArch64)
	}
	emit("ret #0")
	block := func(blk, archName string) {
		arch, _ := seccompdata.LookupArch(archName)
		_, bits, _ := decision.OCIArchToken(archName)
		emit("%s:", blk)
		emit("ld [0]")
		if archName == "x86_64" {
			if listed("SCMP_ARCH_X32") {
				emit("jge #0x40000000, b_x32")
			} else {
				emit("jge #0x40000000, %s_hi", blk)
			}
		}
		type sys struct {
			name string
			nr   int32
		}
		var calls []sys
		for _, e := range p.Syscalls {
			if nr, ok := arch.SyscallNumber(e.Names[0]); ok && !slices.ContainsFunc(calls, func(s sys) bool { return s.name == e.Names[0] }) {
				calls = append(calls, sys{e.Names[0], nr})
			}
		}
		for _, c := range calls {
			emit("jeq #%#x, %s_s_%s", uint32(c.nr), blk, c.name)
		}
		emit("ret #%#x", def)
		if archName == "x86_64" && !listed("SCMP_ARCH_X32") {
			emit("%s_hi:", blk)
			emit("jeq #0xffffffff, %s_def, %s_kill", blk, blk)
			emit("%s_def:", blk)
			emit("ret #%#x", def)
			emit("%s_kill:", blk)
			emit("ret #0")
		}
		for _, c := range calls {
			emit("%s_s_%s:", blk, c.name)
			for _, e := range p.Syscalls {
				if e.Names[0] != c.name {
					continue
				}
				ret, _ := decision.OCIRet(e.Action, e.ErrnoRet)
				next := label()
				for _, a := range e.Args {
					ok := label()
					lo, hi := 16+8*a.Index, 20+8*a.Index
					k, k2 := a.Value, a.ValueTwo
					if bits == 32 {
						emit("ld [%d]", lo)
						switch a.Op {
						case "SCMP_CMP_EQ":
							emit("jeq #%#x, %s, %s", uint32(k), ok, next)
						case "SCMP_CMP_NE":
							emit("jeq #%#x, %s, %s", uint32(k), next, ok)
						case "SCMP_CMP_GE":
							emit("jge #%#x, %s, %s", uint32(k), ok, next)
						case "SCMP_CMP_GT":
							emit("jgt #%#x, %s, %s", uint32(k), ok, next)
						case "SCMP_CMP_LT":
							emit("jge #%#x, %s, %s", uint32(k), next, ok)
						case "SCMP_CMP_LE":
							emit("jgt #%#x, %s, %s", uint32(k), next, ok)
						case "SCMP_CMP_MASKED_EQ":
							emit("and #%#x", uint32(k))
							emit("jeq #%#x, %s, %s", uint32(k2), ok, next)
						}
						emit("%s:", ok)
						continue
					}
					l1 := label()
					switch a.Op {
					case "SCMP_CMP_EQ", "SCMP_CMP_NE":
						t, f := ok, next
						if a.Op == "SCMP_CMP_NE" {
							t, f = next, ok
						}
						emit("ld [%d]", hi)
						emit("jeq #%#x, %s, %s", uint32(k>>32), l1, f)
						emit("%s:", l1)
						emit("ld [%d]", lo)
						emit("jeq #%#x, %s, %s", uint32(k), t, f)
					case "SCMP_CMP_MASKED_EQ":
						emit("ld [%d]", hi)
						emit("and #%#x", uint32(k>>32))
						emit("jeq #%#x, %s, %s", uint32(k2>>32), l1, next)
						emit("%s:", l1)
						emit("ld [%d]", lo)
						emit("and #%#x", uint32(k))
						emit("jeq #%#x, %s, %s", uint32(k2), ok, next)
					default:
						// v >= k (GE) or v > k (GT); LT and LE are their negations.
						t, f := ok, next
						if a.Op == "SCMP_CMP_LT" || a.Op == "SCMP_CMP_LE" {
							t, f = next, ok
						}
						jmp := "jge"
						if a.Op == "SCMP_CMP_GT" || a.Op == "SCMP_CMP_LE" {
							jmp = "jgt"
						}
						l0 := label()
						emit("ld [%d]", hi)
						emit("jgt #%#x, %s, %s", uint32(k>>32), t, l0)
						emit("%s:", l0)
						emit("jeq #%#x, %s, %s", uint32(k>>32), l1, f)
						emit("%s:", l1)
						emit("ld [%d]", lo)
						emit("%s #%#x, %s, %s", jmp, uint32(k), t, f)
					}
					emit("%s:", ok)
				}
				emit("ret #%#x", ret)
				emit("%s:", next)
			}
			emit("ret #%#x", def)
		}
	}
	block("b_x86_64", "x86_64")
	if listed("SCMP_ARCH_X32") {
		block("b_x32", "x32")
	}
	if listed("SCMP_ARCH_X86") {
		block("b_i386", "i386")
	}
	if listed("SCMP_ARCH_AARCH64") {
		block("b_aarch64", "aarch64")
	}
	return b.String()
}

// TestOCIRoundTrip: random profiles compiled as libseccomp would compile
// them (checked against ociEval) convert back from their tables, and the
// profile written means what the table says.
func TestOCIRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	converted, total := 0, 300
	for i := range total {
		p := genProfile(r)
		src := compileProfile(p)
		prog, _, err := program.Decode([]byte(src), program.DecodeOptions{Format: program.FormatAsm})
		if err != nil {
			t.Fatalf("profile %d: %v\n%s", i, err, src)
		}
		stack := vm.Stack{compile(t, prog)}
		// The test's compiler and ociEval agree.
		for _, d := range ociInputs(r, p, 200) {
			want, err := ociEval(p, &d)
			if err != nil {
				t.Fatalf("profile %d: %v", i, err)
			}
			if got := vmAnswer(stack, &d); got != want {
				t.Fatalf("profile %d: arch %#x nr %#x args %#x: compiled %#x, profile %#x\n%s", i, d.Arch, uint32(d.Nr), d.Args, got, want, src)
			}
		}
		tb := build(t, stack)
		back, err := tb.OCI()
		if err != nil {
			continue
		}
		converted++
		checkOCI(t, fmt.Sprintf("profile %d", i), tb, back, r, 500)
	}
	t.Logf("%d of %d generated profiles convert back", converted, total)
	if converted < total/4 {
		t.Errorf("only %d of %d generated profiles convert back", converted, total)
	}
}
