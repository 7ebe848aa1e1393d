package kernel

import (
	"testing"
	"time"
)

// The helper's deadline is relative to when it read the request, so a
// guest whose clock is off by hours still gives up just before the caller.
func TestServerDeadline(t *testing.T) {
	received := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // a guest clock far from the host's
	for _, c := range []struct {
		budget, want time.Duration
	}{
		{5 * time.Second, 4500 * time.Millisecond}, // a tenth earlier
		{60 * time.Second, 59 * time.Second},       // at most a second earlier
		{100 * time.Millisecond, 90 * time.Millisecond},
		{0, 0},
	} {
		if got := serverDeadline(received, c.budget).Sub(received); got != c.want {
			t.Errorf("budget %v: the helper gives up after %v, want %v", c.budget, got, c.want)
		}
	}
}
