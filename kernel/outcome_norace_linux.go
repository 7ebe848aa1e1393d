//go:build linux && amd64 && !race

package kernel

import "sync/atomic"

// storeWord and loadWord are the target's only way to talk to the parent.
// Without the race detector sync/atomic compiles to plain instructions, so
// they are safe in the nosplit code of a raw-forked copy of a Go thread.

//go:nosplit
//go:norace
func storeWord(p *uint64, v uint64) { atomic.StoreUint64(p, v) }

//go:nosplit
//go:norace
func loadWord(p *uint64) uint64 { return atomic.LoadUint64(p) }
