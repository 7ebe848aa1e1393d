package goseccompbpf_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strconv"
	"testing"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"

	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// policies is the number of random policies TestGoSeccompBPF checks.
var policies = flag.Int("policies", 300, "number of random go-seccomp-bpf policies TestGoSeccompBPF checks")

func TestMain(m *testing.M) { kerneltest.Main(m) }

// liveOracle returns the process's oracle, or nil when the kernel cannot
// install seccomp filters (the kernel checks are then skipped, the
// reference check still runs).
func liveOracle(t testing.TB) *kernel.Oracle {
	t.Helper()
	if kerneltest.Unusable() != nil {
		return nil
	}
	return kerneltest.Shared(t)
}

const (
	auditX86_64 = seccompdata.AuditArchX86_64
	x32Bit      = 0x40000000
	enosys      = 38
	eperm       = 1
)

var x86, _ = seccompdata.LookupArch("x86_64")

var actions = []seccomp.Action{seccomp.ActionKillThread, seccomp.ActionKillProcess, seccomp.ActionTrap,
	seccomp.ActionErrno, seccomp.ActionTrace, seccomp.ActionLog, seccomp.ActionAllow, seccomp.ActionUserNotify}

// policyGen draws go-seccomp-bpf policies from a fuzz.Generator: syscall
// names from the x86_64 table (a few small numbers often, so that they
// collide with argument values), conditions of every operation with values
// built from edge words and syscall numbers, and every action (the default
// action only among those its Validate accepts).
type policyGen struct {
	g *fuzz.Generator
	// calls are the x86_64 syscalls go-seccomp-bpf's own table knows
	// (Linux 6.15): bpfsim's is newer (uprobe, file_getattr, file_setattr,
	// listns, rseq_slice_yield).
	calls []seccompdata.Syscall
}

func newPolicyGen(g *fuzz.Generator) *policyGen {
	r := &policyGen{g: g}
	for _, s := range x86.Syscalls() {
		if _, ok := arch.X86_64.SyscallNames[s.Name]; ok {
			r.calls = append(r.calls, s)
		}
	}
	return r
}

func (r *policyGen) name() string {
	if r.g.Intn(3) == 0 {
		return r.calls[r.g.Intn(16)].Name // numbers 0..15
	}
	return r.calls[r.g.Intn(len(r.calls))].Name
}

func (r *policyGen) word() uint32 {
	switch r.g.Intn(5) {
	case 0:
		return uint32(r.g.Intn(16))
	case 1:
		return uint32(r.calls[r.g.Intn(len(r.calls))].Nr)
	case 2:
		return []uint32{0xffffffff, 0x80000000, 0x7fffffff, 1 << 16}[r.g.Intn(4)]
	case 3:
		return r.g.Uint32()
	}
	return 0
}

func (r *policyGen) action() seccomp.Action { return actions[r.g.Intn(len(actions))] }

func (r *policyGen) condition() seccomp.Condition {
	var cd seccomp.Condition
	cd.Argument = uint32(r.g.Intn(6))
	cd.Operation = seccomp.Operations[r.g.Intn(len(seccomp.Operations))]
	cd.Value = uint64(r.word())<<32 | uint64(r.word())
	return cd
}

func (r *policyGen) nameWithConditions() seccomp.NameWithConditions {
	var nc seccomp.NameWithConditions
	nc.Name = r.name()
	nc.Conditions = make(seccomp.ArgumentConditions, 1+r.g.Intn(3))
	for i := range nc.Conditions {
		nc.Conditions[i] = r.condition()
	}
	return nc
}

func (r *policyGen) group() seccomp.SyscallGroup {
	var g seccomp.SyscallGroup
	seen := map[string]bool{}
	n := r.g.Intn(6)
	if r.g.Intn(10) == 0 {
		n = 60 + r.g.Intn(200) // long groups need go-seccomp-bpf's long jumps
	}
	for range n {
		if s := r.name(); !seen[s] {
			seen[s] = true
			g.Names = append(g.Names, s)
		}
	}
	for range r.g.Intn(4) {
		nc := r.nameWithConditions()
		if seen[nc.Name] && !hasConds(&g, nc.Name) {
			continue // "found conditional and unconditional check"
		}
		g.NamesWithCondtions = append(g.NamesWithCondtions, nc)
	}
	g.Action = r.action()
	return g
}

func (r *policyGen) policy() seccomp.Policy {
	var p seccomp.Policy
	p.DefaultAction = actions[r.g.Intn(len(actions)-1)] // not USER_NOTIF: Validate refuses it
	p.Syscalls = make([]seccomp.SyscallGroup, 1+r.g.Intn(4))
	for i := range p.Syscalls {
		p.Syscalls[i] = r.group()
	}
	return p
}

