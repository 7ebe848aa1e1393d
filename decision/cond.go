package decision

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Field is what a condition reads of a syscall: nr, arch, the
// instruction_pointer or an argument, whole (64 bits) or one 32-bit half.
// A half is named by significance ("args[0] hi" is bits 32-63), whatever
// the arch's byte order; which word of seccomp_data holds it is the
// table's business.
type Field uint8

// Fields. Args(i), ArgLo(i) and ArgHi(i) name the argument fields.
const (
	FieldNr Field = iota
	FieldArch
	FieldIP
	FieldIPLo
	FieldIPHi
	fieldArgs // args[0], then args[0] lo, args[0] hi, args[1], ...
)

// Arg returns the field args[i], 64 bits.
func Arg(i int) Field { return fieldArgs + Field(3*i) }

// ArgLo returns the field "args[i] lo", bits 0-31 of args[i].
func ArgLo(i int) Field { return Arg(i) + 1 }

// ArgHi returns the field "args[i] hi", bits 32-63 of args[i].
func ArgHi(i int) Field { return Arg(i) + 2 }

const fieldEnd = fieldArgs + 18

// String names the field as conditions print it: "nr", "arch", "ip",
// "ip lo", "ip hi", "args[2]", "args[2] lo", "args[2] hi".
func (f Field) String() string {
	switch f {
	case FieldNr:
		return "nr"
	case FieldArch:
		return "arch"
	case FieldIP:
		return "ip"
	case FieldIPLo:
		return "ip lo"
	case FieldIPHi:
		return "ip hi"
	}
	if f >= fieldArgs && f < fieldEnd {
		i := int(f-fieldArgs) / 3
		return fmt.Sprintf("args[%d]", i) + [...]string{"", " lo", " hi"}[(f-fieldArgs)%3]
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

func parseField(s string) (Field, bool) {
	for f := FieldNr; f < fieldEnd; f++ {
		if f.String() == s {
			return f, true
		}
	}
	return 0, false
}

// Bits is the field's width: 64 for ip and args[i], else 32.
func (f Field) Bits() int {
	if f == FieldIP || f >= fieldArgs && (f-fieldArgs)%3 == 0 {
		return 64
	}
	return 32
}

// Value returns the field of d.
func (f Field) Value(d *seccompdata.Data) uint64 {
	switch f {
	case FieldNr:
		return uint64(uint32(d.Nr))
	case FieldArch:
		return uint64(d.Arch)
	case FieldIP:
		return d.InstructionPointer
	case FieldIPLo:
		return d.InstructionPointer & 0xffffffff
	case FieldIPHi:
		return d.InstructionPointer >> 32
	}
	a := d.Args[(f-fieldArgs)/3]
	switch (f - fieldArgs) % 3 {
	case 1:
		return a & 0xffffffff
	case 2:
		return a >> 32
	}
	return a
}

// whole returns the 64-bit field a half belongs to, and which half it is
// (1 low, 2 high); 0 for a field that is not a half.
func (f Field) whole() (Field, int) {
	switch {
	case f == FieldIPLo:
		return FieldIP, 1
	case f == FieldIPHi:
		return FieldIP, 2
	case f >= fieldArgs && f < fieldEnd && (f-fieldArgs)%3 != 0:
		r := (f - fieldArgs) % 3
		return f - r, int(r)
	}
	return f, 0
}

// halves returns the low and high half of a 64-bit field.
func (f Field) halves() (lo, hi Field) {
	if f == FieldIP {
		return FieldIPLo, FieldIPHi
	}
	return f + 1, f + 2
}

// wordField names word w (of seccomp_data's 16) in the given byte order:
// on a little-endian arch the low half of a 64-bit field comes first.
func wordField(w int, bigEndian bool) Field {
	switch w {
	case 0:
		return FieldNr
	case 1:
		return FieldArch
	}
	first := (w % 2) == 0 // the word at the lower offset
	lowHalf := first != bigEndian
	var lo, hi Field
	if w < 4 {
		lo, hi = FieldIPLo, FieldIPHi
	} else {
		i := (w - 4) / 2
		lo, hi = ArgLo(i), ArgHi(i)
	}
	if lowHalf {
		return lo
	}
	return hi
}

// Range is an inclusive range of values.
type Range struct{ Lo, Hi uint64 }

// Cond is one condition on a field. With In set, the field's value lies in
// one of the ranges (sorted, disjoint, not adjacent); otherwise
// (value & Mask) Op K holds.
type Cond struct {
	Field Field
	In    []Range
	Mask  uint64
	Op    Op
	K     uint64
}

// Holds reports whether c holds for d.
func (c *Cond) Holds(d *seccompdata.Data) bool {
	v := c.Field.Value(d)
	if c.In != nil {
		i, _ := slices.BinarySearchFunc(c.In, v, func(r Range, v uint64) int {
			if r.Hi < v {
				return -1
			}
			return 1
		})
		return i < len(c.In) && c.In[i].Lo <= v
	}
	return c.Op.holds(v&c.Mask, c.K)
}

// Conj is a conjunction: every condition holds. The empty Conj always
// holds.
type Conj []Cond

// Holds reports whether every condition of c holds for d.
func (c Conj) Holds(d *seccompdata.Data) bool {
	for i := range c {
		if !c[i].Holds(d) {
			return false
		}
	}
	return true
}

func toRanges(s ivset) []Range {
	out := make([]Range, len(s))
	for i, r := range s {
		out[i] = Range{r.lo, r.hi}
	}
	return out
}

func fromRanges(rs []Range) ivset {
	out := make(ivset, len(rs))
	for i, r := range rs {
		out[i] = span{r.Lo, r.Hi}
	}
	return out
}

func fieldMax(f Field) uint64 {
	if f.Bits() == 64 {
		return ^uint64(0)
	}
	return 0xffffffff
}

// key is a canonical encoding of c, for grouping.
func (c *Cond) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", c.Field)
	if c.In != nil {
		for _, r := range c.In {
			fmt.Fprintf(&b, "[%x,%x]", r.Lo, r.Hi)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "&%x%s%x", c.Mask, c.Op, c.K)
	return b.String()
}

func (c Conj) key() string {
	parts := make([]string, len(c))
	for i := range c {
		parts[i] = c[i].key()
	}
	return strings.Join(parts, ";")
}

// String writes c the way people write conditions in C: "args[0] == 38",
// "args[0] & 0x7e020000 == 0", "args[1] hi == 0", "args[0] <= 37 ||
// args[0] == 39 || args[0] >= 41" (a set of ranges), or, where the
// ranges leave out only a few single values, "args[0] != 38 && args[0] !=
// 40".
func (c Cond) String() string {
	t, _ := c.text()
	return t
}

// text is String and how the text joins its parts: 0 a single
// comparison, '&' with &&, '|' with ||.
func (c *Cond) text() (string, byte) {
	name := c.Field.String()
	if c.In == nil {
		if c.Mask == fieldMax(c.Field) {
			return fmt.Sprintf("%s %s %s", name, c.Op, num(c.Field, c.K)), 0
		}
		return fmt.Sprintf("%s & %s %s %s", name, hex(c.Mask), c.Op, num(c.Field, c.K)), 0
	}
	max := fieldMax(c.Field)
	in := fromRanges(c.In)
	out := in.complement(max)
	if len(in) == 0 {
		return "false", 0
	}
	if len(out) == 0 {
		return "true", 0
	}
	// A set that leaves out a few single values reads better as !=.
	points := true
	for _, r := range out {
		points = points && r.lo == r.hi
	}
	if points && len(out) < len(in)+1 {
		parts := make([]string, len(out))
		for i, r := range out {
			parts[i] = fmt.Sprintf("%s != %s", name, num(c.Field, r.lo))
		}
		return strings.Join(parts, " && "), joiner(len(parts), '&')
	}
	var parts []string
	for _, r := range in {
		switch {
		case r.lo == r.hi:
			parts = append(parts, fmt.Sprintf("%s == %s", name, num(c.Field, r.lo)))
		case r.lo == 0:
			parts = append(parts, fmt.Sprintf("%s <= %s", name, num(c.Field, r.hi)))
		case r.hi == max:
			parts = append(parts, fmt.Sprintf("%s >= %s", name, num(c.Field, r.lo)))
		case len(in) == 1:
			return fmt.Sprintf("%s >= %s && %s <= %s", name, num(c.Field, r.lo), name, num(c.Field, r.hi)), '&'
		default:
			parts = append(parts, fmt.Sprintf("(%s >= %s && %s <= %s)", name, num(c.Field, r.lo), name, num(c.Field, r.hi)))
		}
	}
	return strings.Join(parts, " || "), joiner(len(parts), '|')
}

func joiner(n int, j byte) byte {
	if n > 1 {
		return j
	}
	return 0
}

// String writes c as its conditions joined by &&, with parentheses around
// a condition that is itself a disjunction; "true" for the empty Conj.
func (c Conj) String() string {
	if len(c) == 0 {
		return "true"
	}
	parts := make([]string, len(c))
	for i := range c {
		t, j := c[i].text()
		if j == '|' && len(c) > 1 {
			t = "(" + t + ")"
		}
		parts[i] = t
	}
	return strings.Join(parts, " && ")
}

// WhenText writes a disjunction of conjunctions, each conjunction of more
// than one part in parentheses.
func WhenText(when []Conj) string {
	parts := make([]string, len(when))
	for i, c := range when {
		t := c.String()
		if len(when) > 1 && (len(c) > 1 || len(c) == 1 && joinerOf(&c[0]) == '&') {
			t = "(" + t + ")"
		}
		parts[i] = t
	}
	return strings.Join(parts, " || ")
}

func joinerOf(c *Cond) byte {
	_, j := c.text()
	return j
}

// num writes a value: decimal below 4096, else hex; arch and ip always
// hex.
func num(f Field, v uint64) string {
	if v < 4096 && f != FieldArch && f != FieldIP && f != FieldIPLo && f != FieldIPHi {
		return fmt.Sprint(v)
	}
	return hex(v)
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }
