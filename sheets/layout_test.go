package sheets_test

import (
	"archive/zip"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/sheets"
)

// zipParts returns the parts of an XLSX file by name.
func zipParts(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}

// Every XLSX sheet is print-ready: landscape A4, one page wide, the header
// row repeated (print titles) and frozen, an autofilter over its first
// table, long text wrapped, a named header font; figures are number cells
// with their formats, and a chart refers to its block of the sheet.
func TestXLSXPrintReady(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.xlsx")
	w, err := sheets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	layout, ok := w.(sheets.Layout)
	if !ok {
		t.Fatal("the XLSX writer does not lay sheets out")
	}
	long := strings.Repeat("a message that goes on ", 5)
	must(t, w.Sheet("Data", []string{"Key", "Note", "Error", "Attempts"}))
	layout.Wrap(2)
	must(t, w.Row([]sheets.Cell{{Value: "k1"}, {Value: long}, {Value: "short"}, {Value: "3", Num: sheets.Integer}}))
	must(t, w.Row([]sheets.Cell{{Value: "k2"}, {Value: "n"}, {Value: ""}, {Value: "1", Num: sheets.Integer}}))
	must(t, w.Sheet("It's a summary", []string{"Kind", "done", "failed"}))
	must(t, w.Row([]sheets.Cell{{Value: "Accounts"}, {Value: "3", Num: sheets.Integer}, {Value: "0", Num: sheets.Integer}}))
	must(t, w.Row([]sheets.Cell{{Value: "Numbers"}, {Value: "11", Num: sheets.Integer}, {Value: "1", Num: sheets.Integer}}))
	must(t, w.Row(nil))
	must(t, w.Row([]sheets.Cell{{Value: "Median days"}, {Value: "1.5", Num: sheets.Decimal}}))
	must(t, w.Row([]sheets.Cell{{Value: "Price"}, {Value: "39.99", Num: sheets.Money, Unit: "USD"}}))
	must(t, layout.Chart(sheets.Chart{Kind: sheets.StackedColumns, Title: "Rows by status", HeaderRow: 1, FirstRow: 2, LastRow: 3,
		SeriesCols: []int{1, 2}}))
	must(t, w.Commit())

	parts := zipParts(t, path)
	wb := parts["xl/workbook.xml"]
	for i, s := range []struct{ name, part, filter string }{
		{"Data", "xl/worksheets/sheet1.xml", "$A$1:$D$3"},
		{"It's a summary", "xl/worksheets/sheet2.xml", "$A$1:$C$3"},
	} {
		ws := parts[s.part]
		for _, want := range []string{`<pageSetUpPr fitToPage="true"`, `orientation="landscape"`, `fitToWidth="1"`, `fitToHeight="0"`,
			`paperSize="9"`, `ySplit="1"`, `state="frozen"`, `<autoFilter ref="` + s.filter + `"`} {
			if !strings.Contains(ws, want) {
				t.Errorf("sheet %q: no %s in its XML", s.name, want)
			}
		}
		quoted := "&#39;" + strings.ReplaceAll(s.name, "'", "&#39;&#39;") + "&#39;"
		titles := regexp.MustCompile(`<definedName localSheetId="` + itoa(i) + `" name="_xlnm.Print_Titles">` + regexp.QuoteMeta(quoted) + `!\$1:\$1</definedName>`)
		if !titles.MatchString(wb) {
			t.Errorf("sheet %q: no print titles ($1:$1) in workbook.xml:\n%s", s.name, wb)
		}
		if !strings.Contains(wb, `name="_xlnm._FilterDatabase"`) {
			t.Errorf("no _FilterDatabase defined name for the autofilters")
		}
	}

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head, err := f.GetCellStyle("Data", "A1")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := f.GetStyle(head); err != nil || st.Font == nil || !st.Font.Bold || st.Font.Family == "" || st.Font.Size == 0 {
		t.Errorf("header font %+v (%v), want bold with a name and a size", st.Font, err)
	}
	numFmt := func(sheet, cell string) string {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt != nil {
			return *st.CustomNumFmt
		}
		return itoa(st.NumFmt)
	}
	cellType := func(sheet, cell string) excelize.CellType {
		typ, err := f.GetCellType(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return typ
	}
	for _, c := range []struct{ sheet, cell, fmt string }{
		{"It's a summary", "B5", "0.0"},
		{"It's a summary", "B6", "[$USD] #,##0.00"},
	} {
		if got := numFmt(c.sheet, c.cell); got != c.fmt {
			t.Errorf("%s!%s: number format %q, want %q", c.sheet, c.cell, got, c.fmt)
		}
	}
	for _, c := range []string{"D2", "D3"} {
		if typ := cellType("Data", c); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("Data!%s (Attempts) is a string cell, want a number", c)
		}
	}
	for _, c := range []string{"B2", "C3", "B5", "B6"} {
		if typ := cellType("It's a summary", c); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("summary!%s is a string cell, want a number", c)
		}
	}
	// The Error column wraps (asked), and so does the long Note (wider
	// than the widest column).
	for _, col := range []string{"B", "C"} {
		st, err := f.GetColStyle("Data", col)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(st)
		if err != nil {
			t.Fatal(err)
		}
		if s.Alignment == nil || !s.Alignment.WrapText {
			t.Errorf("Data column %s does not wrap", col)
		}
	}
	chart := parts["xl/charts/chart1.xml"]
	for _, want := range []string{"&#39;It&#39;&#39;s a summary&#39;!$A$2:$A$3", "&#39;It&#39;&#39;s a summary&#39;!$B$2:$B$3",
		"&#39;It&#39;&#39;s a summary&#39;!$C$1", "Rows by status"} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart1.xml lacks %s", want)
		}
	}
	if !strings.Contains(parts["xl/worksheets/sheet2.xml"], "<drawing ") {
		t.Errorf("the summary sheet has no drawing for its chart")
	}
}
