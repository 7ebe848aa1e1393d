// Package fuzz is bpfsim's kit for differential fuzzing of seccomp filters
// and of the generators that write them (libseccomp, gVisor's rule compiler,
// go-seccomp-bpf, Kafel, or your own).
//
// It has three parts:
//
//   - Generators, built on github.com/google/gofuzz with custom fill
//     functions (Generator): seccomp_data inputs biased toward a program's own
//     constants (Generator.Inputs, Constants); valid programs shaped like real
//     filters, each with its own reference meaning (Generator.Policy,
//     Policy.Program, Policy.Eval); programs that sit just beside one of the
//     kernel's validation rules (Generator.Invalid); and mutations of existing
//     programs (Generator.Mutate). VerdictCase and EvalCase derive a program
//     (and inputs) from a fuzzing engine's bytes, the same way every time.
//   - Oracles that compare two views of the same program and report every
//     disagreement as a *Divergence: the verifier against the kernel's verdict
//     (CheckVerdict), the vm against the kernel's return values (CheckEval),
//     the vm against a reference predicate the caller supplies (CheckReference),
//     and which instructions a set of inputs executed (MeasureCoverage).
//   - Minimisation (Minimize, ShrinkProgram, ShrinkInput): a divergence is
//     reduced to a small program and input before it is kept.
//
// The regression corpus a divergence ends in, and its file format, are
// package github.com/bpfsim/bpfsim/corpus.
//
// The kernel oracle is any kernel.Kernel (*kernel.Oracle for the host);
// the package itself holds no state, so every value may be used from one
// goroutine at a time (Generator) or from many (everything else).
package fuzz
