# bbhost — build, run and test. `make run` and `make test` are all a fresh
# machine needs (Go 1.26 and a C compiler for SQLite).

GO       ?= go
BIN      := bin
GOFLAGS  ?=
export CGO_ENABLED := 1

# First-party plugins (plugins/<dir> → bin/bbhost-plugin-<name>) and the
# example third-party plugin.
PLUGIN_DIRS := $(wildcard plugins/*/main.go) $(wildcard examples/plugin-*/main.go)

.PHONY: all build run test test-short bench fmt fmt-check vet proto clean

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build $(GOFLAGS) -o $(BIN)/bbhost ./cmd/bbhost
	@for m in $(PLUGIN_DIRS); do \
		d=$$(dirname $$m); n=$$(basename $$d); n=$${n#plugin-}; \
		echo "$(GO) build -o $(BIN)/bbhost-plugin-$$n ./$$d"; \
		$(GO) build $(GOFLAGS) -o $(BIN)/bbhost-plugin-$$n ./$$d || exit 1; \
	done

# Build, prepare the quickstart's git repository, and start its master on the
# embedded defaults (SQLite under examples/quickstart/basedir, web on :8010).
run: build
	./examples/quickstart/prepare.sh
	./$(BIN)/bbhost -config examples/quickstart/master.hcl

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

fmt:
	gofmt -w $$(git ls-files '*.go')
	./$(BIN)/bbhost fmt examples 2>/dev/null || true

fmt-check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

vet:
	$(GO) vet ./...

# Regenerate the plugin protocol's gRPC code (needs Debian's protobuf-compiler).
proto:
	./sdk/proto/generate.sh

clean:
	rm -rf $(BIN)
