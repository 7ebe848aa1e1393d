package seccompdata

import (
	"fmt"
	"strconv"
	"strings"
)

// KernelVersion is a Linux release, major.minor.patch, for the seccomp
// behaviour that changed between releases. Patch 0 stands for the first
// release of a series (6.12 is 6.12.0), which matters where a change was
// backported to a stable series.
type KernelVersion struct {
	Major, Minor, Patch int
}

// String returns "6.18", or "6.12.117" when the patch level is not 0.
func (v KernelVersion) String() string {
	if v.Patch != 0 {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// AtLeast reports whether v is major.minor.patch or later.
func (v KernelVersion) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// IsZero reports whether v is the zero value, no version at all.
func (v KernelVersion) IsZero() bool { return v == KernelVersion{} }

// ParseKernelVersion reads "6.18", "6.12.117", or a release string as
// uname -r and /proc/sys/kernel/osrelease give it ("6.12.117+deb13-amd64",
// "6.18.44-pvm-guest"): major, minor and, when present, patch.
func ParseKernelVersion(s string) (KernelVersion, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("kernel version %q: want MAJOR.MINOR[.PATCH], such as 6.18 or 6.12.117", s)
	// The numeric prefix: digits and dots, up to the first other byte.
	end := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num := s
	if end >= 0 {
		num = s[:end]
	}
	parts := strings.Split(strings.TrimSuffix(num, "."), ".")
	if len(parts) < 2 || len(parts) > 3 && end < 0 {
		return KernelVersion{}, bad
	}
	var n [3]int
	for i := 0; i < len(parts) && i < 3; i++ {
		v, err := strconv.Atoi(parts[i])
		if err != nil || v > 100000 {
			return KernelVersion{}, bad
		}
		n[i] = v
	}
	return KernelVersion{n[0], n[1], n[2]}, nil
}

// Versioned seccomp behaviour (docs/kernel-semantics.md §5, §6).
//
// The uretprobe exception (seccomp_uprobe_exception, kernel/seccomp.c) is
// commit cf6cb56ef244, "seccomp: passthrough uretprobe systemcall without
// filtering", in v6.14-rc2 and backported to 6.12.14 (the changelog of
// Debian's linux 6.12.117 lists it under ChangeLog-6.12.14); measured in a
// 6.12.117 guest, where a filter's ERRNO for 335 is ignored, and in 5.10
// and 6.1 guests, where it is applied. The uprobe exception is commit
// 89d1d8434d24, in 6.18. Its backport to 6.12.57 tests __NR_uprobe, which
// 6.12 lacks, so it changes nothing there: measured, a 6.12.117 guest
// applies the filter's ERRNO to 336. Whether and where 6.13.y took the
// uretprobe backport is not recorded here; 6.13 is taken to lack it.

// UretprobeBypass reports whether uretprobe (x86_64 nr 335) skips every
// seccomp filter on release v.
func (v KernelVersion) UretprobeBypass() bool {
	return v.AtLeast(6, 14, 0) || v.AtLeast(6, 12, 14) && !v.AtLeast(6, 13, 0)
}

// UprobeBypass reports whether uprobe (x86_64 nr 336) skips every seccomp
// filter on release v.
func (v KernelVersion) UprobeBypass() bool { return v.AtLeast(6, 18, 0) }

// ActionCache reports whether release v has the seccomp action cache
// (seccomp_cache_prepare, kernel/seccomp.c, from 5.11).
func (v KernelVersion) ActionCache() bool { return v.AtLeast(5, 11, 0) }

// NewestKnownKernel is the newest release whose seccomp behaviour bpfsim
// records (docs/kernel-semantics.md, Sources): the version to assume when
// no other is known.
func NewestKnownKernel() KernelVersion { return KernelVersion{Major: 6, Minor: 18} }
