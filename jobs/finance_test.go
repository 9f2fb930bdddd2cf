package jobs_test

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/jobs"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// financeTab is the Finance tab of a results workbook as raw values: the
// subscription lines (the first table), and the totals tables below it,
// each row keyed by its first two cells.
type financeTab struct {
	header   []string
	lines    [][]string
	packages map[string][]string // by Package and PackageId
	accounts map[string][]string // by AccountRef and AccountId ("Total" for the grand total)
}

func readFinance(t *testing.T, path string) financeTab {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Finance", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("the Finance tab is empty")
	}
	ft := financeTab{header: rows[0], packages: map[string][]string{}, accounts: map[string][]string{}}
	block := 0 // 0: lines, 1: per package, 2: per account
	for _, row := range rows[1:] {
		if strings.Join(row, "") == "" {
			block++
			continue
		}
		switch {
		case block == 0:
			ft.lines = append(ft.lines, pad(row, len(ft.header)))
		case row[0] == "Package" || row[0] == "AccountRef":
		case block == 1:
			ft.packages[row[0]+"|"+row[1]] = pad(row, 7)
		default:
			ft.accounts[row[0]+"|"+row[1]] = pad(row, 7)
		}
	}
	return ft
}

func pad(row []string, n int) []string {
	for len(row) < n {
		row = append(row, "")
	}
	return row
}

func (ft financeTab) col(name string) int {
	for i, h := range ft.header {
		if h == name {
			return i
		}
	}
	return -1
}

func cents(t *testing.T, v string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", v, err)
	}
	return int64(math.Round(f * 100))
}

// The Finance tab adds up: its lines, summed per package, per account and
// in all, recurring and one-time apart, give its totals; and its lines are
// the sandbox's subscriptions, each at its package's price and charge.
func TestFinanceAddsUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond})
	extra := filepath.Join(e.dir, "extra")
	// Two lines on the one-time package, for an account of the sample.
	writeCSVTables(t, extra, map[string][][]string{"numbers.csv": {
		{"LineRef", "SubscriberEmail", "MessageRouteRef", "NumberType", "MessageType", "ProductType", "AreaCode", "Package"},
		{"TRV-001", "ruth.hollis@example.com", "partner-sms", "mvno", "p2p", "Sms+Data", "801", "Travel Pass 5GB"},
		{"TRV-002", "wei.zhang@example.com", "bayside-sms", "mvno", "p2p", "Sms+Data", "385", "PID-5a1e0000-0000-4000-8000-000000000005"},
	}})
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"), extra)
	if _, err := e.run(context.Background(), p, filepath.Join(e.dir, "run.db"), e.client(0), jobs.Options{Wait: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ft := readFinance(t, filepath.Join(e.dir, "results.xlsx"))
	checkFigures(t, filepath.Join(e.dir, "results.xlsx"))

	st := e.state()
	pkgs := map[string]telegent.Package{}
	for _, pk := range st.Packages {
		pkgs[pk.PackageId] = pk
	}
	platform := map[string]string{} // SubscriptionId -> PackageId, for the subscriptions this run made
	for _, s := range st.Subscriptions {
		if strings.HasPrefix(s.SubscriberId, "TSUID-") && s.Active {
			platform[s.SubscriptionId] = s.PackageId
		}
	}

	cSub, cPkg, cName, cCharge, cPrice, cRef, cAcc := ft.col("SubscriptionId"), ft.col("PackageId"), ft.col("Package"),
		ft.col("Charge"), ft.col("Price"), ft.col("AccountRef"), ft.col("AccountId")
	type sum struct {
		n              int
		recurring, one int64
	}
	byPkg, byAcc, all := map[string]*sum{}, map[string]*sum{}, &sum{}
	add := func(m map[string]*sum, k string) *sum {
		if m[k] == nil {
			m[k] = &sum{}
		}
		return m[k]
	}
	seen := map[string]bool{}
	for _, l := range ft.lines {
		id := l[cSub]
		seen[id] = true
		pk, ok := pkgs[platform[id]]
		if !ok {
			t.Errorf("Finance line %s: not a subscription the sandbox holds (or its package is unknown)", id)
			continue
		}
		price := cents(t, l[cPrice])
		want := "recurring"
		if !pk.Monthly {
			want = "one-time"
		}
		if l[cPkg] != pk.PackageId || l[cName] != pk.PackageName || price != int64(math.Round(pk.Price*100)) || l[cCharge] != want {
			t.Errorf("Finance line %s: %s %s %s %s, want %s %s %.2f %s", id, l[cPkg], l[cName], l[cPrice], l[cCharge],
				pk.PackageId, pk.PackageName, pk.Price, want)
		}
		for _, s := range []*sum{add(byPkg, l[cName]+"|"+l[cPkg]), add(byAcc, l[cRef]+"|"+l[cAcc]), all} {
			s.n++
			if l[cCharge] == "one-time" {
				s.one += price
			} else {
				s.recurring += price
			}
		}
	}
	for id := range platform {
		if !seen[id] {
			t.Errorf("the sandbox's subscription %s has no Finance line", id)
		}
	}
	if all.one == 0 || all.recurring == 0 {
		t.Errorf("Finance lines: %d recurring and %d one-time cents, want both charges", all.recurring, all.one)
	}
	check := func(what string, got []string, want *sum) {
		t.Helper()
		if got == nil {
			t.Errorf("Finance totals: no row for %s", what)
			return
		}
		if n, _ := strconv.Atoi(got[2]); n != want.n || cents(t, got[4]) != want.recurring || cents(t, got[5]) != want.one {
			t.Errorf("Finance totals for %s: %v, want %d subscriptions, %d recurring and %d one-time cents",
				what, got, want.n, want.recurring, want.one)
		}
	}
	for k, s := range byPkg {
		check("package "+k, ft.packages[k], s)
	}
	for k, s := range byAcc {
		check("account "+k, ft.accounts[k], s)
	}
	check("all", ft.accounts["Total|"], all)
	if len(ft.packages) != len(byPkg) || len(ft.accounts) != len(byAcc)+1 {
		t.Errorf("Finance totals: %d packages and %d account rows, want %d and %d", len(ft.packages), len(ft.accounts),
			len(byPkg), len(byAcc)+1)
	}
}

// checkFigures checks that the figures the tool computed are number cells:
// the Errors tab's row numbers, DeclinedAttempts, the median days to
// complete, the Finance tab's counts and amounts.
func checkFigures(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checked := map[string]int{}
	for _, sheet := range []string{"Errors", "PortIns", "Summary", "Finance"} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows[1:] {
			for c, v := range row {
				h := ""
				if c < len(rows[0]) {
					h = rows[0][c]
				}
				figure := (sheet == "Errors" && h == "Row") || h == "DeclinedAttempts" ||
					(sheet == "Summary" && c == 1 && row[0] == "Median days to complete") ||
					(sheet == "Finance" && (h == "Price" || strings.HasPrefix(v, "USD ")))
				if v == "" || !figure {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
				typ, _ := f.GetCellType(sheet, ref)
				if typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
					t.Errorf("%s!%s (%s) = %q is a text cell, want a number", sheet, ref, h, v)
				}
				checked[sheet]++
			}
		}
	}
	for _, sheet := range []string{"Errors", "PortIns", "Summary", "Finance"} {
		if checked[sheet] == 0 {
			t.Errorf("%s: no figure found to check", sheet)
		}
	}
}

