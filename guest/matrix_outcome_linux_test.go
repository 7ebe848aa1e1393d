package guest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// outcomeCase is a stack of filters, each answering one action for the
// call's nr and ALLOW for everything else, and the circumstances of the
// call. Every case is made with two harmless calls: kernel.NrNonexistent
// and getppid (live.Harmless), never uretprobe or uprobe.
type outcomeCase struct {
	name string
	acts []uint32 // one filter per action, oldest first
	env  kernel.OutcomeEnv
}

// outcomeCases are every action kind of docs/kernel-semantics.md §5,
// alone and stacked (its precedence rules, observed for real).
func outcomeCases() []outcomeCase {
	const (
		allow   = uint32(seccompdata.ActAllow)
		log     = uint32(seccompdata.ActLog)
		trap    = uint32(seccompdata.ActTrap)
		trace   = uint32(seccompdata.ActTrace)
		notif   = uint32(seccompdata.ActUserNotif)
		killThr = uint32(seccompdata.ActKillThread)
		killPrc = uint32(seccompdata.ActKillProcess)
	)
	second := kernel.OutcomeEnv{SecondThread: true}
	return []outcomeCase{
		{name: "ALLOW", acts: []uint32{allow}},
		{name: "ALLOW|0x1234", acts: []uint32{allow | 0x1234}},
		{name: "LOG", acts: []uint32{log}},
		{name: "ERRNO|1", acts: []uint32{errnoAct(1)}},
		{name: "ERRNO|0", acts: []uint32{errnoAct(0)}},
		{name: "ERRNO|4095", acts: []uint32{errnoAct(4095)}},
		{name: "ERRNO|4096 (capped)", acts: []uint32{errnoAct(4096)}},
		{name: "ERRNO|0xffff (capped)", acts: []uint32{errnoAct(0xffff)}},
		{name: "ERRNO|512 (ERESTARTSYS, no signal pending)", acts: []uint32{errnoAct(512)}},
		{name: "TRAP|0x1234", acts: []uint32{trap | 0x1234}},
		{name: "TRACE|0x42, no tracer", acts: []uint32{trace | 0x42}},
		{name: "TRACE|0x42, tracer", acts: []uint32{trace | 0x42}, env: kernel.OutcomeEnv{Tracer: true}},
		{name: "USER_NOTIF, no listener", acts: []uint32{notif}},
		{name: "USER_NOTIF, listener replies error -5", acts: []uint32{notif}, env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Error: -5}}},
		{name: "USER_NOTIF, listener replies val 42", acts: []uint32{notif}, env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Val: 42}}},
		{name: "USER_NOTIF, listener replies continue", acts: []uint32{notif}, env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Continue: true}}},
		{name: "KILL_THREAD, last thread", acts: []uint32{killThr}},
		{name: "KILL_THREAD, second thread", acts: []uint32{killThr}, env: second},
		{name: "KILL_PROCESS", acts: []uint32{killPrc}},
		{name: "KILL_PROCESS, second thread", acts: []uint32{killPrc}, env: second},
		{name: "unknown 0x00010000, second thread", acts: []uint32{0x00010000}, env: second},
		{name: "unknown 0x7ffe0000", acts: []uint32{0x7ffe0000}},
		{name: "unknown 0xc0000000, second thread", acts: []uint32{0xc0000000}, env: second},
		// Stacks, oldest first.
		{name: "ERRNO|1 then ERRNO|2", acts: []uint32{errnoAct(1), errnoAct(2)}},
		{name: "ERRNO|2 then ERRNO|1", acts: []uint32{errnoAct(2), errnoAct(1)}},
		{name: "TRACE then ERRNO|3", acts: []uint32{trace, errnoAct(3)}},
		{name: "ERRNO|3 then TRACE|1, tracer", acts: []uint32{errnoAct(3), trace | 1}, env: kernel.OutcomeEnv{Tracer: true}},
		{name: "ERRNO|3 then TRAP|5", acts: []uint32{errnoAct(3), trap | 5}},
		{name: "TRAP|5 then ERRNO|3", acts: []uint32{trap | 5, errnoAct(3)}},
		{name: "unknown 0xc0000000 then KILL_THREAD, second thread", acts: []uint32{0xc0000000, killThr}, env: second},
		{name: "KILL_THREAD then LOG, second thread", acts: []uint32{killThr, log}, env: second},
		{name: "KILL_PROCESS then ERRNO|1", acts: []uint32{killPrc, errnoAct(1)}},
		{name: "ALLOW|5 then ALLOW|7", acts: []uint32{allow | 5, allow | 7}},
		{name: "LOG then ALLOW|9", acts: []uint32{log, allow | 9}},
		{name: "USER_NOTIF then ALLOW, listener on the newest", acts: []uint32{notif, allow}, env: kernel.OutcomeEnv{Listener: true}},
		{name: "ERRNO|7 then USER_NOTIF, listener", acts: []uint32{errnoAct(7), notif}, env: kernel.OutcomeEnv{Listener: true}},
		{name: "USER_NOTIF|1 then USER_NOTIF|2, listener replies error -3", acts: []uint32{notif | 1, notif | 2}, env: kernel.OutcomeEnv{Listener: true, Reply: kernel.NotifReply{Error: -3}}},
	}
}

