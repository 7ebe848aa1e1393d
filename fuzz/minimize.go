package fuzz

import (
	"context"
	"errors"
	"fmt"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// maxShrinkSteps bounds the predicate calls of one shrink, since each may
// cost a kernel round trip.
const maxShrinkSteps = 4000

// ShrinkProgram returns a smallest-found program for which keep still
// returns true, starting from p (for which it must be true). It drops
// instructions (fixing the jumps that cross them), then simplifies what is
// left: constants to 0, 1, a power of two or half their value, jump offsets
// to 0, and repeats until nothing changes.
func ShrinkProgram(p program.Program, keep func(program.Program) bool) program.Program {
	steps := 0
	try := func(q program.Program) bool {
		if steps >= maxShrinkSteps || len(q) == 0 {
			return false
		}
		steps++
		return keep(q)
	}
	for changed := true; changed && steps < maxShrinkSteps; {
		changed = false
		// Drop chunks, large ones first.
		for size := len(p) / 2; size >= 1; size /= 2 {
			for i := 0; i+size <= len(p); {
				q := p
				for range size {
					q = deleteAt(q, i)
				}
				if try(q) {
					p, changed = q, true
				} else {
					i++
				}
			}
		}
		for i := range p {
			ins := p[i]
			for _, k := range simpler(ins.K) {
				q := append(program.Program(nil), p...)
				q[i].K = k
				if try(q) {
					p, changed = q, true
					break
				}
			}
			for _, jt := range []bool{true, false} {
				q := append(program.Program(nil), p...)
				if jt && q[i].Jt != 0 {
					q[i].Jt = 0
				} else if !jt && q[i].Jf != 0 {
					q[i].Jf = 0
				} else {
					continue
				}
				if try(q) {
					p, changed = q, true
				}
			}
		}
	}
	return p
}

// simpler lists values simpler than k, simplest first.
func simpler(k uint32) []uint32 {
	var out []uint32
	for _, v := range []uint32{0, 1, k >> 1, k & -k, k & 0xffff0000, k - 1} {
		if v < k {
			out = append(out, v)
		}
	}
	return out
}

// ShrinkInput returns a simplest-found input for which keep still returns
// true, starting from d (for which it must be true): fields set to zero,
// then their bits cleared from the top, one at a time.
func ShrinkInput(d seccompdata.Data, keep func(seccompdata.Data) bool) seccompdata.Data {
	fields := func(x *seccompdata.Data) []*uint64 {
		return []*uint64{&x.InstructionPointer, &x.Args[0], &x.Args[1], &x.Args[2], &x.Args[3], &x.Args[4], &x.Args[5]}
	}
	steps := 0
	for changed := true; changed && steps < maxShrinkSteps; {
		changed = false
		for fi := range 9 {
			for _, zero := range []bool{true, false} {
				bits := 64
				if zero {
					bits = 1
				}
				for b := bits - 1; b >= 0 && steps < maxShrinkSteps; b-- {
					e := d
					var cur uint64
					switch fi {
					case 0:
						cur = uint64(uint32(e.Nr))
					case 1:
						cur = uint64(e.Arch)
					default:
						cur = *fields(&e)[fi-2]
					}
					next := cur &^ (1 << uint(b))
					if zero {
						next = 0
					}
					if next == cur {
						continue
					}
					switch fi {
					case 0:
						e.Nr = int32(uint32(next))
					case 1:
						e.Arch = uint32(next)
					default:
						*fields(&e)[fi-2] = next
					}
					steps++
					if keep(e) {
						d, changed = e, true
					}
				}
			}
		}
	}
	return d
}

// Minimize shrinks a divergence found by CheckVerdict or CheckEval to a
// small program (and input) that still shows it, asking k at every step: a
// verdict divergence must stay the same one (the same verdicts on both
// sides); an eval divergence must keep a program
// the kernel accepts on which the vm and the kernel differ for the input.
// A reference divergence has only its input shrunk, against ref.
func Minimize(ctx context.Context, k kernel.Kernel, d *Divergence, ref func(*seccompdata.Data) uint32) (*Divergence, error) {
	var kerr error
	note := func(err error) bool {
		if err != nil && kerr == nil {
			kerr = err
		}
		return false
	}
	switch d.Kind {
	case KindVerdict:
		p := ShrinkProgram(d.Program, func(q program.Program) bool {
			dv, err := CheckVerdict(ctx, k, q)
			if err != nil {
				return note(err)
			}
			// The same disagreement, not just any: shrinking must not
			// wander from one bug to another.
			return dv != nil && dv.Want == d.Want && dv.Got == d.Got
		})
		out, err := CheckVerdict(ctx, k, p)
		if err == nil && out == nil {
			err = errors.New("divergence vanished while shrinking")
		}
		return out, firstErr(err, kerr)
	case KindEval:
		evalDiv := func(q program.Program, in seccompdata.Data) *Divergence {
			ds, err := CheckEval(ctx, k, q, []seccompdata.Data{in})
			var rej *kernel.RejectedError
			if err != nil {
				if !errors.As(err, &rej) {
					note(err)
				}
				return nil
			}
			for _, x := range ds {
				if x.Kind == KindEval {
					return x
				}
			}
			return nil
		}
		in := ShrinkInput(d.Input, func(e seccompdata.Data) bool { return evalDiv(d.Program, e) != nil })
		p := ShrinkProgram(d.Program, func(q program.Program) bool { return evalDiv(q, in) != nil })
		in = ShrinkInput(in, func(e seccompdata.Data) bool { return evalDiv(p, e) != nil })
		out := evalDiv(p, in)
		if out == nil {
			return nil, firstErr(kerr, errors.New("divergence vanished while shrinking"))
		}
		return out, kerr
	case KindReference:
		if ref == nil {
			return nil, errors.New("a reference divergence needs its reference to shrink")
		}
		in := ShrinkInput(d.Input, func(e seccompdata.Data) bool {
			ds, err := CheckReference(d.Program, []seccompdata.Data{e}, ref)
			return err == nil && len(ds) > 0
		})
		ds, err := CheckReference(d.Program, []seccompdata.Data{in}, ref)
		if err != nil || len(ds) == 0 {
			return nil, firstErr(err, errors.New("divergence vanished while shrinking"))
		}
		return ds[0], nil
	}
	return nil, fmt.Errorf("unknown divergence kind %q", d.Kind)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
