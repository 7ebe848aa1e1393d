package program

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// The C reader accepts what people paste from C sources and tools:
//
//   - bare initialiser lines, "{ 0x20, 0, 0, 0x00000004 }," as written by
//     bpf_asm -c and tcpdump -dd, or BPF_STMT(code, k) and
//     BPF_JUMP(code, k, jt, jf) (include/uapi/linux/filter.h), in any mix;
//   - the same list wrapped in an array declaration such as
//     "static struct sock_filter filter[] = { ... };", optionally followed
//     by other declarations (a struct sock_fprog) that hold no instructions;
//   - comments, and preprocessor lines, which are skipped.
//
// Fields are C constant expressions over integers with the operators
// + - * / % << >> & ^ | ~ and parentheses; the names of linux/filter.h and
// linux/bpf_common.h (BPF_*, SKF_*, BPF_CLASS(code) and the other field
// macros); offsetof(struct seccomp_data, nr|arch|instruction_pointer|
// args[N]); sizeof(struct seccomp_data); and any name
// seccompdata.MacroValue knows (SECCOMP_RET_*, AUDIT_ARCH_*, __NR_*, SYS_*,
// errno names), the syscall and errno names with the numbers of the
// filter's arch (DecodeOptions.Arch; symbols.go). Expressions are evaluated
// in 64-bit signed arithmetic; a value
// that does not fit its field is an error, where C would truncate it
// silently: code must be in 0..0xffff (BPF_STMT casts it to unsigned short),
// jt and jf in 0..255, and k in -0x80000000..0xffffffff (a negative k,
// such as SKF_AD_OFF + SKF_AD_PROTOCOL, wraps to 32 bits as in C).
// Unknown identifiers, helper macros other than BPF_STMT and BPF_JUMP,
// casts, designated initialisers and initialisers with other than four
// fields are errors.

type cTokKind int

const (
	cEOF cTokKind = iota
	cIdent
	cNum
	cPunct
)

type cToken struct {
	kind cTokKind
	text string
	line int
	val  uint64 // cNum
}

func (t cToken) String() string {
	if t.kind == cEOF {
		return "end of input"
	}
	return strconv.Quote(t.text)
}

// cLexer splits C text into tokens on demand, skipping comments and
// preprocessor lines.
type cLexer struct {
	src       string
	name      string
	i, line   int
	lineStart bool // only white space so far on this line
}

func (lx *cLexer) next() (cToken, error) {
	src := lx.src
	for lx.i < len(src) {
		i, c := lx.i, src[lx.i]
		switch {
		case c == '\n':
			lx.line++
			lx.i++
			lx.lineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.i++
			continue
		case c == '/' && strings.HasPrefix(src[i:], "//"):
			if end := strings.IndexByte(src[i:], '\n'); end >= 0 {
				lx.i += end
			} else {
				lx.i = len(src)
			}
			continue
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return cToken{}, lineError(lx.name, lx.line, "unterminated /* comment")
			}
			lx.line += strings.Count(src[i:i+2+end], "\n")
			lx.i += end + 4
			continue
		case c == '#' && lx.lineStart:
			// A preprocessor line, with backslash continuations.
			for lx.i < len(src) && src[lx.i] != '\n' {
				if src[lx.i] == '\\' && lx.i+1 < len(src) && src[lx.i+1] == '\n' {
					lx.line++
					lx.i++
				} else if src[lx.i] == '\\' && strings.HasPrefix(src[lx.i+1:], "\r\n") {
					lx.line++
					lx.i += 2
				}
				lx.i++
			}
			continue
		}
		lx.lineStart = false
		switch {
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			lx.i = j
			return cToken{kind: cIdent, text: src[i:j], line: lx.line}, nil
		case isDigit(c):
			j := i
			for j < len(src) && (isIdentChar(src[j]) || src[j] == '.') {
				j++
			}
			lx.i = j
			v, err := parseCNumber(src[i:j])
			if err != nil {
				return cToken{}, lineError(lx.name, lx.line, "%v", err)
			}
			return cToken{kind: cNum, text: src[i:j], line: lx.line, val: v}, nil
		case strings.HasPrefix(src[i:], "<<") || strings.HasPrefix(src[i:], ">>"):
			lx.i += 2
			return cToken{kind: cPunct, text: src[i : i+2], line: lx.line}, nil
		case strings.IndexByte("{}()[],;=|&^~+-*/%.", c) >= 0:
			lx.i++
			return cToken{kind: cPunct, text: string(c), line: lx.line}, nil
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return cToken{}, lineError(lx.name, lx.line, "unexpected character %q", r)
		}
	}
	return cToken{kind: cEOF, line: lx.line}, nil
}

