package checkpoint

import (
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Put and PutSync add the encoded record to the queued
// batch; the single writer goroutine takes the whole batch and commits it
// in one bbolt transaction (one fsync). It commits at once when someone
// waits on the batch (PutSync, Flush, Close), otherwise when the batch
// holds BatchSize records or its first record is BatchInterval old. While
// one batch is being committed the next one fills, so concurrent PutSync
// calls share a commit.

// batch is the set of records committed by one transaction.
type batch struct {
	recs   map[Key][]byte // latest encoded record per key
	puts   int            // records added, overwrites included
	first  time.Time      // when the first record was added
	urgent bool           // someone waits on done: commit now
	done   chan struct{}  // closed when the commit has ended
	err    error          // the commit's outcome, set before done is closed
}

func newBatch() *batch {
	return &batch{recs: make(map[Key][]byte), done: make(chan struct{})}
}

// PutSync writes rec and returns once it is durable on disk. Concurrent
// PutSync calls share commits (group commit). Used for in-flight.
func (s *Store) PutSync(rec Record) error {
	b, err := s.enqueue("put sync", rec, true)
	if err != nil {
		return err
	}
	<-b.done
	return b.err
}

// Put queues rec; it is committed within BatchInterval or BatchSize records.
// A later Get sees it at once. Errors surface from the next Put/Flush/Close.
func (s *Store) Put(rec Record) error {
	_, err := s.enqueue("put", rec, false)
	return err
}

// Flush commits everything queued and returns when it is durable. On a
// read-only store it does nothing.
func (s *Store) Flush() error {
	s.mu.Lock()
	if err := s.checkLocked("flush", false); err != nil {
		s.mu.Unlock()
		return err
	}
	if s.readOnly {
		s.mu.Unlock()
		return nil
	}
	if s.err != nil {
		s.mu.Unlock()
		return s.err
	}
	var b *batch
	switch {
	case s.queued.puts > 0:
		b = s.queued // committed after s.writing, so waiting on it covers both
		if !b.urgent {
			b.urgent = true
			s.notify()
		}
	case s.writing != nil:
		b = s.writing
	}
	s.mu.Unlock()
	if b == nil {
		return nil
	}
	<-b.done
	return b.err
}

// enqueue adds rec to the queued batch and returns that batch.
func (s *Store) enqueue(op string, rec Record, urgent bool) (*batch, error) {
	if err := checkKey(rec.Key); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", op, err)
	}
	data, err := encodeRecord(rec) // outside the lock: callers encode in parallel
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s %q: %w", op, rec.Key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLocked(op, true); err != nil {
		return nil, err
	}
	b := s.queued
	wake := false
	if b.puts == 0 {
		b.first = time.Now()
		wake = true // the writer arms its timer
	}
	b.recs[rec.Key] = data
	b.puts++
	if urgent && !b.urgent {
		b.urgent = true
		wake = true
	}
	if b.puts == s.batchSize {
		wake = true
	}
	if wake {
		s.notify()
	}
	return b, nil
}

func checkKey(k Key) error {
	switch {
	case k == "":
		return fmt.Errorf("empty key")
	case len(k) > bolt.MaxKeySize:
		return fmt.Errorf("key of %d bytes is longer than %d", len(k), bolt.MaxKeySize)
	}
	return nil
}

// notify wakes the writer without blocking; one pending wake-up is enough
// because the writer rereads the whole state each time.
func (s *Store) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the writer goroutine: the only one that commits records.
// It returns once the store is closed and nothing is queued.
func (s *Store) writeLoop() {
	defer close(s.stopped)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		b, wait, stop := s.next()
		switch {
		case b != nil:
			s.commit(b)
		case stop:
			return
		case wait == 0:
			<-s.wake
		default:
			timer.Reset(wait)
			select {
			case <-s.wake:
				timer.Stop()
			case <-timer.C:
			}
		}
	}
}

// next takes the queued batch if it is due. Otherwise it says how long to
// wait for it to become due (0: until woken), or to stop.
func (s *Store) next() (b *batch, wait time.Duration, stop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queued
	if q.puts == 0 {
		return nil, 0, s.closed
	}
	if !q.urgent && !s.closed && q.puts < s.batchSize {
		if wait = time.Until(q.first.Add(s.batchInterval)); wait > 0 {
			return nil, wait, false
		}
	}
	s.queued = newBatch()
	s.writing = q
	return q, 0, false
}

// commit writes b in one transaction and releases its waiters. After a
// failure every later batch fails with the same error without touching
// the file.
func (s *Store) commit(b *batch) {
	if s.hooks.beforeCommit != nil {
		s.hooks.beforeCommit(len(b.recs))
	}
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err == nil {
		err = s.commitRecords(b)
	}

	s.mu.Lock()
	if err != nil && s.err == nil {
		s.err = err
	}
	s.writing = nil
	s.mu.Unlock()
	b.err = err
	close(b.done)
	if s.hooks.afterCommit != nil {
		s.hooks.afterCommit(len(b.recs), err)
	}
	s.maybeRelease()
}

// commitRecords writes b's records and the record count in one
// transaction.
func (s *Store) commitRecords(b *batch) error {
	// Sorted keys fill bbolt's pages best.
	keys := slices.Sorted(maps.Keys(b.recs))
	count := s.count
	err := s.update(func(tx *bolt.Tx) error {
		steps := tx.Bucket(bucketSteps)
		for _, k := range keys {
			if steps.Get([]byte(k)) == nil {
				count++
			}
			if err := steps.Put([]byte(k), b.recs[k]); err != nil {
				return err
			}
		}
		if count == s.count {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keyCount, encodeCount(count))
	})
	if err != nil {
		return fmt.Errorf("checkpoint: commit %d records: %w", len(keys), err)
	}
	s.count = count
	s.commits.Add(1)
	s.backupDue()
	return nil
}
