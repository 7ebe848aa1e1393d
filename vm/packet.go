package vm

import (
	"encoding/binary"

	"github.com/bpfsim/bpfsim/program"
)

// Packet is what a socket filter sees of a received packet: the linear
// buffer of a struct sk_buff, its header offsets, and the metadata the
// ancillary loads (SKF_AD_*) read. The zero value is an empty packet with no
// device and no link-layer header.
//
// Only linear packets are modelled: every byte from skb->head to the tail is
// in Buf, as for a packet without page fragments.
//
// Ancillary loads and where their value comes from (convert_bpf_extensions,
// net/core/filter.c; SKF_AD_OFF + N):
//
//	N   bpf_asm name   value
//	0   proto          Protocol (ntohs(skb->protocol), so in host order)
//	4   type           PktType & 7
//	8   ifidx          IfIndex if HasDev; without a device the program ends and returns the current A
//	12  nla            netlink attribute search in the packet data (below)
//	16  nlan           nested netlink attribute search (below)
//	20  mark           Mark
//	24  queue          Queue
//	28  hatype         Hatype if HasDev; without a device the program ends and returns the current A
//	32  rxhash         RxHash
//	36  cpu            CPU
//	40  (xor_x)        A ^= X; no data is read
//	44  vlan_tci       VlanTCI
//	48  vlan_avail     1 if VlanPresent, else 0
//	52  poff           PayOffset (the kernel computes skb_get_poff by flow dissection)
//	56  rand           Random (prandom_u32 in the kernel; fixed here so runs are deterministic)
//	60  vlan_tpid      VlanTPID
//
// ld, ldh and ldb of an ancillary offset all load the full value.
//
// nla and nlan are computed from the packet, as bpf_skb_get_nlattr and
// bpf_skb_get_nlattr_nest do: starting at data offset A, they walk the
// struct nlattr headers (nla_len, nla_type, host byte order, taken here as
// little-endian as on x86_64) looking for type X, and load the data offset of
// the attribute found, or 0. nlan first enters the attribute at A and
// searches its payload.
type Packet struct {
	// Buf is the linear buffer, from skb->head to skb_tail_pointer.
	Buf []byte
	// Data is the offset in Buf of skb->data: where "ld [0]" reads, and
	// where the packet length counts from ("ld #len" = len(Buf) - Data).
	// A value outside [0, len(Buf)] is treated as 0.
	Data int
	// Network is the offset in Buf of the network header, the base of
	// SKF_NET_OFF loads. It may lie before Data: UDP sockets see the UDP
	// header at offset 0 and the IP header before it. AF_UNIX sets it to
	// Data.
	Network int
	// MAC is the offset in Buf of the link-layer header, the base of
	// SKF_LL_OFF loads; it is used only when HasMAC is true.
	MAC int
	// HasMAC reports whether a link-layer header is set
	// (skb_mac_header_was_set). Without one, SKF_LL_OFF loads end the
	// program with 0.
	HasMAC bool

	// Protocol is skb->protocol in host order, e.g. 0x0800 for IPv4.
	Protocol uint16
	// PktType is skb->pkt_type (PACKET_HOST = 0, ...).
	PktType uint8
	// HasDev reports whether the packet has a device (skb->dev != NULL).
	HasDev bool
	// IfIndex is skb->dev->ifindex.
	IfIndex uint32
	// Hatype is skb->dev->type (ARPHRD_*).
	Hatype uint16
	// Mark is skb->mark.
	Mark uint32
	// Queue is skb->queue_mapping.
	Queue uint16
	// RxHash is skb->hash.
	RxHash uint32
	// CPU is the number of the CPU running the filter.
	CPU uint32
	// VlanTCI is skb->vlan_tci.
	VlanTCI uint16
	// VlanPresent reports whether a VLAN tag is present (skb->vlan_all != 0).
	VlanPresent bool
	// VlanTPID is skb->vlan_proto in host order.
	VlanTPID uint16
	// PayOffset is the payload offset the "poff" load returns.
	PayOffset uint32
	// Random is the value the "rand" load returns.
	Random uint32
}

// Special negative offsets of packet loads (include/uapi/linux/filter.h).
const (
	skfNetOff = -0x100000 // SKF_NET_OFF
	skfLLOff  = -0x200000 // SKF_LL_OFF
)

// data returns the offset of skb->data in Buf.
func (p *Packet) data() int {
	if p.Data < 0 || p.Data > len(p.Buf) {
		return 0
	}
	return p.Data
}

