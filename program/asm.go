package program

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The bpf_asm reader follows the kernel's tools/bpf/bpf_exp.l (lexer) and
// tools/bpf/bpf_exp.y (grammar and label resolution). It accepts every
// program bpf_asm accepts and assembles it to the same instructions. It is
// more lenient than bpf_asm only where no program changes meaning:
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
//
// Differences that reject more than bpf_asm, all of them on inputs bpf_asm
// silently misreads: a number that does not fit 64 bits is an error (strtol
// would saturate it), as is a number run into letters ("0x1g", "09"), and a
// malformed ldxb, on which bpf_asm prints a message and exits with status 0.
// A line whose first column is "#" is always a comment (bpf_asm reads a line
// consisting of exactly "#len" or "#proto" as that token).

type tokKind int

const (
	tEOF     tokKind = iota
	tNum             // a number; sign handled by the parser
	tLabel           // an identifier that is not a keyword
	tOp              // a mnemonic
	tLen             // len
	tExt             // an extension name; val is its SKF_AD_* offset
	tPunct           // one of : , # % [ ] ( ) + - * & and x a m
	tBadChar         // a character bpf_asm does not know
)

type token struct {
	kind tokKind
	text string // as written; for tOp and tPunct letters, lower case
	line int
	mag  uint64 // tNum: magnitude
	sgnd bool   // tNum: read by strtol (decimal, octal, binary), not strtoul (hex)
	val  uint32 // tExt: offset
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

// lexAsm splits src into tokens. It fails only on malformed numbers and
// unterminated comments; unknown characters become tBadChar tokens so that
// the parser reports them in context.
func lexAsm(src, name string) ([]token, error) {
	toks := make([]token, 0, len(src)/4+1)
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '#' && (i == 0 || src[i-1] == '\n'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, lineError(name, line, "unterminated /* comment")
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case isDigit(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			t, err := lexNumber(src[i:j])
			if err != nil {
				return nil, lineError(name, line, "%v", err)
			}
			t.line = line
			toks = append(toks, t)
			i = j
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			toks = append(toks, classifyWord(src[i:j], line))
			i = j
		case strings.IndexByte(":,#%[]()+-*&", c) >= 0:
			toks = append(toks, token{kind: tPunct, text: string(c), line: line})
			i++
		default:
			r, n := utf8.DecodeRuneInString(src[i:])
			toks = append(toks, token{kind: tBadChar, text: string(r), line: line})
			i += n
		}
	}
	return append(toks, token{kind: tEOF, line: line}), nil
}

// lexNumber reads one number the way bpf_exp.l does: 0x hex (strtoul),
// 0b binary, 0 followed by octal digits, or decimal (strtol). Only hex is
// unsigned: the others may carry a sign and truncate to 32 bits.
func lexNumber(s string) (token, error) {
	mag, hex, err := parseUnsigned(s)
	if err != nil {
		return token{}, err
	}
	return token{kind: tNum, text: s, mag: mag, sgnd: !hex}, nil
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
}

type asmParser struct {
	name   string
	toks   []token
	pos    int
	prog   Program
	lines  []int          // source line of each instruction
	labels map[string]int // first definition wins, as in bpf_find_insns_offset
	defLn  map[string]int // line of each label's first definition
	order  []string       // labels in order of definition
	refs   []labelRef
}

// assemble reads bpf_asm text.
func assemble(src, name string) (Program, error) {
	toks, err := lexAsm(src, name)
	if err != nil {
		return nil, err
	}
	ps := &asmParser{name: name, toks: toks, labels: map[string]int{}, defLn: map[string]int{}}
	if err := ps.parse(); err != nil {
		return nil, err
	}
	return ps.prog, nil
}

func (ps *asmParser) peek() token { return ps.toks[ps.pos] }

func (ps *asmParser) next() token {
	t := ps.toks[ps.pos]
	if t.kind != tEOF {
		ps.pos++
	}
	return t
}

func (ps *asmParser) errAt(t token, format string, args ...any) error {
	if t.kind == tBadChar {
		if isIdentStart(t.text[0]) {
			return lineError(ps.name, t.line, "unknown character %q (labels need at least 2 characters)", t.text)
		}
		return lineError(ps.name, t.line, "unknown character %q", t.text)
	}
	return lineError(ps.name, t.line, format, args...)
}

func (ps *asmParser) isPunct(s string) bool {
	t := ps.peek()
	return t.kind == tPunct && t.text == s
}

// accept consumes the punctuation s if it comes next.
func (ps *asmParser) accept(s string) bool {
	if ps.isPunct(s) {
		ps.pos++
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

// number reads an optionally signed number and truncates it to 32 bits like
// bpf_asm's assignment of strtol/strtoul's result to a uint32_t.
func (ps *asmParser) number(op string) (uint32, error) {
	neg := false
	if ps.accept("-") {
		neg = true
	} else {
		ps.accept("+")
	}
	t := ps.next()
	if t.kind != tNum {
		return 0, ps.errAt(t, "%s: expected a number, got %v", op, t)
	}
	if t.sgnd && (!neg && t.mag > math.MaxInt64 || neg && t.mag > 1<<63) {
		return 0, ps.errAt(t, "number %s does not fit in 64 bits", t.text)
	}
	v := t.mag
	if neg {
		v = -v
	}
	return uint32(v), nil
}

// hashNumber reads "#k".
func (ps *asmParser) hashNumber(op string) (uint32, error) {
	if err := ps.expect(op, "#"); err != nil {
		return 0, err
	}
	return ps.number(op)
}

// xReg reads "x" or "%x" and reports whether it was there.
func (ps *asmParser) xReg() bool {
	if ps.isPunct("%") && ps.pos+1 < len(ps.toks) && ps.toks[ps.pos+1].kind == tPunct && ps.toks[ps.pos+1].text == "x" {
		ps.pos += 2
		return true
	}
	return ps.accept("x")
}

// memRef reads "M[k]" after ld, ldx, st or stx.
func (ps *asmParser) memRef(op string) (uint32, error) {
	if err := ps.expect(op, "m"); err != nil {
		return 0, err
	}
	if err := ps.expect(op, "["); err != nil {
		return 0, err
	}
	k, err := ps.number(op)
	if err != nil {
		return 0, err
	}
	return k, ps.expect(op, "]")
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
	four, err := ps.number(op)
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
	mask, err := ps.number(op)
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
	if t.kind != tLabel {
		if t.kind == tNum {
			return ps.errAt(t, "%s: jump targets must be labels, got %v", op, t)
		}
		return ps.errAt(t, "%s: expected a label, got %v", op, t)
	}
	ps.refs = append(ps.refs, labelRef{pc: len(ps.prog), field: field, name: t.text, line: t.line})
	return nil
}

func (ps *asmParser) emit(code uint16, k uint32, line int) error {
	if len(ps.prog) >= MaxDecodeInstructions {
		return lineError(ps.name, line, "more than %d instructions", MaxDecodeInstructions)
	}
	ps.prog = append(ps.prog, Instruction{Op: code, K: k})
	ps.lines = append(ps.lines, line)
	return nil
}

func (ps *asmParser) parse() error {
	for {
		t := ps.peek()
		switch t.kind {
		case tEOF:
			return ps.finish()
		case tLabel:
			ps.pos++
			if !ps.accept(":") {
				return ps.errAt(t, "unknown mnemonic %q", t.text)
			}
			if _, dup := ps.labels[t.text]; !dup {
				ps.labels[t.text] = len(ps.prog)
				ps.defLn[t.text] = t.line
				ps.order = append(ps.order, t.text)
			}
		case tOp:
			ps.pos++
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
	return ps.emit(uint16(form.op), k, opTok.line)
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
		reg = ps.toks[ps.pos+1]
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
		next := ps.toks[ps.pos+1]
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
		k, err = ps.hashNumber(op)
	case argImmBare:
		ps.accept("#")
		k, err = ps.number(op)
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
			return form, 0, ps.errAt(ps.toks[ps.pos-1], "%s: unexpected operand", op)
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
			if k, err = ps.hashNumber(op); err != nil {
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

// finish resolves labels like bpf_stage_2_reduce_labels: a JA offset is
// target-pc-1 wrapped to 32 bits and never range-checked; jt and jf must be
// in 0..255.
func (ps *asmParser) finish() error {
	for _, name := range ps.order {
		if ps.labels[name] == len(ps.prog) {
			return lineError(ps.name, ps.defLn[name], "label %q is not followed by an instruction", name)
		}
	}
	for _, r := range ps.refs {
		target, ok := ps.labels[r.name]
		if !ok {
			return lineError(ps.name, r.line, "undefined label %q", r.name)
		}
		off := target - r.pc - 1
		ins := &ps.prog[r.pc]
		switch r.field {
		case refK:
			ins.K = uint32(int32(off))
		case refJt, refJf:
			if off < 0 || off > 255 {
				return lineError(ps.name, r.line,
					"jump from instruction %d to label %q (instruction %d) is out of range: offset %d is not in 0..255",
					r.pc, r.name, target, off)
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
