package program

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The bpf_asm reader follows the kernel's tools/bpf/bpf_exp.l (lexer) and
// tools/bpf/bpf_exp.y (grammar and label resolution). Every program it
// accepts, bpf_asm assembles to the same instructions, or would but for
// the extensions below. It is more lenient than bpf_asm only where no
// program changes meaning:
//
//   - "+" and "-" are tokens of their own and a number may carry one sign
//     anywhere a number goes. bpf_asm's lexer folds the sign into decimal
//     numbers, so "[x+5]" lexes as "[", "x", "+5" and is a syntax error
//     there; here it means "[x + 5]". "-0x10" is also accepted.
//   - "#" is a token of its own, so "# len" and "# proto" are read like
//     "#len" and "#proto".
//   - Carriage returns, form feeds and vertical tabs are white space, so
//     CRLF files work (bpf_asm rejects "\r" as an unknown character).
//   - "/* */" comments are C comments; bpf_asm's flex pattern fails on a
//     comment that ends in "**/".
//   - Several labels may name the same instruction ("a1: b2: ret #0").
//   - After "#", a constant may be written with the names the C reader
//     knows (see symbols.go), joined by "|" or "+" with each other and
//     with numbers: "ret #SECCOMP_RET_ERRNO|EPERM", "jeq #__NR_read, l1",
//     "jeq #AUDIT_ARCH_AARCH64, l1". Syscall and errno names are resolved
//     for the filter's arch (DecodeOptions.Arch). bpf_asm has no names.
//
// It refuses every input bpf_asm silently reads as something else than
// what is written (docs/kernel-semantics.md §8.1):
//
//   - a constant that does not fit in 32 bits. bpf_asm assigns strtol's
//     or strtoul's result to a u32, so "ret #0x7fff00000" would be
//     "ret #0xfff00000". A k is -0x80000000..0xffffffff (a negative k
//     wraps to 32 bits, "ret #-1" is 0xffffffff, as in C);
//   - an M[] index outside 0..15 (BPF_MEMWORDS): bpf_asm takes any u32,
//     and so M[4294967296] would be M[0];
//   - a jump to a label that is not after it. bpf_asm wraps a backward
//     ja's offset to 32 bits, a jump the kernel refuses;
//   - a label defined twice (bpf_asm's bpf_find_insns_offset takes the
//     first);
//   - a number run into letters ("0x1g", "09"), and a malformed ldxb, on
//     which bpf_asm prints a message and exits with status 0.
//
// A line whose first column is "#" is always a comment (bpf_asm reads a
// line consisting of exactly "#len" or "#proto" as that token).
//
// The lexer runs as the parser asks for tokens, so that memory follows the
// program and not the input, and the reader stops at the first instruction
// past MaxDecodeInstructions.

type tokKind int

const (
	tEOF     tokKind = iota
	tNum             // a number; sign handled by the parser
	tLabel           // an identifier that is not a keyword
	tOp              // a mnemonic
	tLen             // len
	tExt             // an extension name; val is its SKF_AD_* offset
	tPunct           // one of : , # % [ ] ( ) + - * & | and x a m
	tBadChar         // a character bpf_asm does not know
	tErr             // a malformed number or comment; err says what
)

type token struct {
	kind tokKind
	text string // as written; for tOp and tPunct letters, lower case
	line int
	mag  uint64 // tNum: magnitude
	val  uint32 // tExt: offset
	err  error  // tErr
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tNum:
		return "number " + t.text
	}
	return strconv.Quote(t.text)
}

// asmLexer splits bpf_asm text into tokens on demand.
type asmLexer struct {
	src  string
	name string
	i    int
	line int
}

