package seccompdata

import "encoding/binary"

// Size is sizeof(struct seccomp_data), also the value of "ld #len" in a
// seccomp filter.
const Size = 64

// Data is struct seccomp_data (include/uapi/linux/seccomp.h), the input a
// seccomp filter reads.
type Data struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// Words returns the 16 32-bit words a filter loads with "ld [4*i]", as the
// kernel lays out the structure in memory in the given byte order: on a
// little-endian arch the low half of each 64-bit field comes first, on a
// big-endian arch the high half (populate_seccomp_data, kernel/seccomp.c).
func (d *Data) Words(order binary.ByteOrder) [16]uint32 {
	var b [Size]byte
	d.encode(b[:], order)
	var w [16]uint32
	for i := range w {
		w[i] = order.Uint32(b[4*i:])
	}
	return w
}

func (d *Data) encode(b []byte, order binary.ByteOrder) {
	order.PutUint32(b[0:], uint32(d.Nr))
	order.PutUint32(b[4:], d.Arch)
	order.PutUint64(b[8:], d.InstructionPointer)
	for i, a := range d.Args {
		order.PutUint64(b[16+8*i:], a)
	}
}
