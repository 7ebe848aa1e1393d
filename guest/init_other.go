//go:build !linux

package guest

// RunInitIfRequested does nothing off Linux: no guest runs this build.
func RunInitIfRequested() {}
