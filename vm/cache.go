package vm

import (
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// ConstAllow reports what the kernel's action cache concludes about the
// filter for the syscall nr on arch: true when seccomp_is_const_allow
// (kernel/seccomp.c, since 5.11) finds that the filter returns exactly
// SECCOMP_RET_ALLOW whatever the arguments and instruction_pointer are, so
// that seccomp_cache_prepare_bitmap may keep the syscall's bit set and
// seccomp_run_filters answers ALLOW without running the filters
// (docs/kernel-semantics.md §6).
//
// It runs the kernel's emulator, not the interpreter: the original program
// (not rewritten: "ld #len" stays itself) from pc 0 with one register that
// starts at 0, where "ld [0]" and "ld [4]" load nr and arch, "and #k"
// masks, "ja" and the K forms of jeq, jge, jgt and jset jump, and "ret #k"
// ends with k == SECCOMP_RET_ALLOW. Every other instruction, a load of any
// other word among them, makes the answer false, even where the filter
// returns ALLOW for every input; so does ALLOW with data, and running off
// the end.
//
// Which (arch, nr) pairs the kernel asks about at all (the native and
// compat arch, nr below the table's size), and the uretprobe and uprobe
// exception that seccomp_is_const_allow checks first, are the caller's
// business (OutcomeOptions.Bypasses). A socket filter is never cached.
func (f *Filter) ConstAllow(arch uint32, nr int32) bool {
	if f.mode != verifier.Seccomp {
		return false
	}
	p := f.prog
	var reg uint32
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		switch program.Opcode(in.Op) {
		case program.LdAbsW:
			switch in.K {
			case seccompdata.OffsetNr:
				reg = uint32(nr)
			case seccompdata.OffsetArch:
				reg = arch
			default:
				return false // "can't optimize (non-constant value load)"
			}
		case program.RetK:
			return in.K == uint32(seccompdata.ActAllow)
		case program.Ja:
			pc += int(in.K)
		case program.JeqK, program.JgeK, program.JgtK, program.JsetK:
			var res bool
			switch program.Opcode(in.Op) {
			case program.JeqK:
				res = reg == in.K
			case program.JgeK:
				res = reg >= in.K
			case program.JgtK:
				res = reg > in.K
			default:
				res = reg&in.K != 0
			}
			if res {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case program.AndK:
			reg &= in.K
		default:
			return false // "can't optimize (unknown insn)"
		}
	}
	return false // "ran off the end of the filter?!"
}
