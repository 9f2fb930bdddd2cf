package sheets_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/sheets"
)

// tricky values: formula-like, numeric-looking and otherwise fragile text
// that must come back exactly.
var tricky = []string{
	"=1+2",
	`=HYPERLINK("http://x.example","click")`,
	"+18015551234",
	"-5",
	"@SUM(A1:A2)",
	"\tTab first",
	"\rCR first",
	"00123",
	"8901240397190002080",
	"8.9012E+18",
	"1.5E+10",
	"2026-06-01",
	"TRUE",
	"#N/A",
	"  spaced  ",
	"line1\nline2",
	"_x0041_ stays",
	"a & b <c>",
	"Zoë 中文",
}

// dirNames lists the names in dir, sorted.
func dirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestXLSXWriterRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "results.xlsx")
	w, err := sheets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Case", "Value", "Exact"}
	must(t, w.Sheet("Numbers", header))
	for _, v := range tricky {
		must(t, w.Row([]sheets.Cell{{Value: "case"}, {Value: v}, {Value: v, Exact: true}}))
	}
	// More rows than the writer holds back to size the columns.
	for i := 0; i < 250; i++ {
		must(t, w.Row([]sheets.Cell{{Value: "bulk"}, {Value: itoa(i)}, {Value: ""}, {Value: "beyond the header"}}))
	}
	must(t, w.Sheet("Bad/Name[1]:*?", []string{"X"}))
	must(t, w.Sheet("numbers", nil))
	must(t, w.Row([]sheets.Cell{{Value: "no header"}}))
	must(t, w.Sheet(strings.Repeat("L", 40), []string{"Y"}))
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("before Commit, Stat(dest) error = %v, want not exist", err)
	}
	must(t, w.Commit())
	if got, want := dirNames(t, dir), []string{"results.xlsx"}; !reflect.DeepEqual(got, want) {
		t.Errorf("directory holds %q, want %q (no temporary files)", got, want)
	}

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantSheets := []string{"Numbers", "Bad_Name_1____", "numbers (2)", strings.Repeat("L", 31)}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, wantSheets) {
		t.Errorf("sheets = %q, want %q", got, wantSheets)
	}
	for i, v := range tricky {
		for _, col := range []string{"B", "C"} {
			cell := col + itoa(i+2)
			if formula, err := f.GetCellFormula("Numbers", cell); err != nil || formula != "" {
				t.Errorf("%s (%q): formula = %q, %v; want none", cell, v, formula, err)
			}
			typ, err := f.GetCellType("Numbers", cell)
			if err != nil || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
				t.Errorf("%s (%q): type = %v, %v; want a string cell", cell, v, typ, err)
			}
			if got, err := f.GetCellValue("Numbers", cell, excelize.Options{RawCellValue: true}); err != nil || got != v {
				t.Errorf("%s: value = %q, %v; want %q", cell, got, err, v)
			}
		}
	}
	t.Run("header bold and frozen", func(t *testing.T) {
		id, err := f.GetCellStyle("Numbers", "A1")
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		if st.Font == nil || !st.Font.Bold {
			t.Errorf("header font = %+v, want bold", st.Font)
		}
		panes, err := f.GetPanes("Numbers")
		must(t, err)
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes = %+v, want the first row frozen", panes)
		}
		width, err := f.GetColWidth("Numbers", "B")
		must(t, err)
		if width < 8 || width > 60 {
			t.Errorf("column B width = %v, want 8..60", width)
		}
	})
	t.Run("read back", func(t *testing.T) {
		tables := readAll(t, path)
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Table.Name+":"+strings.Join(tb.Table.Header, ","))
		}
		// A sheet started without a header has its first row read as one.
		wantNames := []string{"Numbers:Case,Value,Exact", "Bad_Name_1____:X", "numbers (2):no header", strings.Repeat("L", 31) + ":Y"}
		if !reflect.DeepEqual(names, wantNames) {
			t.Fatalf("tables = %q, want %q", names, wantNames)
		}
		got := tables[0]
		if !reflect.DeepEqual(got.Table.Header, header) {
			t.Errorf("header = %q, want %q", got.Table.Header, header)
		}
		var want []sheets.Row
		for i, v := range tricky {
			want = append(want, row(i+2, "case", v, v))
		}
		for i := 0; i < 250; i++ {
			want = append(want, beyondRow(len(tricky)+i+2, []int{3}, "bulk", itoa(i), ""))
		}
		if !sameRows(got.Rows, want) {
			t.Errorf("rows differ:\ngot  %+v\nwant %+v", got.Rows, want)
		}
	})
}

func TestCSVWriterRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := sheets.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Sheet("Numbers", []string{"Case", "Value", "=Header"}))
	for _, v := range tricky {
		must(t, w.Row([]sheets.Cell{{Value: "case"}, {Value: v}, {Value: v, Exact: true}}))
	}
	must(t, w.Sheet("Bad/Name: *?", []string{"X"}))
	must(t, w.Row([]sheets.Cell{{Value: "1"}}))
	must(t, w.Sheet("numbers", []string{"Y"}))
	if got := dirNames(t, dir); len(got) != 3 || !strings.HasPrefix(got[0], ".") {
		t.Errorf("before Commit the directory holds %q, want 3 hidden temporary files", got)
	}
	must(t, w.Commit())
	want := []string{"results-Bad_Name_ __.csv", "results-Numbers.csv", "results-numbers (2).csv"}
	if got := dirNames(t, dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("directory holds %q, want %q", got, want)
	}

	raw, err := os.ReadFile(filepath.Join(dir, "results-Bad_Name_ __.csv"))
	must(t, err)
	if got, want := string(raw), "\uFEFFX\n1\n"; got != want {
		t.Errorf("file content = %q, want %q", got, want)
	}

	got := readOne(t, filepath.Join(dir, "results-Numbers.csv"))
	if want := []string{"Case", "Value", "'=Header"}; !reflect.DeepEqual(got.Table.Header, want) {
		t.Errorf("header = %q, want %q", got.Table.Header, want)
	}
	var rows []sheets.Row
	for i, v := range tricky {
		guarded := v
		if strings.ContainsAny(v[:1], "=+-@\t\r") {
			guarded = "'" + v
		}
		rows = append(rows, row(2+i, "case", guarded, v)) // one row per record, line breaks or not
	}
	if !sameRows(got.Rows, rows) {
		t.Errorf("rows differ:\ngot  %q\nwant %q", cellsOf(got.Rows), cellsOf(rows))
	}
}

func cellsOf(rows []sheets.Row) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, append([]string{itoa(r.Num)}, r.Cells...))
	}
	return out
}

