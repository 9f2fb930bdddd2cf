package plan

import (
	"fmt"
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
		if r.text[1]&(1<<1) == 0 {
			t.Errorf("row %d: AccountName not shared, want it shared by the rows", r.Num)
		}
		ref := strings.TrimSpace(cells[0])
		if r.Key != ref || r.Get("BillingState") != "UT" || r.Get("BillingCountry") != "USA" || r.Get("AccountName") != "Acme Corp" {
			t.Errorf("row %d: key %q, state %q, country %q, name %q; want %s, UT, USA, Acme Corp",
				r.Num, r.Key, r.Get("BillingState"), r.Get("BillingCountry"), r.Get("AccountName"), ref)
		}
	}
}

// TestSharedCells checks that every cell reads back as read in a table
// whose columns share texts as far as they can: a key column, unique,
// that stops sharing; a column of more texts than a field shares; and
// short cells, too short to share.
func TestSharedCells(t *testing.T) {
	const n = 3000
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("acct-%d|Name %d|%d Main St|City %d|UT|8%04d", i, i%2, i, i%300, i%3)
	}
	p := mustBuild(t, manifest{{"Accounts", hAccounts, rows}})
	shared := 0
	for i := range p.Rows {
		r := &p.Rows[i]
		cells := strings.Split(rows[i], "|")
		for j := range cells {
			if got := r.Cell(j); got != cells[j] {
				t.Fatalf("row %d: Cell(%d) = %q, want %q", r.Num, j, got, cells[j])
			}
			if r.text[1]&(1<<j) != 0 {
				shared++
			}
		}
		if r.Key != cells[0] || r.Get("BillingCity") != cells[3] {
			t.Fatalf("row %d: key %q, city %q; want %q, %q", r.Num, r.Key, r.Get("BillingCity"), cells[0], cells[3])
		}
	}
	if shared < 3*n {
		t.Errorf("%d cells of %d rows shared, want at least 3 a row (name, state and zip)", shared, n)
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
