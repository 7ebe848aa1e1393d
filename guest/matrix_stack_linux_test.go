package guest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// The path limit at its boundary. seccomp_attach_filter refuses a filter
// with ENOMEM when its eBPF length plus, for every filter already
// installed, that filter's eBPF length + 4 exceeds 32,768
// (docs/kernel-semantics.md §2.3). The lengths are those of the converted
// eBPF programs, which depend on the instructions: the table of §2.3
// gives each cBPF instruction's count. For each row of that table a
// "kind" filter is made of it, and stacks are completed around it with
// filters of div x (5 each: dense, so that little goes over the serial
// link) and one filter of ld #k (1 each) to reach a total of exactly
// 32,767, 32,768 or 32,769. A kernel that expanded any instruction
// differently from the table would move the boundary, and the verdicts at
// 32,768 (accepted) and 32,769 (ENOMEM) would show it.

// limitKind is a filter made of one row of §2.3's table: prefix, n units,
// suffix, every path returning ALLOW (the filters must let the seccomp(2)
// calls that install the later ones through). The counts are eBPF
// instructions per the table, without the prologue of 3.
type limitKind struct {
	name                 string
	prefix, unit, suffix program.Program
	prefixN, unitN, sufN int
}

// jumpUnit is each jump followed by ld #ALLOW (which a jump may skip).
func jumpUnit(js ...program.Instruction) program.Program {
	var p program.Program
	for _, j := range js {
		p = append(p, j, ldAllow)
	}
	return p
}

