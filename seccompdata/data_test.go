package seccompdata

import (
	"encoding/binary"
	"errors"
	"testing"
)

// The layout is struct seccomp_data (include/uapi/linux/seccomp.h) as
// populate_seccomp_data fills it; the argument halves are the live-confirmed
// layout of docs/kernel-semantics.md §4 (rdi 0x0102030405060708: word at 16 is
// 0x05060708 and word at 20 is 0x01020304 on x86_64).
func TestDataWords(t *testing.T) {
	d := Data{
		Nr:                 39,
		Arch:               0xc000003e,
		InstructionPointer: 0x00007fff_12345678,
		Args:               [6]uint64{0x0102030405060708, 2, 3, 4, 5, 0xffffffff_00000006},
	}
	tests := []struct {
		name  string
		order binary.ByteOrder
		want  [16]uint32
	}{
		{"little-endian", binary.LittleEndian, [16]uint32{
			39, 0xc000003e, 0x12345678, 0x00007fff,
			0x05060708, 0x01020304, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0xffffffff,
		}},
		{"big-endian", binary.BigEndian, [16]uint32{
			39, 0xc000003e, 0x00007fff, 0x12345678,
			0x01020304, 0x05060708, 0, 2, 0, 3, 0, 4, 0, 5, 0xffffffff, 6,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Words(tt.order); got != tt.want {
				t.Errorf("Words = %#x, want %#x", got, tt.want)
			}
			b := d.Encode(tt.order)
			for i, w := range tt.want {
				if got := tt.order.Uint32(b[4*i:]); got != w {
					t.Errorf("Encode word at %d = %#x, want %#x", 4*i, got, w)
				}
			}
		})
	}
}

func TestDataEncodeBytes(t *testing.T) {
	d := Data{Args: [6]uint64{0x0102030405060708}}
	le := d.Encode(binary.LittleEndian)
	be := d.Encode(binary.BigEndian)
	wantLE := [8]byte{8, 7, 6, 5, 4, 3, 2, 1}
	wantBE := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	if [8]byte(le[16:24]) != wantLE {
		t.Errorf("little-endian args[0] bytes = % x, want % x", le[16:24], wantLE)
	}
	if [8]byte(be[16:24]) != wantBE {
		t.Errorf("big-endian args[0] bytes = % x, want % x", be[16:24], wantBE)
	}
	if len(le) != Size || Size != 64 {
		t.Errorf("encoded size %d, Size %d, want 64", len(le), Size)
	}
}

func TestDecodeDataRoundTrip(t *testing.T) {
	inputs := []Data{
		{},
		{Nr: -1, Arch: 0xffffffff, InstructionPointer: ^uint64(0), Args: [6]uint64{^uint64(0), 1, 1 << 63, 0, 42, 0x8000000080000000}},
		{Nr: 0x40000000 | 515, Arch: 0xc000003e, InstructionPointer: 0x401000, Args: [6]uint64{1, 2, 3, 4, 5, 6}},
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, d := range inputs {
			b := d.Encode(order)
			got, err := DecodeData(b[:], order)
			if err != nil {
				t.Fatalf("%v: DecodeData: %v", order, err)
			}
			if got != d {
				t.Errorf("%v: DecodeData(Encode(%+v)) = %+v", order, d, got)
			}
		}
	}
}

func TestDecodeDataLength(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "seccomp_data is 0 bytes, want 64"},
		{63, "seccomp_data is 63 bytes, want 64"},
		{65, "seccomp_data is 65 bytes, want 64"},
		{128, "seccomp_data is 128 bytes, want 64"},
	}
	for _, tt := range tests {
		var b []byte
		if tt.n > 0 {
			b = make([]byte, tt.n)
		}
		_, err := DecodeData(b, binary.LittleEndian)
		if err == nil || err.Error() != tt.want {
			t.Errorf("DecodeData(%d bytes) error = %v, want %q", tt.n, err, tt.want)
			continue
		}
		var se *DataSizeError
		if !errors.As(err, &se) || se.Len != tt.n {
			t.Errorf("DecodeData(%d bytes) error %#v is not a *DataSizeError with Len %d", tt.n, err, tt.n)
		}
	}
}

func TestWordsNoAlloc(t *testing.T) {
	d := Data{Nr: 1, Arch: 2, InstructionPointer: 3, Args: [6]uint64{4}}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if n := testing.AllocsPerRun(100, func() { _ = d.Words(order) }); n != 0 {
			t.Errorf("%v: %v allocations per Words", order, n)
		}
	}
}
