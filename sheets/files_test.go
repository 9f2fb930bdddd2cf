package sheets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Files names what a writer wrote: one file per sheet beside a .csv path,
// once committed; the path itself for a workbook.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.csv")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Accounts", "portins.csv"} {
		if err := w.Sheet(name, []string{"A"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Row([]Cell{{Value: "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := Files(w, path); got != nil {
		t.Errorf("before Commit: %v, want none", got)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "j-Accounts.csv"), filepath.Join(dir, "j-portins.csv")}
	if got := Files(w, path); !slices.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	book := filepath.Join(dir, "r.xlsx")
	xw, err := Create(book)
	if err != nil {
		t.Fatal(err)
	}
	if err := xw.Sheet("Accounts", []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if err := xw.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := Files(xw, book); !slices.Equal(got, []string{book}) {
		t.Errorf("Files of a workbook = %v", got)
	}
}
