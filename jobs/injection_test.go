package jobs_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// A manifest value that a spreadsheet would run as a formula never becomes
// one: in results.xlsx every cell is a string that reads back exactly as
// written; in CSV results such a cell is prefixed with ', while the phone
// numbers and ICCIDs the tool normalised itself stay exact.
func TestFormulaInjection(t *testing.T) {
	t.Parallel()
	const (
		accountName = `=HYPERLINK("http://x")`
		routeName   = "@SUM(1)"
		subName     = "-2+3"
		note        = "+cmd|' /C calc'!A0"
		noteEq      = "=1+1"

		// An account ID given in the manifest is manifest text too.
		missingAccount = `=AID("x")`
	)
	e := newEnv(t, sandbox.Options{PortStep: 20 * time.Millisecond})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"accounts.csv": {
			{"AccountRef", "AccountName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "Notes"},
			{"evil", accountName, "1 Main St", "Provo", "UT", "84601", note},
		},
		"subscribers.csv": {
			{"Email", "Name", "AccountRef", "AccountId", "Password", "PhoneNumbers", "Notes"},
			{"minus@evil.example", subName, "evil", "", "Pw-injection-1", "+1 (801) 555-0142", noteEq},
			// Fails (its account does not exist), so its key, which a
			// spreadsheet would read as a formula, is listed in Errors;
			// its AccountId is shown in the results' ID column.
			{"+fail@evil.example", "Fail", "", missingAccount, "Pw-injection-3", "", ""},
		},
		"messageroutes.csv": {
			{"RouteRef", "AccountRef", "RouteName", "MessageUrl"},
			{"at-route", "evil", routeName, "https://sms.evil.example/in"},
		},
		"numbers.csv": {
			{"LineRef", "SubscriberEmail", "MessageRouteRef", "NumberType", "MessageType", "ProductType", "AreaCode", "ICCID", "Notes"},
			{"-LINE-1", "minus@evil.example", "at-route", "mvno", "p2p", "Sms+Data", "801", "8901260041000000018", "@notes"},
			// Blocked by the failing subscriber: listed in Errors too.
			{"=1+2", "+fail@evil.example", "at-route", "mvno", "p2p", "Sms+Data", "801", "", ""},
		},
		"portins.csv": {
			{"PortInNumber", "SubscriberEmail", "MessageRouteRef", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "ICCID"},
			{"+1 (801) 555-0143", "minus@evil.example", "at-route", "=Carrier()", "123456789", "Pw-injection-2",
				"@Name", "1 Main St", "Provo", "UT", "84601", "8901 2600 4100 0000 026"},
		},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	rep, err := e.run(context.Background(), p, state, e.client(0), jobs.Options{Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Failed != 1 || rep.Totals.Skipped != 1 || rep.Totals.Done != rep.Totals.Steps-2 {
		t.Fatalf("totals = %+v, want one failed subscriber, its line skipped, every other step done", rep.Totals)
	}

	// Values as the manifest has them, by column, that must read back
	// exactly from the workbook.
	wantText := map[string]string{
		"AccountName": accountName, "RouteName": routeName, "Name": subName,
		"LineRef": "-LINE-1", "CurrentCarrierName": "=Carrier()", "SubscriberName": "@Name",
		"AccountId": missingAccount,
	}
	// The Errors tab's Key column holds the failed and blocked rows' keys.
	wantKeys := []string{"+fail@evil.example", "=1+2"}
	t.Run("xlsx", func(t *testing.T) {
		f, err := excelize.OpenFile(filepath.Join(e.dir, "results.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		values := map[string][]string{} // column -> values over every sheet
		figures := 0                    // number cells in the Summary tab
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c, v := range row {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if fm, err := f.GetCellFormula(sheet, ref); err != nil || fm != "" {
						t.Errorf("%s!%s = %q has formula %q (err %v), want none", sheet, ref, v, fm, err)
					}
					if v == "" {
						continue
					}
					// Only the figures the tool computes (the Summary's
					// counts, the Finance tab's amounts and counts,
					// Attempts, DeclinedAttempts, the Errors tab's row
					// numbers) may be number cells.
					figure := (sheet == "Summary" || sheet == "Finance" || (r > 0 && numberColumn(sheet, rows[0][c]))) &&
						isFigure(strings.TrimPrefix(v, "USD "))
					typ, _ := f.GetCellType(sheet, ref)
					text := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString
					if !text && !figure {
						t.Errorf("%s!%s = %q has cell type %d, want a string cell", sheet, ref, v, typ)
					}
					if !text && sheet == "Summary" {
						figures++
					}
					if r == 0 {
						continue
					}
					col := rows[0][c]
					values[col] = append(values[col], v)
					if col == "Notes" && v != note && v != noteEq && v != "@notes" {
						t.Errorf("%s!%s (Notes) = %q, want the manifest's note", sheet, ref, v)
					}
				}
			}
		}
		if figures == 0 {
			t.Errorf("the Summary's counts are all text cells: a spreadsheet cannot add them up")
		}
		for col, want := range wantText {
			if !slices.Contains(values[col], want) {
				t.Errorf("workbook column %s = %q, want %q among them", col, values[col], want)
			}
		}
		for _, k := range wantKeys {
			if !slices.Contains(values["Key"], k) {
				t.Errorf("workbook column Key (Errors) = %q, want %q among them", values["Key"], k)
			}
		}
	})

	t.Run("csv", func(t *testing.T) {
		files := writeResultsCSV(t, p, state, filepath.Join(e.dir, "csv"), e.state().Packages)
		cells := map[string][]string{} // column -> values over every CSV file
		for _, path := range files {
			rows := readCSVFile(t, path)
			if len(rows) == 0 {
				continue
			}
			first := true // in the file's first table, whose columns the header names
			for r, row := range rows {
				if strings.Join(row, "") == "" {
					first = false
				}
				for c, v := range row {
					// Whatever the sheet and column: a cell a spreadsheet
					// would evaluate is guarded, unless it is an E.164
					// number (or a list of them), which stays a number.
					if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 && !e164List.MatchString(v) {
						t.Errorf("%s row %d column %d = %q: unguarded", filepath.Base(path), r+1, c+1, v)
					}
					if r > 0 && first && c < len(rows[0]) {
						cells[rows[0][c]] = append(cells[rows[0][c]], v)
					}
				}
			}
		}
		for col, want := range wantText {
			if !slices.Contains(cells[col], "'"+want) {
				t.Errorf("CSV column %s = %q, want %q", col, cells[col], "'"+want)
			}
		}
		for _, k := range wantKeys {
			if !slices.Contains(cells["Key"], "'"+k) {
				t.Errorf("CSV Errors column Key = %q, want %q among them", cells["Key"], "'"+k)
			}
		}
		for _, want := range []string{"'" + note, "'" + noteEq, "'@notes"} {
			if !slices.Contains(cells["Notes"], want) {
				t.Errorf("CSV column Notes = %q, want %q among them", cells["Notes"], want)
			}
		}
		exact := map[string]string{
			"PortInNumber": "+18015550143",
			"PhoneNumbers": "+18015550142",
		}
		for col, want := range exact {
			if !slices.Contains(cells[col], want) {
				t.Errorf("CSV column %s = %q, want the exact %q", col, cells[col], want)
			}
		}
		if !slices.Contains(cells["ICCID"], "8901260041000000026") || !slices.Contains(cells["ICCID"], "8901260041000000018") {
			t.Errorf("CSV column ICCID = %q, want both ICCIDs exact and normalised", cells["ICCID"])
		}
		// Phones and ICCIDs the tool normalised or obtained: never prefixed.
		for _, col := range []string{"PortInNumber", "PhoneNumbers", "PhoneNumber", "ICCID"} {
			for _, v := range cells[col] {
				if strings.HasPrefix(v, "'") {
					t.Errorf("CSV column %s = %q: a value the tool wrote must stay exact", col, v)
				}
			}
		}
		for _, v := range cells["PhoneNumber"] {
			if v != "" && !strings.HasPrefix(v, "+1") {
				t.Errorf("CSV PhoneNumber = %q, want E.164", v)
			}
		}
		if len(cells["PhoneNumber"]) == 0 {
			t.Error("no PhoneNumber column in the CSV results")
		}
	})
}

var e164List = regexp.MustCompile(`^\+[1-9][0-9]{7,14}(;\+[1-9][0-9]{7,14})*$`)

// writeCSVTables writes CSV manifest files (name → rows, header first)
// into dir, which it creates.
// isFigure tells whether v is a plain count or amount (digits, at most one
// decimal point).
func isFigure(v string) bool {
	_, err := strconv.ParseFloat(v, 64)
	return err == nil && strings.Trim(v, "0123456789.") == ""
}

func writeCSVTables(tb testing.TB, dir string, tables map[string][][]string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for name, rows := range tables {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		w := csv.NewWriter(f)
		if err := w.WriteAll(rows); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
	}
}

// writeResultsCSV writes the results of the run recorded in state as CSV
// files (results-<Sheet>.csv) into dir and returns their paths, sorted.
func writeResultsCSV(tb testing.TB, p *plan.Plan, state, dir string, pkgs []telegent.Package) []string {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	w, err := sheets.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := jobs.WriteResults(p, s, w, jobs.Results{Packages: pkgs}); err != nil {
		w.Abort()
		tb.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		tb.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "results-*.csv"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no CSV results in %s (%v)", dir, err)
	}
	sort.Strings(files)
	return files
}

// readCSVFile reads a CSV file written by sheets (UTF-8 with a BOM).
func readCSVFile(tb testing.TB, path string) [][]string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF")))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return rows
}

// numberColumn tells whether the column headed h of sheet holds figures
// the tool computed, written as number cells.
func numberColumn(sheet, h string) bool {
	return h == "Attempts" || h == "DeclinedAttempts" || (sheet == "Errors" && h == "Row")
}