// load reads size (1, 2 or 4) bytes big-endian at the signed offset off, as
// bpf_skb_load_helper_{8,16,32} do after
// bpf_skb_load_helper_convert_offset (net/core/filter.c, since v6.15):
// off >= 0 is relative to skb->data; [SKF_NET_OFF, 0) to the network header;
// [SKF_LL_OFF, SKF_NET_OFF) to the link-layer header if one is set; anything
// else fails. The result must satisfy headlen - offset >= size. ok is false
// when the helper would return -EFAULT, which ends the program with 0
// (convert_bpf_ld_abs).
func (p *Packet) load(off int32, size int) (v uint32, ok bool) {
	data := p.data()
	var o int // offset relative to skb->data; may be negative
	switch {
	case off >= 0:
		o = int(off)
	case off >= skfNetOff:
		o = int(off) - skfNetOff + p.Network - data
	case off >= skfLLOff && p.HasMAC:
		o = int(off) - skfLLOff + p.MAC - data
	default:
		return 0, false
	}
	if len(p.Buf)-data-o < size {
		return 0, false
	}
	i := data + o
	if i < 0 {
		// Cannot happen for header offsets inside the buffer; keeps a
		// malformed Packet from panicking.
		return 0, false
	}
	b := p.Buf[i : i+size]
	switch size {
	case 4:
		return binary.BigEndian.Uint32(b), true
	case 2:
		return uint32(binary.BigEndian.Uint16(b)), true
	}
	return uint32(b[0]), true
}

// ancillary returns the value of the ancillary load SKF_AD_OFF + n, or
// stop = true when the program ends here returning the current A
// (convert_bpf_extensions: ifindex and hatype exit when skb->dev is NULL).
func (p *Packet) ancillary(n, a, x uint32) (v uint32, stop bool) {
	switch n {
	case program.AncProtocol:
		return uint32(p.Protocol), false
	case program.AncPktType:
		return uint32(p.PktType & 7), false // PKT_TYPE_MAX
	case program.AncIfIndex:
		return p.IfIndex, !p.HasDev
	case program.AncNLAttr:
		return p.nlattr(a, x, false), false
	case program.AncNLAttrNest:
		return p.nlattr(a, x, true), false
	case program.AncMark:
		return p.Mark, false
	case program.AncQueue:
		return uint32(p.Queue), false
	case program.AncHatype:
		return uint32(p.Hatype), !p.HasDev
	case program.AncRxHash:
		return p.RxHash, false
	case program.AncCPU:
		return p.CPU, false
	case program.AncVlanTag:
		return uint32(p.VlanTCI), false
	case program.AncVlanTagPresent:
		if p.VlanPresent {
			return 1, false
		}
		return 0, false
	case program.AncPayOffset:
		return p.PayOffset, false
	case program.AncRandom:
		return p.Random, false
	case program.AncVlanTPID:
		return uint32(p.VlanTPID), false
	}
	// Compile admits only the offsets above.
	return 0, false
}

// nlattr is bpf_skb_get_nlattr (nested = false) and bpf_skb_get_nlattr_nest
// (nested = true) from net/core/filter.c, over the packet data.
func (p *Packet) nlattr(a, x uint32, nested bool) uint32 {
	b := p.Buf[p.data():]
	n := uint32(len(b)) // skb->len
	const hdr = 4       // sizeof(struct nlattr)
	if n < hdr || a > n-hdr {
		return 0
	}
	if !nested {
		return nlaFind(b, int(a), int(n-a), x)
	}
	l := uint32(binary.LittleEndian.Uint16(b[a:]))
	if l > n-a {
		return 0
	}
	// nla_find_nested: search nla_data(nla) for nla_len(nla) bytes; a
	// header shorter than 4 gives a negative length and finds nothing.
	return nlaFind(b, int(a)+hdr, int(l)-hdr, x)
}

// nlaFind is nla_find (lib/nlattr.c) with nla_ok and nla_next
// (include/net/netlink.h): it walks attributes from b[pos] for rem bytes and
// returns the offset in b of the first whose type (nla_type & NLA_TYPE_MASK)
// is typ, or 0.
func nlaFind(b []byte, pos, rem int, typ uint32) uint32 {
	// pos+rem <= len(b) holds throughout, so each header read is in range.
	for rem >= 4 {
		l := int(binary.LittleEndian.Uint16(b[pos:]))
		if l < 4 || l > rem {
			break
		}
		if uint32(binary.LittleEndian.Uint16(b[pos+2:])&0x3fff) == typ {
			return uint32(pos)
		}
		total := (l + 3) &^ 3 // NLA_ALIGN
		rem -= total
		pos += total
	}
	return 0
}
