package vm

import (
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/verifier"
)

// A tiny assembler for test programs, spelled like bpf_asm.
type asm = program.Instruction

func ldi(k uint32) asm  { return program.Stmt(program.ClassLD|program.ModeIMM, k) }
func ldxi(k uint32) asm { return program.Stmt(program.ClassLDX|program.ModeIMM, k) }
func ld(k uint32) asm   { return program.Stmt(program.ClassLD|program.SizeW|program.ModeABS, k) }
func ldh(k uint32) asm  { return program.Stmt(program.ClassLD|program.SizeH|program.ModeABS, k) }
func ldb(k uint32) asm  { return program.Stmt(program.ClassLD|program.SizeB|program.ModeABS, k) }
func ldind(size uint16, k uint32) asm {
	return program.Stmt(program.Opcode(program.ClassLD|size|program.ModeIND), k)
}
func ldxb(k uint32) asm { return program.Stmt(program.ClassLDX|program.SizeB|program.ModeMSH, k) }
func ldlen() asm        { return program.Stmt(program.ClassLD|program.SizeW|program.ModeLEN, 0) }
func ldxlen() asm       { return program.Stmt(program.ClassLDX|program.SizeW|program.ModeLEN, 0) }
func ldm(k uint32) asm  { return program.Stmt(program.ClassLD|program.ModeMEM, k) }
func ldxm(k uint32) asm { return program.Stmt(program.ClassLDX|program.ModeMEM, k) }
func st(k uint32) asm   { return program.Stmt(program.ClassST, k) }
func stx(k uint32) asm  { return program.Stmt(program.ClassSTX, k) }
func alu(op uint16, k uint32) asm {
	return program.Stmt(program.Opcode(program.ClassALU|op|program.SrcK), k)
}
func alux(op uint16) asm { return program.Stmt(program.Opcode(program.ClassALU|op|program.SrcX), 0) }
func neg() asm           { return program.Stmt(program.ClassALU|program.OpNEG, 0) }
func ja(k uint32) asm    { return program.Stmt(program.ClassJMP|program.OpJA, k) }
func jmp(op uint16, k uint32, jt, jf uint8) asm {
	return program.Jump(program.Opcode(program.ClassJMP|op|program.SrcK), k, jt, jf)
}
func jmpx(op uint16, jt, jf uint8) asm {
	return program.Jump(program.Opcode(program.ClassJMP|op|program.SrcX), 0, jt, jf)
}
func tax() asm            { return program.Stmt(program.ClassMISC|program.MiscTAX, 0) }
func txa() asm            { return program.Stmt(program.ClassMISC|program.MiscTXA, 0) }
func ret(k uint32) asm    { return program.Stmt(program.ClassRET|program.RvalK, k) }
func reta() asm           { return program.Stmt(program.ClassRET|program.RvalA, 0) }
func anc(n uint32) uint32 { return program.AncillaryBase + n }

func mustCompile(t testing.TB, mode verifier.Mode, p ...asm) *Filter {
	t.Helper()
	f, err := Compile(p, mode)
	if err != nil {
		t.Fatalf("Compile(%v): %v", mode, err)
	}
	return f
}

// corpusFilters returns the raw programs in corpus/filters, read directly
// as little-endian 8-byte struct sock_filter entries.
func corpusFilters(t testing.TB) map[string]program.Program {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "corpus", "filters", "*.bpf"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus filters: %v", err)
	}
	out := map[string]program.Program{}
	for _, path := range paths {
		p, _, err := program.ReadFile(path, program.DecodeOptions{Format: program.FormatRaw})
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(path)] = p
	}
	return out
}
