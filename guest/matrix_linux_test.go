package guest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/corpus"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// The kernel matrix (README, "The kernel matrix"): every cached kernel,
// each in three guests booted side by side, against bpfsim, against
// itself with the JIT off, and against the other kernels.
//
//   - "JIT": net.core.bpf_jit_enable 1, the default command line. The
//     corpus, the verifier/vm differential (verdicts and eval pairs, a
//     quarter of them i386 through int $0x80), the four real filters on
//     generated inputs, the path limit of stacks at its boundary, the
//     outcome of every action, x32 calls with x32 off, and the set of
//     programs the interpreter guest runs too.
//   - "interpreter": bpf_jit_enable 0. The corpus again, the same real
//     filters, path-limit stacks, outcomes and shared set, whose answers
//     must equal the JIT guest's one for one; and random stacks (verdicts
//     against verifier.CheckStack, kernel.EvalStack against vm.Stack).
//   - "x32": syscall.x32=y, for x32 calls for real. It is a guest of its
//     own because the corpus records what an allowed x32 call does with
//     x32 off (-ENOSYS), which x32=y changes.
//
// Every answer of the JIT and interpreter guests is also kept under a
// name (answers), and the same names are compared across kernels at the
// end: any difference between two kernels fails the test, whether or not
// bpfsim is involved. One table sums it up.

// side is one guest of a kernel and what it found.
type side struct {
	kernel, label string
	g             *guest.Guest
	k             *counted
	start         time.Time // when the guest answered its first probe

	mu       sync.Mutex
	findings []finding
	// answers holds every answer that must be the same in the other guest
	// of the kernel and in the same guest of every other kernel, by name.
	answers map[string]string
	// order is the names of answers in the order they were given.
	order []string
	// corpus is the number of corpus entries replayed.
	corpus int
}

// finding is one disagreement: which check, and a line that says what
// was asked and both answers.
type finding struct {
	check, msg string
}

