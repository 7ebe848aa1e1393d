package kernel_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"github.com/bpfsim/bpfsim/kernel"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

func hexProgram(p program.Program) string {
	b := make([]byte, 8*len(p))
	for i, ins := range p {
		binary.LittleEndian.PutUint16(b[8*i:], ins.Op)
		b[8*i+2], b[8*i+3] = ins.Jt, ins.Jf
		binary.LittleEndian.PutUint32(b[8*i+4:], ins.K)
	}
	return hex.EncodeToString(b)
}

var interesting = []uint64{0, 1, 2, 3, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0x20000, 0x10000000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0xffffffff00000000, 0x7fffffffffffffff, 1 << 63, ^uint64(0)}

func genInput(r *rand.Rand) seccompdata.Data {
	d := seccompdata.Data{Arch: archX86_64}
	switch r.IntN(10) {
	case 0:
		d.Nr = int32(seccompdata.X32SyscallBit + r.IntN(600))
	case 1:
		d.Nr = int32(r.Uint32())
	case 2:
		d.Nr = []int32{-1, 335, 336, 0x7fffffff}[r.IntN(4)]
	default:
		d.Nr = int32(r.IntN(470))
	}
	switch r.IntN(20) {
	case 0:
		d.Arch = archI386
	case 1:
		d.Arch = r.Uint32()
	}
	if r.IntN(4) == 0 {
		d.InstructionPointer = []uint64{0, 0x401000, 0x7fff12345678, ^uint64(0)}[r.IntN(4)]
	}
	for i := range d.Args {
		switch r.IntN(3) {
		case 0:
			d.Args[i] = interesting[r.IntN(len(interesting))]
		case 1:
			d.Args[i] = r.Uint64()
		}
	}
	return d
}

// diffEval compares the vm with the kernel for p on inputs; it returns
// the number of pairs compared.
func diffEval(t *testing.T, o *kernel.Oracle, name string, p program.Program, inputs []seccompdata.Data) int {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatalf("%s: vm.Compile: %v\nprogram %s", name, err, hexProgram(p))
	}
	res, err := o.Eval(p, inputs)
	if err != nil {
		t.Fatalf("%s: Eval: %v\nprogram %s", name, err, hexProgram(p))
	}
	bad := 0
	for i := range inputs {
		w := inputs[i].Words(binary.LittleEndian)
		if got := f.RunSeccomp(&w); got != res[i].Ret {
			bad++
			if bad <= 5 {
				t.Errorf("%s: input %+v: vm %#x, kernel %#x (%v, killed %v)\nprogram %s", name, inputs[i], got, res[i].Ret, res[i].Method, res[i].Killed, hexProgram(p))
			}
		}
	}
	return len(inputs)
}

func TestDiffCorpusEval(t *testing.T) {
	o := openOracle(t)
	r := rand.New(rand.NewPCG(1, 2))
	filters := corpusFilters(t)
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	sort.Strings(names)
	pairs := 0
	for _, name := range names {
		for range 25 {
			inputs := make([]seccompdata.Data, 1000)
			for i := range inputs {
				inputs[i] = genInput(r)
			}
			pairs += diffEval(t, o, name, filters[name], inputs)
		}
	}
	t.Logf("%d (program, input) pairs compared", pairs)
}

// The 41 codes seccomp accepts (kernel-semantics.md §0).
var seccompCodes = []uint16{0x00, 0x20, 0x60, 0x80, 0x01, 0x61, 0x81, 0x02, 0x03,
	0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0xa4, 0xac, 0x84,
	0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x06, 0x16, 0x07, 0x87}

var invalidCodes = []uint16{0x08, 0x0d, 0x0e, 0x0f, 0x12, 0x21, 0x28, 0x30, 0x40, 0x70, 0x8c, 0x94, 0x9c, 0xa0, 0xa1, 0xb0, 0xb1, 0xb2, 0xff, 0x106, 0x8000}

func edgeK(r *rand.Rand, pc, n int) uint32 {
	switch r.IntN(8) {
	case 0:
		return uint32(r.IntN(70))
	case 1:
		return uint32(4 * r.IntN(17))
	case 2:
		return uint32(r.IntN(20)) // scratch index, shift
	case 3:
		return uint32(n - pc - 2 + r.IntN(3)) // ja around the end
	case 4:
		return []uint32{0, 31, 32, 0xffffffff, 0x80000000, 0xfffff000, 0x7fff0000, 0x50001}[r.IntN(8)]
	default:
		return r.Uint32()
	}
}