// outcomePart makes every case's call under its stack and compares what
// happened with the vm's model in the oracle's circumstances, as
// live.Observe does: the oracle's tracer suppresses TRAP's SIGSYS as a
// handler that leaves RAX alone would, the call comes from the last
// thread of its process unless SecondThread, and the listener sits on
// the newest filter, so it serves only when that filter matched. What the
// model leaves to the listener (the call's return) is checked against §5:
// RAX = error ?: val, and CONTINUE runs the call.
func outcomePart(ctx context.Context, s *side, cases []outcomeCase) error {
	for _, c := range cases {
		for _, nr := range []int32{kernel.NrNonexistent, seccompdata.NrGetppidX86_64} {
			if !live.Harmless(nr) {
				panic("not harmless")
			}
			progs := make([]program.Program, len(c.acts))
			stack := make(vm.Stack, len(c.acts))
			for i, a := range c.acts {
				progs[i] = targeted(nr, a)
				f, err := vm.Compile(progs[i], verifier.Seccomp)
				if err != nil {
					return err
				}
				stack[i] = f
			}
			name := fmt.Sprintf("%s, nr %d", c.name, nr)
			obs, err := s.k.Outcome(ctx, progs, kernel.OutcomeCall{Nr: nr}, c.env)
			if err != nil {
				return fmt.Errorf("outcome %s: %w", name, err)
			}
			s.answer("outcome "+name, outcomeAnswer(nr, obs))
			if !obs.Install.Accepted {
				s.find("outcomes", "%s: the stack was not installed: %v", name, obs.Install)
				continue
			}
			d := seccompdata.Data{Nr: nr, Arch: seccompdata.AuditArchX86_64}
			switch {
			case obs.Trap != nil:
				d.InstructionPointer = obs.Trap.CallAddr
			case obs.Notification != nil:
				d.InstructionPointer = obs.Notification.Data.InstructionPointer
			}
			opts := vm.OutcomeOptions{Tracer: c.env.Tracer, LastThread: !c.env.SecondThread, SIGSYSHandler: true}
			m := stack.Evaluate(&d, binary.LittleEndian, opts)
			if c.env.Listener && m.Filter == len(progs)-1 {
				opts.Listener = true
				m = stack.Evaluate(&d, binary.LittleEndian, opts)
			}
			diffs := live.Compare(m.Outcome, obs.Outcome)
			if n := obs.Notification; n != nil && m.Outcome.Notification != nil {
				if n.Data != d {
					diffs = append(diffs, fmt.Sprintf("notification data: kernel %+v, the call %+v", n.Data, d))
				}
				r := c.env.Reply
				switch {
				case r.Continue && !(obs.Returned && ranForReal(nr, obs.Return)):
					diffs = append(diffs, "listener replied continue: the call did not run")
				case !r.Continue && r.Error != 0 && !(obs.Returned && obs.Return == int64(r.Error)):
					diffs = append(diffs, fmt.Sprintf("listener replied error %d: the call returned %v, %d", r.Error, obs.Returned, obs.Return))
				case !r.Continue && r.Error == 0 && !(obs.Returned && obs.Return == r.Val):
					diffs = append(diffs, fmt.Sprintf("listener replied val %d: the call returned %v, %d", r.Val, obs.Returned, obs.Return))
				}
			}
			for _, diff := range diffs {
				s.find("outcomes", "%s (filters %s, env %+v): %s; kernel: %v; vm: %+v", name, actNames(c.acts), c.env, diff, obs, m.Outcome)
			}
		}
	}
	return nil
}

func actNames(acts []uint32) string {
	var s []string
	for _, a := range acts {
		s = append(s, fmt.Sprintf("%#08x", a))
	}
	return strings.Join(s, " then ")
}

// ranForReal reports whether ret is what the harmless call nr returns when
// it really runs: -ENOSYS for kernel.NrNonexistent, a pid for getppid.
// (Observed.Runs is never set after a notification, whose reply could
// imitate either.)
func ranForReal(nr int32, ret int64) bool {
	if nr == kernel.NrNonexistent {
		return ret == -int64(seccompdata.ENOSYS)
	}
	return nr == seccompdata.NrGetppidX86_64 && ret > 0
}
