package checkpoint

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Resident memory. bbolt reads the file through a mapping of it, and
// every page a read touches stays in the process's resident set: a run
// that reads and writes records all over a file of a gigabyte, or the
// results that read every record, would end with the whole file counted
// in its memory, although those pages are the kernel's page cache and
// cost nothing to read again. So the store tells the kernel now and then
// that it does not need the pages it mapped (see releaseMapped): they
// leave the resident set, stay in the page cache, and a later read maps
// them again at the cost of a minor fault.

// releaseEvery is how often the mapped pages are released at most.
const releaseEvery = 50 * time.Millisecond

// maybeRelease releases the mapped pages if the last release is
// releaseEvery old. It must not be called inside a transaction.
func (s *Store) maybeRelease() {
	now := time.Now().UnixNano()
	last := s.lastRelease.Load()
	if now-last < int64(releaseEvery) || !s.lastRelease.CompareAndSwap(last, now) {
		return
	}
	s.releaseMapped()
}

// releaseMapped tells the kernel that the pages of the file mapped so far
// are not needed (see Resident memory). It runs inside a read
// transaction: bbolt maps the file anew only while none is open, so the
// mapping released is the one in use.
func (s *Store) releaseMapped() {
	s.view(func(tx *bolt.Tx) error {
		dropMapped(s.db.Info().Data, tx.Size())
		return nil
	})
}