// genProgram builds a program that is often, but not always, valid.
func genProgram(r *rand.Rand, valid bool) program.Program {
	n := 1 + r.IntN(24)
	p := make(program.Program, n)
	for pc := range p {
		code := seccompCodes[r.IntN(len(seccompCodes))]
		if !valid && r.IntN(40) == 0 {
			code = invalidCodes[r.IntN(len(invalidCodes))]
		}
		ins := program.Instruction{Op: code, K: edgeK(r, pc, n)}
		rest := n - pc - 1
		if program.Class(code) == program.ClassJMP && rest > 0 {
			ins.Jt, ins.Jf = uint8(r.IntN(rest+1)), uint8(r.IntN(rest+1))
			if valid {
				ins.Jt, ins.Jf = uint8(r.IntN(rest)), uint8(r.IntN(rest))
				if code == 0x05 {
					ins.K = uint32(r.IntN(rest))
				}
			}
		}
		if valid {
			switch {
			case code == 0x20:
				ins.K = uint32(4 * r.IntN(16))
			case code == 0x60 || code == 0x61 || code == 0x02 || code == 0x03:
				ins.K = uint32(r.IntN(16))
			case code == 0x64 || code == 0x74:
				ins.K = uint32(r.IntN(32))
			case code == 0x34 && ins.K == 0:
				ins.K = 1
			}
		}
		p[pc] = ins
	}
	if valid || r.IntN(10) != 0 {
		p[n-1] = program.Stmt([]uint16{0x06, 0x16}[r.IntN(2)], edgeK(r, 0, 0))
	}
	return p
}

// mutate changes one field of one instruction of p.
func mutate(r *rand.Rand, p program.Program) program.Program {
	q := append(program.Program(nil), p...)
	i := r.IntN(len(q))
	switch r.IntN(5) {
	case 0:
		q[i].Op = seccompCodes[r.IntN(len(seccompCodes))]
	case 1:
		q[i].Op = invalidCodes[r.IntN(len(invalidCodes))]
	case 2:
		q[i].K = edgeK(r, i, len(q))
	case 3:
		q[i].Jt = uint8(r.IntN(256))
	case 4:
		q = q[:r.IntN(len(q))+1]
	}
	return q
}

func TestDiffVerifierVerdict(t *testing.T) {
	o := openOracle(t)
	r := rand.New(rand.NewPCG(3, 4))
	var progs []program.Program
	for _, c := range verdictCases {
		if len(c.progs) == 1 {
			progs = append(progs, c.progs[0])
		}
	}
	filters := corpusFilters(t)
	for _, f := range filters {
		progs = append(progs, f)
		for range 500 {
			progs = append(progs, mutate(r, f))
		}
	}
	for len(progs) < 12000 {
		progs = append(progs, genProgram(r, r.IntN(3) == 0))
	}
	accepted, bad := 0, 0
	for _, p := range progs {
		v, err := o.Verdict(p)
		if err != nil {
			t.Fatalf("Verdict: %v\nprogram %s", err, hexProgram(p))
		}
		ours := verifier.Check(p, verifier.Seccomp)
		var verr *verifier.Error
		switch {
		case ours == nil && v.Accepted:
			accepted++
			continue
		case ours != nil && !v.Accepted && errors.As(ours, &verr) && verr.Errno == v.Errno:
			continue
		}
		bad++
		if bad <= 10 {
			t.Errorf("kernel %v, verifier %v\nprogram %s", v, ours, hexProgram(p))
		}
	}
	t.Logf("%d programs, %d accepted, %d divergences", len(progs), accepted, bad)
}

func TestDiffGeneratedEval(t *testing.T) {
	o := openOracle(t)
	r := rand.New(rand.NewPCG(5, 6))
	pairs, progs, divx := 0, 0, 0
	for progs < 300 {
		p := genProgram(r, true)
		if verifier.Check(p, verifier.Seccomp) != nil {
			continue
		}
		hasDivX := false
		for _, ins := range p {
			hasDivX = hasDivX || ins.Op == 0x3c
		}
		if hasDivX {
			if divx >= 20 { // each runs in a helper process
				continue
			}
			divx++
		}
		progs++
		inputs := make([]seccompdata.Data, 100)
		for i := range inputs {
			inputs[i] = genInput(r)
		}
		pairs += diffEval(t, o, "generated", p, inputs)
	}
	t.Logf("%d programs (%d with div x), %d pairs", progs, divx, pairs)
}
