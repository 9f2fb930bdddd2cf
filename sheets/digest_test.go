package sheets

import (
	"os"
	"path/filepath"
	"testing"
)

// The manifest hash follows the bytes of every file a run reads (each CSV
// of a folder) and nothing else.
func TestManifestHash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("accounts.csv", "Name\nAcme\n")
	base := Digest([]string{dir})
	if len(base) != 32 {
		t.Fatalf("hash %q has %d characters, want 32", base, len(base))
	}
	if again := Digest([]string{dir}); again != base {
		t.Errorf("the same folder hashed twice: %s, then %s", base, again)
	}
	steps := []struct {
		name, file, body string
		changes          bool
	}{
		{"a note beside the CSV files", "notes.txt", "not read", false},
		{"a cell changed", "accounts.csv", "Name\nAcne\n", true},
		{"a CSV file added", "subscribers.csv", "Email\njane@example.com\n", true},
	}
	prev := base
	for _, s := range steps {
		write(s.file, s.body)
		got := Digest([]string{dir})
		if changed := got != prev; changed != s.changes {
			t.Errorf("%s: hash changed %v, want %v", s.name, changed, s.changes)
		}
		prev = got
	}
	if one := Digest([]string{filepath.Join(dir, "accounts.csv")}); one == prev {
		t.Errorf("one file of the folder hashes as the whole folder")
	}
}
