package seccompdata_test

import (
	"encoding/binary"
	"fmt"

	"github.com/bpfsim/bpfsim/seccompdata"
)

func ExampleLookupArch() {
	for _, s := range []string{"amd64", "ARM64", "mipsle", "0xc000003e", "sparc"} {
		a, err := seccompdata.LookupArch(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s: %s audit=%#x %v\n", s, a, a.Audit, a.Order)
	}
	// Output:
	// amd64: x86_64 audit=0xc000003e LittleEndian
	// ARM64: aarch64 audit=0xc00000b7 LittleEndian
	// mipsle: mipsel audit=0x40000008 LittleEndian
	// 0xc000003e: x86_64 audit=0xc000003e LittleEndian
	// error: unknown arch "sparc": want one of x86_64, i386, x32, aarch64, arm, riscv64, s390x, ppc64le, ppc64, mips, mipsel, mips64, mips64el, loongarch64, or the AUDIT_ARCH value of one of them
}

func ExampleArchFor() {
	// What a filter sees: seccomp_data.arch and seccomp_data.nr.
	for _, nr := range []int32{39, 0x40000000 | 515} {
		a, _ := seccompdata.ArchFor(0xc000003e, nr)
		name, _ := a.SyscallName(nr)
		fmt.Printf("%#x: %s %s\n", nr, a, name)
	}
	// Output:
	// 0x27: x86_64 getpid
	// 0x40000203: x32 readv
}

func ExampleArch_SyscallNumber() {
	for _, arch := range []string{"x86_64", "i386", "aarch64", "x32", "mips"} {
		a, _ := seccompdata.LookupArch(arch)
		nr, ok := a.SyscallNumber("__NR_read")
		fmt.Printf("%s read=%#x %v\n", a, nr, ok)
	}
	a, _ := seccompdata.LookupArch("aarch64")
	_, ok := a.SyscallNumber("SYS_OPEN")
	fmt.Println("aarch64 has open:", ok)
	// Output:
	// x86_64 read=0x0 true
	// i386 read=0x3 true
	// aarch64 read=0x3f true
	// x32 read=0x40000000 true
	// mips read=0xfa3 true
	// aarch64 has open: false
}

func ExampleArch_SyscallName() {
	a := seccompdata.Arches()[0] // x86_64
	for _, nr := range []int32{0, 257, 335, 400} {
		name, ok := a.SyscallName(nr)
		fmt.Println(nr, name, ok)
	}
	// Output:
	// 0 read true
	// 257 openat true
	// 335 uretprobe true
	// 400  false
}

func ExampleArch_ErrnoName() {
	for _, arch := range []string{"x86_64", "mips"} {
		a, _ := seccompdata.LookupArch(arch)
		n, _ := a.ErrnoByName("ENOSYS")
		name, _ := a.ErrnoName(n)
		fmt.Println(a, name, n)
	}
	// Output:
	// x86_64 ENOSYS 38
	// mips ENOSYS 89
}

func ExampleData_Words() {
	d := seccompdata.Data{Nr: 0, Arch: 0xc000003e, Args: [6]uint64{0x0102030405060708}}
	le := d.Words(binary.LittleEndian)
	be := d.Words(binary.BigEndian)
	fmt.Printf("little-endian: ld [16]=0x%08x ld [20]=0x%08x\n", le[4], le[5])
	fmt.Printf("big-endian:    ld [16]=0x%08x ld [20]=0x%08x\n", be[4], be[5])
	// Output:
	// little-endian: ld [16]=0x05060708 ld [20]=0x01020304
	// big-endian:    ld [16]=0x01020304 ld [20]=0x05060708
}

func ExampleDecodeData() {
	d := seccompdata.Data{Nr: 257, Arch: 0xc000003e, Args: [6]uint64{0xffffff9c}}
	b := d.Encode(binary.LittleEndian)
	back, err := seccompdata.DecodeData(b[:], binary.LittleEndian)
	fmt.Println(back == d, err)
	_, err = seccompdata.DecodeData(b[:63], binary.LittleEndian)
	fmt.Println(err)
	// Output:
	// true <nil>
	// seccomp_data is 63 bytes, want 64
}

func ExampleParseAction() {
	for _, s := range []string{"ERRNO(EPERM)", "SECCOMP_RET_TRAP|5", "kill", "0x7fff0000", "0x00010000"} {
		a, err := seccompdata.ParseAction(s)
		fmt.Printf("%-20s 0x%08x %v %v\n", s, uint32(a), a, err)
	}
	// Output:
	// ERRNO(EPERM)         0x00050001 ERRNO(1) <nil>
	// SECCOMP_RET_TRAP|5   0x00030005 TRAP(5) <nil>
	// kill                 0x00000000 KILL_THREAD <nil>
	// 0x7fff0000           0x7fff0000 ALLOW <nil>
	// 0x00010000           0x00010000 UNKNOWN(0x00010000) <nil>
}

func ExampleAction_Overrides() {
	// seccomp_run_filters: newest filter first, start from ALLOW, and a
	// result replaces the current one only if its action ranks lower.
	newestFirst := []seccompdata.Action{
		seccompdata.ActTrace,
		seccompdata.ActErrno | 2,
		seccompdata.ActErrno | 1, // a tie: the newer ERRNO(2) stays
	}
	ret := seccompdata.ActAllow
	for _, a := range newestFirst {
		if a.Overrides(ret) {
			ret = a
		}
	}
	fmt.Println(ret)
	// Output:
	// ERRNO(2)
}

func ExampleParseErrno() {
	for _, s := range []string{"EACCES", "ewouldblock", "0x26", "EFOO"} {
		e, err := seccompdata.ParseErrno(s)
		fmt.Println(uint16(e), e, err)
	}
	// Output:
	// 13 EACCES <nil>
	// 11 EAGAIN <nil>
	// 38 ENOSYS <nil>
	// 0 errno 0 bad errno "EFOO": want a name such as EPERM or a number from 0 to 65535
}

func ExampleMacroValue() {
	for _, name := range []string{"SECCOMP_RET_ERRNO", "AUDIT_ARCH_AARCH64", "__NR_openat", "EPERM"} {
		v, ok := seccompdata.MacroValue(name)
		fmt.Printf("%s = %#x %v\n", name, v, ok)
	}
	// Output:
	// SECCOMP_RET_ERRNO = 0x50000 true
	// AUDIT_ARCH_AARCH64 = 0xc00000b7 true
	// __NR_openat = 0x101 true
	// EPERM = 0x1 true
}

func ExampleNative() {
	a := seccompdata.Native()
	fmt.Println(a.Audit != 0, a.Order != nil)
	// Output:
	// true true
}
