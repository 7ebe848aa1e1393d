//go:build linux

package kernel

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
)

// stubRegs is what the stub loads into the syscall registers; its layout
// is read by stub_linux_amd64.s.
type stubRegs struct {
	nr   uint64
	args [6]uint64
}

// group is a set of inputs that share one instrumented program: the same
// substitution.
type group struct {
	sub    substitution
	method Method
	idx    []int // positions in the caller's inputs
}

// groupInputs groups inputs by substitution; compat sends i386 inputs
// through int $0x80 (see substitutionFor).
func groupInputs(inputs []seccompdata.Data, info *progInfo, compat bool) []*group {
	native := seccompdata.Native().Audit
	byKey := map[substitution]*group{}
	var order []*group
	for i := range inputs {
		sub, m := substitutionFor(&inputs[i], info, native, compat)
		g := byKey[sub]
		if g == nil {
			g = &group{sub: sub, method: m}
			byKey[sub] = g
			order = append(order, g)
		}
		g.idx = append(g.idx, i)
	}
	return order
}

func (o *oracle) eval(ctx context.Context, p program.Program, inputs []seccompdata.Data) ([]EvalResult, error) {
	if err := evalSupported(); err != nil {
		return nil, err
	}
	v, err := o.acceptedCached(ctx, p)
	if err != nil {
		return nil, err
	}
	if !v.Accepted {
		return nil, &RejectedError{Verdict: v}
	}
	if len(inputs) == 0 {
		return nil, nil
	}
	info := analyze(p)
	if n := instrumentedLen(p, info); n > program.MaxInstructions {
		return nil, fmt.Errorf("instrumented program would have %d instructions, more than %d: the program is too long to evaluate", n, program.MaxInstructions)
	}
	// i386 inputs go through int $0x80 only where the probe (run once per
	// oracle, on the first i386 input) found that it works; otherwise
	// they are native syscalls with arch substituted (Method says which).
	var int80At sites
	compat := false
	for i := range inputs {
		if inputs[i].Arch == seccompdata.AuditArchI386 {
			if st := o.ia32(ctx); st.ok {
				compat, int80At = true, st.at
			}
			break
		}
	}
	groups := groupInputs(inputs, info, compat)
	out := make([]EvalResult, len(inputs))
	for _, g := range groups {
		for _, i := range g.idx {
			out[i].Method = g.method
		}
	}
	if info.divX {
		// One program per group, and one more for each thread a
		// division by zero ends.
		if err := o.pace.admit(ctx, len(groups)); err != nil {
			return nil, err
		}
		err = evalInChild(p, groups, inputs, out)
	} else {
		err = o.evalInProcess(ctx, p, info, groups, inputs, out, int80At)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (o *oracle) siteAddrs() (sites, error) {
	o.sitesOnce.Do(func() { o.sites, o.sitesErr = calibrateSites() })
	return o.sites, o.sitesErr
}

// evalInProcess runs each group on a fresh locked thread of this process,
// up to GOMAXPROCS at a time. The program cannot stop the thread (it has
// no division by X), so every syscall from the stub comes back with ERRNO.
// Compat groups issue from the int $0x80 sites int80At, and their
// programs' gate and A stub compare instruction_pointer with those.
func (o *oracle) evalInProcess(ctx context.Context, p program.Program, info *progInfo, groups []*group, inputs []seccompdata.Data, out []EvalResult, int80At sites) error {
	if err := o.enter(); err != nil {
		return err
	}
	defer o.mu.RUnlock()
	at, err := o.siteAddrs()
	if err != nil {
		return err
	}
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	errs := make(chan error, len(groups))
	var wg sync.WaitGroup
	for _, g := range groups {
		gat := at
		if g.sub.compat {
			gat = int80At
		}
		prog, err := instrument(p, info, gat, g.sub)
		if err != nil {
			return err
		}
		regs := make([]stubRegs, len(g.idx))
		for j, i := range g.idx {
			regs[j] = stubRegs{nr: issuedNr(&inputs[i], g.sub), args: inputs[i].Args}
		}
		if err := o.pace.admit(ctx, 1); err != nil {
			wg.Wait()
			return err
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- onFreshThread(func() error {
				return evalOnThread(o.pace, prog, info, g.sub.compat, regs, func(j int, ret uint32) { out[g.idx[j]].Ret = ret }, nil)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// onFreshThread runs f under goLocked and waits for it: the thread, and
// any filter f installed on it, ends with f.
func onFreshThread(f func() error) error {
	done := make(chan error, 1)
	goLocked(func() { done <- f() })
	return <-done
}

// installOnThread installs prog as the calling thread's seccomp filter,
// timing the creation for pace (nil in the eval child, whose parent
// admitted its programs).
func installOnThread(pace *pacer, prog program.Program) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	var e unix.Errno
	install := func() {
		_, _, e = unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	}
	if pace != nil {
		pace.timed(install)
	} else {
		install()
	}
	runtime.KeepAlive(prog)
	if e != 0 {
		return fmt.Errorf("installing the evaluation filter: %w", e)
	}
	return nil
}

// evalOnThread installs prog on the calling (fresh, locked) thread and
// reads back the program's value for each of regs, calling record(j, ret).
// starting, if not nil, is called before input j is issued. compat issues
// through int $0x80 instead of SYSCALL.
func evalOnThread(pace *pacer, prog program.Program, info *progInfo, compat bool, regs []stubRegs, record func(j int, ret uint32), starting func(j int)) error {
	// Pieces of the value come back as ERRNO data, and data 512..516
	// must not meet a pending signal (see blockAllSignals).
	if err := blockAllSignals(); err != nil {
		return err
	}
	if err := installOnThread(pace, prog); err != nil {
		return err
	}
	for j := range regs {
		if starting != nil {
			starting(j)
		}
		ret, err := readValue(info, &regs[j], compat)
		if err != nil {
			return fmt.Errorf("input %d: %w", j, err)
		}
		record(j, ret)
	}
	return nil
}

// readValue issues the syscalls that bring back one return value, from
// the SYSCALL sites or, for compat, the int $0x80 sites.
func readValue(info *progInfo, r *stubRegs, compat bool) (uint32, error) {
	call := stubCall
	if compat {
		call = int80Call
	}
	if len(info.retK) > 0 {
		d, err := errnoData(call(siteK, r))
		if err != nil {
			return 0, err
		}
		if d < len(info.retK) {
			return info.retK[d], nil
		}
		if d != aPathMarker || !info.retA {
			return 0, fmt.Errorf("evaluation filter answered %d, not a return constant index", d)
		}
	}
	var v uint32
	for piece := range 3 {
		d, err := errnoData(call(sitePiece+piece, r))
		if err != nil {
			return 0, err
		}
		v |= uint32(d) << (12 * piece)
	}
	return v, nil
}

// errnoData decodes a raw syscall return made by SECCOMP_RET_ERRNO: -data,
// or 0 for data 0 (__seccomp_filter, kernel/seccomp.c).
func errnoData(r uintptr) (int, error) {
	v := int64(r)
	if v > 0 || v < -errnoMax {
		return 0, fmt.Errorf("syscall from the stub returned %d: the evaluation filter did not answer it", v)
	}
	return int(-v), nil
}

// The eval helper protocol. stdin: the program (u32 count, then the raw
// instructions), u32 number of groups, and per group: u32 flags (1 nr,
// 2 arch, 4 ip substituted, 8 compat: issued through int $0x80, which the
// parent's probe found working), u32 nr, u32 arch, u64 ip, u32 number of
// inputs, then per input u32 index, u64 issued nr, 6 x u64 args. The
// result page: word 0 inputs finished, word 1 done, word 2 error, then per
// input a status word (1 evaluated, 2 killed) and the value.
const evalHeaderWords = 3

func evalInChild(p program.Program, groups []*group, inputs []seccompdata.Data, out []EvalResult) error {
	var in bytes.Buffer
	w := func(v any) { binary.Write(&in, binary.LittleEndian, v) }
	w(uint32(len(p)))
	for _, ins := range p {
		w(ins)
	}
	w(uint32(len(groups)))
	for _, g := range groups {
		var flags uint32
		if g.sub.nr {
			flags |= 1
		}
		if g.sub.arch {
			flags |= 2
		}
		if g.sub.ip {
			flags |= 4
		}
		if g.sub.compat {
			flags |= 8
		}
		w(flags)
		w(g.sub.nrVal)
		w(g.sub.archVal)
		w(uint64(g.sub.ipHigh)<<32 | uint64(g.sub.ipLow))
		w(uint32(len(g.idx)))
		for _, i := range g.idx {
			w(uint32(i))
			w(issuedNr(&inputs[i], g.sub))
			w(inputs[i].Args)
		}
	}
	words := evalHeaderWords + 2*len(inputs)
	timeout := childTimeout + time.Duration(len(inputs))*time.Millisecond
	res, err := runChild("eval", in.Bytes(), words, timeout, -1)
	if err != nil {
		return err
	}
	if res[1] != 1 || res[2] != 0 {
		return fmt.Errorf("eval helper stopped after %d of %d inputs", res[0], len(inputs))
	}
	for i := range out {
		switch res[evalHeaderWords+2*i] {
		case 1:
			out[i].Ret = res[evalHeaderWords+2*i+1]
		case 2:
			out[i].Ret, out[i].Killed = 0, true
		default:
			return fmt.Errorf("eval helper left input %d unanswered", i)
		}
	}
	return nil
}

// childEval is the helper side of evalInChild. Each group runs on a fresh
// thread; when the kernel ends that thread (a division by X == 0 returns
// SECCOMP_RET_KILL_THREAD, and do_exit ends only that thread while others
// live: __seccomp_filter, kernel/seccomp.c), the input is recorded as
// killed and the group goes on from the next input on a new thread. The
// dead thread's goroutine never returns, so garbage collection is off: the
// helper is short-lived and always killed by the parent.
func childEval() {
	debug.SetGCPercent(-1)
	if err := evalSupported(); err != nil {
		childFail("%v", err)
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		childFail("reading job: %v", err)
	}
	r := bytes.NewReader(input)
	rd := func(v any) {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			childFail("truncated eval job")
		}
	}
	var n uint32
	rd(&n)
	p := make(program.Program, n)
	rd(p)
	info := analyze(p)
	at, err := calibrateSites()
	if err != nil {
		childFail("%v", err)
	}
	var int80At *sites // found on the first compat group
	type job struct {
		prog   program.Program
		compat bool
		idx    []uint32
		regs   []stubRegs
	}
	var ng uint32
	rd(&ng)
	jobs := make([]job, ng)
	total := 0
	for gi := range jobs {
		var flags, nrVal, archVal, cnt uint32
		var ip uint64
		rd(&flags)
		rd(&nrVal)
		rd(&archVal)
		rd(&ip)
		rd(&cnt)
		sub := substitution{nr: flags&1 != 0, arch: flags&2 != 0, ip: flags&4 != 0, compat: flags&8 != 0,
			nrVal: nrVal, archVal: archVal, ipLow: uint32(ip), ipHigh: uint32(ip >> 32)}
		gat := at
		if sub.compat {
			if int80At == nil {
				a, err := int80Sites()
				if err != nil {
					childFail("%v", err)
				}
				int80At = &a
			}
			gat = *int80At
		}
		prog, err := instrument(p, info, gat, sub)
		if err != nil {
			childFail("%v", err)
		}
		j := job{prog: prog, compat: sub.compat, idx: make([]uint32, cnt), regs: make([]stubRegs, cnt)}
		for k := range j.idx {
			rd(&j.idx[k])
			rd(&j.regs[k].nr)
			rd(&j.regs[k].args)
		}
		jobs[gi] = j
		total += int(cnt)
	}
	size := (evalHeaderWords + 2*total) * 4
	page, err := unix.Mmap(3, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		childFail("mapping result page: %v", err)
	}
	words := unsafe.Slice((*uint32)(unsafe.Pointer(&page[0])), size/4)
	var finished uint32
	for _, j := range jobs {
		next := 0
		for next < len(j.regs) {
			var tid, current atomic.Int32
			current.Store(-1)
			done := make(chan error, 1)
			start := next
			goLocked(func() {
				tid.Store(int32(unix.Gettid()))
				done <- evalOnThread(nil, j.prog, info, j.compat, j.regs[start:],
					func(k int, ret uint32) {
						i := j.idx[start+k]
						atomic.StoreUint32(&words[evalHeaderWords+2*i+1], ret)
						atomic.StoreUint32(&words[evalHeaderWords+2*i], 1)
						finished++
						atomic.StoreUint32(&words[0], finished)
					},
					func(k int) { current.Store(int32(start + k)) })
			})
			next = watchThread(done, &tid, &current, len(j.regs), func(k int) {
				i := j.idx[k]
				atomic.StoreUint32(&words[evalHeaderWords+2*i], 2)
				finished++
				atomic.StoreUint32(&words[0], finished)
			})
			if next < 0 {
				atomic.StoreUint32(&words[2], 1)
				atomic.StoreUint32(&words[1], 1)
				select {} // the parent kills us
			}
		}
	}
	atomic.StoreUint32(&words[1], 1)
	select {}
}

// watchThread waits until the evaluating goroutine reports (its thread
// finished the group: returns n, or -1 on error, printed to stderr) or its
// thread disappears while issuing input current (it was killed: the input
// is recorded with killed and the index after it returned).
func watchThread(done <-chan error, tid, current *atomic.Int32, n int, killed func(k int)) int {
	for {
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return -1
			}
			return n
		case <-time.After(100 * time.Microsecond):
		}
		t := tid.Load()
		if t == 0 {
			continue
		}
		if err := unix.Tgkill(unix.Getpid(), int(t), 0); errors.Is(err, unix.ESRCH) {
			select { // it may have finished and exited normally
			case err := <-done:
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return -1
				}
				return n
			default:
			}
			k := int(current.Load())
			if k < 0 {
				fmt.Fprintln(os.Stderr, "evaluating thread died before its first input")
				return -1
			}
			killed(k)
			return k + 1
		}
	}
}
