// Package picture draws seccomp policies: the control-flow graph of each
// filter in Graphviz's DOT language, with the verdict of every path (WriteDot),
// and one self-contained HTML page with the policy's decision table and the
// picture (WriteHTML). Rendering DOT to SVG is the job of picture/svg, which
// keeps its Graphviz engine out of this package's dependencies.
package picture

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// Filter is one filter of the policy to draw.
type Filter struct {
	// Name names the filter (its file).
	Name string
	// Program is the filter.
	Program program.Program
	// Labels are the author's labels by pc (program.Source.Labels); the
	// others are named l<pc>, as Disassemble names them.
	Labels map[int]string
	// Annotate is passed to program.Annotate for the comments.
	Annotate program.AnnotateOptions
}

// Colours by action kind: fill and border.
var colours = map[seccompdata.Action][2]string{
	seccompdata.ActAllow:       {"#c8e6c9", "#2e7d32"},
	seccompdata.ActLog:         {"#dcedc8", "#558b2f"},
	seccompdata.ActErrno:       {"#ffe0b2", "#e65100"},
	seccompdata.ActTrap:        {"#fff59d", "#f9a825"},
	seccompdata.ActTrace:       {"#b3e5fc", "#0277bd"},
	seccompdata.ActUserNotif:   {"#d1c4e9", "#4527a0"},
	seccompdata.ActKillThread:  {"#ffcdd2", "#b71c1c"},
	seccompdata.ActKillProcess: {"#ef9a9a", "#b71c1c"},
}

// Colour returns the fill and border colours of a return value's action
// kind; an unknown action is drawn as KILL_PROCESS, which the kernel
// makes of it.
func Colour(ret uint32) (fill, border string) {
	a := seccompdata.Action(ret)
	if !a.Known() {
		a = seccompdata.ActKillProcess
	}
	c := colours[a.Kind()]
	return c[0], c[1]
}

// value is what the forward pass knows a register holds: a constant, or
// a field of seccomp_data (possibly masked), or nothing.
type value struct {
	known bool
	konst bool
	k     uint32
	field string // "nr", "arch", "args[0] lo", "nr & 0x40000000"
}

func (v value) meet(w value) value {
	if v == w {
		return v
	}
	return value{}
}

type state struct {
	a, x    value
	reached bool
}

func (s state) meet(t state) state {
	switch {
	case !s.reached:
		return t
	case !t.reached:
		return s
	}
	return state{a: s.a.meet(t.a), x: s.x.meet(t.x), reached: true}
}

// flow runs the forward pass over p (jumps only go forward): the state
// before each pc, from the comments of Annotate for the fields loads read.
func flow(p program.Program, notes []string) []state {
	in := make([]state, len(p)+1)
	if len(p) > 0 {
		in[0].reached = true
	}
	for pc, ins := range p {
		s := in[pc]
		if !s.reached {
			continue
		}
		out := s
		next := []int{pc + 1}
		switch program.Class(ins.Op) {
		case program.ClassLD, program.ClassLDX:
			var v value
			switch program.Mode(ins.Op) {
			case program.ModeIMM:
				v = value{known: true, konst: true, k: ins.K}
			case program.ModeABS, program.ModeMEM:
				if notes[pc] != "" && program.Size(ins.Op) == program.SizeW {
					v = value{known: true, field: notes[pc]}
				}
			}
			if program.Class(ins.Op) == program.ClassLD {
				out.a = v
			} else {
				out.x = v
			}
		case program.ClassALU:
			if program.Op(ins.Op) == program.OpAND && program.Src(ins.Op) == program.SrcK && s.a.known && !s.a.konst && !strings.Contains(s.a.field, "&") {
				out.a = value{known: true, field: fmt.Sprintf("%s & %#x", s.a.field, ins.K)}
			} else {
				out.a = value{}
			}
		case program.ClassMISC:
			if ins.Op&0xf8 == program.MiscTAX {
				out.x = s.a
			} else {
				out.a = s.x
			}
		case program.ClassJMP:
			if program.Op(ins.Op) == program.OpJA {
				next = []int{pc + 1 + int(ins.K)}
			} else {
				next = []int{pc + 1 + int(ins.Jt), pc + 1 + int(ins.Jf)}
			}
		case program.ClassRET:
			next = nil
		}
		for _, n := range next {
			if n >= 0 && n < len(in) {
				in[n] = in[n].meet(out)
			}
		}
	}
	return in[:len(p)]
}

