# telegent-bulk — every target needs only Go.
GO       ?= go
BIN      ?= bin/telegent-bulk
BENCHDIR ?= $(or $(TMPDIR),/tmp)/telegent-bulk-bench
# staticcheck, pinned; go run fetches it through the module proxy and builds
# it outside this module, so it is not one of the project's dependencies.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build test fmt-check vet lint unit demo samples bench bench-sandbox bench-ratelimit \
	bench-plan bench-read bench-results bench-results-run bench-checkpoint bench-run bench-fair bench-scale bench-ports bench-hostile bench-newman \
	crash print-pages clean

all: build

build:
	$(GO) build -o $(BIN) .

## make test: gofmt check + go vet + staticcheck + go test -race (fuzz seed corpora run as
## ordinary tests; the import directions are checked by a test)
test: fmt-check vet lint unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

lint:
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 -timeout 9m ./...

## make demo: the sample migration end to end against the embedded sandbox
DEMO_RUN = ./$(BIN) run samples/migration.xlsx --sandbox --state demo/run.db --out demo/results.xlsx \
	--rps 50 --poll 1s --wait 20s
demo: build
	@rm -rf demo && mkdir -p demo
	@echo "== telegent-bulk validate samples/migration.xlsx"
	@./$(BIN) validate samples/migration.xlsx
	@echo; echo "== telegent-bulk run samples/migration.xlsx --sandbox --state demo/run.db --out demo/results.xlsx"
	@$(DEMO_RUN); rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo "== telegent-bulk status --state demo/run.db"
	@./$(BIN) status --state demo/run.db
	@echo; echo "== the same command again resumes: nothing is sent twice"
	@$(DEMO_RUN) 2>/dev/null; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo "== the porting team fixes the rejected rows (samples/migration-fixed.xlsx) and runs again:"
	@echo "   the same orders are updated, not resubmitted; the hopeless one is cancelled"
	@./$(BIN) run samples/migration-fixed.xlsx --sandbox --state demo/run.db --out demo/results.xlsx \
		--rps 50 --poll 1s --wait 20s; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo "One row stays failed on purpose (a number that is not portable): see the Status and Error"; \
	echo "columns and the Summary and Errors tabs of demo/results.xlsx."

samples:
	$(GO) generate ./samples/

## make print-pages: the demo's results printed to A4 by LibreOffice: pages per tab, and the Summary
## page as demo/print/summary.png (needs soffice, and pdftotext and pdftoppm for the details; without
## soffice it says so and does nothing)
print-pages:
	@if command -v soffice >/dev/null 2>&1 && [ ! -f demo/results.xlsx ]; then $(MAKE) --no-print-directory demo >/dev/null; fi
	@sh samples/print-pages.sh demo/results.xlsx demo/print

## make bench: every figure in the README
bench: bench-sandbox bench-ratelimit bench-checkpoint bench-results bench-results-run bench-run bench-fair bench-scale bench-ports bench-plan bench-read \
	bench-hostile bench-newman

bench-sandbox:
	$(GO) test -run '^$$' -bench Throughput -benchtime 3s ./telegent/sandbox/

## make bench-ratelimit: the client's limiter against sandboxes limited at N req/s: --rps auto at
## 50, 200 and 1,000; fixed --rps at 200 and 1,000; 5% random 429s at 50; a 0.2 s stall at 200 and
## 1,000 (about 4 minutes)
bench-ratelimit:
	$(GO) test -run '^$$' -bench RateLimit -benchtime 1x -timeout 20m ./telegent/

## make bench-newman: the same 1,000-line migration (account, subscriber, number, subscription per
## line) by one Newman process (Postman's runner, installed from the npm registry under $(BENCHDIR))
## and by telegent-bulk run at its defaults, each against `telegent-bulk sandbox --latency 50ms`;
## prints both wall times and their ratio. Skipped, with a message, without npm or when the install fails.
NEWMAN_DIR = $(BENCHDIR)/newman
NEWMAN     = $(NEWMAN_DIR)/npm/node_modules/.bin/newman
bench-newman: build
	@mkdir -p $(NEWMAN_DIR)/npm
	@if ! command -v npm >/dev/null 2>&1; then echo "bench-newman: skipped: npm is not installed (Newman comes from the npm registry)"; exit 0; fi; \
	if [ ! -x $(NEWMAN) ]; then \
		echo "bench-newman: installing newman from the npm registry into $(NEWMAN_DIR)/npm"; \
		if ! npm install --prefix $(NEWMAN_DIR)/npm --no-audit --no-fund --loglevel=error newman@6 >$(NEWMAN_DIR)/npm-install.log 2>&1 \
			|| [ ! -x $(NEWMAN) ]; then \
			echo "bench-newman: skipped: npm install newman failed (see $(NEWMAN_DIR)/npm-install.log)"; exit 0; fi; \
	fi; \
	$(GO) run ./samples/newman -lines 1000 -latency 50ms -dir $(NEWMAN_DIR)/work -newman $(NEWMAN) -bin $(BIN)

## make bench-checkpoint: the writer alone and what a durable write costs this machine, then resume
## scan, status and step writes (keys in sequence and scattered) on a 1M-step checkpoint
bench-checkpoint:
	$(GO) test -run '^$$' -bench 'Writer|SyncFloor' -benchtime 20000x ./checkpoint/
	$(GO) test -run '^$$' -bench '1M' -benchtime 1x -timeout 30m ./checkpoint/

