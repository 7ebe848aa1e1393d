package program

// FlowFact is what the dataflow behind Annotate knows before one
// instruction, exposed to the external test that checks it against the
// vm's traces (annotate_vm_test.go), which this package cannot import.
type FlowFact struct {
	// Live: some path from pc 0 may reach the instruction.
	Live bool
	// Arches are the values seccomp_data.arch may have among those the
	// filter compares it with; Other reports that it may also have
	// another value.
	Arches []uint32
	Other  bool
	// A and X: Word is the offset of the seccomp_data word the register
	// holds, or -1; Const reports that it holds the constant Value.
	AWord, XWord   int
	AConst, XConst bool
	AValue, XValue uint32
}

// FlowFacts returns the facts before each instruction of p, and the values
// the filter compares arch with.
func FlowFacts(p Program) ([]FlowFact, []uint32) {
	fl := analyze(p)
	out := make([]FlowFact, len(p))
	for pc := range fl.in {
		s := &fl.in[pc]
		f := FlowFact{Live: s.reach == reachLive, Other: s.arches&otherArches != 0, AWord: -1, XWord: -1}
		for i, v := range fl.compared {
			if s.arches&(1<<i) != 0 {
				f.Arches = append(f.Arches, v)
			}
		}
		set := func(v value, word *int, isConst *bool, val *uint32) {
			switch v.kind {
			case valWord:
				*word = int(v.n)
			case valConst:
				*isConst, *val = true, v.n
			}
		}
		set(s.a, &f.AWord, &f.AConst, &f.AValue)
		set(s.x, &f.XWord, &f.XConst, &f.XValue)
		out[pc] = f
	}
	return out, fl.compared
}
