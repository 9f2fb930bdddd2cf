package sheets_test

import (
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/sheets"
)

func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"A,B\n1,2\n",
		"\uFEFFEmail;Name\r\na@x.example;Ann\r\n",
		"A,B\n\"x,\ny\",\"q\"\"q\"\n,\n\n3\n",
		"A,,C,,\n1,2,3,4,5\n",
		"A,B\n1,\"never closed\n2,3\n",
		"A,\"B\nC\"\n",
		"A\n5\" screen\n\"a\"b\",c\n",
		"\xff\xfeA\x00",
		"Name\nJos\xe9\n",
		"\n\n\n",
		"",
		"\"",
		"A;B,C\n1;2,3\n",
		"sep=;\r\nA;B\r\n1;\"2\n3\"\r\n",
		"\x93A\x94,B\n\x80,\xe9\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeFile(t, t.TempDir(), "fuzz.csv", string(data))
		readers, err := sheets.Open(path)
		if err != nil {
			return
		}
		if len(readers) != 1 {
			t.Fatalf("Open returned %d readers, want 1", len(readers))
		}
		r := readers[0]
		defer r.Close()
		tb := r.Table()
		if len(tb.Header) == 0 || tb.HeaderRow < 1 {
			t.Fatalf("table %+v has no header", tb)
		}
		last := tb.HeaderRow
		for n := 0; r.Next(); n++ {
			if n > len(data) {
				t.Fatalf("more rows than bytes in the file")
			}
			row := r.Row()
			if len(row.Cells) != len(tb.Header) {
				t.Fatalf("row %d has %d cells, header has %d", row.Num, len(row.Cells), len(tb.Header))
			}
			if row.Num <= last {
				t.Fatalf("row number %d after %d", row.Num, last)
			}
			last = row.Num
		}
	})
}

// representable reports whether an XLSX cell can hold s exactly: valid
// UTF-8 made of characters XML allows, within Excel's 32,767-character
// limit.
func representable(s string) bool {
	if !utf8.ValidString(s) || len(utf16.Encode([]rune(s))) > 32767 {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// sharedStringSafe reports whether excelize's SetCellStr keeps s: it
// writes shared strings without escaping a carriage return (which XML
// parsing turns into a line feed) or text of the form _xHHHH_ (which
// Excel, like excelize, reads as an escaped character).
func sharedStringSafe(s string) bool {
	return !strings.Contains(s, "\r") && !strings.Contains(s, "_x")
}

// surrogateEscape matches an escape _xHHHH_ of a UTF-16 surrogate, which
// excelize drops both when it writes (bstrMarshal) and when it reads
// (bstrUnmarshal); this package's reader joins a pair into one character.
var surrogateEscape = regexp.MustCompile(`_x[dD][89a-fA-F][0-9a-fA-F]{2}_`)

func FuzzXLSXReader(f *testing.F) {
	for _, seed := range [][3]string{
		{"a", "b", "c"},
		{"8015551234", "8.9012E+18", "=1+2"},
		{"  spaced  ", "", "line1\nline2"},
		{"_x0041_", "_x005F_x0041_", "a & b <c> \"q\" 'a'"},
		{" ", "\t", ""},
		{"Zoë", "中文", "😀"},
		{"#N/A", "TRUE", "2026-06-01"},
		{"\r", "a\r\nb", "\x01"},
		{"_xD83D__xDE00_", "_x005f_", "_x00e9_"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		cells := []string{a, b, c}
		shared, surrogates := true, false
		for _, v := range cells {
			if !representable(v) {
				t.Skip("not representable in a workbook")
			}
			shared = shared && sharedStringSafe(v)
			surrogates = surrogates || surrogateEscape.MatchString(v)
		}
		// Two tabs: Shared written cell by cell (shared strings, as Excel
		// writes them), Inline through a StreamWriter (inline strings).
		path := filepath.Join(t.TempDir(), "fuzz.xlsx")
		wb := excelize.NewFile()
		defer wb.Close()
		header := []any{"A", "B", "C"}
		if err := wb.SetSheetName("Sheet1", "Shared"); err != nil {
			t.Fatal(err)
		}
		if err := wb.SetSheetRow("Shared", "A1", &header); err != nil {
			t.Fatal(err)
		}
		for i, v := range cells {
			if err := wb.SetCellStr("Shared", sheets.ColumnLetter(i)+"2", v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := wb.NewSheet("Inline"); err != nil {
			t.Fatal(err)
		}
		sw, err := wb.NewStreamWriter("Inline")
		if err != nil {
			t.Fatal(err)
		}
		if err := sw.SetRow("A1", header); err != nil {
			t.Fatal(err)
		}
		if err := sw.SetRow("A2", []any{a, b, c}); err != nil {
			t.Fatal(err)
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := wb.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		var want []sheets.Row
		if strings.TrimSpace(a+b+c) != "" {
			want = []sheets.Row{{Num: 2, Cells: cells}}
		}
		ref, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		for _, got := range readAll(t, path) {
			if !reflect.DeepEqual(got.Table.Header, []string{"A", "B", "C"}) {
				t.Errorf("%s: header = %q", got.Table.Name, got.Table.Header)
			}
			// What excelize reads from the same file, whatever was written.
			if surrogates {
				continue // only checking that reading does not fail
			}
			if len(got.Rows) == 1 {
				rows, err := ref.GetRows(got.Table.Name, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				excel := make([]string, 3)
				if len(rows) > 1 {
					copy(excel, rows[1])
				}
				if !reflect.DeepEqual(got.Rows[0].Cells, excel) {
					t.Errorf("%s: cells = %q, excelize reads %q", got.Table.Name, got.Rows[0].Cells, excel)
				}
			}
			if got.Table.Name == "Shared" && !shared {
				continue
			}
			if !sameRows(got.Rows, want) {
				t.Errorf("%s: rows = %+v, want %+v", got.Table.Name, got.Rows, want)
			}
		}
	})
}
