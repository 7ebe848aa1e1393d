package kerneltest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// TestInnerGuest is what TestGuest runs with BPFSIM_KERNEL set: Open's
// oracle must be served by QEMU and answer as a kernel does.
func TestInnerGuest(t *testing.T) {
	if os.Getenv(innerEnv) == "" {
		t.Skip("run by TestGuest")
	}
	o := kerneltest.Open(t)
	// The helper of a guest's oracle is the emulator, a host process.
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", o.HelperPID()))
	if err != nil || !strings.HasPrefix(filepath.Base(exe), "qemu-system-") {
		t.Errorf("the oracle's helper, pid %d, is %q (%v), not QEMU", o.HelperPID(), exe, err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    program.Program
		want kernel.Verdict
	}{
		{"ret allow", program.Program{{Op: 0x06, K: 0x7fff0000}}, kernel.Verdict{Accepted: true, FailedIndex: -1}},
		{"jump past the end", program.Program{{Op: 0x05, K: 5}, {Op: 0x06}}, kernel.Verdict{Errno: seccompdata.EINVAL}},
	} {
		v, err := o.Verdict(ctx, []program.Program{tc.p})
		if err != nil {
			kerneltest.Fail(t, err)
		}
		if v != tc.want {
			t.Errorf("%s: verdict %+v, want %+v", tc.name, v, tc.want)
		}
	}
	// ld [0]; ret a: the value is nr.
	in := []seccompdata.Data{
		{Nr: 39, Arch: seccompdata.AuditArchX86_64},
		{Nr: 0x1234, Arch: seccompdata.AuditArchX86_64},
	}
	res, err := o.Eval(ctx, program.Program{{Op: 0x20, K: 0}, {Op: 0x16}}, in)
	if err != nil {
		kerneltest.Fail(t, err)
	}
	for i, r := range res {
		if r.Ret != uint32(in[i].Nr) {
			t.Errorf("eval of nr %d: ret %#x (%v)", in[i].Nr, r.Ret, r.Method)
		}
	}
}

// TestInnerShared is what TestGuest runs with BPFSIM_KERNEL set: Shared
// boots one guest for the whole process.
func TestInnerShared(t *testing.T) {
	if os.Getenv(innerEnv) == "" {
		t.Skip("run by TestGuest")
	}
	o := kerneltest.Shared(t)
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if o2 := kerneltest.Shared(t); o2 != o {
				t.Errorf("a second oracle (helper %d, then %d)", o.HelperPID(), o2.HelperPID())
			}
			v, err := o.Verdict(context.Background(), []program.Program{{{Op: 0x06, K: 0x7fff0000}}})
			if err != nil {
				kerneltest.Fail(t, err)
			}
			if !v.Accepted {
				t.Errorf("ret allow: %+v", v)
			}
		})
	}
}

// With BPFSIM_KERNEL naming a kernel no guest can boot from, the live
// tests skip, each with the reason and its fix, and the host kernel is
// not probed: a probe would meet the hang injected into its helper and
// report a wedged kernel.
func TestGuestUnavailableSkips(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noQEMU := t.TempDir() // a PATH without the emulator
	for _, tc := range []struct {
		name   string
		kernel string
		env    []string
		why    string // after "no guest can boot: "
	}{
		{"name not cached", "no-such-kernel", nil,
			`kernel "no-such-kernel": kernel not in the cache (make kernels)`},
		{"no such image", "/nonexistent/vmlinuz", nil,
			"stat /nonexistent/vmlinuz: no such file or directory"},
		// Any file passes for the image until QEMU boots it.
		{"no QEMU", exe, []string{"PATH=" + noQEMU},
			"qemu-system-x86_64 not found (apt-get install qemu-system-x86)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{kerneltest.KernelEnv + "=" + tc.kernel, kernel.FaultEnv + "=hang", kernel.TimeoutEnv + "=500ms"}, tc.env...)
			out := runInner(t, "", "^TestInner(Live|Later)$", 30*time.Second, env...)
			why := kerneltest.KernelEnv + "=" + tc.kernel + ": no guest can boot: " + tc.why
			for _, want := range []string{
				"kerneltest: LIVE KERNEL TESTS WILL SKIP: " + why,
				"--- SKIP: TestInnerLive",
				"live kernel test skipped: " + why,
				"--- SKIP: TestInnerLater",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "wedged") {
				t.Errorf("the host kernel was probed:\n%s", out)
			}
		})
	}
}

