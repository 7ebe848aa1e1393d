package seccompdata

import (
	"strings"
	"testing"
)

// Values from include/uapi/linux/seccomp.h (docs/kernel-semantics.md §5).
func TestActionValues(t *testing.T) {
	tests := []struct {
		a    Action
		want uint32
	}{
		{ActKillProcess, 0x80000000},
		{ActKillThread, 0x00000000},
		{ActTrap, 0x00030000},
		{ActErrno, 0x00050000},
		{ActUserNotif, 0x7fc00000},
		{ActTrace, 0x7ff00000},
		{ActLog, 0x7ffc0000},
		{ActAllow, 0x7fff0000},
	}
	for _, tt := range tests {
		if uint32(tt.a) != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.a.Name(), uint32(tt.a), tt.want)
		}
	}
	if ActionFullMask != 0xffff0000 || ActionLegacyMask != 0x7fff0000 || DataMask != 0xffff {
		t.Error("masks differ from SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ACTION, SECCOMP_RET_DATA")
	}
}

func TestActionString(t *testing.T) {
	tests := []struct {
		a     Action
		want  string
		name  string
		known bool
	}{
		{ActKillProcess, "KILL_PROCESS", "KILL_PROCESS", true},
		{ActKillProcess | 7, "KILL_PROCESS", "KILL_PROCESS", true},
		{ActKillThread, "KILL_THREAD", "KILL_THREAD", true},
		{ActTrap | 5, "TRAP(5)", "TRAP", true},
		{ActTrap, "TRAP(0)", "TRAP", true},
		{ActErrno | 1, "ERRNO(1)", "ERRNO", true},
		{ActErrno, "ERRNO(0)", "ERRNO", true},
		{ActErrno | 0xffff, "ERRNO(65535)", "ERRNO", true},
		{ActUserNotif, "USER_NOTIF", "USER_NOTIF", true},
		{ActTrace | 3, "TRACE(3)", "TRACE", true},
		{ActLog, "LOG", "LOG", true},
		{ActAllow, "ALLOW", "ALLOW", true},
		{ActAllow | 5, "ALLOW", "ALLOW", true},
		// Unknown kinds from docs/kernel-semantics.md §5.
		{0x00010000, "UNKNOWN(0x00010000)", "UNKNOWN", false},
		{0x7ffe0000, "UNKNOWN(0x7ffe0000)", "UNKNOWN", false},
		{0x80010000, "UNKNOWN(0x80010000)", "UNKNOWN", false},
		{0xc0000000, "UNKNOWN(0xc0000000)", "UNKNOWN", false},
		{0x00010005, "UNKNOWN(0x00010005)", "UNKNOWN", false},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("Action(%#x).String() = %q, want %q", uint32(tt.a), got, tt.want)
		}
		if got := tt.a.Name(); got != tt.name {
			t.Errorf("Action(%#x).Name() = %q, want %q", uint32(tt.a), got, tt.name)
		}
		if got := tt.a.Known(); got != tt.known {
			t.Errorf("Action(%#x).Known() = %v, want %v", uint32(tt.a), got, tt.known)
		}
	}
}

func TestActionKindData(t *testing.T) {
	a := Action(0x7ff00abc)
	if a.Kind() != ActTrace || a.Data() != 0xabc {
		t.Errorf("Kind, Data of %#x = %#x, %#x", uint32(a), uint32(a.Kind()), a.Data())
	}
}

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want Action
	}{
		{"KILL_PROCESS", ActKillProcess},
		{"kill_process", ActKillProcess},
		{"KILL_THREAD", ActKillThread},
		{"KILL", ActKillThread},
		{"SECCOMP_RET_KILL", ActKillThread},
		{"TRAP", ActTrap},
		{"TRAP(5)", ActTrap | 5},
		{"ERRNO", ActErrno},
		{"ERRNO(1)", ActErrno | 1},
		{"errno(0x10)", ActErrno | 16},
		{"ERRNO(EPERM)", ActErrno | 1},
		{"Errno(einval)", ActErrno | 22},
		{"ERRNO( 13 )", ActErrno | 13},
		{"ERRNO(65535)", ActErrno | 0xffff},
		{"SECCOMP_RET_ERRNO|EPERM", ActErrno | 1},
		{"SECCOMP_RET_ERRNO | 5", ActErrno | 5},
		{"SECCOMP_RET_ERRNO", ActErrno},
		{"USER_NOTIF", ActUserNotif},
		{"SECCOMP_RET_USER_NOTIF", ActUserNotif},
		{"TRACE(3)", ActTrace | 3},
		{"TRACE", ActTrace},
		{"LOG", ActLog},
		{"ALLOW", ActAllow},
		{"  allow  ", ActAllow},
		{"SECCOMP_RET_ALLOW", ActAllow},
		{"seccomp_ret_allow", ActAllow},
		{"ALLOW(7)", ActAllow | 7},
		{"0x7fff0000", ActAllow},
		{"2147418112", ActAllow},
		{"0", ActKillThread},
		{"0x00050001", ActErrno | 1},
		{"-1", 0xffffffff},
		{"UNKNOWN(0x00010000)", 0x00010000},
		{"unknown(0xc0000000)", 0xc0000000},
	}
	for _, tt := range tests {
		got, err := ParseAction(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAction(%q) = %v (%#x), %v; want %v (%#x)", tt.in, got, uint32(got), err, tt.want, uint32(tt.want))
		}
	}
}

