package bench

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	xbpf "golang.org/x/net/bpf"
	gbpf "gvisor.dev/gvisor/pkg/bpf"

	"github.com/bpfsim/bpfsim/vm"
)

const mixPath = "testdata/syscall-mix.txt"

var corpusDir = filepath.Join("..", "corpus", "filters")

type fixture struct {
	filter Filter
	sets   []*Set
	worst  string // how the worst case was found
}

var (
	fixturesOnce sync.Once
	fixturesVal  []fixture
	fixturesErr  error
)

// fixtures reads the filters and builds their input sets once per test
// binary; the worst-case search traces every syscall of three arches.
func fixtures(tb testing.TB) []fixture {
	tb.Helper()
	fixturesOnce.Do(func() {
		filters, err := Filters(corpusDir)
		if err != nil {
			fixturesErr = err
			return
		}
		for _, f := range filters {
			sets, err := Sets(f.VM, mixPath)
			if err != nil {
				fixturesErr = err
				return
			}
			_, n, desc := WorstInput(f.VM)
			fixturesVal = append(fixturesVal, fixture{f, sets, fmt.Sprintf("%s, %d instructions", desc, n)})
		}
	})
	if fixturesErr != nil {
		tb.Fatal(fixturesErr)
	}
	return fixturesVal
}

// sink keeps the compiler from discarding the evaluations.
var sink uint32

// BenchmarkSideBySide runs every implementation on every filter and input
// set. One op is one evaluation; the loop cycles through the set's inputs
// in order, so ns/op is ns/eval and allocs/op is allocs/eval.
func BenchmarkSideBySide(b *testing.B) {
	for _, fx := range fixtures(b) {
		// Read by cmd/benchtable as a note under the table.
		fmt.Printf("# worst %s: %s\n", fx.filter.Name, fx.worst)
		xvm, err := XNetVM(fx.filter.Prog)
		if err != nil {
			b.Fatal(err)
		}
		gp, err := GVisorProgram(fx.filter.Prog)
		if err != nil {
			b.Fatal(err)
		}
		f := fx.filter.VM
		for _, s := range fx.sets {
			prefix := fx.filter.Name + "/" + s.Name + "/"
			b.Run(prefix+"bpfsim", func(b *testing.B) { benchFast(b, f, s) })
			b.Run(prefix+"bpfsim-plain", func(b *testing.B) { benchPlain(b, f, s) })
			b.Run(prefix+"xnetbpf", func(b *testing.B) { benchXNet(b, xvm, s) })
			b.Run(prefix+"gvisor", func(b *testing.B) { benchGVisor(b, gp, s) })
		}
	}
}

func benchFast(b *testing.B, f *vm.Filter, s *Set) {
	b.ReportAllocs()
	var r uint32
	i, n := 0, len(s.Words)
	for b.Loop() {
		r += f.RunSeccomp(&s.Words[i])
		if i++; i == n {
			i = 0
		}
	}
	sink += r
	report(b, s)
}

func benchPlain(b *testing.B, f *vm.Filter, s *Set) {
	b.ReportAllocs()
	var r uint32
	i, n := 0, len(s.Words)
	for b.Loop() {
		r += f.RunSeccompPlain(&s.Words[i])
		if i++; i == n {
			i = 0
		}
	}
	sink += r
	report(b, s)
}

func benchXNet(b *testing.B, xvm *xbpf.VM, s *Set) {
	b.ReportAllocs()
	var r int
	i, n := 0, len(s.Words)
	for b.Loop() {
		v, _ := xvm.Run(s.BE[64*i : 64*i+64])
		r += v
		if i++; i == n {
			i = 0
		}
	}
	sink += uint32(r)
	report(b, s)
}

func benchGVisor(b *testing.B, gp gbpf.Program, s *Set) {
	b.ReportAllocs()
	var r uint32
	i, n := 0, len(s.Words)
	for b.Loop() {
		v, _ := gbpf.Exec[gbpf.NativeEndian](gp, s.Native[64*i:64*i+64])
		r += v
		if i++; i == n {
			i = 0
		}
	}
	sink += r
	report(b, s)
}

