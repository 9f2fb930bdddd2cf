package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
)

// A run that cannot write its progress file (here a folder has its name)
// writes the progress to the fallback file instead, owner-only, saying
// why; ReadLive finds it there. Both go when the run ends, the folder
// stays.
func TestLiveProgressFallback(t *testing.T) {
	t.Parallel()
	const n = "+18015551209"
	l := newLifecycle(t)
	l.run(lifeRow{number: n}) // writes the manifest; the order stays open
	live := jobs.LivePath(l.state)
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	fallback := filepath.Join(t.TempDir(), "progress", "run.json")
	var got jobs.Live
	var readErr error
	var mode os.FileMode
	o := jobs.Options{LiveFile: live, LiveFallback: fallback, Poll: time.Hour, OnEvent: func(jobs.Event) {
		if got.PID != 0 || readErr != nil {
			return
		}
		got, readErr = jobs.ReadLive(live, fallback)
		if fi, err := os.Stat(fallback); err == nil {
			mode = fi.Mode().Perm()
		}
	}}
	if _, err := l.e.run(context.Background(), loadPlan(t, filepath.Join(l.e.dir, "manifest")), l.state, l.c, o); err != nil {
		t.Fatal(err)
	}
	if readErr != nil {
		t.Fatalf("during the run: %v", readErr)
	}
	want := "the running process cannot write its progress file " + live + ": "
	if !strings.HasPrefix(got.Problem, want) {
		t.Errorf("Problem = %q, want it to start %q", got.Problem, want)
	}
	if got.PID != os.Getpid() || got.Counts["portins"][checkpoint.Waiting]+got.Counts["portins"][checkpoint.Pending] == 0 {
		t.Errorf("progress in the fallback: %+v, want this process and the port-in's steps", got)
	}
	if mode != 0o600 {
		t.Errorf("fallback file mode %v, want 0600", mode)
	}
	if _, err := os.Stat(fallback); !os.IsNotExist(err) {
		t.Errorf("the fallback file is still there after the run: %v", err)
	}
	if fi, err := os.Stat(live); err != nil || !fi.IsDir() {
		t.Errorf("the folder in the progress file's place: %v, want it left alone", err)
	}
}

// A temporary file left by a killed run, readable by others, does not make
// the progress file readable by others.
func TestLiveProgressOwnerOnly(t *testing.T) {
	t.Parallel()
	const n = "+18015551210"
	l := newLifecycle(t)
	l.run(lifeRow{number: n})
	live := jobs.LivePath(l.state)
	if err := os.WriteFile(live+".tmp", []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(live+".tmp", 0o644); err != nil {
		t.Fatal(err)
	}
	var mode os.FileMode
	o := jobs.Options{LiveFile: live, Poll: time.Hour, OnEvent: func(jobs.Event) {
		if fi, err := os.Stat(live); err == nil && mode == 0 {
			mode = fi.Mode().Perm()
		}
	}}
	if _, err := l.e.run(context.Background(), loadPlan(t, filepath.Join(l.e.dir, "manifest")), l.state, l.c, o); err != nil {
		t.Fatal(err)
	}
	if mode != 0o600 {
		t.Errorf("progress file mode %v, want 0600", mode)
	}
}
