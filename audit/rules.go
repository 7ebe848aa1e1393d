package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

type auditor struct {
	t     *decision.Table
	stack vm.Stack
	opts  Options
	secs  []*secInfo
	out   []Finding
}

// secInfo is what the rules need of a section.
type secInfo struct {
	sec     *decision.Section
	arch    seccompdata.Arch
	table   bool // a named arch with a syscall table
	checked bool // some filter singles its arch value out
	def     uint32
	defKey  string
}

// answer is one answer of a row: its value, a witness, and the row.
type answer struct {
	ret uint32
	wit decision.Witness
}

func answers(r *decision.Row) []answer {
	switch {
	case r.Cases != nil:
		out := make([]answer, len(r.Cases))
		for i, c := range r.Cases {
			out[i] = answer{c.Ret, c.Witness}
		}
		return out
	case r.Witness != nil:
		// A residual row has its witness's value; a constant row, Ret.
		return []answer{{r.Witness.Ret, *r.Witness}}
	}
	return []answer{{r.Ret, decision.Witness{}}}
}

// rowKey is a row's answer as a string: equal keys, equal answers.
func rowKey(r *decision.Row) string {
	switch {
	case r.Residual != nil:
		return fmt.Sprintf("residual %p", r.Residual)
	case r.Cases != nil:
		var b strings.Builder
		for _, c := range r.Cases {
			fmt.Fprintf(&b, "%x:%v;", c.Ret, c.When)
		}
		return b.String()
	}
	return fmt.Sprintf("%x", r.Ret)
}

func allows(ret uint32) bool {
	k := seccompdata.Action(ret).Kind()
	return k == seccompdata.ActAllow || k == seccompdata.ActLog
}

func constant(r *decision.Row) bool { return r.Cases == nil && r.Residual == nil }

func size(r *decision.Row) uint64 { return uint64(r.NrHi-r.NrLo) + 1 }

// witness makes a finding's witness from a table's, moved to number nr
// (every number of a row has the row's answer).
func witness(w decision.Witness, nr uint32) *Witness {
	d := w.Data
	d.Nr = int32(nr)
	a, ok := seccompdata.ArchFor(d.Arch, d.Nr)
	if !ok {
		a = seccompdata.ArchOf(d.Arch)
	}
	return &Witness{Input: input.Call{Arch: a, Data: d}, Ret: w.Ret}
}

func (a *auditor) sections() {
	single := map[uint32]bool{}
	for _, f := range a.stack {
		for _, c := range f.Classes() {
			if c.ArchLo == c.ArchHi {
				single[c.ArchLo] = true
			}
		}
	}
	for i := range a.t.Sections {
		s := &a.t.Sections[i]
		si := &secInfo{sec: s}
		if s.Audit != 0 {
			si.arch, _ = seccompdata.ArchByAudit(s.Audit)
			si.table = si.arch.MaxSyscall() >= 0
			si.checked = single[s.Audit]
		}
		si.def, si.defKey = sectionDefault(s)
		a.secs = append(a.secs, si)
	}
}

// sectionDefault is the policy's default on a section: the answer for the
// numbers past the syscall table, else the constant answer that covers the
// most non-negative numbers.
func sectionDefault(s *decision.Section) (uint32, string) {
	for i := range s.Rows {
		r := &s.Rows[i]
		if r.Region == "past the table" && constant(r) {
			return r.Ret, rowKey(r)
		}
	}
	weight := map[uint32]uint64{}
	for i := range s.Rows {
		r := &s.Rows[i]
		if constant(r) && r.NrLo < 0x80000000 {
			weight[r.Ret] += size(r)
		}
	}
	best, bw := uint32(seccompdata.ActAllow), uint64(0)
	for _, ret := range sortedKeys(weight) {
		if weight[ret] > bw {
			best, bw = ret, weight[ret]
		}
	}
	return best, fmt.Sprintf("%x", best)
}

// actionText names a value, with the errno's name on a named arch.
func (si *secInfo) actionText(ret uint32) string {
	t := seccompdata.Action(ret).String()
	if seccompdata.Action(ret).Kind() == seccompdata.ActErrno && si.sec.Audit != 0 {
		if n, ok := si.arch.ErrnoName(uint16(ret)); ok {
			t += " " + n
		}
	}
	return t
}

