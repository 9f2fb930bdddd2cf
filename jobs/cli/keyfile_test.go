package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The key file is made once, readable by its owner only, and then read:
// every caller, even at the same time, gets the same key.
func TestKeyFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "telegent-bulk")
	const callers = 8
	keys := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { keys[i], errs[i] = KeyFile(dir, "test.key") })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if len(keys[i]) != 32 {
			t.Fatalf("caller %d: a key of %d bytes, want 32", i, len(keys[i]))
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("callers 0 and %d got different keys", i)
		}
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "test.key"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	again, err := KeyFile(dir, "test.key")
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("a later call: key changed or %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".key-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// A file that does not hold a key is an error, and is left as it is.
func TestKeyFileDamaged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "test.key")
	if err := os.WriteFile(path, []byte("0123"), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, err := KeyFile(dir, "test.key"); err == nil || !strings.Contains(err.Error(), "not a key") {
		t.Errorf("got key %x, error %v; want an error saying it is not a key", key, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "0123" {
		t.Errorf("the file was changed to %q", b)
	}
}