// parseCNumber reads a C integer literal: hex, binary (a GNU extension),
// octal or decimal, with an optional u/l suffix.
func parseCNumber(s string) (uint64, error) {
	v, _, err := parseUnsigned(strings.TrimRight(s, "uUlL"))
	return v, err
}

type cParser struct {
	name string
	lx   cLexer
	buf  []cToken // tokens read ahead, buf[0] next
	err  error    // the lexer's error, reported in place of an EOF token
	sym  *symbols
}

// la returns the token n places ahead (0 is the next one). A lexer error
// ends the tokens with an EOF token; the error is in ps.err.
func (ps *cParser) la(n int) cToken {
	for len(ps.buf) <= n {
		if k := len(ps.buf); k > 0 && ps.buf[k-1].kind == cEOF {
			return ps.buf[k-1]
		}
		t, err := ps.lx.next()
		if err != nil {
			ps.err = err
			t = cToken{kind: cEOF, line: ps.lx.line}
		}
		ps.buf = append(ps.buf, t)
	}
	return ps.buf[n]
}

func (ps *cParser) peek() cToken { return ps.la(0) }

func (ps *cParser) next() cToken {
	t := ps.la(0)
	if t.kind != cEOF {
		ps.buf = ps.buf[:copy(ps.buf, ps.buf[1:])]
	}
	return t
}

func (ps *cParser) is(s string) bool {
	t := ps.peek()
	return (t.kind == cPunct || t.kind == cIdent) && t.text == s
}

func (ps *cParser) accept(s string) bool {
	if ps.is(s) {
		ps.next()
		return true
	}
	return false
}

func (ps *cParser) expect(s string) error {
	if ps.accept(s) {
		return nil
	}
	t := ps.peek()
	return ps.errAt(t, "expected %q, got %v", s, t)
}

// errAt returns an error at t; at the end of the tokens a lexer error, if
// there was one, is the error.
func (ps *cParser) errAt(t cToken, format string, args ...any) error {
	if t.kind == cEOF && ps.err != nil {
		return ps.err
	}
	return lineError(ps.name, t.line, format, args...)
}

// isElementStart reports whether the token n places ahead starts an
// instruction.
func (ps *cParser) isElementStart(n int) bool {
	t := ps.la(n)
	return t.kind == cPunct && t.text == "{" || t.kind == cIdent && (t.text == "BPF_STMT" || t.text == "BPF_JUMP")
}

const cWant = "a sock_filter initialiser such as { 0x06, 0, 0, 0x7fff0000 } or BPF_STMT(...)"

// decodeC reads C initialisers with the names of sym.
func decodeC(src, name string, sym *symbols) (textResult, error) {
	ps := &cParser{name: name, lx: cLexer{src: src, name: name, line: 1, lineStart: true}, sym: sym}
	r, err := ps.file()
	if err == nil && ps.err != nil {
		err = ps.err
	}
	return r, err
}

