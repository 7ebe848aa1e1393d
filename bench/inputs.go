package bench

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// Filter is one corpus filter, compiled for bpfsim.
type Filter struct {
	Name string // the short name used in benchmark names
	File string // the file in corpus/filters
	Prog program.Program
	VM   *vm.Filter
}

// corpusFilters are the filters compared, by short name.
var corpusFilters = []struct{ name, file string }{
	{"docker", "docker-default_x86_64.bpf"},
	{"docker-3arch", "docker-default_x86_64+x86+x32.bpf"},
	{"openssh", "openssh-server_9.2p1-2+deb12u10_preauth.bpf"},
	{"qemu", "qemu-system-x86_7.2_sandbox-on.bpf"},
}

// Filters reads and compiles the compared filters from dir (corpus/filters).
func Filters(dir string) ([]Filter, error) {
	var out []Filter
	for _, c := range corpusFilters {
		p, _, err := program.ReadFile(filepath.Join(dir, c.file), program.DecodeOptions{Format: program.FormatRaw})
		if err != nil {
			return nil, err
		}
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.file, err)
		}
		out = append(out, Filter{Name: c.name, File: c.file, Prog: p, VM: f})
	}
	return out, nil
}

// Set is one input set as every implementation consumes it, with the
// executed instruction counts of one filter.
type Set struct {
	Name   string
	Inputs []seccompdata.Data
	// Words are the inputs as bpfsim reads them (x86_64 is little-endian:
	// the low half of each 64-bit field first).
	Words [][16]uint32
	// BE is Words laid out for x/net/bpf, whose loads are big-endian: each
	// word written big-endian, 64 bytes per input.
	BE []byte
	// Native is Words laid out as the kernel lays out seccomp_data, each
	// word in the host's byte order, 64 bytes per input (gVisor's
	// Exec[NativeEndian] reads it back as Words).
	Native []byte
	// Steps[i] is the number of instructions the filter executes on input
	// i; prefix[i] is the sum of Steps[:i].
	Steps  []int
	prefix []int
}

// NewSet lays out inputs for every implementation and counts the
// instructions f executes on each (outside any timed loop).
func NewSet(name string, f *vm.Filter, inputs []seccompdata.Data) *Set {
	s := &Set{Name: name, Inputs: inputs}
	s.Words = make([][16]uint32, len(inputs))
	s.BE = make([]byte, 0, seccompdata.Size*len(inputs))
	s.Native = make([]byte, 0, seccompdata.Size*len(inputs))
	s.Steps = make([]int, len(inputs))
	s.prefix = make([]int, len(inputs)+1)
	for i := range inputs {
		w := inputs[i].Words(binary.LittleEndian)
		s.Words[i] = w
		for _, v := range w {
			s.BE = binary.BigEndian.AppendUint32(s.BE, v)
			s.Native = binary.NativeEndian.AppendUint32(s.Native, v)
		}
		s.Steps[i] = Steps(f, &w)
		s.prefix[i+1] = s.prefix[i] + s.Steps[i]
	}
	return s
}

// Executed returns the number of instructions executed by n evaluations
// that cycle through the set from its first input.
func (s *Set) Executed(n int) int {
	k := len(s.Steps)
	return n/k*s.prefix[k] + s.prefix[n%k]
}

// MeanSteps is the mean number of executed instructions per input.
func (s *Set) MeanSteps() float64 {
	return float64(s.prefix[len(s.Steps)]) / float64(len(s.Steps))
}

// Steps returns the number of instructions f executes on w.
func Steps(f *vm.Filter, w *[16]uint32) int {
	n := 0
	f.TraceSeccomp(w, func(vm.Step) { n++ })
	return n
}

// Sets returns the input sets for f: the recorded mix (read from mixPath),
// f's worst case, and the random inputs.
func Sets(f *vm.Filter, mixPath string) ([]*Set, error) {
	mix, err := MixInputs(mixPath)
	if err != nil {
		return nil, err
	}
	worst, _, _ := WorstInput(f)
	return []*Set{
		NewSet("mix", f, mix),
		NewSet("worst", f, []seccompdata.Data{worst}),
		NewSet("random", f, RandomInputs(1000)),
	}, nil
}

// deniedCalls are mixed into the recorded syscall mix: calls a server
// does not make and the hardened filters refuse (Docker's profile allows
// ptrace on kernels from 4.8 on, the others kill or fail it).
var deniedCalls = []struct {
	name string
	args [6]uint64
}{
	{"ptrace", [6]uint64{16, 1234}}, // PTRACE_ATTACH
	{"kexec_load", [6]uint64{}},
	{"mount", [6]uint64{0x7ffd6f8a5000, 0x7ffd6f8a5100, 0, 0x1000}}, // MS_BIND
	{"bpf", [6]uint64{5, 0x7ffd6f8a5200, 0x90}},                     // BPF_PROG_LOAD
	{"reboot", [6]uint64{0xfee1dead, 0x28121969, 0x01234567}},       // LINUX_REBOOT_CMD_RESTART
}

