package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"telegent-bulk/checkpoint"
)

// realCheckpoint writes a small checkpoint through the package's API, as
// a run would, and returns its path; its backup lies beside it.
func realCheckpoint(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "run.db")
	s, err := checkpoint.Open(path, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		rec := checkpoint.Record{Key: checkpoint.Key(fmt.Sprintf("subscribers/user-%03d@example.com/create", i)),
			State: checkpoint.Done, IDs: map[string]string{"SubscriberId": fmt.Sprintf("TSUID-%05d", i)}}
		if err := s.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A state file that is empty, someone else's or damaged is refused by
// every command with exit 3, a message that names it and says what to
// do, and is never taken for a new run: nothing is sent, nothing written.
func TestUnusableStateFile(t *testing.T) {
	t.Parallel()
	preload := resourceCounts(freshSandboxState(t))
	tests := []struct {
		name    string
		make    func(t *testing.T, dir string) string
		wantErr []string
		backup  bool // status shows the backup's counts
	}{
		{
			name: "empty file",
			make: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "run.db")
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return path
			},
			wantErr: []string{"is damaged: the file is empty", "no sound backup", "delete", "choose another --state"},
		},
		{
			name: "another program's bbolt file",
			make: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "run.db")
				db, err := bolt.Open(path, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				err = db.Update(func(tx *bolt.Tx) error {
					_, err := tx.CreateBucket([]byte("widgets"))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return path
			},
			wantErr: []string{"is not a telegent-bulk state file", "choose another --state", "where no file exists"},
		},
		{
			name: "truncated, no backup",
			make: func(t *testing.T, dir string) string {
				path := realCheckpoint(t, dir)
				truncateHalf(t, path)
				if err := os.Remove(checkpoint.BackupPath(path)); err != nil {
					t.Fatal(err)
				}
				return path
			},
			wantErr: []string{"is damaged", "cut short", "no sound backup", "choose another --state"},
		},
		{
			name: "truncated, with its backup",
			make: func(t *testing.T, dir string) string {
				path := realCheckpoint(t, dir)
				truncateHalf(t, path)
				return path
			},
			wantErr: []string{"is damaged", "cut short", "run.db.bak", "300 steps", "is sound", "nothing is created twice"},
			backup:  true,
		},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "plan", "status"} {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				state := tt.make(t, dir)
				before, err := os.ReadFile(state)
				if err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, "results.xlsx")
				args := map[string][]string{
					"run":    sandboxRunArgs(sampleMigration, state, out, "--quiet"),
					"plan":   {"plan", sampleMigration, "--state", state},
					"status": {"status", "--state", state},
				}[cmd]
				res := runCLI(t, args...)
				if res.code != exitFatal {
					t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, exitFatal, res.stdout, res.stderr)
				}
				for _, want := range append([]string{state}, tt.wantErr...) {
					if !strings.Contains(res.stderr, want) {
						t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
					}
				}
				if strings.Contains(res.stderr, "panic") || strings.Contains(res.stderr, "goroutine ") {
					t.Errorf("stderr shows a panic:\n%s", res.stderr)
				}
				if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
					t.Errorf("the refused state file was changed")
				}
				if cmd == "status" && tt.backup != strings.Contains(res.stdout, "FROM ITS BACKUP") {
					t.Errorf("status shows the backup's counts: %v, want %v\n%s", !tt.backup, tt.backup, res.stdout)
				}
				if cmd != "run" {
					return
				}
				if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("results written although the run could not start: stat: %v", err)
				}
				if data := sandboxFileOf(state); fileExists(data) {
					if got := resourceCounts(embeddedState(t, data)); fmt.Sprint(got) != fmt.Sprint(preload) {
						t.Errorf("the sandbox holds %v, want only its preload %v: the run sent something", got, preload)
					}
				}
			})
		}
	}
}

