# bpfsim: the usual entry points. Every target is a thin wrapper around the
# go command, so nothing here is needed to build or test.
GO       ?= go
FUZZTIME ?= 30s

.PHONY: build test generate bench check kernels diff

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

# KERNEL (default $BPFSIM_KERNEL) sends the live kernel work of diff and
# fuzz to a disposable QEMU guest booted from that kernel: a name of the
# make kernels cache (5.10, 6.1, 6.12) or a path to a vmlinuz. Heavy churn
# of filters has deadlocked host kernels in the BPF JIT (README, "What the
# oracle does to the kernel"); a guest's kernel can be lost. The test
# binary is the guest's /init, so these builds are static (CGO_ENABLED=0).
KERNEL ?= $(BPFSIM_KERNEL)

# diff runs the bulk differential, kernel/'s TestDiff* (12,000 verdicts of
# the verifier against the kernel; 130,000 (program, input) pairs of the
# vm against it), in a guest: `make diff KERNEL=6.1`. Each of the three
# tests boots its own (a few seconds under TCG; the log says which kernel
# and how long). Without KERNEL it refuses: that churn on the host is the
# risk the guest exists for. KERNEL=host runs it on this machine's kernel
# all the same, for a host you are prepared to reboot. A run whose tests
# skipped (no QEMU, no image: the reason is above) compared nothing and
# fails.
diff:
	@case "$(KERNEL)" in \
	"") echo "make diff: say where: KERNEL=NAME|PATH boots a disposable QEMU guest (make kernels caches 5.10, 6.1, 6.12); KERNEL=host runs the churn on this machine's kernel" >&2; exit 2;; \
	host) k= ;; \
	*) k='$(KERNEL)' ;; \
	esac; \
	log=$$(mktemp) rcf=$$(mktemp); trap 'rm -f "$$log" "$$rcf"' EXIT; \
	{ BPFSIM_KERNEL="$$k" CGO_ENABLED=0 $(GO) test -count=1 -v -timeout 60m -run '^TestDiff' ./kernel/ 2>&1; echo $$? >"$$rcf"; } | tee "$$log"; \
	rc=$$(cat "$$rcf"); \
	if [ "$$rc" = 0 ] && grep -q -- '--- SKIP' "$$log"; then echo "make diff: skipped, nothing was compared (the reason is above)" >&2; exit 1; fi; \
	exit $$rc

# fuzz runs every native Go fuzz target for FUZZTIME each (go test can fuzz
# one target per invocation), with FUZZPARALLEL workers. The kernel targets
# skip (and pass) where seccomp is unavailable. Failures are saved under
# the package's testdata/fuzz/ and the run stops at the first one;
# `go run ./fuzz/cmd/corpusgen -crashers DIR` turns them into corpus entries.
# fuzz/fuzz.sh tolerates Go 1.26's spurious end-of-fuzztime failure.
# With KERNEL (make fuzz KERNEL=6.1, or BPFSIM_KERNEL=6.1 make fuzz) the
# kernel targets ask a guest instead of the host: each fuzzing worker is a
# process that boots its own (a few seconds under TCG), and a run where
# none can boot fails. FUZZ_TARGETS=./fuzz:FuzzVMVsKernel picks targets.
FUZZPARALLEL ?= 1
# Go minimises each new interesting input for up to 60s by default, which
# at a few hundred kernel round trips a second stalls short runs. In a
# guest a round trip takes tens of milliseconds, and a worker still inside
# one when the minimisation's time is up is killed and restarted, which
# boots a new guest: there a count bounds it instead.
FUZZMINIMIZETIME ?= $(if $(filter-out host,$(KERNEL)),20x,5s)
FUZZ_TARGETS = ./fuzz:FuzzVerifierVsKernel ./fuzz:FuzzVMVsKernel ./fuzz:FuzzPolicyReference \
	./fuzz:FuzzReaders ./fuzz/examples/goseccompbpf:FuzzGoSeccompBPF \
	./program:FuzzDecode ./program:FuzzAnnotate ./vm:FuzzRun ./vm:FuzzFastPath ./decision:FuzzTableVsVM ./decision:FuzzProgramVsVM ./internal/input:FuzzParseFast

.PHONY: fuzz corpus property
fuzz:
	GO=$(GO) BPFSIM_KERNEL='$(filter-out host,$(KERNEL))' sh fuzz/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME) $(FUZZPARALLEL) $(FUZZ_TARGETS)

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
