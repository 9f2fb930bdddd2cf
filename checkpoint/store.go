package checkpoint

import (
	"errors"
	"fmt"
	"os"
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
// (not a bbolt file, or a bbolt file some other program wrote); its
// message is "STATE is not a telegent-bulk state file".
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
)

// Options for Open.
type Options struct {
	LockTimeout   time.Duration // default 100ms
	ReadOnly      bool          // status and plan: shared lock, no writes
	BatchSize     int           // group commit: at most this many records (default 100)
	BatchInterval time.Duration // group commit: at most this long (default 100ms)
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
	version       int // the file's schema version, 0 for a file never written
	batchSize     int
	batchInterval time.Duration
	hooks         hooks

	mu      sync.Mutex
	closed  bool
	err     error  // sticky: the first commit failure
	queued  *batch // filling; the writer takes it whole
	writing *batch // being committed, nil when the writer is idle

	wake    chan struct{} // tells the writer to look at queued again
	stopped chan struct{} // closed when the writer has returned
	commits atomic.Uint64 // committed write transactions, for tests and benchmarks
}

// hooks let tests reach inside without changing the exported API.
type hooks struct {
	bolt         func(*bolt.Options) // adjusts the bbolt options before Open
	beforeCommit func(records int)   // runs on the writer before each commit
	afterCommit  func(records int, err error)
}

// Open opens or creates the checkpoint at path. It waits up to
// opts.LockTimeout for the file lock and then returns an error wrapping
// ErrLocked. With opts.ReadOnly it takes a shared lock, never writes, and
// fails for a missing file with an error wrapping fs.ErrNotExist. It
// returns an error wrapping ErrNotStateFile or ErrNewerSchema for a file
// it must not use.
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
	if opts.ReadOnly {
		// bbolt initialises an empty file, which it cannot do read-only.
		if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
			return nil, fmt.Errorf("checkpoint: open %s: empty file: no run has written it", path)
		}
	}
	bo := &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly}
	if h.bolt != nil {
		h.bolt(bo)
	}
	db, err := bolt.Open(path, 0o600, bo)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &lockedError{path: path}
	case errors.Is(err, berrors.ErrInvalid):
		return nil, fmt.Errorf("%s is %w", path, ErrNotStateFile)
	case err != nil:
		return nil, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	version, err := prepare(db, path, opts.ReadOnly)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		path:          path,
		db:            db,
		readOnly:      opts.ReadOnly,
		version:       version,
		batchSize:     opts.BatchSize,
		batchInterval: opts.BatchInterval,
		hooks:         h,
		queued:        newBatch(),
		wake:          make(chan struct{}, 1),
		stopped:       make(chan struct{}),
	}
	if s.readOnly {
		close(s.stopped)
	} else {
		go s.writeLoop()
	}
	return s, nil
}

// prepare checks the file's schema and, unless readOnly, creates the
// buckets of a new file. It returns the schema version.
func prepare(db *bolt.DB, path string, readOnly bool) (int, error) {
	var version int
	var complete bool
	err := db.View(func(tx *bolt.Tx) error {
		v, err := readSchema(tx)
		version, complete = v, v > 0 && tx.Bucket(bucketSteps) != nil
		return err
	})
	switch {
	case errors.Is(err, ErrNotStateFile):
		return 0, fmt.Errorf("%s is %w", path, ErrNotStateFile)
	case err != nil:
		return 0, fmt.Errorf("checkpoint: open %s: %w", path, err)
	case version > schemaVersion:
		return 0, fmt.Errorf("checkpoint: open %s: schema version %d, this build reads up to %d: %w",
			path, version, schemaVersion, ErrNewerSchema)
	case readOnly || complete:
		return version, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bucketSteps)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("checkpoint: open %s: initialise: %w", path, err)
	}
	return schemaVersion, nil
}

// readSchema returns the schema version of the file, 0 for a bbolt file
// that holds nothing yet, or ErrNotStateFile.
func readSchema(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return 0, ErrNotStateFile // someone else's buckets
		}
		return 0, nil
	}
	v, err := strconv.Atoi(string(meta.Get(keySchema)))
	if err != nil || v < 1 {
		return 0, ErrNotStateFile
	}
	return v, nil
}

// Close flushes pending writes, stops the writer and closes the file. It
// returns the sticky commit error if a commit ever failed. After Close
// every method returns an error.
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

	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
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

// Meta returns the run metadata (zero Meta for a new file).
func (s *Store) Meta() (Meta, error) {
	if err := s.check("meta", false); err != nil {
		return Meta{}, err
	}
	var m Meta
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		data := b.Get(keyRun)
		if data == nil {
			return nil
		}
		var err error
		m, err = decodeMeta(data, s.version) // decoding copies out of the transaction
		return err
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
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyRun, data)
	})
	if err != nil {
		return fmt.Errorf("checkpoint: set meta: %w", err)
	}
	return nil
}

// Get returns the record of key; ok is false when there is none. A record
// queued by Put is returned at once, before it is committed.
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
		rec, err = decodeRecord([]byte(key), data)
		if err != nil {
			return Record{}, false, fmt.Errorf("checkpoint: get %q: %w", key, err)
		}
		return rec, true, nil
	}

	// Not queued, so what is committed is the latest value.
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSteps)
		if b == nil {
			return nil
		}
		data := b.Get([]byte(key))
		if data == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord([]byte(key), data) // decoding copies out of the transaction
		ok = err == nil
		return err
	})
	if err != nil {
		return Record{}, false, fmt.Errorf("checkpoint: get %q: %w", key, err)
	}
	return rec, ok, nil
}

// forEachChunk is how many records ForEach decodes per read transaction.
const forEachChunk = 512

// ForEach calls fn for every record in key order. Records are copies. It
// flushes first, so every record put before the call is visited with its
// latest value; records put while it runs may or may not be. fn runs
// outside any transaction and may call the Store. An error from fn stops
// the iteration and is returned as is.
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
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSteps)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if after != nil {
			k, v = c.Seek(after)
			if k != nil && string(k) == string(after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(recs) < n; k, v = c.Next() {
			rec, err := decodeRecord(k, v) // decoding copies out of the transaction
			if err != nil {
				return fmt.Errorf("%q: %w", k, err)
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

// Count returns the number of records per state. It flushes first.
func (s *Store) Count() (map[State]int, error) {
	if err := s.flushForRead(); err != nil {
		return nil, err
	}
	if err := s.check("count", false); err != nil {
		return nil, err
	}
	counts := make(map[State]int)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSteps)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			st, err := recordState(v)
			if err != nil {
				return fmt.Errorf("%q: %w", k, err)
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