// MixInputs returns 1,000 x86_64 inputs: the 995 calls of the recorded
// server syscall mix in path (testdata/syscall-mix.txt, whose header says
// how it was recorded and sampled), in trace order, with the 5 deniedCalls
// at positions 100, 300, 500, 700 and 900.
func MixInputs(path string) ([]seccompdata.Data, error) {
	x86, err := seccompdata.LookupArch("x86_64")
	if err != nil {
		return nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data := func(name string, args [6]uint64) (seccompdata.Data, error) {
		nr, ok := x86.SyscallNumber(name)
		if !ok {
			return seccompdata.Data{}, fmt.Errorf("no x86_64 syscall %q", name)
		}
		return seccompdata.Data{Nr: nr, Arch: x86.Audit, InstructionPointer: 0x7f7c66a3c000, Args: args}, nil
	}
	var out []seccompdata.Data
	sc := bufio.NewScanner(fh)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if k := (len(out) - 100) / 200; len(out) >= 100 && (len(out)-100)%200 == 0 && k < len(deniedCalls) {
			d, err := data(deniedCalls[k].name, deniedCalls[k].args)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		fields := strings.Fields(text)
		if len(fields) > 7 {
			return nil, fmt.Errorf("%s:%d: more than 6 arguments", path, line)
		}
		var args [6]uint64
		for i, s := range fields[1:] {
			v, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, line, err)
			}
			args[i] = v
		}
		d, err := data(fields[0], args)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) != 1000 {
		return nil, fmt.Errorf("%s: %d inputs with the denied calls, want 1000", path, len(out))
	}
	return out, nil
}

// argVariants are the argument vectors the worst-case search tries with
// every syscall number, with the words that describe them.
var argVariants = []struct {
	desc string
	args [6]uint64
}{
	{"args 0", [6]uint64{}},
	{"args 1..6", [6]uint64{1, 2, 3, 4, 5, 6}},
	{"args all ones", [6]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}},
	{"args 0xffffffff", [6]uint64{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
	{"args 0xffffffff00000000", [6]uint64{0xffffffff00000000, 0xffffffff00000000, 0xffffffff00000000,
		0xffffffff00000000, 0xffffffff00000000, 0xffffffff00000000}},
}

// WorstInput returns the input on which f executes the most instructions
// among every syscall number of the x86_64, i386 and x32 tables, each with
// every argVariants entry; the first found wins a tie. It also returns the
// count and a description.
func WorstInput(f *vm.Filter) (seccompdata.Data, int, string) {
	var best seccompdata.Data
	bestN, desc := -1, ""
	for _, name := range []string{"x86_64", "i386", "x32"} {
		a, err := seccompdata.LookupArch(name)
		if err != nil {
			panic(err) // the arch table is bpfsim's own
		}
		for _, sc := range a.Syscalls() {
			for _, v := range argVariants {
				d := seccompdata.Data{Nr: sc.Nr, Arch: a.Audit, InstructionPointer: 0x7f7c66a3c000, Args: v.args}
				w := d.Words(binary.LittleEndian)
				if n := Steps(f, &w); n > bestN {
					best, bestN = d, n
					desc = fmt.Sprintf("%s %s (%#x), %s", name, sc.Name, uint32(sc.Nr), v.desc)
				}
			}
		}
	}
	return best, bestN, desc
}

// RandomInputs returns n pseudo-random inputs from a fixed seed, so every
// run sees the same ones: 80% x86_64 with nr below 512, 8% x32 (nr below
// 548 with the x32 bit), 8% i386 (nr below 463), 4% a random arch word
// and nr; each argument is a byte (half of the time), a random 32-bit value
// or a random 64-bit value, and the instruction pointer is random.
func RandomInputs(n int) []seccompdata.Data {
	rng := rand.New(rand.NewPCG(0x5ecc0, 0xbe4c4))
	out := make([]seccompdata.Data, n)
	for i := range out {
		d := &out[i]
		switch r := rng.IntN(100); {
		case r < 80:
			d.Arch, d.Nr = seccompdata.AuditArchX86_64, int32(rng.IntN(512))
		case r < 88:
			d.Arch, d.Nr = seccompdata.AuditArchX86_64, int32(seccompdata.X32SyscallBit|rng.IntN(548))
		case r < 96:
			d.Arch, d.Nr = seccompdata.AuditArchI386, int32(rng.IntN(463))
		default:
			d.Arch, d.Nr = rng.Uint32(), int32(rng.Uint32())
		}
		d.InstructionPointer = rng.Uint64()
		for j := range d.Args {
			switch rng.IntN(4) {
			case 0, 1:
				d.Args[j] = uint64(rng.IntN(256))
			case 2:
				d.Args[j] = uint64(rng.Uint32())
			default:
				d.Args[j] = rng.Uint64()
			}
		}
	}
	return out
}
