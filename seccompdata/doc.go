// Package seccompdata is the kernel's seccomp ABI as data: struct
// seccomp_data and its encoding, the AUDIT_ARCH table, per-arch syscall
// tables, SECCOMP_RET_* action values and errno names.
package seccompdata
