package decision

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// SchemaVersion is the version of a table's JSON form (README, "Decision
// tables"). It changes when a field changes meaning or goes away.
const SchemaVersion = 1

// Options say what a table is built for.
type Options struct {
	// Names are the policies of the stack, in install order, for the
	// table's header; the table is still built without them.
	Names []string
	// Kernel is the kernel the rows' kernel view (action cache, bypass)
	// is for.
	Kernel KernelView
}

// Table is the decision table of a seccomp filter or a stack of them: for
// every arch the stack tells apart and every syscall number, what the
// stack returns, either one value or a value for each set of argument
// (and instruction_pointer) conditions, or, where those cannot express it,
// the residual programs that decide it. Every input falls in exactly one
// row, and Lookup gives what the filters return for it.
//
// A table is immutable once built and safe for concurrent use.
type Table struct {
	// Policy names the filters, in install order.
	Policy []string
	// Filters is the number of filters of the stack.
	Filters int
	// Kernel is the kernel the Cached and Bypass columns are for.
	Kernel KernelView
	// Sections, named arches first (x86_64 first), then the others by
	// their lowest arch value.
	Sections []Section
	// Residuals counts the rows kept as residual programs.
	Residuals int

	archIndex []archSpan
}

type archSpan struct {
	lo, hi uint32
	sec    int
}

// Section is the rows of the arch values a stack does not tell apart.
type Section struct {
	// Name is the arch's name ("x86_64") for a known AUDIT_ARCH value
	// the stack tells apart (x86_64 and i386 always are: they are what an
	// x86_64 kernel runs), else "any other arch", or "other arches N" when
	// the stack treats other arch values differently from each other.
	Name string
	// Audit is the AUDIT_ARCH value of a named section.
	Audit uint32
	// Arches are the arch values of the section (sorted, disjoint).
	Arches []Range
	// BigEndian: every arch value of the section is big-endian (no
	// __AUDIT_ARCH_LE), so the first word of a 64-bit field of
	// seccomp_data is its high half; residual programs run in that
	// order. A section with residual rows holds arch values of one byte
	// order; one without may hold both, since conditions read fields,
	// not words.
	BigEndian bool
	// Rows cover every nr, as an unsigned 32-bit value, in order.
	Rows []Row
}

// Row is one range of syscall numbers with one answer.
type Row struct {
	// NrLo..NrHi, inclusive, as unsigned 32-bit values (negative numbers
	// are 0x80000000 and up).
	NrLo, NrHi uint32
	// Region says where the numbers lie in the arch's syscall table:
	// "table", "below the table", "past the table", "x32", "past the x32
	// table", "negative"; "" in a section without a table.
	Region string
	// Syscalls are the names of the numbers of the range that have one,
	// in order; Unnamed counts the others.
	Syscalls []string
	Unnamed  uint64

	// The answer is one of: Cases (argument-dependent), Residual (kept
	// as programs), or else Ret for every input of the row.
	Ret      uint32
	Cases    []Case
	Residual *Residual

	// Cached: the kernel's action cache answers ALLOW for these numbers
	// without running the filters. Bypass: the kernel runs these
	// syscalls without asking the filters at all (uretprobe, uprobe), so
	// the row's answer is what the filters would say, not what happens.
	Cached, Bypass bool

	// Witness is an input of the row with its answer, for a row with one
	// answer or a residual row; each Case has its own.
	Witness *Witness
}

// Case is one answer of an argument-dependent row: where When holds (any
// of its conjunctions), the stack returns Ret. The last Case of a row has
// When nil: "otherwise", every other input of the row. Cases never
// overlap.
type Case struct {
	When    []Conj
	Ret     uint32
	Witness Witness
}

// Residual is a row the conditions cannot express: the residual program of
// each filter, specialised to the row's arch and numbers, decides it.
type Residual struct {
	// Reason says why the row is not written as conditions.
	Reason string
	// Filters, in install order.
	Filters []Part
}

// Part is one filter's share of a residual row: a constant, or a program.
type Part struct {
	Const   bool
	Ret     uint32
	Program program.Program
	filter  *vm.Filter
}

// Witness is one input and the value the stack returns for it.
type Witness struct {
	Arch seccompdata.Arch
	Data seccompdata.Data
	Ret  uint32
}