// The sample's results fed back as the manifest, with the same checkpoint
// (nothing sent) or with a new one (rejected orders left as they are, since
// their rows did not change), give the same Summary and Finance tabs as the
// run that wrote them.
func TestResultsFedBackSameTabs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond})
	c := e.client(0)
	opts := jobs.Options{Wait: 5 * time.Second}
	state := filepath.Join(e.dir, "run.db")
	if _, err := e.run(context.Background(), loadPlan(t, filepath.Join("..", "samples", "migration.xlsx")), state, c, opts); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(e.dir, "first.xlsx")
	copyFile(t, filepath.Join(e.dir, "results.xlsx"), first)
	want := summaryTabs(t, first)
	if !strings.Contains(want, "Recurring") || !strings.Contains(want, "Completed") {
		t.Fatalf("the first run's tabs lack the finance or port figures:\n%s", want)
	}

	before := e.requests()
	if _, err := e.run(context.Background(), loadPlan(t, first), state, c, opts); err != nil {
		t.Fatal(err)
	}
	if got := e.requests() - before; got != 0 {
		t.Errorf("fed back with the same checkpoint: %d requests, want 0: %v", got, e.srv.Stats().Requests)
	}
	if got := summaryTabs(t, filepath.Join(e.dir, "results.xlsx")); got != want {
		t.Errorf("fed back with the same checkpoint, the tabs differ:\n%s\nwant:\n%s", got, want)
	}

	updates, submits := campCalls(e, "POST", telegent.PathPortInUpdate), campCalls(e, "POST", telegent.PathPortIn)
	if _, err := e.run(context.Background(), loadPlan(t, first), filepath.Join(e.dir, "fresh.db"), c, opts); err != nil {
		t.Fatal(err)
	}
	if got := campCalls(e, "POST", telegent.PathPortInUpdate) - updates; got != 0 {
		t.Errorf("fed back with a new checkpoint: %d port-in updates, want 0 (no row changed)", got)
	}
	if got := campCalls(e, "POST", telegent.PathPortIn) - submits; got != 0 {
		t.Errorf("fed back with a new checkpoint: %d port-in submits, want 0", got)
	}
	if got := summaryTabs(t, filepath.Join(e.dir, "results.xlsx")); got != want {
		t.Errorf("fed back with a new checkpoint, the tabs differ:\n%s\nwant:\n%s", got, want)
	}
}

// summaryTabs renders the Summary and Finance tabs of a workbook, raw.
func summaryTabs(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range []string{"Summary", "Finance"} {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("=== " + sheet + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, " | ") + "\n")
		}
	}
	return b.String()
}
