// Package vm runs classic BPF programs the way the Linux kernel does: a
// seccomp filter on the 64-byte seccomp_data, or a socket filter on a
// packet, with the kernel's runtime semantics rather than BSD's or
// golang.org/x/net/bpf's.
//
// A program is first checked by the verifier and compiled once by Compile
// into a *Filter, a compact form for a single interpreter loop. The kernel
// itself translates cBPF to eBPF (bpf_convert_filter, net/core/filter.c)
// and JITs it; the rules implemented here are the observable behaviour of
// that translation on x86_64 (docs/kernel-semantics.md §3):
//
//   - A and X start at 0; arithmetic is 32-bit with wraparound; DIV and
//     MOD are unsigned; NEG is two's complement.
//   - DIV or MOD by X == 0 ends the program with return value 0.
//   - LSH and RSH by X shift by X & 31.
//   - Every comparison is unsigned 32-bit; JSET tests A & operand != 0.
//   - Seccomp loads read host-order words of seccomp_data; "ld #len" is 64.
//   - Packet loads are big-endian; a load outside the packet ends the
//     program with return value 0; negative offsets address the network
//     and link-layer headers or, for absolute loads, ancillary data.
//
// The same loop serves both kinds of filter; only the load instructions
// differ, and Compile picks their variant from the mode, much as the kernel
// plugs a different load helper into the same translation.
//
// A Stack evaluates several seccomp filters with the precedence of
// seccomp_run_filters, and Outcome turns a filter's return value into what
// the calling thread experiences (__seccomp_filter, kernel/seccomp.c).
//
// A *Filter is immutable after Compile and safe for concurrent use.
// RunSeccomp, RunPacket, RunSocket and Stack.Run do not allocate; tracing
// may.
package vm
