package seccompdata

import (
	"strings"
	"testing"
)

// Expected numbers from include/uapi/asm-generic/errno-base.h and errno.h,
// arch/mips/include/uapi/asm/errno.h and arch/powerpc/include/uapi/asm/errno.h.
func TestErrnoTables(t *testing.T) {
	tests := []struct {
		arch, name string
		num        uint16
	}{
		{"x86_64", "EPERM", 1},
		{"x86_64", "EAGAIN", 11},
		{"x86_64", "EINVAL", 22},
		{"x86_64", "EDEADLK", 35},
		{"x86_64", "ENOSYS", 38},
		{"x86_64", "EOPNOTSUPP", 95},
		{"x86_64", "EDQUOT", 122},
		{"x86_64", "EHWPOISON", 133},
		{"x32", "ENOSYS", 38},
		{"i386", "ENOSYS", 38},
		{"aarch64", "ENOSYS", 38},
		{"arm", "EOPNOTSUPP", 95},
		{"ppc64", "EDEADLOCK", 58}, // powerpc keeps the old EDEADLOCK
		{"ppc64le", "ENOSYS", 38},
		{"mips", "EPERM", 1},
		{"mips", "EAGAIN", 11},
		{"mips", "EDEADLK", 45},
		{"mips", "ENOSYS", 89},
		{"mips", "EOPNOTSUPP", 122},
		{"mips", "EDQUOT", 1133},
		{"mipsel", "ENOSYS", 89},
		{"mips64", "ENOSYS", 89},
		{"mips64el", "ENOSYS", 89},
	}
	for _, tt := range tests {
		a := mustArch(t, tt.arch)
		if got, ok := a.ErrnoByName(tt.name); !ok || got != tt.num {
			t.Errorf("%s.ErrnoByName(%q) = %d, %v; want %d", tt.arch, tt.name, got, ok, tt.num)
		}
		if got, ok := a.ErrnoName(tt.num); !ok || got != tt.name {
			t.Errorf("%s.ErrnoName(%d) = %q, %v; want %q", tt.arch, tt.num, got, ok, tt.name)
		}
	}
}

func TestErrnoAliases(t *testing.T) {
	tests := []struct {
		arch, name string
		num        uint16
	}{
		{"x86_64", "EWOULDBLOCK", 11},
		{"x86_64", "ewouldblock", 11},
		{"x86_64", "EDEADLOCK", 35},
		{"x86_64", "ENOTSUP", 95},
		{"mips", "ENOTSUP", 122},
		{"mips", "EDEADLOCK", 56},
		{"x86_64", " eperm ", 1},
	}
	for _, tt := range tests {
		if got, ok := mustArch(t, tt.arch).ErrnoByName(tt.name); !ok || got != tt.num {
			t.Errorf("%s.ErrnoByName(%q) = %d, %v; want %d", tt.arch, tt.name, got, ok, tt.num)
		}
	}
	for _, name := range []string{"", "E", "EFOO", "SIGSYS"} {
		if n, ok := mustArch(t, "x86_64").ErrnoByName(name); ok {
			t.Errorf("ErrnoByName(%q) = %d, want no errno", name, n)
		}
	}
	if name, ok := mustArch(t, "x86_64").ErrnoName(0); ok {
		t.Errorf("ErrnoName(0) = %q, want none", name)
	}
}

func TestErrnoString(t *testing.T) {
	tests := []struct {
		e    Errno
		want string
	}{
		{EPERM, "EPERM"},
		{ESRCH, "ESRCH"},
		{ENOMEM, "ENOMEM"},
		{EACCES, "EACCES"},
		{EFAULT, "EFAULT"},
		{EBUSY, "EBUSY"},
		{EINVAL, "EINVAL"},
		{ENOSYS, "ENOSYS"},
		{EOPNOTSUPP, "EOPNOTSUPP"},
		{11, "EAGAIN"},
		{0, "errno 0"},
		{4000, "errno 4000"},
		{65535, "errno 65535"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("Errno(%d).String() = %q, want %q", uint16(tt.e), got, tt.want)
		}
	}
}

func TestParseErrno(t *testing.T) {
	tests := []struct {
		in   string
		want Errno
	}{
		{"EPERM", 1},
		{"eperm", 1},
		{" EINVAL ", 22},
		{"EWOULDBLOCK", 11},
		{"ENOTSUP", 95},
		{"1", 1},
		{"0", 0},
		{"0x16", 22},
		{"4095", 4095},
		{"65535", 65535},
	}
	for _, tt := range tests {
		got, err := ParseErrno(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseErrno(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "EFOO", "65536", "-1", "1.5", "ERRNO"} {
		if got, err := ParseErrno(in); err == nil {
			t.Errorf("ParseErrno(%q) = %d, want an error", in, got)
		} else if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "bad errno ") {
			t.Errorf("ParseErrno(%q) error %q", in, msg)
		}
	}
	// Every x86_64 name parses back to its number.
	for n := 0; n < 200; n++ {
		e := Errno(n)
		if strings.HasPrefix(e.String(), "errno ") {
			continue
		}
		if got, err := ParseErrno(e.String()); err != nil || got != e {
			t.Errorf("ParseErrno(%q) = %d, %v; want %d", e.String(), got, err, n)
		}
	}
}