// report adds ns/eval, ns per executed instruction of the original program
// and the mean executed instructions per evaluation. After b.Loop, b.N is
// the number of evaluations that ran.
func report(b *testing.B, s *Set) {
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/float64(b.N), "ns/eval")
	b.ReportMetric(ns/float64(s.Executed(b.N)), "ns/insn")
	b.ReportMetric(s.MeanSteps(), "insns/eval")
}

// TestAgree: every implementation returns the same value on every input
// of every set, so the benchmarks compare the same work.
func TestAgree(t *testing.T) {
	for _, fx := range fixtures(t) {
		runners, err := Runners(fx.filter)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: worst input %s", fx.filter.Name, fx.worst)
		for _, s := range fx.sets {
			for i := range s.Words {
				want := fx.filter.VM.TraceSeccomp(&s.Words[i], func(vm.Step) {})
				for _, name := range Implementations {
					got, err := runners[name](s, i)
					if err != nil || got != want {
						t.Errorf("%s/%s input %d (%+v): %s gives %#x, %v; the trace %#x",
							fx.filter.Name, s.Name, i, s.Inputs[i], name, got, err, want)
					}
				}
			}
		}
	}
}

// TestNoAllocs: bpfsim's two paths do not allocate.
func TestNoAllocs(t *testing.T) {
	fx := fixtures(t)[0]
	w := &fx.sets[0].Words[0]
	f := fx.filter.VM
	if n := testing.AllocsPerRun(100, func() { sink += f.RunSeccomp(w) }); n != 0 {
		t.Errorf("RunSeccomp: %v allocs per run", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink += f.RunSeccompPlain(w) }); n != 0 {
		t.Errorf("RunSeccompPlain: %v allocs per run", n)
	}
}

// TestSets checks the shape of the input sets: 1,000 mix and random
// inputs, denied calls in the mix, one worst case at least as long as any
// other input.
func TestSets(t *testing.T) {
	for _, fx := range fixtures(t) {
		byName := map[string]*Set{}
		for _, s := range fx.sets {
			byName[s.Name] = s
		}
		mix, worst, random := byName["mix"], byName["worst"], byName["random"]
		if len(mix.Inputs) != 1000 || len(random.Inputs) != 1000 || len(worst.Inputs) != 1 {
			t.Fatalf("%s: %d mix, %d random, %d worst inputs", fx.filter.Name, len(mix.Inputs), len(random.Inputs), len(worst.Inputs))
		}
		for _, s := range []*Set{mix, random} {
			for i, n := range s.Steps {
				if n > worst.Steps[0] {
					t.Errorf("%s: %s input %d runs %d instructions, more than the worst case's %d",
						fx.filter.Name, s.Name, i, n, worst.Steps[0])
				}
			}
		}
		if got, want := mix.Executed(2500), 2*mix.prefix[1000]+mix.prefix[500]; got != want {
			t.Errorf("Executed(2500) = %d, want %d", got, want)
		}
		t.Logf("%s: mean instructions: mix %.1f, random %.1f, worst %d",
			fx.filter.Name, mix.MeanSteps(), random.MeanSteps(), worst.Steps[0])
	}
	// The denied calls sit at 100, 300, ... and the hardened filters
	// refuse them: OpenSSH's pre-auth sandbox allows none of them.
	fx := fixtures(t)[2]
	if fx.filter.Name != "openssh" {
		t.Fatalf("filter 2 is %s", fx.filter.Name)
	}
	mix := fx.sets[0]
	for k := range deniedCalls {
		i := 100 + 200*k
		if r := fx.filter.VM.RunSeccomp(&mix.Words[i]); r == 0x7fff0000 {
			t.Errorf("openssh allows input %d (%s)", i, deniedCalls[k].name)
		}
	}
}
