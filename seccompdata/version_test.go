package seccompdata_test

import (
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

func TestKernelVersionRules(t *testing.T) {
	// Expected values: the commits and stable releases cited in version.go
	// and docs/kernel-semantics.md §5, §6; the 5.10, 6.1 and 6.12.117 rows
	// were also measured in guests (guest.TestBypass).
	for _, c := range []struct {
		release                  string
		uretprobe, uprobe, cache bool
	}{
		{"5.10.0-32-amd64", false, false, false},
		{"5.11", false, false, true},
		{"6.1.0-50-amd64", false, false, true},
		{"6.12", false, false, true},
		{"6.12.13", false, false, true},
		{"6.12.14", true, false, true},
		{"6.12.117+deb13-amd64", true, false, true},
		{"6.13.9", false, false, true},
		{"6.14-rc2", true, false, true},
		{"6.17.1", true, false, true},
		{"6.18.44-pvm-guest", true, true, true},
		{"7.0", true, true, true},
	} {
		v, err := seccompdata.ParseKernelVersion(c.release)
		if err != nil {
			t.Fatalf("%s: %v", c.release, err)
		}
		if got := v.UretprobeBypass(); got != c.uretprobe {
			t.Errorf("%s: uretprobe bypass %v, want %v", c.release, got, c.uretprobe)
		}
		if got := v.UprobeBypass(); got != c.uprobe {
			t.Errorf("%s: uprobe bypass %v, want %v", c.release, got, c.uprobe)
		}
		if got := v.ActionCache(); got != c.cache {
			t.Errorf("%s: action cache %v, want %v", c.release, got, c.cache)
		}
	}
}

func TestParseKernelVersion(t *testing.T) {
	for in, want := range map[string]seccompdata.KernelVersion{
		"6.18":                 {Major: 6, Minor: 18},
		"6.12.117":             {Major: 6, Minor: 12, Patch: 117},
		"6.12.117+deb13-amd64": {Major: 6, Minor: 12, Patch: 117},
		"5.10.0-32-amd64\n":    {Major: 5, Minor: 10},
		"6.19-rc4":             {Major: 6, Minor: 19},
	} {
		if v, err := seccompdata.ParseKernelVersion(in); err != nil || v != want {
			t.Errorf("%q: %v, %v; want %v", in, v, err, want)
		}
	}
	for _, in := range []string{"", "6", "six.one", "6.x", "6..1", "1.2.3.4", "-6.1"} {
		if v, err := seccompdata.ParseKernelVersion(in); err == nil {
			t.Errorf("%q: %v, want an error", in, v)
		}
	}
}
