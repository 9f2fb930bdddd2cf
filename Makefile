# telegent-bulk — everything needs only Go.
GO      ?= go
BIN     ?= bin/telegent-bulk
PKGS    := ./...
FUZZTIME ?= 5s

.PHONY: all build test fmt-check vet unit fuzz-seeds demo bench crash samples clean

all: build

build:
	$(GO) build -o $(BIN) .

# make test: gofmt check + go vet + go test -race (fuzz seed corpora run as ordinary tests).
test: fmt-check vet unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 9m $(PKGS)

clean:
	rm -rf bin