// block is a basic block: pcs from..to inclusive. A block that ends a
// chain of jeq against one field with one true target (a list of syscalls
// with one verdict) holds the whole chain: chain are the pcs of its jeqs,
// the last one at to.
type block struct {
	from, to int
	chain    []int
}

// minChain is the shortest chain of jeqs drawn as one node.
const minChain = 4

// chains joins the blocks of each chain "jeq #k1, T; jeq #k2, T; ..." on
// the same value of A into one block: the later jeqs are blocks of one
// instruction that only the previous jeq's false branch reaches.
func chains(p program.Program, bs []block, st []state) []block {
	preds := make([]int, len(p)+1)
	for pc, ins := range p {
		if program.Class(ins.Op) != program.ClassJMP || !st[pc].reached {
			continue
		}
		if program.Op(ins.Op) == program.OpJA {
			preds[min(len(p), pc+1+int(ins.K))]++
			continue
		}
		preds[min(len(p), pc+1+int(ins.Jt))]++
		if ins.Jf != ins.Jt {
			preds[min(len(p), pc+1+int(ins.Jf))]++
		}
	}
	isJeq := func(ins program.Instruction) bool {
		return program.Class(ins.Op) == program.ClassJMP && program.Op(ins.Op) == program.OpJEQ && program.Src(ins.Op) == program.SrcK
	}
	at := map[int]int{}
	for i, bl := range bs {
		at[bl.from] = i
	}
	absorbed := map[int]bool{}
	var out []block
	for _, bl := range bs {
		if absorbed[bl.from] {
			continue
		}
		last := p[bl.to]
		if !isJeq(last) || !st[bl.to].a.known || !st[bl.to].reached {
			out = append(out, bl)
			continue
		}
		target := bl.to + 1 + int(last.Jt)
		pcs := []int{bl.to}
		for {
			cur := pcs[len(pcs)-1]
			next := cur + 1 + int(p[cur].Jf)
			k, ok := at[next]
			if !ok || absorbed[next] || bs[k].from != bs[k].to || preds[next] != 1 || !isJeq(p[next]) ||
				next+1+int(p[next].Jt) != target || next+1+int(p[next].Jf) == target {
				break
			}
			pcs = append(pcs, next)
		}
		if len(pcs) < minChain {
			out = append(out, bl)
			continue
		}
		for _, pc := range pcs[1:] {
			absorbed[pc] = true
		}
		bl.to, bl.chain = pcs[len(pcs)-1], pcs
		out = append(out, bl)
	}
	return out
}

func blocks(p program.Program) []block {
	leader := make([]bool, len(p)+1)
	leader[0] = true
	for pc, ins := range p {
		switch program.Class(ins.Op) {
		case program.ClassJMP:
			leader[pc+1] = true
			if program.Op(ins.Op) == program.OpJA {
				if t := pc + 1 + int(ins.K); t >= 0 && t < len(p) {
					leader[t] = true
				}
			} else {
				for _, t := range []int{pc + 1 + int(ins.Jt), pc + 1 + int(ins.Jf)} {
					if t < len(p) {
						leader[t] = true
					}
				}
			}
		case program.ClassRET:
			leader[pc+1] = true
		}
	}
	var bs []block
	for pc := 0; pc < len(p); pc++ {
		if leader[pc] {
			bs = append(bs, block{from: pc, to: pc})
		} else {
			bs[len(bs)-1].to = pc
		}
	}
	return bs
}

// num writes a constant as bpf_asm would read it back.
func num(k uint32) string {
	if k < 0x1000 {
		return fmt.Sprint(k)
	}
	return fmt.Sprintf("%#x", k)
}

// conds says what the true and false branches of the jump ins know, given
// what A and X hold: "nr == openat" and "nr != openat"; "" where nothing
// is known about the operand compared.
func conds(ins program.Instruction, s state, note string) (string, string) {
	if !s.a.known {
		return "", ""
	}
	lhs := s.a.field
	if s.a.konst {
		lhs = num(s.a.k)
	}
	var rhs string
	switch {
	case program.Src(ins.Op) == program.SrcX && s.x.known && s.x.konst:
		rhs = num(s.x.k)
	case program.Src(ins.Op) == program.SrcX && s.x.known:
		rhs = s.x.field
	case program.Src(ins.Op) == program.SrcX:
		return "", ""
	case note != "":
		rhs = note
		if strings.HasPrefix(note, "x32 ") {
			rhs = fmt.Sprintf("%s (%s)", num(ins.K), note)
		}
	default:
		rhs = num(ins.K)
	}
	switch program.Op(ins.Op) {
	case program.OpJEQ:
		return lhs + " == " + rhs, lhs + " != " + rhs
	case program.OpJGT:
		return lhs + " > " + rhs, lhs + " <= " + rhs
	case program.OpJGE:
		return lhs + " >= " + rhs, lhs + " < " + rhs
	case program.OpJSET:
		return lhs + " & " + rhs + " != 0", lhs + " & " + rhs + " == 0"
	}
	return "", ""
}

