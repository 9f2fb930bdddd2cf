package sheets_test

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

// Each limit of what a manifest may hold, checked with a small file and
// the limit lowered to fit it: the read fails with an error that wraps
// sheets.ErrLimit and names the file, the tab, the row (and the column of
// a cell) and the limit.

// limitCase is a file that passes one lowered limit.
type limitCase struct {
	name   string
	limit  string // sheets.SetLimit's name
	value  int
	file   func(t *testing.T, dir string) string
	want   []string // in the error, beside the file's name
	notLim bool     // the error is not about a limit (a malformed reference)
}

func TestLimitsCSV(t *testing.T) {
	csvFile := func(content string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, "Subscribers.csv", content) }
	}
	rows := func(n int) string {
		var b strings.Builder
		b.WriteString("Email,Name\n")
		for i := range n {
			b.WriteString("a" + itoa(i) + "@example.com,A\n")
		}
		return b.String()
	}
	longLine := "Email,Name\n" + strings.Repeat("x", 200<<10) + "\n" // past rowBytes and the read-ahead
	tests := []limitCase{
		{name: "rows", limit: "rows", value: 5, file: csvFile(rows(9)),
			want: []string{"row 6: past the 5 rows a worksheet holds (Excel's limit)"}},
		{name: "rows counted with blank lines", limit: "rows", value: 5, file: csvFile("Email,Name\na@x.com,A\n\n\n\n\nb@x.com,B\n"),
			want: []string{"row 7: past the 5 rows"}},
		{name: "blank lines without end", limit: "rows", value: 1000, file: csvFile("Email,Name\na@x.com,A\n" + strings.Repeat("\n", 200<<10) + "b,c\n"),
			want: []string{"after row 2: more than 1,000 blank lines follow, and a file holds at most 1,000 rows"}},
		{name: "columns", limit: "columns", value: 4, file: csvFile("Email,Name\na@x.com,A\nb@x.com,B,,,x\n"),
			want: []string{"row 3: more than the 4 columns a worksheet holds (Excel's limit: columns A to D)"}},
		{name: "cell", limit: "cellChars", value: 10, file: csvFile("Email,Name\na@x.com,A\nb@x.com,Bartholomew Q\n"),
			want: []string{"row 3: column B: the cell holds 13 characters, more than the 10 one cell can hold"}},
		{name: "cell in characters, not bytes", limit: "cellChars", value: 10, file: csvFile("Email,Name\na@x.com,ÉÉÉÉÉÉÉÉÉÉÉ\n"),
			want: []string{"row 2: column B: the cell holds 11 characters"}},
		{name: "line", limit: "rowBytes", value: 1000, file: csvFile(longLine),
			want: []string{"line 2: the row that starts here is longer than 1,000 bytes, the most a row may hold"}},
		{name: "one-line file", limit: "rowBytes", value: 1000, file: csvFile(strings.Repeat("x", 100<<10)),
			want: []string{"line 1: the row that starts here is longer than 1,000 bytes"}},
		{name: "quoted field over many lines", limit: "rowBytes", value: 1000,
			file: csvFile("Email,Name\na@x.com,\"A" + strings.Repeat("\nmore", 30<<10) + "\"\nb@x.com,B\n"),
			want: []string{"line 2: the row that starts here is longer than 1,000 bytes"}},
	}
	runLimitCases(t, tests)
}

func TestLimitsCSVHonestFilesPass(t *testing.T) {
	// At the limits exactly, nothing is refused.
	defer sheets.SetLimit("rows", 4)()
	defer sheets.SetLimit("columns", 3)()
	defer sheets.SetLimit("cellChars", 5)()
	path := writeFile(t, t.TempDir(), "ok.csv", "A,B,C\nÉÉÉÉÉ,2,3\n\n4,\"x\ny\",6\n")
	got := readOne(t, path)
	if want := []sheets.Row{row(2, "ÉÉÉÉÉ", "2", "3"), row(4, "4", "x\ny", "6")}; !sameRows(got.Rows, want) {
		t.Errorf("rows = %+v, want %+v", got.Rows, want)
	}
}

