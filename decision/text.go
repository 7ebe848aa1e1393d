package decision

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Column widths of the text form.
const (
	nrWidth    = 23
	nameWidth  = 44
	condIndent = 4 + nrWidth
	condWidth  = 2 + nameWidth - 2 // to the action column
)

// WriteText writes the table for people: a header, then per section the
// arch, then one line per row: the numbers, the syscalls, the answer, and
// the kernel's view; an argument-dependent row has one indented line per
// case, a residual row its programs in bpf_asm.
func (t *Table) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	t.header(bw)
	for i := range t.Sections {
		s := &t.Sections[i]
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, s.title())
		for j := range s.Rows {
			s.writeRow(bw, &s.Rows[j])
		}
	}
	return bw.Flush()
}

func (t *Table) header(w *bufio.Writer) {
	switch len(t.Policy) {
	case 0:
		fmt.Fprintf(w, "decision table of a stack of %d filters\n", t.Filters)
	case 1:
		fmt.Fprintf(w, "decision table of %s\n", t.Policy[0])
	default:
		fmt.Fprintf(w, "decision table of the stack %s (installed in this order; the kernel's precedence combines their answers)\n", strings.Join(t.Policy, " + "))
	}
	fmt.Fprintf(w, "kernel view: %s\n", t.Kernel.describe())
	if t.Residuals > 0 {
		fmt.Fprintf(w, "%d rows are kept as residual programs: conditions cannot express them (each says why)\n", t.Residuals)
	}
}

// describe says what the kernel view assumes, and from where.
func (k KernelView) describe() string {
	var parts []string
	if k.hasCache() {
		parts = append(parts, `"cached": the action cache answers ALLOW without running the filters`)
	} else {
		parts = append(parts, "no action cache (it came in 5.11)")
	}
	o := k.outcomeOptions()
	switch {
	case !o.NoUretprobeBypass && !o.NoUprobeBypass:
		parts = append(parts, "uretprobe (335) and uprobe (336) bypass seccomp")
	case !o.NoUretprobeBypass:
		parts = append(parts, "uretprobe (335) bypasses seccomp (uprobe, 336, from 6.18)")
	default:
		parts = append(parts, "no syscall bypasses seccomp (uretprobe from 6.14)")
	}
	return fmt.Sprintf("Linux %s on x86_64 (%s): %s", k.Version, k.Source, strings.Join(parts, "; "))
}

func (s *Section) title() string {
	if s.Name != "" && s.Audit != 0 && s.Name != "any other arch" && !strings.HasPrefix(s.Name, "other arches") {
		t := fmt.Sprintf("%s (AUDIT_ARCH %#08x)", s.Name, s.Audit)
		if s.Audit == seccompdata.AuditArchX86_64 {
			t += ", x32 numbers included"
		}
		return t
	}
	var rs []string
	for _, r := range s.Arches {
		if r.Lo == r.Hi {
			rs = append(rs, fmt.Sprintf("%#x", r.Lo))
		} else {
			rs = append(rs, fmt.Sprintf("%#x-%#x", r.Lo, r.Hi))
		}
	}
	var known []string
	for _, a := range seccompdata.Arches() {
		if a.NrBit != 0 {
			continue
		}
		if fromRanges(s.Arches).contains(uint64(a.Audit)) {
			known = append(known, a.Name)
		}
	}
	t := fmt.Sprintf("%s: arch %s", s.Name, strings.Join(rs, ", "))
	if len(known) > 0 {
		t += " (" + strings.Join(known, ", ") + ")"
	}
	switch set := fromRanges(s.Arches); {
	case s.BigEndian:
		t += ", big-endian"
	case set.intersect(byteOrderQuadrants(false)).equal(set):
		t += ", little-endian"
	}
	return t
}

