// Package goseccompbpf is a worked example of fuzzing a real filter
// generator with bpfsim's fuzz package: github.com/elastic/go-seccomp-bpf,
// a pure-Go policy-to-BPF assembler. It holds no code outside its tests, so
// that importers of the fuzz package never depend on go-seccomp-bpf.
//
// Its tests make random go-seccomp-bpf policies with plain functions that
// draw every choice from a fuzz.Generator (Intn, Uint32), so that a seed or
// a fuzzing engine's bytes decide the policy and its inputs alike. They
// assemble each policy with the library and check the program four ways:
// the verifier against the kernel's verdict, the vm against the kernel's
// return values, the vm against a small reference of what the policy means
// (intended), and the coverage the inputs reached. TestGoSeccompBPF runs a
// fixed number of policies in every CI run; FuzzGoSeccompBPF is the same
// check as a native fuzz target.
//
// Finding (go-seccomp-bpf v1.6.0): after a syscall with argument conditions
// whose number matched but whose conditions failed, the accumulator still
// holds the last argument half loaded, and the filter goes on comparing it
// with the numbers of the following syscalls and groups as if it were nr.
// A call that should get the default action can so get the action of a
// later rule whose syscall number happens to equal one of its argument
// halves. The tests model that behaviour (asBuilt) to tell it apart from
// anything new; intended is the policy's documented meaning.
package goseccompbpf