func (si *secInfo) enosys(ret uint32) bool {
	if seccompdata.Action(ret).Kind() != seccompdata.ActErrno || si.sec.Audit == 0 {
		return false
	}
	n, ok := si.arch.ErrnoByName("ENOSYS")
	return ok && uint16(ret) == n
}

// rowName names a row's numbers: its syscalls (at most three), else the
// range.
func rowName(r *decision.Row) string {
	if len(r.Syscalls) > 0 {
		n := r.Syscalls
		if len(n) > 3 {
			return strings.Join(n[:3], ", ") + fmt.Sprintf(" and %d more", len(n)-3)
		}
		return strings.Join(n, ", ")
	}
	if r.NrLo == r.NrHi {
		return fmt.Sprintf("nr %#x", r.NrLo)
	}
	return fmt.Sprintf("nr %#x-%#x", r.NrLo, r.NrHi)
}

func (a *auditor) add(f Finding) {
	if f.Rule != RuleUnreachable && f.Rule != RuleNearLimit {
		// Table rules are about the policy as a whole.
		f.Filter, f.PC = -1, -1
	}
	a.out = append(a.out, f)
}

func sameRet(want uint32) func(uint32) bool { return func(r uint32) bool { return r == want } }

// noArchCheck: a section whose arch no filter singles out, whose rows
// still differ by nr: nr decides without knowing which syscall table it
// indexes.
func (a *auditor) noArchCheck() {
	for _, si := range a.secs {
		if si.checked {
			continue
		}
		s := si.sec
		type group struct {
			label string
			n     uint64
			names []string
			first *decision.Row
		}
		var groups []*group
		byKey := map[string]*group{}
		for i := range s.Rows {
			r := &s.Rows[i]
			k := rowKey(r)
			g := byKey[k]
			if g == nil {
				label := si.actionText(r.Ret)
				switch {
				case r.Cases != nil:
					var rs []string
					for _, c := range r.Cases {
						rs = append(rs, si.actionText(c.Ret))
					}
					label = "depending on the arguments " + strings.Join(rs, " or ")
				case r.Residual != nil:
					label = "a residual program's answer"
				}
				g = &group{label: label, first: r}
				byKey[k] = g
				groups = append(groups, g)
			}
			g.n += size(r)
			g.names = append(g.names, r.Syscalls...)
		}
		if len(groups) < 2 {
			continue
		}
		big := groups[0]
		for _, g := range groups {
			if g.n > big.n {
				big = g
			}
		}
		var parts []string
		var wit *decision.Row
		for _, g := range groups {
			if g == big {
				continue
			}
			p := fmt.Sprintf("%s for %s", g.label, numbers(g.n))
			if len(g.names) > 0 {
				n := g.names
				if len(n) > 4 {
					n = append(n[:4:4], "...")
				}
				p += " (" + strings.Join(n, ", ") + ")"
			}
			parts = append(parts, p)
			if wit == nil || (!anyAllows(wit) && anyAllows(g.first)) {
				wit = g.first
			}
		}
		parts = append(parts, fmt.Sprintf("%s for the other %d", big.label, big.n))
		what := "arch " + s.Name
		if s.Audit == 0 {
			what = s.Name + " (" + archList(s) + ")"
		}
		f := Finding{Rule: RuleNoArchCheck, Severity: High, Arch: s.Name,
			Message: fmt.Sprintf("%s is never checked, yet nr decides: %s", what, strings.Join(parts, "; "))}
		ans := answers(wit)[0]
		if ans.wit.Data.Arch == 0 && ans.wit.Ret == 0 && wit.Witness == nil {
			ans.wit = decision.Witness{Data: seccompdata.Data{Arch: uint32(s.Arches[0].Lo)}, Ret: wit.Ret}
		}
		f.Witness = witness(ans.wit, wit.NrLo)
		f.claim = sameRet(ans.ret)
		a.add(f)
	}
}

func numbers(n uint64) string {
	if n == 1 {
		return "1 number"
	}
	return fmt.Sprintf("%d numbers", n)
}

func anyAllows(r *decision.Row) bool {
	for _, an := range answers(r) {
		if allows(an.ret) {
			return true
		}
	}
	return false
}

func archList(s *decision.Section) string {
	var out []string
	for _, r := range s.Arches {
		if r.Lo == r.Hi {
			out = append(out, fmt.Sprintf("arch %#x", r.Lo))
		} else {
			out = append(out, fmt.Sprintf("arch %#x-%#x", r.Lo, r.Hi))
		}
	}
	if len(out) > 3 {
		out = append(out[:3:3], fmt.Sprintf("%d more ranges", len(out)-3))
	}
	return strings.Join(out, ", ")
}

