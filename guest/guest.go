// Package guest runs the kernel oracle inside a disposable QEMU virtual
// machine, so that bpfsim can ask kernels it does not run on (Debian's
// 5.10, 6.1 and 6.12, fetched by guest/kernels.sh), and so that heavy
// churn of filters lands on a kernel nobody minds rebooting
// (docs/kernel-semantics.md §10.20).
//
// Open boots a kernel image under QEMU (TCG by default: see Options.Accel)
// with an initramfs it writes on the fly, whose /init is a static copy of
// a bpfsim binary (by default the running one). That binary's main must
// call RunInitIfRequested before kernel.RunChildIfRequested: in the guest
// it becomes process 1, mounts what the oracle needs and starts the
// oracle's server (kernel.ServerEnv) on the second serial port, ttyS1,
// which QEMU connects to a Unix socket of the host. The first serial port
// is the kernel's console, kept in a log. Both are the 8250 UART, which
// Debian builds into the kernel, so a bare vmlinuz as `dpkg-deb -x`
// leaves it boots with no modules and no initrd of its own.
//
// The Guest Open returns is a kernel.Kernel speaking the same protocol as
// the host's helper (kernel.NewClient), with the same deadlines: a guest
// that stops answering is killed and the call returns a
// *kernel.StallError. One guest serves any number of calls; Close powers
// it off.
package guest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bpfsim/bpfsim/kernel"
)

// Options configure a guest.
type Options struct {
	// Kernel is a kernel image (a path, or a name of the cache such as
	// "6.1": see Kernels).
	Kernel string
	// Init is the static binary the guest runs as /init; "" means the
	// running executable. Its main must call RunInitIfRequested.
	Init string
	// Accel is "tcg" (the default), "kvm", or "auto": KVM where a probe
	// boot (made once per host kernel, its answer cached) shows it works,
	// else TCG. On some hosts /dev/kvm exists but guests hang at boot.
	Accel string
	// MemoryMiB is the guest's memory; 0 means 512.
	MemoryMiB int
	// CPUs is the guest's CPU count; 0 means 1.
	CPUs int
	// BootTimeout bounds the boot, up to the init's announcement on the
	// RPC port; 0 means 3 minutes (TCG on a busy host is slow).
	BootTimeout time.Duration
	// Timeout bounds every round trip once booted (kernel.Options.Timeout).
	Timeout time.Duration
	// JIT, when "0" or "1", sets net.core.bpf_jit_enable in the guest
	// before the oracle starts: "0" runs the kernel's interpreter where
	// the kernel allows it.
	JIT string
	// Append is added to the kernel's command line (e.g. "syscall.x32=y").
	Append []string
	// QEMU is the emulator; "" means qemu-system-x86_64 on PATH.
	QEMU string
}

// guestEnv marks process 1 of a guest; Open puts it on the kernel's
// command line, which passes it on to init's environment.
const guestEnv = "BPFSIM_GUEST"

// jitEnv carries Options.JIT to the init.
const jitEnv = "BPFSIM_GUEST_JIT"

// rpcTTY is the guest's end of the RPC link: the second 8250 UART.
const rpcTTY = "/dev/ttyS1"

// readyMagic starts the one line the init writes on the RPC port before
// the oracle's protocol, followed by the kernel's release.
const readyMagic = "bpfsim-guest-ready"

// ErrNoQEMU is returned, wrapped, when the emulator is not installed.
var ErrNoQEMU = errors.New("qemu-system-x86_64 not found (apt-get install qemu-system-x86)")

// ErrNoKernel is returned, wrapped, for a kernel name that is not cached.
var ErrNoKernel = errors.New("kernel not in the cache (make kernels)")

// ErrNotStatic is returned, wrapped, when the init is not a static
// executable: a guest has no libraries to load it with.
var ErrNotStatic = errors.New("rebuild it with CGO_ENABLED=0")

// CacheDir is where guest/kernels.sh keeps the images: $BPFSIM_KERNELS,
// else $XDG_CACHE_HOME/bpfsim/kernels, else ~/.cache/bpfsim/kernels.
func CacheDir() string {
	if d := os.Getenv("BPFSIM_KERNELS"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "bpfsim", "kernels")
}

// CachedKernel is one line of the cache's MANIFEST.
type CachedKernel struct {
	Name, Series, Package, Version, Path string
}

// Kernels lists the cached kernels, in the MANIFEST's order (empty, with
// no error, before make kernels).
func Kernels() ([]CachedKernel, error) {
	f, err := os.Open(filepath.Join(CacheDir(), "MANIFEST"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ks []CachedKernel
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		ks = append(ks, CachedKernel{fs[0], fs[1], fs[2], fs[3], fs[4]})
	}
	return ks, sc.Err()
}

// ResolveKernel turns a name of the cache or a path into an image path.
func ResolveKernel(nameOrPath string) (string, error) {
	if strings.ContainsRune(nameOrPath, '/') {
		if _, err := os.Stat(nameOrPath); err != nil {
			return "", err
		}
		return nameOrPath, nil
	}
	ks, err := Kernels()
	if err != nil {
		return "", err
	}
	var names []string
	for _, k := range ks {
		if k.Name == nameOrPath {
			return k.Path, nil
		}
		names = append(names, k.Name)
	}
	if _, err := os.Stat(nameOrPath); err == nil {
		return nameOrPath, nil
	}
	return "", fmt.Errorf("kernel %q: %w; cached: %v", nameOrPath, ErrNoKernel, names)
}

var _ kernel.Kernel = (*Guest)(nil)
