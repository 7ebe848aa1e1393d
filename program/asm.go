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

func isMnemonic(w string) bool {
	switch w {
	case "ldb", "ldh", "ld", "ldi", "ldx", "ldxi", "ldxb", "st", "stx",
		"jmp", "ja", "jeq", "jneq", "jne", "jlt", "jle", "jgt", "jge", "jset",
		"add", "sub", "mul", "div", "mod", "neg", "and", "xor", "or", "lsh", "rsh",
		"ret", "tax", "txa":
		return true
	}
	return false
}

// extensionOffset maps bpf_asm's extension names to SKF_AD_* offsets
// (bpf_exp.l). vlan_pr and vlan_avail are the same offset.
func extensionOffset(name string) (uint32, bool) {
	switch name {
	case "proto":
		return AncProtocol, true
	case "type":
		return AncPktType, true
	case "poff":
		return AncPayOffset, true
	case "ifidx":
		return AncIfIndex, true
	case "nla":
		return AncNLAttr, true
	case "nlan":
		return AncNLAttrNest, true
	case "mark":
		return AncMark, true
	case "queue":
		return AncQueue, true
	case "hatype":
		return AncHatype, true
	case "rxhash":
		return AncRxHash, true
	case "cpu":
		return AncCPU, true
	case "vlan_tci":
		return AncVlanTag, true
	case "vlan_pr", "vlan_avail":
		return AncVlanTagPresent, true
	case "vlan_tpid":
		return AncVlanTPID, true
	case "rand":
		return AncRandom, true
	}
	return 0, false
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

// instruction reads the operands of the mnemonic op and emits it.
func (ps *asmParser) instruction(opTok token) error {
	op, line := opTok.text, opTok.line
	emit := func(code uint16, k uint32, err error) error {
		if err != nil {
			return err
		}
		return ps.emit(code, k, line)
	}
	switch op {
	case "ld", "ldh", "ldb":
		size := uint16(SizeW)
		switch op {
		case "ldh":
			size = SizeH
		case "ldb":
			size = SizeB
		}
		hash := ps.accept("#")
		t := ps.peek()
		switch {
		case t.kind == tExt:
			ps.pos++
			return emit(ClassLD|size|ModeABS, AncillaryBase+t.val, nil)
		case op == "ld" && t.kind == tLen:
			ps.pos++
			return emit(ClassLD|SizeW|ModeLEN, 0, nil)
		case op == "ld" && hash:
			k, err := ps.number(op)
			return emit(ClassLD|ModeIMM, k, err)
		case hash:
			return ps.errAt(t, "%s: expected an extension name after \"#\", got %v", op, t)
		case op == "ld" && ps.isPunct("m"):
			k, err := ps.memRef(op)
			return emit(ClassLD|ModeMEM, k, err)
		case ps.isPunct("["):
			k, ind, err := ps.bracket(op)
			mode := uint16(ModeABS)
			if ind {
				mode = ModeIND
			}
			return emit(ClassLD|size|mode, k, err)
		}
		return ps.errAt(t, "%s: unexpected operand %v", op, t)
	case "ldi":
		ps.accept("#")
		k, err := ps.number(op)
		return emit(ClassLD|ModeIMM, k, err)
	case "ldxi":
		ps.accept("#")
		k, err := ps.number(op)
		return emit(ClassLDX|ModeIMM, k, err)
	case "ldx":
		hash := ps.accept("#")
		t := ps.peek()
		switch {
		case t.kind == tLen:
			ps.pos++
			return emit(ClassLDX|SizeW|ModeLEN, 0, nil)
		case hash:
			k, err := ps.number(op)
			return emit(ClassLDX|ModeIMM, k, err)
		case ps.isPunct("m"):
			k, err := ps.memRef(op)
			return emit(ClassLDX|ModeMEM, k, err)
		case t.kind == tNum || ps.isPunct("+") || ps.isPunct("-"):
			k, err := ps.msh(op)
			return emit(ClassLDX|SizeB|ModeMSH, k, err)
		}
		return ps.errAt(t, "%s: unexpected operand %v", op, t)
	case "ldxb":
		k, err := ps.msh(op)
		return emit(ClassLDX|SizeB|ModeMSH, k, err)
	case "st", "stx":
		class := uint16(ClassST)
		if op == "stx" {
			class = ClassSTX
		}
		k, err := ps.memRef(op)
		return emit(class, k, err)
	case "jmp", "ja":
		return emit(ClassJMP|OpJA, 0, ps.labelRef(op, refK))
	case "jeq", "jgt", "jge", "jset", "jneq", "jne", "jlt", "jle":
		var code uint16
		negated := false
		switch op {
		case "jeq":
			code = OpJEQ
		case "jgt":
			code = OpJGT
		case "jge":
			code = OpJGE
		case "jset":
			code = OpJSET
		case "jneq", "jne":
			code, negated = OpJEQ, true
		case "jlt":
			code, negated = OpJGE, true
		case "jle":
			code, negated = OpJGT, true
		}
		code |= ClassJMP
		var k uint32
		if ps.xReg() {
			code |= SrcX
		} else {
			var err error
			if k, err = ps.hashNumber(op); err != nil {
				return err
			}
		}
		if err := ps.expect(op, ","); err != nil {
			return err
		}
		if negated {
			// bpf_exp.y: the one label is the false target, jt stays 0.
			return emit(code, k, ps.labelRef(op, refJf))
		}
		if err := ps.labelRef(op, refJt); err != nil {
			return err
		}
		if ps.accept(",") {
			if err := ps.labelRef(op, refJf); err != nil {
				return err
			}
		}
		return emit(code, k, nil)
	case "add", "sub", "mul", "div", "mod", "and", "or", "xor", "lsh", "rsh":
		code := ClassALU | aluOp(op)
		if ps.xReg() {
			return emit(code|SrcX, 0, nil)
		}
		k, err := ps.hashNumber(op)
		return emit(code, k, err)
	case "neg":
		return emit(ClassALU|OpNEG, 0, nil)
	case "tax":
		return emit(ClassMISC|MiscTAX, 0, nil)
	case "txa":
		return emit(ClassMISC|MiscTXA, 0, nil)
	case "ret":
		percent := ps.accept("%")
		switch {
		case ps.accept("a"):
			return emit(ClassRET|RvalA, 0, nil)
		case ps.accept("x"):
			return emit(ClassRET|RvalX, 0, nil)
		case !percent:
			k, err := ps.hashNumber(op)
			return emit(ClassRET|RvalK, k, err)
		}
		t := ps.peek()
		return ps.errAt(t, "ret: expected \"a\" or \"x\" after \"%%\", got %v", t)
	}
	return ps.errAt(opTok, "unknown mnemonic %q", op) // unreachable: isMnemonic and this switch agree
}

func aluOp(op string) uint16 {
	switch op {
	case "sub":
		return OpSUB
	case "mul":
		return OpMUL
	case "div":
		return OpDIV
	case "mod":
		return OpMOD
	case "and":
		return OpAND
	case "or":
		return OpOR
	case "xor":
		return OpXOR
	case "lsh":
		return OpLSH
	case "rsh":
		return OpRSH
	}
	return OpADD
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