func (ps *cParser) file() (textResult, error) {
	var r textResult
	if ps.peek().kind == cEOF {
		return textResult{prog: Program{}}, ps.err // only comments and preprocessor lines
	}
	outer := false
	switch {
	case ps.isElementStart(0):
		// "{ {" or "{ BPF_STMT": an array's braces around the list.
		if ps.is("{") && ps.isElementStart(1) {
			outer = true
			ps.next()
		}
	default:
		// A declaration: identifiers, array brackets and stars, then "= {".
		for {
			t := ps.peek()
			if t.kind == cIdent || t.kind == cNum || t.kind == cPunct && strings.Contains("[]*", t.text) {
				ps.next()
				continue
			}
			if ps.accept("=") && ps.accept("{") {
				outer = true
				break
			}
			t = ps.peek()
			if t.kind == cEOF && ps.err == nil {
				return r, ps.errAt(t, `declaration without "= {": no filter array`)
			}
			return r, ps.errAt(t, "unexpected %v: expected %s", t, cWant)
		}
	}
	for {
		if outer && ps.is("}") || ps.peek().kind == cEOF {
			break // a missing "}" is reported below
		}
		t := ps.peek()
		if len(r.prog) >= MaxDecodeInstructions {
			return r, ps.errAt(t, "more than %d instructions (the kernel takes at most %d)", MaxDecodeInstructions, MaxInstructions)
		}
		ins, err := ps.element()
		if err != nil {
			return r, err
		}
		r.prog = append(r.prog, ins)
		r.lines = append(r.lines, t.line)
		if !ps.accept(",") {
			break
		}
	}
	if outer {
		if err := ps.expect("}"); err != nil {
			return r, err
		}
		if !ps.accept(";") && ps.peek().kind != cEOF {
			t := ps.peek()
			return r, ps.errAt(t, "unexpected %v after the filter array", t)
		}
		if err := ps.checkTrailer(); err != nil {
			return r, err
		}
	} else if t := ps.peek(); t.kind != cEOF || ps.err != nil {
		return r, ps.errAt(t, "unexpected %v after instruction %d: expected \",\"", t, len(r.prog)-1)
	}
	if r.prog == nil {
		r.prog = Program{} // "= { };"
	}
	return r, nil
}

// checkTrailer lets other declarations follow the filter array (typically a
// struct sock_fprog), but not a second list of instructions, so that
// nothing that looks like a filter is dropped.
func (ps *cParser) checkTrailer() error {
	for {
		t := ps.next()
		if t.kind == cEOF {
			return ps.err
		}
		next := ps.peek()
		switch {
		case t.kind == cIdent && (t.text == "BPF_STMT" || t.text == "BPF_JUMP" || t.text == "sock_filter"),
			t.kind == cPunct && t.text == "{" && (next.kind == cNum ||
				next.kind == cIdent && strings.HasPrefix(next.text, "BPF_")):
			return ps.errAt(t, "instructions after the end of the filter array: only one array is supported")
		}
	}
}

// element reads one instruction.
func (ps *cParser) element() (Instruction, error) {
	t := ps.next()
	var fields []cField
	switch {
	case t.kind == cIdent && t.text == "BPF_STMT":
		f, err := ps.args("BPF_STMT", ")", 2)
		if err != nil {
			return Instruction{}, err
		}
		fields = []cField{f[0], {}, {}, f[1]}
	case t.kind == cIdent && t.text == "BPF_JUMP":
		f, err := ps.args("BPF_JUMP", ")", 4)
		if err != nil {
			return Instruction{}, err
		}
		fields = []cField{f[0], f[2], f[3], f[1]}
	case t.kind == cPunct && t.text == "{":
		f, err := ps.args("{", "}", 4)
		if err != nil {
			return Instruction{}, err
		}
		fields = f
	case t.kind == cIdent:
		return Instruction{}, ps.errAt(t, "unknown identifier %q: expected %s (helper macros other than BPF_STMT and BPF_JUMP are not understood)", t.text, cWant)
	default:
		return Instruction{}, ps.errAt(t, "unexpected %v: expected %s", t, cWant)
	}
	code, err := fields[0].check("code", 0, 0xffff)
	if err != nil {
		return Instruction{}, err
	}
	jt, err := fields[1].check("jt", 0, 0xff)
	if err != nil {
		return Instruction{}, err
	}
	jf, err := fields[2].check("jf", 0, 0xff)
	if err != nil {
		return Instruction{}, err
	}
	k, err := fields[3].check("k", math.MinInt32, math.MaxUint32)
	if err != nil {
		return Instruction{}, err
	}
	return Instruction{Op: uint16(code), Jt: uint8(jt), Jf: uint8(jf), K: uint32(k)}, nil
}

// cField is an evaluated field with where it was written.
type cField struct {
	v    int64
	line int
	ps   *cParser
}

