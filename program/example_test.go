package program_test

import (
	"fmt"

	"github.com/bpfsim/bpfsim/program"
)

func ExampleDecode() {
	src := `
	ldh [12]             ; ethertype
	jeq #0x800, ok, drop
ok:	ret #-1
drop:	ret #0
`
	p, f, err := program.Decode([]byte(src), program.DecodeOptions{Name: "ipv4.asm"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := program.Encode(p, program.FormatComma, false)
	fmt.Print(f, ": ", string(out))
	// Output: asm: 4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0,
}

func ExampleDecode_error() {
	_, _, err := program.Decode([]byte("ld [4]\nlds [0]\n"), program.DecodeOptions{Name: "policy.asm"})
	fmt.Println(err)
	// Output: policy.asm:2: unknown mnemonic "lds" (detected as asm; use --format to force another)
}

func ExampleDisassemble() {
	p := program.Program{
		program.Stmt(program.LdAbsW, 0),
		program.Jump(program.JeqK, 59, 0, 1),
		program.Stmt(program.RetK, 0x50001),
		program.Stmt(program.RetK, 0x7fff0000),
	}
	s, err := program.Disassemble(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	// Output:
	// 	ld [0]
	// 	jne #59, l3
	// 	ret #0x50001
	// l3:	ret #0x7fff0000
}

func ExampleEncode() {
	p := program.Program{
		program.Stmt(program.ClassLD|program.ModeIMM, 0),
		program.Jump(program.ClassJMP|program.OpJEQ|program.SrcK, 0x800, 1, 12),
	}
	out, _ := program.Encode(p, program.FormatC, false)
	fmt.Print(string(out))
	// Output:
	// { 0000,  0,  0, 0000000000 },
	// { 0x15,  1, 12, 0x00000800 },
}

func ExampleIgnoredBits() {
	// The kernel reads jt and jf of conditional jumps only, and no k in
	// "ret a"; this ret has a stray jf, as in a filter firejail ships.
	p := program.Program{
		program.Stmt(program.LdAbsW, 0),
		program.Jump(program.JeqK, 59, 0, 1),
		program.Jump(program.RetK, 0x50001, 0, 1),
		program.Stmt(program.RetA, 7),
	}
	s, _ := program.Disassemble(p)
	fmt.Print(s)
	if pcs := program.IgnoredBits(p); pcs != nil {
		fmt.Println("bits ignored by the kernel, left out of the bpf_asm text, at", pcs)
	}
	// Output:
	// 	ld [0]
	// 	jne #59, l3
	// 	ret #0x50001 ; jt=0 jf=1 ignored by the kernel
	// l3:	ret a ; k=0x7 ignored by the kernel
	// bits ignored by the kernel, left out of the bpf_asm text, at [2 3]
}

func ExampleDecodeSource() {
	// Syscall and errno names are read for the arch the filter checks:
	// aarch64 has no open, and read is 63 there (0 on x86_64).
	src := `
	ld [4]
	jne #AUDIT_ARCH_AARCH64, kill
	ld [0]
	jeq #__NR_read, deny, allow
deny:	ret #SECCOMP_RET_ERRNO|EPERM
allow:	ret #SECCOMP_RET_ALLOW
kill:	ret #SECCOMP_RET_KILL_PROCESS
`
	s, err := program.DecodeSource([]byte(src), program.DecodeOptions{Name: "read.asm"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Format, s.Arch, s.ArchSource, s.Program[3].K)
	fmt.Println(program.InstructionTextLabels(s.Program, 3, s.Labels))
	// Output:
	// asm aarch64 checked by the filter 63
	// jne #63, allow
}

func ExampleOpcode() {
	op := program.Opcode(program.Stmt(program.JsetK, 4).Op)
	fmt.Println(op)
	fmt.Printf("%#02x %d %v\n", op, op, op.IsConditionalJump())
	fmt.Println(program.Opcode(0x8c)) // neg x: no such opcode
	// Output:
	// BPF_JMP|BPF_JSET|BPF_K
	// 0x45 69 true
	// 0x008c
}

func ExampleDisassembleAnnotated() {
	p := program.Program{
		program.Stmt(program.LdAbsW, 4),
		program.Jump(program.JeqK, 0xc000003e, 0, 4), // AUDIT_ARCH_X86_64
		program.Stmt(program.LdAbsW, 0),
		program.Jump(program.JeqK, 257, 0, 1),
		program.Stmt(program.RetK, 0x50001),
		program.Stmt(program.RetK, 0x7fff0000),
		program.Stmt(program.RetK, 0x80000000),
	}
	s, err := program.DisassembleAnnotated(p, program.AnnotateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	// Output:
	// 	ld [4]                  ; arch
	// 	jne #0xc000003e, l6     ; AUDIT_ARCH_X86_64
	// 	ld [0]                  ; nr
	// 	jne #257, l5            ; openat
	// 	ret #0x50001            ; ERRNO(1) EPERM
	// l5:	ret #0x7fff0000         ; ALLOW
	// l6:	ret #0x80000000         ; KILL_PROCESS
}
