package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeTerminal is a terminal of a given width that records what a
// program's output does to it: the lines it ends (\n), and every time a
// character would be written past the last column, where a real terminal
// wraps onto a new line.
type fakeTerminal struct {
	width   int
	col     int
	lines   int // lines ended by \n
	wrapped int // characters that reached past the width
	longest int // the most columns one line took
}

func (ft *fakeTerminal) Write(b []byte) (int, error) {
	s := string(b)
	for i := 0; i < len(s); {
		switch s[i] {
		case '\r':
			ft.col = 0
			i++
			continue
		case '\n':
			ft.col = 0
			ft.lines++
			i++
			continue
		case 0x1b: // an escape sequence: ESC [ params final-byte
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		ft.col++
		ft.longest = max(ft.longest, ft.col)
		if ft.col >= ft.width { // the last column: the terminal wraps
			ft.wrapped++
		}
	}
	return len(b), nil
}

// The progress line fits any width of 40 columns or more: drawn into a
// fake terminal at 40, 60, 80 and 200 columns through a whole run (a
// million steps, errors, ports waiting), no character ever reaches the
// last column, where the terminal would wrap and the line flood the
// screen; and the run leaves one line only.
func TestProgressFitsWidth(t *testing.T) {
	t.Parallel()
	for _, width := range []int{40, 60, 80, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			ft := &fakeTerminal{width: width}
			const steps = 1_000_000
			p := NewProgress(ft, steps, func() int { return width }, true)
			clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			p.now = func() time.Time { return clock }
			p.bar = p.bar.Reset(clock)
			for i := 0; i <= 600; i++ {
				clock = clock.Add(250 * time.Millisecond)
				done := min(steps, i*1700)
				p.Update(Counts{Finished: done + i*4, Total: steps, Errors: i * 4, Waiting: 1234})
			}
			p.Finish()
			if ft.wrapped > 0 {
				t.Errorf("%d characters reached the last of %d columns (the longest line took %d)", ft.wrapped, width, ft.longest)
			}
			if ft.lines != 1 {
				t.Errorf("the run left %d lines, want 1", ft.lines)
			}
			if width >= 80 && ft.longest < width/2 {
				t.Errorf("the line takes %d of %d columns: parts are left out that fit", ft.longest, width)
			}
		})
	}
}

// The line ends on a line of its own, drawn as the run left it.
func TestProgressFinish(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		counts Counts
		want   string
	}{
		{"every step finished", Counts{Finished: 10, Total: 10, Errors: 3}, "10/10 steps 100%"},
		{"ports still waiting", Counts{Finished: 6, Total: 10, Waiting: 4}, "6/10 steps 60%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			p := NewProgress(&b, c.counts.Total, func() int { return 120 }, false)
			p.Update(c.counts)
			p.Finish()
			out := b.String()
			if !strings.Contains(out, c.want) {
				t.Errorf("the last drawing does not say %q:\n%q", c.want, out)
			}
			if c.counts.Errors > 0 && !strings.Contains(out, fmt.Sprintf("%d errors", c.counts.Errors)) {
				t.Errorf("the line does not count the errors:\n%q", out)
			}
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("the line is not ended on its writer:\n%q", out)
			}
		})
	}
}

// A zero Progress (no terminal, --quiet, JSON log) draws nothing.
func TestProgressZero(t *testing.T) {
	t.Parallel()
	var p Progress
	p.Update(Counts{Finished: 1, Total: 1})
	p.Pause()
	p.Finish()
	if p.last.Load() != nil {
		t.Errorf("a zero progress kept the counts")
	}
}
