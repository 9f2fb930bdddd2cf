package sheets_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/sheets"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// table is everything a Reader returned.
type table struct {
	Table sheets.Table
	Rows  []sheets.Row
}

// readAll opens path and reads every table to the end, failing the test on
// any error.
func readAll(tb testing.TB, path string) []table {
	tb.Helper()
	readers, err := sheets.Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	var tables []table
	for _, r := range readers {
		tables = append(tables, drain(tb, r))
	}
	return tables
}

// drain reads r to the end and closes it.
func drain(tb testing.TB, r sheets.Reader) table {
	tb.Helper()
	t := table{Table: r.Table()}
	for r.Next() {
		t.Rows = append(t.Rows, r.Row())
	}
	if err := r.Err(); err != nil {
		tb.Fatalf("reading %s: %v", t.Table.Name, err)
	}
	if err := r.Close(); err != nil {
		tb.Fatalf("closing %s: %v", t.Table.Name, err)
	}
	return t
}

// readOne reads path, which must hold exactly one table.
func readOne(tb testing.TB, path string) table {
	tb.Helper()
	tables := readAll(tb, path)
	if len(tables) != 1 {
		tb.Fatalf("Open(%s) returned %d tables, want 1", path, len(tables))
	}
	return tables[0]
}

// readErr opens path and reads every table, returning the first error.
func readErr(path string) error {
	readers, err := sheets.Open(path)
	if err != nil {
		return err
	}
	var first error
	for _, r := range readers {
		for r.Next() {
		}
		if err := r.Err(); err != nil && first == nil {
			first = err
		}
		r.Close()
	}
	return first
}

// row builds an expected Row without problems.
func row(num int, cells ...string) sheets.Row {
	return sheets.Row{Num: num, Cells: cells}
}

// beyondRow builds an expected Row whose columns beyond the header hold
// values.
func beyondRow(num int, beyond []int, cells ...string) sheets.Row {
	return sheets.Row{Num: num, Cells: cells, Beyond: beyond}
}

// sameRows compares rows, treating nil and empty Problems (and Beyond) alike.
func sameRows(got, want []sheets.Row) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Num != want[i].Num || !reflect.DeepEqual(got[i].Cells, want[i].Cells) ||
			len(got[i].Problems) != len(want[i].Problems) || !slices.Equal(got[i].Beyond, want[i].Beyond) {
			return false
		}
		for j := range got[i].Problems {
			if got[i].Problems[j] != want[i].Problems[j] {
				return false
			}
		}
	}
	return true
}

// saveXLSX builds a workbook with excelize and saves it in dir.
func saveXLSX(tb testing.TB, dir, name string, build func(f *excelize.File)) string {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	path := filepath.Join(dir, name)
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// must fails the test on a non-nil error; for excelize calls in builders.
func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// style registers a cell style with a built-in or custom number format.
func style(tb testing.TB, f *excelize.File, numFmt int, custom string) int {
	tb.Helper()
	s := &excelize.Style{NumFmt: numFmt}
	if custom != "" {
		s.CustomNumFmt = &custom
	}
	id, err := f.NewStyle(s)
	must(tb, err)
	return id
}

// rawXLSX writes a minimal workbook by hand, for what excelize does not
// write: cells and rows without references, error and ISO date cells,
// numbers stored in scientific notation, namespace prefixes. numFmts are custom formats
// (ID 164 on) whose cell styles are 1, 2, ...; style 1+len(numFmts) on are
// the built-in formats given in builtins.
func rawXLSX(tb testing.TB, dir, name string, tabs []rawTab, numFmts []string, builtins []int, sst []string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(out)
	put := func(name, content string) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			tb.Fatal(err)
		}
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
	wb := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + ns + `><sheets>`
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	for i, tab := range tabs {
		n := itoa(i + 1)
		part := "worksheets/data" + n + ".xml" // not excelize's sheetN.xml naming
		ct += `<Override PartName="/xl/` + part + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
		wb += `<sheet name="` + tab.Name + `" sheetId="` + n + `" r:id="rId` + n + `"/>`
		rels += `<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="` + part + `"/>`
		sheet := tab.XML
		if sheet == "" {
			sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ` + ns + `><sheetData>` + tab.Data + `</sheetData></worksheet>`
		}
		put("xl/"+part, sheet)
	}
	put("[Content_Types].xml", ct+`</Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>`)
	put("xl/workbook.xml", wb+`</sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", rels+`</Relationships>`)
	styles := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	if len(numFmts) > 0 {
		styles += `<numFmts count="` + itoa(len(numFmts)) + `">`
		for i, code := range numFmts {
			styles += `<numFmt numFmtId="` + itoa(164+i) + `" formatCode="` + code + `"/>`
		}
		styles += `</numFmts>`
	}
	styles += `<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="1"><fill><patternFill patternType="none"/></fill></fills>` +
		`<borders count="1"><border/></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="` + itoa(1+len(numFmts)+len(builtins)) + `"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`
	for i := range numFmts {
		styles += `<xf numFmtId="` + itoa(164+i) + `" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`
	}
	for _, id := range builtins {
		styles += `<xf numFmtId="` + itoa(id) + `" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`
	}
	put("xl/styles.xml", styles+`</cellXfs></styleSheet>`)
	s := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="` +
		itoa(len(sst)) + `" uniqueCount="` + itoa(len(sst)) + `">`
	for _, v := range sst {
		s += `<si><t xml:space="preserve">` + v + `</t></si>`
	}
	put("xl/sharedStrings.xml", s+`</sst>`)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// rawTab is one tab for rawXLSX: the XML inside <sheetData>, or the whole
// worksheet part.
type rawTab struct{ Name, Data, XML string }

func itoa(i int) string { return strconv.Itoa(i) }