var limitKinds = []limitKind{
	{name: "ret #k (2)", unit: program.Program{retAllow}, unitN: 2},
	{name: "ret a (1)", prefix: program.Program{ldAllow}, prefixN: 1, unit: program.Program{retA}, unitN: 1},
	{name: "div x (5)", prefix: program.Program{stmt(program.LdxImm, 1), ldAllow}, prefixN: 2,
		unit: program.Program{stmt(program.DivX, 0)}, unitN: 5, suffix: program.Program{retA}, sufN: 1},
	{name: "alu k and x, neg (1 each)", prefix: program.Program{ldAllow, stmt(program.LdxImm, 0)}, prefixN: 2,
		unit: program.Program{
			stmt(program.AddK, 0), stmt(program.SubK, 0), stmt(program.MulK, 1), stmt(program.DivK, 1),
			stmt(program.OrK, 0), stmt(program.AndK, 0xffffffff), stmt(program.XorK, 0), stmt(program.LshK, 0),
			stmt(program.RshK, 0), stmt(program.AddX, 0), stmt(program.SubX, 0), stmt(program.OrX, 0),
			stmt(program.XorX, 0), stmt(program.LshX, 0), stmt(program.RshX, 0), stmt(program.Neg, 0), stmt(program.Neg, 0),
		}, unitN: 17, suffix: program.Program{retA}, sufN: 1},
	{name: "ld [k], ld/ldx #len, st, stx, ld/ldx M[], tax, txa, ld/ldx #k (1 each)",
		unit: program.Program{
			stmt(program.LdAbsW, 0), stmt(program.LdLen, 0), stmt(program.LdxLen, 0), stmt(program.St, 0),
			stmt(program.LdMem, 0), stmt(program.Stx, 1), stmt(program.LdxMem, 1), stmt(program.Tax, 0),
			stmt(program.Txa, 0), stmt(program.LdxImm, 0), ldAllow,
		}, unitN: 11, suffix: program.Program{retA}, sufN: 1},
	{name: "ja (1)", prefix: program.Program{ldAllow}, prefixN: 1, unit: program.Program{stmt(program.Ja, 0)}, unitN: 1,
		suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge, jset #k >= 0, jf = 0 (1)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 5, 1, 0), jmp(program.JgtK, 5, 1, 0), jmp(program.JgeK, 5, 0, 0), jmp(program.JsetK, 5, 1, 0)),
		unitN: 4 * (1 + 1), suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge, jset #k < 0, jf = 0 (2)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 0x80000000, 1, 0), jmp(program.JgtK, 0xfffffff0, 1, 0), jmp(program.JgeK, 0x80000001, 0, 0), jmp(program.JsetK, 0x80000000, 1, 0)),
		unitN: 4 * (2 + 1), suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge #k >= 0, jt = 0, jf != 0: inverted (1)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 5, 0, 1), jmp(program.JgtK, 5, 0, 1), jmp(program.JgeK, 5, 0, 1)),
		unitN: 3 * (1 + 1), suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge #k < 0, jt = 0, jf != 0: inverted (2)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 0x80000000, 0, 1), jmp(program.JgtK, 0xffffffff, 0, 1), jmp(program.JgeK, 0x90000000, 0, 1)),
		unitN: 3 * (2 + 1), suffix: program.Program{retA}, sufN: 1},
	{name: "jset #k >= 0, jt = 0, jf != 0: not inverted (2)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit: jumpUnit(jmp(program.JsetK, 5, 0, 1)), unitN: 2 + 1, suffix: program.Program{retA}, sufN: 1},
	{name: "jset #k < 0, jt = 0, jf != 0 (3)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit: jumpUnit(jmp(program.JsetK, 0x80000000, 0, 1)), unitN: 3 + 1, suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge, jset #k >= 0, jt and jf != 0 (2)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 5, 1, 1), jmp(program.JgtK, 5, 1, 1), jmp(program.JgeK, 5, 1, 1), jmp(program.JsetK, 5, 1, 1)),
		unitN: 4 * (2 + 1), suffix: program.Program{retA}, sufN: 1},
	{name: "jeq, jgt, jge, jset #k < 0, jt and jf != 0 (3)", prefix: program.Program{ldAllow}, prefixN: 1,
		unit:  jumpUnit(jmp(program.JeqK, 0xffffffff, 1, 1), jmp(program.JgtK, 0xfffffffe, 1, 1), jmp(program.JgeK, 0x80000000, 1, 1), jmp(program.JsetK, 0xc0000000, 1, 1)),
		unitN: 4 * (3 + 1), suffix: program.Program{retA}, sufN: 1},
	// X forms never take the temporary register, whatever k holds.
	{name: "jeq, jgt, jge, jset x, k < 0 ignored (1 or 2)", prefix: program.Program{ldAllow, stmt(program.LdxImm, 0)}, prefixN: 2,
		unit: jumpUnit(jmp(program.JeqX, 0x80000000, 0, 1), jmp(program.JgtX, 0, 0, 1), jmp(program.JgeX, 0xffffffff, 0, 1),
			jmp(program.JsetX, 0x80000000, 0, 1), jmp(program.JeqX, 0, 1, 1), jmp(program.JsetX, 0xc0000000, 1, 0)),
		unitN: 1 + 1 + 1 + 2 + 2 + 1 + 6, suffix: program.Program{retA}, sufN: 1},
}

// kindSize is the most instructions of a kind filter: the limit is met
// with denser filters around it, which keeps the stacks short on the wire.
const kindSize = 1024

// build returns the kind's filter and its eBPF length per the table.
func (k limitKind) build() (program.Program, int) {
	n := (kindSize - len(k.prefix) - len(k.suffix)) / len(k.unit)
	p := append(program.Program{}, k.prefix...)
	for range n {
		p = append(p, k.unit...)
	}
	p = append(p, k.suffix...)
	return p, 3 + k.prefixN + n*k.unitN + k.sufN
}

// divFilter is ldx #1; ld #ALLOW; n x div x; ret a: 6 + 5n eBPF
// instructions.
func divFilter(n int) program.Program {
	p := program.Program{stmt(program.LdxImm, 1), ldAllow}
	for range n {
		p = append(p, stmt(program.DivX, 0))
	}
	return append(p, retA)
}

// padFilter is m-1 x ld #ALLOW; ret #ALLOW: m + 4 eBPF instructions.
func padFilter(m int) program.Program {
	p := make(program.Program, 0, m)
	for range m - 1 {
		p = append(p, ldAllow)
	}
	return append(p, retAllow)
}

// fill returns filters that add exactly r to a stack's total: div x
// filters, as full as fits, then one pad filter, which is the newest of
// the stack when last (it then counts without the penalty of 4).
func fill(r int, last bool) ([]program.Program, []string, error) {
	minPad := 5
	if !last {
		minPad += 4
	}
	var out []program.Program
	var layout []string
	for r-minPad >= 10 {
		n := min(4093, (r-minPad-10)/5)
		out = append(out, divFilter(n))
		layout = append(layout, fmt.Sprintf("div x filter (%d + 4)", 6+5*n))
		r -= 10 + 5*n
	}
	m := r - minPad + 1
	if m < 1 || m > 4096 {
		return nil, nil, fmt.Errorf("cannot pad %d", r)
	}
	out = append(out, padFilter(m))
	if last {
		layout = append(layout, fmt.Sprintf("ld #k filter (%d)", m+4))
	} else {
		layout = append(layout, fmt.Sprintf("ld #k filter (%d + 4)", m+4))
	}
	return out, layout, nil
}

// limitStack is a stack whose total, counted as §2.3 says, is total.
type limitStack struct {
	name   string
	kind   limitKind
	total  int
	layout string
	progs  []program.Program
	want   kernel.Verdict // per §2.3: accepted up to 32,768, else ENOMEM on the newest filter
}

func limitStacks(t *testing.T) []limitStack {
	var out []limitStack
	for _, k := range limitKinds {
		kp, kn := k.build()
		if got := verifier.ExpandedLen(kp, verifier.Seccomp); got != kn {
			t.Fatalf("path limit, %s: verifier.ExpandedLen says %d eBPF instructions, the table of kernel-semantics.md §2.3 %d", k.name, got, kn)
		}
		if err := verifier.Check(kp, verifier.Seccomp); err != nil {
			t.Fatalf("path limit, %s: %v", k.name, err)
		}
		for _, v := range []struct {
			total int
			last  bool
		}{{32767, true}, {32768, true}, {32769, true}, {32768, false}, {32769, false}} {
			var progs []program.Program
			var layout []string
			kdesc := fmt.Sprintf("%s filter (%d instructions, %d", k.name, len(kp), kn)
			if v.last {
				pre, l, err := fill(v.total-kn, false)
				if err != nil {
					t.Fatal(err)
				}
				progs, layout = append(pre, kp), append(l, kdesc+")")
			} else {
				post, l, err := fill(v.total-kn-4, true)
				if err != nil {
					t.Fatal(err)
				}
				progs, layout = append([]program.Program{kp}, post...), append([]string{kdesc + " + 4)"}, l...)
			}
			if got := verifier.StackLen(progs); got != v.total {
				t.Fatalf("path limit, %s: the stack counts %d, want %d", k.name, got, v.total)
			}
			want := kernel.Verdict{Accepted: true, FailedIndex: -1}
			if v.total > verifier.MaxInsnsPerPath {
				want = kernel.Verdict{Errno: seccompdata.ENOMEM, FailedIndex: len(progs) - 1}
			}
			if ours := ourVerdict(progs); ours != want {
				t.Fatalf("path limit, %s, %d: verifier.CheckStack says %v, §2.3 %v", k.name, v.total, ours, want)
			}
			where := "newest"
			if !v.last {
				where = "oldest"
			}
			out = append(out, limitStack{
				name: fmt.Sprintf("%s, %d, kind filter %s", k.name, v.total, where), kind: k, total: v.total,
				layout: strings.Join(layout, " + "), progs: progs, want: want,
			})
		}
	}
	return out
}

// limitPart asks for the verdict on every limitStack.
func limitPart(ctx context.Context, s *side, stacks []limitStack) error {
	for _, ls := range stacks {
		v, err := s.k.Verdict(ctx, ls.progs)
		if err != nil {
			return fmt.Errorf("%s: %w", ls.name, err)
		}
		s.answer("path limit "+ls.name, verdictAnswer(v))
		for _, d := range live.CompareVerdicts(ls.want, v) {
			s.find("path limit", "%s: %s; stack (oldest first) %s = %d; kind unit %s", ls.name, d, ls.layout, ls.total, fuzz.Hex(ls.kind.unit))
		}
		if v.Denied {
			s.find("path limit", "%s: the stack refused its own seccomp(2): %v", ls.name, v)
		}
	}
	return nil
}

// guard lets seccomp(2) through before p, so that a filter of a random
// stack never answers the call that installs the next one: ld [0]; jeq
// #seccomp, 0, 1; ret #ALLOW; ld #0 (A as p expects it); p.
func guard(p program.Program) program.Program {
	g := program.Program{stmt(program.LdAbsW, 0), jmp(program.JeqK, unix.SYS_SECCOMP, 0, 1), retAllow, stmt(program.LdImm, 0)}
	return append(g, p...)
}

// randomStack is a stack of 2 to 4 generated filters, all but the newest
// guarded.
type randomStack struct {
	progs []program.Program
}

func randomStacks(n int) []randomStack {
	gen := fuzz.NewGenerator(7)
	var out []randomStack
	for i := range n {
		var rs randomStack
		depth := 2 + i%3
		for j := range depth {
			var p program.Program
			switch gen.Intn(10) {
			case 0:
				p = gen.Invalid()
			case 1, 2:
				p = gen.Arith()
			case 3, 4:
				p = gen.Mutate(gen.Valid())
			default:
				p = gen.Valid()
			}
			if j < depth-1 {
				p = guard(p)
			}
			rs.progs = append(rs.progs, p)
		}
		out = append(out, rs)
	}
	return out
}

// evalStack is a stack to evaluate (kernel.EvalStack) and its inputs.
type evalStack struct {
	name  string
	progs []program.Program
	in    []seccompdata.Data
}

// evalStacks stacks the real filters in pairs (each on top of the one
// before it in the directory) and generated programs in twos and threes,
// with inputs drawn for each of their filters.
func evalStacks(real []realFilter, n int) []evalStack {
	gen := fuzz.NewGenerator(8)
	var out []evalStack
	const inputs = 200
	add := func(name string, progs []program.Program) {
		var in []seccompdata.Data
		for _, p := range progs {
			in = append(in, gen.Inputs(p, inputs/len(progs))...)
		}
		out = append(out, evalStack{name, progs, withI386(in, 4)})
	}
	for i := 0; i+1 < len(real) && len(out) < n; i++ {
		a, b := real[i], real[(i+1)%len(real)]
		add(a.name+" then "+b.name, []program.Program{a.p, b.p})
	}
	for i := 0; len(out) < n; i++ {
		var progs []program.Program
		for j := range 2 + i%2 {
			if j%2 == 1 {
				progs = append(progs, gen.Arith())
			} else {
				progs = append(progs, gen.Valid())
			}
		}
		add(fmt.Sprintf("generated %d", i), progs)
	}
	return out
}

func hexes(progs []program.Program) string {
	var hs []string
	for _, p := range progs {
		if len(p) > 64 {
			hs = append(hs, fmt.Sprintf("(%d instructions)", len(p)))
			continue
		}
		hs = append(hs, fuzz.Hex(p))
	}
	return strings.Join(hs, " ")
}

// stackPart asks for the verdicts on the random stacks (against
// verifier.CheckStack) and evaluates the eval stacks (kernel.EvalStack
// against vm.Stack).
func stackPart(ctx context.Context, s *side, stacks []randomStack, evals []evalStack) error {
	for i, rs := range stacks {
		v, err := s.k.Verdict(ctx, rs.progs)
		if err != nil {
			return fmt.Errorf("stack %d: %w", i, err)
		}
		s.answer(fmt.Sprintf("stack %d", i), verdictAnswer(v))
		ours := ourVerdict(rs.progs)
		for _, d := range live.CompareVerdicts(ours, v) {
			s.find("stacks", "stack %d: %s; filters (oldest first) %s", i, d, hexes(rs.progs))
		}
		if v.Denied {
			s.find("stacks", "stack %d: a guarded filter answered seccomp(2): %v; filters %s", i, v, hexes(rs.progs))
		}
	}
	for i, es := range evals {
		res, err := kernel.EvalStack(ctx, s.k, es.progs, es.in)
		var rej *kernel.RejectedError
		if errors.As(err, &rej) {
			s.answer(fmt.Sprintf("eval stack %d", i), "rejected: "+rej.Verdict.String())
			if ours := ourVerdict(es.progs); ours.Accepted {
				s.find("stack eval", "%s: the kernel rejects a filter (%v), the verifier accepts them all; filters %s", es.name, err, hexes(es.progs))
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("eval stack %s: %w", es.name, err)
		}
		stack := make(vm.Stack, len(es.progs))
		for j, p := range es.progs {
			if stack[j], err = vm.Compile(p, verifier.Seccomp); err != nil {
				s.find("stack eval", "%s: the kernel accepts filter %d and the vm refuses it: %v", es.name, j, err)
				break
			}
		}
		if err != nil {
			continue
		}
		rets := make([]uint32, len(es.progs))
		for j, r := range res {
			if !r.Known {
				s.answer(fmt.Sprintf("eval stack %d input %d", i, j), "missing: "+strings.Join(r.Missing, "; "))
				continue
			}
			s.answer(fmt.Sprintf("eval stack %d input %d", i, j), fmt.Sprintf("%#08x from %d of %#x %v", r.Ret, r.Filter, r.Rets, r.Methods))
			w := es.in[j].Words(binary.LittleEndian)
			ret, _ := stack.RunEach(&w, rets)
			for _, d := range live.CompareRets(ret, rets, r.Ret, r.Rets) {
				s.find("stack eval", "%s: %s, input %+v; filters %s", es.name, d, es.in[j], hexes(es.progs))
			}
		}
	}
	return nil
}
