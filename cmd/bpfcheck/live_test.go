package main

import (
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/internal/kerneltest"
)

// --live re-executes the test binary as the oracle's helper.
func TestMain(m *testing.M) { kerneltest.Main(m) }

// The kernel's verdicts for these files are EINVAL for div #0 and for a
// read of an unwritten scratch slot (kernel-semantics.md §2.1, §2.2), and
// acceptance for the real filters; bpfcheck must agree and say so.
func TestLive(t *testing.T) {
	kerneltest.Require(t)
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"--live", "--each", "../../corpus/filters/qemu-system-x86_7.2_sandbox-on.bpf", "testdata/divzero.asm"}, 1,
			[]string{"kernel: accepted; agrees", "kernel: rejected with EINVAL; agrees"}},
		{[]string{"--live", "--mode", "socket", "testdata/many.asm"}, 1, []string{"kernel: rejected with EINVAL; agrees"}},
		{[]string{"--live", "testdata/allow.asm", "testdata/divzero.asm"}, 1, []string{"kernel: rejected with EINVAL at filter 1; agrees"}},
		{[]string{"--live", "--json", "testdata/allow.asm"}, 0, []string{`"kernel":{"accepted":true,"errno":"","failed_index":-1,"agrees":true}`}},
	}
	for _, tc := range tests {
		code, out, errOut := runCheck(tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}
