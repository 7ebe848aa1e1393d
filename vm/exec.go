package vm

import (
	"encoding/binary"
	"unsafe"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Step is the machine state after one executed instruction, as reported to
// a trace function.
type Step struct {
	// PC is the index of the instruction.
	PC int
	// Insn is the instruction as given to Compile (seccomp's in-kernel
	// rewrites, such as "ld #len" to "ld #64", are not shown). Use the
	// program package's disassembler for its text.
	Insn program.Instruction
	// A and X are the registers AFTER the instruction. When a load or a
	// division by X == 0 ends the program, A is 0, as in the kernel's
	// translation (an "A ^= A; exit" sequence).
	A, X uint32
	// Done reports whether the program ended at this instruction: a RET,
	// or a runtime stop (division by zero, failed packet load, ifidx or
	// hatype without a device).
	Done bool
	// Ret is the program's return value; meaningful only when Done.
	Ret uint32
}

// RunSeccomp runs a seccomp filter on the 16 32-bit words of seccomp_data,
// already in the host's byte order: word i is what "ld [4*i]" loads (see
// seccompdata.Data.Words). It returns the filter's return value.
//
// It answers through the dispatch Compile precomputed for the filter's
// (arch, nr) classes: a lookup where the answer cannot depend on args and
// instruction_pointer, else a short residual program. The answer is the
// plain interpreter's (RunSeccompPlain), bit for bit.
//
// A socket filter run this way sees an empty packet with no device.
func (f *Filter) RunSeccomp(w *[16]uint32) uint32 {
	code := f.insns
	if f.fast != nil {
		if l := f.fast.lookup(w); l != nil {
			if l.code == nil {
				return l.ret
			}
			code = l.code
		}
	}
	// Seccomp filters, and so residual programs, never leave loop
	// before their RET; calling it directly saves a frame on short
	// paths. A socket filter (never precomputed) goes on in exec.
	var m machine
	pc, how := loop[stepAll](&code[0], 0, 0, 0, &m, w)
	if how == exitRet {
		return m.ret
	}
	return f.exec(&m, pc, w, nil, nil)
}

// RunSeccompPlain is RunSeccomp through the plain interpreter, instruction
// by instruction from pc 0, without the precomputed dispatch. It returns
// the same value; it exists for benchmarks and differential tests.
func (f *Filter) RunSeccompPlain(w *[16]uint32) uint32 {
	var m machine
	pc, how := loop[stepAll](&f.insns[0], 0, 0, 0, &m, w)
	if how == exitRet {
		return m.ret
	}
	return f.exec(&m, pc, w, nil, nil)
}

// RunData runs a seccomp filter on d encoded in the given byte order (the
// byte order of the audit arch, binary.LittleEndian for x86_64).
func (f *Filter) RunData(d *seccompdata.Data, order binary.ByteOrder) uint32 {
	w := d.Words(order)
	return f.RunSeccomp(&w)
}

// TraceSeccomp is RunSeccomp that calls fn after each executed instruction.
func (f *Filter) TraceSeccomp(w *[16]uint32, fn func(Step)) uint32 {
	var m machine
	return f.exec(&m, 0, w, nil, fn)
}

// RunPacket runs a socket filter on pkt as an AF_UNIX socket sees a
// datagram: skb->data at pkt[0], the network header at the same place, no
// link-layer header and no device. It returns the filter's return value: 0
// drops the packet, otherwise the kernel trims it to max(cap, ret) bytes.
//
// A seccomp filter run this way sees all-zero seccomp_data.
func (f *Filter) RunPacket(pkt []byte) uint32 {
	p := Packet{Buf: pkt}
	return f.RunSocket(&p)
}

// RunSocket runs a socket filter on the packet p; nil is an empty packet.
//
// A seccomp filter run this way sees all-zero seccomp_data.
func (f *Filter) RunSocket(p *Packet) uint32 {
	var w [16]uint32
	var m machine
	return f.exec(&m, 0, &w, p, nil)
}

// TraceSocket is RunSocket that calls fn after each executed instruction.
func (f *Filter) TraceSocket(p *Packet, fn func(Step)) uint32 {
	var w [16]uint32
	var m machine
	return f.exec(&m, 0, &w, p, fn)
}

// machine is the state of a running program.
type machine struct {
	a, x uint32
	ret  uint32 // the return value, once the program has ended
	mem  [program.MemWords]uint32
	pkt  []byte // a socket filter's packet from skb->data to the tail
}

// How loop hands control back to exec.
const (
	exitRet  = iota // the program ended at pc; machine.ret holds its value
	exitSlow        // pc is a packet or ancillary load, left to exec
	exitStep        // single-step mode: one instruction ran, next is pc
)

// exec drives loop from pc and performs for it the packet and ancillary
// loads, which call helpers (as the kernel's translation does), and the
// tracing. Keeping every call out of loop keeps A, X and pc in
// registers. A run starts with pc 0 and a zero machine: the converted
// program's prologue zeroes A and X (bpf_convert_filter,
// net/core/filter.c), and scratch memory is never read before written
// (check_load_and_stores), so its initial value is unobservable; 0 is as
// good as any. p == nil stands for an empty packet; trace may be nil.
func (f *Filter) exec(m *machine, pc int, w *[16]uint32, p *Packet, trace func(Step)) uint32 {
	if p != nil {
		m.pkt = p.Buf[p.data():]
	}
	for {
		at := pc
		var next, how int
		if trace != nil {
			next, how = loop[stepOne](&f.insns[0], uintptr(pc)*insnSize, m.a, m.x, m, w)
		} else {
			next, how = loop[stepAll](&f.insns[0], uintptr(pc)*insnSize, m.a, m.x, m, w)
		}
		switch how {
		case exitStep:
			trace(Step{PC: at, Insn: f.prog[at], A: m.a, X: m.x})
			pc = next
			continue
		case exitSlow:
			at = next
			pc = next + 1
			if !f.slow(m, &f.insns[at], p) {
				how = exitRet
			}
		}
		if how == exitRet {
			if trace != nil {
				trace(Step{PC: at, Insn: f.prog[at], A: m.a, X: m.x, Done: true, Ret: m.ret})
			}
			return m.ret
		}
		if trace != nil {
			trace(Step{PC: at, Insn: f.prog[at], A: m.a, X: m.x})
		}
	}
}

// slow performs a packet or ancillary load; false means the program ended
// (with m.ret set). p == nil is an empty packet.
func (f *Filter) slow(m *machine, in *insn, p *Packet) bool {
	if p == nil {
		var empty Packet
		p = &empty
	}
	var v uint32
	ok := true
	switch in.op {
	case opLdAbsW, opLdAbsH, opLdAbsB:
		v, ok = p.load(int32(in.k), loadSize(in.op-opLdAbsW))
	case opLdIndW, opLdIndH, opLdIndB:
		// The offset X + k is computed in 64 bits and passed to the
		// helper as an int: it wraps at 32 bits and is then signed
		// (convert_bpf_ld_abs).
		v, ok = p.load(int32(m.x+in.k), loadSize(in.op-opLdIndW))
	case opLdxMsh:
		// X = 4 * (pkt[k] & 0xf); A is saved and restored around the
		// byte load (bpf_convert_filter, BPF_LDX|BPF_MSH|BPF_B).
		if v, ok = p.load(int32(in.k), 1); ok {
			m.x = (v & 0xf) << 2
			return true
		}
	case opLdAnc:
		var stop bool
		if v, stop = p.ancillary(in.k, m.a, m.x); stop {
			m.ret = m.a
			return false
		}
	}
	if !ok {
		// A failed load helper makes the translation run
		// "A ^= A; exit" (convert_bpf_ld_abs).
		m.a, m.ret = 0, 0
		return false
	}
	m.a = v
	return true
}

// run is loop from pc with the machine's registers, with the stepping mode
// as a value, for callers off the hot path (the partial evaluator's
// constant folding).
func run(code []insn, m *machine, pc int, w *[16]uint32, pkt []byte, single bool) (int, int) {
	m.pkt = pkt
	if single {
		return loop[stepOne](&code[0], uintptr(pc)*insnSize, m.a, m.x, m, w)
	}
	return loop[stepAll](&code[0], uintptr(pc)*insnSize, m.a, m.x, m, w)
}

// Stepping modes of loop: stepAll runs to an exit, stepOne returns after
// each instruction (exitStep). They differ in size, so that each is its own
// instantiation of loop, with the test of the mode folded away.
type (
	stepAll struct{}
	stepOne struct{ _ uint8 }
)

// stepMode is the type set of loop's stepping modes.
type stepMode interface{ stepAll | stepOne }

// insnSize is the size of an insn in bytes.
const insnSize = unsafe.Sizeof(insn{})

// loop is the interpreter of code: the one definition of the ALU, jump,
// scratch, seccomp load and return semantics for both kinds of filter.
// Kernel sources for each rule are bpf_convert_filter (net/core/filter.c)
// unless noted; the observable results are those of the x86_64 JIT
// (docs/kernel-semantics.md §3). It starts at the instruction at byte
// offset off (pc*insnSize) with registers a and x, and returns the pc of
// the instruction it stopped at (exitRet, exitSlow) or, in stepOne mode,
// the pc that follows the one instruction it ran (exitStep), with A and X
// in m. loop makes no calls: packet loads at offsets >= 0 that fit in
// m.pkt (the packet from skb->data) are done here, and everything else
// that needs the Packet is left to exec.
//
// code must be closed (see closed) and off inside it: loop walks code from
// a base pointer with no bounds checks.
//
// The shape of this function is tuned for the dispatch: with no call (not
// even to panic: see the divisions) and few enough live values to need no
// stack, it has no frame, so that the jump back from each case to the
// switch, the load of the next opcode and the indirect jump of the switch
// sit in the first 32 bytes of the function, and so within one 64-byte
// line wherever the linker puts it (functions are 32-byte aligned). When
// they straddle two lines, as they did with a frame in about half of all
// builds, every instruction cost about 20% more (AMD Zen 5, BenchmarkArith).
func loop[S stepMode](code *insn, off uintptr, a, x uint32, m *machine, w *[16]uint32) (int, int) {
	base := unsafe.Pointer(code)
	to := func(pc uint16) uintptr { return uintptr(pc) * insnSize }
dispatch:
	for {
		// off is inside closed code: it is where the caller started,
		// the instruction after one that is neither a RET nor a jump,
		// or a jump target.
		in := (*insn)(unsafe.Add(base, off))
		off += insnSize // the next instruction, unless a jump says otherwise
		switch in.op & opMask {
		case opRetK:
			m.ret = in.k
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitRet
		case opRetA:
			m.ret = a
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitRet

		case opLdImm:
			a = in.k
		case opLdxImm:
			x = in.k
		case opLdLen:
			// skb->len (bpf_convert_filter); seccomp's "#len" was
			// made an immediate 64 by Compile.
			a = uint32(len(m.pkt))
		case opLdxLen:
			x = uint32(len(m.pkt))
		case opLdMem:
			a = m.mem[in.k&(program.MemWords-1)]
		case opLdxMem:
			x = m.mem[in.k&(program.MemWords-1)]
		case opSt:
			m.mem[in.k&(program.MemWords-1)] = a
		case opStx:
			m.mem[in.k&(program.MemWords-1)] = x

		case opLdWord:
			// seccomp: a native-endian u32 load from seccomp_data
			// (seccomp_check_filter marks it BPF_LDX|BPF_W|BPF_ABS).
			a = w[in.k&15]

		// Packet loads, big-endian. The fast path is the linear-data
		// case of bpf_skb_load_helper_{8,16,32}: offset >= 0 and
		// headlen - offset >= size. Failures and negative offsets are
		// left to exec, which uses the same Packet.load.
		case opLdAbsW:
			if o := int32(in.k); o >= 0 && int(o) <= len(m.pkt)-4 {
				a = binary.BigEndian.Uint32(m.pkt[o:])
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdAbsH:
			if o := int32(in.k); o >= 0 && int(o) <= len(m.pkt)-2 {
				a = uint32(binary.BigEndian.Uint16(m.pkt[o:]))
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdAbsB:
			if o := int32(in.k); o >= 0 && int(o) < len(m.pkt) {
				a = uint32(m.pkt[o])
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdIndW:
			if o := int32(x + in.k); o >= 0 && int(o) <= len(m.pkt)-4 {
				a = binary.BigEndian.Uint32(m.pkt[o:])
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdIndH:
			if o := int32(x + in.k); o >= 0 && int(o) <= len(m.pkt)-2 {
				a = uint32(binary.BigEndian.Uint16(m.pkt[o:]))
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdIndB:
			if o := int32(x + in.k); o >= 0 && int(o) < len(m.pkt) {
				a = uint32(m.pkt[o])
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdxMsh:
			if o := int32(in.k); o >= 0 && int(o) < len(m.pkt) {
				x = uint32(m.pkt[o]&0xf) << 2
				break
			}
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow
		case opLdAnc:
			m.a, m.x = a, x
			return int(off/insnSize) - 1, exitSlow

		case opAddK:
			a += in.k
		case opSubK:
			a -= in.k
		case opMulK:
			a *= in.k
		case opDivK:
			// k != 0, checked by Compile; the test tells the Go
			// compiler, which then needs no call to panic.
			if k := in.k; k != 0 {
				a /= k
			}
		case opModK:
			if k := in.k; k != 0 {
				a %= k
			}
		case opOrK:
			a |= in.k
		case opAndK:
			a &= in.k
		case opXorK:
			a ^= in.k
		case opLshK:
			a <<= in.k & 31 // k < 32, checked by Compile
		case opRshK:
			a >>= in.k & 31
		case opAddX:
			a += x
		case opSubX:
			a -= x
		case opMulX:
			a *= x
		case opDivX:
			// "if (X == 0) { A = 0; return A; }" precedes every DIV
			// and MOD by X.
			if x == 0 {
				m.a, m.x, m.ret = 0, x, 0
				return int(off/insnSize) - 1, exitRet
			}
			a /= x
		case opModX:
			if x == 0 {
				m.a, m.x, m.ret = 0, x, 0
				return int(off/insnSize) - 1, exitRet
			}
			a %= x
		case opOrX:
			a |= x
		case opAndX:
			a &= x
		case opXorX:
			a ^= x
		case opLshX:
			// The x86_64 JIT shifts 32-bit registers by CL (or SHLX),
			// which masks the count to 5 bits
			// (arch/x86/net/bpf_jit_comp.c); so does the interpreter.
			a <<= x & 31
		case opRshX:
			a >>= x & 31
		case opNeg:
			a = -a

		case opJa:
			off = to(in.jt)
		case opJeqK:
			off = to(branch(a == in.k, in))
		case opJgtK:
			off = to(branch(a > in.k, in))
		case opJgeK:
			off = to(branch(a >= in.k, in))
		case opJsetK:
			off = to(branch(a&in.k != 0, in))
		case opJeqX:
			off = to(branch(a == x, in))
		case opJgtX:
			off = to(branch(a > x, in))
		case opJgeX:
			off = to(branch(a >= x, in))
		case opJsetX:
			off = to(branch(a&x != 0, in))

		// One-target forms: the other way falls through.
		// A list of "jeq #nr, allow" (or of "jne #nr, next" that jump
		// over their returns) runs from one to the next inside the
		// case, without going back through the switch (stepAll mode
		// only: stepOne runs one instruction).
		case opJeqK1:
			for unsafe.Sizeof(*new(S)) == 0 && a != in.k {
				if in = (*insn)(unsafe.Add(base, off)); in.op != opJeqK1 {
					continue dispatch
				}
				off += insnSize
			}
			if a == in.k {
				off = to(in.jt)
			}
		case opJneK1:
			for unsafe.Sizeof(*new(S)) == 0 && a != in.k {
				off = to(in.jt)
				if in = (*insn)(unsafe.Add(base, off)); in.op != opJneK1 {
					continue dispatch
				}
				off += insnSize
			}
			if a != in.k {
				off = to(in.jt)
			}
		case opJgtK1:
			if a > in.k {
				off = to(in.jt)
			}
		case opJleK1:
			if a <= in.k {
				off = to(in.jt)
			}
		case opJgeK1:
			if a >= in.k {
				off = to(in.jt)
			}
		case opJltK1:
			if a < in.k {
				off = to(in.jt)
			}
		case opJsetK1:
			if a&in.k != 0 {
				off = to(in.jt)
			}
		case opJnsetK1:
			if a&in.k == 0 {
				off = to(in.jt)
			}
		case opJeqX1:
			if a == x {
				off = to(in.jt)
			}
		case opJneX1:
			if a != x {
				off = to(in.jt)
			}
		case opJgtX1:
			if a > x {
				off = to(in.jt)
			}
		case opJleX1:
			if a <= x {
				off = to(in.jt)
			}
		case opJgeX1:
			if a >= x {
				off = to(in.jt)
			}
		case opJltX1:
			if a < x {
				off = to(in.jt)
			}
		case opJsetX1:
			if a&x != 0 {
				off = to(in.jt)
			}
		case opJnsetX1:
			if a&x == 0 {
				off = to(in.jt)
			}

		case opTax:
			x = a
		case opTxa:
			a = x
		case opNone:
		}
		if unsafe.Sizeof(*new(S)) != 0 { // stepOne
			m.a, m.x = a, x
			return int(off / insnSize), exitStep
		}
	}
}

// closed reports whether loop can run code from any of its instructions
// without leaving it: every jump target is inside code and every
// instruction after which execution goes on to the next one has a next
// one (so the last instruction is a RET or an unconditional jump).
// Compile's own checks make every compiled program closed; the partial
// evaluator's residual programs are checked with it.
func closed(code []insn) bool {
	n := len(code)
	for pc := range code {
		in := &code[pc]
		switch {
		case in.op == opRetK || in.op == opRetA:
			continue
		case in.op == opJa:
			if int(in.jt) >= n {
				return false
			}
			continue
		case isJump(in.op):
			if t, f := edges(pc, in); t >= n || f >= n {
				return false
			}
			continue
		}
		if pc+1 >= n {
			return false
		}
	}
	return n > 0
}

// branch returns the absolute target of a conditional jump.
func branch(cond bool, in *insn) uint16 {
	if cond {
		return in.jt
	}
	return in.jf
}

// loadSize maps the W, H, B order of the load opcodes to a byte count.
func loadSize(i uint8) int {
	return [3]int{4, 2, 1}[i%3]
}