func TestParseActionErrors(t *testing.T) {
	for _, in := range []string{
		"", "DENY", "ERRNO(", "ERRNO(1", "ERRNO()", "ERRNO(70000)", "ERRNO(EFOO)",
		"TRAP(EPERM)", "UNKNOWN", "UNKNOWN(x)", "0x100000000", "SECCOMP_RET_DATA", "ERRNO|",
	} {
		got, err := ParseAction(in)
		if err == nil {
			t.Errorf("ParseAction(%q) = %v, want an error", in, got)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "bad action ") {
			t.Errorf("ParseAction(%q) error %q", in, msg)
		}
	}
}

func TestParseActionRoundTrip(t *testing.T) {
	for _, a := range []Action{
		ActKillProcess, ActKillThread, ActTrap | 9, ActErrno, ActErrno | 4095,
		ActUserNotif, ActTrace | 0xffff, ActLog, ActAllow,
		0x00010000, 0x7ffe0000, 0x80010000, 0xc0000000, 0xffffffff,
	} {
		got, err := ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %#x, %v; want %#x", a.String(), uint32(got), err, uint32(a))
		}
	}
}

// run combines filter results the way seccomp_run_filters does
// (kernel/seccomp.c): start from ALLOW and walk from the newest filter to
// the oldest, replacing the result when Overrides says so.
func run(newestFirst ...Action) Action {
	ret := ActAllow
	for _, a := range newestFirst {
		if a.Overrides(ret) {
			ret = a
		}
	}
	return ret
}

// The cases are the live results of docs/kernel-semantics.md §5.
func TestOverridesStack(t *testing.T) {
	tests := []struct {
		name        string
		newestFirst []Action
		want        Action
	}{
		{"no filter returns less than ALLOW", []Action{ActAllow | 3}, ActAllow},
		{"newer ERRNO|2 over older ERRNO|1", []Action{ActErrno | 2, ActErrno | 1}, ActErrno | 2},
		{"newer ERRNO|1 over older ERRNO|2", []Action{ActErrno | 1, ActErrno | 2}, ActErrno | 1},
		{"TRACE vs ERRNO gives ERRNO", []Action{ActTrace, ActErrno | 1}, ActErrno | 1},
		{"ERRNO vs TRACE gives ERRNO", []Action{ActErrno | 1, ActTrace}, ActErrno | 1},
		{"TRAP vs ERRNO gives TRAP", []Action{ActErrno | 1, ActTrap | 2}, ActTrap | 2},
		{"old 0xc0000000 beats new KILL_THREAD", []Action{ActKillThread, 0xc0000000}, 0xc0000000},
		{"KILL_PROCESS beats everything", []Action{0xc0000000, ActKillProcess, ActKillThread}, ActKillProcess},
		{"LOG over ALLOW", []Action{ActAllow, ActLog}, ActLog},
		{"USER_NOTIF over TRACE", []Action{ActTrace | 1, ActUserNotif}, ActUserNotif},
		{"unknown 0x00010000 between KILL_THREAD and TRAP", []Action{ActTrap, 0x00010000}, 0x00010000},
		{"unknown 0x7ffe0000 between LOG and ALLOW", []Action{ActAllow, 0x7ffe0000, ActLog}, ActLog},
	}
	for _, tt := range tests {
		if got := run(tt.newestFirst...); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestOverridesOrder(t *testing.T) {
	// Lowest first: each overrides every later one and none of the earlier.
	order := []Action{ActKillProcess, 0xc0000000, ActKillThread, 0x00010000, ActTrap, ActErrno, ActUserNotif, ActTrace, ActLog, 0x7ffe0000, ActAllow}
	for i, a := range order {
		for j, b := range order {
			if got, want := a.Overrides(b), i < j; got != want {
				t.Errorf("%v.Overrides(%v) = %v, want %v", a, b, got, want)
			}
		}
		// Data never matters, and ties do not override.
		if (a | 0xffff).Overrides(a) || a.Overrides(a|0xffff) {
			t.Errorf("%v: data changes the order", a)
		}
	}
}
