package decision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/bpfsim/bpfsim/internal/input"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// The JSON form of a table (README, "Decision tables"). 64-bit values are
// hex strings, exact in every JSON reader; return values, arch values and
// syscall numbers (signed, as the filter sees them) are numbers.
type jsonTable struct {
	SchemaVersion int           `json:"schema_version"`
	Policy        []string      `json:"policy"`
	Filters       int           `json:"filters"`
	Kernel        jsonKernel    `json:"kernel"`
	ResidualRows  int           `json:"residual_rows"`
	Sections      []jsonSection `json:"sections"`
}

type jsonKernel struct {
	Version     string  `json:"version"`
	Source      string  `json:"source"`
	Arch        string  `json:"arch"`
	ActionCache bool    `json:"action_cache"`
	Bypass      []int32 `json:"bypass"`
}

type jsonSection struct {
	Name      string      `json:"name"`
	Audit     uint32      `json:"audit,omitempty"`
	Arches    [][2]uint32 `json:"arches"`
	BigEndian bool        `json:"big_endian"`
	Rows      []jsonRow   `json:"rows"`
}

type jsonRow struct {
	Nr       [2]int32      `json:"nr"`
	Region   string        `json:"region,omitempty"`
	Syscalls []string      `json:"syscalls,omitempty"`
	Unnamed  uint64        `json:"unnamed,omitempty"`
	Ret      *uint32       `json:"ret,omitempty"`
	Action   string        `json:"action,omitempty"`
	Errno    string        `json:"errno,omitempty"`
	Cases    []jsonCase    `json:"cases,omitempty"`
	Residual *jsonResidual `json:"residual,omitempty"`
	Cached   bool          `json:"cached"`
	Bypass   bool          `json:"bypass"`
	Witness  *jsonWitness  `json:"witness,omitempty"`
}

type jsonCase struct {
	When      [][]jsonCond `json:"when,omitempty"`
	Otherwise bool         `json:"otherwise,omitempty"`
	Text      string       `json:"text"`
	Ret       uint32       `json:"ret"`
	Action    string       `json:"action"`
	Errno     string       `json:"errno,omitempty"`
	Witness   jsonWitness  `json:"witness"`
}

type jsonCond struct {
	Field string      `json:"field"`
	In    [][2]string `json:"in,omitempty"`
	Mask  string      `json:"mask,omitempty"`
	Op    string      `json:"op,omitempty"`
	Value string      `json:"value,omitempty"`
}

type jsonResidual struct {
	Reason  string        `json:"reason"`
	Filters []jsonResPart `json:"filters"`
}

type jsonResPart struct {
	Ret *uint32 `json:"ret,omitempty"`
	Asm string  `json:"asm,omitempty"`
}

type jsonWitness struct {
	Input json.RawMessage `json:"input"`
	Ret   uint32          `json:"ret"`
}

