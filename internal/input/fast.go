package input

import (
	"github.com/bpfsim/bpfsim/seccompdata"
)

// parseFast reads the lines batches are made of (one object with the keys
// arch, nr, args and ip, string and integer values without escapes) in one
// pass without allocating, and reports false for anything else, which
// parseJSON then reads or refuses with its reason: among them, args and ip
// that are negative or symbolic (ParseValue), which it leaves to parseJSON. Whatever it accepts,
// parseJSON reads the same way (FuzzParseFast).
func parseFast(b []byte, defaultArch seccompdata.Arch) (Call, bool) {
	p := fastParser{b: b}
	c := Call{Arch: defaultArch}
	var nr, args []byte
	var nrSet, archSet, argsSet, ipSet bool
	var archTok, ipTok []byte
	p.space()
	if !p.eat('{') {
		return c, false
	}
	p.space()
	if p.peek() == '}' {
		return c, false // no nr: parseJSON says so
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok {
			return c, false
		}
		p.space()
		if !p.eat(':') {
			return c, false
		}
		p.space()
		var val []byte
		switch string(key) {
		case "args":
			start := p.i
			if !p.array() {
				return c, false
			}
			val = b[start:p.i]
		default:
			if val, ok = p.scalar(); !ok {
				return c, false
			}
		}
		switch string(key) {
		case "arch":
			if archSet {
				return c, false
			}
			archTok, archSet = val, true
		case "nr":
			if nrSet {
				return c, false
			}
			nr, nrSet = val, true
		case "args":
			if argsSet {
				return c, false
			}
			args, argsSet = val, true
		case "ip":
			if ipSet {
				return c, false
			}
			ipTok, ipSet = val, true
		default:
			return c, false
		}
		p.space()
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			return c, false
		}
		break
	}
	p.space()
	if p.i != len(b) || !nrSet {
		return c, false
	}
	if archSet {
		a, err := ParseArch(unquote(archTok))
		if err != nil {
			return c, false
		}
		c.Arch = a
	}
	c.Data.Arch = c.Arch.Audit
	n, err := ParseNr(unquote(nr), c.Arch)
	if err != nil {
		return c, false
	}
	c.Data.Nr = n
	if ipSet {
		v, err := ParseUint64(unquote(ipTok))
		if err != nil {
			return c, false
		}
		c.Data.InstructionPointer = v
	}
	if argsSet {
		q := fastParser{b: args}
		q.eat('[')
		q.space()
		for i := 0; !q.eat(']'); i++ {
			if i == len(c.Data.Args) {
				return c, false
			}
			q.space()
			v, _ := q.scalar()
			x, err := ParseUint64(unquote(v))
			if err != nil {
				return c, false
			}
			c.Data.Args[i] = x
			q.space()
			q.eat(',')
			q.space()
		}
	}
	return c, true
}

// unquote returns a scalar token's text: a string's contents (which have
// no escapes), or a number as written.
func unquote(tok []byte) string {
	if len(tok) >= 2 && tok[0] == '"' {
		return string(tok[1 : len(tok)-1])
	}
	return string(tok)
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *fastParser) eat(c byte) bool {
	if p.peek() == c && p.i < len(p.b) {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// str reads a string without escapes or control characters and returns
// its contents.
func (p *fastParser) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// scalar reads a string (as str) or an integer in JSON's syntax (an
// optional minus, then 0 or digits not starting with 0), and returns its
// token.
func (p *fastParser) scalar() ([]byte, bool) {
	start := p.i
	if p.peek() == '"' {
		_, ok := p.str()
		return p.b[start:p.i], ok
	}
	p.eat('-')
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.b[digits] == '0') {
		return nil, false
	}
	switch p.peek() {
	case '.', 'e', 'E':
		return nil, false
	}
	return p.b[start:p.i], true
}

// array reads [scalar, ...].
func (p *fastParser) array() bool {
	if !p.eat('[') {
		return false
	}
	p.space()
	if p.eat(']') {
		return true
	}
	for {
		p.space()
		if _, ok := p.scalar(); !ok {
			return false
		}
		p.space()
		if p.eat(']') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}
