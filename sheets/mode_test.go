//go:build unix

package sheets_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"telegent-bulk/sheets"
)

// Results hold names, e-mails and addresses: they are their owner's only
// under a permissive umask, and when they replace a file others could read.
// Not parallel: the umask is the process's.
func TestWriterOwnerOnly(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	for _, name := range []string{"results.xlsx", "results.csv"} {
		for _, replace := range []bool{false, true} {
			dir := t.TempDir()
			dest := filepath.Join(dir, name)
			if filepath.Ext(name) == ".csv" {
				dest = filepath.Join(dir, "results-A.csv")
			}
			if replace {
				must(t, os.WriteFile(dest, []byte("old"), 0o644))
				must(t, os.Chmod(dest, 0o644))
			}
			w, err := sheets.Create(filepath.Join(dir, name))
			must(t, err)
			must(t, w.Sheet("A", []string{"Email"}))
			must(t, w.Row([]sheets.Cell{{Value: "ana@example.com"}}))
			must(t, w.Commit())
			fi, err := os.Stat(dest)
			must(t, err)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s (replacing a 0644 file: %v): mode %v, want 0600", name, replace, fi.Mode().Perm())
			}
		}
	}
}
