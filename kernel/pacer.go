package kernel

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Why the helper paces the creation of programs, and on what.
//
// Every seccomp filter the oracle installs, and every program it only
// offers (a verdict), is a BPF program: converted to eBPF and, where the
// JIT is on, compiled into a shared "pack" (bpf_prog_pack_alloc,
// kernel/bpf/core.c, under pack_mutex). Its free is deferred to the system
// workqueue (bpf_prog_free -> bpf_prog_free_deferred). A free that empties
// a whole pack calls vfree under pack_mutex (bpf_prog_pack_free), which
// can wait in _vm_unmap_aliases for vmap_purge_lock (mm/vmalloc.c). That
// lock's holder, drain_vmap_area_work, waits in __purge_vmap_area_lazy for
// purge work it queued on the same system workqueue. When max_active work
// items of that workqueue are already blocked on pack_mutex, the purge
// work never starts: every later filter install sleeps forever in D
// state, and only a reboot helps (docs/kernel-semantics.md §10.20, seen on
// 6.18.44 with two fuzz workers creating thousands of programs a second).
//
// So what must stay small is the number of deferred frees in flight, and
// the kernel shows it in three places, from cheapest to most precise:
//
//   - the latency of our own creation: bpf_prog_pack_alloc takes the
//     pack_mutex that a stuck free holds, so a slow seccomp(2) is the
//     first sign, and it costs nothing to measure;
//   - the number of threads (/proc/loadavg): a blocked work item keeps its
//     kworker, and the workqueue starts new kworkers for the items behind
//     it (kernel/workqueue.c), so a backlog shows as a jump in threads;
//   - the kworkers in uninterruptible sleep, counted in /proc, and among
//     them those whose kernel stack shows bpf_prog_free_deferred or
//     bpf_prog_pack_* (Health.DeferredFrees): the backlog itself. Reading
//     every task's stat costs about a millisecond per few hundred tasks,
//     so it is read once a second, or at once when one of the cheaper
//     signals moves; only the few D-state kworkers' stacks are read.
//
// The pacer stops creating while Health.Backlog is at or above highWater
// and resumes when it has drained to lowWater; the deadlock needs about
// 1,024. Backlog counts kworkers in D state as before, less those whose
// readable stack shows them blocked on something else than a BPF free
// (writeback, say): as root it is exactly the deferred frees, so an
// unrelated I/O stall no longer brakes the oracle; where stacks cannot be
// read it is every D-state kworker, the old, cautious count. The
// thresholds keep their meaning: blocked deferred frees.
// Every process (and every oracle in a process) reads the same system-wide
// signal, so several processes and Go's fuzzing workers all brake together.
// On top, a rate ceiling keeps every bpfsim process of a user together
// from creating more than maxRate programs a second even on a kernel that
// shows nothing yet: the token bucket lives in a file that they all lock
// (bucket_linux.go), so two fuzzing workers share one ceiling.

// signals is where a pacer reads the kernel's state: the host's /proc, or
// a fault-injecting stand-in.
type signals interface {
	// threads is the cheap signal: the number of threads in the system.
	threads() (int, error)
	// health is the precise one.
	health(log bool) Health
}

// pacerConfig holds a pacer's thresholds.
type pacerConfig struct {
	highWater, lowWater int           // Health.Backlog: stop at high, resume at low
	threadJump          int           // threads above the last precise reading that call for another
	cheapEvery          time.Duration // how often to read the thread count
	preciseEvery        time.Duration // how often to count D-state tasks anyway
	slowCreate          time.Duration // a creation slower than this calls for a precise reading
	retry               time.Duration // how often to look again while braked
	maxRate             float64       // programs a second, at most
	burst               int           // a request for this many programs or more reads precisely first
}

var errShortLoadavg = errors.New("unexpected /proc/loadavg format")

func defaultPacerConfig() pacerConfig {
	return pacerConfig{
		highWater:    16,
		lowWater:     4,
		threadJump:   32,
		cheapEvery:   5 * time.Millisecond,
		preciseEvery: time.Second,
		slowCreate:   20 * time.Millisecond,
		retry:        50 * time.Millisecond,
		maxRate:      3000,
		burst:        64,
	}
}

