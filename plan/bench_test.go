//go:build linux

package plan_test

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"telegent-bulk/plan"
	"telegent-bulk/sheets"
)

// BenchmarkBuild times reading and validating a whole manifest: sheets.Open
// plus plan.Build, as `telegent-bulk validate` does. The manifests are big
// and made once outside the benchmark (make bench-plan does it):
//
//	go run ./samples/gen -synthetic 1000000 -format csv         -out $DIR/csv-1m
//	go run ./samples/gen -synthetic 1000000 -format xlsx        -out $DIR/xlsx-1m
//	go run ./samples/gen -synthetic 1000000 -format xlsx-shared -out $DIR/xlsx-shared-1m
//	TELEGENT_BENCH_MANIFEST_CSV=$DIR/csv-1m go test -run '^$' -bench 'Build/csv$' -benchtime 1x ./plan/
//
// The xlsx manifest has its text in inline strings, as excelize streams a
// workbook; the xlsx-shared one in a shared strings table, as Excel saves
// one (which the reader moves to a temporary file when it is large).
//
// Each variable names a manifest folder (or a workbook, or a CSV file); a
// folder holding no CSV files but one workbook means that workbook. A
// sub-benchmark whose variable is unset is skipped. Besides time per run it
// reports rows/s; the process's peak resident memory (peak-RSS-MB), which
// covers everything the process did before, so run one sub-benchmark per
// process to measure each format alone; and the heap the built plan holds
// once the readers are closed (plan-heap-MB, the live heap after a
// collection less that before the build, in 10^6 bytes), also per row
// (plan-B/row). A run keeps its plan for its whole length, so plan-heap-MB
// is most of a migration's live heap.
func BenchmarkBuild(b *testing.B) {
	for _, bm := range []struct{ name, env string }{
		{"csv", "TELEGENT_BENCH_MANIFEST_CSV"},
		{"xlsx", "TELEGENT_BENCH_MANIFEST_XLSX"},
		{"xlsx-shared", "TELEGENT_BENCH_MANIFEST_XLSX_SHARED"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			path := os.Getenv(bm.env)
			if path == "" {
				b.Skipf("%s is not set: it names the manifest to benchmark", bm.env)
			}
			path = manifestPath(b, path)
			base := liveHeap()
			var p *plan.Plan
			for b.Loop() {
				p = build(b, path)
			}
			b.StopTimer()
			held := liveHeap() - base
			rows := len(p.Rows)
			runtime.KeepAlive(p)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(peakRSSMB(b), "peak-RSS-MB")
			b.ReportMetric(float64(held)/1e6, "plan-heap-MB")
			b.ReportMetric(float64(held)/float64(max(rows, 1)), "plan-B/row")
		})
	}
}

// liveHeap returns the bytes of the heap that are reachable, after a
// collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// build opens the manifest and builds its plan. A manifest with problems
// fails the benchmark: it must measure a full plan.
func build(b *testing.B, path string) *plan.Plan {
	b.Helper()
	readers, err := sheets.Open(path)
	if err != nil {
		b.Fatalf("open %s: %v", path, err)
	}
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	p, problems, err := plan.Build(readers)
	if err != nil {
		b.Fatalf("build %s: %v", path, err)
	}
	if len(problems) > 0 {
		for _, pr := range problems[:min(5, len(problems))] {
			b.Log(pr)
		}
		b.Fatalf("build %s: %d problems, want none", path, len(problems))
	}
	return p
}

// manifestPath returns what to open for path: path itself, or the only
// workbook of a folder that holds no CSV files.
func manifestPath(b *testing.B, path string) string {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatalf("manifest: %v", err)
	}
	if !fi.IsDir() {
		return path
	}
	csvs, err := filepath.Glob(filepath.Join(path, "*.csv"))
	if err != nil {
		b.Fatalf("manifest: %v", err)
	}
	books, err := filepath.Glob(filepath.Join(path, "*.xlsx"))
	if err != nil {
		b.Fatalf("manifest: %v", err)
	}
	if len(csvs) == 0 && len(books) == 1 {
		return books[0]
	}
	return path
}

// peakRSSMB returns the process's peak resident set size in MB (Linux
// reports Maxrss in KiB).
func peakRSSMB(b *testing.B) float64 {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return float64(ru.Maxrss) / 1024
}
