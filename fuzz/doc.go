// Package fuzz is bpfsim's kit for differential fuzzing of seccomp filters
// and of the generators that write them (libseccomp, gVisor's rule compiler,
// go-seccomp-bpf, Kafel, or your own).
//
// It has three parts:
//
//   - Generators (Generator), from a seed or a fuzzing engine's bytes:
//     seccomp_data inputs biased toward a program's own constants
//     (Generator.Inputs, Constants); valid programs, either shaped like real
//     filters with their own reference meaning (Generator.Policy,
//     Policy.Program, Policy.Eval) or made of any seccomp opcode
//     (Generator.Arith), one or the other (Generator.Valid); programs that
//     sit just beside one of the kernel's validation rules
//     (Generator.Invalid); and mutations of existing programs
//     (Generator.Mutate). A caller builds its own policy types from the same
//     source with Generator.Intn, Uint32, Uint64 and Fill. VerdictCase and
//     EvalCase derive a program (and inputs) from a fuzzing engine's bytes
//     the way bpfsim's own fuzz targets do, the same way every time.
//   - Oracles that compare two views of the same program and report every
//     disagreement as a *Divergence: the verifier against the kernel's verdict
//     (CheckVerdict), the vm against the kernel's return values (CheckEval),
//     the vm against a reference predicate the caller supplies (CheckReference),
//     and which instructions a set of inputs executed (MeasureCoverage).
//   - Minimisation (Minimize, ShrinkProgram, ShrinkInput): a divergence is
//     reduced to a small program and input before it is kept or reported
//     (Divergence.Error prints the program as Hex and bpf_asm text).
//
// The regression corpus a divergence ends in, and its file format, are
// package github.com/bpfsim/bpfsim/corpus.
//
// # The engine inside
//
// A Generator fills values with sigs.k8s.io/randfill, the maintained fork
// of github.com/google/gofuzz (archived, read-only, so no fix would ever
// reach it), given bpfsim's own fill functions for seccompdata.Data,
// seccompdata.Action, Policy, Rule and Cond, and fed from the seed or
// through randfill's bytesource from a fuzzing engine's bytes. The engine
// is not part of the API: callers draw from the Generator (Intn, Uint32,
// Uint64, Fill), so it can change again without breaking them. randfill
// consumes its source exactly as gofuzz v1.2.0 did for these fill
// functions, so the switch left every generated program and input as it
// was (crashers saved before it still replay). randfill's authors support
// it for Kubernetes first; were it to stall too, what bpfsim uses of it
// (custom fill functions by type, default filling, a byte source) is small
// enough to replace behind the same API.
//
// The kernel oracle is any kernel.Kernel (*kernel.Oracle for the host);
// the package itself holds no state, so every value may be used from one
// goroutine at a time (Generator) or from many (everything else).
package fuzz