// archClass is one filter's classes for a range of arch values.
type archClass struct {
	lo, hi  uint32
	classes []vm.Class
	keys    []string // per class: its answer as a string, for memo keys
	reads   []bool   // per class: its residual reads nr or arch
}

type builder struct {
	stack   vm.Stack
	kernel  KernelView
	filters [][]archClass
	memo    map[string]*decision
	// compiled holds the residual programs compiled for residual rows.
	compiled map[string]*vm.Filter
	folder   aluFolder
	budget   budget
	native   []bool // cache bits
	compat   []bool
}

// New builds the table of a stack of seccomp filters (one filter is a
// stack of one), in install order.
func New(stack vm.Stack, opts Options) (*Table, error) {
	if len(stack) == 0 {
		return nil, errors.New("decision: no filter")
	}
	for i, f := range stack {
		if f == nil || f.Mode() != verifier.Seccomp {
			return nil, fmt.Errorf("decision: filter %d is not a seccomp filter", i)
		}
	}
	b := &builder{stack: stack, kernel: opts.Kernel, memo: map[string]*decision{}, compiled: map[string]*vm.Filter{}, budget: budget{maxTableSteps, maxTableNodes}}
	b.native, b.compat = opts.Kernel.cacheMap(stack)
	for _, f := range stack {
		b.filters = append(b.filters, archClasses(f.Classes()))
	}
	t := &Table{Policy: slices.Clone(opts.Names), Filters: len(stack), Kernel: opts.Kernel}
	if err := b.build(t); err != nil {
		return nil, err
	}
	t.index()
	return t, nil
}

func archClasses(cs []vm.Class) []archClass {
	var out []archClass
	for _, c := range cs {
		if n := len(out); n == 0 || out[n-1].lo != c.ArchLo {
			out = append(out, archClass{lo: c.ArchLo, hi: c.ArchHi})
		}
		ac := &out[len(out)-1]
		ac.classes = append(ac.classes, c)
		key, reads := fmt.Sprintf("r%x", c.Ret), false
		if !c.Const {
			key = "p" + string(rawBytes(c.Residual))
			for _, in := range c.Residual {
				if program.Opcode(in.Op) == program.LdAbsW && in.K < 8 {
					reads = true
				}
			}
		}
		ac.keys = append(ac.keys, key)
		ac.reads = append(ac.reads, reads)
	}
	return out
}

func rawBytes(p program.Program) []byte {
	b := make([]byte, 8*len(p))
	for i, in := range p {
		binary.LittleEndian.PutUint16(b[8*i:], in.Op)
		b[8*i+2], b[8*i+3] = in.Jt, in.Jf
		binary.LittleEndian.PutUint32(b[8*i+4:], in.K)
	}
	return b
}

// findLo returns the index of the last of n sorted items whose lo is at
// most v: the item holding v, for items that cover everything from 0.
func findLo(n int, lo func(int) uint32, v uint32) int {
	return sort.Search(n, func(i int) bool { return lo(i) > v }) - 1
}

// The arch values an x86_64 kernel runs are always told apart; the
// quadrants of the __AUDIT_ARCH_LE and __AUDIT_ARCH_64BIT bits keep every
// section of one byte order.
var forcedArchCuts = []uint32{
	seccompdata.AuditArchX86_64, seccompdata.AuditArchX86_64 + 1,
	seccompdata.AuditArchI386, seccompdata.AuditArchI386 + 1,
	0x40000000, 0x80000000, 0xc0000000,
}

type segment struct {
	lo, hi uint32
	arch   seccompdata.Arch // named: the arch
	named  bool
	rows   []Row
	key    string
	// residual: some row is decided by residual programs.
	residual bool
}

