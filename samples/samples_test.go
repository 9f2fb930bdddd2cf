package samples

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"telegent-bulk/samples/samplegen"
)

// regenerate writes the samples into a temporary folder and returns it.
func regenerate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := samplegen.WriteSamples(dir); err != nil {
		t.Fatalf("WriteSamples: %v", err)
	}
	return dir
}

// TestCommittedSamplesMatchGenerator fails when a committed sample differs
// from what the generator writes: fix the generator, not the file, and run
// go generate ./samples. Workbooks are compared by their cells (text or
// number, and value), CSV files by their text.
func TestCommittedSamplesMatchGenerator(t *testing.T) {
	t.Parallel()
	fresh := regenerate(t)
	for _, name := range []string{samplegen.MigrationXLSX, samplegen.MigrationFixedXLSX, samplegen.BadRowsXLSX} {
		t.Run(name, func(t *testing.T) {
			got, err := samplegen.ReadXLSX(name)
			if err != nil {
				t.Fatal(err)
			}
			want, err := samplegen.ReadXLSX(filepath.Join(fresh, name))
			if err != nil {
				t.Fatal(err)
			}
			diffTables(t, got, want)
		})
	}
	t.Run(samplegen.MigrationDir, func(t *testing.T) {
		wantDir := filepath.Join(fresh, samplegen.MigrationDir)
		if got, want := listDir(t, samplegen.MigrationDir), listDir(t, wantDir); !reflect.DeepEqual(got, want) {
			t.Fatalf("files: got %v, want %v", got, want)
		}
		for _, name := range listDir(t, wantDir) {
			got := readFile(t, filepath.Join(samplegen.MigrationDir, name))
			want := readFile(t, filepath.Join(wantDir, name))
			if got != want {
				t.Errorf("%s differs from the generator's output; run go generate ./samples", name)
			}
		}
	})
}

// TestCSVMatchesWorkbook checks that migration/ and migration.xlsx are the
// same manifest.
func TestCSVMatchesWorkbook(t *testing.T) {
	book, err := samplegen.ReadXLSX(samplegen.MigrationXLSX)
	if err != nil {
		t.Fatal(err)
	}
	files, err := samplegen.ReadCSV(samplegen.MigrationDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(files), len(book); got != want {
		t.Fatalf("got %d CSV files, want one per tab (%d)", got, want)
	}
	for _, tab := range book {
		var file *samplegen.Table
		for i := range files {
			if files[i].Name+".csv" == samplegen.CSVName(tab.Name) {
				file = &files[i]
			}
		}
		if file == nil {
			t.Errorf("tab %s: no %s", tab.Name, samplegen.CSVName(tab.Name))
			continue
		}
		got := *file
		got.Name = tab.Name
		diffTables(t, []samplegen.Table{got}, []samplegen.Table{tab})
	}
}

// TestICCIDsPassLuhn checks the sample's ICCIDs: 19 or 20 digits with a
// valid check digit.
func TestICCIDsPassLuhn(t *testing.T) {
	tables, err := samplegen.ReadXLSX(samplegen.MigrationXLSX)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tab := range tables {
		for c, col := range tab.Header {
			if col != "ICCID" {
				continue
			}
			for r, row := range tab.Rows {
				iccid, _ := row[c].(string)
				if iccid == "" {
					continue
				}
				seen++
				if n := len(iccid); n < 19 || n > 20 || !samplegen.LuhnValid(iccid) {
					t.Errorf("%s row %d: ICCID %q: want 19–20 digits passing Luhn", tab.Name, r+2, iccid)
				}
			}
		}
	}
	if seen < 10 {
		t.Errorf("found %d ICCIDs, want at least 10", seen)
	}
}

// secretColumns are never printed, not even the samples' made-up values.
var secretColumns = map[string]bool{"Password": true, "CurrentAccountPassword": true, "PortOutPIN": true,
	"MessagePasswordToken": true, "CallbackMessagePasswordToken": true, "VoicePasswordToken": true}

// diffTables reports the first differences between two manifests.
func diffTables(t *testing.T, got, want []samplegen.Table) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tabs, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !reflect.DeepEqual(g.Header, w.Header) {
			t.Errorf("tab %d: got %s %v, want %s %v", i+1, g.Name, g.Header, w.Name, w.Header)
			continue
		}
		if len(g.Rows) != len(w.Rows) {
			t.Errorf("%s: got %d rows, want %d", w.Name, len(g.Rows), len(w.Rows))
			continue
		}
		for r := range w.Rows {
			for c, col := range w.Header {
				gv, wv := g.Rows[r][c], w.Rows[r][c]
				switch {
				case reflect.DeepEqual(gv, wv):
				case secretColumns[col]:
					t.Errorf("%s row %d: %s differs (a secret column: values not shown)", w.Name, r+2, col)
				default:
					t.Errorf("%s row %d: %s: got %#v, want %#v", w.Name, r+2, col, gv, wv)
				}
			}
		}
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}