// next returns the next token: tEOF at the end, tErr for a malformed
// number or an unterminated comment, tBadChar for a character bpf_asm
// does not know (the parser reports those in context).
func (lx *asmLexer) next() token {
	src := lx.src
	for lx.i < len(src) {
		c := src[lx.i]
		switch {
		case c == '\n':
			lx.line++
			lx.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.i++
		case c == ';' || c == '#' && (lx.i == 0 || src[lx.i-1] == '\n'):
			if end := strings.IndexByte(src[lx.i:], '\n'); end >= 0 {
				lx.i += end
			} else {
				lx.i = len(src)
			}
		case c == '/' && lx.i+1 < len(src) && src[lx.i+1] == '*':
			end := strings.Index(src[lx.i+2:], "*/")
			if end < 0 {
				return token{kind: tErr, line: lx.line, err: lineError(lx.name, lx.line, "unterminated /* comment")}
			}
			lx.line += strings.Count(src[lx.i:lx.i+2+end], "\n")
			lx.i += end + 4
		case isDigit(c):
			j := lx.i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			text := src[lx.i:j]
			lx.i = j
			mag, _, err := parseUnsigned(text)
			if err != nil {
				return token{kind: tErr, line: lx.line, err: lineError(lx.name, lx.line, "%v", err)}
			}
			return token{kind: tNum, text: text, line: lx.line, mag: mag}
		case isIdentStart(c):
			j := lx.i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			w := src[lx.i:j]
			lx.i = j
			return classifyWord(w, lx.line)
		case strings.IndexByte(":,#%[]()+-*&|", c) >= 0:
			lx.i++
			return token{kind: tPunct, text: string(c), line: lx.line}
		default:
			r, n := utf8.DecodeRuneInString(src[lx.i:])
			lx.i += n
			return token{kind: tBadChar, text: string(r), line: lx.line}
		}
	}
	return token{kind: tEOF, line: lx.line}
}