func (b *builder) build(t *Table) error {
	cuts := map[uint32]bool{0: true}
	for _, f := range b.filters {
		for _, ac := range f {
			cuts[ac.lo] = true
		}
	}
	for _, c := range forcedArchCuts {
		cuts[c] = true
	}
	starts := make([]uint32, 0, len(cuts))
	for c := range cuts {
		starts = append(starts, c)
	}
	slices.Sort(starts)
	var segs []*segment
	for i, lo := range starts {
		hi := uint32(0xffffffff)
		if i+1 < len(starts) {
			hi = starts[i+1] - 1
		}
		s := &segment{lo: lo, hi: hi}
		if lo == hi {
			if a, ok := seccompdata.ArchByAudit(lo); ok {
				s.arch, s.named = a, true
			}
		}
		if err := b.rows(s); err != nil {
			return err
		}
		segs = append(segs, s)
	}
	// Named sections in seccompdata's order, x86_64 first.
	order := map[string]int{}
	for i, a := range seccompdata.Arches() {
		order[a.Name] = i
	}
	var named []*segment
	var others []*segment
	for _, s := range segs {
		if s.named {
			named = append(named, s)
		} else {
			others = append(others, s)
		}
	}
	slices.SortStableFunc(named, func(a, b *segment) int { return order[a.arch.Name] - order[b.arch.Name] })
	for _, s := range named {
		t.Sections = append(t.Sections, Section{Name: s.arch.Name, Audit: s.lo, Arches: []Range{{uint64(s.lo), uint64(s.hi)}},
			BigEndian: bigEndianArch(s.lo), Rows: s.rows})
	}
	// Other arch values: one section per distinct set of rows.
	var groups [][]*segment
	byKey := map[string]int{}
	for _, s := range others {
		// Conditions name fields, not words, so sections of both byte
		// orders read the same unless residual programs (which read
		// words) decide some row.
		k := s.key
		if s.residual {
			k = fmt.Sprintf("%v|%s", bigEndianArch(s.lo), s.key)
		}
		g, ok := byKey[k]
		if !ok {
			g = len(groups)
			byKey[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], s)
	}
	for gi, g := range groups {
		sec := Section{Name: "any other arch", Rows: g[0].rows}
		var set ivset
		for _, s := range g {
			set = set.union(ivset{{uint64(s.lo), uint64(s.hi)}})
		}
		sec.Arches = toRanges(set)
		sec.BigEndian = set.intersect(byteOrderQuadrants(true)).equal(set)
		if len(groups) > 1 {
			sec.Name = fmt.Sprintf("other arches %d", gi+1)
		}
		t.Sections = append(t.Sections, sec)
	}
	for _, sec := range t.Sections {
		for _, r := range sec.Rows {
			if r.Residual != nil {
				t.Residuals++
			}
		}
	}
	return nil
}

// bigEndianArch: an AUDIT_ARCH value without __AUDIT_ARCH_LE is a
// big-endian arch (include/uapi/linux/audit.h; seccompdata.ArchOf).
func bigEndianArch(audit uint32) bool { return audit&0x40000000 == 0 }

// region is a range of numbers of an arch's syscall table.
type region struct {
	lo, hi uint32
	name   string
	table  []seccompdata.Syscall
}

func regions(a seccompdata.Arch, named bool) []region {
	const neg = 0x80000000
	tab := a.Syscalls()
	if !named || len(tab) == 0 {
		return []region{{0, 0xffffffff, "", nil}}
	}
	var out []region
	tmin, tmax := uint32(tab[0].Nr), uint32(tab[len(tab)-1].Nr)
	if tmin > 0 {
		out = append(out, region{0, tmin - 1, "below the table", nil})
	}
	out = append(out, region{tmin, tmax, "table", tab})
	if a.Audit == seccompdata.AuditArchX86_64 {
		x32, _ := seccompdata.LookupArch("x32")
		xt := x32.Syscalls()
		xmax := uint32(xt[len(xt)-1].Nr)
		out = append(out, region{tmax + 1, seccompdata.X32SyscallBit - 1, "past the table", nil},
			region{seccompdata.X32SyscallBit, xmax, "x32", xt},
			region{xmax + 1, neg - 1, "past the x32 table", nil})
	} else {
		out = append(out, region{tmax + 1, neg - 1, "past the table", nil})
	}
	return append(out, region{neg, 0xffffffff, "negative", nil})
}

