package kernel

import (
	"encoding/binary"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// These tests run the instrumented programs in bpfsim's own vm instead of
// the kernel: they check the rewriting, in particular for the int $0x80
// sites that only a kernel with IA-32 emulation would exercise.

const archX86_64 = seccompdata.AuditArchX86_64

var (
	fakeSyscallSites = sites{0x4a1011, 0x4a1022, 0x4a1033, 0x4a1044}
	fakeInt80Sites   = sites{0x4a2012, 0x4a2029, 0x4a2040, 0x4a2057}
)

func mustRun(t *testing.T, p program.Program, d seccompdata.Data) uint32 {
	t.Helper()
	f, err := vm.Compile(p, verifier.Seccomp)
	if err != nil {
		t.Fatalf("vm.Compile: %v\n%v", err, p)
	}
	w := d.Words(binary.LittleEndian)
	return f.RunSeccomp(&w)
}

// kernelAnswer is what a syscall from instruction_pointer ip returns
// under prog (already allowed, or -data of ERRNO capped at 4095:
// __seccomp_filter, kernel/seccomp.c); allowed reports ALLOW.
func kernelAnswer(t *testing.T, prog program.Program, d seccompdata.Data, ip uint64) (data int, allowed bool) {
	t.Helper()
	d.InstructionPointer = ip
	ret := mustRun(t, prog, d)
	switch seccompdata.Action(ret & seccompdata.ActionFullMask) {
	case seccompdata.ActAllow:
		return 0, true
	case seccompdata.ActErrno:
		return min(int(ret&0xffff), errnoMax), false
	}
	t.Fatalf("instrumented program returned %#x from ip %#x", ret, ip)
	return 0, false
}

// readBack does what readValue does, from the sites at.
func readBack(t *testing.T, prog program.Program, info *progInfo, at sites, d seccompdata.Data) uint32 {
	t.Helper()
	ask := func(site int) int {
		data, allowed := kernelAnswer(t, prog, d, at[site])
		if allowed {
			t.Fatalf("the gate let the syscall from site %d (%#x) through", site, at[site])
		}
		return data
	}
	if len(info.retK) > 0 {
		if k := ask(siteK); k != aPathMarker {
			return info.retK[k]
		}
	}
	var v uint32
	for piece := range 3 {
		v |= uint32(ask(sitePiece+piece)) << (12 * piece)
	}
	return v
}

// An i386 input of a compat group is answered from the int $0x80 sites,
// exactly as a native one from the SYSCALL sites; anything else on the
// thread (the other set of sites included) is allowed.
func TestInstrumentInt80Sites(t *testing.T) {
	progs := map[string]program.Program{
		"arch":       {program.Stmt(0x20, 4), program.Stmt(0x16, 0)},
		"nr":         {program.Stmt(0x20, 0), program.Stmt(0x16, 0)},
		"arg5 high":  {program.Stmt(0x20, 60), program.Stmt(0x16, 0)},
		"arg0 low":   {program.Stmt(0x20, 16), program.Stmt(0x16, 0)},
		"ip high":    {program.Stmt(0x20, 12), program.Stmt(0x16, 0)},
		"arch and k": {program.Stmt(0x20, 4), program.Jump(0x15, seccompdata.AuditArchI386, 0, 1), program.Stmt(0x06, 0x50001), program.Stmt(0x20, 0), program.Jump(0x15, seccompdata.NrUretprobeX86_64, 0, 1), program.Stmt(0x06, 0x7fff0000), program.Stmt(0x16, 0)},
	}
	inputs := []seccompdata.Data{
		{Nr: 20, Arch: seccompdata.AuditArchI386},
		{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchI386, Args: [6]uint64{0x8badf00d_01234567, 5: 0xfeedface_89abcdef}},
		{Nr: -1, Arch: seccompdata.AuditArchI386, InstructionPointer: 0x7fff_12345678},
	}
	for name, p := range progs {
		info := analyze(p)
		for _, d := range inputs {
			sub, m := substitutionFor(&d, info, archX86_64, true)
			if !sub.compat || sub.arch || sub.nr || m&^IPSubstituted != CompatInt80 {
				t.Fatalf("%s: substitution %+v, method %v", name, sub, m)
			}
			prog, err := instrument(p, info, fakeInt80Sites, sub)
			if err != nil {
				t.Fatal(err)
			}
			want := mustRun(t, p, d)
			if got := readBack(t, prog, info, fakeInt80Sites, d); got != want {
				t.Errorf("%s, %+v: read back %#x, want %#x", name, d, got, want)
			}
			for _, ip := range append(fakeSyscallSites[:], 0x401000, fakeInt80Sites[0]+0x100000000) {
				if _, allowed := kernelAnswer(t, prog, d, ip); !allowed {
					t.Errorf("%s: syscall from %#x (no int $0x80 site) not allowed", name, ip)
				}
			}
		}
	}
}

func TestSubstitutionForI386(t *testing.T) {
	readsAll := analyze(program.Program{program.Stmt(0x20, 0), program.Stmt(0x20, 4), program.Stmt(0x20, 8), program.Stmt(0x16, 0)})
	readsArg := analyze(program.Program{program.Stmt(0x20, 16), program.Stmt(0x16, 0)})
	for _, tc := range []struct {
		name   string
		d      seccompdata.Data
		info   *progInfo
		compat bool
		method Method
		issued uint64
	}{
		{"i386 via int80", seccompdata.Data{Nr: 20, Arch: seccompdata.AuditArchI386}, readsAll, true, CompatInt80 | IPSubstituted, 20},
		{"i386 nr 335 via int80 is real", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchI386}, readsAll, true, CompatInt80 | IPSubstituted, 335},
		{"i386 not reading arch via int80", seccompdata.Data{Nr: seccompdata.NrUprobeX86_64, Arch: seccompdata.AuditArchI386}, readsArg, true, CompatInt80, 336},
		{"i386 fallback", seccompdata.Data{Nr: 20, Arch: seccompdata.AuditArchI386}, readsAll, false, ArchSubstituted | IPSubstituted, 20},
		{"i386 fallback nr 335", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: seccompdata.AuditArchI386}, readsAll, false, ArchSubstituted | NrSubstituted | IPSubstituted, nrReplacement},
		{"i386 fallback not reading arch", seccompdata.Data{Nr: 5, Arch: seccompdata.AuditArchI386}, readsArg, false, Native, 5},
		{"x86_64 with int80 available", seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: archX86_64}, readsAll, true, NrSubstituted | IPSubstituted, nrReplacement},
		{"other arch with int80 available", seccompdata.Data{Nr: 1, Arch: 0xc00000b7}, readsAll, true, ArchSubstituted | IPSubstituted, 1},
	} {
		sub, m := substitutionFor(&tc.d, tc.info, archX86_64, tc.compat)
		if m != tc.method || sub.compat != (m&CompatInt80 != 0) {
			t.Errorf("%s: method %v (compat %v), want %v", tc.name, m, sub.compat, tc.method)
		}
		if got := issuedNr(&tc.d, sub); got != tc.issued {
			t.Errorf("%s: issued nr %d, want %d", tc.name, got, tc.issued)
		}
	}
	if s := (CompatInt80 | IPSubstituted).String(); s != "ip-substituted+compat-int80" {
		t.Errorf("String: %q", s)
	}
}

