package checkpoint

// STUB: replaced by the real implementation; delete when it exists.

import (
	"errors"
	"time"
)

// ErrLocked is returned by Open when another process holds the file; its
// message is "another run is using STATE".
var ErrLocked = errors.New("another run is using the state file")

// Options for Open.
type Options struct {
	LockTimeout   time.Duration // default 1s
	ReadOnly      bool          // status and plan: shared lock, no writes
	BatchSize     int           // group commit: at most this many records (default 100)
	BatchInterval time.Duration // group commit: at most this long (default 100ms)
}

// Store is an open checkpoint file.
type Store struct{}

// Open opens or creates the file.
func Open(path string, opts Options) (*Store, error) { panic("unimplemented") }

// Close flushes pending writes and closes the file.
func (s *Store) Close() error { panic("unimplemented") }

// Meta returns the run metadata (zero Meta for a new file).
func (s *Store) Meta() (Meta, error) { panic("unimplemented") }

// SetMeta writes the run metadata durably.
func (s *Store) SetMeta(m Meta) error { panic("unimplemented") }

// Get returns the record of key; ok is false when there is none.
func (s *Store) Get(key Key) (rec Record, ok bool, err error) { panic("unimplemented") }

// PutSync writes rec and returns once it is durable on disk. Concurrent
// PutSync calls share commits (group commit). Used for in-flight.
func (s *Store) PutSync(rec Record) error { panic("unimplemented") }

// Put queues rec; it is committed within BatchInterval or BatchSize records.
// A later Get sees it at once. Errors surface from the next Put/Flush/Close.
func (s *Store) Put(rec Record) error { panic("unimplemented") }

// Flush commits everything queued and returns when it is durable.
func (s *Store) Flush() error { panic("unimplemented") }

// ForEach calls fn for every record in key order. Records are copies.
func (s *Store) ForEach(fn func(Record) error) error { panic("unimplemented") }

// Count returns the number of records per state.
func (s *Store) Count() (map[State]int, error) { panic("unimplemented") }