// rows computes the rows of one arch segment.
func (b *builder) rows(s *segment) error {
	regs := regions(s.arch, s.named)
	// Each filter's arch class for the segment.
	acs := make([]*archClass, len(b.filters))
	for i, f := range b.filters {
		j := findLo(len(f), func(k int) uint32 { return f[k].lo }, s.lo)
		acs[i] = &f[j]
	}
	cuts := map[uint32]bool{0: true}
	for _, ac := range acs {
		for _, c := range ac.classes {
			cuts[c.NrLo] = true
		}
	}
	for _, r := range regs {
		cuts[r.lo] = true
	}
	var cache []bool
	if s.named {
		switch s.lo {
		case seccompdata.AuditArchX86_64:
			cache = b.native
			for _, nr := range []uint32{seccompdata.NrUretprobeX86_64, seccompdata.NrUprobeX86_64} {
				if b.kernel.bypasses(s.lo, nr) {
					cuts[nr], cuts[nr+1] = true, true
				}
			}
		case seccompdata.AuditArchI386:
			cache = b.compat
		}
	}
	for nr := range cache {
		if nr == 0 || cache[nr] != cache[nr-1] {
			cuts[uint32(nr)] = true
		}
	}
	cuts[uint32(len(cache))] = true
	starts := make([]uint32, 0, len(cuts))
	for c := range cuts {
		starts = append(starts, c)
	}
	slices.Sort(starts)
	var keys []string
	for i, lo := range starts {
		hi := uint32(0xffffffff)
		if i+1 < len(starts) {
			hi = starts[i+1] - 1
		}
		reg := regs[findLo(len(regs), func(k int) uint32 { return regs[k].lo }, lo)]
		classes := make([]vm.Class, len(acs))
		ckeys := make([]string, len(acs))
		reads := false
		for j, ac := range acs {
			k := findLo(len(ac.classes), func(m int) uint32 { return ac.classes[m].NrLo }, lo)
			classes[j], ckeys[j] = ac.classes[k], ac.keys[k]
			reads = reads || ac.reads[k]
		}
		d, err := b.decide(s, lo, hi, classes, ckeys, reads)
		if err != nil {
			return err
		}
		cached := int(lo) < len(cache) && cache[lo]
		bypass := s.named && b.kernel.bypasses(s.lo, lo)
		if n := len(s.rows); n > 0 {
			last := &s.rows[n-1]
			if last.Region == reg.name && keys[n-1] == d.key && last.Cached == cached && last.Bypass == bypass {
				last.NrHi = hi
				continue
			}
		}
		s.rows = append(s.rows, b.row(s, lo, hi, reg.name, d, cached, bypass))
		keys = append(keys, d.key)
	}
	for i := range s.rows {
		r := &s.rows[i]
		reg := regs[findLo(len(regs), func(k int) uint32 { return regs[k].lo }, r.NrLo)]
		r.Syscalls, r.Unnamed = names(reg.table, r.NrLo, r.NrHi)
	}
	var kb strings.Builder
	for i, r := range s.rows {
		fmt.Fprintf(&kb, "%x-%x:%s;", r.NrLo, r.NrHi, keys[i])
		s.residual = s.residual || r.Residual != nil
	}
	s.key = kb.String()
	return nil
}

// names returns the syscalls of tab numbered lo..hi, and how many numbers
// of the range have none; nothing outside a table.
func names(tab []seccompdata.Syscall, lo, hi uint32) ([]string, uint64) {
	if tab == nil {
		return nil, 0
	}
	i := sort.Search(len(tab), func(i int) bool { return uint32(tab[i].Nr) >= lo })
	var out []string
	for ; i < len(tab) && uint32(tab[i].Nr) <= hi; i++ {
		out = append(out, tab[i].Name)
	}
	return out, uint64(hi-lo) + 1 - uint64(len(out))
}

// decision is a cell's answer, shared by every cell with the same
// programs (and, when they read nr or arch, the same ranges).
type decision struct {
	key      string
	ret      uint32
	cases    []Case
	residual *Residual
	reads    bool // the answer depends on nr or arch within the cell
	wit      [16]uint32
	fromPath bool // wit comes from a path of the cell
}