func TestInt80ProbeFilter(t *testing.T) {
	p := int80ProbeFilter(fakeInt80Sites)
	good := seccompdata.Data{Nr: nrI386Getpid, Arch: seccompdata.AuditArchI386, Args: [6]uint64{0: int80ProbeArg0, 5: int80ProbeArg5}}
	errno := func(v uint32) uint32 { return uint32(seccompdata.ActErrno) | v }
	for s, ip := range fakeInt80Sites {
		d := good
		d.InstructionPointer = ip
		if got := mustRun(t, p, d); got != errno(uint32(int80ProbeSite+s)) {
			t.Errorf("site %d: %#x", s, got)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*seccompdata.Data)
		want   uint32
	}{
		{"native", func(d *seccompdata.Data) { d.Arch = archX86_64 }, uint32(seccompdata.ActAllow)},
		{"nr", func(d *seccompdata.Data) { d.Nr = 39 }, errno(1)},
		{"arg0 truncated", func(d *seccompdata.Data) { d.Args[0] &= 0xffffffff }, errno(3)},
		{"arg5 low", func(d *seccompdata.Data) { d.Args[5] ^= 1 }, errno(4)},
		{"arg5 truncated", func(d *seccompdata.Data) { d.Args[5] &= 0xffffffff }, errno(5)},
		{"ip high", func(d *seccompdata.Data) { d.InstructionPointer += 1 << 32 }, errno(6)},
		{"no site", func(d *seccompdata.Data) { d.InstructionPointer += 2 }, errno(int80ProbeNoSite)},
	} {
		d := good
		d.InstructionPointer = fakeInt80Sites[1]
		tc.change(&d)
		if got := mustRun(t, p, d); got != tc.want {
			t.Errorf("%s: %#x, want %#x", tc.name, got, tc.want)
		}
	}
}
