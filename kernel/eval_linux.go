//go:build linux

package kernel

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// group is a set of inputs that share one instrumented program: the same
// substitution.
type group struct {
	sub    substitution
	method Method
	idx    []int // positions in the caller's inputs
}

// groupInputs groups inputs by substitution; compat sends i386 inputs
// through int $0x80 (see substitutionFor).
func groupInputs(inputs []seccompdata.Data, info *progInfo, compat bool) []*group {
	native := seccompdata.Native().Audit
	byKey := map[substitution]*group{}
	var order []*group
	for i := range inputs {
		sub, m := substitutionFor(&inputs[i], info, native, compat)
		g := byKey[sub]
		if g == nil {
			g = &group{sub: sub, method: m}
			byKey[sub] = g
			order = append(order, g)
		}
		g.idx = append(g.idx, i)
	}
	return order
}

func (o *oracle) eval(ctx context.Context, p program.Program, inputs []seccompdata.Data) ([]EvalResult, error) {
	if err := evalSupported(); err != nil {
		return nil, err
	}
	v, err := o.acceptedCached(ctx, p)
	if err != nil {
		return nil, err
	}
	if !v.Accepted {
		return nil, &RejectedError{Verdict: v}
	}
	info := analyze(p)
	if err := canEvaluate(p, info); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, nil
	}
	// Held while o.raw is in use: close ends it.
	if err := o.enter(); err != nil {
		return nil, err
	}
	defer o.mu.RUnlock()
	// i386 inputs go through int $0x80 only where the probe (run once per
	// oracle, on the first i386 input) found that it works; otherwise
	// they are native syscalls with arch substituted (Method says which).
	compat := false
	for i := range inputs {
		if inputs[i].Arch == seccompdata.AuditArchI386 {
			compat = o.ia32(ctx).ok
			break
		}
	}
	if err := o.calibrated(ctx); err != nil {
		return nil, err
	}
	groups := groupInputs(inputs, info, compat)
	out := make([]EvalResult, len(inputs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	errs := make(chan error, len(groups))
	var wg sync.WaitGroup
	for _, g := range groups {
		prog, err := instrument(p, info, g.sub)
		if err != nil {
			return nil, err
		}
		regs := make([]stubRegs, len(g.idx))
		for j, i := range g.idx {
			regs[j] = stubRegs{nr: issuedNr(&inputs[i], g.sub), args: inputs[i].Args}
			out[i].Method = g.method
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- o.evalGroup(ctx, prog, info, g.sub.compat, regs, func(j int, r EvalResult) {
				r.Method = out[g.idx[j]].Method
				out[g.idx[j]] = r
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// calibrated checks, once per oracle, that the raw evaluator's SYSCALL
// sites lie where the epilogue expects them.
func (o *oracle) calibrated(ctx context.Context) error {
	o.sitesMu.Lock()
	defer o.sitesMu.Unlock()
	if !o.sitesOK {
		if _, err := rawSyscallSites(ctx, o.raw); err != nil {
			return err
		}
		o.sitesOK = true
	}
	return nil
}

// evalGroup evaluates prog on regs with raw evaluators (o.raw), one
// filter creation each, and calls record(j, result) for each input. The first
// evaluator takes every input; when a division by X == 0 ends its
// evaluating thread, the input it was issuing is recorded as killed and a
// new evaluator takes the inputs after it.
func (o *oracle) evalGroup(ctx context.Context, prog program.Program, info *progInfo, compat bool, regs []stubRegs, record func(j int, r EvalResult)) error {
	nsites := sitesToIssue(info)
	for start := 0; start < len(regs); {
		if err := o.pace.admit(ctx, 1); err != nil {
			return err
		}
		res, err := o.raw.run(ctx, o.pace, rawRun{prog: prog, regs: regs, start: start, nsites: nsites, compat: compat})
		if err != nil {
			return err
		}
		if res.installErr != 0 {
			return fmt.Errorf("installing the evaluation filter: %w", res.installErr)
		}
		for k, rax := range res.rax {
			v, err := readAnswers(info, rax[:nsites])
			if err != nil {
				return fmt.Errorf("input %d: %w", start+k, err)
			}
			record(start+k, EvalResult{Ret: v})
		}
		start = res.next
		if res.killed {
			if !info.divX {
				return fmt.Errorf("the evaluating thread ended at input %d, and the program cannot stop it", start)
			}
			record(start, EvalResult{Killed: true})
			start++
		}
	}
	return nil
}

// readAnswers decodes the syscall returns from the sites.
func readAnswers(info *progInfo, rax []uint64) (uint32, error) {
	var d [numSites]int
	for s, r := range rax {
		v, err := errnoData(uintptr(r))
		if err != nil {
			return 0, fmt.Errorf("site %d: %w", s, err)
		}
		d[s] = v
	}
	return decodeAnswers(info, d[:len(rax)])
}

// errnoData decodes a raw syscall return made by SECCOMP_RET_ERRNO: -data,
// or 0 for data 0 (__seccomp_filter, kernel/seccomp.c).
func errnoData(r uintptr) (int, error) {
	v := int64(r)
	if v > 0 || v < -errnoMax {
		return 0, fmt.Errorf("syscall from the evaluator returned %d: the evaluation filter did not answer it", v)
	}
	return int(-v), nil
}
