package decision

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// OCIProfile is a seccomp profile in the shape the OCI runtime spec gives
// it (specs-go LinuxSeccomp), as runc, crun, containerd and Docker read
// it.
type OCIProfile struct {
	DefaultAction   string       `json:"defaultAction"`
	DefaultErrnoRet *uint        `json:"defaultErrnoRet,omitempty"`
	Architectures   []string     `json:"architectures,omitempty"`
	Syscalls        []OCISyscall `json:"syscalls,omitempty"`
}

// OCISyscall is one entry of syscalls: where a syscall of Names is made
// and every one of Args holds, the filter returns Action.
type OCISyscall struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	Args     []OCIArg `json:"args,omitempty"`
}

// OCIArg is one comparison of an argument: args[Index] Op Value, or for
// SCMP_CMP_MASKED_EQ, args[Index] & Value == ValueTwo.
type OCIArg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// OCIRow is a row of a table that a profile cannot express, and why.
type OCIRow struct {
	Section    string
	NrLo, NrHi uint32
	Syscalls   []string
	Reason     string
}

// OCIError lists the rows of a table that a profile cannot express.
type OCIError struct {
	Rows []OCIRow
}

func (e *OCIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows cannot be expressed as an OCI seccomp profile:", len(e.Rows))
	for _, r := range e.Rows {
		nr := fmt.Sprintf("%#x", r.NrLo)
		if r.NrLo < 4096 {
			nr = fmt.Sprint(r.NrLo)
		}
		if r.NrHi != r.NrLo {
			if r.NrHi < 4096 {
				nr += fmt.Sprintf("-%d", r.NrHi)
			} else {
				nr += fmt.Sprintf("-%#x", r.NrHi)
			}
		}
		names := ""
		if len(r.Syscalls) > 0 {
			names = " " + strings.Join(r.Syscalls, ", ")
			if len(r.Syscalls) > 6 {
				names = " " + strings.Join(r.Syscalls[:6], ", ") + fmt.Sprintf(" (+%d)", len(r.Syscalls)-6)
			}
		}
		fmt.Fprintf(&b, "\n  %s %s%s: %s", r.Section, nr, names, r.Reason)
	}
	return b.String()
}

// ociArches are the arches a profile can name, by the table's section
// name: libseccomp's token, and whether libseccomp treats it as 32-bit
// (it then compares only the low 32 bits of an argument, src/db.c
// _db_rule_gen_32). Arches where libseccomp multiplexes socket and ipc
// calls other than x86 (s390, ppc) are left out, and so are the others.
var ociArches = map[string]struct {
	token string
	bits  int
}{
	"x86_64":  {"SCMP_ARCH_X86_64", 64},
	"i386":    {"SCMP_ARCH_X86", 32},
	"x32":     {"SCMP_ARCH_X32", 32},
	"aarch64": {"SCMP_ARCH_AARCH64", 64},
	"riscv64": {"SCMP_ARCH_RISCV64", 64},
}

// OCIArchToken returns the SCMP_ARCH_ token a profile names the arch with
// ("x86_64", "i386", "x32", "aarch64", "riscv64"), and its width as
// libseccomp compares arguments (64 or 32).
func OCIArchToken(name string) (token string, bits int, ok bool) {
	a, ok := ociArches[name]
	return a.token, a.bits, ok
}

// OCIMuxed names the syscalls that libseccomp also adds, on x86, as a rule
// on socketcall(2) or ipc(2) (src/arch.c abi_rule_add): the value is the
// multiplexer's name.
var OCIMuxed = func() map[string]string {
	m := map[string]string{}
	for _, n := range strings.Fields("socket bind connect listen accept getsockname getpeername socketpair send recv sendto recvfrom shutdown setsockopt getsockopt sendmsg recvmsg accept4 recvmmsg sendmmsg") {
		m[n] = "socketcall"
	}
	for _, n := range strings.Fields("semop semget semctl semtimedop msgsnd msgrcv msgget msgctl shmat shmdt shmget shmctl") {
		m[n] = "ipc"
	}
	return m
}()

