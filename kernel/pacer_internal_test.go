package kernel

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// fakeSignals is a kernel whose backlog the test sets.
type fakeSignals struct {
	dkworkers atomic.Int64
	nthreads  atomic.Int64
	reads     atomic.Int64 // precise readings taken
}

func (f *fakeSignals) threads() (int, error) { return int(f.nthreads.Load()), nil }
func (f *fakeSignals) health(log bool) Health {
	f.reads.Add(1)
	n := int(f.dkworkers.Load())
	h := Health{DTasks: n, DKworkers: n, Threads: int(f.nthreads.Load())}
	if log && n > 0 {
		h.HungTask = "INFO: task kworker/1:2:99 blocked for more than 122 seconds. (bpf_prog_free_deferred)"
	}
	return h
}

func testPacer() (*pacer, *fakeSignals) {
	sig := &fakeSignals{}
	sig.nthreads.Store(100)
	cfg := defaultPacerConfig()
	cfg.retry = time.Millisecond
	cfg.maxRate = 1e9
	return newPacer(sig, cfg), sig
}

// admitted runs admit in the background and reports when it returns.
func admitted(p *pacer, ctx context.Context, n int) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.admit(ctx, n) }()
	return done
}

func TestPacerStopsAtHighWaterAndResumesAtLowWater(t *testing.T) {
	p, sig := testPacer()
	if err := p.admit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	sig.dkworkers.Store(int64(p.cfg.highWater))
	p.observe(time.Second) // a slow creation: look now
	done := admitted(p, context.Background(), 1)
	select {
	case err := <-done:
		t.Fatalf("admitted with %d kworkers blocked: %v", p.cfg.highWater, err)
	case <-time.After(50 * time.Millisecond):
	}
	// Between the marks: still braked (hysteresis).
	sig.dkworkers.Store(int64(p.cfg.lowWater + 1))
	select {
	case err := <-done:
		t.Fatalf("admitted at %d kworkers, above the low mark: %v", p.cfg.lowWater+1, err)
	case <-time.After(50 * time.Millisecond):
	}
	sig.dkworkers.Store(int64(p.cfg.lowWater))
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("not admitted after the backlog drained")
	}
	if p.brakes != 1 {
		t.Errorf("brakes = %d, want 1", p.brakes)
	}
}

func TestPacerStallsWhenTheBacklogStays(t *testing.T) {
	p, sig := testPacer()
	sig.dkworkers.Store(500)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.admit(ctx, 1)
	var st *StallError
	if !errors.As(err, &st) || !st.Backlog || st.Health.DKworkers != 500 || st.Health.HungTask == "" || st.After < 100*time.Millisecond {
		t.Fatalf("got %#v, want a backlog StallError with the evidence", err)
	}
}

// Growth of the thread count is the cheap signal: it calls for a precise
// reading before the periodic one is due.
func TestPacerReadsPreciselyOnThreadGrowth(t *testing.T) {
	p, sig := testPacer()
	p.cfg.preciseEvery = time.Hour
	p.cfg.cheapEvery = 0
	p.admit(context.Background(), 1) // the first reading
	before := sig.reads.Load()
	for range 10 {
		p.admit(context.Background(), 1)
	}
	if got := sig.reads.Load() - before; got != 0 {
		t.Errorf("%d precise readings with steady threads, want 0", got)
	}
	sig.nthreads.Add(int64(p.cfg.threadJump))
	p.admit(context.Background(), 1)
	if got := sig.reads.Load() - before; got != 1 {
		t.Errorf("%d precise readings after the threads grew by %d, want 1", got, p.cfg.threadJump)
	}
}

// A slow creation calls for a precise reading; so does a big batch.
func TestPacerReadsPreciselyAfterSlowCreateAndForBursts(t *testing.T) {
	p, sig := testPacer()
	p.cfg.preciseEvery = time.Hour
	p.admit(context.Background(), 1)
	before := sig.reads.Load()
	p.timed(func() {}) // fast: nothing
	p.admit(context.Background(), 1)
	p.observe(p.cfg.slowCreate)
	p.admit(context.Background(), 1)
	p.admit(context.Background(), p.cfg.burst)
	if got := sig.reads.Load() - before; got != 2 {
		t.Errorf("%d precise readings, want 2 (slow creation, burst)", got)
	}
}

// The rate ceiling spaces creations even on a kernel that shows nothing.
func TestPacerRateCeiling(t *testing.T) {
	p, _ := testPacer()
	p.cfg.maxRate = 1000
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				p.admit(context.Background(), 1)
			}
		}()
	}
	wg.Wait()
	// The bucket holds 50ms worth (50); the other 50 wait 1ms each.
	if d := time.Since(start); d < 49*time.Millisecond {
		t.Errorf("100 creations at 1000/s admitted in %v", d)
	}
}

// fakeHelper is a helper process that never exits, as one with a thread in
// uninterruptible sleep: SIGKILL does nothing to it.
type fakeHelper struct{ killed atomic.Bool }

func (f *fakeHelper) kill()                   { f.killed.Store(true) }
func (f *fakeHelper) exited() <-chan struct{} { return nil }
func (f *fakeHelper) describe() string        { return "still running" }
func (f *fakeHelper) pid() int                { return 424242 }
func (f *fakeHelper) release()                {}

// Neither a call nor Close waits for a helper that cannot be reaped.
func TestUnreapableHelper(t *testing.T) {
	reqR, reqW, _ := os.Pipe()
	respR, respW, _ := os.Pipe()
	defer reqR.Close()
	defer respW.Close()
	h := &fakeHelper{}
	o := newOracle(h, reqW, respR)
	o.timeout, o.reap = 100*time.Millisecond, 100*time.Millisecond
	start := time.Now()
	_, err := o.call(context.Background(), &request{Op: opVerdict})
	if !errors.Is(err, ErrStalled) || !h.killed.Load() {
		t.Errorf("call: %v, killed %v", err, h.killed.Load())
	}
	err = o.Close()
	if err == nil || !strings.Contains(err.Error(), "could not be reaped") {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// A request bigger than the pipe holds, to a helper that reads nothing:
// the write itself is bounded.
func TestStalledWrite(t *testing.T) {
	reqR, reqW, _ := os.Pipe()
	respR, respW, _ := os.Pipe()
	defer reqR.Close()
	defer respW.Close()
	o := newOracle(&fakeHelper{}, reqW, respR)
	o.timeout, o.reap = 100*time.Millisecond, 10*time.Millisecond
	big := make([]seccompdata.Data, 100000) // several MB
	_, err := o.call(context.Background(), &request{Op: opEval, Inputs: big})
	if !errors.Is(err, ErrStalled) {
		t.Errorf("got %v", err)
	}
	o.Close()
}

func TestHungTaskLine(t *testing.T) {
	log := "<6>[    1.0] boot\n<3>[  245.1] INFO: task kworker/0:3:51 blocked for more than 122 seconds.\n<3>[  245.2]  bpf_prog_free_deferred+0x1a/0x30\n"
	got := hungTaskLine(log)
	want := "[  245.1] INFO: task kworker/0:3:51 blocked for more than 122 seconds. (bpf_prog_free_deferred)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if hungTaskLine("<6>[ 1.0] all fine\n") != "" {
		t.Error("a line where there is none")
	}
}
