package checkpoint

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// never is a batch interval no test outlives: only size, PutSync, Flush
// and Close make such a store commit.
const never = time.Hour

// commitLog records the size of every commit the writer makes.
type commitLog chan int

func (c commitLog) hooks() hooks {
	return hooks{afterCommit: func(n int, _ error) { c <- n }}
}

// next returns the size of the next commit. The deadline only stops a
// broken test from hanging; no test depends on how fast a commit is.
func (c commitLog) next(tb testing.TB) int {
	tb.Helper()
	select {
	case n := <-c:
		return n
	case <-time.After(10 * time.Second):
		tb.Fatal("the writer made no commit")
		return 0
	}
}

func TestPutIsQueuedUntilCommit(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: never})
	before := s.commits.Load()
	if err := s.Put(sample("a")); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "a")
	if _, ok := committed(t, s, "a"); ok {
		t.Errorf("a Put below the batch size was committed before its interval")
	}
	if got := s.commits.Load(); got != before {
		t.Errorf("commits = %d after Put, want %d", got, before)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.commits.Load(); got != before+1 {
		t.Errorf("commits = %d after Flush, want %d", got, before+1)
	}
	if _, ok := committed(t, s, "a"); !ok {
		t.Errorf("record not in the file after Flush")
	}
	// Nothing queued: Flush commits nothing.
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.commits.Load(); got != before+1 {
		t.Errorf("commits = %d after an empty Flush, want %d", got, before+1)
	}
}

func TestPutSyncReturnsAfterCommit(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: never})
	for i := range 3 {
		key := Key(fmt.Sprintf("k%d", i))
		before := s.commits.Load()
		if err := s.PutSync(Record{Key: key, State: InFlight}); err != nil {
			t.Fatal(err)
		}
		if got := s.commits.Load(); got != before+1 {
			t.Errorf("commits = %d after PutSync, want %d", got, before+1)
		}
		if rec, ok := committed(t, s, key); !ok || rec.State != InFlight {
			t.Errorf("file holds %+v (ok %v) after PutSync, want the in-flight record", rec, ok)
		}
	}
}

