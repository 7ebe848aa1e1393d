package seccompdata

import (
	"encoding/binary"
	"testing"
)

// TestAuditArchValues rebuilds each AUDIT_ARCH_* value from its definition
// in include/uapi/linux/audit.h: the EM_* number of
// include/uapi/linux/elf-em.h and the __AUDIT_ARCH_* flags.
func TestAuditArchValues(t *testing.T) {
	const (
		bit64 = 0x80000000 // __AUDIT_ARCH_64BIT
		le    = 0x40000000 // __AUDIT_ARCH_LE
		n32   = 0x20000000 // __AUDIT_ARCH_CONVENTION_MIPS64_N32
		// EM_* (elf-em.h)
		em386, emX8664, emAArch64, emARM, emRISCV = 3, 62, 183, 40, 243
		emS390, emPPC64, emPPC, emMIPS, emLoong   = 22, 21, 20, 8, 258
	)
	for _, tt := range []struct {
		name      string
		got, want uint32
	}{
		{"X86_64", AuditArchX86_64, emX8664 | bit64 | le},
		{"I386", AuditArchI386, em386 | le},
		{"AARCH64", AuditArchAArch64, emAArch64 | bit64 | le},
		{"ARM", AuditArchARM, emARM | le},
		{"ARMEB", AuditArchARMEB, emARM},
		{"RISCV64", AuditArchRISCV64, emRISCV | bit64 | le},
		{"RISCV32", AuditArchRISCV32, emRISCV | le},
		{"S390X", AuditArchS390X, emS390 | bit64},
		{"S390", AuditArchS390, emS390},
		{"PPC64LE", AuditArchPPC64LE, emPPC64 | bit64 | le},
		{"PPC64", AuditArchPPC64, emPPC64 | bit64},
		{"PPC", AuditArchPPC, emPPC},
		{"MIPS", AuditArchMIPS, emMIPS},
		{"MIPSEL", AuditArchMIPSEL, emMIPS | le},
		{"MIPS64", AuditArchMIPS64, emMIPS | bit64},
		{"MIPSEL64", AuditArchMIPSEL64, emMIPS | bit64 | le},
		{"MIPS64N32", AuditArchMIPS64N32, emMIPS | bit64 | n32},
		{"MIPSEL64N32", AuditArchMIPSEL64N32, emMIPS | bit64 | le | n32},
		{"LOONGARCH64", AuditArchLoongArch64, emLoong | bit64 | le},
	} {
		if tt.got != tt.want {
			t.Errorf("AUDIT_ARCH_%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
		if v, ok := MacroValue("AUDIT_ARCH_" + tt.name); !ok || v != tt.want {
			t.Errorf("MacroValue(AUDIT_ARCH_%s) = %#x, %v", tt.name, v, ok)
		}
	}
}

// TestSyscallConstants: the named numbers are those of
// arch/x86/entry/syscalls/syscall_64.tbl, and agree with the generated
// table.
func TestSyscallConstants(t *testing.T) {
	x86, _ := LookupArch("x86_64")
	for _, tt := range []struct {
		name      string
		got, want int32
	}{
		{"getppid", NrGetppidX86_64, 110},
		{"uretprobe", NrUretprobeX86_64, 335},
		{"uprobe", NrUprobeX86_64, 336},
	} {
		nr, ok := x86.SyscallNumber(tt.name)
		if tt.got != tt.want || !ok || nr != tt.want {
			t.Errorf("%s: constant %d, table %d %v, want %d", tt.name, tt.got, nr, ok, tt.want)
		}
	}
}

// TestOffsets: struct seccomp_data is { int nr; __u32 arch; __u64
// instruction_pointer; __u64 args[6]; } (include/uapi/linux/seccomp.h),
// and Encode puts each field at its offset.
func TestOffsets(t *testing.T) {
	if OffsetNr != 0 || OffsetArch != 4 || OffsetInstructionPointer != 8 || OffsetArgs != 16 || OffsetArgs+6*8 != Size {
		t.Fatalf("offsets %d %d %d %d, size %d", OffsetNr, OffsetArch, OffsetInstructionPointer, OffsetArgs, Size)
	}
	d := Data{Nr: 1, Arch: 2, InstructionPointer: 3, Args: [6]uint64{4, 5, 6, 7, 8, 9}}
	w := d.Words(binary.LittleEndian)
	if w[OffsetNr/4] != 1 || w[OffsetArch/4] != 2 || w[OffsetInstructionPointer/4] != 3 || w[OffsetArgs/4] != 4 || w[(OffsetArgs+8*5)/4] != 9 {
		t.Errorf("words %v", w)
	}
}
