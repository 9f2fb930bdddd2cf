package checkpoint

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The backup. Every open for writing, once the file has been checked,
// every Options.BackupEvery during a run, and every Close after a run whose
// commits all succeeded, copy the file to BackupPath(path): a consistent copy taken inside one read transaction
// (bbolt's tx.WriteTo), marked with the time it was taken (keyBackup),
// checked whole like any checkpoint, and only then renamed over the old
// backup. So the backup is always a sound checkpoint, owner-only like the
// checkpoint. The copies at Open and during the run are taken in the
// background: writes go on meanwhile.
//
// A backup knows nothing of what happened after it was taken: a step that
// was pending in it may have been sent since. A file restored from a
// backup keeps the mark, and Restored tells the runner so: every step not
// finished in it must be looked up before it is sent (what a run does with
// an in-flight step), with the time the backup was taken as the moment
// it may have been sent from. ClearRestored removes the mark once that is
// in the file.

// backgroundBackup starts a backup in the background, unless one is
// running. The caller holds s.mu.
func (s *Store) backgroundBackup() {
	if s.backupBusy || s.readOnly {
		return
	}
	s.backupBusy, s.lastBackup = true, time.Now()
	s.backingUp.Add(1)
	go func() {
		defer s.backingUp.Done()
		err := s.backup()
		s.mu.Lock()
		s.backupBusy, s.backupErr = false, err
		s.mu.Unlock()
	}()
}

// backupDue starts a background backup when the last one is older than
// backupEvery; the writer calls it after each commit.
func (s *Store) backupDue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && !s.damaged && time.Since(s.lastBackup) >= s.backupEvery {
		s.backgroundBackup()
	}
}

// BackupPath returns where the backup of the checkpoint at path is kept:
// path + ".bak".
func BackupPath(path string) string { return path + backupSuffix }

// backup copies the file to BackupPath(s.path); see above.
func (s *Store) backup() error {
	dst := BackupPath(s.path)
	prefix := "." + filepath.Base(dst) + "-"
	removeLeftovers(filepath.Dir(dst), prefix)
	tmp, err := os.CreateTemp(filepath.Dir(dst), prefix+"*")
	if err != nil {
		return fmt.Errorf("checkpoint: backup %s: %w", dst, err)
	}
	name := tmp.Name()
	defer os.Remove(name) // after the rename there is nothing left to remove
	// Anything committed before this moment is in the copy: a step sent
	// after it is in flight no sooner than now.
	taken := time.Now().UTC()
	err = s.view(func(tx *bolt.Tx) error {
		if mark := tx.Bucket(bucketMeta).Get(keyBackup); mark != nil {
			// A restored file: what it may have missed goes back further.
			if t, err := decodeBackup(mark); err == nil {
				taken = t
			}
		}
		// bbolt copies through whatever buffer io.Copy picks (32 KiB):
		// a larger one makes the copy of a big file several times faster.
		w := bufio.NewWriterSize(struct{ io.Writer }{tmp}, 1<<20)
		if _, err := tx.WriteTo(w); err != nil {
			return err
		}
		return w.Flush()
	})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checkpoint: backup %s: %w", dst, err)
	}
	// The copy holds the file's bytes as they are now: if it fails the
	// check, the file is damaged, and the last backup must stay.
	if _, err := checkFile(name); err != nil {
		s.mu.Lock()
		s.damaged = true
		s.mu.Unlock()
		var de *DamagedError
		if errors.As(err, &de) {
			return &DamagedError{Path: s.path, Key: de.Key, Reason: de.Reason}
		}
		return fmt.Errorf("checkpoint: backup %s: %w", dst, err)
	}
	if err := markBackup(name, taken); err != nil {
		return fmt.Errorf("checkpoint: backup %s: %w", dst, err)
	}
	if err := os.Rename(name, dst); err != nil {
		return fmt.Errorf("checkpoint: backup %s: %w", dst, err)
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// removeLeftovers deletes the copies that a backup killed halfway left in
// dir. Only the process that holds the checkpoint takes backups, one at a
// time: a copy there now is nobody's.
func removeLeftovers(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// markBackup writes keyBackup into the copy at path (checked already).
func markBackup(path string, taken time.Time) (err error) {
	defer guard(path, &err)()
	mark, err := json.Marshal(wireBackup{TakenAt: taken})
	if err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: DefaultLockTimeout})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyBackup, seal(keyBackup, mark))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

func decodeBackup(value []byte) (time.Time, error) {
	p, err := unseal(keyBackup, value)
	if err != nil {
		return time.Time{}, err
	}
	var b wireBackup
	if err := json.Unmarshal(p, &b); err != nil {
		return time.Time{}, err
	}
	return b.TakenAt, nil
}

// Restored returns when the backup that this file was restored from was
// taken; ok is false for a file that was never restored (or whose restore
// was settled, see ClearRestored). Opened read-only, a backup itself
// reports the time it was taken.
//
// Steps that are not finished in a restored file may have been sent after
// that time: a run must look them up, as it does in-flight steps, before
// it sends anything for them.
func (s *Store) Restored() (takenAt time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restored, !s.restored.IsZero()
}

// ClearRestored commits what is queued (the steps the runner marked to be
// looked up) and then removes the restore mark, durably: from then on the
// file is an ordinary checkpoint.
func (s *Store) ClearRestored() error {
	if err := s.Flush(); err != nil {
		return err
	}
	if err := s.check("clear restored", true); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Delete(keyBackup)
	})
	if err != nil {
		return fmt.Errorf("checkpoint: clear restored: %w", err)
	}
	s.mu.Lock()
	s.restored = time.Time{}
	s.mu.Unlock()
	return nil
}