bench-results:
	$(GO) test -run '^$$' -bench WriteResults1M -benchtime 1x -timeout 20m ./sheets/

## make bench-results-run: the results workbook of a 1M-line run from a real checkpoint with every
## step done (the manifest and checkpoint kept under $(BENCHDIR)/results for the next time): time,
## bytes and allocations per row, heap growth over the live plan, peak RSS
bench-results-run:
	@mkdir -p $(BENCHDIR)/results
	TELEGENT_BENCH_LINES=$(BENCH_LINES) TELEGENT_BENCH_RESULTS_DIR=$(BENCHDIR)/results \
		$(GO) test -run '^$$' -bench WriteResultsCheckpoint -benchtime 1x -timeout 30m ./jobs/

bench-run:
	$(GO) test -run '^$$' -bench 'Migration$$' -benchtime 1x -timeout 20m ./jobs/

## make bench-fair: how soon the first account and subscription of a 2,000-line manifest with
## 100 port-ins are created at 100 ms latency, at several port shares
bench-fair:
	$(GO) test -run '^$$' -bench 'FirstSubscription' -benchtime 3x -timeout 20m ./jobs/

## make bench-scale: a 1M-line migration against the sandbox run in a process of its own (no
## latency): the runner's peak RSS, CPU per step and the time to write the results.
## BENCH_CPUPROFILE=file keeps a CPU profile of the runner's process (go tool pprof file).
BENCH_LINES ?= 1000000
bench-scale: build
	TELEGENT_BIN=$(CURDIR)/$(BIN) TELEGENT_BENCH_LINES=$(BENCH_LINES) \
		$(GO) test -run '^$$' -bench 'MigrationScale' -benchtime 1x -timeout 60m \
		$(if $(BENCH_CPUPROFILE),-cpuprofile $(abspath $(BENCH_CPUPROFILE))) ./jobs/

bench-ports:
	$(GO) test -run '^$$' -bench 'PortCampaign' -benchtime 1x -timeout 20m ./jobs/

bench-plan:
	@mkdir -p $(BENCHDIR)
	@[ -d $(BENCHDIR)/csv-1m ] || $(GO) run ./samples/gen -synthetic 1000000 -format csv -out $(BENCHDIR)/csv-1m
	@[ -d $(BENCHDIR)/xlsx-1m ] || $(GO) run ./samples/gen -synthetic 1000000 -format xlsx -out $(BENCHDIR)/xlsx-1m
	@[ -d $(BENCHDIR)/xlsx-shared-1m ] || $(GO) run ./samples/gen -synthetic 1000000 -format xlsx-shared -out $(BENCHDIR)/xlsx-shared-1m
	TELEGENT_BENCH_MANIFEST_CSV=$(BENCHDIR)/csv-1m $(GO) test -run '^$$' -bench 'Build/csv$$' -benchtime 1x -timeout 20m ./plan/
	TELEGENT_BENCH_MANIFEST_XLSX=$(BENCHDIR)/xlsx-1m $(GO) test -run '^$$' -bench 'Build/xlsx$$' -benchtime 1x -timeout 20m ./plan/
	TELEGENT_BENCH_MANIFEST_XLSX_SHARED=$(BENCHDIR)/xlsx-shared-1m $(GO) test -run '^$$' -bench 'Build/xlsx-shared$$' -benchtime 1x -timeout 20m ./plan/

## make bench-read: the XLSX reader alone on Excel-style workbooks of 1M and 3M lines (memory must not grow with rows)
bench-read:
	@mkdir -p $(BENCHDIR)
	@[ -d $(BENCHDIR)/xlsx-shared-1m ] || $(GO) run ./samples/gen -synthetic 1000000 -format xlsx-shared -out $(BENCHDIR)/xlsx-shared-1m
	@[ -d $(BENCHDIR)/xlsx-shared-3m ] || $(GO) run ./samples/gen -synthetic 3000000 -format xlsx-shared -out $(BENCHDIR)/xlsx-shared-3m
	TELEGENT_BENCH_READ=$(BENCHDIR)/xlsx-shared-1m/manifest.xlsx $(GO) test -run '^$$' -bench ReadManifest -benchtime 1x -timeout 20m ./sheets/
	TELEGENT_BENCH_READ=$(BENCHDIR)/xlsx-shared-3m/manifest.xlsx $(GO) test -run '^$$' -bench ReadManifest -benchtime 1x -timeout 20m ./sheets/

## make bench-hostile: validate on files made to hurt a reader (zip bombs, endless lines, rows past
## the limits, ...): each must end in <= 60 s with <= 1 GB peak RSS and the expected message
bench-hostile: build
	@mkdir -p $(BENCHDIR)
	@[ -d $(BENCHDIR)/hostile ] || $(GO) run ./samples/gen -hostile $(BENCHDIR)/hostile
	TELEGENT_BIN=$(CURDIR)/$(BIN) TELEGENT_HOSTILE_DIR=$(BENCHDIR)/hostile \
		$(GO) test -run '^$$' -bench Hostile -benchtime 1x -timeout 30m ./samples/

## make crash: the kill -9 resume test with 100 kills
crash: build
	CRASH_KILLS=100 $(GO) test -run TestCrashResume -count=1 -timeout 60m -v .

clean:
	rm -rf bin demo
