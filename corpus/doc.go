// Package corpus is bpfsim's regression corpus, programs and what the
// kernel does with them, and the code of its file format. The data sits
// beside the code:
//
//   - samples/: small bpf_asm programs (the kernel's samples/seccomp);
//   - filters/: real-world filters as raw struct sock_filter arrays, data
//     copied from elsewhere (see filters/README.md), with their
//     expectations in real/;
//   - found/: every divergence between bpfsim's verifier or vm and the
//     kernel that a fuzzer found, minimised.
//
// Each NAME.expect.json (an Expectation) names a program file, the
// kernel's verdict, and a list of inputs (in bpfsim's --input JSON form,
// InputJSON) with the return value, action and, where making the call for
// real is harmless, outcome the kernel gave. None of it is written by hand
// or by bpfsim's own code: Expect asks a kernel.Kernel for every value, and
// "go run ./fuzz/cmd/corpusgen" (make corpus) uses it to produce every
// expectation from the live kernel; "corpusgen -crashers" turns fuzzing
// failures into found/ entries (WriteEntry).
//
// Replay checks an entry against the verifier and the vm, and against any
// kernel.Kernel again; this package's tests replay the whole corpus on
// every run (verifier and vm always, the live kernel where seccomp is
// available). Because Expect and Replay take the kernel.Kernel interface,
// the same corpus can check another kernel (another version, a guest) the
// same way.
//
// The format lives here, with its data, rather than in package fuzz: the
// fuzz package generates and compares, and knows nothing of files; this
// package depends on kernel, verifier, vm and internal/live, never on fuzz,
// so fuzz's tests and fuzz/cmd/corpusgen can import both without a cycle.
package corpus
