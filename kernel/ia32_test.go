package kernel_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// i386Method is the method Eval reports for an i386 input: CompatInt80
// where o found IA-32 emulation on, else fallback (the arch substitution,
// as on the project's test machines, where int $0x80 faults).
func i386Method(t *testing.T, o *kernel.Oracle, fallback kernel.Method) kernel.Method {
	t.Helper()
	ok, err := o.IA32Emulation(ctx)
	if err != nil {
		t.Logf("IA32Emulation: %v", err)
	}
	if ok {
		return kernel.CompatInt80
	}
	return fallback
}

// The probe answers quickly, once, and leaves nothing behind; Eval's i386
// inputs then say which way they went, with the right values.
func TestIA32EmulationProbe(t *testing.T) {
	requireSeccomp(t)
	waitNoLeftovers(t)
	o := openOracle(t)
	ok, err := o.IA32Emulation(ctx)
	if err != nil {
		t.Fatalf("IA32Emulation: %v", err)
	}
	t.Logf("IA-32 emulation: %v", ok)
	if again, err := o.IA32Emulation(ctx); again != ok || err != nil {
		t.Errorf("second call: %v, %v; first: %v", again, err, ok)
	}
	// The probe's child is reaped before the call returns; the helper's
	// other children are Eval's raw evaluators, waiting for a job.
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", o.HelperPID()))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, pid := range strings.Fields(string(b)) {
			if comm, _ := os.ReadFile("/proc/" + pid + "/comm"); strings.TrimSpace(string(comm)) != "bpfsim-raw" {
				t.Errorf("left behind: %s: %s (%q)", f, pid, comm)
			}
		}
	}

	want := kernel.ArchSubstituted
	if ok {
		want = kernel.CompatInt80
	}
	p := program.Program{st(0x20, 4), st(0x02, 0), st(0x20, 0), st(0x07, 0), st(0x60, 0), st(0x0c, 0), retA} // arch + nr
	in := []seccompdata.Data{{Nr: 20, Arch: archI386}, {Nr: seccompdata.NrUretprobeX86_64, Arch: archI386}, {Nr: 39, Arch: archX86_64}}
	res, err := o.Eval(ctx, p, in)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range in {
		m := want
		switch {
		case d.Arch == archX86_64:
			m = kernel.Native
		case d.Nr == seccompdata.NrUretprobeX86_64 && !ok:
			m |= kernel.NrSubstituted
		}
		if r := res[i]; r.Ret != d.Arch+uint32(d.Nr) || r.Method != m {
			t.Errorf("input %d: got %#x %v, want %#x %v", i, r.Ret, r.Method, d.Arch+uint32(d.Nr), m)
		}
	}
	// A division by X (a killed input, and the evaluator after it) takes the
	// same way.
	divX := program.Program{st(0x20, 16), st(0x07, 0), st(0x20, 4), st(0x3c, 0), retA} // arch / arg0
	res, err = o.Eval(ctx, divX, []seccompdata.Data{{Arch: archI386, Args: [6]uint64{3}}, {Arch: archI386}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Ret != archI386/3 || r.Killed || r.Method != want {
		t.Errorf("div: got %+v, want %#x %v", r, archI386/3, want)
	}
	if r := res[1]; !r.Killed || r.Method != want {
		t.Errorf("div by 0: got %+v, want killed, %v", r, want)
	}
	o.Close()
	waitNoLeftovers(t)
}

// An i386 syscall made with int $0x80 by a 64-bit process passes whole
// 64-bit registers: syscall_get_arguments (arch/x86/include/asm/syscall.h)
// reads regs->bx and the others for TS_COMPAT, and the live kernel shows
// args[0]'s high half to the filter. So 64-bit argument values are real
// i386 inputs on x86_64, and the command line accepts them
// (internal/input.Call.Check).
func TestIA32WholeRegisters(t *testing.T) {
	requireSeccomp(t)
	o := openOracle(t)
	if ok, err := o.IA32Emulation(ctx); !ok || err != nil {
		t.Skipf("IA-32 emulation is off (%v): int $0x80 cannot be made here", err)
	}
	p := program.Program{st(0x20, 20), retA} // args[0] hi (little-endian)
	res, err := o.Eval(ctx, p, []seccompdata.Data{{Nr: 20, Arch: archI386, Args: [6]uint64{0x1122334455667788}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Method != kernel.CompatInt80 || r.Ret != 0x11223344 {
		t.Errorf("got %#x by %v, want 0x11223344 by int $0x80", r.Ret, r.Method)
	}
}
