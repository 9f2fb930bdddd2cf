package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"telegent-bulk/plan"
	"telegent-bulk/telegent/sandbox"
)

// fingerprintKeyFile holds the sandbox's fingerprint key in the user's
// config folder. The key is made here, not in a package: against a real
// API it is derived from the API secret (plan.FingerprintKey), which only
// main holds, and against the sandbox it is kept in the user's config
// folder, which no package owns (plan and jobs take the key as a value, and
// the checkpoint must never hold it).
const fingerprintKeyFile = "sandbox-fingerprint.key"

// macKey returns the key of the secret columns' fingerprint for plan
// --state, as a run with the same options derives it (nil when the secret
// is not known).
func (o *apiOptions) macKey(stderr io.Writer) []byte {
	_, secret := o.credentials()
	if secret == "" {
		return nil
	}
	return macKey(secret, o.env, stderr)
}

// macKey returns the key under which the checkpoint fingerprints a row's
// secret columns: derived from the API secret, which the checkpoint never
// holds. The sandbox's secret is public, and a key derived from it would
// let anyone holding the checkpoint of a trial run try every 4-digit PIN:
// against the sandbox, the key is a random one kept in the user's config
// folder instead (made on first use). Without that folder, the key lasts
// one process, and a change in a secret column alone goes unnoticed.
func macKey(secret string, env environ, stderr io.Writer) []byte {
	if secret != sandbox.AccountSecret {
		return plan.FingerprintKey(secret)
	}
	key, err := localKey(env, fingerprintKeyFile)
	if err != nil {
		fmt.Fprintf(stderr, "telegent-bulk: %v: a change in a secret column alone is not noticed across runs\n", err)
		key = make([]byte, 32)
		rand.Read(key)
	}
	return plan.FingerprintKey(hex.EncodeToString(key))
}

// localKey returns the random key stored in name in the user's config
// folder (telegent-bulk/), making it on first use.
func localKey(env environ, name string) ([]byte, error) {
	dir, err := env.userConfigDir()
	if err != nil {
		return nil, fmt.Errorf("no config folder for the fingerprint key: %w", err)
	}
	return keyFile(filepath.Join(dir, "telegent-bulk"), name)
}

// keyFile returns the random 32-byte key stored, in hex, in the file name
// of dir, making both (readable by their owner only) on first use. Two
// processes making it at once agree on one: the file is linked into place
// only if absent.
func keyFile(dir, name string) ([]byte, error) {
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
