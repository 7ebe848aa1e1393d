package guest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/guest"
	"github.com/bpfsim/bpfsim/kernel"
	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

func TestMain(m *testing.M) {
	guest.RunInitIfRequested()
	kernel.RunChildIfRequested()
	code := m.Run()
	if initBin.dir != "" {
		os.RemoveAll(initBin.dir)
	}
	os.Exit(code)
}

var initBin struct {
	sync.Once
	path string
	err  error
	dir  string
}

// staticInit returns a static binary to be the guests' init: this test
// binary when it is one, else a CGO_ENABLED=0 build of it.
func staticInit(t testing.TB) string {
	initBin.Do(func() {
		self, err := os.Executable()
		if err == nil && guest.CheckStatic(self) == nil {
			initBin.path = self
			return
		}
		initBin.dir, initBin.err = os.MkdirTemp("", "bpfsim-guest-init-")
		if initBin.err != nil {
			return
		}
		initBin.path = filepath.Join(initBin.dir, "guest.test")
		cmd := exec.Command("go", "test", "-c", "-o", initBin.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			initBin.err = fmt.Errorf("building a static init: %v\n%s", err, out)
		}
	})
	if initBin.err != nil {
		t.Fatal(initBin.err)
	}
	return initBin.path
}

// testKernels returns the kernels to boot: $BPFSIM_GUEST_KERNEL (a name
// or path, or "all"), else every cached one. It skips, saying how to
// enable the test, without QEMU or kernels.
func testKernels(t testing.TB) []string {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("needs QEMU: apt-get install qemu-system-x86")
	}
	if k := os.Getenv("BPFSIM_GUEST_KERNEL"); k != "" && k != "all" {
		return []string{k}
	}
	ks, err := guest.Kernels()
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) == 0 {
		t.Skipf("no kernel images in %s: run make kernels (or set BPFSIM_GUEST_KERNEL=PATH to a vmlinuz)", guest.CacheDir())
	}
	var names []string
	for _, k := range ks {
		names = append(names, k.Name)
	}
	if testing.Short() {
		names = names[:1]
	}
	return names
}

// openGuest boots kernel name with this test's static init and round
// trips bounded by timeout, and closes it when t ends.
func openGuest(t testing.TB, name string, timeout time.Duration) *guest.Guest {
	t.Helper()
	g, err := guest.Open(context.Background(), guest.Options{Kernel: name, Init: staticInit(t), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestGuestOracle(t *testing.T) {
	for _, name := range testKernels(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := openGuest(t, name, 60*time.Second)
			t.Logf("%s: release %s, booted in %v (%s)", name, g.Release, g.Boot.Round(time.Millisecond), g.Accel)
			var k kernel.Kernel = g
			v, err := k.Verdict(ctx, []program.Program{{{Op: 0x06, K: 0x7fff0000}}})
			if err != nil || !v.Accepted {
				t.Fatalf("verdict: %v, %v", v, err)
			}
			// A jump past the end: EINVAL, as on the host.
			v, err = k.Verdict(ctx, []program.Program{{{Op: 0x05, K: 5}, {Op: 0x06}}})
			if err != nil || v.Accepted || v.Errno != seccompdata.Errno(22) {
				t.Fatalf("bad verdict: %v, %v", v, err)
			}
			ia32, err := k.IA32Emulation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: IA-32 emulation %v", name, ia32)
			// ld [0]; ret a: the value is nr, for x86_64 and i386 inputs.
			p := program.Program{{Op: 0x20, K: 0}, {Op: 0x16}}
			in := []seccompdata.Data{
				{Nr: 39, Arch: seccompdata.AuditArchX86_64},
				{Nr: 20, Arch: seccompdata.AuditArchI386},
			}
			res, err := k.Eval(ctx, p, in)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Ret != uint32(in[i].Nr) {
					t.Errorf("input %d: ret %#x, want %d (%v)", i, r.Ret, in[i].Nr, r.Method)
				}
			}
			if ia32 && res[1].Method&kernel.CompatInt80 == 0 {
				t.Errorf("i386 input went %v, want compat-int80", res[1].Method)
			}
			// Round-trip throughput: verdicts, one at a time.
			const n = 50
			start := time.Now()
			for range n {
				if _, err := k.Verdict(ctx, []program.Program{{{Op: 0x06, K: 0x7fff0000}}}); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%s: %d verdicts in %v (%.0f/s)", name, n, time.Since(start).Round(time.Millisecond), n/time.Since(start).Seconds())
		})
	}
}

func TestStall(t *testing.T) {
	names := testKernels(t)
	ctx := context.Background()
	g := openGuest(t, names[0], 2*time.Second)
	// Stop the emulator: the guest stops answering.
	g.Freeze()
	_, err := g.Verdict(ctx, []program.Program{{{Op: 0x06, K: 0x7fff0000}}})
	if !errors.Is(err, kernel.ErrStalled) {
		t.Fatalf("frozen guest: %v, want a stall", err)
	}
	// The message is about the guest, not the host's kernel: no host
	// health, no advice to reboot.
	if msg := err.Error(); !strings.Contains(msg, "host's kernel is not affected") || strings.Contains(msg, "reboot") || strings.Contains(msg, "D state") {
		t.Errorf("a guest's stall reads as the host's: %s", msg)
	}
	select {
	case <-g.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("a stalled guest was not killed")
	}
}
