package program

import "encoding/binary"

// rawSize is sizeof(struct sock_filter).
const rawSize = 8

// decodeRaw reads an array of struct sock_filter; no bytes are no
// instructions.
func decodeRaw(data []byte, bigEndian bool, name string) (Program, error) {
	if len(data)%rawSize != 0 {
		e := inputError(name, "length %d is not a multiple of %d", len(data), rawSize)
		e.Offset = int64(len(data))
		return nil, e
	}
	if len(data)/rawSize > MaxDecodeInstructions {
		e := inputError(name, "more than %d instructions (the kernel takes at most %d)", MaxDecodeInstructions, MaxInstructions)
		e.Offset = MaxDecodeInstructions * rawSize
		return nil, e
	}
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	p := make(Program, len(data)/rawSize)
	for i := range p {
		b := data[i*rawSize : (i+1)*rawSize]
		p[i] = Instruction{Op: order.Uint16(b[0:2]), Jt: b[2], Jf: b[3], K: order.Uint32(b[4:8])}
	}
	return p, nil
}

// encodeRaw writes p as an array of struct sock_filter.
func encodeRaw(p Program, bigEndian bool) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	out := make([]byte, len(p)*rawSize)
	for i, ins := range p {
		b := out[i*rawSize : (i+1)*rawSize]
		order.PutUint16(b[0:2], ins.Op)
		b[2], b[3] = ins.Jt, ins.Jf
		order.PutUint32(b[4:8], ins.K)
	}
	return out
}
