package program_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// FuzzDisassembleAccepted checks issue 9 item 6: Disassemble never refuses
// a program the kernel accepts (as the verifier models it, socket rules,
// which allow every opcode seccomp does), and its text reads back as the
// program the kernel runs: the same instructions but for the fields
// IgnoredBits names, which the text keeps in comments only, and which the
// kernel accepts again. DisassembleAnnotated writes the same text but for
// its comments.
func FuzzDisassembleAccepted(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24})
	f.Add([]byte{9, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0})
	ops := verifier.ClassicOpcodes()
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		word := func() uint32 {
			return uint32(next())<<24 | uint32(next())<<16 | uint32(next())<<8 | uint32(next())
		}
		n := 1 + int(next()%16)
		p := make(program.Program, n)
		for pc := range p {
			left := n - pc - 1
			op := ops[int(next())%len(ops)]
			if left == 0 {
				op = program.RetK
				if next()%2 == 0 {
					op = program.RetA
				}
			}
			ins := program.Instruction{Op: uint16(op), K: word()}
			if next()%2 == 0 {
				ins.K %= 64 // small constants: valid M[] slots, shifts, seccomp loads
			}
			if left > 0 {
				ins.Jt, ins.Jf = next()%uint8(min(left, 255)), next()%uint8(min(left, 255))
				if op == program.Ja {
					ins.K %= uint32(left)
				}
			}
			if next()%4 != 0 && !op.IsConditionalJump() {
				ins.Jt, ins.Jf = 0, 0
			}
			p[pc] = ins
		}
		if verifier.Check(p, verifier.Socket) != nil {
			return
		}
		text, err := program.Disassemble(p)
		if err != nil {
			t.Fatalf("the kernel accepts %v, Disassemble refuses it: %v", p, err)
		}
		back, _, err := program.Decode([]byte(text), program.DecodeOptions{Format: program.FormatAsm})
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		ignored := map[int]bool{}
		for _, pc := range program.IgnoredBits(p) {
			ignored[pc] = true
		}
		for pc := range p {
			if back[pc] != p[pc] && (!ignored[pc] || back[pc].Op != p[pc].Op) {
				t.Fatalf("pc %d: read back as %+v, want %+v\n%s", pc, back[pc], p[pc], text)
			}
		}
		if err := verifier.Check(back, verifier.Socket); err != nil {
			t.Fatalf("the text's program is rejected: %v\n%s", err, text)
		}
		checkAnnotatedText(t, p)
	})
}
