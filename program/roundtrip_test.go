package program

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// everyAsmCode uses every code bpf_asm can produce (tools/bpf/bpf_exp.y),
// including ones the kernel rejects (ret x, div #0, lsh #32), every
// extension name and offsets without one.
var everyAsmCode = Program{
	Stmt(0x00, 5), Stmt(0x00, 0xffffffff),
	Stmt(0x20, 4), Stmt(0x28, 12), Stmt(0x30, 23),
	Stmt(0x20, AncillaryBase+AncProtocol), Stmt(0x20, AncillaryBase+AncPktType), Stmt(0x20, AncillaryBase+AncIfIndex),
	Stmt(0x20, AncillaryBase+AncNLAttr), Stmt(0x20, AncillaryBase+AncNLAttrNest), Stmt(0x20, AncillaryBase+AncMark),
	Stmt(0x20, AncillaryBase+AncQueue), Stmt(0x20, AncillaryBase+AncHatype), Stmt(0x20, AncillaryBase+AncRxHash),
	Stmt(0x20, AncillaryBase+AncCPU), Stmt(0x20, AncillaryBase+AncAluXorX), Stmt(0x20, AncillaryBase+AncVlanTag),
	Stmt(0x20, AncillaryBase+AncVlanTagPresent), Stmt(0x20, AncillaryBase+AncPayOffset), Stmt(0x20, AncillaryBase+AncRandom),
	Stmt(0x20, AncillaryBase+AncVlanTPID), Stmt(0x20, AncillaryBase+AncMax), Stmt(0x20, AncillaryBase+2),
	Stmt(0x28, AncillaryBase+AncProtocol), Stmt(0x30, AncillaryBase+AncRandom), Stmt(0x30, NetOffset+9), Stmt(0x20, LinkOffset),
	Stmt(0x40, 5), Stmt(0x48, 0xffffffff), Stmt(0x50, 0x10000),
	Stmt(0x60, 3), Stmt(0x60, 15), Stmt(0x80, 0),
	Stmt(0x01, 7), Stmt(0x61, 15), Stmt(0x81, 0), Stmt(0xb1, 14),
	Stmt(0x02, 0), Stmt(0x03, 15),
	Stmt(0x04, 1), Stmt(0x0c, 0), Stmt(0x14, 2), Stmt(0x1c, 0), Stmt(0x24, 3), Stmt(0x2c, 0),
	Stmt(0x34, 0), Stmt(0x3c, 0), Stmt(0x44, 0xff), Stmt(0x4c, 0), Stmt(0x54, 0xf), Stmt(0x5c, 0),
	Stmt(0x64, 32), Stmt(0x6c, 0), Stmt(0x74, 31), Stmt(0x7c, 0), Stmt(0x84, 0),
	Stmt(0x94, 7), Stmt(0x9c, 0), Stmt(0xa4, 0x80000000), Stmt(0xac, 0),
	Stmt(0x07, 0), Stmt(0x87, 0),
	Jump(0x15, seccompdata.AuditArchX86_64, 0, 0), Jump(0x15, 1, 2, 0), Jump(0x15, 1, 0, 2), Jump(0x15, 1, 3, 4),
	Jump(0x1d, 0, 1, 1), Jump(0x25, 0x10000, 0, 1), Jump(0x2d, 0, 1, 0), Jump(0x35, 9, 0, 2),
	Jump(0x3d, 0, 2, 1), Jump(0x45, 0x10, 0, 1), Jump(0x4d, 0, 1, 0), Jump(0x45, 3, 1, 1),
	Stmt(0x05, 0), Stmt(0x05, 1),
	Stmt(0x06, 0), Stmt(0x0e, 0), Stmt(0x16, 0),
	Stmt(0x06, 0x7fff0000),
}

// notAsm holds programs that bpf_asm cannot express, with the pc that
// Disassemble must name.
var notAsm = []struct {
	name string
	p    Program
	pc   int
}{
	{"code 0x08", Program{Stmt(0x08, 0), Stmt(6, 0)}, 0},
	{"code 0x21 (seccomp's internal load)", Program{Stmt(0x06, 0), Stmt(0x21, 4)}, 1},
	{"code 0x0d", Program{Stmt(0x0d, 0), Stmt(6, 0)}, 0},
	{"code 0x0f", Program{Stmt(0x0f, 0), Stmt(6, 0)}, 0},
	{"code 0x8c (neg x)", Program{Stmt(0x8c, 0), Stmt(6, 0)}, 0},
	{"code 0x1e", Program{Stmt(0x1e, 0)}, 0},
	{"code 0xb2", Program{Stmt(0xb2, 0)}, 0},
	{"code 0xf4", Program{Stmt(0xf4, 0)}, 0},
	{"code 0x55 (jmp op 0x50)", Program{Jump(0x55, 0, 0, 0), Stmt(6, 0)}, 0},
	{"high byte set", Program{Stmt(6, 0), Stmt(0x1334, 5)}, 1},
	{"k in ret x", Program{Stmt(0x0e, 1)}, 0},
	{"jt past the end", Program{Stmt(6, 0), Jump(0x15, 0, 1, 0)}, 1},
	{"jf past the end", Program{Jump(0x15, 0, 0, 5), Stmt(6, 0)}, 0},
	{"ja past the end", Program{Stmt(0x05, 1), Stmt(6, 0)}, 0},
	{"ja far before the start", Program{Stmt(6, 0), Stmt(0x05, 0xfffffff0)}, 1},
	{"backward ja", Program{Stmt(0x00, 1), Stmt(0x05, 0xfffffffe), Stmt(6, 0)}, 1},
	{"ja to itself", Program{Stmt(0x05, 0xffffffff), Stmt(6, 0)}, 0},
	// bpf_check_classic: k < BPF_MEMWORDS (16) in the M[] forms.
	{"ld M[16]", Program{Stmt(0x60, 16), Stmt(6, 0)}, 0},
	{"ldx M[20]", Program{Stmt(6, 0), Stmt(0x61, 20)}, 1},
	{"st M[0xffffffff]", Program{Stmt(0x02, 0xffffffff), Stmt(6, 0)}, 0},
	{"stx M[0x10]", Program{Stmt(0x03, 0x10), Stmt(6, 0)}, 0},
}

