//go:build linux

package guest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

var kvmOnce struct {
	sync.Once
	ok bool
}

// kvmWorks boots the guest once under KVM with a 30-second deadline and
// reports whether it answered; the answer is kept for the process and in
// the cache (keyed by the host's kernel release), since on some hosts
// /dev/kvm exists but every guest hangs at boot.
func kvmWorks(ctx context.Context, opts Options) bool {
	kvmOnce.Do(func() {
		if _, err := os.Stat("/dev/kvm"); err != nil {
			return
		}
		var uts unix.Utsname
		unix.Uname(&uts)
		key := unix.ByteSliceToString(uts.Release[:])
		cache := filepath.Join(CacheDir(), "kvm-probe")
		if b, err := os.ReadFile(cache); err == nil {
			if f := strings.Fields(string(b)); len(f) == 2 && f[0] == key {
				kvmOnce.ok = f[1] == "ok"
				return
			}
		}
		o := opts
		o.Accel, o.BootTimeout = "kvm", 30*time.Second
		g, err := Open(ctx, o)
		if err == nil {
			kvmOnce.ok = true
			g.Close()
		}
		ans := "hangs"
		if kvmOnce.ok {
			ans = "ok"
		}
		os.MkdirAll(filepath.Dir(cache), 0o755)
		os.WriteFile(cache, []byte(key+" "+ans+"\n"), 0o644)
	})
	return kvmOnce.ok
}
