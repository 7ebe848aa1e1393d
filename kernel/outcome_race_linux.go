//go:build linux && amd64 && race

package kernel

// Under the race detector sync/atomic calls into the race runtime, which a
// raw-forked copy of a Go thread must not enter (another thread may have
// held its locks at the fork). These out-of-line plain accesses cannot be
// removed or merged by the compiler, and aligned 8-byte accesses are
// single-copy atomic; on x86_64 (TSO) stores are also seen in order.

//go:nosplit
//go:noinline
//go:norace
func storeWord(p *uint64, v uint64) { *p = v }

//go:nosplit
//go:noinline
//go:norace
func loadWord(p *uint64) uint64 { return *p }