func (s *side) find(check, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.findings = append(s.findings, finding{check, strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")})
}

func (s *side) answer(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.answers[name]; !ok {
		s.order = append(s.order, name)
	}
	s.answers[name] = value
}

// counted counts what is asked of a kernel: round trips by kind, and the
// inputs evaluated.
type counted struct {
	kernel.Kernel
	verdicts, stackVerdicts, evals, pairs, outcomes atomic.Int64
	int80, x32                                      atomic.Int64
}

func (c *counted) Verdict(ctx context.Context, progs []program.Program) (kernel.Verdict, error) {
	if len(progs) == 1 {
		c.verdicts.Add(1)
	} else {
		c.stackVerdicts.Add(1)
	}
	return c.Kernel.Verdict(ctx, progs)
}

func (c *counted) Eval(ctx context.Context, p program.Program, in []seccompdata.Data) ([]kernel.EvalResult, error) {
	res, err := c.Kernel.Eval(ctx, p, in)
	c.evals.Add(1)
	c.pairs.Add(int64(len(res)))
	for i, r := range res {
		if r.Method&kernel.CompatInt80 != 0 {
			c.int80.Add(1)
		}
		if isX32(in[i]) {
			c.x32.Add(1)
		}
	}
	return res, err
}

func (c *counted) Outcome(ctx context.Context, progs []program.Program, call kernel.OutcomeCall, env kernel.OutcomeEnv) (kernel.Observed, error) {
	c.outcomes.Add(1)
	if call.Nr&seccompdata.X32SyscallBit != 0 {
		c.x32.Add(1)
	}
	return c.Kernel.Outcome(ctx, progs, call, env)
}

func (c *counted) roundTrips() int64 {
	return c.verdicts.Load() + c.stackVerdicts.Load() + c.evals.Load() + c.outcomes.Load()
}

// isX32 reports whether d is an x32 call: nr with __X32_SYSCALL_BIT on
// x86_64, which the oracle issues as a real syscall with that number.
func isX32(d seccompdata.Data) bool {
	return d.Arch == seccompdata.AuditArchX86_64 && uint32(d.Nr)&seccompdata.X32SyscallBit != 0
}

// matrixRow is one kernel's line of the table.
type matrixRow struct {
	name, release string
	boots         []time.Duration
	jit           [2]string // bpf_jit_enable as the JIT and interpreter guests hold it
	sides         []*side
	jitPairs      int // answers compared between the JIT and interpreter guests
	jitCompared   bool
	wall          time.Duration // from the start of the boots to the last answer
	busy          time.Duration // after the slowest boot
}

// matrixSets is what every kernel is asked: generated once, the same for
// every kernel and guest.
type matrixSets struct {
	corpus []*corpus.Entry
	// diff is the verifier/vm differential (JIT guest only).
	diffProgs   []program.Program
	diffEvals   []evalBatch
	shared      []program.Program // verdicts in both guests
	sharedEvals []evalBatch       // eval batches in both guests
	real        []realFilter
	limits      []limitStack
	outcomes    []outcomeCase
	stacks      []randomStack
	evalStacks  []evalStack
}

// evalBatch is a program and its inputs.
type evalBatch struct {
	p  program.Program
	in []seccompdata.Data
}

func newMatrixSets(t *testing.T) *matrixSets {
	s := &matrixSets{corpus: corpusEntries(t)}
	nProgs, nPairs := envInt("BPFSIM_MATRIX_PROGRAMS", 1000), envInt("BPFSIM_MATRIX_PAIRS", 10000)
	const perProg = 100
	gen := fuzz.NewGenerator(1)
	for i := range nProgs {
		switch i % 4 {
		case 0:
			s.diffProgs = append(s.diffProgs, gen.Valid())
		case 1:
			s.diffProgs = append(s.diffProgs, gen.Invalid())
		case 2:
			s.diffProgs = append(s.diffProgs, gen.Mutate(gen.Valid()))
		default:
			s.diffProgs = append(s.diffProgs, gen.Arith())
		}
	}
	for n := 0; n < nPairs; n += perProg {
		p := gen.Valid()
		if len(s.diffEvals)%2 == 1 {
			p = gen.Arith()
		}
		s.diffEvals = append(s.diffEvals, evalBatch{p, withI386(gen.Inputs(p, perProg), 4)})
	}
	// The set both guests run (was TestJIT's).
	nShared, nSharedPairs := envInt("BPFSIM_JIT_PROGRAMS", 300), envInt("BPFSIM_JIT_PAIRS", 4000)
	gen = fuzz.NewGenerator(14)
	for i := range nShared {
		switch i % 4 {
		case 0, 2:
			s.shared = append(s.shared, gen.Valid())
		case 1:
			s.shared = append(s.shared, gen.Arith())
		default:
			s.shared = append(s.shared, gen.Mutate(gen.Valid()))
		}
	}
	for n := 0; n < nSharedPairs; n += perProg {
		p := gen.Valid()
		if len(s.sharedEvals)%2 == 1 {
			p = gen.Arith()
		}
		s.sharedEvals = append(s.sharedEvals, evalBatch{p, withI386(gen.Inputs(p, perProg), 4)})
	}
	s.real = realFilters(t, envInt("BPFSIM_MATRIX_REAL_INPUTS", 2000))
	s.limits = limitStacks(t)
	s.outcomes = outcomeCases()
	s.stacks = randomStacks(envInt("BPFSIM_MATRIX_STACKS", 60))
	s.evalStacks = evalStacks(s.real, envInt("BPFSIM_MATRIX_STACK_EVALS", 12))
	return s
}

// withI386 makes every every-th input i386, for the int $0x80 path.
func withI386(in []seccompdata.Data, every int) []seccompdata.Data {
	for j := range in {
		if j%every == 0 {
			in[j].Arch = seccompdata.AuditArchI386
			in[j].Nr &= 0x1ff
		}
	}
	return in
}

// TestMatrix runs the kernel matrix on every cached kernel (see the
// comment above side) and prints its table. It runs when BPFSIM_MATRIX=1
// (it takes minutes under TCG). Sizes: BPFSIM_MATRIX_PROGRAMS (verdicts of
// the differential, default 1,000), BPFSIM_MATRIX_PAIRS (its eval pairs,
// 10,000), BPFSIM_JIT_PROGRAMS and BPFSIM_JIT_PAIRS (the set both guests
// run, 300 and 4,000), BPFSIM_MATRIX_REAL_INPUTS (inputs per real filter,
// 2,000), BPFSIM_MATRIX_STACKS (random stacks, 60), BPFSIM_MATRIX_STACK_EVALS
// (stacks evaluated, 12).
func TestMatrix(t *testing.T) {
	if os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("set BPFSIM_MATRIX=1 to run the kernel matrix (needs QEMU and make kernels)")
	}
	names := testKernels(t)
	sets := newMatrixSets(t)
	var rows []*matrixRow
	for _, name := range names {
		row := &matrixRow{name: name}
		rows = append(rows, row)
		t.Run(name, func(t *testing.T) { runKernel(t, name, sets, row) })
	}
	across := crossKernel(t, rows)
	table := matrixTable(rows, across)
	t.Log(table)
	fmt.Print(table)
}

// guestSpec is one guest of a kernel.
type guestSpec struct {
	label  string
	jit    string
	append []string
}

var guestSpecs = []guestSpec{
	{"JIT", "1", nil},
	{"interpreter", "0", nil},
	{"x32", "1", []string{"syscall.x32=y"}},
}

func runKernel(t *testing.T, name string, sets *matrixSets, row *matrixRow) {
	ctx := context.Background()
	start := time.Now()
	init := staticInit(t)
	sides := make([]*side, len(guestSpecs))
	errs := make([]error, len(guestSpecs))
	var wg sync.WaitGroup
	for i, spec := range guestSpecs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := guest.Open(ctx, guest.Options{Kernel: name, Init: init, JIT: spec.jit, Append: spec.append, Timeout: 120 * time.Second})
			if err != nil {
				errs[i] = fmt.Errorf("%s guest: %w", spec.label, err)
				return
			}
			sides[i] = &side{kernel: name, label: spec.label, g: g, k: &counted{Kernel: g}, start: time.Now(), answers: map[string]string{}}
		}()
	}
	wg.Wait()
	for _, s := range sides {
		if s != nil {
			defer s.g.Close()
		}
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	jit, interp, x32 := sides[0], sides[1], sides[2]
	row.release, row.sides = jit.g.Release, sides
	for _, s := range sides {
		row.boots = append(row.boots, s.g.Boot)
	}
	row.jit = [2]string{jit.g.JIT, interp.g.JIT}
	t.Logf("%s: release %s; booted in %v, %v, %v (%s); bpf_jit_enable asked 1 got %s, asked 0 got %s",
		name, jit.g.Release, jit.g.Boot.Round(time.Millisecond), interp.g.Boot.Round(time.Millisecond), x32.g.Boot.Round(time.Millisecond), jit.g.Accel, jit.g.JIT, interp.g.JIT)
	if jit.g.JIT != "1" {
		t.Fatalf("%s: asked bpf_jit_enable=1, the guest holds %q", name, jit.g.JIT)
	}
	row.jitCompared = interp.g.JIT == "0"
	if !row.jitCompared {
		t.Logf("%s: bpf_jit_enable=0 did not take (the guest holds %q): the kernel forces the JIT (CONFIG_BPF_JIT_ALWAYS_ON), so it has no interpreter to compare; the second guest still runs every check against bpfsim", name, interp.g.JIT)
	}
	busyFrom := time.Now()

	type part struct {
		name string
		run  func(context.Context, *side) error
	}
	common := []part{
		{"corpus", func(ctx context.Context, s *side) error { return corpusPart(ctx, s, sets) }},
		{"shared", func(ctx context.Context, s *side) error { return sharedPart(ctx, s, sets) }},
		{"real filters", func(ctx context.Context, s *side) error { return realPart(ctx, s, sets.real) }},
		{"path limit", func(ctx context.Context, s *side) error { return limitPart(ctx, s, sets.limits) }},
		{"outcomes", func(ctx context.Context, s *side) error { return outcomePart(ctx, s, sets.outcomes) }},
	}
	plans := map[*side][]part{
		jit: append(append([]part{}, common...),
			part{"differential", func(ctx context.Context, s *side) error { return diffPart(ctx, s, sets) }},
			part{"x32 off", func(ctx context.Context, s *side) error { return x32Part(ctx, s, false) }}),
		interp: append(append([]part{}, common...),
			part{"stacks", func(ctx context.Context, s *side) error { return stackPart(ctx, s, sets.stacks, sets.evalStacks) }}),
		x32: {{"x32 on", func(ctx context.Context, s *side) error { return x32Part(ctx, s, true) }}},
	}
	failures := make([]error, len(sides))
	for i, s := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range plans[s] {
				pstart := time.Now()
				if err := p.run(ctx, s); err != nil {
					failures[i] = fmt.Errorf("%s guest, %s: %w", s.label, p.name, err)
					return
				}
				t.Logf("%s, %s guest: %s in %v", name, s.label, p.name, time.Since(pstart).Round(time.Millisecond))
			}
			if s == x32 {
				// Done: give its CPU back to the others.
				s.g.Close()
			}
		}()
	}
	wg.Wait()
	row.wall, row.busy = time.Since(start), time.Since(busyFrom)
	for _, err := range failures {
		if err != nil {
			t.Fatal(err)
		}
	}
	if row.jitCompared {
		row.jitPairs = compareSides(jit, interp, "JIT vs interpreter")
	}
	for _, s := range sides {
		reportFindings(t, name+", "+s.label+" guest", s.findings)
	}
}

