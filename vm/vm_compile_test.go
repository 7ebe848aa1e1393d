package vm

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// TestCompileOpcodeWhitelist runs every 16-bit code through the compiler's
// own checks: exactly the 49 socket codes and 41 seccomp codes of
// docs/kernel-semantics.md §0 (live) are runnable.
func TestCompileOpcodeWhitelist(t *testing.T) {
	for _, tt := range []struct {
		mode verifier.Mode
		want int
	}{{verifier.Socket, 49}, {verifier.Seccomp, 41}} {
		n := 0
		for code := 0; code <= 0xffff; code++ {
			// k = 4 is a valid operand for every instruction: divisor,
			// shift, scratch slot, aligned seccomp offset, ja target.
			in := program.Instruction{Op: uint16(code), K: 4}
			if _, reason := compileInsn(0, 10, in, tt.mode); reason == "" {
				n++
			}
		}
		if n != tt.want {
			t.Errorf("%v: %d runnable codes, want %d", tt.mode, n, tt.want)
		}
	}
}

// TestCompileRejects checks that Compile never yields a Filter that could
// misbehave, whatever the verifier says. Once the verifier is complete it
// rejects all of these first; either way Compile must fail.
func TestCompileRejects(t *testing.T) {
	long := make(program.Program, program.MaxInstructions+1)
	for i := range long {
		long[i] = ret(0)
	}
	tests := []struct {
		name string
		mode verifier.Mode
		prog program.Program
		pc   int // PC of the CompileError, if that is what Compile returns
	}{
		{"empty", verifier.Seccomp, nil, -1},
		{"too long", verifier.Socket, long, -1},
		{"unknown mode", verifier.Mode(7), program.Program{ret(0)}, -1},
		{"last is not ret", verifier.Socket, program.Program{ret(0), ldi(1)}, 1},
		{"ret x (0x0e)", verifier.Socket, program.Program{{Op: 0x0e}}, 0},
		{"0x0d is not ja", verifier.Socket, program.Program{{Op: 0x0d}, ret(0)}, 0},
		{"unused bits set (0x21)", verifier.Socket, program.Program{{Op: 0x21}, ret(0)}, 0},
		{"neg x (0x8c)", verifier.Socket, program.Program{{Op: 0x8c}, ret(0)}, 0},
		{"high byte set (0x1334)", verifier.Socket, program.Program{{Op: 0x1334, K: 5}, ret(0)}, 0},
		{"code 0xb2", verifier.Socket, program.Program{{Op: 0xb2}, ret(0)}, 0},
		{"ja past the end", verifier.Socket, program.Program{ja(1), ret(0)}, 0},
		{"ja 0xffffffff", verifier.Seccomp, program.Program{ja(0xffffffff), ret(0)}, 0},
		{"jeq jt past the end", verifier.Seccomp, program.Program{jmp(program.OpJEQ, 0, 1, 0), ret(0)}, 0},
		{"jgt jf past the end", verifier.Seccomp, program.Program{jmp(program.OpJGT, 0, 0, 1), ret(0)}, 0},
		{"jset x jf 255", verifier.Socket, program.Program{jmpx(program.OpJSET, 0, 255), ret(0)}, 0},
		{"ld M[16]", verifier.Socket, program.Program{ldm(16), ret(0)}, 0},
		{"ldx M[16]", verifier.Socket, program.Program{ldxm(16), ret(0)}, 0},
		{"st M[16]", verifier.Seccomp, program.Program{st(16), ret(0)}, 0},
		{"stx M[0xffffffff]", verifier.Seccomp, program.Program{stx(0xffffffff), ret(0)}, 0},
		{"div #0", verifier.Seccomp, program.Program{alu(program.OpDIV, 0), ret(0)}, 0},
		{"mod #0", verifier.Socket, program.Program{alu(program.OpMOD, 0), ret(0)}, 0},
		{"lsh #32", verifier.Socket, program.Program{alu(program.OpLSH, 32), ret(0)}, 0},
		{"rsh #32", verifier.Seccomp, program.Program{alu(program.OpRSH, 32), ret(0)}, 0},
		{"seccomp ldh", verifier.Seccomp, program.Program{ldh(0), ret(0)}, 0},
		{"seccomp ldb", verifier.Seccomp, program.Program{ldb(0), ret(0)}, 0},
		{"seccomp ld [x+0]", verifier.Seccomp, program.Program{ldind(program.SizeW, 0), ret(0)}, 0},
		{"seccomp ldxb", verifier.Seccomp, program.Program{ldxb(0), ret(0)}, 0},
		{"seccomp mod #1", verifier.Seccomp, program.Program{alu(program.OpMOD, 1), ret(0)}, 0},
		{"seccomp mod x", verifier.Seccomp, program.Program{alux(program.OpMOD), ret(0)}, 0},
		{"seccomp ld [64]", verifier.Seccomp, program.Program{ld(64), ret(0)}, 0},
		{"seccomp ld [2]", verifier.Seccomp, program.Program{ld(2), ret(0)}, 0},
		{"seccomp ld [0xfffff000]", verifier.Seccomp, program.Program{ld(0xfffff000), ret(0)}, 0},
		{"ancillary SKF_AD_MAX", verifier.Socket, program.Program{ld(anc(program.AncMax)), ret(0)}, 0},
		{"ancillary misaligned", verifier.Socket, program.Program{ldb(anc(2)), ret(0)}, 0},
		{"ancillary 0xffffffff", verifier.Socket, program.Program{ldh(0xffffffff), ret(0)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(tt.prog, tt.mode)
			if err == nil {
				t.Fatalf("Compile accepted it: %v", f)
			}
			var ce *CompileError
			if errors.As(err, &ce) && ce.PC != tt.pc {
				t.Errorf("CompileError at %d, want %d: %v", ce.PC, tt.pc, err)
			}
		})
	}
}