func (b *builder) decide(s *segment, lo, hi uint32, classes []vm.Class, ckeys []string, reads bool) (*decision, error) {
	allConst := true
	for _, c := range classes {
		allConst = allConst && c.Const
	}
	if allConst {
		rets := make([]uint32, len(classes))
		for i, c := range classes {
			rets[i] = c.Ret
		}
		d := &decision{ret: combine(rets)}
		d.key = fmt.Sprintf("r%x", d.ret)
		return d, nil
	}
	key := strings.Join(ckeys, "|")
	if reads {
		key += fmt.Sprintf("|%x-%x|%x-%x", lo, hi, s.lo, s.hi)
	} else {
		key += fmt.Sprintf("|%v", bigEndianArch(s.lo))
	}
	if d, ok := b.memo[key]; ok {
		return d, nil
	}
	d, err := b.explore(s, lo, hi, classes)
	if err != nil {
		return nil, err
	}
	d.reads = reads
	b.memo[key] = d
	return d, nil
}

func combine(rets []uint32) uint32 {
	if len(rets) == 1 {
		return rets[0]
	}
	r, _ := seccompdata.Combine(rets)
	return r
}

func (b *builder) explore(s *segment, lo, hi uint32, classes []vm.Class) (*decision, error) {
	big := bigEndianArch(s.lo)
	e := &explorer{
		progs:  make([]program.Program, len(classes)),
		consts: make([]uint32, len(classes)),
		order:  func(w int) string { return wordField(w, big).String() },
		folder: &b.folder,
		table:  &b.budget,
	}
	for i, c := range classes {
		if c.Const {
			e.consts[i] = c.Ret
		} else {
			e.progs[i] = c.Residual
		}
	}
	ctx := [2]ivset{{{uint64(lo), uint64(hi)}}, {{uint64(s.lo), uint64(s.hi)}}}
	var st pathState
	st.words[0] = word{set: ctx[0], wit: lo}
	st.words[1] = word{set: ctx[1], wit: s.lo}
	e.run(st)
	if e.fail != "" {
		r := &Residual{Reason: e.fail}
		var kb strings.Builder
		kb.WriteString("x")
		for i, c := range classes {
			if c.Const {
				r.Filters = append(r.Filters, Part{Const: true, Ret: c.Ret})
				fmt.Fprintf(&kb, "|r%x", c.Ret)
				continue
			}
			f, err := b.residualFilter(i, c)
			if err != nil {
				return nil, fmt.Errorf("decision: the residual program of filter %d for nr %#x on arch %#x: %v", i, lo, s.lo, err)
			}
			r.Filters = append(r.Filters, Part{Program: c.Residual, filter: f})
			fmt.Fprintf(&kb, "|p%x", rawBytes(c.Residual))
		}
		return &decision{key: kb.String(), residual: r}, nil
	}
	groups := groupLeaves(e.leaves, ctx, big)
	if len(groups) == 1 {
		d := &decision{ret: groups[0].ret, wit: groups[0].wit.wit, fromPath: true}
		d.key = fmt.Sprintf("r%x", d.ret)
		return d, nil
	}
	other := 0
	for i, g := range groups {
		if weight(g.conjs) > weight(groups[other].conjs) {
			other = i
		}
	}
	d := &decision{}
	var kb strings.Builder
	emit := func(g group, when []Conj) {
		d.cases = append(d.cases, Case{When: when, Ret: g.ret, Witness: Witness{Data: dataOf(g.wit.wit, big), Ret: g.ret}})
		fmt.Fprintf(&kb, "%x:", g.ret)
		for _, c := range when {
			kb.WriteString(c.key())
			kb.WriteString("||")
		}
		kb.WriteString("\n")
	}
	for i, g := range groups {
		if i != other {
			emit(g, g.conjs)
		}
	}
	emit(groups[other], nil)
	d.key = kb.String()
	return d, nil
}

// residualFilter compiles a class's residual program once; a class left to
// the plain interpreter has the filter itself as its residual.
func (b *builder) residualFilter(i int, c vm.Class) (*vm.Filter, error) {
	if !c.Precomputed {
		return b.stack[i], nil
	}
	key := string(rawBytes(c.Residual))
	if f, ok := b.compiled[key]; ok {
		return f, nil
	}
	f, err := vm.Compile(c.Residual, verifier.Seccomp)
	if err != nil {
		return nil, err
	}
	b.compiled[key] = f
	return f, nil
}

// dataOf is the seccomp_data whose words are w in the given byte order.
func dataOf(w [16]uint32, big bool) seccompdata.Data {
	join := func(i int) uint64 {
		first, second := uint64(w[i]), uint64(w[i+1])
		if big {
			return first<<32 | second
		}
		return second<<32 | first
	}
	d := seccompdata.Data{Nr: int32(w[0]), Arch: w[1], InstructionPointer: join(2)}
	for i := range d.Args {
		d.Args[i] = join(4 + 2*i)
	}
	return d
}

