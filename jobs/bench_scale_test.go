package jobs_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/jobs/cli"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// BenchmarkMigrationScale runs a synthetic migration of
// TELEGENT_BENCH_LINES lines (default 100,000) against a sandbox with no
// latency and no rate limit, and reports what the runner costs: its peak
// RSS (the benchmark process holds the runner only: the sandbox runs in a
// process of its own, the binary TELEGENT_BIN's sandbox command), its CPU
// per step (user + system, from getrusage, over the run and the results),
// the time to write the results workbook, and the size of the checkpoint.
// cpu-µs/step counts the whole command (plan, run, results);
// run-cpu-µs/step the run alone (Runner.Run).
// make bench-scale runs it at 1M lines.
//
// It runs 64 workers (TELEGENT_BENCH_WORKERS sets another number): with
// no latency they keep both the runner and the sandbox busy, and the
// checkpoint's group commits gather about 25 in-flight records each.
// The CLI's default of 250 workers is sized for an API 125 ms away; with
// no latency it costs more CPU per step in connections and scheduling,
// and 16 workers cost more in commits (one per 7 steps).
func BenchmarkMigrationScale(b *testing.B) {
	bin := os.Getenv("TELEGENT_BIN")
	if bin == "" {
		b.Skip("TELEGENT_BIN names no telegent-bulk binary to run the sandbox in (make bench-scale sets it)")
	}
	lines := envCount(b, "TELEGENT_BENCH_LINES", 100_000)
	workers := envCount(b, "TELEGENT_BENCH_WORKERS", 64)
	defer cli.BoundHeap(cli.HeapHeadroom)() // as the command does
	dir := b.TempDir()
	manifest := filepath.Join(dir, "manifest")
	if _, err := samplegen.WriteSynthetic(manifest, lines, "csv"); err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		b.StopTimer()
		url := benchSandboxProcess(b, bin)
		c, err := telegent.New(telegent.Config{BaseURL: url, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret,
			BaseBackoff: 10 * time.Millisecond, MaxBackoff: time.Second, MaxAttempts: 12})
		if err != nil {
			b.Fatal(err)
		}
		state := filepath.Join(dir, "run-"+strconv.Itoa(i)+".db")
		cpu0 := benchCPU(b)
		b.StartTimer()
		start := time.Now()
		resetPeakRSS() // the manifest's generation is not the command's
		p := loadPlan(b, manifest)
		planned := phasePeak(b)
		s, err := checkpoint.Open(state, checkpoint.Options{})
		if err != nil {
			b.Fatal(err)
		}
		r := jobs.New(p, c, s, jobs.Options{Concurrency: workers, Poll: 50 * time.Millisecond, Wait: 5 * time.Minute, MACKey: macKey})
		runCPU0, gc0 := benchCPU(b), benchGC()
		rep, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		ran := time.Now()
		runCPU := benchCPU(b) - runCPU0
		gc := benchGC().minus(gc0)
		anon, file := benchRSS()
		runPeak := phasePeak(b)
		if f := os.Getenv("TELEGENT_BENCH_HEAP"); f != "" {
			benchHeapProfile(b, f)
		}
		// The results workbook and the failures file, as the command writes them.
		if _, _, err := jobs.WriteResultsAndFailures(p, s, filepath.Join(dir, "results.xlsx"),
			jobs.Results{Packages: r.Packages()}); err != nil {
			b.Fatal(err)
		}
		written := time.Now()
		resultsPeak := phasePeak(b)
		if err := s.Close(); err != nil { // a backup of the file is taken and checked
			b.Fatal(err)
		}
		closePeak := phasePeak(b)
		b.StopTimer()
		cpu := benchCPU(b) - cpu0
		if rep.Totals.Done != rep.Totals.Steps {
			// An overloaded machine makes the sandbox slow enough for a
			// few calls to give up: told, not fatal, unless they are many.
			b.Logf("totals %+v: not every step done", rep.Totals)
			logUnfinished(b, state, 5)
			if rep.Totals.Steps-rep.Totals.Done > rep.Totals.Steps/1000 {
				b.Fatalf("totals %+v: want every step done", rep.Totals)
			}
		}
		fi, err := os.Stat(state)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(lines), "lines")
		b.ReportMetric(float64(rep.Totals.Steps), "steps")
		b.ReportMetric(float64(rep.Totals.Steps-rep.Totals.Done), "steps-not-done")
		b.ReportMetric(ran.Sub(start).Seconds(), "run-s")
		b.ReportMetric(written.Sub(ran).Seconds(), "results-s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(rep.Totals.Steps), "cpu-µs/step")
		b.ReportMetric(float64(runCPU.Microseconds())/float64(rep.Totals.Steps), "run-cpu-µs/step")
		b.ReportMetric(gc.cpu*1e6/float64(rep.Totals.Steps), "run-gc-cpu-µs/step")
		b.ReportMetric(gc.cycles, "run-gc-cycles")
		b.ReportMetric(float64(max(planned, runPeak, resultsPeak, closePeak))/(1<<20), "peak-rss-MB")
		b.ReportMetric(float64(planned)/(1<<20), "plan-peak-rss-MB")
		b.ReportMetric(float64(runPeak)/(1<<20), "run-peak-rss-MB")
		b.ReportMetric(float64(resultsPeak)/(1<<20), "results-peak-rss-MB")
		b.ReportMetric(float64(closePeak)/(1<<20), "close-peak-rss-MB")
		b.ReportMetric(float64(fi.Size())/(1<<20), "checkpoint-MB")
		b.ReportMetric(float64(anon)/(1<<20), "run-end-anon-MB")
		b.ReportMetric(float64(file)/(1<<20), "run-end-file-MB")
		os.Remove(state)
		os.Remove(checkpoint.BackupPath(state))
	}
}

