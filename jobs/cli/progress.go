package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Progress draws the progress line of a run on a terminal, over and over
// on one line; a zero Progress draws nothing. Its methods may be called
// from several goroutines.
type Progress struct {
	w      io.Writer  // where the line is drawn
	width  func() int // the terminal's width, asked at every drawing (it may change)
	now    func() time.Time
	total  int
	mu     sync.Mutex
	bar    *Bar
	drawn  time.Time // when the line was last drawn
	paused atomic.Bool
	last   atomic.Pointer[Counts]
}

// drawEvery is the least time between two drawings of the line.
const drawEvery = 200 * time.Millisecond

// NewProgress returns the progress line of a run of total steps, drawn on
// w, a terminal width() columns wide, its errors coloured if colour.
func NewProgress(w io.Writer, total int, width func() int, colour bool) *Progress {
	p := &Progress{w: w, width: width, now: time.Now, total: total, bar: NewBar(time.Now())}
	p.bar.Colour = colour
	return p
}

// Update takes the run's counts as they change and redraws the line, at
// most every drawEvery.
func (p *Progress) Update(c Counts) {
	if p.bar == nil {
		return
	}
	p.last.Store(&c)
	if p.paused.Load() {
		return
	}
	p.draw(c, false)
}

// draw redraws the line over the previous one: from the first column,
// never reaching the last (where a terminal wraps), clearing what the
// previous drawing left beyond it. Unless force, at most every drawEvery.
func (p *Progress) draw(c Counts, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !force && now.Sub(p.drawn) < drawEvery {
		return
	}
	p.drawn = now
	c.Total = max(c.Total, p.total)
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.bar.Line(c, now, p.width()))
}

// Pause stops drawing, ending the line: a message is about to be printed.
func (p *Progress) Pause() {
	if p.bar != nil && !p.paused.Swap(true) {
		fmt.Fprintln(p.w)
	}
}

// Finish draws the line a last time, as the run left it, and ends it.
func (p *Progress) Finish() {
	if p.bar == nil || p.paused.Load() {
		return
	}
	if c := p.last.Load(); c != nil {
		p.draw(*c, true)
	}
	fmt.Fprintln(p.w)
}
