package vm_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

const (
	ldAbs   = program.LdAbsW
	jeqK    = program.JeqK
	retK    = program.RetK
	x8664   = seccompdata.AuditArchX86_64
	errPerm = uint32(seccompdata.ActErrno) | uint32(seccompdata.EPERM)
)

// allowReadWrite is a seccomp filter for x86_64 that allows read (0) and
// write (1), kills the process on any other arch, and fails every other
// syscall with EPERM.
var allowReadWrite = program.Program{
	program.Stmt(ldAbs, 4), // arch
	program.Jump(jeqK, x8664, 1, 0),
	program.Stmt(retK, uint32(seccompdata.ActKillProcess)),
	program.Stmt(ldAbs, 0), // nr
	program.Jump(jeqK, 0, 2, 0),
	program.Jump(jeqK, 1, 1, 0),
	program.Stmt(retK, errPerm),
	program.Stmt(retK, uint32(seccompdata.ActAllow)),
}

func ExampleCompile() {
	f, err := vm.Compile(allowReadWrite, verifier.Seccomp)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, nr := range []int32{0, 1, 59} {
		d := seccompdata.Data{Nr: nr, Arch: x8664}
		fmt.Printf("nr %d: %#x\n", nr, f.RunData(&d, binary.LittleEndian))
	}
	// Output:
	// nr 0: 0x7fff0000
	// nr 1: 0x7fff0000
	// nr 59: 0x50001
}

func ExampleFilter_RunPacket() {
	// Accept IPv4 Ethernet frames whole, drop everything else.
	p := program.Program{
		program.Stmt(program.ClassLD|program.SizeH|program.ModeABS, 12), // ethertype
		program.Jump(jeqK, 0x0800, 0, 1),
		program.Stmt(retK, 0xffffffff),
		program.Stmt(retK, 0),
	}
	f, err := vm.Compile(p, verifier.Socket)
	if err != nil {
		fmt.Println(err)
		return
	}
	frame := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45}
	fmt.Println(f.RunPacket(frame))
	fmt.Println(f.RunPacket(frame[:13])) // too short: the load ends the program with 0
	// Output:
	// 4294967295
	// 0
}

func ExampleFilter_TraceSeccomp() {
	f, err := vm.Compile(allowReadWrite, verifier.Seccomp)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := seccompdata.Data{Nr: 1, Arch: x8664}
	w := d.Words(binary.LittleEndian)
	f.TraceSeccomp(&w, func(s vm.Step) {
		fmt.Printf("pc %d code %#02x: A=%#x X=%#x", s.PC, s.Insn.Op, s.A, s.X)
		if s.Done {
			fmt.Printf(" -> ret %#x", s.Ret)
		}
		fmt.Println()
	})
	// Output:
	// pc 0 code 0x20: A=0xc000003e X=0x0
	// pc 1 code 0x15: A=0xc000003e X=0x0
	// pc 3 code 0x20: A=0x1 X=0x0
	// pc 4 code 0x15: A=0x1 X=0x0
	// pc 5 code 0x15: A=0x1 X=0x0
	// pc 7 code 0x06: A=0x1 X=0x0 -> ret 0x7fff0000
}

func ExampleStack_Run() {
	compile := func(ret uint32) *vm.Filter {
		f, err := vm.Compile(program.Program{program.Stmt(retK, ret)}, verifier.Seccomp)
		if err != nil {
			panic(err)
		}
		return f
	}
	// Two filters returning the same action: the newest one's data wins.
	s := vm.Stack{compile(0x00050001), compile(0x00050002)}
	var w [16]uint32
	ret, match := s.Run(&w)
	fmt.Printf("%#x from filter %d\n", ret, match)

	// TRAP ranks below ERRNO, so it wins whatever the order.
	s = vm.Stack{compile(0x00030000), compile(0x00050001)}
	ret, match = s.Run(&w)
	fmt.Printf("%#x from filter %d\n", ret, match)
	// Output:
	// 0x50002 from filter 1
	// 0x30000 from filter 0
}

func ExampleOutcome() {
	d := seccompdata.Data{Nr: 1000, Arch: x8664, InstructionPointer: 0x401000}

	r := vm.Outcome(&d, 0x0005ffff, vm.OutcomeOptions{})
	fmt.Println("ERRNO|0xffff: errno", uint16(r.Errno), "rax", r.Return)

	r = vm.Outcome(&d, 0x00030007, vm.OutcomeOptions{SIGSYSHandler: true})
	fmt.Println("TRAP: rax", r.Return, "si_errno", r.Trap.Errno, "si_call_addr", r.Trap.CallAddr)

	r = vm.Outcome(&d, 0x7ff00000, vm.OutcomeOptions{})
	fmt.Println("TRACE without tracer: rax", r.Return)

	uretprobe := seccompdata.Data{Nr: seccompdata.NrUretprobeX86_64, Arch: x8664}
	r = vm.Outcome(&uretprobe, 0x80000000, vm.OutcomeOptions{})
	fmt.Println("uretprobe under KILL_PROCESS: runs", r.Runs)
	// Output:
	// ERRNO|0xffff: errno 4095 rax -4095
	// TRAP: rax 1000 si_errno 7 si_call_addr 4198400
	// TRACE without tracer: rax -38
	// uretprobe under KILL_PROCESS: runs true
}

func ExampleStack_Evaluate() {
	f, err := vm.Compile(allowReadWrite, verifier.Seccomp)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := seccompdata.Data{Nr: 59, Arch: x8664}
	r := vm.Stack{f}.Evaluate(&d, binary.LittleEndian, vm.OutcomeOptions{})
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	// Output:
	// {"ret":327681,"rets":[327681],"filter":0,"bypassed":false,"outcome":{"runs":false,"returned":true,"return":-1,"killed":"","signal":0,"core_dump":false,"logged":false}}
}