func (a *auditor) section(audit uint32) *secInfo {
	for _, si := range a.secs {
		if si.sec.Audit == audit && si.sec.Audit != 0 {
			return si
		}
	}
	return nil
}

// rowOf returns the row of syscall nr in a section.
func rowOf(s *decision.Section, nr uint32) *decision.Row {
	i := sort.Search(len(s.Rows), func(i int) bool { return s.Rows[i].NrHi >= nr })
	if i < len(s.Rows) && s.Rows[i].NrLo <= nr {
		return &s.Rows[i]
	}
	return nil
}

// x32Allowed: x32 numbers the x86_64 section lets through.
func (a *auditor) x32Allowed() {
	si := a.section(seccompdata.AuditArchX86_64)
	if si == nil {
		return
	}
	x64 := si.arch
	var n uint64
	var names []string
	var first, bypass *Witness
	var bypassWhy string
	for i := range si.sec.Rows {
		r := &si.sec.Rows[i]
		if r.Region != "x32" && r.Region != "past the x32 table" {
			continue
		}
		for _, an := range answers(r) {
			if !allows(an.ret) {
				continue
			}
			n += size(r)
			names = append(names, r.Syscalls...)
			if first == nil {
				first = witness(an.wit, r.NrLo)
			}
			// A bypass: an x32 call allowed while its x86_64 namesake
			// is denied, or allowed only on conditions.
			for k, name := range r.Syscalls {
				if bypass != nil {
					break
				}
				nr, ok := x64.SyscallNumber(name)
				if !ok {
					continue
				}
				twin := rowOf(si.sec, uint32(nr))
				if twin == nil {
					continue
				}
				if !anyAllows(twin) || (constant(r) && !constant(twin)) {
					xnr := nrOf(r, k)
					bypass = witness(an.wit, xnr)
					bypassWhy = fmt.Sprintf("x32 %s (%#x) gets %s while x86_64 %s (%d) %s", name, xnr, si.actionText(an.ret), name, nr, describe(si, twin))
				}
			}
		}
	}
	if first == nil {
		return
	}
	sample := names
	if len(sample) > 5 {
		sample = append(sample[:5:5], "...")
	}
	msg := fmt.Sprintf("%d x32 numbers (nr | 0x40000000 on AUDIT_ARCH_X86_64) get through", n)
	if len(sample) > 0 {
		msg += " (" + strings.Join(sample, ", ") + ")"
	}
	f := Finding{Rule: RuleX32Allowed, Severity: Medium, Arch: si.sec.Name, Witness: first}
	if bypass != nil {
		f.Severity, f.Witness = High, bypass
		msg += ": " + bypassWhy + "; deny the x32 numbers (nr >= 0x40000000) unless you mean to run x32 programs"
	} else {
		msg += ", each no more than its x86_64 namesake; deny them unless you mean to run x32 programs"
	}
	f.Message = msg
	f.claim = func(ret uint32) bool {
		d := f.Witness.Input.Data
		return allows(ret) && d.Arch == seccompdata.AuditArchX86_64 && uint32(d.Nr)&seccompdata.X32SyscallBit != 0
	}
	a.add(f)
}

// nrOf is the number of the k-th named syscall of a row.
func nrOf(r *decision.Row, k int) uint32 {
	x32, _ := seccompdata.LookupArch("x32")
	if nr, ok := x32.SyscallNumber(r.Syscalls[k]); ok && uint32(nr)|seccompdata.X32SyscallBit >= r.NrLo && uint32(nr)|seccompdata.X32SyscallBit <= r.NrHi {
		return uint32(nr) | seccompdata.X32SyscallBit
	}
	return r.NrLo
}

func describe(si *secInfo, r *decision.Row) string {
	if constant(r) {
		return "gets " + si.actionText(r.Ret)
	}
	var rs []string
	for _, an := range answers(r) {
		rs = append(rs, si.actionText(an.ret))
	}
	return "gets " + strings.Join(rs, " or ") + " depending on its arguments"
}