func TestWriterAtomic(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"results.xlsx", "results.csv"} {
		t.Run(name, func(t *testing.T) {
			t.Run("abort leaves nothing", func(t *testing.T) {
				dir := t.TempDir()
				w, err := sheets.Create(filepath.Join(dir, name))
				must(t, err)
				must(t, w.Sheet("A", []string{"X"}))
				for i := 0; i < 300; i++ {
					must(t, w.Row([]sheets.Cell{{Value: "v"}}))
				}
				must(t, w.Sheet("B", []string{"Y"}))
				w.Abort()
				w.Abort()
				if got := dirNames(t, dir); len(got) != 0 {
					t.Errorf("after Abort the directory holds %q, want nothing", got)
				}
				if err := w.Commit(); err == nil {
					t.Error("Commit after Abort succeeded")
				}
			})
			t.Run("commit replaces", func(t *testing.T) {
				dir := t.TempDir()
				dest := filepath.Join(dir, name)
				if strings.HasSuffix(name, ".csv") {
					dest = filepath.Join(dir, "results-A.csv")
				}
				must(t, os.WriteFile(dest, []byte("old"), 0o600))
				w, err := sheets.Create(filepath.Join(dir, name))
				must(t, err)
				must(t, w.Sheet("A", []string{"X"}))
				must(t, w.Row([]sheets.Cell{{Value: "new"}}))
				if b, _ := os.ReadFile(dest); string(b) != "old" {
					t.Errorf("before Commit the destination holds %q, want the old content", b)
				}
				must(t, w.Commit())
				w.Abort() // safe after Commit
				fi, err := os.Stat(dest)
				must(t, err)
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
				}
				got := readOne(t, dest)
				if len(got.Rows) != 1 || got.Rows[0].Cells[0] != "new" {
					t.Errorf("rows = %+v, want the new content", got.Rows)
				}
				if err := w.Row([]sheets.Cell{{Value: "late"}}); err == nil {
					t.Error("Row after Commit succeeded")
				}
			})
		})
	}
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("unsupported type", func(t *testing.T) {
		_, err := sheets.Create(filepath.Join(dir, "out.ods"))
		if err == nil || !strings.Contains(err.Error(), "out.ods") {
			t.Errorf("Create(.ods) error = %v, want one naming the file", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := sheets.Create(filepath.Join(dir, "nope", "out.xlsx"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Create(in missing dir) error = %v, want fs.ErrNotExist", err)
		}
	})
	for _, name := range []string{"rows.xlsx", "rows.csv"} {
		t.Run("row before sheet "+name, func(t *testing.T) {
			w, err := sheets.Create(filepath.Join(t.TempDir(), name))
			must(t, err)
			defer w.Abort()
			if err := w.Row([]sheets.Cell{{Value: "x"}}); err == nil {
				t.Fatal("Row before Sheet succeeded")
			}
			if err := w.Commit(); err == nil {
				t.Error("Commit after a failed Row succeeded")
			}
		})
	}
}

func TestXLSXWriterNoSheets(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "empty.xlsx")
	w, err := sheets.Create(path)
	must(t, err)
	must(t, w.Commit())
	f, err := excelize.OpenFile(path)
	must(t, err)
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 {
		t.Errorf("sheets = %q, want the one sheet a workbook must have", got)
	}
}

func TestColumnLetter(t *testing.T) {
	tests := []struct {
		i    int
		want string
	}{
		{0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"},
		{701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}, {-1, ""},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.i), func(t *testing.T) {
			if got := sheets.ColumnLetter(tt.i); got != tt.want {
				t.Errorf("ColumnLetter(%d) = %q, want %q", tt.i, got, tt.want)
			}
		})
	}
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Accounts", "Accounts"},
		{"a/b\\c:d*e?f[g]h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"", "Sheet"},
		{"   ", "Sheet"},
		{"history", "History_"},
		{strings.Repeat("x", 40), strings.Repeat("x", 31)},
		{strings.Repeat("😀", 20), strings.Repeat("😀", 15)}, // 2 UTF-16 units each
		{"tab\there", "tab_here"},
		{"bad\xffutf8", "bad_utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := sheets.SheetName(tt.in); got != tt.want {
				t.Errorf("SheetName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A table read from a CSV file keeps its file name as its sheet name; the
// CSV results name their file after it once, not portins.csv.csv. Figures
// (Num cells) are written as they are, never guarded.
func TestCSVWriterNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := sheets.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Sheet("portins.csv", []string{"Count"}))
	must(t, w.Row([]sheets.Cell{{Value: "-3", Num: sheets.Integer}}))
	must(t, w.Sheet("Summary", []string{"X"}))
	must(t, w.Commit())
	if got, want := dirNames(t, dir), []string{"results-Summary.csv", "results-portins.csv"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("directory holds %q, want %q", got, want)
	}
	if got := readOne(t, filepath.Join(dir, "results-portins.csv")); got.Rows[0].Cells[0] != "-3" {
		t.Errorf("figure written as %q, want -3", got.Rows[0].Cells[0])
	}
}

// Num cells are number cells in XLSX (Money with two decimals); every
// other value stays a string cell, even one that reads as a number.
func TestXLSXWriterFigures(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.xlsx")
	w, err := sheets.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Sheet("Summary", []string{"Text", "Count", "Amount"}))
	must(t, w.Row([]sheets.Cell{{Value: "0042"}, {Value: "12", Num: sheets.Integer}, {Value: "159.96", Num: sheets.Money}}))
	must(t, w.Commit())
	f, err := excelize.OpenFile(path)
	must(t, err)
	defer f.Close()
	for ref, want := range map[string]excelize.CellType{"A2": excelize.CellTypeInlineString, "B2": excelize.CellTypeUnset, "C2": excelize.CellTypeUnset} {
		if got, _ := f.GetCellType("Summary", ref); got != want {
			t.Errorf("%s: cell type %d, want %d", ref, got, want)
		}
	}
	if v, _ := f.GetCellValue("Summary", "C2"); v != "159.96" {
		t.Errorf("C2 shows %q, want 159.96", v)
	}
	if v, _ := f.GetCellValue("Summary", "A2"); v != "0042" {
		t.Errorf("A2 shows %q, want 0042", v)
	}
}
