package sandbox

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A local sandbox serves on loopback until stopped, then releases its data
// file: a second one starts on the same file.
func TestStartLocal(t *testing.T) {
	t.Parallel()
	data := DataFileBeside(filepath.Join(t.TempDir(), "run.db"))
	hc := &http.Client{Timeout: 10 * time.Second}
	for round := 1; round <= 2; round++ {
		url, stop, err := StartLocal(Options{DataFile: data})
		if err != nil {
			t.Fatalf("round %d: StartLocal: %v", round, err)
		}
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			stop()
			t.Fatalf("round %d: url %q is not on loopback", round, url)
		}
		resp, err := hc.Get(url + "/_sandbox/state")
		if err != nil {
			stop()
			t.Fatalf("round %d: %v", round, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("round %d: GET /_sandbox/state: %s, want 200 OK", round, resp.Status)
		}
		if err := stop(); err != nil {
			t.Errorf("round %d: stop: %v", round, err)
		}
		if resp, err := hc.Get(url + "/_sandbox/state"); err == nil {
			resp.Body.Close()
			t.Errorf("round %d: the sandbox still answers after stop: %s", round, resp.Status)
		}
	}
	if _, err := os.Stat(data); err != nil {
		t.Errorf("no data file: %v", err)
	}
}

func TestStartLocalBadOptions(t *testing.T) {
	t.Parallel()
	url, stop, err := StartLocal(Options{FailRate: 2})
	if err == nil {
		stop()
		t.Fatalf("StartLocal with a fail rate of 2 started at %s", url)
	}
	if !strings.HasPrefix(err.Error(), "sandbox: ") || strings.HasPrefix(err.Error(), "sandbox: sandbox:") {
		t.Errorf("error %q: want one sandbox: prefix", err)
	}
}

func TestDataFileBeside(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ path, want string }{
		{"", ""},
		{"run.db", "run.sandbox.db"},
		{filepath.Join("runs", "week1.db"), filepath.Join("runs", "week1.sandbox.db")},
		{filepath.Join("v1.2", "state"), filepath.Join("v1.2", "state.sandbox")},
	} {
		if got := DataFileBeside(c.path); got != c.want {
			t.Errorf("DataFileBeside(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}