// logUnfinished logs the first n steps of the checkpoint at path that are
// not done, with the error each one ended with.
func logUnfinished(b *testing.B, path string, n int) {
	b.Helper()
	s, err := checkpoint.Open(path, checkpoint.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	errEnough := errors.New("enough")
	err = s.ForEach(func(rec checkpoint.Record) error {
		if rec.State == checkpoint.Done {
			return nil
		}
		b.Logf("%s: %s after %d attempts: %d %s", rec.Key, rec.State, rec.Attempts, rec.ErrStatus, rec.ErrMessage)
		if n--; n == 0 {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
}

// benchSandboxProcess starts bin's sandbox command on a free loopback port
// (no latency, no rate limit, port orders moving every millisecond) and
// returns its URL; the process is stopped when the benchmark ends.
func benchSandboxProcess(b *testing.B, bin string) string {
	b.Helper()
	cmd := exec.Command(bin, "sandbox", "--addr", "127.0.0.1:0", "--port-step", "1ms", "--seed", "1")
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		b.Fatalf("sandbox: no address on its output: %v", sc.Err())
	}
	line := sc.Text()
	_, rest, ok := strings.Cut(line, "http://")
	if !ok {
		b.Fatalf("sandbox: %q: no address", line)
	}
	addr, _, _ := strings.Cut(rest, " ")
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	return "http://" + addr
}

// benchCPU returns the CPU time (user + system) this process has used.
func benchCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gcUse is what the collector has done so far: its CPU time (the
// runtime's estimate) and its cycles.
type gcUse struct{ cpu, cycles float64 }

func (g gcUse) minus(o gcUse) gcUse { return gcUse{g.cpu - o.cpu, g.cycles - o.cycles} }

func benchGC() gcUse {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return gcUse{s[0].Value.Float64(), float64(s[1].Value.Uint64())}
}

// envCount returns the positive number the environment variable name
// gives, or def when it is unset.
func envCount(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// phasePeak returns this process's peak RSS since the last phasePeak or
// resetPeakRSS, and starts the next phase's (where /proc cannot reset
// it, the peak since the process started).
func phasePeak(b *testing.B) int64 {
	hwm := procStatus("VmHWM:")[0]
	resetPeakRSS()
	if hwm == 0 {
		return benchMaxRSS(b)
	}
	return hwm
}

// benchMaxRSS returns this process's peak resident set size in bytes.
func benchMaxRSS(b *testing.B) int64 {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// benchRSS returns this process's resident anonymous memory and resident
// file pages (the checkpoint's mapping) now, from /proc (0, 0 elsewhere).
func benchRSS() (anon, file int64) {
	m := procStatus("RssAnon:", "RssFile:")
	return m[0], m[1]
}

// benchHeapProfile writes a heap profile of the live objects to path.
func benchHeapProfile(b *testing.B, path string) {
	b.Helper()
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}
