//go:build linux

package kernel

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bpfsim/bpfsim/program"
)

// faults are the failures a test can inject into the helper through
// BPFSIM_KERNEL_FAULT (see the package documentation).
type faults struct {
	hang       bool          // answer nothing
	hangAfter  int           // answer this many requests, then nothing; -1: off
	backlog    time.Duration // report a backlog for this long after start; <0: for ever
	slowCreate time.Duration // every creation takes at least this long
}

// parseFaults reads a comma-separated list such as "hang-after=2" or
// "backlog=2s,slow-create=30ms".
func parseFaults(s string) (faults, error) {
	f := faults{hangAfter: -1}
	for _, item := range strings.Split(s, ",") {
		name, val, hasVal := strings.Cut(strings.TrimSpace(item), "=")
		var err error
		switch name {
		case "":
		case "hang":
			f.hang = true
		case "hang-after":
			f.hangAfter, err = strconv.Atoi(val)
		case "backlog":
			f.backlog = -1
			if hasVal {
				f.backlog, err = time.ParseDuration(val)
			}
		case "slow-create":
			f.slowCreate, err = time.ParseDuration(val)
		default:
			err = errors.New("unknown fault")
		}
		if err != nil {
			return f, fmt.Errorf("%s: %q: %v", FaultEnv, item, err)
		}
	}
	return f, nil
}

// backlogSignals reports the host's state with a backlog of deferred
// frees added until a time (for ever when until is zero).
type backlogSignals struct {
	hostSignals
	until time.Time
}

// injectedBacklog is the number of blocked kworkers backlogSignals adds.
const injectedBacklog = 200

func (b backlogSignals) active() bool { return b.until.IsZero() || time.Now().Before(b.until) }

func (b backlogSignals) threads() (int, error) {
	n, err := readThreads()
	if b.active() {
		n += injectedBacklog
	}
	return n, err
}

func (b backlogSignals) health(log bool) Health {
	h := readHealth(log)
	if b.active() {
		h.DTasks += injectedBacklog
		h.DKworkers += injectedBacklog
		h.DeferredFrees += injectedBacklog
		h.Threads += injectedBacklog
		if log {
			h.HungTask = "INFO: task kworker/0:7:1234 blocked for more than 122 seconds. (injected by " + FaultEnv + ")"
		}
	}
	return h
}

// server is the helper's state.
type server struct {
	f      faults
	local  *oracle
	err    error // why the helper cannot serve, if it cannot
	served atomic.Int64

	wmu sync.Mutex
	enc *gob.Encoder
	bw  *bufio.Writer
}

// childServer is the helper behind an Oracle: it reads requests from fd 3
// and answers on fd 4, each request on its own goroutine, until fd 3 ends
// (the caller closed it or died), and then exits.
func childServer() {
	reqR, respW := os.NewFile(3, "requests"), os.NewFile(4, "responses")
	s := &server{}
	s.bw = bufio.NewWriterSize(respW, 64<<10)
	s.enc = gob.NewEncoder(s.bw)
	s.f, s.err = parseFaults(os.Getenv(FaultEnv))
	var sig signals = hostSignals{}
	if s.f.backlog != 0 {
		b := backlogSignals{}
		if s.f.backlog > 0 {
			b.until = time.Now().Add(s.f.backlog)
		}
		sig = b
	}
	pace := newPacer(sig, defaultPacerConfig())
	if b, err := openSharedBucket(sharedBucketPath()); err == nil {
		pace.bucket = b
	}
	pace.delay = s.f.slowCreate
	if s.err == nil {
		s.local, s.err = openOracle(pace)
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(reqR, 64<<10))
	for {
		req := new(request)
		if err := dec.Decode(req); err != nil {
			os.Exit(0)
		}
		go s.handle(req)
	}
}

func (s *server) handle(req *request) {
	received := time.Now()
	n := s.served.Add(1)
	if s.f.hang || (s.f.hangAfter >= 0 && n > int64(s.f.hangAfter)) {
		select {} // as a seccomp(2) call that never returns
	}
	ctx, cancel := context.WithDeadline(context.Background(), serverDeadline(received, time.Duration(req.Budget)))
	defer cancel()
	resp := response{ID: req.ID}
	var err error
	if s.err != nil {
		err = s.err
	} else {
		err = s.serve(ctx, req, &resp)
	}
	resp.Err = toWire(err)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.enc.Encode(&resp) != nil || s.bw.Flush() != nil {
		os.Exit(0) // the caller is gone
	}
}

// probeProgram is what Open's probe offers: "ret #SECCOMP_RET_ALLOW".
var probeProgram = program.Program{{Op: 0x06, K: 0x7fff0000}}

func (s *server) serve(ctx context.Context, req *request, resp *response) error {
	var err error
	switch req.Op {
	case opProbe:
		var v Verdict
		v, err = s.local.verdict(ctx, probeProgram)
		if err == nil && !v.Accepted {
			err = fmt.Errorf("the kernel rejects a one-instruction ALLOW filter: %v", v)
		}
	case opVerdict:
		resp.Verdict, err = s.local.verdictStack(ctx, req.Progs)
	case opSocketVerdict:
		resp.Verdict, err = s.local.socketVerdict(ctx, req.Progs[0])
	case opEval:
		resp.Evals, err = s.local.eval(ctx, req.Progs[0], req.Inputs)
	case opOutcome:
		if err = s.local.pace.admit(ctx, len(req.Progs)); err == nil {
			resp.Observed, err = outcome(req.Progs, req.Call, req.Env)
		}
	case opReadFilters:
		resp.Progs, err = readFiltersOf(req.Tid)
	case opIA32:
		resp.OK, err = s.local.ia32Emulation(ctx)
	default:
		err = fmt.Errorf("unknown request %d", req.Op)
	}
	return err
}
