package sheets_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/sheets"
)

// Substrings that identify the problems the reader reports.
const (
	probDigits     = sheets.MsgDigitsLost // a number of 16 digits or more
	probScientific = sheets.MsgDigitsLost // one in scientific notation
	probNoResult   = "never saved"
)

func TestOpenXLSXCellValues(t *testing.T) {
	t.Parallel()
	june1 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		value   any
		numFmt  int    // built-in number format, 0 for General
		custom  string // custom number format
		want    string
		problem string // substring of the problem message, "" for none
		numeric bool   // listed in Row.Numeric: a number that cannot hold leading zeros
	}{
		{name: "text digits", value: "8015551234", want: "8015551234"},
		{name: "text in scientific form is not judged", value: "8.9012E+18", want: "8.9012E+18"},
		{name: "text keeps spaces", value: " padded ", want: " padded "},
		{name: "text that looks like a formula", value: "=1+2", want: "=1+2"},
		{name: "phone stored as number", numeric: true, value: 8015551234, want: "8015551234"},
		{name: "phone with thousands format", numeric: true, value: 8015551234, numFmt: 3, want: "8015551234"},
		{name: "phone with two decimals format", numeric: true, value: 8015551234, numFmt: 4, want: "8015551234"},
		{name: "phone as float", numeric: true, value: 8015551234.0, want: "8015551234"},
		{name: "phone in a Text-formatted cell", numeric: true, value: 8015551234, numFmt: 49, want: "8015551234"},
		{name: "15 digits", numeric: true, value: 123456789012345, want: "123456789012345"},
		{name: "negative", numeric: true, value: -42, want: "-42"},
		{name: "zero", numeric: true, value: 0, want: "0"},
		{name: "ICCID stored as number", numeric: true, value: 8901240397190002080, want: "8901240397190002080", problem: probDigits},
		{name: "ICCID stored as float", numeric: true, value: 8.90124039719e18, want: "8901240397190000000", problem: probDigits},
		{name: "16 digits", numeric: true, value: 1000000000000000, want: "1000000000000000", problem: probDigits},
		{name: "scientific format", numeric: true, value: 18000000000, numFmt: 11, want: "18000000000", problem: probScientific},
		{name: "custom scientific format", numeric: true, value: 8015551234, custom: "0.00E+00", want: "8015551234", problem: probScientific},
		{name: "fraction", numeric: true, value: 39.99, want: "39.99"},
		{name: "float noise", numeric: true, value: 0.1 + 0.2, want: "0.3"},
		{name: "small fraction", numeric: true, value: 1e-7, want: "0.0000001"},
		{name: "percent is the stored number", numeric: true, value: 0.15, numFmt: 9, want: "0.15"},
		{name: "ZIP code format pads", value: 8404, custom: "00000", want: "08404"},
		{name: "ZIP code format full width", value: 84043, custom: "00000", want: "84043"},
		{name: "built-in date", value: june1, numFmt: 14, want: "2026-06-01"},
		{name: "custom date", value: june1, custom: "dd/mm/yyyy", want: "2026-06-01"},
		{name: "long date with locale", value: june1, custom: "[$-409]mmmm d, yyyy;@", want: "2026-06-01"},
		{name: "date-time", value: time.Date(2026, 6, 1, 13, 45, 30, 0, time.UTC), numFmt: 22, want: "2026-06-01 13:45:30"},
		{name: "time", value: 0.5, numFmt: 20, want: "12:00:00"},
		{name: "true", value: true, want: "TRUE"},
		{name: "false", value: false, want: "FALSE"},
	}
	path := saveXLSX(t, t.TempDir(), "cells.xlsx", func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Case", "Value"}))
		for i, tt := range tests {
			r := itoa(i + 2)
			must(t, f.SetCellValue("Sheet1", "A"+r, tt.name))
			must(t, f.SetCellValue("Sheet1", "B"+r, tt.value))
			if tt.numFmt != 0 || tt.custom != "" {
				s := style(t, f, tt.numFmt, tt.custom)
				must(t, f.SetCellStyle("Sheet1", "B"+r, "B"+r, s))
			}
		}
	})
	got := readOne(t, path)
	if len(got.Rows) != len(tests) {
		t.Fatalf("read %d rows, want %d", len(got.Rows), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := got.Rows[i]
			if r.Cells[0] != tt.name {
				t.Fatalf("row %d is %q, want %q", r.Num, r.Cells[0], tt.name)
			}
			if r.Cells[1] != tt.want {
				t.Errorf("value = %q, want %q", r.Cells[1], tt.want)
			}
			checkProblem(t, r, 1, tt.problem)
			if want := []int(nil); tt.numeric != slices.Equal(r.Numeric, append(want, 1)) {
				t.Errorf("Numeric = %v, want the value's column listed: %v", r.Numeric, tt.numeric)
			}
		})
	}
}

