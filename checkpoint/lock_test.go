package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// holdEnv makes the test binary a lock holder instead of running tests:
// "rw:PATH" or "ro:PATH".
const holdEnv = "CHECKPOINT_TEST_HOLD"

func TestMain(m *testing.M) {
	if v := os.Getenv(holdEnv); v != "" {
		os.Exit(hold(v))
	}
	code := m.Run()
	removeFixtures()
	os.Exit(code)
}

// hold opens the store, says "holding" on stdout, and keeps the store
// open until stdin is closed.
func hold(v string) int {
	mode, path, _ := strings.Cut(v, ":")
	s, err := Open(path, Options{ReadOnly: mode == "ro"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("holding")
	io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// holdInChild opens path in another process and returns once that
// process holds it. The returned function makes it close and exit.
func holdInChild(t *testing.T, path string, readOnly bool) (release func()) {
	t.Helper()
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// A race-enabled child would otherwise pause a second before exiting.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), holdEnv+"="+mode+":"+path, "GORACE="+gorace)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("lock holder: %v: %s", err, stderr.String())
			}
		})
	}
	t.Cleanup(release)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "holding\n" {
		release()
		t.Fatalf("lock holder did not start: %q, %v", line, err)
	}
	return release
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		child, parent bool // read-only
		locked        bool
	}{
		{child: false, parent: false, locked: true},
		{child: false, parent: true, locked: true},
		{child: true, parent: false, locked: true},
		{child: true, parent: true, locked: false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("child_readonly=%v/readonly=%v", tt.child, tt.parent), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PutSync(sample("a")); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			release := holdInChild(t, path, tt.child)
			s, err = Open(path, Options{ReadOnly: tt.parent, LockTimeout: 20 * time.Millisecond})
			if !tt.locked {
				if err != nil {
					t.Fatalf("Open = %v, want a shared read-only open", err)
				}
				mustGet(t, s, "a")
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded while another process holds the file")
			}
			if !errors.Is(err, ErrLocked) {
				t.Errorf("Open = %v, want ErrLocked", err)
			}
			if want := "another run is using " + path; err.Error() != want {
				t.Errorf("message = %q, want %q", err, want)
			}

			release()
			s, err = Open(path, Options{ReadOnly: tt.parent, LockTimeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatalf("Open after the other process exited = %v", err)
			}
			mustGet(t, s, "a")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
