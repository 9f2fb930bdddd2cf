package jobs_test

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// BenchmarkWriteResultsCheckpoint writes the results workbook (XLSX) of a
// synthetic manifest of TELEGENT_BENCH_LINES lines (default 100,000) from
// a real checkpoint holding the record a successful run writes for every
// step, and reports what the results path costs: its wall time and the
// process's CPU time meanwhile (user + system: nothing else runs in it),
// the bytes and allocations it makes per results row, the most its heap
// grew over the live plan (sampled every 10 ms), and the process's RSS at
// its start and at its peak. make bench-results-run runs it at 1M lines.
//
// TELEGENT_BENCH_RESULTS_DIR keeps the manifest and the checkpoint there,
// per line count, so that runs after the first skip building them (remove
// it when the synthetic manifest or doneRecord changes).
func BenchmarkWriteResultsCheckpoint(b *testing.B) {
	lines := envCount(b, "TELEGENT_BENCH_LINES", 100_000)
	dir := b.TempDir()
	if d := os.Getenv("TELEGENT_BENCH_RESULTS_DIR"); d != "" {
		dir = filepath.Join(d, strconv.Itoa(lines))
	}
	manifest, state := filepath.Join(dir, "manifest"), filepath.Join(dir, "run.db")
	p := benchResultsFixture(b, manifest, state, lines)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true}) // no backup running beside the results
		if err != nil {
			b.Fatal(err)
		}
		// Open checks the whole file through its mapping; a first read
		// gives those pages back, as the reads of a run do long before its
		// results are written.
		if _, _, err := s.Get(checkpoint.Key(p.Key(0))); err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(b.TempDir(), "results-"+strconv.Itoa(i)+".xlsx")
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		_, rss0, _ := procMemory()
		live := heapObjects()
		peak := sampleHeap(10 * time.Millisecond)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := benchCPU(b)
		b.StartTimer()
		start := time.Now()
		w, err := sheets.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		if err := jobs.WriteResults(p, s, w, jobs.Results{Packages: benchPackages}); err != nil {
			b.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		cpu := benchCPU(b) - cpu0
		runtime.ReadMemStats(&m1)
		grown := peak() - live
		hwm, _, anon := procMemory()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		rows := float64(len(p.Rows))
		b.ReportMetric(rows, "rows")
		b.ReportMetric(took.Seconds(), "results-s")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/rows, "B/row")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/rows, "allocs/row")
		b.ReportMetric(float64(live)/(1<<20), "live-plan-MB")
		b.ReportMetric(float64(grown)/(1<<20), "heap-growth-MB")
		b.ReportMetric(float64(m1.NumGC-m0.NumGC), "gcs")
		if hwm > 0 {
			b.ReportMetric(float64(rss0)/(1<<20), "start-rss-MB")
			b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MB")
			b.ReportMetric(float64(anon)/(1<<20), "end-anon-MB")
		}
		os.Remove(out)
	}
}

// benchPackages is the sandbox's catalog, which the synthetic manifest's
// Package cells name (by name or by ID).
var benchPackages = []telegent.Package{
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000001", PackageName: "Starter 1GB", Price: 15.00, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000002", PackageName: "Family 10GB", Price: 39.99, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000003", PackageName: "Unlimited Premium", Price: 69.99, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000004", PackageName: "IoT Data 500MB", Price: 5.00, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000005", PackageName: "Travel Pass 5GB", Price: 25.00, Active: true},
}