// checkProblem checks that r has exactly the problem wanted (none for "")
// and that it does not quote the cell's value (which may be a secret; an
// error code such as #N/A is not).
func checkProblem(t *testing.T, r sheets.Row, col int, want string) {
	t.Helper()
	switch {
	case want == "" && len(r.Problems) != 0:
		t.Errorf("problems = %+v, want none", r.Problems)
	case want != "" && len(r.Problems) != 1:
		t.Errorf("problems = %+v, want one containing %q", r.Problems, want)
	case want != "":
		p := r.Problems[0]
		if p.Col != col || !strings.Contains(p.Message, want) {
			t.Errorf("problem = %+v, want column %d containing %q", p, col, want)
		}
		if p.DigitsLost != (want == sheets.MsgDigitsLost) {
			t.Errorf("problem = %+v: DigitsLost %v, want %v", p, p.DigitsLost, !p.DigitsLost)
		}
		if v := r.Cells[col]; len(v) > 3 && !strings.HasPrefix(v, "#") && strings.Contains(p.Message, v) {
			t.Errorf("problem %q quotes the cell value %q", p.Message, v)
		}
	}
}

func TestOpenXLSXRawCells(t *testing.T) {
	t.Parallel()
	// Styles: 1 = custom "00000", 2 = built-in 14 (date).
	data := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Value</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>error</t></is></c><c r="B2" t="e"><v>#N/A</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>iso date</t></is></c><c r="B3" t="d"><v>2026-06-01T00:00:00Z</v></c></row>` +
		`<row r="4"><c r="A4" t="inlineStr"><is><t>iso date-time</t></is></c><c r="B4" t="d"><v>2026-06-01T08:30:00</v></c></row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><t>stored 2.5E+10</t></is></c><c r="B5"><v>2.5E+10</v></c></row>` +
		`<row r="6"><c r="A6" t="inlineStr"><is><t>stored all digits</t></is></c><c r="B6"><v>8.015551234E+09</v></c></row>` +
		`<row r="7"><c r="A7" t="inlineStr"><is><t>formula result</t></is></c><c r="B7"><f>1+2</f><v>3</v></c></row>` +
		`<row r="8"><c r="A8" t="inlineStr"><is><t>empty string result</t></is></c><c r="B8" t="str"><f>""</f><v></v></c></row>` +
		`<row r="9"><c r="A9" t="inlineStr"><is><t>formula without result</t></is></c><c r="B9"><f>1+2</f></c></row>` +
		`<row r="10"><c r="A10" t="inlineStr"><is><t>shared string</t></is></c><c r="B10" t="s"><v>1</v></c></row>` +
		`<row r="11"><c r="A11" t="inlineStr"><is><t>rich text</t></is></c><c r="B11" t="inlineStr"><is><r><t>Ann </t></r><r><rPr><b/></rPr><t>Lee</t></r></is></c></row>` +
		`<row r="12"><c r="A12" t="inlineStr"><is><t>zip style</t></is></c><c r="B12" s="1"><v>8404</v></c></row>` +
		`<row r="13"><c r="A13" t="inlineStr"><is><t>date style</t></is></c><c r="B13" s="2"><v>46174</v></c></row>` +
		`<row r="14"><c r="A14" t="inlineStr"><is><t>escaped</t></is></c><c r="B14" t="inlineStr"><is><t>a &amp; b &lt;c&gt; _x0041_</t></is></c></row>`
	path := rawXLSX(t, t.TempDir(), "raw.xlsx", []rawTab{{Name: "Data", Data: data}}, []string{"00000"}, []int{14}, []string{"Case", "from the table"})
	tests := []struct {
		want    string
		problem string
	}{
		{"#N/A", "#N/A"},
		{"2026-06-01", ""},
		{"2026-06-01 08:30:00", ""},
		{"2.5E+10", probScientific},
		{"8015551234", ""},
		{"3", ""},
		{"", ""},
		{"", probNoResult},
		{"from the table", ""},
		{"Ann Lee", ""},
		{"08404", ""},
		{"2026-06-01", ""},
		{"a & b <c> A", ""},
	}
	got := readOne(t, path)
	if want := []string{"Case", "Value"}; !reflect.DeepEqual(got.Table.Header, want) {
		t.Fatalf("header = %q, want %q", got.Table.Header, want)
	}
	if len(got.Rows) != len(tests) {
		t.Fatalf("read %d rows, want %d: %+v", len(got.Rows), len(tests), got.Rows)
	}
	for i, tt := range tests {
		r := got.Rows[i]
		t.Run(r.Cells[0], func(t *testing.T) {
			if r.Num != i+2 {
				t.Errorf("Num = %d, want %d", r.Num, i+2)
			}
			if r.Cells[1] != tt.want {
				t.Errorf("value = %q, want %q", r.Cells[1], tt.want)
			}
			checkProblem(t, r, 1, tt.problem)
		})
	}
}