// quote writes s as a DOT string, its lines left-justified.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\l`)
	return `"` + r.Replace(s) + `"`
}

// quoteCentred writes s as a DOT string, its lines centred.
func quoteCentred(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// jumpText is a conditional jump without its targets, which the edges
// show: "jeq #257", "jgt x".
func jumpText(ins program.Instruction) string {
	ops := map[uint16]string{program.OpJEQ: "jeq", program.OpJGT: "jgt", program.OpJGE: "jge", program.OpJSET: "jset"}
	op, ok := ops[program.Op(ins.Op)]
	if !ok {
		return fmt.Sprintf("{ %#02x, %d, %d, %#08x }", ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	if program.Src(ins.Op) == program.SrcX {
		return op + " x"
	}
	return fmt.Sprintf("%s #%s", op, num(ins.K))
}

// WriteDot writes the control-flow graph of the filters, a stack in
// install order, as one DOT digraph: each filter a cluster, each basic
// block a node with its bpf_asm text and Annotate's comments, each jump's
// edges labelled true and false with what the branch knows of the fields
// compared ("true\nnr == openat"), and each block that returns filled
// with the colour of its action and titled with it. Blocks no path
// reaches are dashed. The output depends only on the filters.
func WriteDot(w io.Writer, title string, filters []Filter) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "digraph seccomp {\n")
	label := title
	if len(filters) > 1 {
		label += "\nthe kernel runs every filter; the most restrictive action wins (KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW)"
	}
	fmt.Fprintf(b, "  graph [label=%s, labelloc=t, fontname=\"Helvetica\", fontsize=14, rankdir=TB, nodesep=0.3, ranksep=0.35];\n", quoteCentred(label))
	fmt.Fprintf(b, "  node [shape=box, fontname=\"Courier\", fontsize=10, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#616161\"];\n")
	fmt.Fprintf(b, "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#424242\"];\n")
	for fi, f := range filters {
		writeFilter(b, fi, len(filters), f)
	}
	fmt.Fprintf(b, "}\n")
	return b.Flush()
}

func writeFilter(b *bufio.Writer, fi, n int, f Filter) {
	p := f.Program
	notes := program.Annotate(p, f.Annotate)
	st := flow(p, notes)
	bs := chains(p, blocks(p), st)
	id := func(pc int) string { return fmt.Sprintf("f%d_%d", fi, pc) }
	name := func(pc int) string {
		if l, ok := f.Labels[pc]; ok {
			return l
		}
		return fmt.Sprintf("l%d", pc)
	}
	title := f.Name
	if n > 1 {
		order := ""
		if fi == 0 {
			order = ", installed first"
		}
		title = fmt.Sprintf("filter %d of %d%s: %s", fi, n, order, f.Name)
	}
	fmt.Fprintf(b, "  subgraph cluster_%d {\n", fi)
	fmt.Fprintf(b, "    label=%s; fontname=\"Helvetica\"; fontsize=12; style=\"rounded\"; color=\"#9e9e9e\";\n", quote(fmt.Sprintf("%s (%d instructions)", title, len(p))))
	if len(p) == 0 {
		fmt.Fprintf(b, "    %s [label=\"(empty: the kernel refuses it)\", style=dashed];\n", id(0))
	}
	var edges []string
	for _, bl := range bs {
		var lines []string
		head := name(bl.from)
		if bl.from == 0 {
			head = "entry"
			if l, ok := f.Labels[0]; ok {
				head = l
			}
		}
		lines = append(lines, head+":")
		end := bl.to
		if bl.chain != nil {
			end = bl.chain[0] - 1
		}
		for pc := bl.from; pc <= end; pc++ {
			ins := p[pc]
			text := program.InstructionText(p, pc)
			if program.Class(ins.Op) == program.ClassJMP {
				if program.Op(ins.Op) == program.OpJA {
					text = "ja"
				} else {
					text = jumpText(ins)
				}
			}
			if notes[pc] != "" {
				text = fmt.Sprintf("%-20s ; %s", text, notes[pc])
			}
			lines = append(lines, fmt.Sprintf("%3d  %s", pc, text))
		}
		if bl.chain != nil {
			lines = append(lines, chainLines(p, bl.chain, notes, st[bl.to].a)...)
		}
		attrs := []string{}
		last := p[bl.to]
		reached := st[bl.from].reached
		if program.Class(last.Op) == program.ClassRET {
			ret, ok := last.K, true
			switch last.Op & 0x18 {
			case program.RvalA:
				ret, ok = st[bl.to].a.k, st[bl.to].a.known && st[bl.to].a.konst
			case program.RvalX:
				ret, ok = st[bl.to].x.k, st[bl.to].x.known && st[bl.to].x.konst
			}
			if ok {
				fill, border := Colour(ret)
				lines = append([]string{"=> " + seccompdata.Action(ret).String()}, lines...)
				attrs = append(attrs, fmt.Sprintf("fillcolor=%q", fill), fmt.Sprintf("color=%q", border), "penwidth=2")
			} else {
				lines = append([]string{"=> computed: depends on the input"}, lines...)
				attrs = append(attrs, `fillcolor="#eeeeee"`)
			}
		}
		if !reached {
			lines = append(lines, "(no path reaches it)")
			attrs = append(attrs, `style="rounded,dashed"`)
		}
		attrs = append([]string{"label=" + quote(strings.Join(lines, "\n")+"\n")}, attrs...)
		fmt.Fprintf(b, "    %s [%s];\n", id(bl.from), strings.Join(attrs, ", "))

		switch program.Class(last.Op) {
		case program.ClassRET:
		case program.ClassJMP:
			if program.Op(last.Op) == program.OpJA {
				edges = append(edges, fmt.Sprintf("    %s -> %s;", id(bl.from), id(bl.to+1+int(last.K))))
				break
			}
			t, f := bl.to+1+int(last.Jt), bl.to+1+int(last.Jf)
			ct, cf := conds(last, st[bl.to], notes[bl.to])
			if bl.chain != nil {
				ct = fmt.Sprintf("%s is one of the %d above", fieldName(st[bl.to].a), len(bl.chain))
				cf = fmt.Sprintf("%s is none of them", fieldName(st[bl.to].a))
			}
			if t == f {
				edges = append(edges, fmt.Sprintf("    %s -> %s [label=%s];", id(bl.from), id(t), quote("true or false")))
				break
			}
			lt, lf := "true", "false"
			if ct != "" {
				lt, lf = lt+"\n"+ct, lf+"\n"+cf
			}
			edges = append(edges, fmt.Sprintf("    %s -> %s [label=%s, color=\"#2e7d32\", fontcolor=\"#1b5e20\"];", id(bl.from), id(t), quoteCentred(lt)))
			edges = append(edges, fmt.Sprintf("    %s -> %s [label=%s, color=\"#c62828\", fontcolor=\"#b71c1c\", style=dashed];", id(bl.from), id(f), quoteCentred(lf)))
		default:
			// Falls into the next block (a jump target).
			if bl.to+1 < len(p) {
				edges = append(edges, fmt.Sprintf("    %s -> %s;", id(bl.from), id(bl.to+1)))
			}
		}
	}
	for _, e := range edges {
		fmt.Fprintln(b, e)
	}
	fmt.Fprintf(b, "  }\n")
}

func fieldName(v value) string {
	if v.konst {
		return num(v.k)
	}
	return v.field
}

// chainLines writes a chain of jeqs as "6-77  jeq nr in {read, write, ...}",
// wrapped.
func chainLines(p program.Program, pcs []int, notes []string, a value) []string {
	var vals []string
	for _, pc := range pcs {
		v := num(p[pc].K)
		if n := notes[pc]; n != "" {
			v = n
			if strings.HasPrefix(n, "x32 ") {
				v = fmt.Sprintf("%s (%s)", num(p[pc].K), n)
			}
		}
		vals = append(vals, v)
	}
	head := fmt.Sprintf("%3d-%d  jeq %s in {", pcs[0], pcs[len(pcs)-1], fieldName(a))
	pad := strings.Repeat(" ", 7)
	var lines []string
	line := head
	for i, v := range vals {
		sep := ", "
		if i == len(vals)-1 {
			sep = "}"
		}
		if len(line)+len(v)+len(sep) > 64 && line != head {
			lines = append(lines, strings.TrimRight(line, " "))
			line = pad
		}
		line += v + sep
	}
	return append(lines, line)
}
