# bpfsim: the usual entry points. Every target is a thin wrapper around the
# go command, so nothing here is needed to build or test.
GO       ?= go
FUZZTIME ?= 30s

.PHONY: build test generate bench check kernels

# Static binaries: --kernel boots them as a QEMU guest's /init.
build:
	CGO_ENABLED=0 $(GO) build -o bin/ ./cmd/...

test:
	$(GO) test ./...

check:
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...

generate:
	$(GO) generate ./...

# bench runs the vm and verifier benchmarks, then the side-by-side ones
# (bench/, a module of its own: bpfsim's fast path and plain loop, x/net/bpf
# and gVisor's pkg/bpf on the same filters and inputs) and prints those as
# a Markdown table. The table tool is built first, so that its compilation
# does not run beside the benchmarks. BENCHFLAGS goes to both runs, e.g.
# BENCHFLAGS='-benchtime=200ms' or '-count=5' (the table shows medians).
BENCHFLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(BENCHFLAGS) ./vm/ ./verifier/
	cd bench && tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(GO) build -o "$$tmp/benchtable" ./cmd/benchtable && \
		$(GO) test -run '^$$' -bench . -benchmem $(BENCHFLAGS) | "$$tmp/benchtable"

# fuzz runs every native Go fuzz target for FUZZTIME each (go test can fuzz
# one target per invocation), with FUZZPARALLEL workers. The kernel targets
# skip (and pass) where seccomp is unavailable. Failures are saved under
# the package's testdata/fuzz/ and the run stops at the first one;
# `go run ./fuzz/cmd/corpusgen -crashers DIR` turns them into corpus entries.
# fuzz/fuzz.sh tolerates Go 1.26's spurious end-of-fuzztime failure.
FUZZPARALLEL ?= 1
# Go minimises each new interesting input for up to 60s by default, which
# at a few hundred kernel round trips a second stalls short runs.
FUZZMINIMIZETIME ?= 5s
FUZZ_TARGETS = ./fuzz:FuzzVerifierVsKernel ./fuzz:FuzzVMVsKernel ./fuzz:FuzzPolicyReference \
	./fuzz:FuzzReaders ./fuzz/examples/goseccompbpf:FuzzGoSeccompBPF \
	./program:FuzzDecode ./program:FuzzAnnotate ./vm:FuzzRun ./vm:FuzzFastPath ./decision:FuzzTableVsVM ./decision:FuzzProgramVsVM ./internal/input:FuzzParseFast

.PHONY: fuzz corpus property
fuzz:
	GO=$(GO) sh fuzz/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME) $(FUZZPARALLEL) $(FUZZ_TARGETS)

# property runs the decision tables' property test at full size: 1,000,000
# (program, input) pairs from the fuzz generators, table against vm
# (BPFSIM_SEED=N for another seed).
property:
	BPFSIM_LONG=1 $(GO) test -run '^TestProperty$$' -count=1 -v ./decision/

# corpus regenerates every expectation file of corpus/ from the live kernel.
corpus:
	$(GO) run ./fuzz/cmd/corpusgen

# kernels fetches the Debian kernel images of the VM matrix (5.10, 6.1,
# 6.12) into ~/.cache/bpfsim/kernels (BPFSIM_KERNELS overrides), with a
# private apt sources list built from this machine's; nothing is installed.
kernels:
	sh guest/kernels.sh
