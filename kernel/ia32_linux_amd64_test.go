package kernel

import (
	"testing"
	"unsafe"
)

// int80Sites reads, without executing anything, exactly four INT $0x80 of
// stubInt80, in site order, inside the stub.
func TestInt80Sites(t *testing.T) {
	at, err := int80Sites()
	if err != nil {
		t.Fatal(err)
	}
	entry := uint64(uintptr(unsafe.Pointer(stubInt80Text())))
	for s, a := range at {
		if a < entry+2 || a > entry+maxStubInt80Len {
			t.Fatalf("site %d at %#x, outside the stub at %#x", s, a, entry)
		}
		code := unsafe.Slice(stubInt80Text(), a-entry)
		if code[len(code)-2] != 0xcd || code[len(code)-1] != 0x80 {
			t.Errorf("site %d: %#x does not follow cd 80", s, a)
		}
		if s > 0 && a <= at[s-1] {
			t.Errorf("sites out of order: %#x", at)
		}
	}
	if uint32(at[0]>>32) != uint32(at[numSites-1]>>32) {
		t.Errorf("sites %#x span a 4 GiB boundary", at)
	}
	// The SYSCALL sites are elsewhere: the two sets never mix in a gate.
	sys, err := calibrateSites()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range at {
		for _, b := range sys {
			if a == b {
				t.Errorf("int $0x80 site %#x is also a SYSCALL site", a)
			}
		}
	}
}

// The probe helper answers through its page, whichever way the kernel
// goes: a recovered fault (IA-32 emulation off, as on the project's
// machines) or a working int $0x80 that passed the seccomp check.
func TestIA32ProbeHelper(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("live kernel test skipped: %v", err)
	}
	res, err := runChild("ia32", nil, ia32Words, ia32ProbeTimeout, -1)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case res[1] != 1:
		t.Errorf("helper died at stage %d", res[0])
	case res[2] == ia32Faulted && res[0] == 1:
		t.Log("int $0x80 faulted: IA-32 emulation off")
	case res[2] == ia32Works && res[0] == 2:
		t.Log("int $0x80 works and passed the seccomp check")
	default:
		t.Errorf("helper answered %v", res)
	}
}
