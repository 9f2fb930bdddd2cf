package samplegen

import (
	"archive/zip"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// writeAndRead writes tables into a new workbook through the sink newSink
// makes, and reads it back.
func writeAndRead[S Sink](t *testing.T, newSink func(string) (S, error), tables []Table) (string, []Table) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.xlsx")
	sink, err := newSink(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(sink, tables); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := ReadXLSX(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, got
}

func TestXLSXSinkRoundTrip(t *testing.T) {
	t.Parallel()
	want := []Table{
		{Name: "First", Header: []string{"Zip", "Phone", "ICCID", "Formula"}, Rows: [][]any{
			{"02139", "+18015551234", "8901240397190002080", "=1+1"},
			{"84032", "(801) 555-0120", iccidAsExcelFloat, " padded "},
		}},
		{Name: "Second", Header: []string{"A"}, Rows: [][]any{{"x"}}},
		{Name: "Empty", Header: []string{"A", "B"}},
	}
	path, got := writeAndRead(t, NewXLSXSink, want)
	// A numeric cell keeps 15 significant digits, as in Excel.
	want[0].Rows[1][2] = 8.90124039719e18
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n got %#v\nwant %#v", got, want)
	}

	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("zip entries not in name order: %v", names)
	}
}

// The workbook ExcelSink writes reads back the same through excelize, its
// texts in the shared strings table, each once.
func TestExcelSinkRoundTrip(t *testing.T) {
	t.Parallel()
	want := []Table{
		{Name: "First & Co", Header: []string{"Zip", "Phone", "ICCID", "Odd"}, Rows: [][]any{
			{"02139", "+18015551234", "8901240397190002080", "a & b <c>"},
			{"84032", "(801) 555-0120", iccidAsExcelFloat, " padded "},
			{"02139", "", GeneralNumber(550), "_x0041_ stays"},
			{"line1\nline2", "tab\tin", "", "02139"},
		}},
		{Name: "Second", Header: []string{"A"}, Rows: [][]any{{"x"}}},
		{Name: "Empty", Header: []string{"A", "B"}},
	}
	path, got := writeAndRead(t, NewExcelSink, want)
	want[0].Rows[1][2] = 8.90124039719e18 // 15 significant digits, as in Excel
	want[0].Rows[2][2] = 550.0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n got %#v\nwant %#v", got, want)
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".samplegen-*")); len(entries) != 0 {
		t.Errorf("temporary files left: %q", entries)
	}

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
	sst := parts["xl/sharedStrings.xml"]
	if strings.Count(sst, ">02139<") != 1 {
		t.Errorf("shared strings: 02139 appears %d times, want once:\n%s", strings.Count(sst, ">02139<"), sst)
	}
	if !strings.Contains(sst, `count="20" uniqueCount="17"`) {
		t.Errorf("shared strings counts: %.200s, want 20 references to 17 strings", sst)
	}
	if sheet := parts["xl/worksheets/sheet1.xml"]; strings.Contains(sheet, "inlineStr") || !strings.Contains(sheet, `t="s"`) {
		t.Errorf("sheet1 does not refer to shared strings: %.300s", sheet)
	}
}

func TestWriteRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		table Table
	}{
		{"row longer than header", Table{Name: "T", Header: []string{"A"}, Rows: [][]any{{"1", "2"}}}},
		{"cell neither text nor number", Table{Name: "T", Header: []string{"A"}, Rows: [][]any{{42}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink, err := NewXLSXSink(filepath.Join(t.TempDir(), "t.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			if err := Write(sink, []Table{tt.table}); err == nil {
				t.Errorf("Write: got no error, want one")
			}
		})
	}
	t.Run("number in CSV", func(t *testing.T) {
		sink, err := NewCSVSink(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		err = Write(sink, []Table{{Name: "T", Header: []string{"A"}, Rows: [][]any{{1.5}}}})
		if err == nil {
			t.Errorf("Write: got no error, want one")
		}
	})
}
