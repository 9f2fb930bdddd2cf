package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keysIn returns the keys the checkpoint at path holds, opened read-only.
func keysIn(t *testing.T, path string) []Key {
	t.Helper()
	s := openPath(t, path, Options{ReadOnly: true}, hooks{})
	defer s.Close()
	var keys []Key
	if err := s.ForEach(func(r Record) error { keys = append(keys, r.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

func backupTime(t *testing.T, path string) time.Time {
	t.Helper()
	s := openPath(t, path, Options{ReadOnly: true}, hooks{})
	defer s.Close()
	taken, ok := s.Restored()
	if !ok {
		t.Fatalf("%s carries no backup mark", path)
	}
	return taken
}

func TestBackupAtOpenAndClose(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	bak := BackupPath(path)
	before := time.Now().UTC()
	s := openPath(t, path, Options{}, hooks{})
	if err := s.PutSync(sample("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(bak)
	if err != nil {
		t.Fatalf("no backup after Close: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want owner-only 0600", fi.Mode().Perm())
	}
	if got := keysIn(t, bak); !reflect.DeepEqual(got, []Key{"a"}) {
		t.Errorf("backup after the first run holds %q, want [a]", got)
	}
	if taken := backupTime(t, bak); taken.Before(before) || taken.After(time.Now()) {
		t.Errorf("backup taken at %v, want between %v and now", taken, before)
	}
	// The file itself never carries the mark.
	ro := openPath(t, path, Options{ReadOnly: true}, hooks{})
	if _, ok := ro.Restored(); ok {
		t.Errorf("the checkpoint itself says it was restored")
	}
	ro.Close()

	// The next run: the backup taken at Open is the file as the run found it.
	s = openPath(t, path, Options{}, hooks{})
	s.backingUp.Wait()
	if err := s.PutSync(sample("b")); err != nil {
		t.Fatal(err)
	}
	if got := keysIn(t, bak); !reflect.DeepEqual(got, []Key{"a"}) {
		t.Errorf("backup during the second run holds %q, want [a]", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := keysIn(t, bak); !reflect.DeepEqual(got, []Key{"a", "b"}) {
		t.Errorf("backup after the second run holds %q, want [a b]", got)
	}
	left, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if err != nil || len(left) > 0 {
		t.Errorf("temporary files left beside the checkpoint: %q", left)
	}
}

// A restored backup says so, and keeps the time of the backup it came
// from in every backup taken of it until the runner has settled it.
func TestRestoreFromBackup(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	s := openPath(t, path, Options{}, hooks{})
	if err := s.PutSync(sample("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	taken := backupTime(t, BackupPath(path))
	restore(t, path)

	s = openPath(t, path, Options{}, hooks{})
	got, ok := s.Restored()
	if !ok || !got.Equal(taken) {
		t.Fatalf("Restored = %v, %v; want %v, true", got, ok, taken)
	}
	s.backingUp.Wait()
	if again := backupTime(t, BackupPath(path)); !again.Equal(taken) {
		t.Errorf("the backup of a restored file says %v, want the original %v", again, taken)
	}
	if err := s.Put(sample("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearRestored(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Restored(); ok {
		t.Errorf("Restored after ClearRestored = true")
	}
	if _, ok := committed(t, s, "b"); !ok {
		t.Errorf("ClearRestored did not commit what was queued first")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := openPath(t, path, Options{ReadOnly: true}, hooks{}).Restored(); ok {
		t.Errorf("the restore mark is still in the file after ClearRestored")
	}
	if later := backupTime(t, BackupPath(path)); !later.After(taken) {
		t.Errorf("the backup after a settled restore says %v, want later than %v", later, taken)
	}
}

// restore copies the backup over the checkpoint, as the user is told to.
func restore(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(BackupPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOnlyBackupLeft(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	s := openPath(t, path, Options{}, hooks{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrOnlyBackup) {
		t.Errorf("Open of a deleted checkpoint whose backup is left = %v, want %v", err, ErrOnlyBackup)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created a new checkpoint beside a backup")
	}
}

// A store that read damage takes no backup at Close: the last sound one
// stays.
func TestNoBackupOfADamagedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	s := openPath(t, path, Options{}, hooks{})
	if err := s.PutSync(sample("subscribers/victim@example.com/create")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openPath(t, path, Options{}, hooks{})
	s.backingUp.Wait()
	sound, err := os.ReadFile(BackupPath(path))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	at := bytes.Index(raw, []byte("subscribers/victim@example.com/create"))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{'#'}, int64(at+len("subscribers/victim@example.com/create")+10)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, _, err := s.Get("subscribers/victim@example.com/create"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Get = %v, want ErrDamaged", err)
	}
	s.Close()
	if after, _ := os.ReadFile(BackupPath(path)); !bytes.Equal(after, sound) {
		t.Errorf("Close replaced the backup with a copy of a damaged file")
	}
}

// encodeJSONRecord is how schema 1 stored a record.
func encodeJSONRecord(t *testing.T, rec Record) []byte {
	t.Helper()
	body, err := json.Marshal(wireRecord{IDs: rec.IDs, Data: rec.Data, Attempts: rec.Attempts, ErrClass: rec.ErrClass.String(),
		ErrStatus: rec.ErrStatus, ErrMessage: rec.ErrMessage, Fingerprint: rec.Fingerprint, SecretMAC: rec.SecretMAC,
		StartedAt: rec.StartedAt, UpdatedAt: rec.UpdatedAt})
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{recordFormatJSON, byte(rec.State)}, body...)
}

// schema1File writes a checkpoint as schema 1 did: records without
// checksums, bare JSON metadata, no count.
func schema1File(t *testing.T, path string, meta Meta, recs []Record) {
	t.Helper()
	boltFile(t, path, func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := m.Put(keySchema, []byte("1")); err != nil {
			return err
		}
		run, err := encodeMeta(meta)
		if err != nil {
			return err
		}
		if err := m.Put(keyRun, run); err != nil {
			return err
		}
		steps, err := tx.CreateBucket(bucketSteps)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := steps.Put([]byte(rec.Key), encodeJSONRecord(t, rec)); err != nil {
				return err
			}
		}
		return nil
	})
}

// A checkpoint written before records had checksums is read as it is, and
// migrated, records and metadata intact, the first time it is opened for
// writing.
func TestSchema1FileIsReadAndMigrated(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	meta := Meta{ToolVersion: "0.0.9", Manifest: []string{"m.xlsx"}, Runs: 2, CreatedAt: t0, StartedAt: t0}
	want := map[Key]Record{}
	var recs []Record
	for i := range migrateChunk + 30 { // more than one migration transaction
		rec := sample(Key(fmt.Sprintf("numbers/line-%05d/provision", i)))
		rec.State = State(i % 8)
		recs = append(recs, rec)
		want[rec.Key] = rec
	}
	schema1File(t, path, meta, recs)

	check := func(t *testing.T, s *Store, version int) {
		t.Helper()
		got := map[Key]Record{}
		if err := s.ForEach(func(r Record) error { got[r.Key] = r; return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("records differ: got %d, want %d", len(got), len(want))
		}
		m, err := s.Meta()
		wantMeta := meta
		wantMeta.SchemaVersion = version
		if err != nil || !reflect.DeepEqual(m, wantMeta) {
			t.Errorf("Meta = %+v, %v; want %+v", m, err, wantMeta)
		}
	}
	ro := openPath(t, path, Options{ReadOnly: true}, hooks{})
	check(t, ro, 1)
	ro.Close()

	rw := openPath(t, path, Options{}, hooks{})
	check(t, rw, schemaVersion)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	facts, err := checkFile(path)
	if err != nil || facts.version != schemaVersion || facts.records != uint64(len(recs)) {
		t.Fatalf("after migration: %+v, %v; want schema %d with %d records", facts, err, schemaVersion, len(recs))
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := string(tx.Bucket(bucketMeta).Get(keySchema)); v != strconv.Itoa(schemaVersion) {
			t.Errorf("schema after migration = %q", v)
		}
		return tx.Bucket(bucketSteps).ForEach(func(k, v []byte) error {
			if v[0] != recordFormatSealed {
				t.Fatalf("record %q not sealed after migration", k)
			}
			return nil
		})
	})
}

// During a run the backup is refreshed every BackupEvery, in the
// background, after a commit.
func TestBackupDuringARun(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	s := openPath(t, path, Options{BackupEvery: time.Hour}, hooks{})
	s.backingUp.Wait()
	if err := s.PutSync(sample("a")); err != nil {
		t.Fatal(err)
	}
	s.backingUp.Wait()
	if got := keysIn(t, BackupPath(path)); len(got) != 0 {
		t.Fatalf("backup within BackupEvery of the last one holds %q, want nothing yet", got)
	}
	s.mu.Lock()
	s.lastBackup = time.Now().Add(-time.Hour) // the hour has passed
	s.mu.Unlock()
	if err := s.PutSync(sample("b")); err != nil {
		t.Fatal(err)
	}
	s.backingUp.Wait()
	if got := keysIn(t, BackupPath(path)); !reflect.DeepEqual(got, []Key{"a", "b"}) {
		t.Errorf("backup after BackupEvery holds %q, want [a b]", got)
	}
}

// A backup killed halfway leaves its copy behind; the next one removes it.
func TestBackupRemovesLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "run.db")
	left := filepath.Join(dir, ".run.db.bak-123456")
	if err := os.WriteFile(left, []byte("half a copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".other.db.bak-1")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openPath(t, path, Options{}, hooks{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the leftover copy is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another checkpoint's file was removed: %v", err)
	}
}