// OCIAction returns the profile action and errnoRet of a filter return
// value, or ok false where no profile action returns exactly that value.
func OCIAction(ret uint32) (action string, errnoRet *uint, ok bool) {
	a := seccompdata.Action(ret)
	data := uint(a.Data())
	switch a.Kind() {
	case seccompdata.ActAllow:
		action = "SCMP_ACT_ALLOW"
	case seccompdata.ActKillThread:
		action = "SCMP_ACT_KILL"
	case seccompdata.ActKillProcess:
		action = "SCMP_ACT_KILL_PROCESS"
	case seccompdata.ActTrap:
		action = "SCMP_ACT_TRAP"
	case seccompdata.ActLog:
		action = "SCMP_ACT_LOG"
	case seccompdata.ActUserNotif:
		action = "SCMP_ACT_NOTIFY"
	case seccompdata.ActErrno:
		return "SCMP_ACT_ERRNO", &data, true
	case seccompdata.ActTrace:
		return "SCMP_ACT_TRACE", &data, true
	default:
		return "", nil, false
	}
	return action, nil, data == 0
}

// OCIRet is the value the filter returns for a profile action: the inverse
// of OCIAction. errnoRet nil is runc's default for ERRNO and TRACE, EPERM.
func OCIRet(action string, errnoRet *uint) (uint32, bool) {
	data := uint32(1)
	if errnoRet != nil {
		data = uint32(*errnoRet) & 0xffff
	}
	switch action {
	case "SCMP_ACT_ALLOW":
		return uint32(seccompdata.ActAllow), true
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
		return uint32(seccompdata.ActKillThread), true
	case "SCMP_ACT_KILL_PROCESS":
		return uint32(seccompdata.ActKillProcess), true
	case "SCMP_ACT_TRAP":
		return uint32(seccompdata.ActTrap), true
	case "SCMP_ACT_LOG":
		return uint32(seccompdata.ActLog), true
	case "SCMP_ACT_NOTIFY":
		return uint32(seccompdata.ActUserNotif), true
	case "SCMP_ACT_ERRNO":
		return uint32(seccompdata.ActErrno) | data, true
	case "SCMP_ACT_TRACE":
		return uint32(seccompdata.ActTrace) | data, true
	}
	return 0, false
}

// ociEntry is one syscalls[] entry for one name: an action and the args,
// by index.
type ociEntry struct {
	ret  uint32
	args []OCIArg
}

