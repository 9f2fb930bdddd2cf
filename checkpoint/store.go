package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the file; its
// message is "another run is using STATE".
var ErrLocked = errors.New("another run is using the state file")

// ErrNotStateFile is returned by Open for a file that is not a checkpoint
// (not a bbolt file, or a bbolt file without this package's buckets, which
// some other program wrote); its message is "STATE is not a telegent-bulk
// state file".
var ErrNotStateFile = errors.New("not a telegent-bulk state file")

// ErrNewerSchema is returned by Open for a checkpoint written by a newer
// telegent-bulk whose layout this build does not know.
var ErrNewerSchema = errors.New("written by a newer telegent-bulk")

var (
	errClosed   = errors.New("store is closed")
	errReadOnly = errors.New("store is open read-only")
)

// Defaults for the zero fields of Options.
const (
	DefaultLockTimeout   = 100 * time.Millisecond // a second run fails at once; bbolt retries the lock every 50ms
	DefaultBatchSize     = 100
	DefaultBatchInterval = 100 * time.Millisecond
	DefaultBackupEvery   = 10 * time.Minute // a backup of a 1M-step file takes 0.5–1 s
)

// Options for Open.
type Options struct {
	LockTimeout   time.Duration // default 100ms
	ReadOnly      bool          // status and plan: shared lock, no writes
	BatchSize     int           // group commit: at most this many records (default 100)
	BatchInterval time.Duration // group commit: at most this long (default 100ms)
	BackupEvery   time.Duration // during a run, refresh the backup this often (default 10 min)
}

// lockedError is ErrLocked with the path in its message.
type lockedError struct{ path string }

func (e *lockedError) Error() string        { return "another run is using " + e.path }
func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// Store is an open checkpoint file. Its methods are safe for concurrent
// use. Writes go through a single writer goroutine that groups them into
// few transactions (see Put and PutSync); reads see queued writes at once.
type Store struct {
	path          string
	db            *bolt.DB
	readOnly      bool
	version       int    // the file's schema version
	count         uint64 // records in the file; only the writer changes it once open
	batchSize     int
	batchInterval time.Duration
	hooks         hooks

	mu       sync.Mutex
	closed   bool
	err      error     // sticky: the first commit failure
	damaged  bool      // a read found damage: no backup is taken of this file
	restored time.Time // keyBackup of a file restored from a backup; zero otherwise

	backupEvery time.Duration
	backingUp   sync.WaitGroup // a backup in the background: at Open, then every backupEvery
	backupBusy  bool           // one is running (under mu)
	lastBackup  time.Time      // when the last one started (under mu)
	backupErr   error          // the last one's outcome (under mu)
	queued      *batch         // filling; the writer takes it whole
	writing     *batch         // being committed, nil when the writer is idle

	wake    chan struct{} // tells the writer to look at queued again
	stopped chan struct{} // closed when the writer has returned
	commits atomic.Uint64 // committed write transactions, for tests and benchmarks

	lastRelease atomic.Int64 // UnixNano of the last release of the mapped pages (see maybeRelease)
}

// hooks let tests reach inside without changing the exported API.
type hooks struct {
	bolt         func(*bolt.Options) // adjusts the bbolt options before Open
	beforeCommit func(records int)   // runs on the writer before each commit
	afterCommit  func(records int, err error)
}

// Open opens the checkpoint at path, or creates it when nothing exists
// there. It waits up to opts.LockTimeout for the file lock and then
// returns an error wrapping ErrLocked. With opts.ReadOnly it takes a shared
// lock, never writes, and fails for a missing file with an error wrapping
// fs.ErrNotExist.
//
// Only a path where no file exists starts a new checkpoint. An existing
// file is read whole and checked before it is used (see checkFile): an
// empty, truncated or otherwise damaged file is refused with an error
// wrapping ErrDamaged, a file some other program wrote with ErrNotStateFile,
// one a newer telegent-bulk wrote with ErrNewerSchema; none of them is
// changed. Opening for writing a missing file whose backup exists fails
// with ErrOnlyBackup. A sound schema 1 file opened for writing is migrated
// to the current schema, and every open for writing refreshes the backup
// (see BackupPath).
func Open(path string, opts Options) (*Store, error) {
	return open(path, opts, hooks{})
}