func (f cField) check(what string, lo, hi int64) (int64, error) {
	if f.v < lo || f.v > hi {
		lim := fmt.Sprintf("0..%#x", hi)
		if lo < 0 {
			lim = fmt.Sprintf("%d..%#x", lo, hi)
		}
		return 0, lineError(f.ps.name, f.line, "%s %s is out of range %s", what, cValue(f.v), lim)
	}
	return f.v, nil
}

func cValue(v int64) string {
	if v < 0 {
		return fmt.Sprintf("-%#x", uint64(-v))
	}
	return fmt.Sprintf("%#x", v)
}

// args reads n comma-separated expressions after "(" or "{" and the closing
// token; a trailing comma is allowed before "}".
func (ps *cParser) args(what, closing string, n int) ([]cField, error) {
	if what != "{" {
		if err := ps.expect("("); err != nil {
			return nil, err
		}
	}
	var out []cField
	for {
		if len(out) == n {
			if closing == "}" {
				ps.accept(",")
			}
			if !ps.is(closing) {
				t := ps.peek()
				return nil, ps.errAt(t, "%s: want %d fields, got %v after field %d", what, n, t, n)
			}
			ps.next()
			return out, nil
		}
		if len(out) > 0 {
			if !ps.accept(",") {
				t := ps.peek()
				return nil, ps.errAt(t, "%s: want %d fields, got %v after field %d", what, n, t, len(out))
			}
		}
		t := ps.peek()
		v, err := ps.expr(0)
		if err != nil {
			return nil, err
		}
		out = append(out, cField{v: v, line: t.line, ps: ps})
	}
}

// binaryLevel returns the C precedence of a binary operator, higher binding
// tighter, or 0 for a token that is not one.
func binaryLevel(op string) int {
	switch op {
	case "|":
		return 1
	case "^":
		return 2
	case "&":
		return 3
	case "<<", ">>":
		return 4
	case "+", "-":
		return 5
	case "*", "/", "%":
		return 6
	}
	return 0
}

// expr evaluates a binary expression whose operators bind tighter than
// level (precedence climbing).
func (ps *cParser) expr(level int) (int64, error) {
	lhs, err := ps.unary()
	if err != nil {
		return 0, err
	}
	for {
		t := ps.peek()
		l := 0
		if t.kind == cPunct {
			l = binaryLevel(t.text)
		}
		if l == 0 || l <= level {
			return lhs, nil
		}
		ps.next()
		rhs, err := ps.expr(l)
		if err != nil {
			return 0, err
		}
		if lhs, err = cBinary(t.text, lhs, rhs); err != nil {
			return 0, ps.errAt(t, "%v", err)
		}
	}
}

func cBinary(op string, a, b int64) (int64, error) {
	overflow := func() error { return fmt.Errorf("%s %s %s overflows 64 bits", cValue(a), op, cValue(b)) }
	switch op {
	case "|":
		return a | b, nil
	case "^":
		return a ^ b, nil
	case "&":
		return a & b, nil
	case "<<", ">>":
		if b < 0 || b > 62 {
			return 0, fmt.Errorf("shift count %d is out of range", b)
		}
		if op == ">>" {
			return a >> b, nil
		}
		if r := a << b; r>>b == a {
			return r, nil
		}
		return 0, overflow()
	case "+":
		if r := a + b; (r > a) == (b > 0) {
			return r, nil
		}
		return 0, overflow()
	case "-":
		if r := a - b; (r < a) == (b > 0) {
			return r, nil
		}
		return 0, overflow()
	case "*":
		if a == 0 || b == 0 {
			return 0, nil
		}
		if r := a * b; r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64) {
			return r, nil
		}
		return 0, overflow()
	case "/", "%":
		if b == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return 0, overflow()
		}
		if op == "/" {
			return a / b, nil
		}
		return a % b, nil
	}
	return 0, fmt.Errorf("unknown operator %q", op)
}

func (ps *cParser) unary() (int64, error) {
	t := ps.peek()
	if t.kind == cPunct {
		switch t.text {
		case "-", "+", "~":
			ps.next()
			v, err := ps.unary()
			if err != nil {
				return 0, err
			}
			switch t.text {
			case "-":
				if v == math.MinInt64 {
					return 0, ps.errAt(t, "-%s overflows 64 bits", cValue(v))
				}
				return -v, nil
			case "~":
				return ^v, nil
			}
			return v, nil
		}
	}
	return ps.primary()
}