// defaultAllow: a section whose default allows.
func (a *auditor) defaultAllow() {
	for _, si := range a.secs {
		if !allows(si.def) {
			continue
		}
		s := si.sec
		var wit *decision.Row
		var syscalls, total int
		for i := range s.Rows {
			r := &s.Rows[i]
			if r.Region != "table" {
				if constant(r) && r.Ret == si.def && (wit == nil || r.Region == "past the table" && wit.Region != "past the table") {
					wit = r
				}
				continue
			}
			total += len(r.Syscalls)
			if constant(r) && r.Ret == si.def {
				syscalls += len(r.Syscalls)
				if wit == nil || r.Region == "past the table" && wit.Region != "past the table" {
					wit = r
				}
			}
		}
		msg := fmt.Sprintf("on %s the policy's default is %s", s.Name, si.actionText(si.def))
		if si.table {
			msg += fmt.Sprintf(" (numbers past the syscall table, and %d of its %d syscalls)", syscalls, total)
		}
		msg += ": a deny-list lets through every syscall it does not name, including those of newer kernels"
		f := Finding{Rule: RuleDefaultAllow, Severity: Medium, Arch: s.Name, Message: msg}
		if wit.Witness != nil {
			f.Witness = witness(*wit.Witness, wit.NrLo)
		}
		f.claim = func(ret uint32) bool { return allows(ret) }
		a.add(f)
	}
}

