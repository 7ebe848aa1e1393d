// Package corpus holds no code: it is bpfsim's collection of programs and
// what the kernel does with them, replayed by this package's tests on every
// run (verifier and vm always, the live kernel where seccomp is available).
//
//   - samples/: small bpf_asm programs (the kernel's samples/seccomp);
//   - filters/: real-world filters as raw struct sock_filter arrays, data
//     copied from elsewhere (see filters/README.md), with their
//     expectations in real/;
//   - found/: every divergence between bpfsim's verifier or vm and the
//     kernel that a fuzzer found, minimised.
//
// Each NAME.expect.json (the schema is fuzz.Expectation) names a program
// file, the kernel's verdict, and a list of inputs (in bpfsim's --input
// JSON form) with the return value, action and, where making the call for
// real is harmless, outcome the kernel gave. None of it is written by hand
// or by bpfsim's own code: "go run ./fuzz/cmd/corpusgen" (make corpus)
// produces every expectation from the live kernel, and "corpusgen -crashers"
// turns fuzzing failures into found/ entries.
package corpus
