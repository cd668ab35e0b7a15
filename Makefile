# Parley's build. Go and a C compiler are all it needs (SQLite is built in via cgo).
GO       ?= go
TAGS     := sqlite_fts5
BIN      := bin/parley
ARGS     ?=
BENCH    ?=
FUZZTIME ?= 30s

.PHONY: all build run test check fuzz bench screenshots clean

all: build

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/parley

## run: build and serve the workspace on http://127.0.0.1:8080 with data in ./data
run: build
	./$(BIN) serve $(ARGS)

## test: the whole suite, with the race detector
test:
	$(GO) test -tags $(TAGS) -race -count=1 -timeout 20m ./...

## check: vet, formatting and the test suite
check:
	$(GO) vet -tags $(TAGS) ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needs to run on:"; echo "$$out"; exit 1; fi
	$(MAKE) test

## fuzz: every fuzz target in the repository (func Fuzz...), one at a time, for FUZZTIME each
fuzz:
	GO="$(GO)" FUZZTIME="$(FUZZTIME)" .ci/fuzz

## bench: the benchmark suite against fresh servers on loopback (BENCH=--quick for a short run)
bench: build
	./$(BIN) bench $(BENCH)

## screenshots: save the web client's main screens to docs/ (needs Chromium)
screenshots:
	PARLEY_SCREENSHOTS=1 $(GO) test -tags $(TAGS) -count=1 -run 'TestBrowser_' ./cmd/parley

clean:
	rm -rf bin