// ignoredBits holds programs with bits set in fields the kernel ignores,
// with their bpf_asm text: the bits go in a comment, which bpf_asm and our
// reader skip (";" to the end of the line, tools/bpf/bpf_exp.l). jt and jf
// are read in conditional jumps only (bpf_check_classic and
// bpf_convert_filter, net/core/filter.c); k is not read in the forms that
// take none (see IgnoredBits for the kernel functions).
var ignoredBits = []struct {
	name string
	p    Program
	asm  string
}{
	{
		// As in a filter firejail ships.
		name: "ret with jf",
		p:    Program{Jump(RetK, 0x7fff0000, 0, 1)},
		asm:  "\tret #0x7fff0000 ; jt=0 jf=1 ignored by the kernel\n",
	},
	{
		name: "jt in a load",
		p:    Program{Jump(0x20, 4, 1, 0), Stmt(6, 0)},
		asm:  "\tld [4] ; jt=1 jf=0 ignored by the kernel\n\tret #0\n",
	},
	{
		name: "ja with jt and jf",
		p:    Program{Jump(Ja, 1, 7, 255), Stmt(6, 0), Stmt(6, 1)},
		asm:  "\tja l2 ; jt=7 jf=255 ignored by the kernel\n\tret #0\nl2:\tret #1\n",
	},
	{
		name: "jf in ja",
		p:    Program{Jump(0x05, 0, 0, 1), Stmt(6, 0), Stmt(6, 0)},
		asm:  "\tja l1 ; jt=0 jf=1 ignored by the kernel\nl1:\tret #0\n\tret #0\n",
	},
	{
		name: "tax, ret a and ldxb",
		p:    Program{Jump(0x07, 0, 255, 0), Jump(0xb1, 14, 0, 3), Jump(0x16, 0, 1, 1)},
		asm: "\ttax ; jt=255 jf=0 ignored by the kernel\n\tldxb 4*([14]&0xf) ; jt=0 jf=3 ignored by the kernel\n" +
			"\tret a ; jt=1 jf=1 ignored by the kernel\n",
	},
	{
		name: "k in ret a",
		p:    Program{Stmt(RetA, 1)},
		asm:  "\tret a ; k=0x1 ignored by the kernel\n",
	},
	{
		name: "k in ld #len and ldx #len",
		p:    Program{Stmt(LdLen, 64), Stmt(LdxLen, 0xffffffff), Stmt(RetA, 0)},
		asm:  "\tld #len ; k=0x40 ignored by the kernel\n\tldx #len ; k=0xffffffff ignored by the kernel\n\tret a\n",
	},
	{
		name: "k in the x forms of the ALU",
		p:    Program{Stmt(AddX, 1), Stmt(SubX, 2), Stmt(MulX, 3), Stmt(DivX, 4), Stmt(OrX, 5), Stmt(AndX, 6), Stmt(LshX, 7), Stmt(RshX, 8), Stmt(ModX, 9), Stmt(XorX, 10), Stmt(Neg, 11), Stmt(RetA, 0)},
		asm: "\tadd x ; k=0x1 ignored by the kernel\n\tsub x ; k=0x2 ignored by the kernel\n\tmul x ; k=0x3 ignored by the kernel\n" +
			"\tdiv x ; k=0x4 ignored by the kernel\n\tor x ; k=0x5 ignored by the kernel\n\tand x ; k=0x6 ignored by the kernel\n" +
			"\tlsh x ; k=0x7 ignored by the kernel\n\trsh x ; k=0x8 ignored by the kernel\n\tmod x ; k=0x9 ignored by the kernel\n" +
			"\txor x ; k=0xa ignored by the kernel\n\tneg ; k=0xb ignored by the kernel\n\tret a\n",
	},
	{
		name: "k in jumps on x, tax and txa",
		p:    Program{Jump(JeqX, 1, 0, 0), Jump(JgtX, 0x80000000, 0, 1), Jump(JsetX, 7, 1, 1), Stmt(Tax, 2), Stmt(Txa, 3), Stmt(RetK, 0)},
		asm: "\tjeq x, l1 ; k=0x1 ignored by the kernel\nl1:\tjle x, l3 ; k=0x80000000 ignored by the kernel\n" +
			"\tjset x, l4, l4 ; k=0x7 ignored by the kernel\nl3:\ttax ; k=0x2 ignored by the kernel\n" +
			"l4:\ttxa ; k=0x3 ignored by the kernel\n\tret #0\n",
	},
	{
		name: "k, jt and jf in ret a",
		p:    Program{Jump(RetA, 5, 1, 0)},
		asm:  "\tret a ; jt=1 jf=0 k=0x5 ignored by the kernel\n",
	},
}

