package cli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bpfsim/bpfsim/internal/cli"
	"github.com/bpfsim/bpfsim/internal/kerneltest"
	"github.com/bpfsim/bpfsim/kernel"
)

// closeCounter is a fake kernel that counts its Close calls.
type closeCounter struct {
	kerneltest.Fake
	mu     *sync.Mutex
	closed *int
}

func (c *closeCounter) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.closed++
	return nil
}

// startLive parses --kernel all into l and starts it.
func startLive(t *testing.T, l *cli.Live) context.Context {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	l.AddFlags(fs)
	if err := fs.Parse([]string{"--kernel", cli.AllKernels}); err != nil {
		t.Fatal(err)
	}
	ctx, stop, err := l.Start(fs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ctx
}

func writeManifest(t *testing.T, names ...string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + " " + n + ". linux-image-" + n + " " + n + ".1-1 " + filepath.Join(dir, n, "vmlinuz") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BPFSIM_KERNELS", dir)
}

func TestKernelsAll(t *testing.T) {
	writeManifest(t, "5.10", "6.1", "6.12")
	var mu sync.Mutex
	closed := 0
	var asked []string
	l := &cli.Live{Open: func(_ context.Context, name string, _ kernel.Options) (kernel.Kernel, error) {
		mu.Lock()
		asked = append(asked, name)
		mu.Unlock()
		return &closeCounter{Fake: kerneltest.Fake{Release: name + ".7-test"}, mu: &mu, closed: &closed}, nil
	}}
	ctx := startLive(t, l)
	ks, err := l.Kernels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range ks {
		got = append(got, k.Name+"="+k.Release)
	}
	// The cache's order, whatever order the guests booted in.
	if want := "5.10=5.10.7-test 6.1=6.1.7-test 6.12=6.12.7-test"; strings.Join(got, " ") != want {
		t.Errorf("kernels %q, want %q", got, want)
	}
	if len(asked) != 3 {
		t.Errorf("opened %d kernels, want 3", len(asked))
	}
	if _, err := l.Kernel(ctx); cli.ExitCode(err) != cli.ExitUsage {
		t.Errorf("Kernel under --kernel all: %v, want a usage error", err)
	}
	l.Close()
	if closed != 3 {
		t.Errorf("Close closed %d kernels, want 3", closed)
	}
}

func TestKernelsAllFailures(t *testing.T) {
	t.Run("empty cache", func(t *testing.T) {
		t.Setenv("BPFSIM_KERNELS", t.TempDir())
		l := &cli.Live{Open: func(context.Context, string, kernel.Options) (kernel.Kernel, error) {
			return nil, errors.New("opened a kernel with none cached")
		}}
		_, err := l.Kernels(startLive(t, l))
		if err == nil || !strings.Contains(err.Error(), "make kernels") || cli.ExitCode(err) != cli.ExitKernel {
			t.Errorf("got %v (exit %d), want exit %d saying to run make kernels", err, cli.ExitCode(err), cli.ExitKernel)
		}
	})
	t.Run("one fails to boot", func(t *testing.T) {
		writeManifest(t, "5.10", "6.1", "6.12")
		var mu sync.Mutex
		closed := 0
		l := &cli.Live{Open: func(_ context.Context, name string, _ kernel.Options) (kernel.Kernel, error) {
			if name == "6.1" {
				return nil, errors.Join(errors.New("QEMU exited"), kernel.ErrUnsupported)
			}
			return &closeCounter{mu: &mu, closed: &closed}, nil
		}}
		ks, err := l.Kernels(startLive(t, l))
		if err == nil || ks != nil || !strings.Contains(err.Error(), "live kernel 6.1: QEMU exited") || cli.ExitCode(err) != cli.ExitKernel {
			t.Errorf("got %v, %v; want exit %d naming kernel 6.1", ks, err, cli.ExitKernel)
		}
		if closed != 2 {
			t.Errorf("closed %d of the kernels that booted, want 2", closed)
		}
	})
}

// The command's deadline: --kernel-timeout or BPFSIM_KERNEL_TIMEOUT when
// given; else 60s on the host's kernel and GuestCommandTimeout with
// --kernel, whose round trips keep the 60s bound.
func TestLiveDeadline(t *testing.T) {
	for _, c := range []struct {
		args      []string
		env       string
		whole     time.Duration
		roundTrip time.Duration
	}{
		{nil, "", kernel.DefaultTimeout, kernel.DefaultTimeout},
		{[]string{"--kernel", "6.1"}, "", cli.GuestCommandTimeout, kernel.DefaultTimeout},
		{[]string{"--kernel", "all"}, "", cli.GuestCommandTimeout, kernel.DefaultTimeout},
		{[]string{"--kernel", "6.1", "--kernel-timeout", "30s"}, "", 30 * time.Second, 30 * time.Second},
		{[]string{"--kernel", "6.1"}, "45s", 45 * time.Second, 45 * time.Second},
		{[]string{"--kernel-timeout", "2m"}, "", 2 * time.Minute, 2 * time.Minute},
	} {
		t.Setenv(kernel.TimeoutEnv, c.env)
		var l cli.Live
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		l.AddFlags(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		ctx, stop, err := l.Start(fs)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		d, _ := ctx.Deadline()
		if left := time.Until(d); left > c.whole || left < c.whole-time.Second {
			t.Errorf("%v env %q: the command has %v, want %v", c.args, c.env, left.Round(time.Second), c.whole)
		}
		if l.Timeout != c.roundTrip {
			t.Errorf("%v env %q: round trips bounded by %v, want %v", c.args, c.env, l.Timeout, c.roundTrip)
		}
		stop()
	}
}