// WriteJSON writes the table's JSON form, one object on one line and a
// newline; MarshalJSON gives the same object.
func (t *Table) WriteJSON(w io.Writer) error {
	b, err := t.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// MarshalJSON writes the table's JSON form: one object, the same for the
// same table byte for byte. (encoding/json.Marshal, calling it, escapes
// "<", ">" and "&" in strings; WriteJSON does not.)
func (t *Table) MarshalJSON() ([]byte, error) {
	jt := jsonTable{
		SchemaVersion: SchemaVersion,
		Policy:        t.Policy,
		Filters:       t.Filters,
		ResidualRows:  t.Residuals,
		Kernel: jsonKernel{
			Version:     t.Kernel.Version.String(),
			Source:      t.Kernel.Source,
			Arch:        "x86_64",
			ActionCache: t.Kernel.hasCache(),
			Bypass:      []int32{},
		},
		Sections: []jsonSection{},
	}
	if jt.Policy == nil {
		jt.Policy = []string{}
	}
	o := t.Kernel.outcomeOptions()
	if !o.NoUretprobeBypass {
		jt.Kernel.Bypass = append(jt.Kernel.Bypass, seccompdata.NrUretprobeX86_64)
	}
	if !o.NoUprobeBypass {
		jt.Kernel.Bypass = append(jt.Kernel.Bypass, seccompdata.NrUprobeX86_64)
	}
	for i := range t.Sections {
		s := &t.Sections[i]
		js := jsonSection{Name: s.Name, Audit: s.Audit, BigEndian: s.BigEndian, Rows: []jsonRow{}}
		for _, r := range s.Arches {
			js.Arches = append(js.Arches, [2]uint32{uint32(r.Lo), uint32(r.Hi)})
		}
		for j := range s.Rows {
			js.Rows = append(js.Rows, s.jsonRow(&s.Rows[j]))
		}
		jt.Sections = append(jt.Sections, js)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jt); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// errnoText names the errno of an ERRNO return value on a named section's
// arch; "" for another action, an unnamed errno, or a section of other
// arches, whose errno numbers mean different errors.
func (s *Section) errnoText(ret uint32) string {
	a := seccompdata.Action(ret)
	if a.Kind() != seccompdata.ActErrno || s.Audit == 0 {
		return ""
	}
	name, _ := seccompdata.ArchOf(s.Audit).ErrnoName(a.Data())
	return name
}

func (s *Section) jsonRow(r *Row) jsonRow {
	jr := jsonRow{
		Nr:       [2]int32{int32(r.NrLo), int32(r.NrHi)},
		Region:   r.Region,
		Syscalls: r.Syscalls,
		Unnamed:  r.Unnamed,
		Cached:   r.Cached,
		Bypass:   r.Bypass,
	}
	switch {
	case r.Residual != nil:
		res := &jsonResidual{Reason: r.Residual.Reason}
		for _, p := range r.Residual.Filters {
			if p.Const {
				ret := p.Ret
				res.Filters = append(res.Filters, jsonResPart{Ret: &ret})
			} else {
				res.Filters = append(res.Filters, jsonResPart{Asm: asmText(p.Program)})
			}
		}
		jr.Residual = res
	case r.Cases != nil:
		for _, c := range r.Cases {
			jc := jsonCase{Ret: c.Ret, Action: seccompdata.Action(c.Ret).String(), Errno: s.errnoText(c.Ret), Witness: witnessJSON(c.Witness)}
			if c.When == nil {
				jc.Otherwise, jc.Text = true, "otherwise"
			} else {
				jc.Text = WhenText(c.When)
				for _, conj := range c.When {
					jconj := []jsonCond{}
					for _, cond := range conj {
						jconj = append(jconj, condJSON(cond))
					}
					jc.When = append(jc.When, jconj)
				}
			}
			jr.Cases = append(jr.Cases, jc)
		}
	default:
		ret := r.Ret
		jr.Ret, jr.Action, jr.Errno = &ret, seccompdata.Action(ret).String(), s.errnoText(ret)
	}
	if r.Witness != nil {
		w := witnessJSON(*r.Witness)
		jr.Witness = &w
	}
	return jr
}

func condJSON(c Cond) jsonCond {
	jc := jsonCond{Field: c.Field.String()}
	if c.In != nil {
		for _, r := range c.In {
			jc.In = append(jc.In, [2]string{hex(r.Lo), hex(r.Hi)})
		}
		return jc
	}
	jc.Mask, jc.Op, jc.Value = hex(c.Mask), c.Op.String(), hex(c.K)
	return jc
}

// witnessJSON writes a witness's input in the form of bpfsim's --input
// lines (internal/input.Call): arch by name, or its number for an arch
// without one; nr as the filter sees it; all six args and ip as hex
// strings.
func witnessJSON(w Witness) jsonWitness {
	b, _ := json.Marshal(input.Call{Arch: w.Arch, Data: w.Data})
	return jsonWitness{Input: b, Ret: w.Ret}
}

// Read reads a table from its JSON form, as MarshalJSON writes it, and
// checks that it is whole: every arch value in one section, every number in
// one row, every row with one answer, every residual program one the
// kernel accepts. The table it returns answers Lookup as the one written.
func Read(r io.Reader) (*Table, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var jt jsonTable
	if err := dec.Decode(&jt); err != nil {
		return nil, fmt.Errorf("decision table: %v", err)
	}
	if jt.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("decision table: schema_version %d, want %d", jt.SchemaVersion, SchemaVersion)
	}
	v, err := ParseKernelVersion(jt.Kernel.Version)
	if err != nil {
		return nil, fmt.Errorf("decision table: kernel: %v", err)
	}
	t := &Table{Policy: jt.Policy, Filters: jt.Filters, Kernel: KernelView{Version: v, Source: jt.Kernel.Source}}
	if t.Filters < 1 {
		return nil, errors.New("decision table: filters: want at least 1")
	}
	var covered ivset
	for i, js := range jt.Sections {
		s := Section{Name: js.Name, Audit: js.Audit, BigEndian: js.BigEndian}
		for _, a := range js.Arches {
			if a[0] > a[1] {
				return nil, fmt.Errorf("decision table: section %d: arches: %#x > %#x", i, a[0], a[1])
			}
			s.Arches = append(s.Arches, Range{uint64(a[0]), uint64(a[1])})
			one := ivset{{uint64(a[0]), uint64(a[1])}}
			if covered.intersect(one) != nil {
				return nil, fmt.Errorf("decision table: section %d: arches %#x-%#x are in another section too", i, a[0], a[1])
			}
			covered = covered.union(one)
		}
		next, residuals := uint64(0), 0
		for j, jr := range js.Rows {
			row, err := readRow(&jr, t.Filters)
			if err != nil {
				return nil, fmt.Errorf("decision table: section %d row %d: %v", i, j, err)
			}
			if uint64(row.NrLo) != next || row.NrHi < row.NrLo {
				return nil, fmt.Errorf("decision table: section %d row %d: nr %d-%d does not follow the previous row", i, j, jr.Nr[0], jr.Nr[1])
			}
			next = uint64(row.NrHi) + 1
			if row.Residual != nil {
				residuals++
			}
			s.Rows = append(s.Rows, row)
		}
		t.Residuals += residuals
		if residuals > 0 {
			for _, a := range s.Arches {
				if fromRanges([]Range{a}).intersect(byteOrderQuadrants(s.BigEndian)).count() != a.Hi-a.Lo+1 {
					return nil, fmt.Errorf("decision table: section %d has residual rows but arches %#x-%#x of both byte orders", i, a.Lo, a.Hi)
				}
			}
		}
		if next != 1<<32 {
			return nil, fmt.Errorf("decision table: section %d: the rows end at nr %d, not at -1", i, int32(uint32(next-1)))
		}
		t.Sections = append(t.Sections, s)
	}
	if covered.complement(0xffffffff) != nil {
		return nil, errors.New("decision table: the sections do not cover every arch value")
	}
	t.index()
	return t, nil
}

// byteOrderQuadrants are the arch values of one byte order.
func byteOrderQuadrants(big bool) ivset {
	if big {
		return ivset{{0, 0x3fffffff}, {0x80000000, 0xbfffffff}}
	}
	return ivset{{0x40000000, 0x7fffffff}, {0xc0000000, 0xffffffff}}
}

func readRow(jr *jsonRow, filters int) (Row, error) {
	r := Row{NrLo: uint32(jr.Nr[0]), NrHi: uint32(jr.Nr[1]), Region: jr.Region, Syscalls: jr.Syscalls,
		Unnamed: jr.Unnamed, Cached: jr.Cached, Bypass: jr.Bypass}
	kinds := 0
	if jr.Ret != nil {
		kinds++
		r.Ret = *jr.Ret
	}
	if jr.Cases != nil {
		kinds++
		for k, jc := range jr.Cases {
			c := Case{Ret: jc.Ret}
			last := k == len(jr.Cases)-1
			if jc.Otherwise != last || jc.Otherwise != (jc.When == nil) {
				return r, fmt.Errorf("case %d: only the last case, and it alone, is otherwise (without when)", k)
			}
			for _, jconj := range jc.When {
				conj := Conj{}
				for _, jcond := range jconj {
					cond, err := readCond(jcond)
					if err != nil {
						return r, fmt.Errorf("case %d: %v", k, err)
					}
					conj = append(conj, cond)
				}
				c.When = append(c.When, conj)
			}
			w, err := readWitness(jc.Witness)
			if err != nil {
				return r, fmt.Errorf("case %d: witness: %v", k, err)
			}
			c.Witness = w
			r.Cases = append(r.Cases, c)
		}
	}
	if jr.Residual != nil {
		kinds++
		if len(jr.Residual.Filters) != filters {
			return r, fmt.Errorf("residual: %d filters, the table has %d", len(jr.Residual.Filters), filters)
		}
		res := &Residual{Reason: jr.Residual.Reason}
		for k, jp := range jr.Residual.Filters {
			if jp.Ret != nil {
				res.Filters = append(res.Filters, Part{Const: true, Ret: *jp.Ret})
				continue
			}
			p, _, err := program.Decode([]byte(jp.Asm), program.DecodeOptions{Name: fmt.Sprintf("residual filter %d", k)})
			if err != nil {
				return r, fmt.Errorf("residual: %v", err)
			}
			f, err := vm.Compile(p, verifier.Seccomp)
			if err != nil {
				return r, fmt.Errorf("residual filter %d: %v", k, err)
			}
			res.Filters = append(res.Filters, Part{Program: p, filter: f})
		}
		r.Residual = res
	}
	if kinds != 1 {
		return r, errors.New("want exactly one of ret, cases and residual")
	}
	if jr.Witness != nil {
		w, err := readWitness(*jr.Witness)
		if err != nil {
			return r, fmt.Errorf("witness: %v", err)
		}
		r.Witness = &w
	}
	return r, nil
}

func readCond(jc jsonCond) (Cond, error) {
	f, ok := parseField(jc.Field)
	if !ok {
		return Cond{}, fmt.Errorf("unknown field %q", jc.Field)
	}
	c := Cond{Field: f}
	max := fieldMax(f)
	if jc.In != nil {
		if jc.Mask != "" || jc.Op != "" || jc.Value != "" {
			return c, fmt.Errorf("%s: in with mask, op or value", jc.Field)
		}
		prev := uint64(0)
		for i, r := range jc.In {
			lo, err1 := parseHex(r[0], max)
			hi, err2 := parseHex(r[1], max)
			if err := errors.Join(err1, err2); err != nil {
				return c, fmt.Errorf("%s: in: %v", jc.Field, err)
			}
			if lo > hi || i > 0 && lo <= prev+1 {
				return c, fmt.Errorf("%s: in: the ranges are not sorted, disjoint and apart", jc.Field)
			}
			prev = hi
			c.In = append(c.In, Range{lo, hi})
		}
		if c.In == nil {
			c.In = []Range{}
		}
		return c, nil
	}
	op, ok := parseOp(jc.Op)
	if !ok {
		return c, fmt.Errorf("%s: unknown op %q", jc.Field, jc.Op)
	}
	var err1, err2 error
	c.Op = op
	c.Mask, err1 = parseHex(jc.Mask, max)
	c.K, err2 = parseHex(jc.Value, max)
	if err := errors.Join(err1, err2); err != nil {
		return c, fmt.Errorf("%s: %v", jc.Field, err)
	}
	return c, nil
}

func parseHex(s string, max uint64) (uint64, error) {
	if !strings.HasPrefix(s, "0x") {
		return 0, fmt.Errorf("%q is not a hex string such as \"0x1f\"", s)
	}
	v, err := strconv.ParseUint(s[2:], 16, 64)
	if err != nil || v > max {
		return 0, fmt.Errorf("%q does not fit the field", s)
	}
	return v, nil
}

// readWitness reads a witness's input as witnessJSON writes it.
func readWitness(jw jsonWitness) (Witness, error) {
	var in struct {
		Arch json.RawMessage `json:"arch"`
		Nr   int64           `json:"nr"`
		Args [6]string       `json:"args"`
		IP   string          `json:"ip"`
	}
	dec := json.NewDecoder(bytes.NewReader(jw.Input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Witness{}, err
	}
	if in.Nr < math.MinInt32 || in.Nr > math.MaxInt32 {
		return Witness{}, fmt.Errorf("nr %d does not fit in 32 bits", in.Nr)
	}
	w := Witness{Ret: jw.Ret}
	var name string
	var num uint32
	switch {
	case json.Unmarshal(in.Arch, &name) == nil:
		a, err := seccompdata.LookupArch(name)
		if err != nil {
			return w, err
		}
		w.Arch = a
	case json.Unmarshal(in.Arch, &num) == nil:
		w.Arch = seccompdata.ArchOf(num)
	default:
		return w, fmt.Errorf("arch %s: want a name or a number", in.Arch)
	}
	w.Data.Arch, w.Data.Nr = w.Arch.Audit, int32(in.Nr)
	var err error
	for i, a := range in.Args {
		if w.Data.Args[i], err = parseHex(a, math.MaxUint64); err != nil {
			return w, fmt.Errorf("args[%d]: %v", i, err)
		}
	}
	if w.Data.InstructionPointer, err = parseHex(in.IP, math.MaxUint64); err != nil {
		return w, fmt.Errorf("ip: %v", err)
	}
	return w, nil
}
