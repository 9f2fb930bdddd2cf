package cli

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Counts are what the progress line shows: steps finished of all, the
// errors among them, and port orders still waiting.
type Counts struct {
	Finished, Total int
	Errors, Waiting int
}

// Bar draws a one-line progress display that fits the terminal's width:
// it never writes more columns than the width less one (a terminal that
// reaches its last column wraps), and it leaves parts out when the line is
// narrow: first the ETA and the rate, then the waiting ports, then the bar
// itself. Its rate and ETA are smoothed: the rate is the average since the
// start for the first seconds, then an exponential average over about
// half a minute, so that a burst or a lull does not swing the ETA.
type Bar struct {
	Colour bool // colour the errors (see Paint)

	start    time.Time
	last     time.Time // when the rate was last sampled
	lastDone int
	rate     float64 // smoothed steps per second; 0 before the first sample
}

// NewBar returns a bar whose run started at start.
func NewBar(start time.Time) *Bar { return &Bar{start: start, last: start} }

const (
	rateWarmUp = 5 * time.Second  // the average since the start is used until then
	rateTau    = 30 * time.Second // time constant of the exponential average after
)

// observe adds the count of finished steps at now to the rate.
func (b *Bar) observe(finished int, now time.Time) {
	since := now.Sub(b.start)
	if since <= 0 {
		return
	}
	if since < rateWarmUp || b.rate == 0 {
		b.rate = float64(finished) / since.Seconds()
		b.last, b.lastDone = now, finished
		return
	}
	dt := now.Sub(b.last)
	if dt < time.Second {
		return // samples closer than a second are too noisy
	}
	inst := float64(finished-b.lastDone) / dt.Seconds()
	a := 1 - math.Exp(-dt.Seconds()/rateTau.Seconds())
	b.rate += a * (inst - b.rate)
	b.last, b.lastDone = now, finished
}

// Line returns the progress line for c at now, at most width-1 columns
// wide (nothing for a width under 20; the count alone, shortened, under
// about 40). Call it with the counts as they
// come: it samples the rate too.
func (b *Bar) Line(c Counts, now time.Time, width int) string {
	b.observe(c.Finished, now)
	avail := width - 1
	if avail < 19 {
		return ""
	}
	pct := 0
	if c.Total > 0 {
		pct = c.Finished * 100 / c.Total
	}
	count := fmt.Sprintf("%d/%d steps %d%%", c.Finished, c.Total, pct)
	for _, shorter := range []string{fmt.Sprintf("%d/%d %d%%", c.Finished, c.Total, pct), fmt.Sprintf("%d%%", pct)} {
		if visible(count) <= avail {
			break
		}
		count = shorter
	}
	// Optional parts, most wanted first.
	var opt []string
	if c.Errors > 0 {
		opt = append(opt, Paint("failed", fmt.Sprintf("%d errors", c.Errors), b.Colour))
	}
	if c.Waiting > 0 {
		opt = append(opt, fmt.Sprintf("%d ports waiting", c.Waiting))
	}
	if b.rate > 0 && now.Sub(b.start) >= time.Second {
		opt = append(opt, rateText(b.rate))
		if left := c.Total - c.Finished - c.Waiting; left > 0 {
			opt = append(opt, "ETA "+Duration(time.Duration(float64(left)/b.rate*float64(time.Second))))
		}
	}
	// Keep as many optional parts as fit beside the count, then give the
	// bar what is left if that is at least 10 columns.
	parts := []string{count}
	used := visible(count)
	for _, p := range opt {
		if used+3+visible(p) > avail {
			break
		}
		parts = append(parts, p)
		used += 3 + visible(p)
	}
	text := strings.Join(parts, " · ")
	if room := avail - used - 1; room >= 12 {
		inner := min(room-2, 40)
		full := 0
		if c.Total > 0 {
			full = inner * c.Finished / c.Total
		}
		text = "[" + strings.Repeat("=", full) + strings.Repeat(" ", inner-full) + "] " + text
	}
	return text
}

// rateText shows a rate of steps per second with a precision that suits it.
func rateText(r float64) string {
	switch {
	case r >= 10:
		return fmt.Sprintf("%.0f/s", r)
	case r >= 1:
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.0f/min", r*60)
}

// Duration shows d as a person reads it: 45s, 3m20s, 2h05m.
func Duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// visible is the number of columns s takes: its characters but the
// escape sequences of colours.
func visible(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := strings.IndexByte(s[i:], 'm')
			if j < 0 {
				break
			}
			i += j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// Reset starts the bar again for a run that started at start.
func (b *Bar) Reset(start time.Time) *Bar {
	return &Bar{Colour: b.Colour, start: start, last: start}
}
