package vm

import (
	"encoding/binary"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
)

// Expected values: docs/kernel-semantics.md §4 (seccomp_data layout, live for
// x86_64) and §1 ("ld #len" = 64, live).
func TestSeccompLoads(t *testing.T) {
	d := &seccompdata.Data{
		Nr: 257, Arch: seccompdata.AuditArchX86_64, InstructionPointer: 0x00007fff12345678,
		Args: [6]uint64{0x0102030405060708, 2, 3, 4, 5, 0xaabbccdd11223344},
	}
	tests := []struct {
		name  string
		prog  []asm
		order binary.ByteOrder
		want  uint32
	}{
		{"nr", []asm{ld(0), reta()}, binary.LittleEndian, 257},
		{"arch", []asm{ld(4), reta()}, binary.LittleEndian, 0xc000003e},
		{"ip low word at 8", []asm{ld(8), reta()}, binary.LittleEndian, 0x12345678},
		{"ip high word at 12", []asm{ld(12), reta()}, binary.LittleEndian, 0x00007fff},
		{"rdi low half at 16", []asm{ld(16), reta()}, binary.LittleEndian, 0x05060708},
		{"rdi high half at 20", []asm{ld(20), reta()}, binary.LittleEndian, 0x01020304},
		{"last word, high half of args[5]", []asm{ld(60), reta()}, binary.LittleEndian, 0xaabbccdd},
		{"big-endian arch: high half first", []asm{ld(16), reta()}, binary.BigEndian, 0x01020304},
		{"big-endian arch: low half second", []asm{ld(20), reta()}, binary.BigEndian, 0x05060708},
		{"ld #len is 64", []asm{ldlen(), reta()}, binary.LittleEndian, 64},
		{"ldx #len is 64", []asm{ldxlen(), txa(), reta()}, binary.LittleEndian, 64},
		{"scratch st/ld", []asm{ld(0), st(15), ldi(0), ldm(15), reta()}, binary.LittleEndian, 257},
		{"scratch stx/ldx", []asm{ldxi(77), stx(3), ldxi(0), ldxm(3), txa(), reta()}, binary.LittleEndian, 77},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustCompile(t, verifier.Seccomp, tt.prog...)
			if got := f.RunData(d, tt.order); got != tt.want {
				t.Errorf("got %#x, want %#x", got, tt.want)
			}
			w := d.Words(tt.order)
			if got := f.RunSeccomp(&w); got != tt.want {
				t.Errorf("RunSeccomp: got %#x, want %#x", got, tt.want)
			}
		})
	}
}

