# bpfsim: the usual entry points. Every target is a thin wrapper around the
# go command, so nothing here is needed to build or test.
GO       ?= go
FUZZTIME ?= 30s

.PHONY: build test generate bench check

build:
	$(GO) build -o bin/ ./cmd/...

test:
	$(GO) test ./...

check:
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...

generate:
	$(GO) generate ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./vm/ ./verifier/
