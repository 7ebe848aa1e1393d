package program

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// FuzzAsmAgreesWithC is a differential test of the bpf_asm reader against
// the C and tcpdump -ddd readers (issue 9): it generates a program, writes
// it in the three formats with each constant spelled one of several ways
// (decimal, 0x, 0X, octal, 0b, signed, a SECCOMP_RET_* or AUDIT_ARCH_*
// name, "NAME|n"), reads all three back and requires that they agree with
// each other and with the generator: the same program, or all three
// refuse. The generator draws constants of 8 to 64 bits, so it writes
// "ret #0x7fff00000" and "ld M[4294967296]" often; a reader that truncates
// such a constant, as bpf_asm does, disagrees with the others.
//
// The one expected disagreement: an M[] index of 16 or more (below 2^32)
// is refused by the asm reader, which knows BPF_MEMWORDS, and kept by the
// C and ddd readers, which read any 32-bit k.
func FuzzAsmAgreesWithC(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{3, 0, 0, 0, 0},
		{5, 25, 3, 0x07, 0xf0, 0xff, 0x7f, 0, 0, 0},
		{2, 14, 1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0},
		{8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		[]byte("\x04\x13\x06\x08\xff\xff\xff\xff\xff\xff\xff\xff\x11\x02\x01"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := newProgGen(data)
		checkAgreement(t, g.generate())
	})
}

// TestAsmAgreesWithC runs the differential check on the programs of issue
// 9 that bpf_asm reads as another program.
func TestAsmAgreesWithC(t *testing.T) {
	k := func(neg bool, mag uint64, sp spelling) genConst { return genConst{neg: neg, mag: mag, spell: sp} }
	ret := genInsn{form: 0, k: k(false, 0x7fff0000, spHex)} // "ret #k"
	tests := []struct {
		name string
		prog genProg
	}{
		{"ret #0x7fff00000", genProg{{form: 0, k: k(false, 0x7fff00000, spHex)}}},
		{"jeq #0x1000000000", genProg{{form: formIndexOf("jeq #%k, %t, %f"), k: k(false, 0x1000000000, spHex), jt: 0, jf: 1}, ret, ret}},
		{"ld [4294967300]", genProg{{form: formIndexOf("ld [%k]"), k: k(false, 4294967300, spDec)}, ret}},
		{"ld M[4294967296]", genProg{{form: formIndexOf("st M[%m]"), k: k(false, 0, spDec)}, {form: formIndexOf("ld M[%m]"), k: k(false, 4294967296, spDec)}, ret}},
		{"ld M[16]", genProg{{form: formIndexOf("st M[%m]"), k: k(false, 16, spDec)}, ret}},
		{"ret #-1", genProg{{form: 0, k: k(true, 1, spDec)}}},
		{"ret #-0x80000001", genProg{{form: 0, k: k(true, 0x80000001, spHex)}}},
		{"ret #SECCOMP_RET_ERRNO|0x10000", genProg{{form: 0, k: genConst{name: 3, mag: 0x10000, spell: spNameOr}}}},
		{"all spellings", genProg{
			{form: formIndexOf("ld #%k"), k: k(false, 0777, spOct)}, {form: formIndexOf("ld #%k"), k: k(false, 5, spBin)},
			{form: formIndexOf("ld #%k"), k: k(false, 0xabc, spHexUpper)}, {form: formIndexOf("ld #%k"), k: genConst{name: 1, spell: spName}},
			ret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkAgreement(t, tt.prog) })
	}
}

// genForm is one instruction shape the generator writes: its bpf_asm text
// with %k (a constant), %m (an M[] index), %t and %f (the jump targets'
// labels), its code, and how its fields are filled. Codes are from
// include/uapi/linux/bpf_common.h and filter.h (docs/kernel-semantics.md
// §0), spellings from tools/bpf/bpf_exp.y; neither from this package's
// tables.
type genForm struct {
	asm  string
	code uint16
	kind int
}

const (
	gkNone  = iota // k = 0
	gkK            // a constant
	gkMem          // an M[] index
	gkCond         // a constant, jt and jf
	gkCondX        // jt and jf, k = 0
	gkNot          // "jne"-like: a constant and jf, jt = 0
	gkJa           // k = the offset to the target
)

