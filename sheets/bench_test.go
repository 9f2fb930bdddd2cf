package sheets_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"telegent-bulk/sheets"
)

// benchColumns is the header of the benchmark's results sheet: 20 columns
// shaped like a Numbers tab with its results.
var benchColumns = []string{
	"LineRef", "SubscriberEmail", "AccountRef", "MessageRouteRef", "VoiceRouteRef",
	"NumberType", "MessageType", "ProductType", "AreaCode", "ICCID",
	"Package", "LimitValue", "Status", "AccountId", "SubscriberId",
	"PhoneNumberId", "PhoneNumber", "SubscriptionId", "Error", "UpdatedAt",
}

// benchRows returns n distinct rows of 20 values, cycled through by the
// benchmarks so that making values costs nothing inside the timed loop.
func benchRows(n int) [][]sheets.Cell {
	rows := make([][]sheets.Cell, n)
	for i := range rows {
		id := fmt.Sprintf("5a1e0000-0000-4000-8000-%012d", i)
		values := []string{
			fmt.Sprintf("LINE-%06d", i), fmt.Sprintf("user%d@example.com", i), "ACME", "mr-main", "",
			"mvno", "p2p", "Sms+Data", "801", fmt.Sprintf("89012403971900%05d", i),
			"Starter 1GB", "1024", "done", "AID-" + id, "TSUID-" + id,
			"PNID-" + id, fmt.Sprintf("+1801555%04d", i%10000), "SID-" + id, "", "2026-06-01T12:00:00Z",
		}
		rows[i] = make([]sheets.Cell, len(values))
		for j, v := range values {
			rows[i][j] = sheets.Cell{Value: v, Exact: j >= 12}
		}
	}
	return rows
}

// peakRSSMB returns the process's peak resident set size so far, in MB.
func peakRSSMB(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// financeColumns is the header of the benchmark's Finance tab.
var financeColumns = []string{"AccountRef", "AccountId", "Subscriber", "PhoneNumber", "SubscriptionId",
	"PackageId", "Package", "Charge", "Price", "Currency"}

// financeRows returns n distinct Finance lines, amounts as Money cells.
func financeRows(n int) [][]sheets.Cell {
	rows := make([][]sheets.Cell, n)
	for i := range rows {
		id := fmt.Sprintf("5a1e0000-0000-4000-8000-%012d", i)
		rows[i] = []sheets.Cell{{Value: "ACME"}, {Value: "AID-" + id, Exact: true}, {Value: fmt.Sprintf("user%d@example.com", i)},
			{Value: fmt.Sprintf("+1801555%04d", i%10000), Exact: true}, {Value: "SUB-" + id, Exact: true},
			{Value: "PID-5a1e0000-0000-4000-8000-000000000001", Exact: true}, {Value: "Starter 1GB"}, {Value: "recurring"},
			{Value: "15.00", Exact: true, Num: sheets.Money, Unit: "USD"}, {Value: "USD"}}
	}
	return rows
}

// writeSummary writes a small Summary tab with its charts, as the results
// have.
func writeSummary(b *testing.B, w sheets.Writer) {
	if err := w.Sheet("Summary", []string{"Kind", "done", "failed", "total"}); err != nil {
		b.Fatal(err)
	}
	for _, k := range []string{"Accounts", "Subscribers", "Numbers"} {
		if err := w.Row([]sheets.Cell{{Value: k}, {Value: "333333", Num: sheets.Integer}, {Value: "0", Num: sheets.Integer},
			{Value: "333333", Num: sheets.Integer}}); err != nil {
			b.Fatal(err)
		}
	}
	if l, ok := w.(sheets.Layout); ok {
		for _, kind := range []sheets.ChartKind{sheets.StackedColumns, sheets.Pie} {
			if err := l.Chart(sheets.Chart{Kind: kind, Title: "Rows per kind by status", HeaderRow: 1, FirstRow: 2, LastRow: 4,
				SeriesCols: []int{1, 2}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriteResults1M writes the results of a 1,000,000-row manifest
// through Create, Sheet, Row and Commit: a tab of 1,000,000 rows × 20 string
// columns (its Error column wrapped), a Summary tab with charts and a
// Finance tab of 1,000,000 subscription lines with currency cells.
// peakRSS-MB is the whole process's peak so far, so the CSV variant runs
// first.
func BenchmarkWriteResults1M(b *testing.B) {
	const n = 1_000_000
	rows := benchRows(1000)
	lines := financeRows(1000)
	for _, ext := range []string{"csv", "xlsx"} {
		b.Run(ext, func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "results."+ext)
			for b.Loop() {
				w, err := sheets.Create(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Sheet("Numbers", benchColumns); err != nil {
					b.Fatal(err)
				}
				if l, ok := w.(sheets.Layout); ok {
					l.Wrap(18) // Error
				}
				for i := 0; i < n; i++ {
					if err := w.Row(rows[i%len(rows)]); err != nil {
						b.Fatal(err)
					}
				}
				writeSummary(b, w)
				if err := w.Sheet("Finance", financeColumns); err != nil {
					b.Fatal(err)
				}
				for i := 0; i < n; i++ {
					if err := w.Row(lines[i%len(lines)]); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
			b.ReportMetric(peakRSSMB(b), "peakRSS-MB")
			b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "rows/s") // the Numbers and Finance tabs
			if ext == "csv" {
				path = filepath.Join(dir, "results-Numbers.csv")
			}
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
			}
		})
	}
}

// BenchmarkRead100k reads back 100,000 rows × 20 columns written by the
// writer, through Open, Next and Row.
func BenchmarkRead100k(b *testing.B) {
	const n = 100_000
	rows := benchRows(1000)
	for _, ext := range []string{"csv", "xlsx"} {
		b.Run(ext, func(b *testing.B) {
			dir := b.TempDir()
			w, err := sheets.Create(filepath.Join(dir, "manifest."+ext))
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Sheet("Numbers", benchColumns); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if err := w.Row(rows[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Commit(); err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(dir, "manifest.xlsx")
			if ext == "csv" {
				path = filepath.Join(dir, "manifest-Numbers.csv")
			}
			for b.Loop() {
				readers, err := sheets.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for _, r := range readers {
					for r.Next() {
						got++
					}
					if err := r.Err(); err != nil {
						b.Fatal(err)
					}
					r.Close()
				}
				if got != n {
					b.Fatalf("read %d rows, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(peakRSSMB(b), "peakRSS-MB")
		})
	}
}

// BenchmarkReadManifest reads every row of the manifest that
// TELEGENT_BENCH_READ names (a workbook, a CSV file or a folder), keeping
// none: the reader's own time and memory, without what plan keeps. For a
// workbook Excel saved, whose text is in the shared strings table, memory
// must not grow with the rows:
//
//	go run ./samples/gen -synthetic 1000000 -format xlsx-shared -out $DIR/xlsx-shared-1m
//	TELEGENT_BENCH_READ=$DIR/xlsx-shared-1m/manifest.xlsx go test -run '^$' -bench ReadManifest -benchtime 1x ./sheets/
func BenchmarkReadManifest(b *testing.B) {
	path := os.Getenv("TELEGENT_BENCH_READ")
	if path == "" {
		b.Skip("TELEGENT_BENCH_READ is not set: it names the manifest to read")
	}
	rows, cells := 0, 0
	for b.Loop() {
		readers, err := sheets.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for _, r := range readers {
			for r.Next() {
				rows++
				cells += len(r.Row().Cells)
			}
			if err := r.Err(); err != nil {
				b.Fatal(err)
			}
			r.Close()
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(b), "peakRSS-MB")
	_ = cells
}
