//go:build !linux

package kernel_test

// holdFilters is never asked for where there is no seccomp.
func holdFilters() {}