func open(path string, opts Options, h hooks) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.BatchInterval <= 0 {
		opts.BatchInterval = DefaultBatchInterval
	}
	if opts.BackupEvery <= 0 {
		opts.BackupEvery = DefaultBackupEvery
	}
	if err := prepareFile(path, opts); err != nil {
		return nil, err
	}
	bo := &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly}
	if h.bolt != nil {
		h.bolt(bo)
	}
	db, err := openBolt(path, bo)
	if err != nil {
		return nil, err
	}
	// The lock is held: nobody writes the file while it is checked.
	facts, err := checkFile(path)
	if err == nil {
		err = boltCheck(db, path)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		path:          path,
		db:            db,
		readOnly:      opts.ReadOnly,
		version:       facts.version,
		count:         facts.records,
		restored:      facts.backup,
		batchSize:     opts.BatchSize,
		batchInterval: opts.BatchInterval,
		backupEvery:   opts.BackupEvery,
		hooks:         h,
		queued:        newBatch(),
		wake:          make(chan struct{}, 1),
		stopped:       make(chan struct{}),
	}
	if s.readOnly {
		close(s.stopped)
		return s, nil
	}
	if s.version < schemaVersion {
		if err := s.migrate(); err != nil {
			db.Close()
			return nil, err
		}
	}
	// The file was just checked whole: back it up, beside the run rather
	// than before it (a big file takes a second or so to copy).
	s.mu.Lock()
	s.backgroundBackup()
	s.mu.Unlock()
	go s.writeLoop()
	return s, nil
}

// prepareFile makes sure that bbolt meets at path either a file whose
// header and freelist (all that bbolt reads when it opens one) are sound,
// or, for writing, a new checkpoint that this call created whole.
func prepareFile(path string, opts Options) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && opts.ReadOnly:
		return fmt.Errorf("checkpoint: open %s: %w", path, err)
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(BackupPath(path)); err == nil {
			return &onlyBackupError{path: path, backup: BackupPath(path)}
		}
		return create(path)
	case err != nil:
		return fmt.Errorf("checkpoint: open %s: %w", path, err)
	case fi.IsDir():
		return fmt.Errorf("checkpoint: open %s: it is a folder", path)
	case fi.Size() == 0:
		return damaged(path, "the file is empty")
	}
	err = checkFreelist(path)
	if err == nil {
		return nil
	}
	// A run writing the file right now may have been caught mid-commit:
	// the file is judged only once no writer holds it.
	probe, perr := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if errors.Is(perr, ErrLocked) {
		return perr
	}
	err = checkFreelist(path)
	if probe != nil {
		probe.Close()
	}
	return err
}

// openBolt opens the file with bbolt, turning a panic or fault inside it
// into a DamagedError.
func openBolt(path string, bo *bolt.Options) (db *bolt.DB, err error) {
	defer guard(path, &err)()
	db, err = bolt.Open(path, 0o600, bo)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &lockedError{path: path}
	case errors.Is(err, berrors.ErrInvalid):
		return nil, fmt.Errorf("%s is %w", path, ErrNotStateFile)
	case errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, damaged(path, "%v", err)
	case err != nil:
		return nil, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	return db, nil
}

// boltCheck runs bbolt's own consistency check (tx.Check) as a second
// opinion. It is safe only on a file that checkFile passed: it reads the
// mapped file in a goroutine of its own, where a fault cannot be caught.
func boltCheck(db *bolt.DB, path string) (err error) {
	defer guard(path, &err)()
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained whole: Check waits on every send
			if first == nil {
				first = damaged(path, "bbolt's check: %v", err)
			}
		}
		return first
	})
}