// Expected values: docs/kernel-semantics.md §3 (packet rows and the ancillary
// table, live on AF_UNIX and UDP) and §10.14.
func TestPacketLoads(t *testing.T) {
	const (
		w, h, b = program.SizeW, program.SizeH, program.SizeB
		netOff  = program.NetOffset
		llOff   = program.LinkOffset
	)
	pkt := []byte{0x01, 0x08, 0x0f, 0x16, 0x2a, 0x3b, 0x4c, 0x5d}
	unix := &Packet{Buf: pkt} // AF_UNIX: network header at data, no MAC, no device

	// A UDP datagram as a UDP socket's filter sees it: skb->data at the UDP
	// header, the IPv4 header (IHL 5, protocol 17) before it.
	udpBuf := []byte{
		0x45, 0, 0, 31, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, // IPv4
		0x30, 0x39, 0x00, 0x44, 0x00, 0x0b, 0x00, 0x00, // UDP 12345 -> 68, len 11
		'a', 'b', 'c',
	}
	udp := &Packet{Buf: udpBuf, Data: 20, Network: 0}

	eth := &Packet{Buf: append([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}, pkt...),
		Data: 14, Network: 14, MAC: 0, HasMAC: true}

	dev := &Packet{
		Buf: pkt, HasDev: true, IfIndex: 3, Hatype: 1, Protocol: 0x0800, PktType: 0x0b,
		Mark: 0x12345678, Queue: 5, RxHash: 0xcafef00d, CPU: 1, VlanTCI: 0x2064,
		VlanPresent: true, VlanTPID: 0x8100, PayOffset: 42, Random: 0x5eed,
	}

	tests := []struct {
		name string
		pkt  *Packet
		prog []asm
		want uint32
	}{
		{"ld [0] is big-endian", unix, []asm{ld(0), reta()}, 0x01080f16},
		{"ldh [0]", unix, []asm{ldh(0), reta()}, 0x0108},
		{"ldh [2]", unix, []asm{ldh(2), reta()}, 0x0f16},
		{"ldb [3]", unix, []asm{ldb(3), reta()}, 0x16},
		{"ld [len-4] fits", unix, []asm{ld(4), reta()}, 0x2a3b4c5d},
		{"ld [len-3] stops with 0", unix, []asm{ld(5), ret(7)}, 0},
		{"ldh [len-1] stops with 0", unix, []asm{ldh(7), ret(7)}, 0},
		{"ldb [len-1] fits", unix, []asm{ldb(7), reta()}, 0x5d},
		{"ldb [len] stops with 0", unix, []asm{ldi(9), ldb(8), ret(7)}, 0},
		{"ld [0x7fffffff] stops with 0", unix, []asm{ld(0x7fffffff), ret(7)}, 0},
		{"empty packet: ldb [0] stops with 0", &Packet{}, []asm{ldb(0), ret(7)}, 0},
		{"ld #len", unix, []asm{ldlen(), reta()}, 8},
		{"ldx #len", unix, []asm{ldxlen(), txa(), reta()}, 8},

		// LD IND: offset (int32)(X + k).
		{"ldb [x+2] with X=0xffffffff loads byte 1", unix, []asm{ldxi(0xffffffff), ldind(b, 2), reta()}, 0x08},
		{"ld [x+3] with X=1", unix, []asm{ldxi(1), ldind(w, 3), reta()}, 0x2a3b4c5d},
		{"ld [x+4] with X=1 is past the end", unix, []asm{ldxi(1), ldind(w, 4), ret(7)}, 0},
		{"ldh [x+0] with X=6", unix, []asm{ldxi(6), ldind(h, 0), reta()}, 0x4c5d},
		{"IND into the ancillary range is out of range", dev, []asm{ldind(w, anc(program.AncMark)), ret(7)}, 0},
		{"IND x=0xfffff000 is out of range", dev, []asm{ldxi(0xfffff000), ldind(b, 0), ret(7)}, 0},

		// Negative ABS offsets.
		{"ld [SKF_NET_OFF] reads the network header (AF_UNIX: data)", unix, []asm{ld(netOff), reta()}, 0x01080f16},
		{"ldb [SKF_NET_OFF+7]", unix, []asm{ldb(netOff + 7), reta()}, 0x5d},
		{"ld [0xffffefff] returns 0 on AF_UNIX", unix, []asm{ld(0xffffefff), ret(7)}, 0},
		{"ld [0x80000000] returns 0", unix, []asm{ld(0x80000000), ret(7)}, 0},
		{"ld [SKF_LL_OFF] without a MAC header returns 0", unix, []asm{ld(llOff), ret(7)}, 0},
		{"ld [SKF_LL_OFF-1] returns 0", eth, []asm{ld(llOff - 1), ret(7)}, 0},
		{"ldh [SKF_LL_OFF+12] reads the ethertype", eth, []asm{ldh(llOff + 12), reta()}, 0x0800},
		{"ld [SKF_NET_OFF] after the MAC header", eth, []asm{ld(netOff), reta()}, 0x01080f16},
		{"ld [0] after the MAC header", eth, []asm{ld(0), reta()}, 0x01080f16},
		{"ld #len excludes the MAC header", eth, []asm{ldlen(), reta()}, 8},
		{"UDP: ldb [SKF_NET_OFF+9] is 17", udp, []asm{ldb(netOff + 9), reta()}, 17},
		{"UDP: ldh [0] is the source port", udp, []asm{ldh(0), reta()}, 12345},
		{"UDP: #len is UDP header plus payload", udp, []asm{ldlen(), reta()}, 11},
		{"UDP: ldxb on the net header, then ldh [x+SKF_NET_OFF+2]", udp,
			[]asm{ldxb(netOff), ldind(h, netOff+2), reta()}, 68},

		// ldxb 4*([k]&0xf)
		{"ldxb sets X", unix, []asm{ldxb(0), txa(), reta()}, 4},
		{"ldxb keeps A", unix, []asm{ldi(0x1234), ldxb(0), reta()}, 0x1234},
		{"ldxb of 0x45 gives 20", udp, []asm{ldxb(netOff), txa(), reta()}, 20},
		{"ldxb past the end stops with 0", unix, []asm{ldi(5), ldxb(8), ret(7)}, 0},
		{"ldxb has no ancillary decoding", dev, []asm{ldi(5), ldxb(anc(program.AncMark)), ret(7)}, 0},

		// Ancillary loads.
		{"xor_x: 0xff00^0x0ff0", unix, []asm{ldi(0xff00), ldxi(0x0ff0), ld(anc(program.AncAluXorX)), reta()}, 0xf0f0},
		{"ldb xor_x is the same", unix, []asm{ldi(0xff00), ldxi(0x0ff0), ldb(anc(program.AncAluXorX)), reta()}, 0xf0f0},
		{"ifidx without device returns current A", unix, []asm{ldi(0x34), ld(anc(program.AncIfIndex)), ret(7)}, 52},
		{"hatype without device returns current A", unix, []asm{ldi(0x34), ldh(anc(program.AncHatype)), ret(7)}, 52},
		{"ifidx with device", dev, []asm{ld(anc(program.AncIfIndex)), reta()}, 3},
		{"hatype with device", dev, []asm{ld(anc(program.AncHatype)), reta()}, 1},
		{"ldb mark loads the full value", dev, []asm{ldb(anc(program.AncMark)), reta()}, 0x12345678},
		{"ldh mark loads the full value", dev, []asm{ldh(anc(program.AncMark)), reta()}, 0x12345678},
		{"proto", dev, []asm{ld(anc(program.AncProtocol)), reta()}, 0x0800},
		{"type is pkt_type & 7", dev, []asm{ld(anc(program.AncPktType)), reta()}, 3},
		{"queue", dev, []asm{ld(anc(program.AncQueue)), reta()}, 5},
		{"rxhash", dev, []asm{ld(anc(program.AncRxHash)), reta()}, 0xcafef00d},
		{"cpu", dev, []asm{ld(anc(program.AncCPU)), reta()}, 1},
		{"vlan_tci", dev, []asm{ld(anc(program.AncVlanTag)), reta()}, 0x2064},
		{"vlan_avail", dev, []asm{ld(anc(program.AncVlanTagPresent)), reta()}, 1},
		{"vlan_tpid", dev, []asm{ld(anc(program.AncVlanTPID)), reta()}, 0x8100},
		{"poff", dev, []asm{ld(anc(program.AncPayOffset)), reta()}, 42},
		{"rand", dev, []asm{ld(anc(program.AncRandom)), reta()}, 0x5eed},
		{"AF_UNIX proto is 0", unix, []asm{ldi(9), ld(anc(program.AncProtocol)), reta()}, 0},
		{"AF_UNIX vlan_avail is 0", unix, []asm{ldi(9), ld(anc(program.AncVlanTagPresent)), reta()}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustCompile(t, verifier.Socket, tt.prog...)
			if got := f.RunSocket(tt.pkt); got != tt.want {
				t.Errorf("got %#x (%d), want %#x (%d)", got, got, tt.want, tt.want)
			}
		})
	}
}

