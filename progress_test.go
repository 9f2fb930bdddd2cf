package main

import (
	"bytes"
	"strings"
	"testing"

	"telegent-bulk/jobs"
)

// The bar ends full, on a line of its own, only when every step finished;
// a run that leaves steps unfinished leaves it where it was.
func TestProgressFinish(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		totals   jobs.Totals
		wantFull bool
	}{
		{"every step finished", jobs.Totals{Steps: 10, Done: 7, Failed: 2, Attention: 1}, true},
		{"ports still waiting", jobs.Totals{Steps: 10, Done: 6, Waiting: 4}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			p := newProgress(&b, c.totals.Steps)
			p.event(jobs.Event{Totals: c.totals})
			p.finish()
			out := b.String()
			if full := strings.Contains(out, "(10/10"); full != c.wantFull {
				t.Errorf("bar drawn full %v, want %v:\n%q", full, c.wantFull, out)
			}
			if c.wantFull && !strings.Contains(out, "3 errors") {
				t.Errorf("the bar does not count the failed and attention steps as errors:\n%q", out)
			}
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("the bar's line is not ended on its writer:\n%q", out)
			}
		})
	}
}

// A zero progress (no terminal, --quiet, JSON log) draws nothing.
func TestProgressZero(t *testing.T) {
	t.Parallel()
	var p progress
	p.event(jobs.Event{Totals: jobs.Totals{Steps: 1, Done: 1}})
	p.pause()
	p.finish()
	if p.last.Load() != nil {
		t.Errorf("a zero progress kept the totals")
	}
}
