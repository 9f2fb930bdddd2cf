package sheets_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

// A workbook whose shared strings are spilled to a file reads the same as
// one whose strings stay in memory, and leaves no file behind.
func TestSpilledWorkbook(t *testing.T) {
	const rows = 3000
	var sst []string
	var data strings.Builder
	data.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	sst = append(sst, "Key", "Value")
	for r := 2; r <= rows+1; r++ {
		sst = append(sst, fmt.Sprintf("key-%05d", r), fmt.Sprintf("value &amp; %d _x0041_", r%50))
		fmt.Fprintf(&data, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>`,
			r, r, len(sst)-2, r, len(sst)-1)
	}
	path := rawXLSX(t, t.TempDir(), "sst.xlsx", []rawTab{{Name: "Lines", Data: data.String()}}, nil, nil, sst)
	read := func() []sheets.Row {
		t.Helper()
		rs, err := sheets.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []sheets.Row
		for rs[0].Next() {
			r := rs[0].Row()
			out = append(out, sheets.Row{Num: r.Num, Cells: append([]string(nil), r.Cells...)})
		}
		if err := rs[0].Err(); err != nil {
			t.Fatal(err)
		}
		if err := rs[0].Close(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := read()
	if len(want) != rows || want[0].Cells[1] != "value & 2 A" {
		t.Fatalf("read %d rows, first %q; want %d rows, value & 2 A", len(want), want[0].Cells, rows)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	defer sheets.SetSpillAt(4 << 10)()
	got := read()
	for i := range want {
		if got[i].Num != want[i].Num || got[i].Cells[0] != want[i].Cells[0] || got[i].Cells[1] != want[i].Cells[1] {
			t.Fatalf("row %d: spilled %q, in memory %q", want[i].Num, got[i].Cells, want[i].Cells)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after Close the temporary folder holds %d files, want none", len(left))
	}
}