var genForms = []genForm{
	{"ret #%k", 0x06, gkK},
	{"ret a", 0x16, gkNone},
	{"ld #%k", 0x00, gkK},
	{"ld [%k]", 0x20, gkK},
	{"ldh [%k]", 0x28, gkK},
	{"ldb [%k]", 0x30, gkK},
	{"ld [x + %k]", 0x40, gkK},
	{"ldb [x + %k]", 0x50, gkK},
	{"ld M[%m]", 0x60, gkMem},
	{"ld #len", 0x80, gkNone},
	{"ldx #%k", 0x01, gkK},
	{"ldx M[%m]", 0x61, gkMem},
	{"ldxb 4*([%k]&0xf)", 0xb1, gkK},
	{"st M[%m]", 0x02, gkMem},
	{"stx M[%m]", 0x03, gkMem},
	{"add #%k", 0x04, gkK},
	{"sub x", 0x1c, gkNone},
	{"and #%k", 0x54, gkK},
	{"lsh #%k", 0x64, gkK},
	{"neg", 0x84, gkNone},
	{"xor #%k", 0xa4, gkK},
	{"jeq #%k, %t, %f", 0x15, gkCond},
	{"jgt #%k, %t, %f", 0x25, gkCond},
	{"jge x, %t, %f", 0x3d, gkCondX},
	{"jset #%k, %t, %f", 0x45, gkCond},
	{"jne #%k, %f", 0x15, gkNot},
	{"jle #%k, %f", 0x25, gkNot},
	{"ja %t", 0x05, gkJa},
	{"tax", 0x07, gkNone},
	{"txa", 0x87, gkNone},
}

func formIndexOf(asm string) int {
	for i, f := range genForms {
		if f.asm == asm {
			return i
		}
	}
	panic(asm)
}

type spelling int

const (
	spDec spelling = iota
	spHex
	spHexUpper
	spOct
	spBin
	spName   // a name alone
	spNameOr // "NAME|n"
	numSpellings
)

// genNames are names both text readers know, with their values from
// include/uapi/linux/seccomp.h and audit.h. None depends on the arch.
var genNames = []struct {
	name string
	v    uint64
}{
	{"SECCOMP_RET_ALLOW", 0x7fff0000},
	{"SECCOMP_RET_KILL_PROCESS", 0x80000000},
	{"SECCOMP_RET_TRAP", 0x00030000},
	{"SECCOMP_RET_ERRNO", 0x00050000},
	{"SECCOMP_RET_DATA", 0x0000ffff},
	{"AUDIT_ARCH_X86_64", 0xc000003e},
	{"AUDIT_ARCH_AARCH64", 0xc00000b7},
}

// genConst is a constant as written: a sign and magnitude, or a name (and
// for spNameOr, "|" a non-negative magnitude).
type genConst struct {
	neg   bool
	mag   uint64
	name  int
	spell spelling
}

// value returns the constant's value and whether it fits a k,
// -0x80000000..0xffffffff.
func (c genConst) value() (v int64, ok bool) {
	switch c.spell {
	case spName:
		return int64(genNames[c.name].v), true
	case spNameOr:
		if c.mag > 0xffffffff {
			return 0, false
		}
		return int64(genNames[c.name].v | c.mag), true
	}
	if c.neg {
		return -int64(c.mag), c.mag <= 0x80000000
	}
	return int64(c.mag), c.mag <= 0xffffffff
}

// text spells the constant for asm and C, which read numbers alike.
func (c genConst) text() string {
	num := func(m uint64, sp spelling) string {
		switch sp {
		case spHex:
			return "0x" + strconv.FormatUint(m, 16)
		case spHexUpper:
			return "0X" + strings.ToUpper(strconv.FormatUint(m, 16))
		case spOct:
			return "0" + strconv.FormatUint(m, 8)
		case spBin:
			return "0b" + strconv.FormatUint(m, 2)
		}
		return strconv.FormatUint(m, 10)
	}
	switch c.spell {
	case spName:
		return genNames[c.name].name
	case spNameOr:
		return genNames[c.name].name + "|" + num(c.mag, spHex)
	}
	s := num(c.mag, c.spell)
	if c.neg {
		s = "-" + s
	}
	return s
}

// ddd spells the constant for the ddd reader, which takes unsigned
// decimals only: the 32-bit value when it fits, else a number it refuses.
func (c genConst) ddd() string {
	if v, ok := c.value(); ok {
		return strconv.FormatUint(uint64(uint32(v)), 10)
	}
	if c.neg {
		return "-" + strconv.FormatUint(c.mag, 10)
	}
	return strconv.FormatUint(c.mag, 10)
}

type genInsn struct {
	form   int
	k      genConst
	jt, jf int // offsets
}

type genProg []genInsn

// progGen reads generator choices from fuzz bytes, 0 once they run out.
type progGen struct {
	data []byte
}

func newProgGen(data []byte) *progGen { return &progGen{data: data} }

func (g *progGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *progGen) constant() genConst {
	sel := g.byte()
	c := genConst{spell: spelling(sel % byte(numSpellings)), neg: sel&0x80 != 0}
	if c.spell == spName || c.spell == spNameOr {
		c.neg = false
		c.name = int(g.byte()) % len(genNames)
	}
	width := []int{1, 2, 4, 5, 8}[int(sel>>3)%5]
	for range width {
		c.mag = c.mag<<8 | uint64(g.byte())
	}
	return c
}

