package decision_test

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// ociEval is what a profile means, as decision.OCI documents it: the
// profile's arch blocks, names resolved in each arch's table, entries ORed,
// args ANDed (the low 32 bits only on a 32-bit arch), defaultAction where
// no entry holds, KILL_THREAD for an arch the profile does not list. On
// x86 a socket or ipc call's entries may also hold for socketcall or ipc.
// Two entries with different actions that may both hold are an error: the
// profiles decision writes never have them.
func ociEval(p *decision.OCIProfile, d *seccompdata.Data) (uint32, error) {
	listed := func(tk string) bool { return slices.Contains(p.Architectures, tk) }
	nr := uint32(d.Nr)
	var token, archName string
	switch d.Arch {
	case seccompdata.AuditArchX86_64:
		switch {
		case nr < seccompdata.X32SyscallBit:
			token, archName = "SCMP_ARCH_X86_64", "x86_64"
		case listed("SCMP_ARCH_X32"):
			token, archName = "SCMP_ARCH_X32", "x32"
		case nr == 0xffffffff:
			token, archName = "SCMP_ARCH_X86_64", "x86_64"
		default:
			return 0, nil // libseccomp: filter out x32
		}
	case seccompdata.AuditArchI386:
		token, archName = "SCMP_ARCH_X86", "i386"
	case seccompdata.AuditArchAArch64:
		token, archName = "SCMP_ARCH_AARCH64", "aarch64"
	case seccompdata.AuditArchRISCV64:
		token, archName = "SCMP_ARCH_RISCV64", "riscv64"
	}
	if token == "" || !listed(token) {
		return 0, nil // bad arch: KILL_THREAD
	}
	def, ok := decision.OCIRet(p.DefaultAction, p.DefaultErrnoRet)
	if !ok {
		return 0, fmt.Errorf("defaultAction %s", p.DefaultAction)
	}
	arch, _ := seccompdata.LookupArch(archName)
	name, ok := arch.SyscallName(int32(nr))
	if !ok {
		return def, nil
	}
	_, bits, _ := decision.OCIArchToken(archName)
	rets := map[uint32]bool{}
	for _, e := range p.Syscalls {
		ret, ok := decision.OCIRet(e.Action, e.ErrnoRet)
		if !ok {
			return 0, fmt.Errorf("action %s", e.Action)
		}
		muxed := false
		if token == "SCMP_ARCH_X86" {
			for _, n := range e.Names {
				muxed = muxed || decision.OCIMuxed[n] == name
			}
		}
		if muxed {
			rets[ret] = true
		}
		if !slices.Contains(e.Names, name) {
			continue
		}
		holds := true
		for _, a := range e.Args {
			v, k, k2 := d.Args[a.Index], a.Value, a.ValueTwo
			if bits == 32 {
				v, k, k2 = v&0xffffffff, k&0xffffffff, k2&0xffffffff
			}
			switch a.Op {
			case "SCMP_CMP_EQ":
				holds = holds && v == k
			case "SCMP_CMP_NE":
				holds = holds && v != k
			case "SCMP_CMP_LT":
				holds = holds && v < k
			case "SCMP_CMP_LE":
				holds = holds && v <= k
			case "SCMP_CMP_GT":
				holds = holds && v > k
			case "SCMP_CMP_GE":
				holds = holds && v >= k
			case "SCMP_CMP_MASKED_EQ":
				if k2&^k != 0 {
					return 0, fmt.Errorf("%s: MASKED_EQ datum %#x outside mask %#x", name, k2, k)
				}
				holds = holds && v&k == k2
			default:
				return 0, fmt.Errorf("op %s", a.Op)
			}
		}
		if holds {
			rets[ret] = true
		}
	}
	switch len(rets) {
	case 0:
		return def, nil
	case 1:
		for r := range rets {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%s: entries with different actions hold: %v", name, rets)
}

// ociInputs draws inputs for a profile: its arches and a few others, its
// syscalls, numbers around the blocks' edges, and argument values around
// its constants.
func ociInputs(r *rand.Rand, p *decision.OCIProfile, n int) []seccompdata.Data {
	var ks []uint64
	for _, e := range p.Syscalls {
		for _, a := range e.Args {
			ks = append(ks, a.Value, a.Value-1, a.Value+1, a.ValueTwo, a.ValueTwo|^a.Value)
		}
	}
	ks = append(ks, 0, 1, 0xffffffff, 1<<32, ^uint64(0))
	audits := []uint32{seccompdata.AuditArchX86_64, seccompdata.AuditArchX86_64, seccompdata.AuditArchI386,
		seccompdata.AuditArchAArch64, seccompdata.AuditArchRISCV64, seccompdata.AuditArchARM, r.Uint32()}
	var out []seccompdata.Data
	for range n {
		var d seccompdata.Data
		d.Arch = audits[r.Intn(len(audits))]
		a := seccompdata.ArchOf(d.Arch)
		x32 := d.Arch == seccompdata.AuditArchX86_64 && r.Intn(3) == 0
		if x32 {
			a, _ = seccompdata.LookupArch("x32")
		}
		switch tab := a.Syscalls(); {
		case r.Intn(5) > 0 && len(tab) > 0:
			d.Nr = tab[r.Intn(len(tab))].Nr
		default:
			edges := []uint32{0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, r.Uint32()}
			d.Nr = int32(edges[r.Intn(len(edges))])
		}
		for i := range d.Args {
			switch r.Intn(4) {
			case 0:
				d.Args[i] = r.Uint64()
			case 1:
				d.Args[i] = ks[r.Intn(len(ks))] ^ uint64(r.Uint32())<<32
			default:
				d.Args[i] = ks[r.Intn(len(ks))]
			}
		}
		out = append(out, d)
	}
	return out
}

func checkOCI(t *testing.T, name string, tb *decision.Table, p *decision.OCIProfile, r *rand.Rand, n int) {
	t.Helper()
	for _, d := range ociInputs(r, p, n) {
		got, err := ociEval(p, &d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := tb.Lookup(&d); got != want {
			t.Fatalf("%s: arch %#x nr %#x args %#x: the profile says %s, the table %s", name, d.Arch, uint32(d.Nr), d.Args,
				seccompdata.Action(got), seccompdata.Action(want))
		}
	}
}

// TestOCICorpus: the tables of the corpus that convert mean, as profiles,
// what the tables say; the others list rows.
func TestOCICorpus(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	converted := 0
	for _, path := range corpusPolicies(t) {
		tb := build(t, vm.Stack{compile(t, load(t, path))}, path)
		p, err := tb.OCI()
		var oe *decision.OCIError
		if errors.As(err, &oe) {
			if len(oe.Rows) == 0 {
				t.Errorf("%s: an OCIError without rows", path)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		converted++
		checkOCI(t, path, tb, p, r, 20000)
	}
	if converted < 3 {
		t.Errorf("%d corpus policies convert, want docker x86_64, openssh and qemu at least", converted)
	}
}

// TestOCIProperty: for generated policies whose tables convert, the
// profile means what the table says, on random inputs.
func TestOCIProperty(t *testing.T) {
	g := fuzz.NewGenerator(11)
	r := rand.New(rand.NewSource(12))
	converted, multi, withArgs := 0, 0, 0
	for i := 0; i < 400; i++ {
		var p program.Program
		if i%2 == 0 {
			p = g.Valid()
		} else {
			p = g.Mutate(g.Valid())
		}
		f, err := vm.Compile(p, verifier.Seccomp)
		if err != nil {
			continue
		}
		tb, err := decision.New(vm.Stack{f}, decision.Options{Kernel: kernel618})
		if err != nil {
			continue
		}
		prof, err := tb.OCI()
		if err != nil {
			continue
		}
		converted++
		if len(prof.Architectures) > 1 {
			multi++
		}
		for _, e := range prof.Syscalls {
			if len(e.Args) > 0 {
				withArgs++
				break
			}
		}
		checkOCI(t, fmt.Sprintf("program %d", i), tb, prof, r, 300)
	}
	t.Logf("%d of 400 generated policies convert, %d with several arches, %d with args", converted, multi, withArgs)
}
