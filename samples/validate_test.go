package samples

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/sheets"
)

// build reads the manifest at path and returns what plan.Build makes of it.
func build(t *testing.T, path string) (*plan.Plan, plan.Problems) {
	t.Helper()
	readers, err := sheets.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	p, problems, err := plan.Build(readers)
	if err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
	return p, problems
}

func TestMigrationValidates(t *testing.T) {
	const rows = 3 + 15 + 2 + 1 + 11 + 8 + 2
	for _, path := range []string{samplegen.MigrationXLSX, samplegen.MigrationFixedXLSX, samplegen.MigrationDir} {
		t.Run(path, func(t *testing.T) {
			p, problems := build(t, path)
			for _, pr := range problems {
				t.Errorf("problem: %s", pr)
			}
			if p != nil && len(p.Rows) != rows {
				t.Errorf("got %d rows, want %d", len(p.Rows), rows)
			}
		})
	}
}

func TestSyntheticValidates(t *testing.T) {
	t.Parallel()
	const n = 2000
	for _, format := range []string{"csv", "xlsx", "xlsx-shared"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := samplegen.WriteSynthetic(dir, n, format); err != nil {
				t.Fatalf("WriteSynthetic: %v", err)
			}
			path := dir
			if format != "csv" {
				path = filepath.Join(dir, samplegen.SyntheticXLSX)
			}
			p, problems := build(t, path)
			for i, pr := range problems {
				if i == 10 {
					t.Errorf("… and %d more", len(problems)-i)
					break
				}
				t.Errorf("problem: %s", pr)
			}
			if p != nil && len(p.Rows) != n {
				t.Errorf("got %d rows, want %d", len(p.Rows), n)
			}
		})
	}
}

// TestBadRows checks the promise of bad-rows.xlsx: every row whose Notes
// describe a problem has exactly that one problem, and the rows noted as
// valid have none.
func TestBadRows(t *testing.T) {
	_, problems := build(t, samplegen.BadRowsXLSX)
	if len(problems) < 25 {
		t.Errorf("got %d problems, want at least 25", len(problems))
	}
	byRow := make(map[string][]plan.Problem)
	for _, pr := range problems {
		k := fmt.Sprintf("%s:%d", pr.Sheet, pr.Row)
		byRow[k] = append(byRow[k], pr)
	}
	tables, err := samplegen.ReadXLSX(samplegen.BadRowsXLSX)
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range tables {
		notes := -1
		for i, h := range tab.Header {
			if h == "Notes" {
				notes = i
			}
		}
		if notes < 0 {
			t.Fatalf("%s: no Notes column", tab.Name)
		}
		for r, row := range tab.Rows {
			k := fmt.Sprintf("%s:%d", tab.Name, r+2)
			note, _ := row[notes].(string)
			got := byRow[k]
			delete(byRow, k)
			switch {
			case strings.HasPrefix(note, samplegen.NoteValidAlone):
			case strings.HasPrefix(note, samplegen.NoteValid):
				for _, pr := range got {
					t.Errorf("%s, noted %q: unexpected problem: %s", k, note, pr)
				}
			case len(got) != 1:
				t.Errorf("%s, noted %q: got %d problems, want 1: %v", k, note, len(got), got)
			}
		}
	}
	for k, prs := range byRow {
		t.Errorf("%s: problems on no data row: %v", k, prs)
	}
}
