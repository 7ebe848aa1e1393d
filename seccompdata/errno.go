package seccompdata

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Errno is a Linux error number as the kernel returns it (asm-generic
// numbering, which x86_64 uses).
type Errno uint16

// Errnos the verifier and the action model refer to by name
// (include/uapi/asm-generic/errno-base.h, errno.h).
const (
	EPERM      Errno = 1
	ESRCH      Errno = 3
	EFAULT     Errno = 14
	EBUSY      Errno = 16
	EACCES     Errno = 13
	ENOMEM     Errno = 12
	EINVAL     Errno = 22
	ENOSYS     Errno = 38
	EOPNOTSUPP Errno = 95
)

// errnoEntry is one row of a generated errno table (zsyscalls.go).
type errnoEntry struct {
	num  uint16
	name string
}

// ErrnoName returns the name of errno n on a ("EINVAL"). Where the kernel
// headers give one number two names, the name is x/sys's errorList choice
// (EAGAIN, EDEADLK), except that EOPNOTSUPP is preferred to glibc's ENOTSUP.
// Numbers differ between arches: ENOSYS is 38 on x86_64 and 89 on mips.
func (a Arch) ErrnoName(n uint16) (string, bool) {
	tab, _ := errnoTable(a.Name)
	i := sort.Search(len(tab), func(i int) bool { return tab[i].num >= n })
	if i < len(tab) && tab[i].num == n {
		return tab[i].name, true
	}
	return "", false
}

// ErrnoByName returns the number of the named errno on a. The name is
// matched case-insensitively and may be an alias (EWOULDBLOCK, EDEADLOCK,
// ENOTSUP).
func (a Arch) ErrnoByName(name string) (uint16, bool) {
	_, tab := errnoTable(a.Name)
	name = strings.ToUpper(strings.TrimSpace(name))
	i := sort.Search(len(tab), func(i int) bool { return tab[i].name >= name })
	if i < len(tab) && tab[i].name == name {
		return tab[i].num, true
	}
	return 0, false
}

// String returns the x86_64 (asm-generic) name of e, such as "EINVAL", or
// "errno 4000" for a number without a name.
func (e Errno) String() string {
	if name, ok := archTable[0].ErrnoName(uint16(e)); ok {
		return name
	}
	return "errno " + strconv.Itoa(int(e))
}

// ParseErrno reads an errno written as an x86_64 (asm-generic) name in any
// case ("EPERM", "eagain", "EWOULDBLOCK") or as a number from 0 to 65535 in
// decimal, hex (0x..), octal (0o.. or a leading 0) or binary (0b..).
func ParseErrno(s string) (Errno, error) {
	t := strings.TrimSpace(s)
	if n, ok := archTable[0].ErrnoByName(t); ok {
		return Errno(n), nil
	}
	if n, err := strconv.ParseUint(t, 0, 16); err == nil {
		return Errno(n), nil
	}
	return 0, fmt.Errorf("bad errno %q: want a name such as EPERM or a number from 0 to 65535", s)
}
