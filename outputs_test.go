//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
)

// Every file a run leaves holds names, e-mails, addresses or IDs: the
// checkpoint, the sandbox's data file, the results (XLSX and CSV) and the
// eligibility sheet are their owner's only under a permissive umask. Not
// parallel: the umask is the process's.
func TestOutputsOwnerOnly(t *testing.T) {
	noRealAPI(t)
	defer syscall.Umask(syscall.Umask(0))
	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	for _, out := range []string{"results.xlsx", "results.csv"} {
		res := runCLIProc(t, sandboxRunArgs(sampleMigration, state, filepath.Join(dir, out), "--quiet")...)
		if res.code != exitRowsFailed {
			t.Fatalf("run --out %s: exit %d, want %d (the sample's bad port-ins fail)\n%s", out, res.code, exitRowsFailed, res.stderr)
		}
	}
	res := runCLIProc(t, "plan", sampleMigration, "--check-eligibility", "--sandbox", "--out", filepath.Join(dir, "eligibility.xlsx"))
	if res.code != exitRowsFailed {
		t.Fatalf("plan --check-eligibility: exit %d\n%s", res.code, res.stderr)
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		seen[filepath.Ext(path)] = true
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !seen[".db"] || !seen[".xlsx"] || !seen[".csv"] {
		t.Errorf("files seen by extension: %v, want the checkpoint, workbooks and CSV files", seen)
	}
}

// --out is checked whole before anything is created or sent: its name,
// that it is not a folder, and its folder.
func TestOutCheckedFirst(t *testing.T) {
	noRealAPI(t)
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no", http.StatusUnauthorized) // ends a run at once, should one start
	}))
	defer api.Close()
	t.Setenv("TELEGENT_ACCOUNT_KEY", "key")
	t.Setenv("TELEGENT_ACCOUNT_SECRET", "secret-never-sent")
	tests := []struct {
		name    string
		out     func(dir string) string
		wantErr []string
	}{
		{"another extension", func(dir string) string { return filepath.Join(dir, "results.txt") },
			[]string{"results.txt", "must end in .xlsx", ".csv"}},
		{"no extension", func(dir string) string { return filepath.Join(dir, "results") },
			[]string{"must end in .xlsx", ".csv"}},
		{"a folder", func(dir string) string {
			p := filepath.Join(dir, "results.xlsx")
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"results.xlsx", "is a folder"}},
		{"a missing folder", func(dir string) string { return filepath.Join(dir, "nowhere", "results.xlsx") },
			[]string{"no folder", "nowhere"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "run.db")
			res := runCLIProc(t, "run", sampleMigration, "--api", api.URL, "--state", state, "--out", tt.out(dir), "--quiet")
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d\n%s", res.code, exitUsage, res.stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
				}
			}
			if _, err := os.Stat(state); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the checkpoint was created: %v", err)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the API got %d requests, want none", n)
	}
}

// A plain-http API elsewhere would get the account secret in clear: it is
// refused unless --allow-http; this machine is fine over http.
func TestPlainHTTP(t *testing.T) {
	tests := []struct {
		base  string
		allow bool
		ok    bool
	}{
		{"https://api.telegent.example", false, true},
		{"http://api.telegent.example", false, false},
		{"HTTP://api.telegent.example:8080/v1.0", false, false},
		{"http://10.1.2.3:8080", false, false},
		{"http://api.telegent.example", true, true},
		{"http://localhost:8765", false, true},
		{"http://LOCALHOST.", false, true},
		{"http://127.0.0.1:8765", false, true},
		{"http://127.8.9.10", false, true},
		{"http://[::1]:8765", false, true},
		{"http://[::2]:8765", false, false},
		{"http://localhost.example.com", false, false},
		{"http://0.0.0.0:8765", false, false},
	}
	for _, tt := range tests {
		err := checkScheme(tt.base, tt.allow)
		if (err == nil) != tt.ok {
			t.Errorf("checkScheme(%q, allow %v) = %v, want ok %v", tt.base, tt.allow, err, tt.ok)
		}
	}

	// The CLI refuses before anything is sent. 0.0.0.0 is not a loopback
	// address, but a broken check would still send nothing off this machine.
	const remote = "http://0.0.0.0:1"
	noRealAPI(t)
	t.Setenv("TELEGENT_ACCOUNT_KEY", "key")
	t.Setenv("TELEGENT_ACCOUNT_SECRET", "secret-never-sent")
	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	for _, args := range [][]string{
		{"run", sampleMigration, "--api", remote, "--state", state, "--out", filepath.Join(dir, "r.xlsx")},
		{"plan", sampleMigration, "--check-eligibility", "--api", remote, "--out", filepath.Join(dir, "e.xlsx")},
	} {
		res := runCLIProc(t, args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, "in clear") || !strings.Contains(res.stderr, "--allow-http") {
			t.Errorf("%s: exit %d, want %d saying why and naming --allow-http\n%s", args[0], res.code, exitUsage, res.stderr)
		}
	}
	t.Setenv("TELEGENT_API_URL", remote)
	res := runCLIProc(t, "run", sampleMigration, "--state", state, "--out", filepath.Join(dir, "r.xlsx"))
	if res.code != exitUsage || !strings.Contains(res.stderr, "in clear") {
		t.Errorf("TELEGENT_API_URL over http: exit %d, want %d\n%s", res.code, exitUsage, res.stderr)
	}
	if _, err := os.Stat(state); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the checkpoint was created: %v", err)
	}
}

// A run that cannot write its progress file writes it to the fallback
// with the reason (jobs.TestLiveProgressFallback); status, finding the
// checkpoint held, shows that progress and says why.
func TestStatusSaysWhyProgressIsElsewhere(t *testing.T) {
	noRealAPI(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	state := filepath.Join(t.TempDir(), "run.db")
	holdState(t, state)
	problem := "the running process cannot write its progress file " + jobs.LivePath(state) + ": permission denied"
	now := time.Now()
	live := jobs.Live{PID: 4242, StartedAt: now.Add(-time.Minute), UpdatedAt: now, Problem: problem,
		Counts: jobs.StepCounts{"subscribers": {checkpoint.Done: 2, checkpoint.Pending: 3}}}
	b, err := json.Marshal(live)
	if err != nil {
		t.Fatal(err)
	}
	fallback := jobs.LiveFallbackPath(state)
	if err := os.MkdirAll(filepath.Dir(fallback), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fallback, b, 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCLIProc(t, "status", "--state", state)
	if res.code != exitOK {
		t.Fatalf("status: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{problem, "a run is in progress (pid 4242", "subscribers"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("status does not say %q:\n%s", want, res.stdout)
		}
	}
	if c := statusCounts(t, res.stdout[strings.Index(res.stdout, "KIND"):]); c["subscribers"]["pending"] != 3 {
		t.Errorf("status counts %v, want the progress's", c)
	}
}
