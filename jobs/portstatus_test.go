package jobs_test

import (
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// An order in a status no document names (the sandbox's 9921 goes "On
// Hold") is shown as is and followed; once it has shown that status for
// UnknownAfter, counted across runs on the checkpoint, the row needs
// attention and is polled no more. An order in Error shows its message.
func TestUnknownStatusNeedsAttention(t *testing.T) {
	t.Parallel()
	const held, failed = "+18015559921", "+18015559920"
	l := newLifecycle(t)
	rows := []lifeRow{{number: held}, {number: failed}}
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) jobs.Options {
		return jobs.Options{Now: func() time.Time { return t0.Add(d) }, UnknownAfter: 72 * time.Hour}
	}
	l.runWith(at(0), rows...)
	l.e.srv.Advance(l.step) // 9921 On Hold, 9920 Error
	for _, d := range []time.Duration{0, 71 * time.Hour} {
		l.runWith(at(d), rows...)
		mon := l.record(held, plan.PortInMonitor)
		if mon.State != checkpoint.Waiting || mon.Data["PortStatus"] != "On Hold" {
			t.Fatalf("after %v: monitor %s %q, want waiting in On Hold", d, mon.State, mon.Data["PortStatus"])
		}
		if !strings.Contains(mon.ErrMessage, "does not know") {
			t.Errorf("after %v: message %q, want it to say the status is not known", d, mon.ErrMessage)
		}
	}
	l.runWith(at(73*time.Hour), rows...)
	mon := l.record(held, plan.PortInMonitor)
	if mon.State != checkpoint.NeedsAttention || !strings.Contains(mon.ErrMessage, `"On Hold"`) {
		t.Fatalf("after 73h: monitor %s %q, want needs attention naming On Hold", mon.State, mon.ErrMessage)
	}
	if res := l.resultsRow(held); res["PortStatus"] != "On Hold" || res["Status"] != "needs attention" {
		t.Errorf("results: Status %q PortStatus %q, want needs attention and On Hold", res["Status"], res["PortStatus"])
	}
	if calls := l.runWith(at(80*time.Hour), rows...); calls["GET "+telegent.PathNumbersOrder] != 0 {
		t.Errorf("an order that needs attention was polled again: %v", calls)
	}
	errMon := l.record(failed, plan.PortInMonitor)
	if errMon.State != checkpoint.NeedsAttention || !strings.Contains(errMon.ErrMessage, "Port request failed") {
		t.Errorf("order in Error: monitor %s %q, want needs attention with the order's message", errMon.State, errMon.ErrMessage)
	}
}
