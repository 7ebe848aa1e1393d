package seccompdata

import (
	"fmt"
	"strconv"
	"strings"
)

// Action is the full 32-bit value a seccomp filter returns: the action in
// the upper 16 bits and its data in the lower 16 (include/uapi/linux/seccomp.h).
type Action uint32

// Action values, SECCOMP_RET_* in include/uapi/linux/seccomp.h.
const (
	ActKillProcess Action = 0x80000000
	ActKillThread  Action = 0x00000000
	ActTrap        Action = 0x00030000
	ActErrno       Action = 0x00050000
	ActUserNotif   Action = 0x7fc00000
	ActTrace       Action = 0x7ff00000
	ActLog         Action = 0x7ffc0000
	ActAllow       Action = 0x7fff0000
)

// Masks, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ACTION and SECCOMP_RET_DATA.
const (
	ActionFullMask   = 0xffff0000
	ActionLegacyMask = 0x7fff0000
	DataMask         = 0x0000ffff
)

// Kind returns the action part of a, with the data cleared
// (a & SECCOMP_RET_ACTION_FULL).
func (a Action) Kind() Action { return a & ActionFullMask }

// Data returns the 16-bit data part of a (a & SECCOMP_RET_DATA).
func (a Action) Data() uint16 { return uint16(a & DataMask) }

// Known reports whether a's kind is one of the eight actions the kernel
// implements, the ones SECCOMP_GET_ACTION_AVAIL accepts
// (seccomp_get_action_avail, kernel/seccomp.c). A filter may return any
// other kind; __seccomp_filter then treats it as KILL_PROCESS.
func (a Action) Known() bool {
	switch a.Kind() {
	case ActKillProcess, ActKillThread, ActTrap, ActErrno, ActUserNotif, ActTrace, ActLog, ActAllow:
		return true
	}
	return false
}

// Name returns the name of a's kind without data: "KILL_PROCESS",
// "KILL_THREAD", "TRAP", "ERRNO", "USER_NOTIF", "TRACE", "LOG", "ALLOW", or
// "UNKNOWN".
func (a Action) Name() string {
	switch a.Kind() {
	case ActKillProcess:
		return "KILL_PROCESS"
	case ActKillThread:
		return "KILL_THREAD"
	case ActTrap:
		return "TRAP"
	case ActErrno:
		return "ERRNO"
	case ActUserNotif:
		return "USER_NOTIF"
	case ActTrace:
		return "TRACE"
	case ActLog:
		return "LOG"
	case ActAllow:
		return "ALLOW"
	}
	return "UNKNOWN"
}

// String returns a as "ERRNO(1)", "TRAP(5)" or "TRACE(3)" for the actions
// whose data the kernel uses (errno, si_errno, the ptrace event message),
// as the bare name for the other known actions ("ALLOW", "KILL_PROCESS"),
// and as "UNKNOWN(0x00010000)", the full value, for any other kind.
// ParseAction reads every form String writes.
func (a Action) String() string {
	switch a.Kind() {
	case ActTrap, ActErrno, ActTrace:
		return a.Name() + "(" + strconv.Itoa(int(a.Data())) + ")"
	}
	if !a.Known() {
		return fmt.Sprintf("UNKNOWN(0x%08x)", uint32(a))
	}
	return a.Name()
}

// Overrides reports whether a, returned by one filter, replaces cur, the
// result so far, when the kernel combines a stack of filters: it does when
// the signed value of a's action part is lower (seccomp_run_filters,
// kernel/seccomp.c, ACTION_ONLY). Filters run newest first and a tie keeps
// cur, so the newest of equally ranked filters wins together with its data.
// The order is KILL_PROCESS < (unknown kinds with the top bit set) <
// KILL_THREAD < TRAP < ERRNO < USER_NOTIF < TRACE < LOG < ALLOW, with
// other unknown kinds ranked by value among them.
func (a Action) Overrides(cur Action) bool {
	return int32(a&ActionFullMask) < int32(cur&ActionFullMask)
}

