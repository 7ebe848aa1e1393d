package verifier

import "github.com/bpfsim/bpfsim/program"

// ExpandedLen returns the length of the eBPF program the kernel makes of p
// (bpf_prog->len after bpf_migrate_filter), which is what the seccomp path
// limit counts. It replicates the first, counting pass of
// bpf_convert_filter (net/core/filter.c):
//
//   - 3 prologue instructions (A = 0, X = 0, save the context pointer);
//   - ret #k: 2 (mov, exit); ret a: 1;
//   - div x and mod x: 5 (zero-extend X, "if X != 0" skip, A = 0, exit,
//     then the operation); every other ALU operation, including div #k and
//     neg: 1;
//   - ja: 1; a conditional jump: 1, plus 1 when it is a K form with
//     (int32)k < 0 (k goes through a temporary register), plus 1 (a ja to
//     the false branch) when jf != 0, except when jt == 0 and the test is
//     jeq, jgt or jge, which are inverted to jne, jle, jlt instead;
//   - ld/ldx #k, ld/ldx M[], st, stx, tax, txa, ld/ldx #len: 1.
//
// In Seccomp mode the program is first rewritten as seccomp_check_filter
// does: ld [k] becomes a single load from seccomp_data (1 instruction) and
// ld/ldx #len become ld/ldx #64 (1). No other instruction that reads
// packets survives seccomp_check_filter, so seccomp programs never get the
// 4 extra prologue instructions for packet access. The figures were
// confirmed on a live 6.18 kernel for ret, ld [k], ld #len, st, ld M[],
// div #k, div x, ja and the jump variants (docs/kernel-semantics.md §2.3).
//
// In Socket mode packet loads expand as in convert_bpf_ld_abs and
// convert_bpf_extensions for x86_64 (efficient unaligned access,
// NET_IP_ALIGN 0, little-endian bit fields, skb->vlan_all): a packet load
// counts 8 to 16 instructions, an ancillary load 1 to 4, ldxb 14 to 21,
// and any packet load adds 4 prologue instructions once. These socket
// figures come from reading the source only.
//
// Constant blinding (net.core.bpf_jit_harden > 0) lengthens the program
// further and is not modelled. The count is meaningful only for programs
// Check accepts in the same mode; the kernel never converts others. An
// instruction the kernel would reject counts as 1.
func ExpandedLen(p program.Program, mode Mode) int {
	n := 3 // bpf_convert_filter: xor A, xor X, mov CTX <- ARG1
	seenLdAbs := false
	for _, ins := range p {
		c, ld := insnLen(ins, mode)
		n += c
		seenLdAbs = seenLdAbs || ld
	}
	if seenLdAbs {
		n += 4 // bpf_convert_filter: cache skb->data and headlen in R8/R9
	}
	return n
}

// insnLen is the number of eBPF instructions bpf_convert_filter emits for
// ins, and whether ins sets seen_ld_abs.
func insnLen(ins program.Instruction, mode Mode) (n int, ldAbs bool) {
	code := program.Opcode(ins.Op)
	if mode == Seccomp {
		switch code {
		case program.LdAbsW: // rewritten to LDX|W|ABS: one BPF_LDX_MEM from ctx + k
			return 1, false
		case program.LdLen, program.LdxLen: // rewritten to LD/LDX|IMM #64
			return 1, false
		}
	}
	switch code {
	case program.DivX, program.ModX:
		return 5, false
	case program.AddK, program.AddX, program.SubK, program.SubX, program.MulK, program.MulX, program.DivK,
		program.ModK, program.AndK, program.AndX, program.OrK, program.OrX, program.XorK, program.XorX,
		program.LshK, program.LshX, program.RshK, program.RshX, program.Neg:
		return 1, false
	case program.LdAbsW, program.LdAbsH, program.LdAbsB:
		if c := extensionLen(ins.K); c > 0 {
			return c, false
		}
		return ldAbsLen(program.Size(ins.Op), ins.K, false), true
	case program.LdIndW, program.LdIndH, program.LdIndB:
		return ldAbsLen(program.Size(ins.Op), ins.K, true), true
	case program.LdxMsh:
		// X = A; the byte load; A &= 0xf; A <<= 2; tmp = X; X = A; A = tmp.
		return 1 + ldAbsLen(program.SizeB, ins.K, false) + 5, true
	case program.Ja:
		return 1, false
	case program.JeqK, program.JeqX, program.JgtK, program.JgtX, program.JgeK, program.JgeX, program.JsetK, program.JsetX:
		n = 1
		if code&program.SrcX == program.SrcK && int32(ins.K) < 0 {
			n++ // BPF_MOV32_IMM into a temporary, then compare registers
		}
		switch {
		case ins.Jf == 0:
		case ins.Jt == 0 && code&0xf0 != program.OpJSET:
		default:
			n++ // Jxx to jt, then JA to jf
		}
		return n, false
	case program.RetK:
		return 2, false
	}
	// ret a, st, stx, ld/ldx M[], ld/ldx #k, ld/ldx #len, tax, txa; and,
	// arbitrarily, codes bpf_convert_filter would refuse.
	return 1, false
}

// ldAbsLen counts convert_bpf_ld_abs (net/core/filter.c) for x86_64,
// where unaligned access is efficient: a fast path for a non-negative
// constant offset, then the helper call.
func ldAbsLen(size uint16, k uint32, indirect bool) int {
	n := 0
	if off := int32(k); !indirect && off >= 0 {
		n++ // tmp = headlen
		if off != 0 {
			n++ // tmp -= off
		}
		n++ // if tmp < size goto slow path
		if off <= 0x7fff {
			n++ // A = *(data + off)
		} else {
			n += 3 // tmp = data; tmp += off; A = *tmp
		}
		if size != program.SizeB {
			n++ // byte swap from big-endian
		}
		n++ // ja over the slow path
	}
	n += 3 // arg1 = ctx, arg2 = data, arg3 = headlen
	n++    // arg4 = off, or arg4 = X
	if indirect && k != 0 {
		n++ // arg4 += k
	}
	n++    // call bpf_skb_load_helper_{8,16,32}
	n += 3 // if A >= 0 skip; A = 0; exit
	return n
}

// extensionLen counts convert_bpf_extensions and convert_skb_access
// (net/core/filter.c) for x86_64; 0 when k is not an ancillary offset.
func extensionLen(k uint32) int {
	if !knownAncillary(k) {
		return 0
	}
	switch k - program.AncillaryBase {
	case program.AncProtocol, program.AncVlanTPID:
		return 2 // 16-bit load, ntohs
	case program.AncPktType:
		return 2 // byte load, and
	case program.AncIfIndex, program.AncHatype:
		return 4 // load skb->dev, if non-NULL skip, exit, load field
	case program.AncVlanTagPresent:
		return 3 // load vlan_all, if zero skip, A = 1
	case program.AncPayOffset, program.AncNLAttr, program.AncNLAttrNest,
		program.AncCPU, program.AncRandom:
		return 4 // three argument moves, call
	}
	// mark, queue, rxhash, vlan_tci: one load; xor_x: one ALU op.
	return 1
}