// create makes a new, empty checkpoint at path, whole or not at all: it is
// written beside it under another name and linked into place, so that a
// crash never leaves a file that a later run would have to take for a new
// one. If a file appears at path meanwhile, that one is kept.
func create(path string) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	tmp, err := os.CreateTemp(dir, "."+base+".new-*")
	if err != nil {
		return fmt.Errorf("checkpoint: create %s: %w", path, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: DefaultLockTimeout})
	if err != nil {
		return fmt.Errorf("checkpoint: create %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
			return err
		}
		if err := meta.Put(keyCount, encodeCount(0)); err != nil {
			return err
		}
		_, err = tx.CreateBucket(bucketSteps)
		return err
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checkpoint: create %s: %w", path, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links on this file system: rename, unless a file
		// appeared at path meanwhile.
		if _, serr := os.Lstat(path); !errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		if err := os.Rename(name, path); err != nil {
			return fmt.Errorf("checkpoint: create %s: %w", path, err)
		}
	}
	syncDir(dir)
	return nil
}

// syncDir makes new names in dir durable, where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Close flushes pending writes, stops the writer, refreshes the backup
// (unless a commit failed or a read found damage) and closes the file. It
// returns the sticky commit error if a commit ever failed, else an error
// if a backup could not be written (wrapping ErrDamaged if the copy showed
// the file damaged). After Close every method returns an error.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("checkpoint: close: %w", errClosed)
	}
	s.closed = true // no new writes; the writer drains what is queued
	s.mu.Unlock()
	s.notify()
	<-s.stopped

	s.backingUp.Wait()
	s.mu.Lock()
	err, broken, backupErr := s.err, s.err != nil || s.damaged, s.backupErr
	s.mu.Unlock()
	switch {
	case !s.readOnly && !broken:
		err = s.backup() // supersedes those taken in the background
	case err == nil:
		err = backupErr
	}
	if cerr := s.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("checkpoint: close %s: %w", s.path, cerr)
	}
	return err
}

// check returns the error that op must return now, if any. Writes also
// fail on a read-only store and after a commit failure.
func (s *Store) check(op string, write bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkLocked(op, write)
}

func (s *Store) checkLocked(op string, write bool) error {
	switch {
	case s.closed:
		return fmt.Errorf("checkpoint: %s: %w", op, errClosed)
	case write && s.readOnly:
		return fmt.Errorf("checkpoint: %s: %w", op, errReadOnly)
	case write && s.err != nil:
		return s.err
	}
	return nil
}

// view runs fn in a read transaction. bbolt reads the file through memory
// it maps: a panic or a fault there means damage (see guard). Damage found
// marks the store, so that Close takes no backup of it.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if errors.Is(err, ErrDamaged) {
			s.mu.Lock()
			s.damaged = true
			s.mu.Unlock()
		}
	}()
	defer guard(s.path, &err)()
	return s.db.View(fn)
}

// update runs fn in a write transaction, guarded as view is.
func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	defer guard(s.path, &err)()
	return s.db.Update(fn)
}

// damagedRecord is the error for a record that fails its check.
func (s *Store) damagedRecord(key []byte, err error) error {
	return &DamagedError{Path: s.path, Key: Key(key), Reason: err.Error()}
}

// Meta returns the run metadata (zero Meta for a new file). It returns an
// error wrapping ErrDamaged if the metadata fails its check.
func (s *Store) Meta() (Meta, error) {
	if err := s.check("meta", false); err != nil {
		return Meta{}, err
	}
	var m Meta
	err := s.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketMeta).Get(keyRun)
		if data == nil {
			return nil
		}
		var err error
		if s.version >= 2 {
			if data, err = unseal(keyRun, data); err != nil {
				return damaged(s.path, "the run metadata: %v", err)
			}
		}
		m, err = decodeMeta(data, s.version) // decoding copies out of the transaction
		if err != nil {
			return damaged(s.path, "the run metadata: %v", err)
		}
		return nil
	})
	if err != nil {
		return Meta{}, fmt.Errorf("checkpoint: meta: %w", err)
	}
	return m, nil
}