// nrText writes a number: decimal up to 99999, else hex.
func nrText(v uint32) string {
	if v <= 99999 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

func (r *Row) rangeText() string {
	switch {
	case r.NrLo == 0 && r.NrHi == 0xffffffff:
		return "any nr"
	case r.NrLo == r.NrHi:
		return nrText(r.NrLo)
	}
	return nrText(r.NrLo) + "-" + nrText(r.NrHi)
}

func (r *Row) namesText() string {
	var t string
	switch r.Region {
	case "table", "x32":
		t = strings.Join(r.Syscalls, ", ")
		if r.Region == "x32" {
			t = "x32: " + t
		}
		if r.Unnamed > 0 {
			if len(r.Syscalls) == 0 {
				t += fmt.Sprintf("(%d unassigned)", r.Unnamed)
			} else {
				t += fmt.Sprintf(" (+%d unassigned)", r.Unnamed)
			}
		}
	case "":
	default:
		t = "(" + r.Region + ")"
	}
	return t
}

// actionText names a return value exactly: the action as
// seccompdata.Action writes it, the errno's name for ERRNO on a named
// section's arch, and the value itself where the name does not give it.
func (s *Section) actionText(ret uint32) string {
	a := seccompdata.Action(ret)
	t := a.String()
	if p, err := seccompdata.ParseAction(t); err != nil || uint32(p) != ret {
		t += fmt.Sprintf(" (%#08x)", ret)
	}
	if name := s.errnoText(ret); name != "" {
		t += " " + name
	}
	return t
}

func (r *Row) tags() string {
	var t []string
	if r.Cached && !r.Bypass {
		t = append(t, "[cached]")
	}
	if r.Bypass {
		t = append(t, "[bypass: runs without asking the filters]")
	}
	if len(t) == 0 {
		return ""
	}
	return "  " + strings.Join(t, " ")
}

func (s *Section) writeRow(w *bufio.Writer, r *Row) {
	names := wrap(r.namesText(), nameWidth, ", ")
	var what string
	switch {
	case r.Residual != nil:
		what = "decided by residual programs:"
	case r.Cases != nil:
		what = "depends on " + strings.Join(r.fields(), ", ") + ":"
	default:
		what = s.actionText(r.Ret)
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %s%s\n", nrWidth, r.rangeText(), nameWidth, names[0], what, r.tags())
	for _, n := range names[1:] {
		fmt.Fprintf(w, "  %-*s  %s\n", nrWidth, "", n)
	}
	pad := strings.Repeat(" ", condIndent)
	switch {
	case r.Residual != nil:
		fmt.Fprintf(w, "%s(%s)\n", pad, r.Residual.Reason)
		for i, p := range r.Residual.Filters {
			label := ""
			if len(r.Residual.Filters) > 1 {
				label = fmt.Sprintf("filter %d: ", i)
			}
			if p.Const {
				fmt.Fprintf(w, "%s%sreturns %s\n", pad, label, s.actionText(p.Ret))
				continue
			}
			if label != "" {
				fmt.Fprintf(w, "%s%s\n", pad, label)
			}
			for _, line := range strings.Split(strings.TrimRight(asmText(p.Program), "\n"), "\n") {
				fmt.Fprintf(w, "%s  %s\n", pad, line)
			}
		}
	case r.Cases != nil:
		for _, c := range r.Cases {
			cond := "otherwise"
			if c.When != nil {
				cond = WhenText(c.When)
			}
			var lines []string
			for _, l := range wrap(cond, condWidth, " || ") {
				lines = append(lines, wrap(l, condWidth, " && ")...)
			}
			for _, l := range lines[:len(lines)-1] {
				fmt.Fprintf(w, "%s%s\n", pad, l)
			}
			fmt.Fprintf(w, "%s%-*s  %s\n", pad, condWidth, lines[len(lines)-1], s.actionText(c.Ret))
		}
	}
}

// fields names the fields a row's conditions read, whole fields for
// halves, in order.
func (r *Row) fields() []string {
	seen := map[Field]bool{}
	for _, c := range r.Cases {
		for _, conj := range c.When {
			for _, cond := range conj {
				w, _ := cond.Field.whole()
				seen[w] = true
			}
		}
	}
	var out []string
	for f := FieldNr; f < fieldEnd; f++ {
		if seen[f] {
			out = append(out, f.String())
		}
	}
	return out
}

// asmText is a program in bpf_asm, or in the comma form where bpf_asm
// cannot write it.
func asmText(p program.Program) string {
	if s, err := program.Disassemble(p); err == nil {
		return s
	}
	b, err := program.Encode(p, program.FormatComma, false)
	if err != nil {
		return fmt.Sprintf("(%d instructions)", len(p))
	}
	return string(b)
}

// wrap splits s at sep into lines of at most width characters (a part
// longer than width gets a line of its own); the separator ends the line
// it follows, trimmed of trailing spaces.
func wrap(s string, width int, sep string) []string {
	if len(s) <= width {
		return []string{s}
	}
	parts := strings.Split(s, sep)
	var lines []string
	cur := ""
	for i, p := range parts {
		piece := p
		if i < len(parts)-1 {
			piece += sep
		}
		if cur != "" && len(cur)+len(strings.TrimRight(piece, " ")) > width {
			lines = append(lines, strings.TrimRight(cur, " "))
			cur = ""
		}
		cur += piece
	}
	if cur != "" {
		lines = append(lines, strings.TrimRight(cur, " "))
	}
	return lines
}
