// Package consts resolves the symbolic constants syscall arguments are
// written with (AT_FDCWD, O_RDONLY, CLONE_NEWUSER, MAP_ANONYMOUS ...) to
// their values on each arch, from golang.org/x/sys/unix's per-arch tables,
// which are generated from the kernel's uapi headers.
package consts

//go:generate go run ./internal/genconsts

import "github.com/bpfsim/bpfsim/seccompdata"

// Lookup returns the value of the constant name on arch, as the C headers
// define it (AT_FDCWD is -100): a family's value where the arch's own
// headers differ (O_CREAT is 0x100 on mips), else the one every port
// shares. x32 has x86_64's values. An arch bpfsim has no table for has no
// constants.
func Lookup(arch seccompdata.Arch, name string) (int64, bool) {
	goarch := arch.GOARCH
	if arch.Name == "x32" {
		goarch = "amd64"
	}
	own, ok := perGOARCH[goarch]
	if !ok {
		return 0, false
	}
	if v, ok := own[name]; ok {
		return v, true
	}
	v, ok := common[name]
	return v, ok
}
