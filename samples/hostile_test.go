package samples

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"telegent-bulk/samples/samplegen"
)

// The hostile corpus through the built binary: each file must end in at
// most hostileSeconds with a peak resident size of at most hostileRSS and
// the message the case expects. make bench-hostile runs it:
//
//	TELEGENT_BIN=bin/telegent-bulk TELEGENT_HOSTILE_DIR=DIR go test -run '^$' -bench Hostile -benchtime 1x ./samples/
//
// with DIR written by go run ./samples/gen -hostile DIR (the benchmark
// writes the corpus into a temporary folder when DIR is not set).
const (
	hostileSeconds = 60
	hostileRSS     = 1 << 30
)

func BenchmarkHostile(b *testing.B) {
	bin := os.Getenv("TELEGENT_BIN")
	if bin == "" {
		b.Skip("set TELEGENT_BIN to the built binary (make bench-hostile)")
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("TELEGENT_HOSTILE_DIR")
	var cases []samplegen.HostileCase
	if dir == "" {
		if cases, err = samplegen.WriteHostile(b.TempDir()); err != nil {
			b.Fatal(err)
		}
	} else {
		cases = samplegen.HostileCorpus(dir)
	}
	for range b.N {
		var table strings.Builder
		fmt.Fprintf(&table, "%-26s %8s %10s %4s  %s\n", "case", "seconds", "peak RSS", "exit", "message")
		for _, c := range cases {
			r := runHostile(b, bin, c)
			fmt.Fprintf(&table, "%-26s %8.2f %7.0f MB %4d  %s\n", c.Name, r.seconds, float64(r.maxRSS)/(1<<20), r.exit, r.message)
			switch {
			case r.exit != c.Exit:
				b.Errorf("%s: exit %d, want %d; output:\n%s", c.Name, r.exit, c.Exit, r.output)
			case r.message == "":
				b.Errorf("%s: no line with %q in the output:\n%s", c.Name, c.Want, r.output)
			}
			if r.seconds > hostileSeconds || r.maxRSS > hostileRSS {
				b.Errorf("%s: %.1f s, %d MB peak RSS; want at most %d s and %d MB",
					c.Name, r.seconds, r.maxRSS>>20, hostileSeconds, hostileRSS>>20)
			}
		}
		// Printed, not logged: a benchmark's log is cut after ten lines.
		fmt.Printf("telegent-bulk validate on the hostile corpus:\n%s", table.String())
	}
}

// hostileRun is what one validate of a hostile file did.
type hostileRun struct {
	seconds float64
	maxRSS  int64 // bytes
	exit    int
	message string // the output's line holding the case's Want, shortened
	output  string
}

// runHostile runs validate on the case's file as a child process, and
// reads its peak resident size from the child's own resource usage.
func runHostile(b *testing.B, bin string, c samplegen.HostileCase) hostileRun {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "validate", c.Path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := hostileRun{seconds: time.Since(start).Seconds(), output: out.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.exit = exit.ExitCode()
	case err != nil:
		b.Fatalf("%s: %v", c.Name, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = int64(ru.Maxrss) << 10 // kilobytes on Linux
	}
	for _, line := range strings.Split(r.output, "\n") {
		if strings.Contains(line, c.Want) {
			r.message = shorten(strings.TrimSpace(line), 150)
			break
		}
	}
	return r
}

// shorten keeps the end of a long line, where the message is: the start
// is the file's path.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
