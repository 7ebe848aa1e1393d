package vm

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestXNetAgrees runs x/net/bpf side by side on inputs where it is
// correct: the corpus filters use neither NEG nor shifts by X.
func TestXNetAgrees(t *testing.T) {
	for name, p := range corpusFilters(t) {
		f := mustCompile(t, verifier.Seccomp, p...)
		xvm := xnetVM(t, p)
		for _, in := range benchInputs {
			w := in.data.Words(binary.LittleEndian)
			want, err := xvm.Run(xnetInput(&w))
			if err != nil {
				t.Fatalf("%s/%s: x/net/bpf: %v", name, in.name, err)
			}
			if got := f.RunSeccomp(&w); got != uint32(want) {
				t.Errorf("%s/%s: bpfsim %#x, x/net/bpf %#x", name, in.name, got, want)
			}
		}
	}
	f := mustCompile(t, verifier.Socket, dnsFilter...)
	xvm := xnetVM(t, dnsFilter)
	for _, n := range []int{len(dnsPacket), 40, 14, 0} {
		want, err := xvm.Run(dnsPacket[:n])
		if err != nil {
			t.Fatal(err)
		}
		if got := f.RunPacket(dnsPacket[:n]); got != uint32(want) {
			t.Errorf("dns filter on %d bytes: bpfsim %d, x/net/bpf %d", n, got, want)
		}
	}
}

// TestXNetRandom is a differential test of the ALU, jump, scratch and
// in-range load semantics: random programs restricted to the instructions
// golang.org/x/net/bpf runs as the kernel does (docs/kernel-semantics.md §9: no
// NEG, no shift by X, no LD IND, no negative offsets or extensions, no
// "ldx #len") must give the same result in both VMs.
func TestXNetRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	skip := []uint16{0x84, 0x6c, 0x7c, 0x40, 0x48, 0x50, 0x81}
	var codes []uint16
	for _, c := range runnableCodes(verifier.Socket) {
		if !slices.Contains(skip, c) {
			codes = append(codes, c)
		}
	}
	ks := []uint32{0, 1, 2, 3, 4, 7, 15, 31, 0x80000000, 0xffffffff, 0x7fffffff}
	compared := 0
	for range 20000 {
		p := make(program.Program, 2+rng.IntN(20))
		for i := range p {
			in := program.Instruction{Op: codes[rng.IntN(len(codes))], Jt: uint8(rng.IntN(3)), Jf: uint8(rng.IntN(3))}
			in.K = ks[rng.IntN(len(ks))]
			if rng.IntN(2) == 0 {
				in.K = uint32(rng.IntN(40))
			}
			if program.Class(in.Op) == program.ClassLD && program.Mode(in.Op) == program.ModeABS && in.K >= 0x80000000 {
				in.K &= 0xff
			}
			p[i] = in
		}
		p[len(p)-1] = program.Instruction{Op: []uint16{0x06, 0x16}[rng.IntN(2)], K: rng.Uint32()}
		f, err := compile(p, verifier.Socket)
		if err != nil {
			continue
		}
		xvm := xnetVM(t, p)
		buf := make([]byte, rng.IntN(48))
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		want, err := xvm.Run(buf)
		if err != nil {
			t.Fatalf("x/net/bpf: %v\n%v", err, p)
		}
		if got := f.RunPacket(buf); got != uint32(want) {
			t.Fatalf("bpfsim %#x, x/net/bpf %#x on % x\n%v", got, want, buf, p)
		}
		compared++
	}
	t.Logf("%d random programs compared", compared)
	if compared < 1000 {
		t.Errorf("only %d programs compared", compared)
	}
}