// TestRunPacketIsAFUnix checks that RunPacket is RunSocket on an AF_UNIX
// style Packet.
func TestRunPacketIsAFUnix(t *testing.T) {
	f := mustCompile(t, verifier.Socket, ld(program.NetOffset), reta())
	pkt := []byte{1, 2, 3, 4}
	if got, want := f.RunPacket(pkt), f.RunSocket(&Packet{Buf: pkt}); got != want || got != 0x01020304 {
		t.Errorf("RunPacket = %#x, RunSocket = %#x, want 0x01020304", got, want)
	}
}

// TestNetlinkAttributes follows bpf_skb_get_nlattr and
// bpf_skb_get_nlattr_nest (net/core/filter.c) with nla_find
// (lib/nlattr.c). The attributes are little-endian, as on x86_64.
func TestNetlinkAttributes(t *testing.T) {
	attr := func(typ uint16, payload ...byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(4+len(payload)))
		b = binary.LittleEndian.AppendUint16(b, typ)
		b = append(b, payload...)
		for len(b)%4 != 0 {
			b = append(b, 0) // NLA_ALIGN padding
		}
		return b
	}
	var buf []byte
	buf = append(buf, attr(1, 1, 2, 3, 4)...)               // offset 0
	buf = append(buf, attr(2, 9)...)                        // offset 8, nla_len 5
	nested := append(attr(7, 1, 1, 1, 1), attr(8, 2, 2)...) // 8 + 8 bytes
	buf = append(buf, attr(3|0x8000, nested...)...)         // offset 16, NLA_F_NESTED; inner at 20 and 28
	buf = append(buf, attr(0x4005)...)                      // offset 36, NLA_F_NET_BYTEORDER
	pkt := &Packet{Buf: buf}

	nla := ld(anc(program.AncNLAttr))
	nlan := ld(anc(program.AncNLAttrNest))
	tests := []struct {
		name string
		prog []asm
		want uint32
	}{
		{"first attribute is at 0", []asm{ldxi(1), nla, reta()}, 0},
		{"second attribute", []asm{ldxi(2), nla, reta()}, 8},
		{"type ignores NLA_F_NESTED", []asm{ldxi(3), nla, reta()}, 16},
		{"type ignores NLA_F_NET_BYTEORDER", []asm{ldxi(5), nla, reta()}, 36},
		{"not found", []asm{ldxi(9), nla, reta()}, 0},
		{"search from A", []asm{ldi(8), ldxi(3), nla, reta()}, 16},
		{"no search inside nested attributes", []asm{ldxi(8), nla, reta()}, 0},
		{"A beyond len-4", []asm{ldi(37), ldxi(5), nla, reta()}, 0},
		{"type 0x4005 never matches", []asm{ldxi(0x4005), nla, reta()}, 0},
		{"nlan finds the first inner attribute", []asm{ldi(16), ldxi(7), nlan, reta()}, 20},
		{"nlan finds the second inner attribute", []asm{ldi(16), ldxi(8), nlan, reta()}, 28},
		{"nlan misses an outer type", []asm{ldi(16), ldxi(1), nlan, reta()}, 0},
		{"nlan with A beyond len-4", []asm{ldi(38), ldxi(0), nlan, reta()}, 0},
		{"nlan of an empty nested attribute", []asm{ldi(36), ldxi(0), nlan, reta()}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustCompile(t, verifier.Socket, tt.prog...)
			if got := f.RunSocket(pkt); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}

	// An nla_len larger than the rest of the packet: nla_ok fails for
	// nla, and nlan's "nla->nla_len > skb->len - a" check returns 0.
	bad := &Packet{Buf: append(append(attr(5), attr(1, 1, 2, 3, 4)...), attr(2)...)}
	binary.LittleEndian.PutUint16(bad.Buf[12:], 100) // attribute 2 at offset 12
	for _, tt := range []struct {
		name string
		prog []asm
		want uint32
	}{
		{"nla finds what precedes an overlong attribute", []asm{ldxi(1), nla, reta()}, 4},
		{"nla stops at an overlong attribute", []asm{ldxi(2), nla, reta()}, 0},
		{"nlan rejects an overlong attribute", []asm{ldi(12), ldxi(0), nlan, reta()}, 0},
		{"nlan of a header-only attribute finds nothing", []asm{ldi(0), ldxi(0), nlan, reta()}, 0},
	} {
		f := mustCompile(t, verifier.Socket, tt.prog...)
		if got := f.RunSocket(bad); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestCrossModeRuns checks the documented behaviour of running a filter on
// the other kind of input: no panic, zero data or an empty packet.
func TestCrossModeRuns(t *testing.T) {
	sec := mustCompile(t, verifier.Seccomp, ld(0), alu(program.OpADD, 1), reta())
	if got := sec.RunPacket([]byte{9, 9, 9, 9}); got != 1 {
		t.Errorf("seccomp filter on a packet: got %d, want 1 (zero seccomp_data)", got)
	}
	sock := mustCompile(t, verifier.Socket, ldi(3), ldb(0), ret(7))
	w := [16]uint32{1, 2, 3}
	if got := sock.RunSeccomp(&w); got != 0 {
		t.Errorf("socket filter on seccomp_data: got %d, want 0 (empty packet)", got)
	}
}
