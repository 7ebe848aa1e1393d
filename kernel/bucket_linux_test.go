//go:build linux

package kernel

import (
	"path/filepath"
	"testing"
	"time"
)

// Two processes' pacers (here two handles on one file) share one ceiling:
// 100 creations at 1,000/s from both together owe 50ms beyond the 50 the
// bucket holds, whichever of them asks.
func TestSharedBucketIsShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bucket")
	a, err := openSharedBucket(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openSharedBucket(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var owed time.Duration
	for i := range 100 {
		h := a
		if i%2 == 1 {
			h = b
		}
		owed = h.take(now, 1, 1000)
	}
	if owed < 49*time.Millisecond || owed > 51*time.Millisecond {
		t.Errorf("after 100 takes at one instant, %v owed; want 50ms", owed)
	}
	// A second later the bucket is full again.
	if w := a.take(now.Add(time.Second), 1, 1000); w != 0 {
		t.Errorf("a second later: %v owed", w)
	}
}