func TestPutSyncTakesQueuedPuts(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: never})
	for i := range 5 {
		if err := s.Put(Record{Key: Key(fmt.Sprintf("q%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutSync(Record{Key: "sync"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, ok := committed(t, s, Key(fmt.Sprintf("q%d", i))); !ok {
			t.Errorf("queued q%d not committed with the PutSync after it", i)
		}
	}
}

func TestCommitOnBatchSize(t *testing.T) {
	t.Parallel()
	log := make(commitLog, 10)
	s := openPath(t, t.TempDir()+"/run.db", Options{BatchSize: 10, BatchInterval: never}, log.hooks())
	put := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := s.Put(Record{Key: Key(fmt.Sprintf("k%03d", i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(0, 10)
	if got := log.next(t); got != 10 {
		t.Errorf("first commit has %d records, want 10", got)
	}
	put(10, 20)
	if got := log.next(t); got != 10 {
		t.Errorf("second commit has %d records, want 10", got)
	}
	put(20, 25)
	if _, ok := committed(t, s, "k020"); ok {
		t.Errorf("5 records below the batch size were committed")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := log.next(t); got != 5 {
		t.Errorf("flush commit has %d records, want 5", got)
	}
}

func TestCommitOnBatchInterval(t *testing.T) {
	t.Parallel()
	log := make(commitLog, 10)
	s := openPath(t, t.TempDir()+"/run.db", Options{BatchSize: 1000, BatchInterval: time.Millisecond}, log.hooks())
	for round := range 3 {
		if err := s.Put(Record{Key: Key(fmt.Sprintf("k%d", round))}); err != nil {
			t.Fatal(err)
		}
		if got := log.next(t); got != 1 {
			t.Errorf("round %d: commit has %d records, want 1", round, got)
		}
	}
}

func TestCloseCommitsQueued(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/run.db"
	s, err := Open(path, Options{BatchInterval: never})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(sample("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPath(t, path, Options{ReadOnly: true}, hooks{})
	mustGet(t, s, "a")
}

// While one commit is running, every PutSync that arrives waits for the
// next one, and they all share it.
func TestPutSyncsShareCommit(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	log := make(commitLog, 10)
	h := log.hooks()
	h.beforeCommit = func(int) {
		once.Do(func() {
			close(entered)
			<-release
		})
	}
	s := openPath(t, t.TempDir()+"/run.db", Options{BatchInterval: never}, h)

	var wg sync.WaitGroup
	errs := make(chan error, 9)
	wg.Go(func() { errs <- s.PutSync(Record{Key: "first"}) })
	<-entered // the writer holds the first batch

	const n = 8
	for i := range n {
		wg.Go(func() { errs <- s.PutSync(Record{Key: Key(fmt.Sprintf("k%d", i))}) })
	}
	// Wait (bounded) until all n are queued behind the held commit.
	for i := 0; ; i++ {
		s.mu.Lock()
		queued := s.queued.puts
		s.mu.Unlock()
		if queued == n {
			break
		}
		if i == 10000 {
			t.Fatalf("only %d of %d PutSync calls queued", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
	before := s.commits.Load()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := []int{log.next(t), log.next(t)}, []int{1, n}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("commit sizes = %v, want %v", got, want)
	}
	if got := s.commits.Load() - before; got != 2 {
		t.Errorf("%d commits for 1+%d PutSync calls, want 2", got, n)
	}
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	const goroutines, perGoroutine = 32, 500
	path := t.TempDir() + "/run.db"
	s := openPath(t, path, Options{}, hooks{})
	key := func(g, i int) Key { return Key(fmt.Sprintf("numbers/line-%02d-%04d/provision", g, i)) }

	var wg sync.WaitGroup
	errs := make(chan error, goroutines+1)
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				k := key(g, i)
				if i%4 == 0 {
					// in-flight durably first, as before a create
					if err := s.PutSync(Record{Key: k, State: InFlight}); err != nil {
						errs <- err
						return
					}
				}
				if err := s.Put(Record{Key: k, State: Done, Attempts: i, IDs: map[string]string{"PhoneNumberId": string(k)}}); err != nil {
					errs <- err
					return
				}
				rec, ok, err := s.Get(k)
				if err != nil || !ok || rec.State != Done || rec.Attempts != i {
					errs <- fmt.Errorf("Get(%q) right after Put = %+v, %v, %v", k, rec, ok, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := s.Count(); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	check := func(t *testing.T, s *Store) {
		t.Helper()
		counts, err := s.Count()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[State]int{Done: goroutines * perGoroutine}; len(counts) != 1 || counts[Done] != want[Done] {
			t.Errorf("Count = %v, want %v", counts, want)
		}
		for g := range goroutines {
			for i := range perGoroutine {
				k := key(g, i)
				rec, ok, err := s.Get(k)
				if err != nil || !ok || rec.State != Done || rec.Attempts != i || rec.IDs["PhoneNumberId"] != string(k) {
					t.Fatalf("Get(%q) = %+v, %v, %v", k, rec, ok, err)
				}
			}
		}
	}
	check(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check(t, openPath(t, path, Options{ReadOnly: true}, hooks{}))
}

func TestCommitFailureIsSticky(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 4096)
	tests := []struct {
		name  string
		hooks hooks
		// fail makes the store's next commit fail and returns that commit's error.
		fail  func(t *testing.T, s *Store) error
		cause error
		// readable: the file is still there to read.
		readable bool
	}{
		{
			name: "database closed under the writer",
			fail: func(t *testing.T, s *Store) error {
				if err := s.Put(sample("a")); err != nil {
					t.Fatal(err)
				}
				if err := s.db.Close(); err != nil {
					t.Fatal(err)
				}
				return s.Flush()
			},
			cause: berrors.ErrDatabaseNotOpen,
		},
		{
			name:  "file full",
			hooks: hooks{bolt: func(o *bolt.Options) { o.MaxSize = 1 << 16 }},
			fail: func(t *testing.T, s *Store) error {
				for i := range 1000 {
					rec := Record{Key: Key(fmt.Sprintf("k%04d", i)), Data: map[string]string{"pad": big}}
					if err := s.PutSync(rec); err != nil {
						return err
					}
				}
				t.Fatal("1000 records of 4 KiB fit in a 64 KiB file")
				return nil
			},
			cause:    berrors.ErrMaxSizeReached,
			readable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openPath(t, t.TempDir()+"/run.db", Options{BatchInterval: never}, tt.hooks)
			err := tt.fail(t, s)
			if !errors.Is(err, tt.cause) || !strings.HasPrefix(err.Error(), "checkpoint: commit ") {
				t.Fatalf("failing commit = %v, want a checkpoint: commit error wrapping %v", err, tt.cause)
			}
			if tt.readable {
				// Reads go on, showing what the file holds, so that the
				// results of the stopped run can still be written.
				if _, err := s.Count(); err != nil {
					t.Errorf("Count after a failed commit = %v", err)
				}
				n := 0
				if err := s.ForEach(func(Record) error { n++; return nil }); err != nil || n == 0 {
					t.Errorf("ForEach after a failed commit = %v after %d records", err, n)
				}
				if _, _, err := s.Get("k0000"); err != nil {
					t.Errorf("Get after a failed commit = %v", err)
				}
			}
			later := []struct {
				name string
				fn   func() error
			}{
				{"Put", func() error { return s.Put(sample("b")) }},
				{"PutSync", func() error { return s.PutSync(sample("b")) }},
				{"Flush", s.Flush},
				{"SetMeta", func() error { return s.SetMeta(Meta{}) }},
				{"Close", s.Close},
			}
			for _, c := range later {
				if got := c.fn(); got == nil || got.Error() != err.Error() {
					t.Errorf("%s after a failed commit = %v, want %v", c.name, got, err)
				}
			}
		})
	}
}

func TestPutRejectsBadKey(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{})
	for _, key := range []Key{"", Key(strings.Repeat("k", bolt.MaxKeySize+1))} {
		if err := s.Put(Record{Key: key}); err == nil {
			t.Errorf("Put with a key of %d bytes succeeded", len(key))
		}
		if err := s.PutSync(Record{Key: key}); err == nil {
			t.Errorf("PutSync with a key of %d bytes succeeded", len(key))
		}
	}
	// A bad key is the caller's mistake, not a broken store.
	if err := s.PutSync(sample("good")); err != nil {
		t.Errorf("PutSync after a refused key = %v", err)
	}
}
