// Package bench compares seccomp filter interpreters side by side, in one
// "go test -bench" run, on the same filters and the same inputs:
//
//   - bpfsim: bpfsim's (*vm.Filter).RunSeccomp, the fast path;
//   - bpfsim-plain: (*vm.Filter).RunSeccompPlain, the plain loop;
//   - xnetbpf: golang.org/x/net/bpf's VM, fed seccomp_data with each word
//     written big-endian, so that its big-endian loads read the words the
//     kernel's loads read (docs/kernel-semantics.md §9);
//   - gvisor: gVisor's pkg/bpf, Compile without its optimizer (so that it
//     runs the same program) and Exec[NativeEndian] on seccomp_data in the
//     host's byte order, as gVisor's own seccomp code runs filters.
//
// The filters are four from corpus/filters (see Filters); the input sets
// are a recorded server syscall mix, the worst case of each filter, and
// random inputs (see Sets). BenchmarkSideBySide reports ns/eval, ns per
// executed instruction of the original program (counted beforehand with
// TraceSeccomp), the mean number of executed instructions, and allocations;
// cmd/benchtable turns its output into a Markdown table.
//
// This is a separate module so that x/net/bpf and gVisor stay out of
// bpfsim's own dependencies and out of "go test ./..." at the root.
package bench