// siblingGap: a syscall denied on purpose while an equivalent is allowed.
func (a *auditor) siblingGap() {
	for _, si := range a.secs {
		if !si.table {
			continue
		}
		s := si.sec
		lookup := func(name string) (uint32, *decision.Row) {
			nr, ok := si.arch.SyscallNumber(name)
			if !ok {
				return 0, nil
			}
			return uint32(nr), rowOf(s, uint32(nr))
		}
		for _, g := range Groups() {
			type gap struct {
				denied  string
				ret     uint32
				allowed []string
				wit     *Witness
			}
			var gaps []*gap
			byName := map[string]*gap{}
			for _, p := range g.pairs() {
				_, dr := lookup(p[0])
				ynr, yr := lookup(p[1])
				if dr == nil || yr == nil || !constant(dr) || allows(dr.Ret) || dr.Ret == si.def || si.enosys(dr.Ret) {
					continue
				}
				var allowAns *answer
				for _, an := range answers(yr) {
					if allows(an.ret) {
						allowAns = &an
						break
					}
				}
				if allowAns == nil {
					continue
				}
				gp := byName[p[0]]
				if gp == nil {
					gp = &gap{denied: p[0], ret: dr.Ret}
					if yr.Witness != nil || allowAns.wit.Data.Arch != 0 {
						gp.wit = witness(allowAns.wit, ynr)
					}
					byName[p[0]] = gp
					gaps = append(gaps, gp)
				}
				gp.allowed = append(gp.allowed, p[1])
			}
			for _, gp := range gaps {
				cond := ""
				f := Finding{Rule: RuleSiblingGap, Severity: Medium, Arch: s.Name, Witness: gp.wit,
					Message: fmt.Sprintf("on %s %s is denied (%s) but its equivalent %s %s allowed%s (group %s: %s)", s.Name, gp.denied,
						si.actionText(gp.ret), strings.Join(gp.allowed, ", "), isAre(len(gp.allowed)), cond, g.Name, g.Reason)}
				f.claim = func(ret uint32) bool { return allows(ret) }
				a.add(f)
			}
		}
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// enosysMissing: numbers newer than the newest the policy names get a
// refusal libc does not fall back from.
func (a *auditor) enosysMissing() {
	for _, si := range a.secs {
		if !si.table {
			continue
		}
		k := seccompdata.Action(si.def).Kind()
		if !(k == seccompdata.ActErrno && !si.enosys(si.def) || k == seccompdata.ActKillThread || k == seccompdata.ActKillProcess) {
			continue
		}
		s := si.sec
		newest, found := uint32(0), false
		var newestName string
		for i := range s.Rows {
			r := &s.Rows[i]
			if r.Region == "table" && rowKey(r) != si.defKey {
				newest, found = r.NrHi, true
				if len(r.Syscalls) > 0 {
					newestName = r.Syscalls[len(r.Syscalls)-1]
				}
			}
		}
		if !found {
			continue
		}
		var newer []string
		var wit *Witness
		for i := range s.Rows {
			r := &s.Rows[i]
			if r.NrLo <= newest || (r.Region != "table" && r.Region != "past the table") || !constant(r) {
				continue
			}
			newer = append(newer, r.Syscalls...)
			if wit == nil && r.Witness != nil {
				nr := r.NrLo
				if len(r.Syscalls) > 0 {
					n, _ := si.arch.SyscallNumber(r.Syscalls[0])
					nr = uint32(n)
				}
				wit = witness(*r.Witness, nr)
			}
		}
		if newestName == "" {
			newestName = fmt.Sprintf("nr %d", newest)
		} else {
			newestName = fmt.Sprintf("%s (%d)", newestName, newest)
		}
		what := "every number past the syscall table"
		if len(newer) > 0 {
			sample := newer
			if len(sample) > 4 {
				sample = append(sample[:4:4], "...")
			}
			what = fmt.Sprintf("the %d syscalls newer than the newest the policy names, %s (%s), and every number past the table", len(newer), newestName, strings.Join(sample, ", "))
		} else {
			what += ", newer than the newest the policy names, " + newestName + ","
		}
		f := Finding{Rule: RuleEnosysMissing, Severity: Low, Arch: s.Name, Witness: wit,
			Message: fmt.Sprintf("on %s %s get %s: libc takes that as a refusal and does not fall back to an older call; ERRNO(ENOSYS) would let it", s.Name, what, si.actionText(si.def))}
		f.claim = sameRet(si.def)
		a.add(f)
	}
}

// needsHandler: actions that need a handler, a tracer or a listener.
func (a *auditor) needsHandler() {
	kinds := []struct {
		kind seccompdata.Action
		why  string
	}{
		{seccompdata.ActTrap, "the kernel sends SIGSYS: without a SIGSYS handler the process dies with a core dump"},
		{seccompdata.ActTrace, "without a ptrace tracer using PTRACE_O_TRACESECCOMP the call fails with ENOSYS"},
		{seccompdata.ActUserNotif, "without a listener on the filter's notification fd the call fails with ENOSYS"},
	}
	for _, k := range kinds {
		var where []string
		var wit *Witness
		for _, si := range a.secs {
			var names []string
			for i := range si.sec.Rows {
				r := &si.sec.Rows[i]
				for _, an := range answers(r) {
					if seccompdata.Action(an.ret).Kind() != k.kind {
						continue
					}
					if wit == nil && an.wit.Data.Arch != 0 || wit == nil && r.Witness != nil {
						w := an.wit
						if r.Witness != nil && constant(r) {
							w = *r.Witness
						}
						wit = witness(w, uint32(w.Data.Nr))
					}
					if len(r.Syscalls) > 0 {
						names = append(names, r.Syscalls...)
					} else {
						names = append(names, rowName(r))
					}
					break
				}
			}
			if len(names) > 0 {
				if len(names) > 5 {
					names = append(names[:5:5], "...")
				}
				where = append(where, si.sec.Name+": "+strings.Join(names, ", "))
			}
		}
		if where == nil {
			continue
		}
		kind := k.kind
		f := Finding{Rule: RuleNeedsHandler, Severity: Low, Witness: wit,
			Message: fmt.Sprintf("%s for %s: %s", kind.Name(), strings.Join(where, "; "), k.why)}
		f.claim = func(ret uint32) bool { return seccompdata.Action(ret).Kind() == kind }
		a.add(f)
	}
}

// probeBypass: the filter denies a syscall the kernel runs without asking.
func (a *auditor) probeBypass() {
	si := a.section(seccompdata.AuditArchX86_64)
	if si == nil {
		return
	}
	for i := range si.sec.Rows {
		r := &si.sec.Rows[i]
		if !r.Bypass {
			continue
		}
		for nr := r.NrLo; nr <= r.NrHi; nr++ {
			name, _ := si.arch.SyscallName(int32(nr))
			row := rowOf(si.sec, nr)
			var deny *answer
			for _, an := range answers(row) {
				if !allows(an.ret) {
					deny = &an
					break
				}
			}
			if deny == nil {
				continue
			}
			f := Finding{Rule: RuleProbeBypass, Severity: Low, Arch: si.sec.Name,
				Message: fmt.Sprintf("%s (%d) gets %s from the filters, but Linux %s runs it without asking them (seccomp_uprobe_exception): the denial has no effect", name, nr, si.actionText(deny.ret), a.t.Kernel.Version)}
			if r.Witness != nil || deny.wit.Data.Arch != 0 {
				w := deny.wit
				if constant(r) {
					w = *r.Witness
				}
				f.Witness = witness(w, nr)
			}
			f.claim = func(ret uint32) bool {
				d := f.Witness.Input.Data
				return !allows(ret) && vm.OutcomeOptions{}.Bypasses(&d)
			}
			a.add(f)
		}
	}
}

// unreachable: instructions no path from pc 0 reaches, by a forward pass
// over each filter's control flow.
func (a *auditor) unreachable() {
	for fi, flt := range a.stack {
		p := flt.Program()
		seen := make([]bool, len(p))
		if len(p) > 0 {
			seen[0] = true
		}
		for pc, in := range p {
			if !seen[pc] {
				continue
			}
			op := program.Opcode(in.Op)
			var next []int
			switch {
			case in.Op&0x07 == program.ClassRET:
			case op == program.Ja:
				next = []int{pc + 1 + int(in.K)}
			case op.IsConditionalJump():
				next = []int{pc + 1 + int(in.Jt), pc + 1 + int(in.Jf)}
			default:
				next = []int{pc + 1}
			}
			for _, n := range next {
				if n >= 0 && n < len(p) {
					seen[n] = true
				}
			}
		}
		var ranges []string
		first, count := -1, 0
		for pc := 0; pc < len(p); pc++ {
			if seen[pc] {
				continue
			}
			end := pc
			for end+1 < len(p) && !seen[end+1] {
				end++
			}
			if first < 0 {
				first = pc
			}
			count += end - pc + 1
			if end == pc {
				ranges = append(ranges, fmt.Sprint(pc))
			} else {
				ranges = append(ranges, fmt.Sprintf("%d-%d", pc, end))
			}
			pc = end
		}
		if count == 0 {
			continue
		}
		a.add(Finding{Rule: RuleUnreachable, Severity: Info, Filter: fi, PC: first, Line: a.line(fi, first),
			Message: fmt.Sprintf("%d unreachable instruction(s) in %s: pc %s", count, a.name(fi), strings.Join(ranges, ", "))})
	}
}

func (a *auditor) line(filter, pc int) int {
	if filter < len(a.opts.Lines) && pc >= 0 && pc < len(a.opts.Lines[filter]) {
		return a.opts.Lines[filter][pc]
	}
	return 0
}

func (a *auditor) name(filter int) string {
	if filter < len(a.opts.Names) {
		return a.opts.Names[filter]
	}
	return fmt.Sprintf("filter %d", filter)
}

// Thresholds of near-limit: seven eighths of each limit.
const (
	NearJump  = 224                              // of 255, the largest jt or jf
	NearLen   = program.MaxInstructions * 7 / 8  // of BPF_MAXINSNS
	NearStack = verifier.MaxInsnsPerPath * 7 / 8 // of MAX_INSNS_PER_PATH, as verifier.StackLen counts
)

// nearLimit: programs close to the kernel's limits.
func (a *auditor) nearLimit() {
	var progs []program.Program
	for fi, flt := range a.stack {
		p := flt.Program()
		progs = append(progs, p)
		maxOff, at := 0, -1
		for pc, in := range p {
			if !program.Opcode(in.Op).IsConditionalJump() {
				continue
			}
			if o := max(int(in.Jt), int(in.Jf)); o > maxOff {
				maxOff, at = o, pc
			}
		}
		if maxOff >= NearJump {
			a.add(Finding{Rule: RuleNearLimit, Severity: Low, Filter: fi, PC: at, Line: a.line(fi, at),
				Message: fmt.Sprintf("%s: a conditional jump skips %d instructions, near the 255 jt and jf can hold: a few more rules before its target and it no longer fits", a.name(fi), maxOff)})
		}
		if len(p) >= NearLen {
			a.add(Finding{Rule: RuleNearLimit, Severity: Low, Filter: fi, PC: -1,
				Message: fmt.Sprintf("%s: %d instructions, near the kernel's limit of %d (BPF_MAXINSNS)", a.name(fi), len(p), program.MaxInstructions)})
		}
	}
	if n := verifier.StackLen(progs); n >= NearStack {
		a.add(Finding{Rule: RuleNearLimit, Severity: Low, Filter: -1, PC: -1,
			Message: fmt.Sprintf("the stack's path length is %d, near the kernel's limit of %d (MAX_INSNS_PER_PATH): another filter may not install", n, verifier.MaxInsnsPerPath)})
	}
}