func TestOpenXLSXWithoutReferences(t *testing.T) {
	t.Parallel()
	// Some writers leave out row and cell references; positions follow
	// document order. Namespace prefixes are legal too.
	data := `<x:row><x:c t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>B</x:t></x:is></x:c></x:row>` +
		`<x:row><x:c><x:v>8015551234</x:v></x:c><x:c><x:v>8901240397190002080</x:v></x:c></x:row>`
	sheet := `<?xml version="1.0" encoding="UTF-8"?>` +
		`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
		data + `</x:sheetData></x:worksheet>`
	path := rawXLSX(t, t.TempDir(), "norefs.xlsx", []rawTab{{Name: "Data", XML: sheet}}, nil, nil, nil)
	got := readOne(t, path)
	if len(got.Rows) != 1 {
		t.Fatalf("rows = %+v, want one", got.Rows)
	}
	r := got.Rows[0]
	if r.Num != 2 || !reflect.DeepEqual(r.Cells, []string{"8015551234", "8901240397190002080"}) {
		t.Errorf("row = %+v, want row 2 with the two numbers", r)
	}
	checkProblem(t, r, 1, probDigits)
}

func TestOpenXLSXLayout(t *testing.T) {
	t.Parallel()
	path := saveXLSX(t, t.TempDir(), "layout.xlsx", func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "Accounts"))
		must(t, f.SetSheetRow("Accounts", "A1", &[]any{"AccountRef", "AccountName"}))
		must(t, f.SetSheetRow("Accounts", "A2", &[]any{"ACME", "Acme Inc"}))

		_, err := f.NewSheet("Blank")
		must(t, err)

		_, err = f.NewSheet("Numbers")
		must(t, err)
		// Title rows above the header are not the header: row 1 is empty,
		// row 2 holds only spaces.
		must(t, f.SetCellValue("Numbers", "B2", "   "))
		must(t, f.SetSheetRow("Numbers", "A3", &[]any{"  LineRef ", "", " Phone", nil, ""}))
		must(t, f.SetSheetRow("Numbers", "A4", &[]any{"L1", "x", 8015551234, "beyond", "beyond"}))
		must(t, f.SetSheetRow("Numbers", "A7", &[]any{"L2"}))
		must(t, f.SetCellValue("Numbers", "E8", "only beyond the header"))
		must(t, f.SetCellValue("Numbers", "C9", "  "))
		must(t, f.SetCellValue("Numbers", "A10", 8901240397190002080)) // a problem keeps the row
		// Trailing rows with nothing but formatting.
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		must(t, err)
		must(t, f.SetCellStyle("Numbers", "A20", "C30", bold))
	})
	tables := readAll(t, path)
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Table.Name)
	}
	if want := []string{"Accounts", "Numbers"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("tables = %q, want %q", names, want)
	}
	acc := tables[0]
	if want := (sheets.Table{Name: "Accounts", Path: path, Header: []string{"AccountRef", "AccountName"}, HeaderRow: 1}); !reflect.DeepEqual(acc.Table, want) {
		t.Errorf("Accounts table = %+v, want %+v", acc.Table, want)
	}
	if want := []sheets.Row{row(2, "ACME", "Acme Inc")}; !sameRows(acc.Rows, want) {
		t.Errorf("Accounts rows = %+v, want %+v", acc.Rows, want)
	}
	num := tables[1]
	if want := (sheets.Table{Name: "Numbers", Path: path, Header: []string{"LineRef", "", "Phone"}, HeaderRow: 3}); !reflect.DeepEqual(num.Table, want) {
		t.Errorf("Numbers table = %+v, want %+v", num.Table, want)
	}
	want := []sheets.Row{
		beyondRow(4, []int{3, 4}, "L1", "x", "8015551234"),
		row(7, "L2", "", ""),
		beyondRow(8, []int{4}, "", "", ""),
		row(10, "8901240397190002080", "", ""), // with a problem, checked below
	}
	if len(num.Rows) != len(want) {
		t.Fatalf("Numbers rows = %+v, want %+v", num.Rows, want)
	}
	withProblem := num.Rows[3]
	withProblem.Problems = nil
	if got := append(num.Rows[:3:3], withProblem); !sameRows(got, want) {
		t.Errorf("Numbers rows = %+v, want %+v", num.Rows, want)
	}
	checkProblem(t, num.Rows[0], 0, "")
	checkProblem(t, num.Rows[3], 0, probDigits)
}

func TestOpenXLSXNoTable(t *testing.T) {
	t.Parallel()
	path := saveXLSX(t, t.TempDir(), "empty.xlsx", func(f *excelize.File) {
		_, err := f.NewSheet("Other")
		must(t, err)
	})
	_, err := sheets.Open(path)
	if !errors.Is(err, sheets.ErrNoTable) {
		t.Fatalf("Open(all tabs empty) error = %v, want ErrNoTable", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestOpenXLSXReadersShareTheFile(t *testing.T) {
	t.Parallel()
	// Closing one tab's Reader leaves the others readable; every tab can
	// be read after the others were closed, in any order.
	path := saveXLSX(t, t.TempDir(), "two.xlsx", func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"A"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"one"}))
		_, err := f.NewSheet("Second")
		must(t, err)
		must(t, f.SetSheetRow("Second", "A1", &[]any{"B"}))
		must(t, f.SetSheetRow("Second", "A2", &[]any{"two"}))
	})
	readers, err := sheets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 2 {
		t.Fatalf("got %d readers, want 2", len(readers))
	}
	second := drain(t, readers[1])
	first := drain(t, readers[0])
	if got := first.Rows[0].Cells[0] + "," + second.Rows[0].Cells[0]; got != "one,two" {
		t.Errorf("cells = %s, want one,two", got)
	}
	if err := readers[0].Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenXLSX1904DateSystem(t *testing.T) {
	t.Parallel()
	// Workbooks made on old Macs count days from 1904: the same date has a
	// serial number 1462 lower.
	path := saveXLSX(t, t.TempDir(), "mac.xlsx", func(f *excelize.File) {
		yes := true
		must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"PortInDate"}))
		must(t, f.SetCellValue("Sheet1", "A2", 44712))
		must(t, f.SetCellStyle("Sheet1", "A2", "A2", style(t, f, 14, "")))
	})
	got := readOne(t, path)
	if want := []sheets.Row{row(2, "2026-06-01")}; !sameRows(got.Rows, want) {
		t.Errorf("rows = %+v, want %+v", got.Rows, want)
	}
}

func TestOpenXLSXConcurrentTabs(t *testing.T) {
	t.Parallel()
	// Readers of one workbook may be read at the same time (run with -race).
	const tabs, rows = 4, 200
	path := saveXLSX(t, t.TempDir(), "tabs.xlsx", func(f *excelize.File) {
		for i := range tabs {
			name := "T" + itoa(i)
			if i == 0 {
				must(t, f.SetSheetName("Sheet1", name))
			} else {
				_, err := f.NewSheet(name)
				must(t, err)
			}
			must(t, f.SetSheetRow(name, "A1", &[]any{"N"}))
			for r := 2; r <= rows+1; r++ {
				must(t, f.SetCellValue(name, "A"+itoa(r), r))
			}
		}
	})
	readers, err := sheets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != tabs {
		t.Fatalf("got %d readers, want %d", len(readers), tabs)
	}
	counts := make([]int, tabs)
	errs := make(chan error, tabs)
	for i, r := range readers {
		go func() {
			for r.Next() {
				if got, want := r.Row().Cells[0], itoa(r.Row().Num); got != want {
					errs <- fmt.Errorf("%s row %d = %q, want %q", r.Table().Name, r.Row().Num, got, want)
					return
				}
				counts[i]++
			}
			errs <- errors.Join(r.Err(), r.Close())
		}()
	}
	for range tabs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i, n := range counts {
		if n != rows {
			t.Errorf("tab %d: read %d rows, want %d", i, n, rows)
		}
	}
}