func hasConds(g *seccomp.SyscallGroup, name string) bool {
	for _, nc := range g.NamesWithCondtions {
		if nc.Name == name {
			return true
		}
	}
	return false
}

// ret is the value go-seccomp-bpf returns for an action: ERRNO gets EPERM
// as its data (Program.Ret).
func ret(a seccomp.Action) uint32 {
	if a == seccomp.ActionErrno {
		return uint32(a) | eperm
	}
	return uint32(a)
}

// entry is one syscall of a group with its condition sets (any set whose
// conditions all hold matches), in the order the library emits them.
type entry struct {
	nr   uint32
	sets []seccomp.ArgumentConditions
}

// entries lists g's syscalls as SyscallGroup.Assemble orders them: the
// plain names, then the names with conditions, one entry per name.
func entries(g seccomp.SyscallGroup) []entry {
	var out []entry
	idx := map[uint32]int{}
	for _, n := range g.Names {
		nr, _ := x86.SyscallNumber(n)
		idx[uint32(nr)] = len(out)
		out = append(out, entry{nr: uint32(nr)})
	}
	for _, nc := range g.NamesWithCondtions {
		nr, _ := x86.SyscallNumber(nc.Name)
		if i, ok := idx[uint32(nr)]; ok {
			out[i].sets = append(out[i].sets, nc.Conditions)
			continue
		}
		idx[uint32(nr)] = len(out)
		out = append(out, entry{nr: uint32(nr), sets: []seccomp.ArgumentConditions{nc.Conditions}})
	}
	return out
}

func holds(c seccomp.Condition, d *seccompdata.Data) bool {
	a := d.Args[c.Argument]
	switch c.Operation {
	case seccomp.Equal:
		return a == c.Value
	case seccomp.NotEqual:
		return a != c.Value
	case seccomp.GreaterThan:
		return a > c.Value
	case seccomp.GreaterOrEqual:
		return a >= c.Value
	case seccomp.LessThan:
		return a < c.Value
	case seccomp.LessOrEqual:
		return a <= c.Value
	case seccomp.BitsSet:
		return a&c.Value != 0
	case seccomp.BitsNotSet:
		return a&c.Value == 0
	}
	return false
}

// intended is what the policy means by go-seccomp-bpf's documentation: other
// arches and x32 numbers are refused, then the first group with a matching
// syscall (and, for a syscall with conditions, one set of conditions that
// all hold) decides, else the default action.
func intended(p *seccomp.Policy) func(*seccompdata.Data) uint32 {
	return func(d *seccompdata.Data) uint32 {
		if d.Arch != auditX86_64 {
			return ret(p.DefaultAction)
		}
		if uint32(d.Nr) >= x32Bit {
			return uint32(seccomp.ActionErrno) | enosys
		}
		for _, g := range p.Syscalls {
			for _, e := range entries(g) {
				if e.nr != uint32(d.Nr) {
					continue
				}
				if len(e.sets) == 0 {
					return ret(g.Action)
				}
				for _, set := range e.sets {
					all := true
					for _, c := range set {
						all = all && holds(c, d)
					}
					if all {
						return ret(g.Action)
					}
				}
			}
		}
		return ret(p.DefaultAction)
	}
}

// asBuilt is intended with the accumulator modelled the way the assembled
// filter uses it: nr is loaded once, and the checks of a syscall's
// conditions leave the last argument half they loaded in A, which the
// following syscall comparisons then test as if it were nr.
func asBuilt(p *seccomp.Policy) func(*seccompdata.Data) uint32 {
	return func(d *seccompdata.Data) uint32 {
		if d.Arch != auditX86_64 {
			return ret(p.DefaultAction)
		}
		if uint32(d.Nr) >= x32Bit {
			return uint32(seccomp.ActionErrno) | enosys
		}
		a := uint32(d.Nr)
		for _, g := range p.Syscalls {
			for _, e := range entries(g) {
				if e.nr != a {
					continue
				}
				if len(e.sets) == 0 {
					return ret(g.Action)
				}
				for _, set := range e.sets {
					all := true
					for _, c := range set {
						var ok bool
						a, ok = condAsBuilt(c, d)
						if !ok {
							all = false
							break
						}
					}
					if all {
						return ret(g.Action)
					}
				}
			}
		}
		return ret(p.DefaultAction)
	}
}

