package guest_test

import (
	"debug/elf"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/guest"
)

// dynamicBinary returns an executable with an ELF interpreter, or skips.
func dynamicBinary(t *testing.T) string {
	t.Helper()
	self, _ := os.Executable()
	for _, p := range []string{self, "/bin/sh", "/usr/bin/env", "/bin/ls"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				f.Close()
				return p
			}
		}
		f.Close()
	}
	t.Skip("no dynamically linked executable found")
	return ""
}

// Check says what Open would fail on, in Open's order (image, emulator,
// init), without booting anything.
func TestCheck(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "vmlinuz") // any file, until it boots
	if err := os.WriteFile(img, []byte("not a kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts func(t *testing.T) guest.Options
		want error // nil: no error
		any  bool  // an error that wraps none of the sentinels
	}{
		{"name not cached", func(*testing.T) guest.Options { return guest.Options{Kernel: "no-such-kernel"} }, guest.ErrNoKernel, false},
		{"no such image", func(*testing.T) guest.Options { return guest.Options{Kernel: "/nonexistent/vmlinuz"} }, fs.ErrNotExist, false},
		{"no emulator", func(*testing.T) guest.Options {
			return guest.Options{Kernel: img, QEMU: "no-such-qemu-system-x86_64"}
		}, guest.ErrNoQEMU, false},
		{"image before emulator", func(*testing.T) guest.Options {
			return guest.Options{Kernel: "no-such-kernel", QEMU: "no-such-qemu-system-x86_64"}
		}, guest.ErrNoKernel, false},
		{"dynamic init", func(t *testing.T) guest.Options {
			return guest.Options{Kernel: img, QEMU: self, Init: dynamicBinary(t)}
		}, guest.ErrNotStatic, false},
		{"init not ELF", func(*testing.T) guest.Options { return guest.Options{Kernel: img, QEMU: self, Init: img} }, nil, true},
		{"static init", func(t *testing.T) guest.Options { return guest.Options{Kernel: img, QEMU: self, Init: staticInit(t)} }, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := guest.Check(tc.opts(t))
			switch {
			case tc.any:
				if err == nil || errors.Is(err, guest.ErrNoKernel) || errors.Is(err, guest.ErrNoQEMU) || errors.Is(err, guest.ErrNotStatic) {
					t.Errorf("got %v, want another error", err)
				}
			case tc.want == nil:
				if err != nil {
					t.Errorf("got %v, want no error", err)
				}
			case !errors.Is(err, tc.want):
				t.Errorf("got %v, want %v", err, tc.want)
			default:
				t.Logf("%v", err)
			}
		})
	}
}
