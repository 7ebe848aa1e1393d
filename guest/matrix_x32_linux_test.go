package guest_test

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/bpfsim/bpfsim/internal/live"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// x32Part issues x32 calls for real, in a guest booted with syscall.x32=y
// (on) or without it. Either way the filters must see nr with
// __X32_SYSCALL_BIT and arch AUDIT_ARCH_X86_64 (seccomp runs before the
// syscall table is chosen), as bpfsim's vm says, and an ERRNO on the x32
// number must return it; with x32 on an allowed x32 getppid must run and
// return the parent's pid (without it, Debian's kernels return -ENOSYS).
func x32Part(ctx context.Context, s *side, on bool) error {
	const x32Getppid = int32(seccompdata.X32SyscallBit | seccompdata.NrGetppidX86_64)
	mode := "x32 off"
	if on {
		mode = "x32 on"
	}
	allow := program.Program{retAllow}
	// ld [0]; jeq #x32 getppid, errno 77; ret allow.
	errnoOnX32 := targeted(x32Getppid, errnoAct(77))
	retNr := program.Program{stmt(program.LdAbsW, 0), retA}
	retArch := program.Program{stmt(program.LdAbsW, 4), retA}
	in := []seccompdata.Data{{Nr: x32Getppid, Arch: seccompdata.AuditArchX86_64}, {Nr: int32(seccompdata.X32SyscallBit | 39), Arch: seccompdata.AuditArchX86_64}}
	for _, c := range []struct {
		name string
		p    program.Program
	}{{"nr", retNr}, {"arch", retArch}} {
		res, err := s.k.Eval(ctx, c.p, in)
		if err != nil {
			return err
		}
		f, err := vm.Compile(c.p, verifier.Seccomp)
		if err != nil {
			return err
		}
		for j, r := range res {
			s.answer(fmt.Sprintf("%s: ld %s of %+v", mode, c.name, in[j]), evalAnswer(r))
			w := in[j].Words(binary.LittleEndian)
			if got := f.RunSeccomp(&w); got != r.Ret || r.Method != kernel.Native {
				s.find("x32", "%s, ld %s: kernel %#x (%v), vm %#x, input %+v", mode, c.name, r.Ret, r.Method, got, in[j])
			}
		}
	}
	for _, c := range []struct {
		name string
		p    program.Program
	}{{"allowed", allow}, {"ERRNO|77", errnoOnX32}} {
		obs, err := s.k.Outcome(ctx, []program.Program{c.p}, kernel.OutcomeCall{Nr: x32Getppid}, kernel.OutcomeEnv{})
		if err != nil {
			return err
		}
		s.answer(fmt.Sprintf("%s: %s x32 getppid", mode, c.name), outcomeAnswer(x32Getppid, obs))
		d := seccompdata.Data{Nr: x32Getppid, Arch: seccompdata.AuditArchX86_64}
		f, err := vm.Compile(c.p, verifier.Seccomp)
		if err != nil {
			return err
		}
		w := d.Words(binary.LittleEndian)
		want := vm.Outcome(&d, f.RunSeccomp(&w), vm.OutcomeOptions{LastThread: true, SIGSYSHandler: true})
		for _, diff := range live.Compare(want, obs.Outcome) {
			s.find("x32", "%s, %s x32 getppid: %s; kernel %v", mode, c.name, diff, obs)
		}
		// bpfsim models what the filter sees, not whether the x32 call
		// then exists: that is the boot option's.
		// Without the option the answer is kept (and compared across
		// kernels) but not judged: a kernel may turn x32 on by default.
		if on && c.p[0] == retAllow && !(obs.Returned && obs.Return > 0) {
			s.find("x32", "syscall.x32=y: allowed x32 getppid: %v, want the parent's pid (is CONFIG_X86_X32_ABI set?)", obs)
		}
	}
	return nil
}