// TestCompileAccepts covers edge values the kernel accepts (§2.1 live).
func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		mode verifier.Mode
		prog program.Program
	}{
		{"seccomp ld [60]", verifier.Seccomp, program.Program{ld(60), reta()}},
		{"lsh #31", verifier.Seccomp, program.Program{alu(program.OpLSH, 31), reta()}},
		{"M[15]", verifier.Seccomp, program.Program{st(15), ldm(15), reta()}},
		{"socket ld [0xffffefff]", verifier.Socket, program.Program{ld(0xffffefff), reta()}},
		{"socket ld [0x80000000]", verifier.Socket, program.Program{ld(0x80000000), reta()}},
		{"socket ldb [vlan_tpid]", verifier.Socket, program.Program{ldb(anc(program.AncVlanTPID)), reta()}},
		{"socket nla", verifier.Socket, program.Program{ld(anc(program.AncNLAttr)), reta()}},
		{"single ret", verifier.Seccomp, program.Program{ret(0x7fff0000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(tt.prog, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if f.Mode() != tt.mode || f.Len() != len(tt.prog) {
				t.Errorf("Mode, Len = %v, %d", f.Mode(), f.Len())
			}
		})
	}
}

// TestCompileCopies checks that the Filter does not alias the caller's
// slice in either direction.
func TestCompileCopies(t *testing.T) {
	p := program.Program{ret(1)}
	f := mustCompile(t, verifier.Seccomp, p...)
	p[0] = ret(2)
	var w [16]uint32
	if got := f.RunSeccomp(&w); got != 1 {
		t.Errorf("changing the input changed the filter: %d", got)
	}
	q := f.Program()
	q[0] = ret(3)
	if got := f.Program()[0]; got != ret(1) {
		t.Errorf("Program() aliases the filter: %v", got)
	}
}

func TestCompileErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  *CompileError
		want string
	}{
		{&CompileError{PC: -1, Reason: "empty program"}, "vm: empty program"},
		{&CompileError{PC: 3, Code: 0x0e, Reason: "unknown opcode"}, "vm: instruction 3 (code 0x0e): unknown opcode"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// runnableCodes lists the codes compileInsn accepts in mode.
func runnableCodes(mode verifier.Mode) []uint16 {
	var codes []uint16
	for code := 0; code <= 0xffff; code++ {
		if _, reason := compileInsn(0, 10, program.Instruction{Op: uint16(code), K: 4}, mode); reason == "" {
			codes = append(codes, uint16(code))
		}
	}
	return codes
}

// exercise runs f every way there is and checks that tracing agrees with
// the untraced run. A panic fails the test.
func exercise(t *testing.T, f *Filter, w *[16]uint32, p *Packet) {
	t.Helper()
	var n int
	count := func(Step) { n++ }
	traced := f.TraceSeccomp(w, count)
	if got := f.RunSeccomp(w); got != traced {
		t.Fatalf("seccomp: run %#x, trace %#x\n%v", got, traced, f.prog)
	}
	if got := f.RunSeccompPlain(w); got != traced {
		t.Fatalf("seccomp: plain loop %#x, trace %#x\n%v", got, traced, f.prog)
	}
	if got, traced := f.RunSocket(p), f.TraceSocket(p, count); got != traced {
		t.Fatalf("socket: run %#x, trace %#x\n%v", got, traced, f.prog)
	}
	f.RunPacket(p.Buf)
	if n == 0 {
		t.Fatal("no steps traced")
	}
}

// TestCompileRobust compiles random programs with the compiler's own
// checks only (no verifier) and runs whatever it accepts on random inputs:
// nothing may panic, whatever the verifier says.
func TestCompileRobust(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ks := []uint32{0, 1, 2, 3, 4, 8, 15, 16, 31, 32, 60, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff,
		program.AncillaryBase, program.NetOffset, program.LinkOffset}
	for _, mode := range []verifier.Mode{verifier.Seccomp, verifier.Socket} {
		codes := runnableCodes(mode)
		accepted := 0
		for range 20000 {
			p := make(program.Program, 1+rng.IntN(24))
			for i := range p {
				in := program.Instruction{Op: codes[rng.IntN(len(codes))], Jt: uint8(rng.IntN(4)), Jf: uint8(rng.IntN(4))}
				switch rng.IntN(4) {
				case 0:
					in.K = rng.Uint32()
				case 1:
					in.K = ks[rng.IntN(len(ks))] + uint32(rng.IntN(64))
				default:
					in.K = ks[rng.IntN(len(ks))]
				}
				if rng.IntN(50) == 0 {
					in.Op = uint16(rng.Uint32())
				}
				p[i] = in
			}
			p[len(p)-1] = program.Instruction{Op: []uint16{0x06, 0x16}[rng.IntN(2)], K: rng.Uint32()} // ret
			f, err := compile(p, mode)
			if err != nil {
				continue
			}
			accepted++
			var w [16]uint32
			for i := range w {
				w[i] = rng.Uint32() >> uint(rng.IntN(32))
			}
			buf := make([]byte, rng.IntN(80))
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			pkt := &Packet{
				Buf: buf, Data: rng.IntN(100) - 10, Network: rng.IntN(100) - 10,
				MAC: rng.IntN(100) - 10, HasMAC: rng.IntN(2) == 0, HasDev: rng.IntN(2) == 0,
			}
			exercise(t, f, &w, pkt)
		}
		t.Logf("%v: %d random programs compiled and ran", mode, accepted)
		if accepted < 1000 {
			t.Errorf("%v: only %d random programs compiled", mode, accepted)
		}
	}
}

// FuzzRun feeds arbitrary raw programs to the compiler's own checks and
// runs the accepted ones. Run with: go test -fuzz FuzzRun ./vm/
func FuzzRun(f *testing.F) {
	for _, p := range corpusFilters(f) {
		b := make([]byte, 0, 8*len(p))
		for _, in := range p {
			b = binary.LittleEndian.AppendUint16(b, in.Op)
			b = append(b, in.Jt, in.Jf)
			b = binary.LittleEndian.AppendUint32(b, in.K)
		}
		f.Add(b, []byte{0x45, 0, 0, 20}, uint32(0))
	}
	f.Fuzz(func(t *testing.T, raw, buf []byte, x uint32) {
		p := make(program.Program, len(raw)/8)
		for i := range p {
			e := raw[8*i:]
			p[i] = program.Instruction{Op: binary.LittleEndian.Uint16(e), Jt: e[2], Jf: e[3], K: binary.LittleEndian.Uint32(e[4:])}
		}
		w := [16]uint32{x, x >> 1, x >> 2, x >> 3, ^x, seccompdata.AuditArchX86_64}
		pkt := &Packet{Buf: buf, Network: int(x % 8), MAC: int(x % 4), HasMAC: x&1 == 0}
		for _, mode := range []verifier.Mode{verifier.Seccomp, verifier.Socket} {
			if fl, err := compile(p, mode); err == nil {
				exercise(t, fl, &w, pkt)
			}
		}
	})
}

// An empty program, which program.Decode returns for an input without
// instructions, is refused with the kernel's reason: length 0 gives EINVAL
// (seccomp_prepare_filter, kernel/seccomp.c; bpf_check_basics_ok,
// net/core/filter.c, for socket filters).
func TestCompileRefusesEmptyProgram(t *testing.T) {
	for _, mode := range []verifier.Mode{verifier.Seccomp, verifier.Socket} {
		for _, p := range []program.Program{nil, {}} {
			f, err := Compile(p, mode)
			var ve *verifier.Error
			if f != nil || !errors.As(err, &ve) || ve.Rule != verifier.RuleLength || ve.Errno != seccompdata.EINVAL || ve.PC != -1 {
				t.Errorf("%v, %#v: got %v, %v; want a length error with EINVAL", mode, p, f, err)
			}
		}
	}
}

// FuzzFastPath: the precomputed dispatch of RunSeccomp answers as the
// plain interpreter does, on any program vm compiles for seccomp and any
// seccomp_data. The words' nr and arch are also tried at the program's own
// constants, where dispatches are cut.
func FuzzFastPath(f *testing.F) {
	for _, p := range corpusFilters(f) {
		b := make([]byte, 0, 8*len(p))
		for _, in := range p {
			b = binary.LittleEndian.AppendUint16(b, in.Op)
			b = append(b, in.Jt, in.Jf)
			b = binary.LittleEndian.AppendUint32(b, in.K)
		}
		f.Add(b, make([]byte, 64), uint16(0))
	}
	f.Fuzz(func(t *testing.T, raw, data []byte, pick uint16) {
		p := make(program.Program, len(raw)/8)
		for i := range p {
			e := raw[8*i:]
			p[i] = program.Instruction{Op: binary.LittleEndian.Uint16(e), Jt: e[2], Jf: e[3], K: binary.LittleEndian.Uint32(e[4:])}
		}
		fl, err := compile(p, verifier.Seccomp)
		if err != nil {
			return
		}
		var w [16]uint32
		for i := range w {
			if 4*i+4 <= len(data) {
				w[i] = binary.LittleEndian.Uint32(data[4*i:])
			}
		}
		if len(p) > 0 {
			// Aim nr or arch at a constant of the program and its
			// neighbours.
			k := p[int(pick)%len(p)].K + uint32(pick>>8%3) - 1
			w[pick>>10&1] = k
		}
		if got, want := fl.RunSeccomp(&w), fl.RunSeccompPlain(&w); got != want {
			t.Fatalf("words %#x: fast path %#x, plain %#x", w, got, want)
		}
	})
}
