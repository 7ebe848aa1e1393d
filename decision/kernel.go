package decision

import (
	"fmt"
	"os"

	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// KernelVersion is a Linux release, for the kernel's view of a table:
// which syscalls its action cache serves and which bypass seccomp.
type KernelVersion = seccompdata.KernelVersion

// ParseKernelVersion reads "6.18", "6.12.117", or a release string as
// uname -r gives it (seccompdata.ParseKernelVersion).
func ParseKernelVersion(s string) (KernelVersion, error) { return seccompdata.ParseKernelVersion(s) }

// RunningKernelVersion reads the version of the running kernel from
// /proc/sys/kernel/osrelease.
func RunningKernelVersion() (KernelVersion, error) {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return KernelVersion{}, fmt.Errorf("the running kernel's version: %v", err)
	}
	return ParseKernelVersion(string(b))
}

// NewestKnown returns the newest kernel whose seccomp behaviour bpfsim
// records (seccompdata.NewestKnownKernel), the version to assume when no
// other is known.
func NewestKnown() KernelVersion { return seccompdata.NewestKnownKernel() }

// KernelView is the kernel a table's kernel columns are for: an x86_64
// kernel of a version, which decides whether its action cache exists and
// which syscalls bypass seccomp.
type KernelView struct {
	Version KernelVersion
	// Source says where Version came from: "--kernel-version", "running
	// kernel", or why it was assumed.
	Source string
}

// Kernel facts by version (seccompdata.KernelVersion; docs/kernel-semantics.md
// §5, §6): the action cache and the uretprobe and uprobe exceptions of
// seccomp_uprobe_exception, which seccomp_is_const_allow consults first
// so that the cache serves them on the native arch.
func (k KernelView) hasCache() bool { return k.Version.ActionCache() }

func (k KernelView) outcomeOptions() vm.OutcomeOptions { return vm.KernelOutcomeOptions(k.Version) }

// bypasses reports whether syscall nr on arch skips the filters.
func (k KernelView) bypasses(arch uint32, nr uint32) bool {
	o := k.outcomeOptions()
	return o.Bypasses(&seccompdata.Data{Arch: arch, Nr: int32(nr)})
}

// lastSyscall is the highest number of the x86_64 and i386 syscall tables
// (arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl) in a
// release: the action cache has a bit for every number below it plus one
// (SECCOMP_ARCH_NATIVE_NR = NR_syscalls, SECCOMP_ARCH_COMPAT_NR =
// IA32_NR_syscalls, arch/x86/include/asm/seccomp.h). Each entry is the
// release that added the syscalls ending at that number; i386 lacks 453
// (map_shadow_stack is 64-bit only). Past the newest entry, seccompdata's
// generated tables are taken.
var lastSyscall = []struct {
	v            KernelVersion
	x86_64, i386 int32
}{
	{KernelVersion{Major: 5, Minor: 11}, 441, 441}, // epoll_pwait2
	{KernelVersion{Major: 5, Minor: 12}, 442, 442}, // mount_setattr
	{KernelVersion{Major: 5, Minor: 13}, 446, 446}, // landlock_*
	{KernelVersion{Major: 5, Minor: 14}, 447, 447}, // memfd_secret, quotactl_fd
	{KernelVersion{Major: 5, Minor: 15}, 448, 448}, // process_mrelease
	{KernelVersion{Major: 5, Minor: 16}, 449, 449}, // futex_waitv
	{KernelVersion{Major: 5, Minor: 17}, 450, 450}, // set_mempolicy_home_node
	{KernelVersion{Major: 6, Minor: 5}, 451, 451},  // cachestat
	{KernelVersion{Major: 6, Minor: 6}, 453, 452},  // fchmodat2, map_shadow_stack
	{KernelVersion{Major: 6, Minor: 7}, 456, 456},  // futex_wake, futex_wait, futex_requeue
	{KernelVersion{Major: 6, Minor: 8}, 461, 461},  // statmount, listmount, lsm_*
	{KernelVersion{Major: 6, Minor: 10}, 462, 462}, // mseal
	{KernelVersion{Major: 6, Minor: 13}, 466, 466}, // setxattrat ... removexattrat
	{KernelVersion{Major: 6, Minor: 15}, 467, 467}, // open_tree_attr
	{KernelVersion{Major: 6, Minor: 17}, 469, 469}, // file_getattr, file_setattr
	{KernelVersion{Major: 6, Minor: 18}, 470, 470}, // listns
}

// cacheSize returns the number of syscall bits of the action cache for
// the native (x86_64) or compat (i386) arch; 0 without a cache.
func (k KernelView) cacheSize(compat bool) int32 {
	if !k.hasCache() {
		return 0
	}
	newest := lastSyscall[len(lastSyscall)-1]
	if k.Version.AtLeast(newest.v.Major, newest.v.Minor+1, 0) {
		name := "x86_64"
		if compat {
			name = "i386"
		}
		a, _ := seccompdata.LookupArch(name)
		return a.MaxSyscall() + 1
	}
	n := int32(0)
	for _, e := range lastSyscall {
		if k.Version.AtLeast(e.v.Major, e.v.Minor, 0) {
			n = e.x86_64
			if compat {
				n = e.i386
			}
		}
	}
	return n + 1
}

// cacheMap returns, for the native and the compat arch, whether the stack
// is served by the action cache for each nr below the cache's size:
// seccomp_cache_prepare_bitmap keeps a bit only when seccomp_is_const_allow
// holds for every filter of the stack (the uprobe exception included).
func (k KernelView) cacheMap(stack vm.Stack) (native, compat []bool) {
	one := func(arch uint32, n int32) []bool {
		bits := make([]bool, n)
		for nr := range n {
			if k.bypasses(arch, uint32(nr)) {
				bits[nr] = true
				continue
			}
			ok := true
			for _, f := range stack {
				if !f.ConstAllow(arch, nr) {
					ok = false
					break
				}
			}
			bits[nr] = ok
		}
		return bits
	}
	return one(seccompdata.AuditArchX86_64, k.cacheSize(false)), one(seccompdata.AuditArchI386, k.cacheSize(true))
}
