package checkpoint

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The 1M-step benchmarks (make bench-checkpoint runs them with
// -benchtime 1x): a checkpoint the size of a million-line migration.

// bench1MSteps is the number of records in the fixture.
const bench1MSteps = 1_000_000

// bench1MWrites is how many steps BenchmarkStep1M32 adds per iteration.
const bench1MWrites = 20_000

var fixture1M struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// removeFixtures deletes the files the benchmarks built; TestMain calls it.
func removeFixtures() {
	if fixture1M.dir != "" {
		os.RemoveAll(fixture1M.dir)
	}
}

// checkpoint1M returns a copy of a closed checkpoint holding bench1MSteps
// records (built once per process), in a directory of its own.
func checkpoint1M(b *testing.B) string {
	b.Helper()
	fixture1M.once.Do(func() {
		fixture1M.dir, fixture1M.err = os.MkdirTemp("", "checkpoint-bench-")
		if fixture1M.err != nil {
			return
		}
		fixture1M.path = filepath.Join(fixture1M.dir, "1m.db")
		start := time.Now()
		fixture1M.err = build1M(fixture1M.path)
		b.Logf("built a %d-step checkpoint in %s", bench1MSteps, time.Since(start).Round(time.Millisecond))
	})
	if fixture1M.err != nil {
		b.Fatal(fixture1M.err)
	}
	path := filepath.Join(b.TempDir(), "run.db")
	if err := copyFile(fixture1M.path, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func build1M(path string) error {
	s, err := Open(path, Options{BatchSize: 10_000, BatchInterval: time.Second})
	if err != nil {
		return err
	}
	for i := range bench1MSteps {
		rec := benchRecord(i)
		rec.State = State(i % int(Cancelled+1))
		if err := s.Put(rec); err != nil {
			s.Close()
			return err
		}
	}
	return s.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkResume1M: what a run does with its checkpoint at start-up, on
// a million steps: open it for writing (with every check Open makes) and
// read every record by key, as the runner's load does.
func BenchmarkResume1M(b *testing.B) {
	path := checkpoint1M(b)
	keys := make([]Key, bench1MSteps)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Since(start)
		counts := map[State]int{}
		for i, key := range keys {
			rec, ok, err := s.Get(key)
			if err != nil || !ok {
				b.Fatalf("get %d: ok %v, %v", i, ok, err)
			}
			counts[rec.State]++
		}
		b.ReportMetric(opened.Seconds(), "open-s")
		b.ReportMetric(time.Since(start).Seconds(), "resume-s")
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
	}
}

// BenchmarkBackup1M: one backup of a million-step checkpoint (copy, mark,
// check, rename), as Open and Close take them; writes go on meanwhile.
func BenchmarkBackup1M(b *testing.B) {
	path := checkpoint1M(b)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.backingUp.Wait()
	b.ResetTimer()
	for range b.N {
		if err := s.backup(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(BackupPath(path)); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "backup-MB")
	}
}

// BenchmarkStatus1M: status on a million steps: a read-only open and a
// count per kind and state through ForEach.
func BenchmarkStatus1M(b *testing.B) {
	path := checkpoint1M(b)
	b.ResetTimer()
	for range b.N {
		s, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := s.ForEach(func(Record) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != bench1MSteps {
			b.Fatalf("ForEach visited %d records, want %d", n, bench1MSteps)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep1M32: the runner's create steps (PutSync in-flight, then
// Put done) from 32 workers into a checkpoint that already holds a
// million steps; bench1MWrites new steps per iteration. Measured once the
// backup taken at Open is written (it shares the disk for the first half
// second of a run; then one every 10 minutes).
//
// In "sequential" the new steps' keys follow the fixture's, as a
// manifest's line references often do: a commit's records share leaf
// pages. In "scattered" they fall between the fixture's keys all over
// the file, as e-mail addresses do: each record of a commit rewrites a
// page of its own. cpu-µs/step is the process's CPU (user + system) per
// step, what the checkpoint adds to the runner's.
func BenchmarkStep1M32(b *testing.B) {
	keys := map[string]func(i int) Key{
		"sequential": func(i int) Key { return benchKey(bench1MSteps + i) },
		"scattered":  func(i int) Key { return Key(string(benchKey((i*7919)%bench1MSteps)) + "x") },
	}
	for _, name := range []string{"sequential", "scattered"} {
		b.Run(name, func(b *testing.B) { benchStep1M32(b, keys[name]) })
	}
}

func benchStep1M32(b *testing.B, key func(i int) Key) {
	path := checkpoint1M(b)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.backingUp.Wait()
	var wg sync.WaitGroup
	b.ResetTimer()
	for n := range b.N {
		before := s.commits.Load()
		start, cpu0 := time.Now(), processCPU(b)
		next := make(chan int)
		for range 32 {
			wg.Go(func() {
				for i := range next {
					rec := benchRecord(i)
					rec.Key = key(n*bench1MWrites + i)
					rec.State = InFlight
					if err := s.PutSync(rec); err != nil {
						b.Error(err)
						return
					}
					rec.State = Done
					if err := s.Put(rec); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		for i := range bench1MWrites {
			next <- i
		}
		close(next)
		wg.Wait()
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
		reportRates(b, s, bench1MWrites, start, before)
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/bench1MWrites, "cpu-µs/step")
	}
	b.StopTimer()
}