func (ps *cParser) primary() (int64, error) {
	t := ps.next()
	switch t.kind {
	case cNum:
		if t.val > math.MaxInt64 {
			return 0, ps.errAt(t, "number %s is out of range", t.text)
		}
		return int64(t.val), nil
	case cIdent:
		return ps.identifier(t)
	case cPunct:
		if t.text == "(" {
			v, err := ps.expr(0)
			if err != nil {
				return 0, err
			}
			return v, ps.expect(")")
		}
	}
	return 0, ps.errAt(t, "expected a number, a name or \"(\", got %v", t)
}

// identifier evaluates a name, or a function-like macro call.
func (ps *cParser) identifier(t cToken) (int64, error) {
	switch t.text {
	case "offsetof", "__builtin_offsetof":
		return ps.offsetof()
	case "sizeof":
		for _, s := range []string{"(", "struct", "seccomp_data", ")"} {
			if err := ps.expect(s); err != nil {
				return 0, err
			}
		}
		return int64(seccompdata.Size), nil
	}
	if mask, ok := bpfFieldMacro(t.text); ok {
		if err := ps.expect("("); err != nil {
			return 0, err
		}
		v, err := ps.expr(0)
		if err != nil {
			return 0, err
		}
		return v & mask, ps.expect(")")
	}
	if v, ok := bpfMacro(t.text); ok {
		return v, nil
	}
	if t.text == "BPF_STMT" || t.text == "BPF_JUMP" {
		return 0, ps.errAt(t, "%s cannot be used inside an expression", t.text)
	}
	v, err := ps.sym.resolve(t.text, t.line)
	if sys, errno := archDependent(t.text); err != nil && !sys && !errno {
		return 0, ps.errAt(t, "unknown identifier %q", t.text)
	} else if err != nil {
		return 0, ps.errAt(t, "%v", err)
	}
	return v, nil
}

// offsetof evaluates offsetof(struct seccomp_data, field) after the name.
func (ps *cParser) offsetof() (int64, error) {
	for _, s := range []string{"(", "struct", "seccomp_data", ","} {
		if err := ps.expect(s); err != nil {
			return 0, err
		}
	}
	f := ps.next()
	var off int64
	switch f.text {
	case "nr":
		off = seccompdata.OffsetNr
	case "arch":
		off = seccompdata.OffsetArch
	case "instruction_pointer":
		off = seccompdata.OffsetInstructionPointer
	case "args":
		if err := ps.expect("["); err != nil {
			return 0, err
		}
		i, err := ps.expr(0)
		if err != nil {
			return 0, err
		}
		if i < 0 || i > 5 {
			return 0, ps.errAt(f, "args[%d] is out of range: struct seccomp_data has args[0]..args[5]", i)
		}
		if err := ps.expect("]"); err != nil {
			return 0, err
		}
		off = seccompdata.OffsetArgs + 8*i
	default:
		return 0, ps.errAt(f, "struct seccomp_data has no field %v (want nr, arch, instruction_pointer or args[N])", f)
	}
	return off, ps.expect(")")
}

// bpfFieldMacro returns the mask of the field-extracting macros of
// linux/bpf_common.h and linux/filter.h.
func bpfFieldMacro(name string) (int64, bool) {
	switch name {
	case "BPF_CLASS":
		return 0x07, true
	case "BPF_SIZE", "BPF_RVAL":
		return 0x18, true
	case "BPF_MODE":
		return 0xe0, true
	case "BPF_OP":
		return 0xf0, true
	case "BPF_SRC":
		return 0x08, true
	case "BPF_MISCOP":
		return 0xf8, true
	}
	return 0, false
}

