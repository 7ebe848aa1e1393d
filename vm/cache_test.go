package vm_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// TestConstAllow follows seccomp_is_const_allow (kernel/seccomp.c, §6):
// only loads of nr and arch, "and #k", ja, the K jumps and "ret #k" are
// emulated; anything else, even where the filter always allows, is not
// cacheable.
func TestConstAllow(t *testing.T) {
	const (
		x86  = seccompdata.AuditArchX86_64
		i386 = seccompdata.AuditArchI386
	)
	allow := uint32(seccompdata.ActAllow)
	stmt, jump := program.Stmt, program.Jump
	// Arch check, then nr 39 (getpid) and 0..9 allowed, 60 allowed with
	// data, everything else ERRNO.
	dispatch := program.Program{
		stmt(program.LdAbsW, 4),
		jump(program.JeqK, x86, 0, 7),
		stmt(program.LdAbsW, 0),
		jump(program.JeqK, 39, 4, 0),
		jump(program.JgtK, 9, 0, 3),
		jump(program.JeqK, 60, 0, 1),
		stmt(program.RetK, allow|1),
		stmt(program.RetK, 0x50001),
		stmt(program.RetK, allow),
		stmt(program.RetK, 0x50026),
	}
	argCheck := program.Program{ // ALLOW either way, but after a load of args[0]
		stmt(program.LdAbsW, 16),
		jump(program.JeqK, 1, 0, 1),
		stmt(program.RetK, allow),
		stmt(program.RetK, allow),
	}
	masked := program.Program{ // nr & 0x40000000 via "and #k" and jset
		stmt(program.LdAbsW, 0),
		stmt(program.AndK, 0x40000000),
		jump(program.JsetK, 0x40000000, 1, 0),
		stmt(program.RetK, allow),
		stmt(program.RetK, 0),
	}
	viaJa := program.Program{stmt(program.Ja, 1), stmt(program.RetK, 0), stmt(program.RetK, allow)}
	viaTax := program.Program{stmt(program.LdAbsW, 0), stmt(program.Tax, 0), stmt(program.RetK, allow)}
	viaLen := program.Program{stmt(program.LdLen, 0), stmt(program.RetK, allow)}
	retA := program.Program{stmt(program.LdImm, allow), stmt(program.RetA, 0)}
	for _, tc := range []struct {
		name string
		p    program.Program
		arch uint32
		nr   int32
		want bool
	}{
		{"getpid", dispatch, x86, 39, true},
		{"nr 5", dispatch, x86, 5, true},
		{"nr 10", dispatch, x86, 10, false},
		{"allow with data", dispatch, x86, 60, false},
		{"other arch", dispatch, i386, 39, false},
		{"arg load", argCheck, x86, 0, false},
		{"and, jset", masked, x86, 0, true},
		{"and, jset x32", masked, x86, 0x40000000, false},
		{"ja", viaJa, x86, 0, true},
		{"tax", viaTax, x86, 0, false},
		{"ld #len", viaLen, x86, 0, false},
		{"ret a", retA, x86, 0, false},
	} {
		f, err := vm.Compile(tc.p, verifier.Seccomp)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := f.ConstAllow(tc.arch, tc.nr); got != tc.want {
			t.Errorf("%s: ConstAllow(%#x, %d) = %v, want %v", tc.name, tc.arch, tc.nr, got, tc.want)
		}
	}
	sock, err := vm.Compile(program.Program{stmt(program.RetK, allow)}, verifier.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if sock.ConstAllow(x86, 0) {
		t.Error("a socket filter is never cached")
	}
}
