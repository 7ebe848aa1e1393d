//go:build linux

package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// fileBucket is a token bucket kept in a small file that every bpfsim
// process of one user locks (flock) around each take: the creation ceiling
// holds for all of them together, fuzzing workers and parallel commands
// included. The file holds the tokens (float64 bits) and the time of the
// last fill (Unix nanoseconds).
type fileBucket struct {
	f *os.File
}

// sharedBucketPath is where the user's bucket lives: /dev/shm when it
// exists (memory, gone at reboot), else the temporary directory.
func sharedBucketPath() string {
	dir := "/dev/shm"
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = os.TempDir()
	}
	return filepath.Join(dir, fmt.Sprintf("bpfsim-pacer-%d", os.Getuid()))
}

// openSharedBucket opens (creating it if need be) the user's bucket.
func openSharedBucket(path string) (*fileBucket, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &fileBucket{f: f}, nil
}

func (b *fileBucket) take(now time.Time, n int, maxRate float64) time.Duration {
	fd := int(b.f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return 0 // no lock, no ceiling: the backlog signals still hold
	}
	defer unix.Flock(fd, unix.LOCK_UN)
	var buf [16]byte
	var tokens float64
	var filled time.Time
	if m, _ := b.f.ReadAt(buf[:], 0); m == len(buf) {
		tokens = math.Float64frombits(binary.LittleEndian.Uint64(buf[:8]))
		filled = time.Unix(0, int64(binary.LittleEndian.Uint64(buf[8:])))
		if math.IsNaN(tokens) || math.IsInf(tokens, 0) {
			filled = time.Time{}
		}
	}
	tokens, filled, wait := takeTokens(tokens, filled, now, n, maxRate)
	binary.LittleEndian.PutUint64(buf[:8], math.Float64bits(tokens))
	binary.LittleEndian.PutUint64(buf[8:], uint64(filled.UnixNano()))
	b.f.WriteAt(buf[:], 0)
	return wait
}