// classifyWord sorts an identifier into mnemonic, len, extension, the
// one-letter tokens x, a and M, or a label. Keywords are case-insensitive
// (%option caseless); labels are compared case-sensitively (strcmp).
func classifyWord(w string, line int) token {
	lw := strings.ToLower(w)
	if isMnemonic(lw) {
		return token{kind: tOp, text: lw, line: line}
	}
	if lw == "len" {
		return token{kind: tLen, text: lw, line: line}
	}
	if off, ok := extensionOffset(lw); ok {
		return token{kind: tExt, text: lw, line: line, val: off}
	}
	if len(w) == 1 {
		if lw == "x" || lw == "a" || lw == "m" {
			return token{kind: tPunct, text: lw, line: line}
		}
		// Labels need two characters: a lone letter is not a token at all.
		return token{kind: tBadChar, text: w, line: line}
	}
	return token{kind: tLabel, text: w, line: line}
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// jump fields a label reference fills in.
const (
	refJt = iota
	refJf
	refK
)

type labelRef struct {
	pc, field int
	name      string
	line      int
	op        string
}

// The range of a k as written: 32 bits, a negative value wrapping as in
// C's assignment to the u32 of struct sock_filter.
const (
	minK = math.MinInt32
	maxK = math.MaxUint32
)

// textResult is a text reader's output: the program, the line of each
// instruction, and for bpf_asm the labels.
type textResult struct {
	prog   Program
	lines  []int
	labels map[int]string
}

type asmParser struct {
	name   string
	lx     asmLexer
	buf    []token // tokens read ahead, buf[0] next
	prev   token   // the token last consumed
	sym    *symbols
	prog   Program
	lines  []int          // source line of each instruction
	labels map[string]int // the instruction each label names
	defLn  map[string]int // line of each label's definition
	order  []string       // labels in order of definition
	refs   []labelRef
	cur    int // pc of the instruction being read, or -1
}

// assemble reads bpf_asm text, resolving names as Decode does without an
// arch.
func assemble(src, name string) (Program, error) {
	r, _, err := decodeWithNames(DecodeOptions{Name: name}, func(s *symbols) (textResult, error) {
		return parseAsm(src, name, s)
	})
	return r.prog, err
}

// parseAsm reads bpf_asm text with the names of sym.
func parseAsm(src, name string, sym *symbols) (textResult, error) {
	ps := &asmParser{name: name, lx: asmLexer{src: src, name: name, line: 1}, sym: sym,
		labels: map[string]int{}, defLn: map[string]int{}, cur: -1}
	if err := ps.parse(); err != nil {
		return textResult{}, err
	}
	r := textResult{prog: ps.prog, lines: ps.lines}
	if len(ps.order) > 0 {
		r.labels = make(map[int]string, len(ps.order))
		for _, l := range ps.order {
			if pc := ps.labels[l]; r.labels[pc] == "" {
				r.labels[pc] = l
			}
		}
	}
	return r, nil
}

// la returns the token n places ahead (0 is the next one).
func (ps *asmParser) la(n int) token {
	for len(ps.buf) <= n {
		if k := len(ps.buf); k > 0 && ps.buf[k-1].kind == tEOF {
			return ps.buf[k-1]
		}
		ps.buf = append(ps.buf, ps.lx.next())
	}
	return ps.buf[n]
}

func (ps *asmParser) peek() token { return ps.la(0) }

func (ps *asmParser) next() token {
	t := ps.la(0)
	if t.kind != tEOF {
		ps.buf = ps.buf[:copy(ps.buf, ps.buf[1:])]
	}
	ps.prev = t
	return t
}

// fail returns an error on line, naming the instruction being read.
func (ps *asmParser) fail(line int, format string, args ...any) error {
	e := lineError(ps.name, line, format, args...)
	e.PC = ps.cur
	return e
}

func (ps *asmParser) errAt(t token, format string, args ...any) error {
	switch {
	case t.kind == tErr:
		e := *t.err.(*DecodeError)
		e.PC = ps.cur
		return &e
	case t.kind == tBadChar && isIdentStart(t.text[0]):
		return ps.fail(t.line, "unknown character %q (labels need at least 2 characters)", t.text)
	case t.kind == tBadChar:
		return ps.fail(t.line, "unknown character %q", t.text)
	}
	return ps.fail(t.line, format, args...)
}

func (ps *asmParser) isPunct(s string) bool {
	t := ps.peek()
	return t.kind == tPunct && t.text == s
}

// accept consumes the punctuation s if it comes next.
func (ps *asmParser) accept(s string) bool {
	if ps.isPunct(s) {
		ps.next()
		return true
	}
	return false
}

func (ps *asmParser) expect(op, s string) error {
	if ps.accept(s) {
		return nil
	}
	t := ps.peek()
	return ps.errAt(t, "%s: expected %q, got %v", op, s, t)
}

// term reads an optionally signed number or, when names is set, a name,
// and returns its value and its text as written. A number outside the
// int64 range is returned as out of range by a value that callers reject.
func (ps *asmParser) term(op string, names bool) (int64, string, error) {
	sign := ""
	if ps.accept("-") {
		sign = "-"
	} else if ps.accept("+") {
		sign = "+"
	}
	t := ps.next()
	switch {
	case t.kind == tNum:
		text := sign + t.text
		switch {
		case sign == "-" && t.mag > 1<<63, sign != "-" && t.mag > math.MaxInt64:
			return math.MaxInt64, text, nil // out of every range asked for
		case sign == "-":
			return -int64(t.mag), text, nil
		}
		return int64(t.mag), text, nil
	case t.kind == tLabel && names && sign == "":
		v, err := ps.sym.resolve(t.text, t.line)
		if err != nil {
			return 0, t.text, ps.fail(t.line, "%s: %v", op, err)
		}
		return v, t.text, nil
	case t.kind == tLabel && names:
		return 0, "", ps.errAt(t, "%s: a name cannot carry a sign: %s%s", op, sign, t.text)
	}
	want := "a number"
	if names {
		want = "a number or a name"
	}
	return 0, "", ps.errAt(t, "%s: expected %s, got %v", op, want, t)
}

// number reads an optionally signed number as a k: it must fit in 32
// bits, -0x80000000..0xffffffff, and is wrapped to a u32.
func (ps *asmParser) number(op string) (uint32, error) {
	line := ps.peek().line
	v, text, err := ps.term(op, false)
	if err != nil {
		return 0, err
	}
	return ps.checkK(op, v, text, line)
}

func (ps *asmParser) checkK(op string, v int64, text string, line int) (uint32, error) {
	if v < minK || v > maxK {
		return 0, ps.fail(line, "%s: k %s is out of range -0x80000000..0xffffffff (32 bits)", op, text)
	}
	return uint32(v), nil
}

// value reads the constant after "#": terms joined by "|" or "+",
// evaluated left to right in 64 bits, then checked as a k.
func (ps *asmParser) value(op string) (uint32, error) {
	line := ps.peek().line
	v, text, err := ps.term(op, true)
	if err != nil || !ps.isPunct("|") && !ps.isPunct("+") {
		if err != nil {
			return 0, err
		}
		return ps.checkK(op, v, text, line)
	}
	overflow := v == math.MaxInt64
	for ps.isPunct("|") || ps.isPunct("+") {
		o := ps.next().text
		w, wt, err := ps.term(op, true)
		if err != nil {
			return 0, err
		}
		text += o + wt
		overflow = overflow || w == math.MaxInt64
		if o == "|" {
			v |= w
		} else if r := v + w; (r > v) == (w > 0) {
			v = r
		} else {
			overflow = true
		}
	}
	switch {
	case overflow:
		return 0, ps.fail(line, "%s: k %s overflows 64 bits", op, text)
	case v < minK || v > maxK:
		return 0, ps.fail(line, "%s: k %s = %s is out of range -0x80000000..0xffffffff (32 bits)", op, text, cValue(v))
	}
	return uint32(v), nil
}

// hashValue reads "#k".
func (ps *asmParser) hashValue(op string) (uint32, error) {
	if err := ps.expect(op, "#"); err != nil {
		return 0, err
	}
	return ps.value(op)
}

// xReg reads "x" or "%x" and reports whether it was there.
func (ps *asmParser) xReg() bool {
	if ps.isPunct("%") {
		if t := ps.la(1); t.kind == tPunct && t.text == "x" {
			ps.next()
			ps.next()
			return true
		}
	}
	return ps.accept("x")
}

// memRef reads "M[k]" after ld, ldx, st or stx; k must be a scratch slot,
// 0..15 (BPF_MEMWORDS).
func (ps *asmParser) memRef(op string) (uint32, error) {
	if err := ps.expect(op, "m"); err != nil {
		return 0, err
	}
	if err := ps.expect(op, "["); err != nil {
		return 0, err
	}
	line := ps.peek().line
	v, text, err := ps.term(op, false)
	if err != nil {
		return 0, err
	}
	if v < 0 || v >= MemWords {
		return 0, ps.fail(line, "%s: M[%s] is out of range: the scratch memory is M[0] to M[%d] (BPF_MEMWORDS)", op, text, MemWords-1)
	}
	return uint32(v), ps.expect(op, "]")
}

// bracket reads "[k]" or "[x + k]" (also "[%x + k]") after "[" has been
// seen, and reports whether it was the indexed form.
func (ps *asmParser) bracket(op string) (k uint32, ind bool, err error) {
	ps.next() // "["
	if ps.xReg() {
		ind = true
		if err = ps.expect(op, "+"); err != nil {
			return
		}
	}
	if k, err = ps.number(op); err != nil {
		return
	}
	err = ps.expect(op, "]")
	return
}

// msh reads "4*([k]&0xf)"; the literals must be 4 and 0xf as in bpf_exp.y.
func (ps *asmParser) msh(op string) (uint32, error) {
	start := ps.peek()
	four, _, err := ps.term(op, false)
	if err != nil {
		return 0, err
	}
	for _, p := range []string{"*", "(", "["} {
		if err := ps.expect(op, p); err != nil {
			return 0, err
		}
	}
	k, err := ps.number(op)
	if err != nil {
		return 0, err
	}
	for _, p := range []string{"]", "&"} {
		if err := ps.expect(op, p); err != nil {
			return 0, err
		}
	}
	mask, _, err := ps.term(op, false)
	if err != nil {
		return 0, err
	}
	if err := ps.expect(op, ")"); err != nil {
		return 0, err
	}
	if four != 4 || mask != 0xf {
		return 0, ps.errAt(start, "%s: only 4*([k]&0xf) is supported", op)
	}
	return k, nil
}

// labelRef records a jump to the label that comes next.
func (ps *asmParser) labelRef(op string, field int) error {
	t := ps.next()
	switch t.kind {
	case tLabel:
		ps.refs = append(ps.refs, labelRef{pc: len(ps.prog), field: field, name: t.text, line: t.line, op: op})
		return nil
	case tNum:
		return ps.errAt(t, "%s: jump targets must be labels, got %v", op, t)
	case tOp, tLen, tExt:
		return ps.errAt(t, "%s: %v is a keyword, not a label", op, t)
	case tPunct:
		switch t.text {
		case "a", "x":
			return ps.errAt(t, "%s: %q is the %s register, not a label (labels need at least 2 characters)", op, t.text, strings.ToUpper(t.text))
		case "m":
			return ps.errAt(t, "%s: %q is not a label (labels need at least 2 characters)", op, t.text)
		}
	}
	return ps.errAt(t, "%s: expected a label, got %v", op, t)
}

func (ps *asmParser) emit(code Opcode, k uint32, line int) error {
	if len(ps.prog) >= MaxDecodeInstructions {
		return ps.fail(line, "more than %d instructions (the kernel takes at most %d)", MaxDecodeInstructions, MaxInstructions)
	}
	ps.prog = append(ps.prog, Stmt(code, k))
	ps.lines = append(ps.lines, line)
	return nil
}

func (ps *asmParser) parse() error {
	for {
		ps.cur = -1
		t := ps.peek()
		switch t.kind {
		case tEOF:
			return ps.finish()
		case tLabel:
			ps.next()
			if !ps.accept(":") {
				return ps.errAt(t, "unknown mnemonic %q", t.text)
			}
			if first, dup := ps.defLn[t.text]; dup {
				return ps.fail(t.line, "label %q is defined twice: on line %d and on line %d", t.text, first, t.line)
			}
			if len(ps.order) >= MaxDecodeInstructions {
				return ps.fail(t.line, "more than %d labels", MaxDecodeInstructions)
			}
			ps.labels[t.text] = len(ps.prog)
			ps.defLn[t.text] = t.line
			ps.order = append(ps.order, t.text)
		case tOp:
			ps.next()
			ps.cur = len(ps.prog)
			if err := ps.instruction(t); err != nil {
				return err
			}
		default:
			return ps.errAt(t, "expected an instruction or a label, got %v", t)
		}
	}
}

// instruction reads the operand of the mnemonic and emits the
// instruction, following the rows of asmForms for that mnemonic.
func (ps *asmParser) instruction(opTok token) error {
	form, err := ps.pickForm(opTok.text)
	if err != nil {
		return err
	}
	form, k, err := ps.operand(form)
	if err != nil {
		return err
	}
	return ps.emit(form.op, k, opTok.line)
}

// pickForm chooses, by looking at the tokens that follow, which row of
// mnemonic mnem the operand is written in. A mnemonic with one form
// besides its register forms (ret #k, add #k, st M[k], ja L, ...) gets
// that form whenever no register is written, so that a malformed operand
// is reported against the form expected. A load with several forms gets
// the one its first token announces, or an error naming that token.
func (ps *asmParser) pickForm(mnem string) (asmForm, error) {
	var (
		rows  [numOperands]int // 1 + index in forms of the first row with that operand
		other asmForm          // the last row that is not a register form
		n     int              // the number of such rows
		a, x  bool             // the registers the mnemonic takes
	)
	forms := formsOf(mnem)
	for i, f := range forms {
		if rows[f.arg] != 0 {
			continue
		}
		rows[f.arg] = i + 1
		switch {
		case f.arg == argA:
			a = true
		case f.arg.register():
			x = true
		default:
			other, n = f, n+1
		}
	}
	row := func(args ...operand) (asmForm, bool) {
		for _, arg := range args {
			if i := rows[arg]; i != 0 {
				return forms[i-1], true
			}
		}
		return asmForm{}, false
	}
	t := ps.peek()
	reg, afterPercent := t, t.kind == tPunct && t.text == "%"
	if afterPercent {
		reg = ps.la(1)
	}
	if reg.kind == tPunct {
		switch reg.text {
		case "x":
			if f, ok := row(argX, argJumpX, argJumpNotX); ok {
				return f, nil
			}
		case "a":
			if f, ok := row(argA); ok {
				return f, nil
			}
		}
	}
	if afterPercent && (a || x) {
		regs := `"x"`
		if a {
			regs = `"a" or "x"`
		}
		return asmForm{}, ps.errAt(reg, "%s: expected %s after \"%%\", got %v", mnem, regs, reg)
	}
	if n == 1 {
		return other, nil
	}
	var (
		f  asmForm
		ok bool
	)
	switch {
	case t.kind == tPunct && t.text == "#":
		next := ps.la(1)
		switch {
		case next.kind == tExt && rows[argExt] != 0:
			f, _ = row(argExt)
			return f, nil
		case next.kind == tLen && rows[argLen] != 0:
			f, _ = row(argLen)
			return f, nil
		}
		if f, ok = row(argImm); !ok && rows[argExt] != 0 {
			return asmForm{}, ps.errAt(next, "%s: expected an extension name after \"#\", got %v", mnem, next)
		}
	case t.kind == tExt:
		f, ok = row(argExt)
	case t.kind == tLen:
		f, ok = row(argLen)
	case t.kind == tPunct && t.text == "m":
		f, ok = row(argMem)
	case t.kind == tPunct && t.text == "[":
		f, ok = row(argAbs, argInd) // operand picks between the two
	case t.kind == tNum || t.kind == tPunct && (t.text == "+" || t.text == "-"):
		f, ok = row(argMsh, argImmBare)
	}
	if !ok {
		return asmForm{}, ps.errAt(t, "%s: unexpected operand %v", mnem, t)
	}
	return f, nil
}

// operand reads the operand of form and returns the form finally read
// ("[k]" and "[x + k]" are told apart only inside the brackets) and k.
// Labels are recorded for finish.
func (ps *asmParser) operand(form asmForm) (asmForm, uint32, error) {
	op := form.mnem
	var (
		k   uint32
		err error
	)
	switch form.arg {
	case argNone:
	case argImm:
		k, err = ps.hashValue(op)
	case argImmBare:
		if ps.accept("#") {
			k, err = ps.value(op)
		} else {
			k, err = ps.number(op)
		}
	case argLen:
		ps.accept("#")
		ps.next() // tLen, as pickForm saw
	case argExt:
		ps.accept("#")
		t := ps.next()
		if t.kind != tExt {
			return form, 0, ps.errAt(t, "%s: expected an extension name after \"#\", got %v", op, t)
		}
		k = AncillaryBase + t.val
	case argAbs, argInd:
		var ind bool
		if k, ind, err = ps.bracket(op); err != nil {
			return form, 0, err
		}
		want := argAbs
		if ind {
			want = argInd
		}
		var ok bool
		if form, ok = formFor(op, want); !ok {
			return form, 0, ps.errAt(ps.prev, "%s: unexpected operand", op)
		}
	case argMem:
		k, err = ps.memRef(op)
	case argMsh:
		k, err = ps.msh(op)
	case argX:
		ps.xReg()
	case argA:
		ps.accept("%")
		ps.accept("a")
	case argLabel:
		err = ps.labelRef(op, refK)
	case argJump, argJumpX, argJumpNot, argJumpNotX:
		if form.arg == argJump || form.arg == argJumpNot {
			if k, err = ps.hashValue(op); err != nil {
				return form, 0, err
			}
		} else {
			ps.xReg()
		}
		if err = ps.expect(op, ","); err != nil {
			return form, 0, err
		}
		if form.arg == argJumpNot || form.arg == argJumpNotX {
			// bpf_exp.y: the one label is the false target, jt stays 0.
			err = ps.labelRef(op, refJf)
			break
		}
		if err = ps.labelRef(op, refJt); err == nil && ps.accept(",") {
			err = ps.labelRef(op, refJf)
		}
	}
	return form, k, err
}

// finish resolves labels like bpf_stage_2_reduce_labels: a jump's offset
// is target-pc-1; jt and jf must be in 0..255. Unlike bpf_asm, which
// wraps a backward ja's offset to 32 bits, a jump must go forward: the
// kernel's jumps do (bpf_check_classic, net/core/filter.c).
func (ps *asmParser) finish() error {
	for _, name := range ps.order {
		if ps.labels[name] == len(ps.prog) {
			return lineError(ps.name, ps.defLn[name], "label %q is not followed by an instruction", name)
		}
	}
	for _, r := range ps.refs {
		ps.cur = r.pc
		target, ok := ps.labels[r.name]
		if !ok {
			return ps.fail(r.line, "%s: label %q is not defined", r.op, r.name)
		}
		off := target - r.pc - 1
		if off < 0 {
			return ps.fail(r.line, "%s: jumps only go forward: label %q (line %d) is at pc %d, the jump at pc %d",
				r.op, r.name, ps.defLn[r.name], target, r.pc)
		}
		ins := &ps.prog[r.pc]
		switch r.field {
		case refK:
			ins.K = uint32(off)
		case refJt, refJf:
			if off > 255 {
				return ps.fail(r.line,
					"%s: jump to label %q (pc %d) is out of range: offset %d is more than 255",
					r.op, r.name, target, off)
			}
			if r.field == refJt {
				ins.Jt = uint8(off)
			} else {
				ins.Jf = uint8(off)
			}
		}
	}
	return nil
}