// With BPFSIM_KERNEL set, Open's oracle is a QEMU guest booted from that
// kernel (5.10 under BPFSIM_MATRIX=1 alone): it answers verdicts and an
// Eval, the test's log says which kernel answered, and its files are gone
// when the test ends; Shared boots one guest for the whole process, which
// Main powers off; and a guest that stops answering fails the test that
// meets it and every later live test, as a host kernel does.
func TestGuest(t *testing.T) {
	name := os.Getenv(kerneltest.KernelEnv)
	if name == "" && os.Getenv("BPFSIM_MATRIX") == "" {
		t.Skip("boots QEMU guests: set BPFSIM_MATRIX=1 (or BPFSIM_KERNEL=NAME) to run it")
	}
	if name == "" {
		name = "5.10"
	}
	if err := guest.Check(guest.Options{Kernel: name}); err != nil && !errors.Is(err, guest.ErrNotStatic) {
		t.Skipf("%s=%s: %v", kerneltest.KernelEnv, name, err)
	}
	exe := staticSelf(t)
	series := ""
	ks, _ := guest.Kernels()
	for _, k := range ks {
		if k.Name == name {
			series = k.Series
		}
	}

	// The guests' files go to tmp, and are gone when their tests end.
	leftIn := func(t *testing.T, tmp string) {
		t.Helper()
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("the guest left %d files in TMPDIR", len(left))
		}
	}

	t.Run("oracle", func(t *testing.T) {
		tmp := t.TempDir()
		out := runInner(t, exe, "^TestInnerGuest$", 5*time.Minute, kerneltest.KernelEnv+"="+name, "TMPDIR="+tmp)
		if !strings.Contains(out, "--- PASS: TestInnerGuest") {
			t.Fatalf("the inner test did not pass:\n%s", out)
		}
		leftIn(t, tmp)
		m := regexp.MustCompile(`kernel oracle: QEMU guest (\S+), Linux (\S+) \((tcg|kvm)\), booted in (\S+)`).FindStringSubmatch(out)
		switch {
		case m == nil:
			t.Errorf("the log does not say which kernel answered:\n%s", out)
		case m[1] != name || !strings.HasPrefix(m[2], series):
			t.Errorf("the log says guest %s, Linux %s; want %s, Linux %s*", m[1], m[2], name, series)
		default:
			t.Logf("guest %s: Linux %s (%s), booted in %s", m[1], m[2], m[3], m[4])
		}
	})

	t.Run("shared", func(t *testing.T) {
		tmp := t.TempDir()
		out := runInner(t, exe, "^TestInnerShared$", 5*time.Minute, kerneltest.KernelEnv+"="+name, "TMPDIR="+tmp)
		if !strings.Contains(out, "--- PASS: TestInnerShared") {
			t.Fatalf("the inner test did not pass:\n%s", out)
		}
		if n := strings.Count(out, "kerneltest: shared kernel oracle: QEMU guest "+name+", Linux "+series); n != 1 {
			t.Errorf("the shared guest was announced %d times, want once:\n%s", n, out)
		}
		if n := strings.Count(out, "kernel oracle: QEMU guest "+name); n != 1+3 {
			t.Errorf("the shared guest is in %d tests' logs and on stderr, want 3 and once:\n%s", n, out)
		}
		leftIn(t, tmp) // Main powered it off
	})

	t.Run("stall", func(t *testing.T) {
		tmp := t.TempDir()
		out := runInner(t, exe, "^TestInner(Live|Later)$", 5*time.Minute,
			kerneltest.KernelEnv+"="+name, kernel.FaultEnv+"=hang-after=1", kernel.TimeoutEnv+"=5s", "TMPDIR="+tmp)
		for _, want := range []string{
			"--- FAIL: TestInnerLive",
			"the kernel stalled during this run (possibly because of it): kernel stalled: verdict got no answer within 5",
			"--- FAIL: TestInnerLater",
			"the kernel stalled earlier in this run",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		leftIn(t, tmp) // the stalled guest was killed and cleared away
	})
}

// staticSelf returns this test binary when it is static, else a
// CGO_ENABLED=0 build of it: a guest's /init has no libraries.
func staticSelf(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := guest.Check(guest.Options{Kernel: self, Init: self}); !errors.Is(err, guest.ErrNotStatic) {
		return self
	}
	bin := filepath.Join(t.TempDir(), "kerneltest.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a static test binary: %v\n%s", err, out)
	}
	return bin
}
