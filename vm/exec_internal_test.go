package vm

import (
	"testing"
)

// TestClosed: closed accepts compiled programs and rejects code the
// interpreter could leave.
func TestClosed(t *testing.T) {
	for _, tt := range []struct {
		name string
		code []insn
		want bool
	}{
		{"empty", nil, false},
		{"ret", []insn{{op: opRetK}}, true},
		{"falls off", []insn{{op: opLdImm}}, false},
		{"ja back", []insn{{op: opLdImm}, {op: opJa, jt: 0}}, true},
		{"ja out", []insn{{op: opJa, jt: 1}}, false},
		{"jeq out", []insn{{op: opJeqK, jt: 1, jf: 2}, {op: opRetA}}, false},
		{"jeq in", []insn{{op: opJeqK, jt: 1, jf: 1}, {op: opRetA}}, true},
		{"one-target falls off", []insn{{op: opRetA}, {op: opJeqK1, jt: 0}}, false},
		{"unknown op falls off", []insn{{op: opNone}}, false},
	} {
		if got := closed(tt.code); got != tt.want {
			t.Errorf("%s: closed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// ResidualsClosed reports how many residual programs f's fast path holds
// and whether the partial evaluator built them all closed (specialize
// afresh: Compile has already sent any that were not to the plain
// interpreter). For the external tests, which can use the fuzz package.
func ResidualsClosed(f *Filter) (n int, ok bool) {
	if f.fast == nil {
		return 0, true
	}
	for _, ac := range specialize(f.insns).arches {
		for _, l := range ac.nr.leaves {
			if l.code != nil {
				n++
				if !closed(l.code) {
					return n, false
				}
			}
		}
	}
	return n, true
}
