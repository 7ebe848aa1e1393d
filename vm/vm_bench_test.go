package vm

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

const auditArchI386 = seccompdata.AuditArchI386

type benchInput struct {
	name string
	data seccompdata.Data
}

// inputNamed returns the bench input called name.
func inputNamed(name string) *seccompdata.Data {
	for i := range benchInputs {
		if benchInputs[i].name == name {
			return &benchInputs[i].data
		}
	}
	panic("no bench input " + name)
}

// benchInputs are x86_64 syscalls chosen to take different paths through
// the corpus filters: early and late allow-list hits, argument checks in
// the Docker profile, the default action and a foreign arch.
var benchInputs = []benchInput{
	{"read", seccompdata.Data{Nr: 0, Arch: seccompdata.AuditArchX86_64, InstructionPointer: 0x7f0000001000, Args: [6]uint64{3, 0x7ffd0000, 4096}}},
	{"openat", seccompdata.Data{Nr: 257, Arch: seccompdata.AuditArchX86_64, InstructionPointer: 0x7f0000001000,
		Args: [6]uint64{0xffffffffffffff9c, 0x55550000, 0x80000}}},
	{"clone", seccompdata.Data{Nr: 56, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{0x01200011}}},
	{"clone-newns", seccompdata.Data{Nr: 56, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{0x00020000 | 0x11}}},
	{"personality", seccompdata.Data{Nr: 135, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{0xffffffff}}},
	{"personality-bad", seccompdata.Data{Nr: 135, Arch: seccompdata.AuditArchX86_64, Args: [6]uint64{0x0040000}}},
	{"nr1000", seccompdata.Data{Nr: 1000, Arch: seccompdata.AuditArchX86_64}},
	{"i386", seccompdata.Data{Nr: 3, Arch: auditArchI386}},
}

// xnetInput lays out seccomp_data for x/net/bpf, which loads big-endian:
// the native-order words, each written big-endian (docs/kernel-semantics.md §9).
func xnetInput(w *[16]uint32) []byte {
	b := make([]byte, 0, 64)
	for _, v := range w {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func xnetVM(t testing.TB, p program.Program) *bpf.VM {
	t.Helper()
	insns, ok := bpf.Disassemble(p)
	if !ok {
		t.Fatal("x/net/bpf cannot decode the program")
	}
	v, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dnsFilter is what "tcpdump -dd udp dst port 53" produces for Ethernet
// IPv4 (libpcap 1.10): a packet program with ldh, ldb, jset, ldxb and an
// indirect load, all of which x/net/bpf runs like the kernel.
var dnsFilter = program.Program{
	ldh(12), jmp(program.OpJEQ, 0x800, 0, 8),
	ldb(23), jmp(program.OpJEQ, 17, 0, 6),
	ldh(20), jmp(program.OpJSET, 0x1fff, 4, 0),
	ldxb(14), ldind(program.SizeH, 16), jmp(program.OpJEQ, 53, 0, 1),
	ret(262144), ret(0),
}

// dnsPacket is an Ethernet frame carrying a UDP datagram to port 53.
var dnsPacket = []byte{
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, // Ethernet
	0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
	0xc0, 0x00, 0x00, 0x35, 0x00, 0x14, 0x00, 0x00, // UDP -> 53
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
}

// TestCorpusVerdicts pins a few verdicts that follow from reading the
// filters' instructions; they are not kernel measurements.
func TestCorpusVerdicts(t *testing.T) {
	progs := corpusFilters(t)
	f := mustCompile(t, verifier.Seccomp, progs["docker-default_x86_64.bpf"]...)
	for _, tt := range []struct {
		input string
		want  uint32
	}{
		{"read", 0x7fff0000},
		{"openat", 0x7fff0000},
		{"clone", 0x7fff0000},        // no namespace flags
		{"clone-newns", 0x00050001},  // CLONE_NEWNS needs CAP_SYS_ADMIN
		{"personality", 0x7fff0000},  // personality(0xffffffff) queries
		{"personality-bad", 0x50001}, // other personalities are refused
		{"nr1000", 0x00050001},       // default action ERRNO(EPERM)
		{"i386", 0x00000000},         // foreign arch: KILL_THREAD
	} {
		if got := f.RunData(inputNamed(tt.input), binary.LittleEndian); got != tt.want {
			t.Errorf("docker %s: %#x, want %#x", tt.input, got, tt.want)
		}
	}
}

// TestRunAllocs: the untraced paths do not allocate.
func TestRunAllocs(t *testing.T) {
	progs := corpusFilters(t)
	f := mustCompile(t, verifier.Seccomp, progs["docker-default_x86_64.bpf"]...)
	w := inputNamed("nr1000").Words(binary.LittleEndian)
	s := Stack{f, f, f}
	pf := mustCompile(t, verifier.Socket, dnsFilter...)
	pkt := &Packet{Buf: dnsPacket, HasDev: true}
	var sink uint32
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"RunSeccomp", func() { sink += f.RunSeccomp(&w) }},
		{"Stack.Run", func() { r, _ := s.Run(&w); sink += r }},
		{"RunPacket", func() { sink += pf.RunPacket(dnsPacket) }},
		{"RunSocket", func() { sink += pf.RunSocket(pkt) }},
	} {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocs per run", tt.name, n)
		}
	}
	d := *inputNamed("read")
	n := testing.AllocsPerRun(100, func() { sink += f.RunData(&d, binary.LittleEndian) })
	t.Logf("RunData: %v allocs per run (those of seccompdata.Data.Words)", n)
}