func (e ociEntry) key(bits int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%x", e.ret)
	for _, a := range e.args {
		fmt.Fprintf(&b, "|%d%s%x,%x", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	return b.String()
}

// meaning is a canonical key of what e means on a bits-wide arch, where
// libseccomp reads the low bits of args and values: each comparison as a
// set of values where it has one; "" for an entry that never holds.
func (e ociEntry) meaning(bits int) string {
	max := ^uint64(0)
	if bits == 32 {
		max = 0xffffffff
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%x", e.ret)
	for _, a := range e.args {
		k, k2 := a.Value&max, a.ValueTwo&max
		var set ivset
		switch a.Op {
		case "SCMP_CMP_EQ":
			set = ivset{{k, k}}
		case "SCMP_CMP_NE":
			set = ivset{{k, k}}.complement(max)
		case "SCMP_CMP_LT":
			if k > 0 {
				set = ivset{{0, k - 1}}
			}
		case "SCMP_CMP_LE":
			set = ivset{{0, k}}
		case "SCMP_CMP_GT":
			if k < max {
				set = ivset{{k + 1, max}}
			}
		case "SCMP_CMP_GE":
			set = ivset{{k, max}}
		case "SCMP_CMP_MASKED_EQ":
			switch {
			case k2&^k != 0:
				return "" // never written: libseccomp would mask the datum
			case k == 0:
				set = ivset{{0, max}}
			case k == max:
				set = ivset{{k2, k2}}
			default:
				fmt.Fprintf(&b, "|%d&%x=%x", a.Index, k, k2)
				continue
			}
		}
		if len(set) == 0 {
			return ""
		}
		if len(set) == 1 && set[0].lo == 0 && set[0].hi == max {
			continue
		}
		fmt.Fprintf(&b, "|%d%v", a.Index, set)
	}
	return b.String()
}

// entryKeys is a canonical key of what a set of entries means on a
// bits-wide arch.
func entryKeys(es []ociEntry, bits int) []string {
	ks := make([]string, 0, len(es))
	for _, e := range es {
		if k := e.meaning(bits); k != "" {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return slices.Compact(ks)
}

// ociBlock is the numbers of a section one SCMP arch of the profile
// decides.
type ociBlock struct {
	sec    *Section
	arch   seccompdata.Arch // names its numbers
	token  string
	bits   int
	lo, hi uint32
}

type ociRowRef struct {
	sec *Section
	row *Row
}

// OCI writes the table as an OCI seccomp profile, where every row can be
// expressed as one; otherwise it returns an *OCIError that lists the rows
// that cannot.
//
// What the profile means is what libseccomp, as runc and crun call it,
// makes of it on an x86_64 host (README, "Decision tables"): the
// architectures each get a block; an arch value not listed returns the
// bad-arch action, KILL_THREAD, which runc leaves at libseccomp's default;
// in a block, a number without a name in the arch's table returns
// defaultAction; a named one returns the action of the entry that names it
// and whose args all hold (several entries are ORed, and the profile
// written never has two entries with different actions that both hold),
// else defaultAction. On a 32-bit arch (x86, x32) libseccomp compares the
// low 32 bits of an argument with the low 32 bits of value. x86_64 without
// x32 returns KILL_THREAD for numbers 0x40000000-0xfffffffe (libseccomp's
// "filter out x32", src/gen_bpf.c). On x86, libseccomp adds a rule of a
// socket or ipc call to socketcall or ipc as well (OCIMuxed), so such a
// call may only have the action socketcall (ipc) has for every input.
func (t *Table) OCI() (*OCIProfile, error) {
	var bad []OCIRow
	fail := func(s *Section, r *Row, why string) {
		bad = append(bad, OCIRow{Section: s.Name, NrLo: r.NrLo, NrHi: r.NrHi, Syscalls: r.Syscalls, Reason: why})
	}
	var x86_64 *Section
	for i := range t.Sections {
		if t.Sections[i].Name == "x86_64" {
			x86_64 = &t.Sections[i]
		}
	}
	if x86_64 == nil {
		return nil, &OCIError{Rows: []OCIRow{{Section: "x86_64", NrHi: 0xffffffff, Reason: "the table has no x86_64 section"}}}
	}
	// defaultAction: what the x86_64 numbers past every table return.
	_, past := x86_64.find(0x3fffffff)
	if past.Cases != nil || past.Residual != nil {
		return nil, &OCIError{Rows: []OCIRow{{Section: "x86_64", NrLo: past.NrLo, NrHi: past.NrHi, Reason: "the numbers past the table, which return defaultAction, depend on arguments"}}}
	}
	def := past.Ret
	defAction, defErrno, ok := OCIAction(def)
	if !ok {
		return nil, &OCIError{Rows: []OCIRow{{Section: "x86_64", NrLo: past.NrLo, NrHi: past.NrHi, Reason: fmt.Sprintf("defaultAction: no profile action returns %#x", def)}}}
	}
	kill := uint32(seccompdata.ActKillThread)
	allKill := func(s *Section, lo, hi uint32) bool {
		ok := true
		s.each(lo, hi, func(r *Row) {
			ok = ok && r.Cases == nil && r.Residual == nil && r.Ret == kill
		})
		return ok
	}
	requireKill := func(s *Section, lo, hi uint32, why string) {
		s.each(lo, hi, func(r *Row) {
			if r.Cases != nil || r.Residual != nil || r.Ret != kill {
				fail(s, r, why)
			}
		})
	}

	var blocks []ociBlock
	for i := range t.Sections {
		s := &t.Sections[i]
		token, bits, known := OCIArchToken(s.Name)
		switch {
		case s.Audit == 0 || s.Name != "x86_64" && allKill(s, 0, 0xffffffff):
			// Other arch values, and named arches left out of the
			// profile: libseccomp's bad-arch action.
			requireKill(s, 0, 0xffffffff, "an arch the profile does not list returns KILL_THREAD (libseccomp's bad-arch action)")
		case !known:
			s.each(0, 0xffffffff, func(r *Row) {
				fail(s, r, fmt.Sprintf("%s is not an arch the profile can name", s.Name))
			})
		case s.Name == "x86_64":
			a, _ := seccompdata.LookupArch("x86_64")
			blocks = append(blocks, ociBlock{s, a, token, bits, 0, seccompdata.X32SyscallBit - 1})
			if def != kill && allKill(s, seccompdata.X32SyscallBit, 0xfffffffe) || def == kill && allKill(s, seccompdata.X32SyscallBit, 0xffffffff) {
				blocks = append(blocks, ociBlock{s, a, token, bits, 0xffffffff, 0xffffffff})
			} else {
				x32, _ := seccompdata.LookupArch("x32")
				blocks = append(blocks, ociBlock{s, x32, "SCMP_ARCH_X32", 32, seccompdata.X32SyscallBit, 0xffffffff})
			}
		default:
			a, _ := seccompdata.ArchByAudit(s.Audit)
			blocks = append(blocks, ociBlock{s, a, token, bits, 0, 0xffffffff})
		}
	}

	// Each block's entries, by syscall name.
	type named struct {
		entries []ociEntry
		bits    int
		ref     ociRowRef
	}
	byName := map[string]map[string]named{} // name -> token -> entries
	failed := map[string]bool{}             // names of rows that failed
	var tokens []string
	for _, bl := range blocks {
		if !slices.Contains(tokens, bl.token) {
			tokens = append(tokens, bl.token)
		}
		tab := bl.arch.Syscalls()
		bl.sec.each(bl.lo, bl.hi, func(r *Row) {
			lo, hi := max(r.NrLo, bl.lo), min(r.NrHi, bl.hi)
			i := sort.Search(len(tab), func(i int) bool { return uint32(tab[i].Nr) >= lo })
			var names []string
			for ; i < len(tab) && uint32(tab[i].Nr) <= hi; i++ {
				names = append(names, tab[i].Name)
			}
			constDef := r.Cases == nil && r.Residual == nil && r.Ret == def
			if uint64(len(names)) < uint64(hi-lo)+1 && !constDef {
				fail(bl.sec, r, "numbers without a syscall name return defaultAction in a profile")
				return
			}
			if len(names) == 0 {
				return
			}
			es, why := rowEntries(r, def, bl.bits)
			if why != "" {
				fail(bl.sec, r, why)
				for _, n := range names {
					failed[n] = true
				}
				return
			}
			for _, n := range names {
				if byName[n] == nil {
					byName[n] = map[string]named{}
				}
				byName[n][bl.token] = named{es, bl.bits, ociRowRef{bl.sec, r}}
			}
		})
	}
	slices.SortFunc(tokens, func(a, b string) int { return tokenOrder(a) - tokenOrder(b) })

	// One set of entries a name, the same on every arch that has it.
	final := map[string][]ociEntry{}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		per := byName[n]
		if failed[n] {
			continue // its row is listed already
		}
		var pick []ociEntry
		picked := false
		for _, tk := range tokens { // 64-bit arches first
			if e, ok := per[tk]; ok && e.bits == 64 && !picked {
				pick, picked = e.entries, true
			}
		}
		for _, tk := range tokens {
			if e, ok := per[tk]; ok && !picked {
				pick, picked = e.entries, true
			}
		}
		agree := true
		for _, tk := range tokens {
			e, ok := per[tk]
			if ok && !slices.Equal(entryKeys(e.entries, e.bits), entryKeys(pick, e.bits)) {
				agree = false
			}
		}
		if !agree {
			var arches []string
			for _, tk := range tokens {
				if _, ok := per[tk]; ok {
					arches = append(arches, tk)
				}
			}
			for _, tk := range tokens {
				if e, ok := per[tk]; ok {
					fail(e.ref.sec, e.ref.row, fmt.Sprintf("%s answers differently on %s, and a profile entry names it on every arch", n, strings.Join(arches, ", ")))
				}
			}
			continue
		}
		final[n] = pick
	}

	// x86: socket and ipc calls are added to socketcall and ipc too.
	if slices.Contains(tokens, "SCMP_ARCH_X86") {
		for _, n := range names {
			mux, ok := OCIMuxed[n]
			e, ok2 := byName[n]["SCMP_ARCH_X86"]
			if !ok || !ok2 || len(final[n]) == 0 {
				continue
			}
			me := final[mux]
			good := len(me) == 1 && len(me[0].args) == 0
			for _, x := range final[n] {
				good = good && me[0].ret == x.ret
			}
			if !good {
				fail(e.ref.sec, e.ref.row, fmt.Sprintf("on x86 libseccomp also adds a rule for %s to %s, which must then return the same for every input", n, mux))
			}
		}
	}

	if len(bad) > 0 {
		slices.SortStableFunc(bad, func(a, b OCIRow) int {
			if c := strings.Compare(sectionKey(t, a.Section), sectionKey(t, b.Section)); c != 0 {
				return c
			}
			return int(int64(a.NrLo) - int64(b.NrLo))
		})
		bad = slices.CompactFunc(bad, func(a, b OCIRow) bool { return a.Section == b.Section && a.NrLo == b.NrLo && a.Reason == b.Reason })
		return nil, &OCIError{Rows: bad}
	}

	p := &OCIProfile{DefaultAction: defAction, DefaultErrnoRet: defErrno, Architectures: tokens}
	// Group the names of identical entries.
	type group struct {
		e     ociEntry
		names []string
	}
	groups := map[string]*group{}
	var order []string
	for _, n := range names {
		for _, e := range final[n] {
			k := e.key(64)
			g, ok := groups[k]
			if !ok {
				g = &group{e: e}
				groups[k] = g
				order = append(order, k)
			}
			g.names = append(g.names, n)
		}
	}
	for _, k := range order {
		g := groups[k]
		action, errno, _ := OCIAction(g.e.ret)
		p.Syscalls = append(p.Syscalls, OCISyscall{Names: g.names, Action: action, ErrnoRet: errno, Args: g.e.args})
	}
	return p, nil
}

func tokenOrder(tk string) int {
	for i, a := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_RISCV64"} {
		if a == tk {
			return i
		}
	}
	return 99
}

func sectionKey(t *Table, name string) string {
	for i := range t.Sections {
		if t.Sections[i].Name == name {
			return fmt.Sprintf("%03d", i)
		}
	}
	return "999"
}

// find returns the row of nr.
func (s *Section) find(nr uint32) (int, *Row) {
	i := findLo(len(s.Rows), func(i int) uint32 { return s.Rows[i].NrLo }, nr)
	return i, &s.Rows[i]
}

// each calls f on every row that holds a number of lo..hi.
func (s *Section) each(lo, hi uint32, f func(*Row)) {
	for i, _ := s.find(lo); i < len(s.Rows) && s.Rows[i].NrLo <= hi; i++ {
		f(&s.Rows[i])
	}
}

// rowEntries returns the entries that give a row's answer where it is not
// def, on an arch that compares bits-wide arguments, or why there are
// none.
func rowEntries(r *Row, def uint32, bits int) ([]ociEntry, string) {
	if r.Residual != nil {
		return nil, "kept as residual programs: " + r.Residual.Reason
	}
	if r.Cases == nil {
		if r.Ret == def {
			return nil, ""
		}
		if _, _, ok := OCIAction(r.Ret); !ok {
			return nil, fmt.Sprintf("no profile action returns %s", seccompdata.Action(r.Ret))
		}
		return []ociEntry{{ret: r.Ret}}, ""
	}
	var out []ociEntry
	for ci, c := range r.Cases {
		if c.Ret == def {
			continue
		}
		if _, _, ok := OCIAction(c.Ret); !ok {
			return nil, fmt.Sprintf("no profile action returns %s", seccompdata.Action(c.Ret))
		}
		var dnf [][]OCIArg
		if c.When == nil {
			var why string
			dnf, why = otherwise(r.Cases[:ci], bits)
			if why != "" {
				return nil, why
			}
		} else {
			for _, conj := range c.When {
				d, why := conjArgs(conj, bits)
				if why != "" {
					return nil, why
				}
				dnf = append(dnf, d...)
			}
		}
		for _, args := range dnf {
			out = append(out, ociEntry{ret: c.Ret, args: args})
		}
	}
	return out, ""
}

// argIndex returns the argument a condition's field names, where it is
// one a bits-wide arch compares: the whole argument on a 64-bit arch, the
// low half on a 32-bit one.
func argIndex(f Field, bits int) (uint, string) {
	w, half := f.whole()
	if w < fieldArgs || w >= fieldEnd {
		return 0, fmt.Sprintf("a condition on %s, which a profile cannot compare", f)
	}
	switch {
	case bits == 64 && half != 0:
		return 0, fmt.Sprintf("a condition on %s, one 32-bit half of a 64-bit argument", f)
	case bits == 32 && half != 1:
		return 0, fmt.Sprintf("a condition on %s; on a 32-bit arch libseccomp compares only the low 32 bits of an argument", f)
	}
	return uint(w-fieldArgs) / 3, ""
}

// condArgs writes one condition as a disjunction of comparisons.
func condArgs(c *Cond, bits int) ([][]OCIArg, string) {
	idx, why := argIndex(c.Field, bits)
	if why != "" {
		return nil, why
	}
	max := fieldMax(c.Field)
	if c.In == nil {
		if c.Mask == max {
			op := map[Op]string{Eq: "SCMP_CMP_EQ", Ne: "SCMP_CMP_NE", Gt: "SCMP_CMP_GT", Ge: "SCMP_CMP_GE", Lt: "SCMP_CMP_LT", Le: "SCMP_CMP_LE"}[c.Op]
			return [][]OCIArg{{{Index: idx, Value: c.K, Op: op}}}, ""
		}
		if c.Op == Eq && c.K&^c.Mask != 0 {
			return nil, "" // never holds
		}
		if c.Op == Eq {
			return [][]OCIArg{{{Index: idx, Value: c.Mask, ValueTwo: c.K, Op: "SCMP_CMP_MASKED_EQ"}}}, ""
		}
		return nil, fmt.Sprintf("%s: a profile has no masked comparison but ==", c)
	}
	return rangeArgs(idx, fromRanges(c.In), max, c.String())
}

// rangeArgs writes a set of values of argument idx as comparisons, one
// entry a range.
func rangeArgs(idx uint, set ivset, max uint64, text string) ([][]OCIArg, string) {
	var out [][]OCIArg
	for _, r := range set {
		switch {
		case r.lo == 0 && r.hi == max:
			out = append(out, nil)
		case r.lo == r.hi:
			out = append(out, []OCIArg{{Index: idx, Value: r.lo, Op: "SCMP_CMP_EQ"}})
		case r.lo == 0:
			out = append(out, []OCIArg{{Index: idx, Value: r.hi, Op: "SCMP_CMP_LE"}})
		case r.hi == max:
			out = append(out, []OCIArg{{Index: idx, Value: r.lo, Op: "SCMP_CMP_GE"}})
		default:
			return nil, fmt.Sprintf("%s: a range needs two comparisons of one argument, and libseccomp takes one an argument in a rule", text)
		}
	}
	return out, ""
}

// maxOCIEntries bounds the entries one case of a row may take.
const maxOCIEntries = 64

// conjArgs writes a conjunction as a disjunction of entries' args.
// Conditions on one argument by value are intersected into one set of
// values first.
func conjArgs(conj Conj, bits int) ([][]OCIArg, string) {
	sets := map[Field]ivset{}
	var fields []Field
	var rest []Cond
	for i := range conj {
		c := &conj[i]
		s, ok := condSet(c)
		if !ok {
			rest = append(rest, *c)
			continue
		}
		if cur, seen := sets[c.Field]; seen {
			s = cur.intersect(s)
		} else {
			fields = append(fields, c.Field)
		}
		sets[c.Field] = s
	}
	out := [][]OCIArg{nil}
	product := func(d [][]OCIArg) string {
		var next [][]OCIArg
		for _, a := range out {
			for _, b := range d {
				args := append(slices.Clone(a), b...)
				slices.SortStableFunc(args, func(x, y OCIArg) int { return int(x.Index) - int(y.Index) })
				for j := 1; j < len(args); j++ {
					if args[j].Index == args[j-1].Index {
						return fmt.Sprintf("%s: two comparisons of args[%d], and libseccomp takes one an argument in a rule", conj, args[j].Index)
					}
				}
				next = append(next, args)
			}
		}
		if len(next) > maxOCIEntries {
			return fmt.Sprintf("%s: more than %d entries", conj, maxOCIEntries)
		}
		out = next
		return ""
	}
	for _, f := range fields {
		idx, why := argIndex(f, bits)
		if why != "" {
			return nil, why
		}
		d, why := rangeArgs(idx, sets[f], fieldMax(f), conj.String())
		if why != "" {
			return nil, why
		}
		if why := product(d); why != "" {
			return nil, why
		}
	}
	for i := range rest {
		d, why := condArgs(&rest[i], bits)
		if why != "" {
			return nil, why
		}
		if why := product(d); why != "" {
			return nil, why
		}
	}
	return out, ""
}

// otherwise writes the inputs of a row that none of its earlier cases
// take: the conjunction, over their conjunctions, of the negation of one
// of its conditions, as a disjunction of conjunctions.
func otherwise(cases []Case, bits int) ([][]OCIArg, string) {
	terms := []Conj{nil}
	for _, c := range cases {
		for _, conj := range c.When {
			var next []Conj
			for _, t := range terms {
				for i := range conj {
					n, ok := negateCond(&conj[i])
					if !ok {
						return nil, fmt.Sprintf("the other inputs of the row (\"otherwise\"): %s has no negation a profile can compare", &conj[i])
					}
					next = append(next, append(slices.Clone(t), n))
				}
			}
			next = slices.DeleteFunc(next, infeasible)
			if len(next) > maxOCIEntries {
				return nil, fmt.Sprintf("the other inputs of the row (\"otherwise\") take more than %d entries", maxOCIEntries)
			}
			terms = next
		}
	}
	var out [][]OCIArg
	for _, t := range terms {
		d, why := conjArgs(t, bits)
		if why != "" {
			return nil, "the other inputs of the row (\"otherwise\"): " + why
		}
		out = append(out, d...)
		if len(out) > maxOCIEntries {
			return nil, fmt.Sprintf("the other inputs of the row (\"otherwise\") take more than %d entries", maxOCIEntries)
		}
	}
	return out, ""
}

// negateCond returns the condition that holds exactly where c does not, as
// a set of values where c compares the whole field.
func negateCond(c *Cond) (Cond, bool) {
	s, ok := condSet(c)
	if !ok {
		return Cond{}, false
	}
	return Cond{Field: c.Field, In: toRanges(s.complement(fieldMax(c.Field)))}, true
}

// infeasible: some field's sets in t have nothing in common.
func infeasible(t Conj) bool {
	sets := map[Field]ivset{}
	for i := range t {
		s, ok := condSet(&t[i])
		if !ok {
			continue
		}
		if cur, seen := sets[t[i].Field]; seen {
			s = cur.intersect(s)
		}
		if len(s) == 0 {
			return true
		}
		sets[t[i].Field] = s
	}
	return false
}

// condSet is the set of values of c's field where c holds, for a
// condition on the whole field.
func condSet(c *Cond) (ivset, bool) {
	if c.In != nil {
		return fromRanges(c.In), true
	}
	max := fieldMax(c.Field)
	if c.Mask != max {
		return nil, false
	}
	k := c.K
	var s ivset
	switch c.Op {
	case Eq:
		s = ivset{{k, k}}
	case Ne:
		s = ivset{{k, k}}.complement(max)
	case Lt:
		if k > 0 {
			s = ivset{{0, k - 1}}
		}
	case Le:
		s = ivset{{0, k}}
	case Gt:
		if k < max {
			s = ivset{{k + 1, max}}
		}
	case Ge:
		s = ivset{{k, max}}
	default:
		return nil, false
	}
	return s, true
}
