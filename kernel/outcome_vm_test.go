package kernel_test

import (
	"encoding/binary"
	"testing"

	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// TestOutcomeMatchesVMModel runs every outcome case on the live kernel and
// through vm (Stack.Evaluate: the filters, their precedence and Outcome's
// action model) and checks they agree.
func TestOutcomeMatchesVMModel(t *testing.T) {
	requireSeccomp(t)
	for _, tc := range outcomeCases {
		t.Run(tc.name, func(t *testing.T) {
			if !kernelAtLeast(t, tc.minKernel) {
				t.Skipf("needs Linux %d.%d", tc.minKernel[0], tc.minKernel[1])
			}
			o, err := outcomeOrSkip(t, tc.progs, tc.call, tc.env)
			if err != nil {
				t.Fatalf("Outcome: %v", err)
			}
			m := modelOutcome(t, tc, o)
			compareWithModel(t, tc, o, m)
		})
	}
}

// modelOutcome is vm's prediction for tc, in the circumstances the oracle
// creates: its tracer suppresses TRAP's SIGSYS the way a handler that
// leaves RAX alone would, and without SecondThread the call comes from
// the last (only) thread of its process.
func modelOutcome(t *testing.T, tc outcomeCase, o kernel.Observed) vm.Result {
	t.Helper()
	stack := make(vm.Stack, len(tc.progs))
	for i, p := range tc.progs {
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			t.Fatalf("vm.Compile filter %d: %v", i, err)
		}
		stack[i] = f
	}
	d := seccompdata.Data{Nr: tc.call.Nr, Arch: auditArchX86_64, Args: tc.call.Args}
	// The instruction pointer is not known in advance; the kernel reports
	// it in si_call_addr and in the notification. No case's filter reads it.
	switch {
	case o.Trap != nil:
		d.InstructionPointer = o.Trap.CallAddr
	case o.Notification != nil:
		d.InstructionPointer = o.Notification.Data.InstructionPointer
	}
	opts := vm.OutcomeOptions{
		Tracer:        tc.env.Tracer,
		LastThread:    !tc.env.SecondThread,
		SIGSYSHandler: true,
	}
	m := stack.Evaluate(&d, binary.LittleEndian, opts)
	if uint32(tc.ret) != m.Ret {
		t.Errorf("vm: stack returns %v, the table says %v", seccompdata.Action(m.Ret), tc.ret)
	}
	// The oracle puts its listener on the newest filter; it serves only
	// if that filter is the one that matched.
	if tc.env.Listener && m.Filter == len(tc.progs)-1 {
		opts.Listener = true
		m = stack.Evaluate(&d, binary.LittleEndian, opts)
	}
	return m
}

func compareWithModel(t *testing.T, tc outcomeCase, o kernel.Observed, m vm.Result) {
	t.Helper()
	for _, d := range live.Compare(m.Outcome, o.Outcome) {
		t.Error(d)
	}
}