func TestLimitsXLSX(t *testing.T) {
	book := func(data string, sst ...string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			return rawXLSX(t, dir, "book.xlsx", []rawTab{{Name: "Subscribers", Data: data}}, nil, nil, sst)
		}
	}
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row>`
	rowsXML := func(n int) string {
		s := header
		for i := 2; i <= n; i++ {
			s += `<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `" t="inlineStr"><is><t>a@x.com</t></is></c></row>`
		}
		return s
	}
	repeated := strings.Repeat(`<row><c t="inlineStr"><is><t>same</t></is></c></row>`, 2000)
	tests := []limitCase{
		{name: "rows", limit: "rows", value: 5, file: book(rowsXML(9)),
			want: []string{`tab "Subscribers"`, `row r="6" is past row 5, the last a worksheet has (Excel's limit)`}},
		{name: "rows without numbers", limit: "rows", value: 5, file: book(header + strings.Repeat(`<row><c><v>1</v></c></row>`, 9)),
			want: []string{`tab "Subscribers"`, "row 6: past the 5 rows a worksheet holds"}},
		{name: "columns", limit: "columns", value: 4, file: book(header + `<row r="2"><c r="E2"><v>1</v></c></row>`),
			want: []string{`tab "Subscribers"`, `row 2: cell r="E2" is past column D, the last a worksheet has (Excel's limit of 4 columns)`}},
		{name: "columns without references", limit: "columns", value: 4,
			file: book(header + `<row r="2">` + strings.Repeat(`<c><v>1</v></c>`, 5) + `</row>`),
			want: []string{`tab "Subscribers"`, "row 2: more than the 4 columns a worksheet holds"}},
		{name: "cell", limit: "cellChars", value: 10,
			file: book(header + `<row r="2"><c r="B2" t="inlineStr"><is><t>Bartholomew Q</t></is></c></row>`),
			want: []string{`tab "Subscribers"`, "row 2: column B: the cell holds 13 characters, more than the 10 one cell can hold"}},
		{name: "row text", limit: "rowBytes", value: 20,
			file: book(header + `<row r="2"><c r="A2" t="inlineStr"><is><t>0123456789</t></is></c>` +
				`<c r="B2" t="inlineStr"><is><t>0123456789</t></is></c><c r="C2"><v>12</v></c></row>`),
			want: []string{`tab "Subscribers"`, "row 2: the row holds more than 20 bytes of text"}},
		{name: "worksheet size", limit: "sheetPart", value: 1000, file: book(rowsXML(40)),
			want: []string{`tab "Subscribers"`, "part xl/worksheets/data1.xml unpacks to", "more than the 1,000 bytes a worksheet may take"}},
		{name: "compression ratio", limit: "ratioFrom", value: 10 << 10, file: book(header + repeated),
			want: []string{`tab "Subscribers"`, "part xl/worksheets/data1.xml unpacks to 104,", "more than 100 times its size"}},
		{name: "shared strings size", limit: "stringsPart", value: 200, file: book(header, strings.Split("a b c d e f g h i j k l", " ")...),
			want: []string{"shared strings part xl/sharedStrings.xml", "more than the 200 bytes the shared strings part may take"}},
		{name: "shared strings count", limit: "strings", value: 3, file: book(header, "a", "b", "c", "d"),
			want: []string{"shared strings part xl/sharedStrings.xml", "more than 3 strings"}},
		{name: "shared string length", limit: "cellChars", value: 10, file: book(header, "short", "Bartholomew Q"),
			want: []string{"shared strings part xl/sharedStrings.xml", "string 1: the cell holds 13 characters"}},
		{name: "small parts", limit: "smallPart", value: 100, file: book(header),
			want: []string{"more than the 100 bytes a workbook, relationships or styles part may take"}},
		{name: "parts", limit: "parts", value: 5, file: book(header),
			want: []string{"the archive has 7 parts, more than the 5 a workbook may have"}},
		{name: "tabs", limit: "tabs", value: 1, file: func(t *testing.T, dir string) string {
			return rawXLSX(t, dir, "book.xlsx", []rawTab{{Name: "Subscribers", Data: header}, {Name: "Accounts", Data: header}}, nil, nil, nil)
		}, want: []string{"the workbook has 2 tabs, more than the 1 a manifest may have"}},
		{name: "row reference as written", file: book(rowsXML(3) + `<row r="4294967297"><c r="A1"><v>1</v></c></row>`),
			want: []string{`tab "Subscribers"`, `after row 3: row r="4294967297" is past row 1,048,576`}},
		{name: "cell past XFD", file: book(rowsXML(3) + `<row r="4"><c r="XFE4"><v>1</v></c></row>`),
			want: []string{`tab "Subscribers"`, `row 4: cell r="XFE4" is past column XFD`}},
		{name: "malformed row reference", notLim: true, file: book(rowsXML(3) + `<row r="0"/>`),
			want: []string{`tab "Subscribers"`, `after row 3: row r="0" is not a row number (want 1 to 1,048,576)`}},
	}
	runLimitCases(t, tests)
}

func runLimitCases(t *testing.T, tests []limitCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.limit != "" {
				defer sheets.SetLimit(tt.limit, tt.value)()
			}
			path := tt.file(t, t.TempDir())
			err := readErr(path)
			if err == nil {
				t.Fatal("got no error")
			}
			if errors.Is(err, sheets.ErrLimit) == tt.notLim {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tt.notLim, tt.notLim)
			}
			for _, w := range append([]string{filepath.Base(path)}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// An archive that declares more entries than a workbook may have is
// refused from its last bytes, before its directory is read.
func TestLimitsZipEntriesDeclared(t *testing.T) {
	defer sheets.SetLimit("parts", 100)()
	path := filepath.Join(t.TempDir(), "many.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := range 150 {
		if _, err := zw.Create("p" + itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	must(t, zw.Close())
	must(t, f.Close())
	_, err = sheets.Open(path)
	if !errors.Is(err, sheets.ErrLimit) || !strings.Contains(err.Error(), "the archive has 150 parts, more than the 100") {
		t.Errorf("got %v, want the parts limit", err)
	}
}
