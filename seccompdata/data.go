package seccompdata

import (
	"encoding/binary"
	"fmt"
)

// Size is sizeof(struct seccomp_data) (include/uapi/linux/seccomp.h), also
// the value of "ld #len" in a seccomp filter (seccomp_check_filter,
// kernel/seccomp.c).
const Size = 64

// Data is struct seccomp_data (include/uapi/linux/seccomp.h), the input a
// seccomp filter reads.
type Data struct {
	Nr                 int32     `json:"nr"`
	Arch               uint32    `json:"arch"`
	InstructionPointer uint64    `json:"instruction_pointer"`
	Args               [6]uint64 `json:"args"`
}

// Words returns the 16 32-bit words a filter loads with "ld [4*i]", as the
// kernel lays out the structure in memory in the given byte order: on a
// little-endian arch the low half of each 64-bit field comes first, on a
// big-endian arch the high half (populate_seccomp_data, kernel/seccomp.c).
func (d *Data) Words(order binary.ByteOrder) [16]uint32 {
	var w [16]uint32
	w[0] = uint32(d.Nr)
	w[1] = d.Arch
	// Splitting the 64-bit fields directly (rather than encoding to bytes
	// and reading them back through the interface) keeps Words free of
	// allocations on the hot path of every evaluation.
	big := isBigEndian(order)
	split := func(i int, v uint64) {
		lo, hi := uint32(v), uint32(v>>32)
		if big {
			lo, hi = hi, lo
		}
		w[i], w[i+1] = lo, hi
	}
	split(2, d.InstructionPointer)
	for i, a := range d.Args {
		split(4+2*i, a)
	}
	return w
}

// isBigEndian reports whether order stores the most significant byte
// first.
func isBigEndian(order binary.ByteOrder) bool {
	switch order {
	case binary.BigEndian:
		return true
	case binary.LittleEndian:
		return false
	}
	var b [2]byte
	order.PutUint16(b[:], 1)
	return b[0] == 0
}

// Encode returns the 64 bytes of d as the kernel holds struct seccomp_data
// in memory on an arch of the given byte order: nr at 0, arch at 4,
// instruction_pointer at 8 and args[i] at 16+8*i, each in that order.
func (d *Data) Encode(order binary.ByteOrder) [Size]byte {
	var b [Size]byte
	d.encode(b[:], order)
	return b
}

func (d *Data) encode(b []byte, order binary.ByteOrder) {
	order.PutUint32(b[OffsetNr:], uint32(d.Nr))
	order.PutUint32(b[OffsetArch:], d.Arch)
	order.PutUint64(b[OffsetInstructionPointer:], d.InstructionPointer)
	for i, a := range d.Args {
		order.PutUint64(b[OffsetArgs+8*i:], a)
	}
}

// DataSizeError is the error DecodeData returns for input that is not
// exactly Size bytes long.
type DataSizeError struct {
	Len int // the length that was given
}

// Error returns "seccomp_data is N bytes, want 64".
func (e *DataSizeError) Error() string {
	return fmt.Sprintf("seccomp_data is %d bytes, want %d", e.Len, Size)
}

// DecodeData is the inverse of Encode: it reads a struct seccomp_data laid
// out in the given byte order. b must be exactly Size bytes long; any other
// length gives a *DataSizeError.
func DecodeData(b []byte, order binary.ByteOrder) (Data, error) {
	if len(b) != Size {
		return Data{}, &DataSizeError{Len: len(b)}
	}
	var d Data
	d.Nr = int32(order.Uint32(b[OffsetNr:]))
	d.Arch = order.Uint32(b[OffsetArch:])
	d.InstructionPointer = order.Uint64(b[OffsetInstructionPointer:])
	for i := range d.Args {
		d.Args[i] = order.Uint64(b[OffsetArgs+8*i:])
	}
	return d, nil
}