// compareSides compares the answers b shares with a, one for one, and
// records each difference as a finding of b; it returns how many it
// compared.
func compareSides(a, b *side, check string) int {
	n := 0
	for _, name := range b.order {
		va, ok := a.answers[name]
		if !ok {
			continue
		}
		n++
		if vb := b.answers[name]; va != vb {
			b.find(check, "%s: %s guest %s; %s guest %s", name, a.label, va, b.label, vb)
		}
	}
	return n
}

// reportFindings fails the test with the first 20 findings of each check.
func reportFindings(t *testing.T, where string, fs []finding) {
	t.Helper()
	shown := map[string]int{}
	for _, f := range fs {
		shown[f.check]++
		switch n := shown[f.check]; {
		case n <= 20:
			t.Errorf("%s: %s: %s", where, f.check, f.msg)
		case n == 21:
			t.Errorf("%s: %s: ... more (see the table)", where, f.check)
		}
	}
}

// crossKernel compares the answers of the same guest across kernels: any
// difference between two kernels is a finding, reported under the
// "across kernels" check of every kernel that is not in the majority. It
// returns how many answers it compared (each answer given by at least two
// kernels counts once).
func crossKernel(t *testing.T, rows []*matrixRow) int {
	compared := 0
	if len(rows) < 2 {
		return 0
	}
	for gi := range guestSpecs {
		var ss []*side
		for _, r := range rows {
			if len(r.sides) > gi {
				ss = append(ss, r.sides[gi])
			}
		}
		if len(ss) < 2 {
			continue
		}
		shown := 0
		for _, name := range ss[0].order {
			vals := map[string][]string{}
			for _, s := range ss {
				if v, ok := s.answers[name]; ok {
					vals[v] = append(vals[v], s.kernel)
				}
			}
			given := 0
			for _, ks := range vals {
				given += len(ks)
			}
			if given >= 2 {
				compared++
			}
			if len(vals) < 2 {
				continue
			}
			var parts []string
			for v, ks := range vals {
				parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(ks, ", "), v))
			}
			sort.Strings(parts)
			msg := fmt.Sprintf("%s guest, %s: %s", ss[0].label, name, strings.Join(parts, "; "))
			// Charge it to the kernels outside the largest group.
			best := 0
			for _, ks := range vals {
				best = max(best, len(ks))
			}
			for _, ks := range vals {
				if len(ks) == best && best*2 > len(ss) {
					continue
				}
				for _, s := range ss {
					for _, k := range ks {
						if s.kernel == k {
							s.find("across kernels", "%s", msg)
						}
					}
				}
			}
			if shown++; shown <= 20 {
				t.Errorf("kernels disagree: %s", msg)
			} else if shown == 21 {
				t.Errorf("kernels disagree: ... more (see the table)")
			}
		}
	}
	return compared
}

