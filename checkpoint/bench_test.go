package checkpoint

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchKey is the key of benchRecord(i).
func benchKey(i int) Key { return Key(fmt.Sprintf("numbers/line-%07d/provision", i)) }

// benchRecord is a record the size of a real numbers step.
func benchRecord(i int) Record {
	rec := sample(benchKey(i))
	rec.ErrClass, rec.ErrStatus, rec.ErrMessage = ClassNone, 0, ""
	return rec
}

// reportRates adds steps/s and commits/s for n steps over the time since
// start. The store is on disk (t.TempDir), with real fsyncs.
func reportRates(b *testing.B, s *Store, n int, start time.Time, commitsBefore uint64) {
	elapsed := time.Since(start).Seconds()
	commits := s.commits.Load() - commitsBefore
	b.ReportMetric(float64(n)/elapsed, "steps/s")
	b.ReportMetric(float64(commits)/elapsed, "commits/s")
	b.ReportMetric(float64(n)/float64(max(commits, 1)), "steps/commit")
}

// BenchmarkWriterPut: one goroutine queuing records with Put, then one
// Flush; the default group commit (100 records or 100 ms) decides commits.
func BenchmarkWriterPut(b *testing.B) {
	s, _ := openTest(b, Options{})
	b.ReportAllocs()
	before := s.commits.Load()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := s.Put(benchRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportRates(b, s, b.N, start, before)
}

// runWorkers shares b.N steps among n goroutines, like the runner's
// workers, and reports the rates.
func runWorkers(b *testing.B, n int, step func(s *Store, i int) error) {
	s, _ := openTest(b, Options{})
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	before := s.commits.Load()
	b.ResetTimer()
	start := time.Now()
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := step(s, i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportRates(b, s, b.N, start, before)
}

// BenchmarkWriterPutSync32: 32 goroutines each waiting for its record to
// be durable; group commit makes them share fsyncs.
func BenchmarkWriterPutSync32(b *testing.B) {
	runWorkers(b, 32, func(s *Store, i int) error {
		return s.PutSync(benchRecord(i))
	})
}

// BenchmarkWriterStep32: what the runner does per create step with 32
// workers: PutSync the in-flight record, then Put the done one.
func BenchmarkWriterStep32(b *testing.B) {
	runWorkers(b, 32, func(s *Store, i int) error {
		rec := benchRecord(i)
		rec.State = InFlight
		if err := s.PutSync(rec); err != nil {
			return err
		}
		rec.State = Done
		return s.Put(rec)
	})
}