// countSteps returns the number of instructions a run executes.
func countSteps(f *Filter, w *[16]uint32) int {
	n := 0
	f.TraceSeccomp(w, func(Step) { n++ })
	return n
}

func reportPerInsn(b *testing.B, insns int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
}

// BenchmarkSeccomp runs every corpus filter on every input with this
// package's VM (RunSeccomp, then the plain loop alone, RunSeccompPlain) and
// with golang.org/x/net/bpf's, side by side. ns/insn divides by the
// instructions the plain trace executes.
func BenchmarkSeccomp(b *testing.B) {
	progs := corpusFilters(b)
	names := make([]string, 0, len(progs))
	for name := range progs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := progs[name]
		f := mustCompile(b, verifier.Seccomp, p...)
		xvm := xnetVM(b, p)
		short := strings.TrimSuffix(name, ".bpf")
		for _, in := range benchInputs {
			w := in.data.Words(binary.LittleEndian)
			xin := xnetInput(&w)
			n := countSteps(f, &w)
			var sink uint32
			b.Run("bpfsim/"+short+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					sink += f.RunSeccomp(&w)
				}
				reportPerInsn(b, n)
			})
			b.Run("bpfsim-plain/"+short+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					sink += f.RunSeccompPlain(&w)
				}
				reportPerInsn(b, n)
			})
			b.Run("xnetbpf/"+short+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r, _ := xvm.Run(xin)
					sink += uint32(r)
				}
				reportPerInsn(b, n)
			})
			_ = sink
		}
	}
}

// BenchmarkPacket runs the tcpdump DNS filter on a matching frame.
func BenchmarkPacket(b *testing.B) {
	f := mustCompile(b, verifier.Socket, dnsFilter...)
	xvm := xnetVM(b, dnsFilter)
	n := 0
	f.TraceSocket(&Packet{Buf: dnsPacket}, func(Step) { n++ })
	var sink uint32
	b.Run("bpfsim/udp-dst-port-53", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink += f.RunPacket(dnsPacket)
		}
		reportPerInsn(b, n)
	})
	b.Run("xnetbpf/udp-dst-port-53", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, _ := xvm.Run(dnsPacket)
			sink += uint32(r)
		}
		reportPerInsn(b, n)
	})
	_ = sink
}

// BenchmarkStack evaluates a stack of the Docker filter under the
// OpenSSH one, as a containerised sshd would have.
func BenchmarkStack(b *testing.B) {
	progs := corpusFilters(b)
	s := Stack{
		mustCompile(b, verifier.Seccomp, progs["docker-default_x86_64.bpf"]...),
		mustCompile(b, verifier.Seccomp, progs["openssh-server_9.2p1-2+deb12u10_preauth.bpf"]...),
	}
	d := *inputNamed("openat")
	w := d.Words(binary.LittleEndian)
	var sink uint32
	b.Run("Run", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, _ := s.Run(&w)
			sink += r
		}
	})
	b.Run("Evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink += s.Evaluate(&d, binary.LittleEndian, OutcomeOptions{}).Ret
		}
	})
	_ = sink
}
