package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyFile returns the random 32-byte key stored, in hex, in the file name
// of dir, making both (readable by their owner only) on first use. Two
// processes making it at once agree on one: the file is linked into place
// only if absent.
func KeyFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	read := func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err == nil && len(b) != 64 {
			err = fmt.Errorf("%s: not a key", path)
		}
		if err != nil {
			return nil, err
		}
		return hex.DecodeString(string(b))
	}
	if key, err := read(); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	key := make([]byte, 32)
	rand.Read(key)
	_, err = tmp.WriteString(hex.EncodeToString(key))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return read()
}
