package seccompdata

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