// pacer admits the creation of BPF programs; see above for why.
type pacer struct {
	cfg pacerConfig
	sig signals
	// delay is added to every creation: the slow-create fault.
	delay time.Duration

	mu          sync.Mutex
	lastCheap   time.Time
	lastPrecise time.Time
	baseThreads int
	braked      bool
	suspect     bool // a slow creation was seen: read precisely next time
	last        Health
	// bucket is the rate ceiling: shared by the user's processes where
	// the file can be had, else this pacer's own.
	bucket bucket

	// counters, for tests and benchmarks
	precise, brakes int
}

func newPacer(sig signals, cfg pacerConfig) *pacer {
	return &pacer{cfg: cfg, sig: sig, bucket: &localBucket{}}
}

// bucket is a token bucket holding up to maxRate/20 creations (50ms
// worth), refilled at maxRate.
type bucket interface {
	// take takes n tokens, going into debt when it holds fewer, and
	// returns how long the caller must wait for the debt to be paid.
	take(now time.Time, n int, maxRate float64) time.Duration
}

// localBucket is a bucket in memory; callers hold the pacer's lock.
type localBucket struct {
	tokens float64
	filled time.Time
}

func (b *localBucket) take(now time.Time, n int, maxRate float64) time.Duration {
	var wait time.Duration
	b.tokens, b.filled, wait = takeTokens(b.tokens, b.filled, now, n, maxRate)
	return wait
}

// takeTokens is the bucket's arithmetic: from tokens last filled at
// filled, refill to now and take n.
func takeTokens(tokens float64, filled, now time.Time, n int, maxRate float64) (float64, time.Time, time.Duration) {
	capacity := max(maxRate/20, 1)
	if filled.IsZero() || now.Before(filled) {
		tokens = capacity
	} else {
		tokens = min(capacity, tokens+now.Sub(filled).Seconds()*maxRate)
	}
	tokens -= float64(n)
	if tokens >= 0 {
		return tokens, now, 0
	}
	return tokens, now, time.Duration(-tokens / maxRate * float64(time.Second))
}

// admit returns when n programs may be created, or a *StallError (Backlog,
// with Op left for the caller) when ctx ends while the kernel's backlog
// has not drained.
func (p *pacer) admit(ctx context.Context, n int) error {
	start := time.Now()
	for {
		p.mu.Lock()
		now := time.Now()
		precise := p.braked || p.suspect || n >= p.cfg.burst || now.Sub(p.lastPrecise) >= p.cfg.preciseEvery
		if !precise && now.Sub(p.lastCheap) >= p.cfg.cheapEvery {
			p.lastCheap = now
			if t, err := p.sig.threads(); err == nil && p.baseThreads > 0 && t >= p.baseThreads+p.cfg.threadJump {
				precise = true
			}
		}
		if precise {
			h := p.sig.health(false)
			p.precise++
			p.lastPrecise, p.suspect, p.last = now, false, h
			if h.Err == "" {
				p.baseThreads = h.Threads
				switch {
				case h.Backlog() >= p.cfg.highWater:
					if !p.braked {
						p.brakes++
					}
					p.braked = true
				case h.Backlog() <= p.cfg.lowWater:
					p.braked = false
				}
			}
		}
		if !p.braked {
			wait := p.bucket.take(now, n, p.cfg.maxRate)
			p.mu.Unlock()
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
			}
			return nil
		}
		h := p.last
		p.mu.Unlock()
		t := time.NewTimer(p.cfg.retry)
		select {
		case <-ctx.Done():
			t.Stop()
			h.HungTask = p.sig.health(true).HungTask
			return &StallError{After: time.Since(start), Backlog: true, Health: h}
		case <-t.C:
		}
	}
}

// observe records how long one creation took.
func (p *pacer) observe(d time.Duration) {
	if d < p.cfg.slowCreate {
		return
	}
	p.mu.Lock()
	p.suspect = true
	p.mu.Unlock()
}

// timed runs create, reporting its duration to the pacer.
func (p *pacer) timed(create func()) {
	start := time.Now()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	create()
	p.observe(time.Since(start))
}