func (g *progGen) generate() genProg {
	n := 1 + int(g.byte()%12)
	p := make(genProg, n)
	for pc := range p {
		left := n - pc - 1 // instructions after this one
		ins := genInsn{form: int(g.byte()) % len(genForms)}
		kind := genForms[ins.form].kind
		if left == 0 || kind == gkMem && g.byte()%4 == 0 {
			ins.form = 0 // the last instruction returns; stores now and then too
		}
		switch genForms[ins.form].kind {
		case gkK, gkCond, gkNot:
			ins.k = g.constant()
			if (ins.k.spell == spName || ins.k.spell == spNameOr) && !strings.Contains(genForms[ins.form].asm, "#%k") {
				ins.k.spell = spHex // bpf_asm takes names after "#" only
			}
		case gkMem:
			ins.k = g.constant()
			if ins.k.spell >= spName {
				ins.k.spell = spDec
			}
			if g.byte()%4 != 0 {
				ins.k = genConst{mag: uint64(g.byte() % 16), spell: spelling(g.byte() % 5)}
			}
		}
		switch genForms[ins.form].kind {
		case gkCond, gkCondX:
			ins.jt, ins.jf = int(g.byte())%left, int(g.byte())%left
		case gkNot, gkJa:
			ins.jf = int(g.byte()) % left
			ins.jt = ins.jf
		}
		p[pc] = ins
	}
	return p
}

// render writes p in asm, C and ddd, and returns the program all three
// must read (want), whether every constant fits (ok), and whether an M[]
// index is 16 or more (memOut).
func render(p genProg) (asm, c, ddd string, want Program, ok, memOut bool) {
	target := map[int]bool{}
	for pc, ins := range p {
		switch genForms[ins.form].kind {
		case gkCond, gkCondX:
			target[pc+1+ins.jt], target[pc+1+ins.jf] = true, true
		case gkNot, gkJa:
			target[pc+1+ins.jf] = true
		}
	}
	label := func(t int) string { return "L" + strconv.Itoa(t) }
	var a, cs, d strings.Builder
	ok = true
	cs.WriteString("struct sock_filter filter[] = {\n")
	fmt.Fprintf(&d, "%d\n", len(p))
	for pc, ins := range p {
		f := genForms[ins.form]
		w := Instruction{Op: f.code}
		v, fits := ins.k.value()
		switch f.kind {
		case gkK, gkCond, gkNot:
			ok = ok && fits
			w.K = uint32(v)
		case gkMem:
			ok = ok && fits
			w.K = uint32(v)
			memOut = memOut || fits && (v < 0 || v >= 16)
		}
		switch f.kind {
		case gkCond, gkCondX:
			w.Jt, w.Jf = uint8(ins.jt), uint8(ins.jf)
		case gkNot:
			w.Jf = uint8(ins.jf)
		case gkJa:
			w.K = uint32(ins.jf)
		}
		want = append(want, w)

		if target[pc] {
			a.WriteString(label(pc) + ":")
		}
		text := strings.NewReplacer("%k", ins.k.text(), "%m", ins.k.text(),
			"%t", label(pc+1+ins.jt), "%f", label(pc+1+ins.jf)).Replace(f.asm)
		a.WriteString("\t" + text + "\n")

		cK := ins.k.text()
		dK := ins.k.ddd()
		if f.kind == gkNone || f.kind == gkCondX || f.kind == gkJa {
			cK, dK = strconv.FormatUint(uint64(w.K), 10), strconv.FormatUint(uint64(w.K), 10)
		}
		fmt.Fprintf(&cs, "\t{ %#x, %d, %d, %s },\n", w.Op, w.Jt, w.Jf, cK)
		fmt.Fprintf(&d, "%d %d %d %s\n", w.Op, w.Jt, w.Jf, dK)
	}
	cs.WriteString("};\n")
	return a.String(), cs.String(), d.String(), want, ok, memOut
}

// checkAgreement reads p in the three formats, given and detected.
func checkAgreement(t *testing.T, p genProg) {
	t.Helper()
	asm, c, ddd, want, ok, memOut := render(p)
	texts := []struct {
		f    Format
		text string
	}{{FormatAsm, asm}, {FormatC, c}, {FormatDDD, ddd}}
	for _, tx := range texts {
		for _, opt := range []DecodeOptions{{Format: tx.f}, {}} {
			got, f, err := Decode([]byte(tx.text), opt)
			if f != tx.f {
				t.Fatalf("%v read as %v:\n%s", tx.f, f, tx.text)
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("%v: error %v is a %T", tx.f, err, err)
			}
			switch {
			case !ok:
				if err == nil {
					t.Fatalf("%v read a constant that does not fit 32 bits as %v:\n%s", tx.f, got, tx.text)
				}
			case memOut && tx.f == FormatAsm:
				if err == nil || !strings.Contains(err.Error(), "M[") {
					t.Fatalf("asm: got %v, %v; want an M[] index error:\n%s", got, err, tx.text)
				}
			case err != nil:
				t.Fatalf("%v: %v\n%s", tx.f, err, tx.text)
			case !equalPrograms(got, want):
				t.Fatalf("%v: %s\n%s", tx.f, firstDiff(got, want), tx.text)
			}
		}
	}
}