// condAsBuilt follows the instructions SyscallWithConditions.Assemble emits
// for c and returns the accumulator they leave and whether c held.
func condAsBuilt(c seccomp.Condition, d *seccompdata.Data) (uint32, bool) {
	arg := d.Args[c.Argument]
	hi, lo := uint32(arg>>32), uint32(arg)
	vh, vl := uint32(c.Value>>32), uint32(c.Value)
	switch c.Operation {
	case seccomp.Equal:
		if hi != vh {
			return hi, false
		}
		return lo, lo == vl
	case seccomp.NotEqual:
		if hi != vh {
			return hi, true
		}
		return lo, lo != vl
	case seccomp.GreaterThan, seccomp.GreaterOrEqual, seccomp.LessThan, seccomp.LessOrEqual:
		gt := c.Operation == seccomp.GreaterThan || c.Operation == seccomp.GreaterOrEqual
		if (gt && hi > vh) || (!gt && hi < vh) {
			return hi, true
		}
		if hi != vh {
			return hi, false
		}
		switch c.Operation {
		case seccomp.GreaterThan:
			return lo, lo > vl
		case seccomp.GreaterOrEqual:
			return lo, lo >= vl
		case seccomp.LessThan:
			return lo, lo < vl
		default:
			return lo, lo <= vl
		}
	case seccomp.BitsSet:
		if hi&vh != 0 {
			return hi, true
		}
		return lo, lo&vl != 0
	case seccomp.BitsNotSet:
		if hi&vh != 0 {
			return hi, false
		}
		return lo, lo&vl == 0
	}
	return 0, false
}

// tally counts what the checks saw.
type tally struct {
	policies, assembleErrors, programs, inputs int
	rejected                                   int // by the kernel
	verdictDiv, evalDiv                        int // bpfsim's bugs
	staleA                                     int // inputs hit by the stale-accumulator bug
	staleAPolicies                             int
	otherRef                                   int // reference divergences not explained
	covered, insns                             int
	first                                      []*fuzz.Divergence
}

// check draws one policy, assembles it and runs every oracle on it.
func check(t testing.TB, o *kernel.Oracle, r *policyGen, n *tally) {
	g := r.g
	pol := r.policy()
	n.policies++
	insns, err := pol.Assemble()
	if err != nil {
		n.assembleErrors++
		return
	}
	raw, err := bpf.Assemble(insns)
	if err != nil {
		t.Fatalf("x/net/bpf cannot assemble go-seccomp-bpf's output: %v", err)
	}
	p := program.Program(raw)
	n.programs++
	keep := func(d *fuzz.Divergence) {
		if len(n.first) < 5 {
			n.first = append(n.first, d)
		}
	}
	if o != nil {
		d, err := fuzz.CheckVerdict(context.Background(), o, p)
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			n.verdictDiv++
			keep(d)
		}
	}
	inputs := g.Inputs(p, 96)
	n.inputs += len(inputs)
	if o != nil {
		ds, err := fuzz.CheckEval(context.Background(), o, p, inputs)
		var rej *kernel.RejectedError
		if errors.As(err, &rej) {
			n.rejected++
			return
		}
		if errors.Is(err, kernel.ErrTooLong) {
			return // the kernel runs it, but its value cannot be read back
		}
		if err != nil {
			t.Fatal(err)
		}
		n.evalDiv += len(ds)
		for _, d := range ds {
			keep(d)
		}
	}
	refDivs, err := fuzz.CheckReference(p, inputs, intended(&pol))
	if err != nil {
		n.rejected++
		return
	}
	built := asBuilt(&pol)
	stale := 0
	for _, d := range refDivs {
		if got, _ := strconv.ParseUint(d.Got, 0, 32); built(&d.Input) == uint32(got) {
			stale++
			continue
		}
		n.otherRef++
		keep(d)
	}
	if stale > 0 {
		n.staleA += stale
		n.staleAPolicies++
	}
	cov, err := fuzz.MeasureCoverage(p, inputs)
	if err == nil {
		n.insns += len(p)
		n.covered += len(p) - len(cov.Uncovered())
	}
}

func report(t testing.TB, n *tally) {
	t.Logf("go-seccomp-bpf v1.6.0: %d policies, %d refused by Assemble, %d programs (%d rejected by the kernel), %d inputs; "+
		"coverage %d of %d instructions; verifier/kernel divergences %d, vm/kernel %d; "+
		"stale-accumulator bug hit %d inputs in %d policies; unexplained reference divergences %d",
		n.policies, n.assembleErrors, n.programs, n.rejected, n.inputs, n.covered, n.insns,
		n.verdictDiv, n.evalDiv, n.staleA, n.staleAPolicies, n.otherRef)
	if n.verdictDiv+n.evalDiv+n.otherRef > 0 || n.rejected > 0 {
		for _, d := range n.first {
			t.Error(d)
		}
		t.Fatalf("divergences found")
	}
}