// bpfMacro returns the value of a constant of linux/bpf_common.h and
// linux/filter.h (uapi 6.1).
func bpfMacro(name string) (int64, bool) {
	switch name {
	case "BPF_LD", "BPF_W", "BPF_IMM", "BPF_ADD", "BPF_JA", "BPF_K", "BPF_TAX":
		return 0x00, true
	case "BPF_LDX":
		return ClassLDX, true
	case "BPF_ST":
		return ClassST, true
	case "BPF_STX":
		return ClassSTX, true
	case "BPF_ALU":
		return ClassALU, true
	case "BPF_JMP":
		return ClassJMP, true
	case "BPF_RET":
		return ClassRET, true
	case "BPF_MISC":
		return ClassMISC, true
	case "BPF_H", "BPF_X":
		return 0x08, true
	case "BPF_B", "BPF_SUB", "BPF_JEQ", "BPF_A":
		return 0x10, true
	case "BPF_ABS", "BPF_MUL", "BPF_JGT":
		return 0x20, true
	case "BPF_DIV", "BPF_JGE":
		return 0x30, true
	case "BPF_IND", "BPF_OR", "BPF_JSET":
		return 0x40, true
	case "BPF_AND":
		return OpAND, true
	case "BPF_MEM", "BPF_LSH":
		return 0x60, true
	case "BPF_RSH":
		return OpRSH, true
	case "BPF_LEN", "BPF_NEG", "BPF_TXA":
		return 0x80, true
	case "BPF_MOD":
		return OpMOD, true
	case "BPF_MSH", "BPF_XOR":
		return 0xa0, true
	case "BPF_MAXINSNS":
		return MaxInstructions, true
	case "BPF_MEMWORDS":
		return MemWords, true
	case "BPF_MAJOR_VERSION", "BPF_MINOR_VERSION":
		return 1, true
	case "SKF_AD_OFF":
		return -0x1000, true
	case "SKF_NET_OFF", "BPF_NET_OFF":
		return -0x100000, true
	case "SKF_LL_OFF", "BPF_LL_OFF":
		return -0x200000, true
	case "SKF_AD_PROTOCOL":
		return AncProtocol, true
	case "SKF_AD_PKTTYPE":
		return AncPktType, true
	case "SKF_AD_IFINDEX":
		return AncIfIndex, true
	case "SKF_AD_NLATTR":
		return AncNLAttr, true
	case "SKF_AD_NLATTR_NEST":
		return AncNLAttrNest, true
	case "SKF_AD_MARK":
		return AncMark, true
	case "SKF_AD_QUEUE":
		return AncQueue, true
	case "SKF_AD_HATYPE":
		return AncHatype, true
	case "SKF_AD_RXHASH":
		return AncRxHash, true
	case "SKF_AD_CPU":
		return AncCPU, true
	case "SKF_AD_ALU_XOR_X":
		return AncAluXorX, true
	case "SKF_AD_VLAN_TAG":
		return AncVlanTag, true
	case "SKF_AD_VLAN_TAG_PRESENT":
		return AncVlanTagPresent, true
	case "SKF_AD_PAY_OFFSET":
		return AncPayOffset, true
	case "SKF_AD_RANDOM":
		return AncRandom, true
	case "SKF_AD_VLAN_TPID":
		return AncVlanTPID, true
	case "SKF_AD_MAX":
		return AncMax, true
	}
	return 0, false
}

// encodeC writes p exactly as bpf_asm -c does (bpf_pretty_print_c):
// printf("{ %#04x, %2u, %2u, %#010x },\n", code, jt, jf, k).
func encodeC(p Program) []byte {
	var b strings.Builder
	b.Grow(len(p) * 32)
	for _, ins := range p {
		fmt.Fprintf(&b, "{ %s, %2d, %2d, %s },\n", cAltHex(uint64(ins.Op), 4), ins.Jt, ins.Jf, cAltHex(uint64(ins.K), 10))
	}
	return []byte(b.String())
}

// cAltHex formats v like C's printf "%#0<width>x": the 0x prefix counts
// towards the width, and the "#" flag adds no prefix to zero, so 0 is all
// zeros ("0000") and 0x20 is "0x20".
func cAltHex(v uint64, width int) string {
	if v == 0 {
		return strings.Repeat("0", width)
	}
	h := strconv.FormatUint(v, 16)
	if pad := width - 2 - len(h); pad > 0 {
		h = strings.Repeat("0", pad) + h
	}
	return "0x" + h
}
