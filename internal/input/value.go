package input

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bpfsim/bpfsim/internal/consts"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// ParseValue reads an argument or instruction pointer of a call on arch,
// as the command line (--arg0..5, --args, --ip), --input lines and
// expectation files write them: an unsigned number in Go syntax
// (0x7fff, 0o644, 4096), a negative number (-100), or a symbolic constant
// of arch (AT_FDCWD, O_RDONLY, internal/consts), or several of these
// joined by | and ORed (CLONE_NEWUSER|CLONE_NEWNS, O_WRONLY|O_CREAT|0x8000).
//
// A negative value is what the kernel sees when a C int or long holds it:
// sign-extended to 64 bits where registers are 64 bits wide (x86_64, x32,
// aarch64 ...), and a 32-bit value where they are 32 bits wide (i386, arm,
// mips: -100 is 0xffffff9c), as syscall_get_arguments copies a 32-bit
// register into args[i].
func ParseValue(s string, arch seccompdata.Arch) (uint64, error) {
	if v, err := ParseUint64(s); err == nil {
		return v, nil
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty value")
	}
	var v uint64
	for _, term := range strings.Split(t, "|") {
		x, err := parseTerm(strings.TrimSpace(term), arch)
		if err != nil {
			return 0, err
		}
		v |= x
	}
	return v, nil
}

func parseTerm(s string, arch seccompdata.Arch) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty term in a value joined by |")
	}
	if c := s[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		if v, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, 64); err == nil {
			return v, nil
		}
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return 0, fmt.Errorf("%q does not fit in 64 bits", s)
			}
			return 0, fmt.Errorf("%q is not a number", s)
		}
		return signed(v, s, arch)
	}
	v, ok := consts.Lookup(arch, s)
	if !ok {
		if arch.GOARCH == "" && arch.Name != "x32" {
			return 0, fmt.Errorf("%q: no constants are known on %s; write the number", s, arch)
		}
		return 0, fmt.Errorf("%q is not a number or a constant bpfsim knows on %s (AT_, O_, CLONE_, PROT_, MAP_, SOCK_, AF_, F_, MS_ ...)", s, arch)
	}
	return signed(v, s, arch)
}

// signed converts a value a C int or long holds to the u64 a filter sees
// on arch (see ParseValue).
func signed(v int64, s string, arch seccompdata.Arch) (uint64, error) {
	if v >= 0 {
		return uint64(v), nil
	}
	if arch.Bits == 32 && arch.NrBit == 0 {
		if v < math.MinInt32 {
			return 0, fmt.Errorf("%q does not fit in 32 bits, and %s registers are 32 bits wide", s, arch)
		}
		return uint64(uint32(int32(v))), nil
	}
	return uint64(v), nil
}
