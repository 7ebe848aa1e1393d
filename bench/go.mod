// The side-by-side benchmarks: a module of their own, so that x/net/bpf and
// gVisor stay out of bpfsim's dependencies and out of "go test ./..." at the
// root. gVisor's "go" branch has no tags; the version is the pseudo-version
// the Go module proxy served as latest when this was set up.
module github.com/bpfsim/bpfsim/bench

go 1.26.3

require (
	github.com/bpfsim/bpfsim v0.0.0
	golang.org/x/net v0.62.0
	gvisor.dev/gvisor v0.0.0-20260905035102-160fafc42237
)

require (
	golang.org/x/exp v0.0.0-20250711185948-6ae5c78190dc // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/time v0.15.0 // indirect
)

replace github.com/bpfsim/bpfsim => ../
