package picture

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/program"
)

func dot(t *testing.T, src string) string {
	t.Helper()
	p, _, err := program.Decode([]byte(src), program.DecodeOptions{Format: program.FormatAsm})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := WriteDot(&a, "t", []Filter{{Name: "t.asm", Program: p}}); err != nil {
		t.Fatal(err)
	}
	WriteDot(&b, "t", []Filter{{Name: "t.asm", Program: p}})
	if a.String() != b.String() {
		t.Fatal("not deterministic")
	}
	return a.String()
}

// A chain of jeq with one true target is one node, its edges say so; a
// shorter one stays as blocks.
func TestChain(t *testing.T) {
	got := dot(t, `
	ld [4]
	jne #0xc000003e, kill
	ld [0]
	jeq #0, allow
	jeq #1, allow
	jeq #2, allow
	jeq #3, allow
	ret #0x00050001
allow:	ret #0x7fff0000
kill:	ret #0x80000000
`)
	for _, want := range []string{
		`jeq nr in {read, write, open, close}`,
		`nr is one of the 4 above`, `nr is none of them`,
		`true\narch == AUDIT_ARCH_X86_64`, `false\narch != AUDIT_ARCH_X86_64`,
		`=> ERRNO(1)`, `fillcolor="#ffe0b2"`, `=> ALLOW`, `fillcolor="#c8e6c9"`, `=> KILL_PROCESS`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Count(got, "->") != 4 {
		t.Errorf("%d edges, want 4:\n%s", strings.Count(got, "->"), got)
	}
	short := dot(t, "ld [0]\njeq #0, ok\njeq #1, ok\nret #0\nok: ret #0x7fff0000\n")
	if strings.Contains(short, " in {") || !strings.Contains(short, `true\nnr == 1`) {
		t.Errorf("a chain of two:\n%s", short)
	}
}

// ret a with a constant A names the action; with an argument in A it is
// computed; a block no path reaches is dashed.
func TestRetA(t *testing.T) {
	got := dot(t, `
	ld [0]
	jeq #1, arg
	ld #0x7ffc0000
	ret a
arg:	ld [16]
	ret a
	ret #0
`)
	for _, want := range []string{`=> LOG`, `=> computed: depends on the input`, `(no path reaches it)`, `style="rounded,dashed"`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}
