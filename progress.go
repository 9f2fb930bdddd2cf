package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"telegent-bulk/jobs"
)

// ui returns the step logger and the progress display for a run.
func (o *runOptions) ui(stderr io.Writer, total int) (*slog.Logger, *progress) {
	var h slog.Handler
	switch {
	case o.logFormat == "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	case o.quiet:
		h = slog.DiscardHandler
	default:
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	}
	pr := &progress{}
	if f, ok := stderr.(*os.File); ok && !o.quiet && o.logFormat == "text" && term.IsTerminal(int(f.Fd())) {
		pr = newProgress(stderr, total)
		h = slog.DiscardHandler // the bar and the results say it all
	}
	return slog.New(h), pr
}

// progress draws the bar on a terminal; a zero progress draws nothing.
// Its methods are called from the runner's event goroutine and from main;
// the bar itself is safe for that.
type progress struct {
	w      io.Writer // where the bar is drawn
	bar    *progressbar.ProgressBar
	paused atomic.Bool
	last   atomic.Pointer[jobs.Totals]
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("steps"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
	)}
}

func (p *progress) event(e jobs.Event) {
	if p.bar == nil {
		return
	}
	t := e.Totals
	p.last.Store(&t)
	if p.paused.Load() {
		return
	}
	p.bar.Describe(fmt.Sprintf("steps · %d errors · %d ports waiting", t.Failed+t.Attention, t.Waiting))
	p.bar.Set(t.Finished())
}

// pause stops drawing (a message is about to be printed).
func (p *progress) pause() {
	if p.bar != nil && !p.paused.Swap(true) {
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

// finish ends the bar: full only when every step finished, else where the
// run left it (ports waiting, an interrupt, --max-failures).
func (p *progress) finish() {
	if p.bar == nil || p.paused.Load() {
		return
	}
	if t := p.last.Load(); t != nil && t.Finished() == t.Steps {
		p.bar.Finish()
	} else {
		p.bar.Exit()
	}
	fmt.Fprintln(p.w)
}
