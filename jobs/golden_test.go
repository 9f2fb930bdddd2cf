package jobs_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/ from this run")

// The sample migration's results workbook, normalised, matches
// testdata/results/migration.golden: every input tab with its statuses,
// IDs and errors, the Summary (counts, finance, ports) and the Errors tab.
//
// The port clock is moved by hand (a long PortStep, then Advance past every
// stage) rather than left to run in real time, and the poll interval is
// longer than a run, so that each open order is polled exactly once per run
// and Attempts is the same on every run.
func TestResultsGolden(t *testing.T) {
	t.Parallel()
	const step = 8 * time.Hour // 3 stages to complete: 1.0 day from submit
	e := newEnv(t, sandbox.Options{PortStep: step, Seed: 20260601})
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)

	o := jobs.Options{Poll: time.Hour}
	rep, err := e.run(context.Background(), p, state, c, o)
	if err != nil {
		t.Fatal(err)
	}
	// Every port-in but the not-eligible 9901 has an open order, and so
	// has each of the two port-outs.
	if got, want := rep.Totals.Waiting, 9; got != want {
		t.Fatalf("first run: %d ports waiting, want %d (totals %+v)", got, want, rep.Totals)
	}
	e.srv.Advance(4 * step)
	rep, err = e.run(context.Background(), p, state, c, o)
	if err != nil {
		t.Fatal(err)
	}
	// 9901 is not eligible; 9911, 9912, 9913 and 9919 are rejected.
	if rep.Totals.Failed != 5 || rep.Totals.Waiting != 0 || rep.Totals.Attention != 0 {
		t.Fatalf("second run: totals %+v, want 5 failed and nothing waiting or needing attention", rep.Totals)
	}

	got := dumpResults(t, filepath.Join(e.dir, "results.xlsx"), manifestPhones(p))
	checkGolden(t, filepath.Join("..", "testdata", "results", "migration.golden"), got)
	// The Finance tab alone, pinned on its own.
	_, fin, ok := strings.Cut(got, "=== Finance\n")
	if !ok {
		t.Fatal("no Finance tab in the results")
	}
	fin, _, _ = strings.Cut(fin, "=== ")
	checkGolden(t, filepath.Join("..", "testdata", "results", "finance.golden"), fin)
	pkgs, err := c.Packages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkOneReading(t, p, state, e.dir, got, pkgs)
}

// checkOneReading checks that WriteResultsAndFailures, which reads the
// checkpoint once for the results and the failures file, writes the same
// results as WriteResultsFile (dumped as results) and the same failures
// file and counts as WriteFailuresFile.
func checkOneReading(t *testing.T, p *plan.Plan, state, dir, results string, pkgs []telegent.Package) {
	t.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	apart := filepath.Join(dir, "apart-failures.xlsx")
	want, err := jobs.WriteFailuresFile(p, s, apart)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "one-results.xlsx")
	files, got, err := jobs.WriteResultsAndFailures(p, s, out, jobs.Results{Packages: pkgs})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(files, []string{out}) {
		t.Errorf("results files %v, want %v", files, []string{out})
	}
	if want.Rows == 0 || got.Counts != want.Counts || got.Rows != want.Rows || got.Parents != want.Parents {
		t.Errorf("failures in one reading %+v, apart %+v", got, want)
	}
	phones := manifestPhones(p)
	if d := lineDiff(results, dumpResults(t, out, phones), 20); d != "" {
		t.Errorf("results in one reading differ (-apart +one):\n%s", d)
	}
	if d := lineDiff(dumpResults(t, apart, phones), dumpResults(t, jobs.FailuresPath(out), phones), 20); d != "" {
		t.Errorf("failures file in one reading differs (-apart +one):\n%s", d)
	}
}

// checkGolden compares got with the golden file, or with -update writes it.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", golden)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./jobs -run TestResultsGolden -update to create it)", err)
	}
	if d := lineDiff(string(want), got, 20); d != "" {
		t.Errorf("results differ from %s (-want +got):\n%s\nrun with -update if the change is intended", golden, d)
	}
}

