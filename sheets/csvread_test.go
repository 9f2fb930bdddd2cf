package sheets_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

func TestOpenCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		content   string
		header    []string
		headerRow int
		rows      []sheets.Row
		charset   string
	}{
		{
			name:      "comma and LF",
			content:   "Email,Name\na@x.example,Ann\nb@x.example,Bob\n",
			header:    []string{"Email", "Name"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "a@x.example", "Ann"), row(3, "b@x.example", "Bob")},
		},
		{
			name:      "CRLF without final line break",
			content:   "Email,Name\r\na@x.example,Ann\r\nb@x.example,Bob",
			header:    []string{"Email", "Name"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "a@x.example", "Ann"), row(3, "b@x.example", "Bob")},
		},
		{
			name:      "UTF-8 BOM",
			content:   "\uFEFFEmail,Name\na@x.example,Zoë\n",
			header:    []string{"Email", "Name"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "a@x.example", "Zoë")},
		},
		{
			name:      "semicolon delimiter as European Excel writes it",
			content:   "\uFEFFEmail;Name;Price\r\na@x.example;Ann, Jr.;15,00\r\n",
			header:    []string{"Email", "Name", "Price"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "a@x.example", "Ann, Jr.", "15,00")},
		},
		{
			name:      "semicolons inside quoted header do not count",
			content:   "\"a;b;c\",Name\n1,2\n",
			header:    []string{"a;b;c", "Name"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "1", "2")},
		},
		{
			name:      "quoted delimiter, quotes and line break",
			content:   "Street,City\n\"1 Main St, Apt 2\",\"Say \"\"hi\"\"\"\n\"line one\nline two\",Provo\nlast,Orem\n",
			header:    []string{"Street", "City"},
			headerRow: 1,
			rows: []sheets.Row{
				row(2, "1 Main St, Apt 2", `Say "hi"`),
				row(3, "line one\nline two", "Provo"),
				row(4, "last", "Orem"),
			},
		},
		{
			name:      "rows are records, blank lines are rows",
			content:   "A,B\n\"1\n2\n3\",x\n\ny,\"4\r\n5\"\r\n\r\nz,6\n",
			header:    []string{"A", "B"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "1\n2\n3", "x"), row(4, "y", "4\n5"), row(6, "z", "6")},
		},
		{
			name:      "quoted CRLF line break becomes LF",
			content:   "A,B\r\n\"x\r\ny\",z\r\n",
			header:    []string{"A", "B"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "x\ny", "z")},
		},
		{
			name:      "stray quote inside an unquoted field is kept",
			content:   "Item,Size\nscreen,5\" wide\n",
			header:    []string{"Item", "Size"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "screen", `5" wide`)},
		},
		{
			name:      "empty records skipped, numbering kept",
			content:   "A,B\n\n1,2\n,\n , \n;\n3,4\n\n\n",
			header:    []string{"A", "B"},
			headerRow: 1,
			rows:      []sheets.Row{row(3, "1", "2"), row(6, ";", ""), row(7, "3", "4")},
		},
		{
			name:      "header after blank lines and empty records",
			content:   "\n,,\nA,B\n1,2\n",
			header:    []string{"A", "B"},
			headerRow: 3,
			rows:      []sheets.Row{row(4, "1", "2")},
		},
		{
			name:      "header spaces trimmed, cells kept as written",
			content:   "  Email , Name\t\n a@x.example , Ann \n",
			header:    []string{"Email", "Name"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, " a@x.example ", " Ann ")},
		},
		{
			name:      "trailing untitled columns dropped but listed, short rows padded",
			content:   "A,,C,,,\n1,2,3,4,5,6\n7\n,,,,,x\n8,,,  ,,\n",
			header:    []string{"A", "", "C"},
			headerRow: 1,
			rows: []sheets.Row{beyondRow(2, []int{3, 4, 5}, "1", "2", "3"), row(3, "7", "", ""),
				beyondRow(4, []int{5}, "", "", ""), row(5, "8", "", "")},
		},
		{
			name:      "not UTF-8: read as Windows-1252",
			content:   "Name,City,Note\nJos\xe9,Provo,\x93quoted\x94 \x80 5\n",
			header:    []string{"Name", "City", "Note"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "José", "Provo", "“quoted” € 5")},
			charset:   sheets.Windows1252,
		},
		{
			name:      "sep= line names the delimiter and is not a row",
			content:   "sep=;\r\nA;B,C\r\n1;2,3\r\n",
			header:    []string{"A", "B,C"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "1", "2,3")},
		},
		{
			name:      "SEP= in capitals, after a BOM, comma where semicolons abound",
			content:   "\uFEFFSEP=,\nA;1,B;2\na;b,c;d\n",
			header:    []string{"A;1", "B;2"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "a;b", "c;d")},
		},
		{
			name:      "sep= with a tab",
			content:   "sep=\t\nA\tB\n1\t2\n",
			header:    []string{"A", "B"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "1", "2")},
		},
		{
			name:      "a header that only starts like sep= is a header",
			content:   "sep=x;y,z\n1,2\n",
			header:    []string{"sep=x;y", "z"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "1", "2")},
		},
		{
			name:      "header only",
			content:   "A,B\n",
			header:    []string{"A", "B"},
			headerRow: 1,
		},
		{
			name:      "numbers and formulas are text",
			content:   "Phone,ICCID,F\n8015551234,8.9012E+18,=1+2\n",
			header:    []string{"Phone", "ICCID", "F"},
			headerRow: 1,
			rows:      []sheets.Row{row(2, "8015551234", "8.9012E+18", "=1+2")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "Subscribers.csv", tt.content)
			got := readOne(t, path)
			want := sheets.Table{Name: "Subscribers", Path: path, Header: tt.header, HeaderRow: tt.headerRow, Charset: tt.charset}
			if !reflect.DeepEqual(got.Table, want) {
				t.Errorf("Table() = %+v, want %+v", got.Table, want)
			}
			if !sameRows(got.Rows, tt.rows) {
				t.Errorf("rows = %+v, want %+v", got.Rows, tt.rows)
			}
		})
	}
}

func TestOpenCSVErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{
			name:    "quoted field never closed",
			content: "A,B\n1,2\n3,\"oops\n5,6\n7,8\n",
			want:    []string{"Bad.csv", "line 3", "never closed"},
		},
		{
			name:    "quoted header never closed",
			content: "A,\"B\nC\n",
			want:    []string{"Bad.csv", "line 1", "never closed"},
		},
		{
			name:    "not UTF-8 after a UTF-8 byte order mark",
			content: "\uFEFFName,City\nJos\xe9,Provo\n",
			want:    []string{"Bad.csv", "line 2", "UTF-8"},
		},
		{
			name:    "lines counted from the sep= line",
			content: "sep=,\nA,B\n1,2\n3,\"oops\n5,6\n7,8\n",
			want:    []string{"Bad.csv", "line 4", "never closed"},
		},
		{
			name:    "UTF-16",
			content: "\xff\xfeA\x00,\x00B\x00\n\x00",
			want:    []string{"Bad.csv", "UTF-16"},
		},
		{
			name:    "workbook renamed",
			content: "PK\x03\x04\x14\x00",
			want:    []string{"Bad.csv", ".xlsx"},
		},
		{
			name:    "binary",
			content: "A,B\n\x00\x01\x02\n",
			want:    []string{"Bad.csv", "not text"},
		},
		{
			name:    "empty",
			content: "\n\n,,\n",
			want:    []string{"Bad.csv", "empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readErr(writeFile(t, t.TempDir(), "Bad.csv", tt.content))
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenCSVQuotedFieldClosedAtEnd(t *testing.T) {
	t.Parallel()
	// A last field that spans lines and is properly closed is not a
	// runaway, even with blank lines after it.
	path := writeFile(t, t.TempDir(), "ok.csv", "A,B\n1,\"two\nlines\"\n\n")
	got := readOne(t, path)
	if want := []sheets.Row{row(2, "1", "two\nlines")}; !sameRows(got.Rows, want) {
		t.Errorf("rows = %+v, want %+v", got.Rows, want)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("missing file wraps fs.ErrNotExist", func(t *testing.T) {
		path := filepath.Join(dir, "nope.csv")
		_, err := sheets.Open(path)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open(missing) error = %v, want fs.ErrNotExist", err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
	})
	tests := []struct {
		file string
		want []string
	}{
		{"manifest.txt", []string{"manifest.txt", `".txt"`, ".xlsx", ".csv", "directory"}},
		{"manifest", []string{"manifest", ".xlsx", ".csv"}},
		{"old.xls", []string{"old.xls", ".xlsx"}},
		{"fake.xlsx", []string{"fake.xlsx", "not an XLSX workbook"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := sheets.Open(writeFile(t, dir, tt.file, "A,B\n1,2\n"))
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "subscribers.csv", "Email\na@x.example\n")
	writeFile(t, dir, "accounts.CSV", "AccountRef\nACME\n")
	writeFile(t, dir, "empty.csv", "\n")
	writeFile(t, dir, "notes.txt", "not a table\n")
	writeFile(t, dir, ".hidden.csv", "X\n1\n")
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	tables := readAll(t, dir)
	var got []string
	for _, tb := range tables {
		got = append(got, tb.Table.Name+"="+strings.Join(tb.Table.Header, ",")+":"+tb.Rows[0].Cells[0])
		if want := filepath.Join(dir, tb.Table.Name) + filepath.Ext(tb.Table.Path); tb.Table.Path != want {
			t.Errorf("Path = %s, want %s", tb.Table.Path, want)
		}
	}
	want := []string{"accounts=AccountRef:ACME", "subscribers=Email:a@x.example"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tables = %q, want %q", got, want)
	}

	t.Run("no csv files", func(t *testing.T) {
		empty := t.TempDir()
		_, err := sheets.Open(empty)
		if !errors.Is(err, sheets.ErrNoTable) {
			t.Errorf("Open(empty dir) error = %v, want ErrNoTable", err)
		}
	})
	t.Run("bad file fails the directory", func(t *testing.T) {
		bad := t.TempDir()
		writeFile(t, bad, "a.csv", "A\n1\n")
		writeFile(t, bad, "b.csv", "\xff\xfeA\x00")
		if _, err := sheets.Open(bad); err == nil || !strings.Contains(err.Error(), "b.csv") {
			t.Errorf("Open(dir with UTF-16 file) error = %v, want one naming b.csv", err)
		}
	})
}

func TestOpenAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := writeFile(t, dir, "accounts.csv", "AccountRef\nacme\n")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := writeFile(t, filepath.Join(dir, "sub"), "accounts.csv", "AccountRef\nbeta\n")
	link := filepath.Join(t.TempDir(), "link.csv")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	rs, err := sheets.OpenAll(a, filepath.Join(dir, "sub"))
	if err != nil {
		t.Fatalf("OpenAll of two files: %v", err)
	}
	if len(rs) != 2 || rs[1].Table().Path != b {
		t.Errorf("OpenAll returned %d readers, want the 2 files in order", len(rs))
	}
	for _, r := range rs {
		r.Close()
	}
	for _, paths := range [][]string{
		{a, a},
		{dir, a}, // the folder holds a
		{a, filepath.Join(dir, ".", "sub", "..", "accounts.csv")},
		{link, a},
	} {
		_, err := sheets.OpenAll(paths...)
		if !errors.Is(err, sheets.ErrGivenTwice) || !strings.Contains(err.Error(), "accounts.csv") {
			t.Errorf("OpenAll(%q) error = %v, want ErrGivenTwice naming the file", paths, err)
		}
	}
}
