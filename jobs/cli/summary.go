package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary is what the last lines of a run tell: its rows by status, apart
// from its steps and calls; why it stopped early; the files it wrote; what
// to do next.
type Summary struct {
	Rows, Done, Failed, Skipped, Attention, Waiting, Cancelled, Pending int
	Steps, Calls                                                        int
	Elapsed                                                             time.Duration
	Stopped                                                             string
	Results, Failures                                                   []string // the files written
	Next                                                                string
	Colour                                                              bool
}

// WriteSummary writes s: "42 rows: 38 done, 1 failed, 3 skipped — 96
// steps, 115 calls in 8.0 s", then the rest, a line each.
func WriteSummary(w io.Writer, s Summary) {
	parts := []string{Paint("done", fmt.Sprintf("%d done", s.Done), s.Colour)}
	for _, c := range []struct {
		n           int
		state, text string
	}{
		{s.Failed, "failed", "failed"}, {s.Skipped, "skipped", "skipped"}, {s.Attention, "needs attention", "need attention"},
		{s.Waiting, "waiting", "waiting"}, {s.Cancelled, "cancelled", "cancelled"}, {s.Pending, "", "not run yet"},
	} {
		if c.n > 0 {
			parts = append(parts, Paint(c.state, fmt.Sprintf("%d %s", c.n, c.text), s.Colour))
		}
	}
	fmt.Fprintf(w, "%d rows: %s — %d steps, %d calls in %s\n", s.Rows, strings.Join(parts, ", "), s.Steps, s.Calls,
		seconds(s.Elapsed))
	if s.Stopped != "" {
		fmt.Fprintln(w, s.Stopped)
	}
	fmt.Fprintf(w, "results: %s\n", strings.Join(s.Results, ", "))
	if len(s.Failures) > 0 {
		fmt.Fprintf(w, "failures: %s (only the rows to fix, with their Error)\n", strings.Join(s.Failures, ", "))
	}
	if s.Next != "" {
		fmt.Fprintf(w, "next: %s\n", s.Next)
	}
}

// seconds shows a run's time: 8.0 s, 2m05s.
func seconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return Duration(d)
}