// row makes the row of cells lo..hi with decision d; its witnesses take
// the row's first number and the segment's first arch value unless the
// answer depends on them.
func (b *builder) row(s *segment, lo, hi uint32, reg string, d *decision, cached, bypass bool) Row {
	r := Row{NrLo: lo, NrHi: hi, Region: reg, Ret: d.ret, Residual: d.residual, Cached: cached, Bypass: bypass}
	// A witness from a path keeps its nr and arch when the answer
	// depends on them (the path's are in the cell); any other takes the
	// row's first number and the segment's first arch value.
	place := func(data seccompdata.Data, ret uint32, fromPath bool) Witness {
		if !fromPath || !d.reads {
			data.Nr, data.Arch = int32(lo), s.lo
		}
		a, ok := seccompdata.ArchFor(data.Arch, data.Nr)
		if !ok {
			a = seccompdata.ArchOf(data.Arch)
		}
		return Witness{Arch: a, Data: data, Ret: ret}
	}
	switch {
	case d.cases != nil:
		r.Cases = slices.Clone(d.cases)
		for i := range r.Cases {
			r.Cases[i].Witness = place(r.Cases[i].Witness.Data, r.Cases[i].Ret, true)
		}
	case d.residual != nil:
		w := place(seccompdata.Data{}, 0, false)
		w.Ret = d.residual.run(&w.Data, bigEndianArch(s.lo))
		r.Witness = &w
	default:
		w := place(dataOf(d.wit, bigEndianArch(s.lo)), d.ret, d.fromPath)
		r.Witness = &w
	}
	return r
}

// run evaluates a residual row on d.
func (r *Residual) run(d *seccompdata.Data, big bool) uint32 {
	var order binary.ByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	w := d.Words(order)
	rets := make([]uint32, len(r.Filters))
	for i, p := range r.Filters {
		if p.Const {
			rets[i] = p.Ret
		} else {
			rets[i] = p.filter.RunSeccomp(&w)
		}
	}
	return combine(rets)
}

func (t *Table) index() {
	t.archIndex = t.archIndex[:0]
	for i, s := range t.Sections {
		for _, r := range s.Arches {
			t.archIndex = append(t.archIndex, archSpan{uint32(r.Lo), uint32(r.Hi), i})
		}
	}
	slices.SortFunc(t.archIndex, func(a, b archSpan) int { return cmp.Compare(a.lo, b.lo) })
}

// Lookup returns what the stack returns for d, read from the table: for a
// single filter its own return value, for a stack the value
// seccomp_run_filters combines from theirs. d's words are laid out in the
// byte order of d.Arch, as for the vm.
func (t *Table) Lookup(d *seccompdata.Data) uint32 {
	s, r := t.Find(d)
	switch {
	case r.Residual != nil:
		return r.Residual.run(d, s.BigEndian)
	case r.Cases != nil:
		for i := range r.Cases {
			c := &r.Cases[i]
			if c.When == nil {
				return c.Ret
			}
			for _, conj := range c.When {
				if conj.Holds(d) {
					return c.Ret
				}
			}
		}
		panic("decision: a row without an otherwise case")
	}
	return r.Ret
}

// Find returns the section and row d falls in.
func (t *Table) Find(d *seccompdata.Data) (*Section, *Row) {
	i := findLo(len(t.archIndex), func(k int) uint32 { return t.archIndex[k].lo }, d.Arch)
	s := &t.Sections[t.archIndex[i].sec]
	nr := uint32(d.Nr)
	j := findLo(len(s.Rows), func(k int) uint32 { return s.Rows[k].NrLo }, nr)
	return s, &s.Rows[j]
}

// Witnesses returns every witness of the table, row by row.
func (t *Table) Witnesses() []Witness {
	var out []Witness
	for _, s := range t.Sections {
		for _, r := range s.Rows {
			if r.Witness != nil {
				out = append(out, *r.Witness)
			}
			for _, c := range r.Cases {
				out = append(out, c.Witness)
			}
		}
	}
	return out
}