// benchResultsFixture returns the plan of the synthetic manifest of n
// lines at manifest, and leaves at state a closed checkpoint with the
// record of every step done; both are written when missing.
func benchResultsFixture(b *testing.B, manifest, state string, n int) *plan.Plan {
	b.Helper()
	if _, err := os.Stat(manifest); err != nil {
		if err := os.MkdirAll(filepath.Dir(manifest), 0o755); err != nil {
			b.Fatal(err)
		}
		if _, err := samplegen.WriteSynthetic(manifest, n, "csv"); err != nil {
			b.Fatal(err)
		}
		os.Remove(state)
	}
	p := loadPlan(b, manifest)
	if _, err := os.Stat(state); err == nil {
		return p
	}
	start := time.Now()
	tmp := state + ".part"
	os.Remove(tmp)
	s, err := checkpoint.Open(tmp, checkpoint.Options{BatchSize: 20_000, BatchInterval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SetMeta(checkpoint.Meta{ToolVersion: "bench", Runs: 1, CreatedAt: start, StartedAt: start}); err != nil {
		b.Fatal(err)
	}
	for i := range p.Steps {
		if err := s.Put(doneRecord(p, plan.StepID(i), start)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, state); err != nil {
		b.Fatal(err)
	}
	os.Rename(checkpoint.BackupPath(tmp), checkpoint.BackupPath(state))
	b.Logf("checkpoint of %d steps written in %s", len(p.Steps), time.Since(start).Round(time.Millisecond))
	return p
}

// doneRecord is the record a successful run leaves for step i: the IDs
// and facts its call obtained, in the columns the runner writes them to
// (requests.go, requests_lines.go, packages.go, portin.go, portout.go,
// portstatus.go), and its fingerprints, attempt and times.
func doneRecord(p *plan.Plan, i plan.StepID, at time.Time) checkpoint.Record {
	st := &p.Steps[i]
	row := &p.Rows[st.Row]
	id := func(prefix string) string { return prefix + "-" + strconv.Itoa(int(st.Row)) }
	number := "+1555" + strconv.Itoa(7_000_000+int(st.Row))
	if row.Kind == plan.PortIns {
		number = row.Key
	}
	at = at.Add(time.Duration(i) * time.Millisecond)
	stamp := at.UTC().Format(time.RFC3339)
	rec := checkpoint.Record{Key: checkpoint.Key(p.Key(i)), State: checkpoint.Done, Attempts: 1,
		StartedAt: at, UpdatedAt: at.Add(40 * time.Millisecond), Fingerprint: "fp-" + strconv.Itoa(int(i))}
	switch st.Action {
	case plan.AccountCreate:
		rec.IDs = map[string]string{"AccountId": id("ACC")}
	case plan.SubscriberCreate:
		rec.IDs = map[string]string{"SubscriberId": id("SUB"), "AccountId": id("ACC")}
		rec.SecretMAC = "mac-" + strconv.Itoa(int(i))
	case plan.MessageRouteCreate:
		rec.IDs = map[string]string{"MessageRouteId": id("MR")}
		rec.SecretMAC = "mac-" + strconv.Itoa(int(i))
	case plan.VoiceRouteCreate:
		rec.IDs = map[string]string{"CallRouteId": id("CR")}
		rec.SecretMAC = "mac-" + strconv.Itoa(int(i))
	case plan.NumberProvision:
		rec.IDs = map[string]string{"PhoneNumberId": id("NID"), "PhoneNumber": number, "OrderId": id("ORD"),
			"SubscriberId": id("SUB"), "QRCode": "LPA:1$smdp.example$" + id("QR")}
	case plan.NumberBind:
		rec.IDs = map[string]string{"PhoneNumberId": id("NID"), "PhoneNumber": number, "SubscriberId": id("SUB")}
	case plan.SubscriptionCreate:
		pk := benchPackages[int(st.Row)%len(benchPackages)]
		charge := "one-time"
		if pk.Monthly {
			charge = "recurring"
		}
		rec.IDs = map[string]string{"SubscriptionId": id("SBN"), "PackageId": pk.PackageId}
		rec.Data = map[string]string{"PackageName": pk.PackageName, "Price": strconv.FormatFloat(pk.Price, 'f', 2, 64),
			"Charge": charge}
	case plan.MessageFilterCreate:
		rec.IDs = map[string]string{"FilterId": id("FLT")}
	case plan.PortInEligibility:
		rec.Data = map[string]string{"Eligible": "yes", "CurrentCarrier": "Carrier " + strconv.Itoa(int(st.Row)%7),
			"Message": "eligible for port-in"}
	case plan.PortInSubmit:
		rec.IDs = map[string]string{"OrderId": id("PIN"), "PhoneNumber": number}
		rec.Data = map[string]string{"PortStatus": "SUBMITTED", "SubmittedAt": stamp, "SentAt": stamp,
			"UpdateFieldsSent": "fields-" + strconv.Itoa(int(i)), "OrderBefore": ""}
		rec.SecretMAC = "mac-" + strconv.Itoa(int(i))
	case plan.PortInMonitor:
		done := at.Add(72 * time.Hour).UTC().Format(time.RFC3339)
		rec.IDs = map[string]string{"OrderId": id("PIN"), "PhoneNumberId": id("NID")}
		rec.Data = map[string]string{"PortStatus": "COMPLETED", "PortCompletedAt": done,
			"StatusChangedRun": "1", "StatusChangedAt": done}
		rec.Attempts = 12
	case plan.PortOutIssue:
		rec.IDs = map[string]string{"OrderId": id("POUT")}
		rec.Data = map[string]string{"PortStatus": "OPEN", "OrderBefore": ""}
		rec.SecretMAC = "mac-" + strconv.Itoa(int(i))
	case plan.PortOutMonitor:
		rec.IDs = map[string]string{"OrderId": id("POUT")}
		rec.Data = map[string]string{"PortOutStatus": "COMPLETED", "PortOutCompletedAt": stamp,
			"StatusChangedRun": "1", "StatusChangedAt": stamp}
	}
	return rec
}

// heapObjects returns the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap samples heapObjects every interval until the function it
// returns is called, which returns the largest sample.
func sampleHeap(interval time.Duration) func() uint64 {
	var (
		mu   sync.Mutex
		peak = heapObjects()
	)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				v := heapObjects()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return max(peak, heapObjects())
	}
}

// resetPeakRSS resets the kernel's peak RSS of this process (VmHWM), so
// that procMemory tells the peak from now on (Linux only; elsewhere a
// no-op).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procMemory returns this process's peak RSS since resetPeakRSS, its RSS
// now and its resident anonymous memory now, from /proc (zeros elsewhere).
func procMemory() (hwm, rss, anon int64) {
	m := procStatus("VmHWM:", "VmRSS:", "RssAnon:")
	return m[0], m[1], m[2]
}

// procStatus returns the sizes in bytes that /proc/self/status gives for
// fields, in their order (zeros where there is no such file or field).
func procStatus(fields ...string) []int64 {
	out := make([]int64, len(fields))
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if i := slices.Index(fields, f[0]); i >= 0 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			out[i] = kb * 1024
		}
	}
	return out
}