func truncateHalf(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// A checkpoint damaged after some runs: the run refuses it naming the
// record and the backup, status shows the backup's counts, and resuming
// from a backup older than the last run (steps created since are pending
// in it) creates nothing twice: what is not done in the backup is looked
// up first.
func TestResumeFromAnOlderBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state, out := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")

	// A first run of part of the manifest (accounts, subscribers, routes),
	// and the backup it leaves.
	part := filepath.Join(dir, "part")
	if err := os.Mkdir(part, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"accounts.csv", "subscribers.csv", "messageroutes.csv", "voiceroutes.csv"} {
		b, err := os.ReadFile(filepath.Join(sampleCSVDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(part, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if res := runCLI(t, sandboxRunArgs(part, state, out, "--quiet")...); res.code != exitOK {
		t.Fatalf("run of part of the manifest: exit %d\n%s", res.code, res.stderr)
	}
	older := filepath.Join(dir, "older.bak")
	copyFileTo(t, checkpoint.BackupPath(state), older)

	// The whole manifest: numbers, port-ins, port-outs, subscriptions… are
	// created now, after the older backup was taken.
	full := runCLI(t, sandboxRunArgs(sampleCSVDir, state, out, "--quiet")...)
	if full.code != exitRowsFailed {
		t.Fatalf("run of the whole manifest: exit %d, want %d\n%s", full.code, exitRowsFailed, full.stderr)
	}
	after := embeddedState(t, sandboxFileOf(state))
	if d := sandboxDuplicates(after); len(d) > 0 {
		t.Fatalf("duplicates after the whole run: %v", d)
	}

	damageRecord(t, state, "subscribers/dana.hollis@example.com/create", out)

	// Resume from the older backup.
	copyFileTo(t, older, state)
	resumed := runCLI(t, sandboxRunArgs(sampleCSVDir, state, out, "--quiet")...)
	if resumed.code != exitRowsFailed {
		t.Errorf("run from the older backup: exit %d, want %d\n%s", resumed.code, exitRowsFailed, resumed.stderr)
	}
	final := embeddedState(t, sandboxFileOf(state))
	if d := sandboxDuplicates(final); len(d) > 0 {
		t.Errorf("duplicates after resuming from the older backup: %v", d)
	}
	if got, want := resourceCounts(final), resourceCounts(after); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resuming from the older backup changed the sandbox: %v, before %v", got, want)
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, restored := s.Restored(); restored {
		t.Errorf("the checkpoint still says it was restored after a run settled it")
	}
}

func copyFileTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// damageRecord changes a byte of key's record in the checkpoint at state
// and checks that run and status refuse it, naming the record and the
// backup.
func damageRecord(t *testing.T, state, key, out string) {
	t.Helper()
	raw, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	// The key may also be in pages bbolt no longer uses: flip a byte of
	// the value after each place it is found until the checkpoint says
	// the record is damaged.
	damaged := false
	for from := 0; !damaged; {
		at := bytes.Index(raw[from:], []byte(key))
		if at < 0 {
			t.Fatalf("no copy of %q in the checkpoint is the record's", key)
		}
		at += from
		from = at + len(key)
		raw[at+len(key)+8] ^= 0x01
		if err := os.WriteFile(state, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
		if err == nil {
			s.Close()
		}
		if damaged = err != nil && strings.Contains(err.Error(), key); !damaged {
			raw[at+len(key)+8] ^= 0x01
		}
	}
	refused := runCLI(t, sandboxRunArgs(sampleCSVDir, state, out, "--quiet")...)
	for _, want := range []string{state, "is damaged", key, "checksum mismatch", checkpoint.BackupPath(state), "cp "} {
		if !strings.Contains(refused.stderr, want) {
			t.Errorf("run on the damaged file: stderr does not say %q:\n%s", want, refused.stderr)
		}
	}
	if refused.code != exitFatal {
		t.Errorf("run on the damaged file: exit %d, want %d", refused.code, exitFatal)
	}
	status := runCLI(t, "status", "--state", state)
	if status.code != exitFatal || !strings.Contains(status.stdout, "FROM ITS BACKUP "+checkpoint.BackupPath(state)) {
		t.Errorf("status on the damaged file: exit %d, want %d with the backup's counts\nstdout:\n%s\nstderr:\n%s",
			status.code, exitFatal, status.stdout, status.stderr)
	}
}