// SetMeta writes the run metadata durably. m.SchemaVersion is ignored:
// the file's schema version is kept by the store.
func (s *Store) SetMeta(m Meta) error {
	if err := s.check("set meta", true); err != nil {
		return err
	}
	data, err := encodeMeta(m)
	if err != nil {
		return fmt.Errorf("checkpoint: set meta: %w", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyRun, seal(keyRun, data))
	})
	if err != nil {
		return fmt.Errorf("checkpoint: set meta: %w", err)
	}
	return nil
}

// Get returns the record of key; ok is false when there is none. A record
// queued by Put is returned at once, before it is committed. A record that
// fails its check is never returned: the error wraps ErrDamaged and names
// the key.
func (s *Store) Get(key Key) (rec Record, ok bool, err error) {
	s.mu.Lock()
	if err := s.checkLocked("get", false); err != nil {
		s.mu.Unlock()
		return Record{}, false, err
	}
	data, ok := s.queued.recs[key]
	if !ok && s.writing != nil {
		data, ok = s.writing.recs[key]
	}
	s.mu.Unlock()
	if ok {
		rec, err = decodeRecord([]byte(key), data, false)
		if err != nil {
			return Record{}, false, fmt.Errorf("checkpoint: get %q: %w", key, err)
		}
		return rec, true, nil
	}

	// Not queued, so what is committed is the latest value.
	err = s.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSteps).Get([]byte(key))
		if data == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord([]byte(key), data, s.version < 2) // decoding copies out of the transaction
		if err != nil {
			return s.damagedRecord([]byte(key), err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return Record{}, false, err
	}
	s.maybeRelease()
	return rec, ok, nil
}

// forEachChunk is how many records ForEach decodes per read transaction.
const forEachChunk = 512

// ForEach calls fn for every record in key order. Records are copies. It
// flushes first, so every record put before the call is visited with its
// latest value; records put while it runs may or may not be. fn runs
// outside any transaction and may call the Store. An error from fn stops
// the iteration and is returned as is; a record that fails its check
// stops it with an error wrapping ErrDamaged.
func (s *Store) ForEach(fn func(Record) error) error {
	if err := s.flushForRead(); err != nil {
		return err
	}
	var after []byte
	for {
		recs, err := s.readChunk(after, forEachChunk)
		if err != nil {
			return fmt.Errorf("checkpoint: for each: %w", err)
		}
		for _, rec := range recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
		s.maybeRelease()
		if len(recs) < forEachChunk {
			return nil
		}
		after = []byte(recs[len(recs)-1].Key)
	}
}

// readChunk returns up to n committed records whose keys follow after (or
// from the first one, when after is nil).
func (s *Store) readChunk(after []byte, n int) ([]Record, error) {
	if err := s.check("for each", false); err != nil {
		return nil, err
	}
	recs := make([]Record, 0, n)
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSteps).Cursor()
		k, v := c.First()
		if after != nil {
			k, v = c.Seek(after)
			if k != nil && string(k) == string(after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(recs) < n; k, v = c.Next() {
			rec, err := decodeRecord(k, v, s.version < 2) // decoding copies out of the transaction
			if err != nil {
				return s.damagedRecord(k, err)
			}
			recs = append(recs, rec)
		}
		return nil
	})
	return recs, err
}

// flushForRead commits what is queued so that a read of the file sees it.
// After a failed commit reads go on and show what the file holds: the
// results of a run that had to stop are still worth writing.
func (s *Store) flushForRead() error {
	if err := s.Flush(); errors.Is(err, errClosed) {
		return err
	}
	return nil // any other error is the sticky one, returned by every write
}

// Count returns the number of records per state. It flushes first. A
// record that fails its check makes it fail with an error wrapping
// ErrDamaged.
func (s *Store) Count() (map[State]int, error) {
	if err := s.flushForRead(); err != nil {
		return nil, err
	}
	if err := s.check("count", false); err != nil {
		return nil, err
	}
	counts := make(map[State]int)
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSteps).ForEach(func(k, v []byte) error {
			st, err := recordState(k, v, s.version < 2)
			if err != nil {
				return s.damagedRecord(k, err)
			}
			counts[st]++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: count: %w", err)
	}
	return counts, nil
}
