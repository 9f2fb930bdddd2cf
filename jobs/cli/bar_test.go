package cli

import (
	"strings"
	"testing"
	"time"
)

// The line never takes the last column, and leaves parts out as the
// width shrinks: the bar first, then the ETA and rate, never the count.
func TestLineFitsWidth(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Counts{Finished: 123456, Total: 1000000, Errors: 4321, Waiting: 987}
	for w := 20; w <= 250; w++ {
		b := NewBar(start)
		b.Colour = true
		line := b.Line(c, start.Add(30*time.Second), w)
		if n := visible(line); n >= w {
			t.Errorf("width %d: the line takes %d columns: %q", w, n, line)
		}
		if w >= 40 && !strings.Contains(line, "123456/1000000 steps 12%") {
			t.Errorf("width %d: no count in %q", w, line)
		}
		if w >= 120 && (!strings.Contains(line, "[") || !strings.Contains(line, "ETA ")) {
			t.Errorf("width %d: parts left out that fit: %q", w, line)
		}
	}
}

// The ETA holds steady when the rate comes in bursts: steps finish 5 and
// 15 a second by turns (10 on average); after the first seconds, the ETA
// stays within a fifth of the true one, where the last second's rate
// alone would make it swing threefold.
func TestETASmoothed(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBar(start)
	const total = 10000
	done := 0
	for s := 1; s <= 300; s++ {
		if s%2 == 0 {
			done += 15
		} else {
			done += 5
		}
		now := start.Add(time.Duration(s) * time.Second)
		line := b.Line(Counts{Finished: done, Total: total}, now, 200)
		if s < 10 {
			continue
		}
		truth := float64(total-done) / 10
		i := strings.Index(line, "ETA ")
		if i < 0 {
			t.Fatalf("second %d: no ETA in %q", s, line)
		}
		eta, err := time.ParseDuration(strings.Fields(line[i+4:])[0])
		if err != nil {
			t.Fatalf("second %d: ETA in %q: %v", s, line, err)
		}
		if got := eta.Seconds(); got < truth*0.8 || got > truth*1.2 {
			t.Errorf("second %d: ETA %s, the true one %.0fs", s, eta, truth)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{45 * time.Second: "45s", 200 * time.Second: "3m20s", 125 * time.Minute: "2h05m"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%s) = %s, want %s", d, got, want)
		}
	}
}

// Paint colours only when on, and only the states it knows.
func TestPaint(t *testing.T) {
	if got := Paint("done", "3", true); got != "\x1b[32m3\x1b[0m" {
		t.Errorf("Paint(done) = %q", got)
	}
	if got := Paint("pending", "3", true); got != "3" {
		t.Errorf("Paint(pending) = %q", got)
	}
	if got := Paint("failed", "3", false); got != "3" {
		t.Errorf("Paint off = %q", got)
	}
}
