package kernel

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// InstrumentedValue instruments p for input d as Eval does for a native
// syscall and reads the value back the way the raw evaluator and
// evalGroup do, with run standing in for the kernel: it returns what a
// program returns for an input. killed reports a run that returned 0
// (KILL_THREAD) where an answer was due.
func InstrumentedValue(p program.Program, d seccompdata.Data, run func(program.Program, seccompdata.Data) uint32) (prog program.Program, v uint32, killed bool, err error) {
	return instrumentedValue(p, d, false, run)
}

// instrumentedValue is InstrumentedValue; compat issues i386 inputs
// through int $0x80, as where the probe found IA-32 emulation.
func instrumentedValue(p program.Program, d seccompdata.Data, compat bool, run func(program.Program, seccompdata.Data) uint32) (prog program.Program, v uint32, killed bool, err error) {
	info := analyze(p)
	sub, _ := substitutionFor(&d, info, archX86_64, compat)
	if prog, err = instrument(p, info, sub); err != nil {
		return nil, 0, false, err
	}
	// What the kernel presents: the issued number, the native arch (or
	// i386 through int $0x80), the real args and the site's address.
	issued := d
	issued.Nr = int32(uint32(issuedNr(&d, sub)))
	issued.Arch = archX86_64
	at := fakeSyscallSites
	if sub.compat {
		at, issued.Arch = fakeInt80Sites, seccompdata.AuditArchI386
	}
	answers := make([]int, sitesToIssue(info))
	for s := range answers {
		issued.InstructionPointer = at[s]
		ret := run(prog, issued)
		switch {
		case ret == 0 && s == 0:
			return prog, 0, true, nil
		case seccompdata.Action(ret&seccompdata.ActionFullMask) != seccompdata.ActErrno:
			return prog, 0, false, fmt.Errorf("site %d: instrumented program returned %#x", s, ret)
		}
		answers[s] = min(int(ret&0xffff), errnoMax)
	}
	v, err = decodeAnswers(info, answers)
	return prog, v, false, err
}
