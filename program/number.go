package program

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseUnsigned reads the magnitude of a number as bpf_asm's lexer and C
// both write them: 0x hex, 0b binary, 0 followed by octal digits, or
// decimal. hex reports the 0x form. A number that does not fit in 64 bits
// is an error, not a silent saturation.
func parseUnsigned(s string) (v uint64, hex bool, err error) {
	lower := strings.ToLower(s)
	digits, base := lower, 10
	switch {
	case strings.HasPrefix(lower, "0x"):
		digits, base = lower[2:], 16
	case strings.HasPrefix(lower, "0b"):
		digits, base = lower[2:], 2
	case len(lower) > 1 && lower[0] == '0':
		digits, base = lower[1:], 8
	}
	v, err = strconv.ParseUint(digits, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, false, fmt.Errorf("number %s does not fit in 64 bits", s)
		}
		return 0, false, fmt.Errorf("malformed number %q", s)
	}
	return v, base == 16, nil
}
