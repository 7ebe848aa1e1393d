package decision

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// Program compiles the table back to one canonical seccomp filter that
// returns, for every input, the value Lookup returns: for the table of one
// filter that filter's own return value; for the table of a stack the value
// seccomp_run_filters combines from the stack, so a stack's table compiles
// to one filter with the stack's combined behaviour (an ALLOW with data in
// a stack is plain ALLOW, as the kernel acts on it).
//
// The program dispatches by binary search: a jge tree over the arch values
// of the sections, then per section a jge tree over the rows' numbers;
// rows with the same answer share their code. A row of cases compiles to
// loads of the argument halves with the masks and comparisons of its
// conditions; a residual row embeds its residual program, after resetting
// A and X as the kernel does before a filter runs. A stack's residual row
// in which more than one filter's part is a program, or whose program part
// computes its return value (ret a) while another filter's part is a
// constant, is refused with an error naming the row.
//
// The program is checked with verifier.Check; a table whose program would
// exceed the kernel's 4096 instructions is an error.
func (t *Table) Program() (program.Program, error) {
	c := &compiler{rets: map[uint32]label{}, retOf: map[label]uint32{}, bodies: map[string]label{}}
	// Arch dispatch: the arch spans of the sections, split where the byte
	// order changes (bit 30 of an AUDIT_ARCH value is __AUDIT_ARCH_LE), so
	// that the words a condition loads are those of the input's order.
	type span struct {
		lo  uint64
		key string
		sec int
		big bool
	}
	var spans []span
	for _, a := range t.archIndex {
		for _, q := range [...]Range{{0, 0x3fffffff}, {0x40000000, 0x7fffffff}, {0x80000000, 0xbfffffff}, {0xc0000000, 0xffffffff}} {
			lo, hi := max(uint64(a.lo), q.Lo), min(uint64(a.hi), q.Hi)
			if lo > hi {
				continue
			}
			big := bigEndianArch(uint32(lo))
			s := &t.Sections[a.sec]
			if !s.readsWords() {
				big = false
			}
			key := fmt.Sprintf("%d/%v", a.sec, big)
			if n := len(spans); n > 0 && spans[n-1].key == key {
				continue
			}
			spans = append(spans, span{lo, key, a.sec, big})
		}
	}
	secLabels := map[string]label{}
	var secOrder []span
	leaf := func(i int) label {
		if v, ok := t.Sections[spans[i].sec].single(); ok {
			// One answer for every nr: no need to load it.
			return c.ret(v)
		}
		l, ok := secLabels[spans[i].key]
		if !ok {
			l = c.newLabel()
			secLabels[spans[i].key] = l
			secOrder = append(secOrder, spans[i])
		}
		return l
	}
	// Neighbours that lead to the same code are one leaf.
	type arm struct {
		lo uint32
		l  label
	}
	var arms []arm
	for i := range spans {
		l := leaf(i)
		if n := len(arms); n > 0 && arms[n-1].l == l {
			continue
		}
		arms = append(arms, arm{uint32(spans[i].lo), l})
	}
	c.stmt(program.LdAbsW, seccompdata.OffsetArch)
	c.tree(len(arms), func(i int) uint32 { return arms[i].lo }, func(i int) label { return arms[i].l })
	for _, sp := range secOrder {
		c.bind(secLabels[sp.key])
		if err := c.section(&t.Sections[sp.sec], sp.big); err != nil {
			return nil, err
		}
	}
	// The bodies of rows after every tree, so that every jump goes
	// forward; rows with the same answer share one, across sections.
	for _, b := range c.pending {
		c.bind(b.l)
		if b.row.Residual != nil {
			if err := c.residual(b.row.Residual); err != nil {
				return nil, fmt.Errorf("decision: section %s, nr %s: %v", b.sec.Name, b.row.rangeText(), err)
			}
			continue
		}
		c.cases(b.row.Cases, b.big)
	}
	// The shared returns, in order of value.
	vals := make([]uint32, 0, len(c.rets))
	for v := range c.rets {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	for _, v := range vals {
		c.bind(c.rets[v])
		c.stmt(program.RetK, v)
	}
	p, err := c.assemble()
	if err != nil {
		return nil, err
	}
	if len(p) > program.MaxInstructions {
		return nil, fmt.Errorf("decision: the table compiles to %d instructions: %w", len(p), ErrTooLong)
	}
	if err := verifier.Check(p, verifier.Seccomp); err != nil {
		return nil, fmt.Errorf("decision: internal error: the compiled table is not a valid filter: %w", err)
	}
	return p, nil
}

// single returns the section's value when it is one for every input.
func (s *Section) single() (uint32, bool) {
	for i := range s.Rows {
		if s.Rows[i].Cases != nil || s.Rows[i].Residual != nil || s.Rows[i].Ret != s.Rows[0].Ret {
			return 0, false
		}
	}
	return s.Rows[0].Ret, true
}

// readsWords: the section's code depends on the byte order (it loads the
// halves of a 64-bit field, or embeds residual programs).
func (s *Section) readsWords() bool {
	for i := range s.Rows {
		r := &s.Rows[i]
		if r.Residual != nil {
			return true
		}
		for _, c := range r.Cases {
			for _, conj := range c.When {
				for _, cd := range conj {
					if cd.Field != FieldNr && cd.Field != FieldArch {
						return true
					}
				}
			}
		}
	}
	return false
}

// ErrTooLong is the error of Program for a table whose program would be
// longer than the kernel's limit of 4096 instructions (BPF_MAXINSNS).
var ErrTooLong = errors.New("more than the kernel's limit of 4096 instructions")

type label int

// cins is one instruction of the program being built: a plain
// instruction, or a jump to labels (ja: t only). raw instructions are
// copied verbatim, their jumps relative to themselves.
type cins struct {
	ins      program.Instruction
	jump, ja bool
	t, f     label
	trampT   bool // the jump reaches t through a ja right after it
	trampF   bool
}

type compiler struct {
	code    []cins
	labels  []int // label -> index into code, -1 unbound
	rets    map[uint32]label
	retOf   map[label]uint32
	bodies  map[string]label
	pending []body
}

// body is a row's code, emitted after the dispatch trees.
type body struct {
	l   label
	sec *Section
	row *Row
	big bool
}

func (c *compiler) newLabel() label {
	c.labels = append(c.labels, -1)
	return label(len(c.labels) - 1)
}

func (c *compiler) bind(l label) { c.labels[l] = len(c.code) }

func (c *compiler) stmt(op program.Opcode, k uint32) {
	c.code = append(c.code, cins{ins: program.Stmt(op, k)})
}

func (c *compiler) raw(ins program.Instruction) { c.code = append(c.code, cins{ins: ins}) }

func (c *compiler) jmp(op program.Opcode, k uint32, t, f label) {
	c.code = append(c.code, cins{ins: program.Jump(op, k, 0, 0), jump: true, t: t, f: f})
}

func (c *compiler) ret(v uint32) label {
	l, ok := c.rets[v]
	if !ok {
		l = c.newLabel()
		c.rets[v] = l
		c.retOf[l] = v
	}
	return l
}

// tree emits a binary search over n sorted items covering every value of A
// from 0 (item i from lo(i)), leading to leaf(i); it returns the label of
// its root.
func (c *compiler) tree(n int, lo func(int) uint32, leaf func(int) label) label {
	var rec func(i, j int) label
	rec = func(i, j int) label {
		if i == j {
			return leaf(i)
		}
		m := (i + j + 1) / 2
		l := c.newLabel()
		c.bind(l)
		at := len(c.code)
		c.jmp(program.JgeK, lo(m), 0, 0)
		f := rec(i, m-1)
		t := rec(m, j)
		c.code[at].t, c.code[at].f = t, f
		return l
	}
	root := rec(0, n-1)
	if n == 1 {
		// One item: no test, go straight to it.
		c.code = append(c.code, cins{ja: true, t: root})
	}
	return root
}

// section emits the code of one section, for inputs of one byte order.
func (c *compiler) section(s *Section, big bool) error {
	// Rows with the same answer share their code; neighbours with the
	// same answer are one leaf of the tree.
	type item struct {
		lo  uint32
		key string
		row int
	}
	var items []item
	for i := range s.Rows {
		k, err := s.Rows[i].bodyKey()
		if err != nil {
			return fmt.Errorf("decision: section %s, nr %s: %v", s.Name, s.Rows[i].rangeText(), err)
		}
		if n := len(items); n > 0 && items[n-1].key == k {
			continue
		}
		items = append(items, item{s.Rows[i].NrLo, k, i})
	}
	leaf := func(i int) label {
		r := &s.Rows[items[i].row]
		if r.Cases == nil && r.Residual == nil {
			return c.ret(r.Ret)
		}
		key := fmt.Sprintf("%s/%v", items[i].key, big)
		l, ok := c.bodies[key]
		if !ok {
			l = c.newLabel()
			c.bodies[key] = l
			c.pending = append(c.pending, body{l, s, r, big})
		}
		return l
	}
	c.stmt(program.LdAbsW, seccompdata.OffsetNr)
	c.tree(len(items), func(i int) uint32 { return items[i].lo }, leaf)
	return nil
}

// bodyKey identifies a row's answer: rows with equal keys compile to the
// same code.
func (r *Row) bodyKey() (string, error) {
	var b strings.Builder
	switch {
	case r.Residual != nil:
		b.WriteString("residual")
		for _, p := range r.Residual.Filters {
			if p.Const {
				fmt.Fprintf(&b, "|r%x", p.Ret)
			} else {
				fmt.Fprintf(&b, "|p%x", rawBytes(p.Program))
			}
		}
	case r.Cases != nil:
		b.WriteString("cases")
		for _, cs := range r.Cases {
			fmt.Fprintf(&b, "|%x:", cs.Ret)
			for _, conj := range cs.When {
				b.WriteString(conj.key() + "/")
			}
		}
	default:
		fmt.Fprintf(&b, "r%x", r.Ret)
	}
	return b.String(), nil
}

// cases emits a row of cases: the first case whose conditions hold gives
// its value, else the otherwise case.
func (c *compiler) cases(cs []Case, big bool) {
	for _, cas := range cs {
		ret := c.ret(cas.Ret)
		if cas.When == nil {
			c.code = append(c.code, cins{ja: true, t: ret})
			return
		}
		for _, conj := range cas.When {
			next := c.newLabel()
			for i := range conj {
				ok := c.newLabel()
				c.cond(&conj[i], ok, next, big)
				c.bind(ok)
			}
			c.code = append(c.code, cins{ja: true, t: ret})
			c.bind(next)
		}
	}
	// Read refuses a row without an otherwise case; New never builds one.
	c.code = append(c.code, cins{ja: true, t: c.ret(0)})
}

// offsets returns the offsets in seccomp_data of a field's words: for a
// 32-bit field lo only, for a 64-bit one its low and high halves in the
// given byte order.
func offsets(f Field, big bool) (lo, hi uint32) {
	switch f {
	case FieldNr:
		return seccompdata.OffsetNr, 0
	case FieldArch:
		return seccompdata.OffsetArch, 0
	}
	w, half := f.whole()
	base := uint32(seccompdata.OffsetInstructionPointer)
	if w != FieldIP {
		base = uint32(seccompdata.OffsetArgs) + 8*uint32((w-fieldArgs)/3)
	}
	lo, hi = base, base+4
	if big {
		lo, hi = hi, lo
	}
	switch half {
	case 1:
		return lo, 0
	case 2:
		return hi, 0
	}
	return lo, hi
}

// cond emits the test of one condition, going to t where it holds, else
// to f.
func (c *compiler) cond(cd *Cond, t, f label, big bool) {
	lo, hi := offsets(cd.Field, big)
	if cd.In != nil {
		if cd.Field.Bits() == 32 {
			c.stmt(program.LdAbsW, lo)
		}
		for _, r := range cd.In {
			next := c.newLabel()
			if cd.Field.Bits() == 32 {
				switch {
				case r.Lo == r.Hi:
					c.jmp(program.JeqK, uint32(r.Lo), t, next)
				case r.Lo == 0:
					c.jmp(program.JgtK, uint32(r.Hi), next, t)
				default:
					in := c.newLabel()
					c.jmp(program.JgeK, uint32(r.Lo), in, next)
					c.bind(in)
					c.jmp(program.JgtK, uint32(r.Hi), next, t)
				}
			} else {
				// A is clobbered by the 64-bit tests: reload for the
				// next range.
				in := c.newLabel()
				c.cmp64(lo, hi, ^uint64(0), Ge, r.Lo, in, next)
				c.bind(in)
				c.cmp64(lo, hi, ^uint64(0), Le, r.Hi, t, next)
			}
			c.bind(next)
		}
		c.code = append(c.code, cins{ja: true, t: f})
		return
	}
	if cd.Field.Bits() == 32 {
		c.load(lo, uint32(cd.Mask))
		c.cmp32(cd.Op, uint32(cd.K), t, f)
		return
	}
	c.cmp64(lo, hi, cd.Mask, cd.Op, cd.K, t, f)
}

// load loads the word at off, masked.
func (c *compiler) load(off, mask uint32) {
	c.stmt(program.LdAbsW, off)
	if mask != 0xffffffff {
		c.stmt(program.AndK, mask)
	}
}

// cmp32 jumps to t if A op k, else to f.
func (c *compiler) cmp32(op Op, k uint32, t, f label) {
	switch op {
	case Eq:
		c.jmp(program.JeqK, k, t, f)
	case Ne:
		c.jmp(program.JeqK, k, f, t)
	case Gt:
		c.jmp(program.JgtK, k, t, f)
	case Ge:
		c.jmp(program.JgeK, k, t, f)
	case Lt:
		c.jmp(program.JgeK, k, f, t)
	case Le:
		c.jmp(program.JgtK, k, f, t)
	}
}

// cmp64 jumps to t if (v & mask) op k for the 64-bit value v whose halves
// are the words at lo and hi, else to f; unsigned.
func (c *compiler) cmp64(lo, hi uint32, mask uint64, op Op, k uint64, t, f label) {
	mh, ml := uint32(mask>>32), uint32(mask)
	kh, kl := uint32(k>>32), uint32(k)
	switch op {
	case Ne:
		c.cmp64(lo, hi, mask, Eq, k, f, t)
		return
	case Lt:
		c.cmp64(lo, hi, mask, Ge, k, f, t)
		return
	case Le:
		c.cmp64(lo, hi, mask, Gt, k, f, t)
		return
	}
	low := c.newLabel()
	c.load(hi, mh)
	switch op {
	case Eq:
		c.jmp(program.JeqK, kh, low, f)
	default: // Gt, Ge: decided by the high halves unless they are equal
		eq := c.newLabel()
		c.jmp(program.JgtK, kh, t, eq)
		c.bind(eq)
		c.jmp(program.JeqK, kh, low, f)
	}
	c.bind(low)
	c.load(lo, ml)
	c.cmp32(op, kl, t, f)
}

// residual embeds a residual row's program. A stack's row is compiled when
// all but one filter's parts are constants and the program's returns are
// constants: each return is replaced by the combined value.
func (c *compiler) residual(r *Residual) error {
	var prog program.Program
	var consts []uint32
	at := -1
	for i, p := range r.Filters {
		if p.Const {
			consts = append(consts, p.Ret)
			continue
		}
		if prog != nil {
			return errors.New("a stack's residual row with more than one program cannot be compiled to one filter")
		}
		prog, at = p.Program, i
	}
	if prog == nil {
		c.code = append(c.code, cins{ja: true, t: c.ret(combine(consts))})
		return nil
	}
	// The kernel runs a filter with A and X zero (bpf_convert_filter's
	// prologue in net/core/filter.c).
	c.stmt(program.LdImm, 0)
	c.stmt(program.LdxImm, 0)
	for _, ins := range prog {
		op := program.Opcode(ins.Op)
		if len(r.Filters) > 1 && (op == program.RetA || op == program.RetX) {
			return errors.New("a stack's residual row whose program returns a computed value cannot be compiled to one filter")
		}
		if len(r.Filters) > 1 && op == program.RetK {
			rets := slices.Clone(consts)
			rets = slices.Insert(rets, at, ins.K)
			ins.K = combine(rets)
		}
		c.raw(ins)
	}
	return nil
}

// trampoline is the instruction that takes a jump the rest of its way to
// l, off instructions further: a copy of l's ret where l is a shared
// return (as short, and one jump less at run time), else ja.
func (c *compiler) trampoline(l label, off int) program.Instruction {
	if v, ok := c.retOf[l]; ok {
		return program.Stmt(program.RetK, v)
	}
	return program.Stmt(program.Ja, uint32(off))
}

// assemble lays the code out, adding a ja after a conditional jump whose
// target is more than 255 instructions away (the jt and jf fields are 8
// bits), until every jump reaches.
func (c *compiler) assemble() (program.Program, error) {
	addr := make([]int, len(c.code)+1)
	for {
		a := 0
		for i, ci := range c.code {
			addr[i] = a
			a++
			if ci.trampT {
				a++
			}
			if ci.trampF {
				a++
			}
		}
		addr[len(c.code)] = a
		if a > 4*program.MaxInstructions {
			return nil, fmt.Errorf("decision: the table compiles to more than %d instructions: %w", 4*program.MaxInstructions, ErrTooLong)
		}
		changed := false
		for i := range c.code {
			ci := &c.code[i]
			if !ci.jump {
				continue
			}
			base := addr[i] + 1
			if addr[c.labels[ci.t]] < base || addr[c.labels[ci.f]] < base {
				return nil, errors.New("decision: internal error: a backward jump in the compiled table")
			}
			if !ci.trampT && addr[c.labels[ci.t]]-base > 255 {
				ci.trampT, changed = true, true
			}
			if !ci.trampF && addr[c.labels[ci.f]]-base > 255 {
				ci.trampF, changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	p := make(program.Program, 0, addr[len(c.code)])
	for i, ci := range c.code {
		base := addr[i] + 1
		switch {
		case ci.ja:
			p = append(p, program.Stmt(program.Ja, uint32(addr[c.labels[ci.t]]-base)))
		case ci.jump:
			ins := ci.ins
			tr := 0
			tt, tf := addr[c.labels[ci.t]], addr[c.labels[ci.f]]
			if ci.trampT {
				ins.Jt = 0
				tr++
			}
			if ci.trampF {
				ins.Jf = uint8(tr)
				tr++
			}
			if !ci.trampT {
				ins.Jt = uint8(tt - base)
			}
			if !ci.trampF {
				ins.Jf = uint8(tf - base)
			}
			p = append(p, ins)
			if ci.trampT {
				p = append(p, c.trampoline(ci.t, tt-(len(p)+1)))
			}
			if ci.trampF {
				p = append(p, c.trampoline(ci.f, tf-(len(p)+1)))
			}
		default:
			p = append(p, ci.ins)
		}
	}
	return p, nil
}