// TestGoSeccompBPF checks a fixed sequence of random policies.
func TestGoSeccompBPF(t *testing.T) {
	o := liveOracle(t)
	if o == nil {
		t.Log("no seccomp: the kernel checks are skipped")
	}
	r := newPolicyGen(fuzz.NewGenerator(46))
	var n tally
	n2 := *policies
	if testing.Short() {
		n2 = 50
	}
	for range n2 {
		check(t, o, r, &n)
	}
	report(t, &n)
	if n.staleA == 0 {
		t.Error("the stale-accumulator bug of v1.6.0 was not reproduced; has go-seccomp-bpf been fixed? update asBuilt")
	}
}

// FuzzGoSeccompBPF is TestGoSeccompBPF as a native fuzz target: the
// engine's bytes drive the policy and inputs.
func FuzzGoSeccompBPF(f *testing.F) {
	for _, b := range []string{"", "\x00", "\x01\x02\x03\x04\x05\x06\x07\x08", "go-seccomp-bpf"} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newPolicyGen(fuzz.NewGeneratorFromBytes(data))
		var n tally
		check(t, liveOracle(t), r, &n)
		if n.verdictDiv+n.evalDiv+n.otherRef > 0 || n.rejected > 0 {
			report(t, &n)
		}
	})
}

// TestStaleAccumulator is the smallest policy that shows the finding: write
// with fd 1 is logged, read is refused, everything else is allowed. A write
// to fd 0 should be allowed, but the filter compares the fd it loaded (0)
// with read's number (0) and refuses it. The kernel has the last word: the
// test asks it, and checks that the vm agrees with it and that it differs
// from the policy's meaning.
func TestStaleAccumulator(t *testing.T) {
	kerneltest.Require(t)
	o := liveOracle(t)
	pol := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{NamesWithCondtions: []seccomp.NameWithConditions{{Name: "write",
				Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: 1}}}},
				Action: seccomp.ActionLog},
			{Names: []string{"read"}, Action: seccomp.ActionErrno},
		},
	}
	insns, err := pol.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bpf.Assemble(insns)
	if err != nil {
		t.Fatal(err)
	}
	p := program.Program(raw)
	// The corpus keeps this program, with expectations from the kernel.
	kept, _, err := program.ReadFile("../../../corpus/samples/goseccompbpf-stale-accumulator.asm", program.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kept, p) {
		t.Errorf("go-seccomp-bpf now assembles\n%s\nnot the program in the corpus", fuzz.Hex(p))
	}
	for _, tc := range []struct {
		name  string
		in    seccompdata.Data
		stale bool // the kernel's answer differs from the policy's meaning
	}{
		{"write(1): logged", seccompdata.Data{Nr: 1, Arch: auditX86_64, Args: [6]uint64{1}}, false},
		{"write(0): refused as if it were read", seccompdata.Data{Nr: 1, Arch: auditX86_64, Args: [6]uint64{0}}, true},
		{"write(2): allowed", seccompdata.Data{Nr: 1, Arch: auditX86_64, Args: [6]uint64{2}}, false},
		{"write(1<<32): the high half (1) is left in A, and 1 is write, not read", seccompdata.Data{Nr: 1, Arch: auditX86_64, Args: [6]uint64{1 << 32}}, false},
		{"read: refused", seccompdata.Data{Nr: 0, Arch: auditX86_64}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := o.Eval(context.Background(), p, []seccompdata.Data{tc.in})
			if err != nil {
				t.Fatal(err)
			}
			ds, err := fuzz.CheckEval(context.Background(), o, p, []seccompdata.Data{tc.in})
			if err != nil || len(ds) > 0 {
				t.Fatalf("vm and kernel disagree: %v %v", err, ds)
			}
			want := intended(&pol)(&tc.in)
			if got := res[0].Ret; (got != want) != tc.stale {
				t.Errorf("kernel %v, policy means %v, stale=%v", seccompdata.Action(got), seccompdata.Action(want), tc.stale)
			}
			if got, built := res[0].Ret, asBuilt(&pol)(&tc.in); got != built {
				t.Errorf("kernel %v, the model of the bug says %v", seccompdata.Action(got), seccompdata.Action(built))
			}
		})
	}
}