// handWritten holds more programs for the round trips.
func handWritten() map[string]Program {
	m := map[string]Program{
		"every asm code":   everyAsmCode,
		"ethertype":        ethertype,
		"one instruction":  {Stmt(0x06, 0)},
		"zero instruction": {{}},
		"all ones":         {{Op: 0xffff, Jt: 0xff, Jf: 0xff, K: 0xffffffff}},
	}
	for _, n := range notAsm {
		m[n.name] = n.p
	}
	for _, n := range ignoredBits {
		m[n.name] = n.p
	}
	// jt and jf of 255.
	long := Program{Jump(0x15, 0, 255, 255)}
	for range 255 {
		long = append(long, Stmt(0x00, 0))
	}
	m["jump offsets of 255"] = append(long, Stmt(0x06, 0))
	return m
}

type encoding struct {
	f  Format
	be bool
}

var encodings = []encoding{{FormatRaw, false}, {FormatRaw, true}, {FormatAsm, false}, {FormatC, false}, {FormatDDD, false}, {FormatComma, false}}

// roundTrip encodes p in every format and checks that it decodes, with the
// format given and detected, to p again; from asm, to p without the bits
// the kernel ignores.
func roundTrip(t *testing.T, name string, p Program, wantAsm bool) {
	t.Helper()
	for _, e := range encodings {
		want := p
		if e.f == FormatAsm {
			want = withoutIgnoredBits(p)
		}
		enc, err := Encode(p, e.f, e.be)
		if e.f == FormatAsm && !wantAsm {
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Errorf("%s: Encode asm: got %v, want an *EncodeError", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Encode %v: %v", name, e.f, err)
			continue
		}
		got, f, err := Decode(enc, DecodeOptions{Format: e.f, BigEndian: e.be})
		if err != nil || f != e.f || !equalPrograms(got, want) {
			t.Errorf("%s: %v (big-endian %v): decoded as %v, %v: %s\n%s", name, e.f, e.be, f, err, firstDiff(got, want), enc)
			continue
		}
		if e.be {
			continue // detection never guesses big-endian
		}
		got, f, err = Decode(enc, DecodeOptions{})
		if err != nil || f != e.f || !equalPrograms(got, want) {
			t.Errorf("%s: %v: auto-detected as %v, %v", name, e.f, f, err)
		}
	}
}

func TestRoundTripCorpus(t *testing.T) {
	for name, p := range corpusPrograms(t) {
		roundTrip(t, name, p, true)
	}
}

func TestRoundTripHandWritten(t *testing.T) {
	notAsmNames := map[string]bool{}
	for _, n := range notAsm {
		notAsmNames[n.name] = true
	}
	for name, p := range handWritten() {
		roundTrip(t, name, p, !notAsmNames[name] && name != "all ones")
	}
}

func TestRoundTripFiles(t *testing.T) {
	dir := t.TempDir()
	for _, e := range encodings {
		enc, err := Encode(everyAsmCode, e.f, e.be)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "prog."+e.f.String())
		if err := os.WriteFile(path, enc, 0o644); err != nil {
			t.Fatal(err)
		}
		got, _, err := ReadFile(path, DecodeOptions{Format: e.f, BigEndian: e.be})
		if err != nil || !equalPrograms(got, everyAsmCode) {
			t.Errorf("%v: ReadFile: %v", e.f, err)
		}
	}
}

// TestRawBigEndianIsNotLittleEndian guards against a byte order flag that
// does nothing.
func TestRawBigEndianIsNotLittleEndian(t *testing.T) {
	le, _ := Encode(ethertype, FormatRaw, false)
	be, _ := Encode(ethertype, FormatRaw, true)
	if bytes.Equal(le, be) {
		t.Fatal("big- and little-endian encodings are equal")
	}
	if !bytes.HasPrefix(be, []byte{0, 40, 0, 0, 0, 0, 0, 12}) {
		t.Errorf("big-endian encoding starts % x", be[:8])
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode(ethertype, FormatAuto, false); err == nil || !strings.Contains(err.Error(), "cannot encode in format auto") {
		t.Errorf("Encode(auto) error = %v", err)
	}
}
