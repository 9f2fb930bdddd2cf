package plan

import (
	"strings"
	"testing"
)

// TestRowText checks that a row gives back every cell as read and its
// normalised values, whatever the width of the offsets its text needs:
// one byte (short rows), two (a note of a few hundred bytes) and four (a
// note longer than 64 KiB).
func TestRowText(t *testing.T) {
	header := hAccounts + "|Notes|Extra"
	notes := map[string]string{"short": "n", "medium": strings.Repeat("m", 300), "long": strings.Repeat("é", 40000)}
	var rows []string
	for _, ref := range []string{"short", "medium", "long"} {
		rows = append(rows, " "+ref+" |Acme Corp|1 Main St|Lehi|Utah|84043|"+notes[ref]+"|")
	}
	m := manifest{{"Accounts", header, rows}}
	p, problems, _, err := Check(m.readers())
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v, %v", err, problems)
	}
	head := strings.Split(header, "|")
	for i, want := range []int{1, 2, 4} {
		r := &p.Rows[i]
		if w := int(r.text[0]); w != want {
			t.Errorf("row %d: offsets of %d bytes, want %d", r.Num, w, want)
		}
		if r.NumCells() != len(head) {
			t.Fatalf("row %d: %d cells, want %d", r.Num, r.NumCells(), len(head))
		}
		cells := strings.Split(rows[i], "|")
		for j := range head {
			if got := r.Cell(j); got != cells[j] {
				t.Errorf("row %d: Cell(%d) = %.20q (%d bytes), want %.20q (%d bytes)", r.Num, j, got, len(got), cells[j], len(cells[j]))
			}
		}
		ref := strings.TrimSpace(cells[0])
		if r.Key != ref || r.Get("BillingState") != "UT" || r.Get("BillingCountry") != "USA" || r.Get("AccountName") != "Acme Corp" {
			t.Errorf("row %d: key %q, state %q, country %q, name %q; want %s, UT, USA, Acme Corp",
				r.Num, r.Key, r.Get("BillingState"), r.Get("BillingCountry"), r.Get("AccountName"), ref)
		}
	}
}

// TestCellRange checks that a cell past the row's last panics rather than
// reading the row's values.
func TestCellRange(t *testing.T) {
	p := mustBuild(t, base())
	r := &p.Rows[0]
	defer func() {
		if recover() == nil {
			t.Errorf("Cell(%d) of a row of %d cells did not panic", r.NumCells(), r.NumCells())
		}
	}()
	r.Cell(r.NumCells())
}