// matrixTable is the summary table, a line on the comparison across
// kernels (across answers compared), then the findings by check.
func matrixTable(rows []*matrixRow, across int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n| kernel | release | boot (JIT, interpreter, x32) | verdicts (single + stacks) | eval pairs | int $0x80 cases | x32 cases | interpreter-vs-JIT pairs | outcomes | corpus entries (JIT, interpreter) | disagreements | wall time | round trips/s | eval pairs/s |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	checks := map[string]bool{}
	for _, r := range rows {
		if len(r.sides) == 0 {
			fmt.Fprintf(&b, "| %s | | did not run (see the errors above) | | | | | | | | | | | |\n", r.name)
			continue
		}
		var v, sv, pairs, int80, x32, outs, trips int64
		var boots []string
		var corp []string
		nfind := 0
		for _, s := range r.sides {
			v += s.k.verdicts.Load()
			sv += s.k.stackVerdicts.Load()
			pairs += s.k.pairs.Load()
			int80 += s.k.int80.Load()
			x32 += s.k.x32.Load()
			outs += s.k.outcomes.Load()
			trips += s.k.roundTrips()
			nfind += len(s.findings)
			for _, f := range s.findings {
				checks[f.check] = true
			}
		}
		for _, d := range r.boots {
			boots = append(boots, fmt.Sprintf("%.1f", d.Seconds()))
		}
		for _, s := range r.sides[:2] {
			corp = append(corp, fmt.Sprint(s.corpus))
		}
		jit := thousands(r.jitPairs)
		if !r.jitCompared {
			jit = "JIT forced (" + r.jit[1] + ")"
		}
		secs := r.busy.Seconds()
		fmt.Fprintf(&b, "| %s | %s | %s s | %s + %s | %s | %s | %s | %s | %s | %s | %d | %.0f s | %.0f | %.0f |\n",
			r.name, r.release, strings.Join(boots, ", "), thousands(int(v)), thousands(int(sv)), thousands(int(pairs)),
			thousands(int(int80)), thousands(int(x32)), jit, thousands(int(outs)), strings.Join(corp, ", "), nfind,
			r.wall.Seconds(), float64(trips)/secs, float64(pairs)/secs)
	}
	if len(rows) > 1 {
		fmt.Fprintf(&b, "\nAcross kernels: %s answers compared, each given by the same guest of at least two kernels.\n", thousands(across))
	}
	if len(checks) == 0 {
		b.WriteString("\nNo disagreements: every kernel agrees with bpfsim, with itself with the JIT off, and with the other kernels.\n")
		return b.String()
	}
	var cs []string
	for c := range checks {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	fmt.Fprintf(&b, "\n| kernel | guest | %s |\n|---|---|%s\n", strings.Join(cs, " | "), strings.Repeat("--:|", len(cs)))
	for _, r := range rows {
		for _, s := range r.sides {
			n := map[string]int{}
			for _, f := range s.findings {
				n[f.check]++
			}
			var cells []string
			for _, c := range cs {
				cells = append(cells, strconv.Itoa(n[c]))
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", r.name, s.label, strings.Join(cells, " | "))
		}
	}
	return b.String()
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Instructions and filters the parts share.
var (
	allowK   = uint32(seccompdata.ActAllow)
	ldAllow  = program.Stmt(program.LdImm, allowK)
	retA     = program.Stmt(program.RetA, 0)
	retAllow = program.Stmt(program.RetK, allowK)
)

func stmt(op program.Opcode, k uint32) program.Instruction { return program.Stmt(op, k) }

func jmp(op program.Opcode, k uint32, jt, jf uint8) program.Instruction {
	return program.Jump(op, k, jt, jf)
}

func errnoAct(n uint32) uint32 { return uint32(seccompdata.ActErrno) | n }

// targeted is ld [0]; jeq #nr, 0, 1; ret #act; ret #ALLOW.
func targeted(nr int32, act uint32) program.Program {
	return program.Program{
		stmt(program.LdAbsW, 0), jmp(program.JeqK, uint32(nr), 0, 1),
		stmt(program.RetK, act), retAllow,
	}
}

// outcomeAnswer is o without what changes from run to run (the call
// address, the notification's id and pid, the pid getppid returns, x32
// getppid's included).
func outcomeAnswer(nr int32, o kernel.Observed) string {
	oc := o.Outcome
	if oc.Trap != nil {
		t := *oc.Trap
		t.CallAddr = 0
		oc.Trap = &t
	}
	if oc.Notification != nil {
		n := *oc.Notification
		n.ID, n.Pid, n.Data.InstructionPointer = 0, 0, 0
		oc.Notification = &n
	}
	o.Outcome = oc
	s := o.String()
	if nr&^seccompdata.X32SyscallBit == seccompdata.NrGetppidX86_64 && oc.Returned && oc.Return > 0 && oc.Trap == nil {
		s = strings.Replace(s, fmt.Sprintf("returned %d", oc.Return), "returned a pid", 1)
	}
	return fmt.Sprintf("%s; runs %v", s, oc.Runs)
}

// corpusPart replays every corpus entry (corpus.Replay: the kernel's
// verdict, return values and outcomes against the recorded ones, and the
// recorded ones against the verifier and the vm).
func corpusPart(ctx context.Context, s *side, sets *matrixSets) error {
	for _, e := range sets.corpus {
		for _, d := range corpus.Replay(ctx, e, s.k) {
			s.find("corpus", "%s: %s", filepath.Base(e.Path), d)
		}
		s.corpus++
	}
	return nil
}

// ourVerdict is bpfsim's verdict on a stack (or one program), in the
// kernel's terms.
func ourVerdict(progs []program.Program) kernel.Verdict {
	return live.VerdictOf(verifier.CheckStack(progs))
}

// verdictAnswer is a verdict as answers keep it.
func verdictAnswer(v kernel.Verdict) string {
	if v.Denied {
		return v.String() + " (denied)"
	}
	return v.String()
}

// checkVerdicts asks for the verdict on each program and compares it with
// the verifier's.
func checkVerdicts(ctx context.Context, s *side, key string, progs []program.Program) error {
	for i, p := range progs {
		v, err := s.k.Verdict(ctx, []program.Program{p})
		if err != nil {
			return fmt.Errorf("verdict %d: %w", i, err)
		}
		s.answer(fmt.Sprintf("%s verdict %d", key, i), verdictAnswer(v))
		ours := ourVerdict([]program.Program{p})
		for _, d := range live.CompareVerdicts(ours, v) {
			reason := ""
			if err := verifier.Check(p, verifier.Seccomp); err != nil {
				reason = " (" + err.Error() + ")"
			}
			s.find("verdicts", "%s program %d: %s%s; program %s", key, i, d, reason, fuzz.Hex(p))
		}
	}
	return nil
}

// checkEvals evaluates each batch and compares every return value with
// the vm's.
func checkEvals(ctx context.Context, s *side, key string, batches []evalBatch) error {
	for i, b := range batches {
		res, err := s.k.Eval(ctx, b.p, b.in)
		var tl *kernel.TooLongError
		var rej *kernel.RejectedError
		switch {
		case errors.As(err, &tl):
			s.answer(fmt.Sprintf("%s eval %d", key, i), "too long")
			continue
		case errors.As(err, &rej):
			s.answer(fmt.Sprintf("%s eval %d", key, i), "rejected: "+rej.Verdict.String())
			if ours := ourVerdict([]program.Program{b.p}); ours.Accepted {
				s.find("eval", "%s program %d: the kernel rejects it (%v), the verifier accepts it; program %s", key, i, rej.Verdict, fuzz.Hex(b.p))
			}
			continue
		case err != nil:
			return fmt.Errorf("eval %d: %w", i, err)
		}
		s.answer(fmt.Sprintf("%s eval %d", key, i), "evaluated")
		f, err := vm.Compile(b.p, verifier.Seccomp)
		if err != nil {
			s.find("eval", "%s program %d: the kernel accepts it and the vm refuses it: %v; program %s", key, i, err, fuzz.Hex(b.p))
			continue
		}
		for j, r := range res {
			s.answer(fmt.Sprintf("%s eval %d input %d", key, i, j), evalAnswer(r))
			w := b.in[j].Words(binary.LittleEndian)
			if got := f.RunSeccomp(&w); got != r.Ret {
				s.find("eval", "%s program %d: kernel %#x (%v), vm %#x, input %+v, program %s", key, i, r.Ret, r.Method, got, b.in[j], fuzz.Hex(b.p))
			}
		}
	}
	return nil
}

func evalAnswer(r kernel.EvalResult) string {
	s := fmt.Sprintf("%#08x %v", r.Ret, r.Method)
	if r.Killed {
		s += " killed"
	}
	return s
}

// diffPart is the verifier/vm differential: generated programs' verdicts
// and generated inputs' return values.
func diffPart(ctx context.Context, s *side, sets *matrixSets) error {
	if err := checkVerdicts(ctx, s, "differential", sets.diffProgs); err != nil {
		return err
	}
	return checkEvals(ctx, s, "differential", sets.diffEvals)
}

// sharedPart is the set both guests run (the interpreter against the JIT).
func sharedPart(ctx context.Context, s *side, sets *matrixSets) error {
	if err := checkVerdicts(ctx, s, "shared", sets.shared); err != nil {
		return err
	}
	return checkEvals(ctx, s, "shared", sets.sharedEvals)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func corpusEntries(t *testing.T) []*corpus.Entry {
	var files []string
	for _, pat := range []string{"../corpus/*/*.expect.json", "../corpus/*/*/*.expect.json"} {
		f, _ := filepath.Glob(pat)
		files = append(files, f...)
	}
	var es []*corpus.Entry
	for _, f := range files {
		e, err := corpus.ReadEntry(f)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}