// manifestPhones returns every phone number the manifest itself names, in
// E.164: the numbers a dump keeps, unlike the ones the platform handed out.
func manifestPhones(p *plan.Plan) map[string]bool {
	out := map[string]bool{}
	for i := range p.Rows {
		r := &p.Rows[i]
		switch r.Kind {
		case plan.PortIns, plan.PortOuts:
			out[r.Key] = true
		case plan.Subscribers:
			for _, n := range r.List("PhoneNumbers") {
				out[n] = true
			}
		}
	}
	return out
}

var (
	goldenIDPattern   = regexp.MustCompile(`\b(AID|TSUID|MRID|CRID|NID|JNUOID|SUB|MFID|PID)-[0-9a-f]+(-[0-9a-f]+)*\b`)
	goldenTimePattern = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`)
	goldenPhone       = regexp.MustCompile(`\+[1-9]\d{7,14}\b`)
	goldenQRCode      = regexp.MustCompile(`LPA:1\$[^$]+\$[0-9A-Fa-f]+`)
)

// resultsNormaliser replaces what differs from run to run by placeholders
// numbered in order of first appearance: platform IDs by PREFIX-<n>,
// timestamps by <time>, numbers the platform handed out by <phone-n>.
type resultsNormaliser struct {
	keep   map[string]bool // phones that stay as they are
	ids    map[string]string
	perPfx map[string]int
	phones map[string]string
}

func (n *resultsNormaliser) cell(v string) string {
	v = goldenIDPattern.ReplaceAllStringFunc(v, func(id string) string {
		if r, ok := n.ids[id]; ok {
			return r
		}
		pfx := id[:strings.IndexByte(id, '-')]
		n.perPfx[pfx]++
		r := fmt.Sprintf("%s-<%d>", pfx, n.perPfx[pfx])
		n.ids[id] = r
		return r
	})
	v = goldenTimePattern.ReplaceAllString(v, "<time>")
	v = goldenQRCode.ReplaceAllString(v, "<activation-code>")
	return goldenPhone.ReplaceAllStringFunc(v, func(ph string) string {
		if n.keep[ph] {
			return ph
		}
		if r, ok := n.phones[ph]; ok {
			return r
		}
		r := fmt.Sprintf("<phone-%d>", len(n.phones)+1)
		n.phones[ph] = r
		return r
	})
}

// dumpResults renders every sheet of a results workbook as text, in sheet
// order, row order and column order. Rows of the input tabs and of Errors
// are written as "Column: value" lines (empty cells left out); the Summary
// and the Finance tab, whose blocks have headers of their own, as
// " | "-separated rows.
func dumpResults(tb testing.TB, path string, keep map[string]bool) string {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	n := &resultsNormaliser{keep: keep, ids: map[string]string{}, perPfx: map[string]int{}, phones: map[string]string{}}
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&b, "=== %s\n", sheet)
		if len(rows) == 0 {
			continue
		}
		if sheet == "Summary" || sheet == "Finance" {
			for _, row := range rows {
				cells := make([]string, len(row))
				for i, v := range row {
					cells[i] = n.cell(v)
				}
				fmt.Fprintf(&b, "%s\n", strings.TrimRight(strings.Join(cells, " | "), " |"))
			}
			continue
		}
		header := rows[0]
		for ri, row := range rows[1:] {
			fmt.Fprintf(&b, "--- row %d\n", ri+2)
			for ci, v := range row {
				if v == "" {
					continue
				}
				col := fmt.Sprintf("column %d", ci+1)
				if ci < len(header) {
					col = header[ci]
				}
				fmt.Fprintf(&b, "%s: %s\n", col, n.cell(v))
			}
		}
	}
	return b.String()
}

// lineDiff returns the first max lines where want and got differ, or "".
func lineDiff(want, got string, max int) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		fmt.Fprintf(&b, "line %d:\n-%s\n+%s\n", i+1, wl, gl)
		if shown++; shown == max {
			b.WriteString("…\n")
			break
		}
	}
	if len(w) != len(g) {
		fmt.Fprintf(&b, "(want %d lines, got %d)\n", len(w), len(g))
	}
	return b.String()
}