// Combine returns the value the kernel acts on for a stack of filters whose
// own return values are rets, in install order (rets[0] the oldest), and
// the index of the filter it came from: seccomp_run_filters
// (kernel/seccomp.c) starts from ALLOW and runs the filters newest first,
// and a value replaces the current one when it Overrides it. When no
// filter overrides ALLOW, ret is exactly 0x7fff0000 (ALLOW's data from the
// filters is dropped) and filter is -1, as the kernel leaves its match
// pointer NULL.
func Combine(rets []uint32) (ret uint32, filter int) {
	ret, filter = uint32(ActAllow), -1
	for i := len(rets) - 1; i >= 0; i-- {
		if Action(rets[i]).Overrides(Action(ret)) {
			ret, filter = rets[i], i
		}
	}
	return ret, filter
}

// actionKind maps an upper-case name, with or without SECCOMP_RET_, to its
// kind.
func actionKind(name string) (Action, bool) {
	switch strings.TrimPrefix(name, "SECCOMP_RET_") {
	case "KILL_PROCESS":
		return ActKillProcess, true
	case "KILL_THREAD", "KILL":
		return ActKillThread, true
	case "TRAP":
		return ActTrap, true
	case "ERRNO":
		return ActErrno, true
	case "USER_NOTIF":
		return ActUserNotif, true
	case "TRACE":
		return ActTrace, true
	case "LOG":
		return ActLog, true
	case "ALLOW":
		return ActAllow, true
	}
	return 0, false
}

// parseNumber reads a 32-bit value in Go/C notation; negative numbers down
// to -2^31 are taken as two's complement, as "ret #-1" means 0xffffffff.
func parseNumber(s string) (uint32, bool) {
	if n, err := strconv.ParseUint(s, 0, 32); err == nil {
		return uint32(n), true
	}
	if n, err := strconv.ParseInt(s, 0, 32); err == nil {
		return uint32(int32(n)), true
	}
	return 0, false
}

// ParseAction reads an action in any case as String writes it ("ERRNO(1)",
// "KILL_PROCESS", "UNKNOWN(0x00010000)"), with or without the SECCOMP_RET_
// prefix, with data in parentheses or after "|" ("SECCOMP_RET_ERRNO|EPERM"),
// or as a plain number (0x7fff0000, 2147418112). KILL means KILL_THREAD. A
// name without data has data 0. ERRNO's data may be an errno name (x86_64
// numbering): "ERRNO(EPERM)" is ERRNO(1).
func ParseAction(s string) (Action, error) {
	t := strings.TrimSpace(s)
	if n, ok := parseNumber(t); ok {
		return Action(n), nil
	}
	u := strings.ToUpper(t)
	name, data, hasData := u, "", false
	if i := strings.IndexByte(u, '('); i >= 0 {
		if !strings.HasSuffix(u, ")") {
			return 0, fmt.Errorf("bad action %q: missing closing parenthesis", s)
		}
		name, data, hasData = u[:i], u[i+1:len(u)-1], true
	} else if i := strings.IndexByte(u, '|'); i >= 0 {
		name, data, hasData = u[:i], u[i+1:], true
	}
	name, data = strings.TrimSpace(name), strings.TrimSpace(data)
	if name == "UNKNOWN" {
		n, ok := parseNumber(data)
		if !hasData || !ok {
			return 0, fmt.Errorf("bad action %q: UNKNOWN needs the full value, as in UNKNOWN(0x00010000)", s)
		}
		return Action(n), nil
	}
	kind, ok := actionKind(name)
	if !ok {
		return 0, fmt.Errorf("bad action %q: want KILL_PROCESS, KILL_THREAD, KILL, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW or a number", s)
	}
	if !hasData {
		return kind, nil
	}
	if n, err := strconv.ParseUint(data, 0, 32); err == nil {
		if n > DataMask {
			return 0, fmt.Errorf("bad action %q: data %d does not fit in 16 bits", s, n)
		}
		return kind | Action(n), nil
	}
	if kind == ActErrno {
		if n, ok := archTable[0].ErrnoByName(data); ok {
			return kind | Action(n), nil
		}
	}
	return 0, fmt.Errorf("bad action %q: data %q is not a number from 0 to 65535 or, for ERRNO, an errno name", s, data)
}
