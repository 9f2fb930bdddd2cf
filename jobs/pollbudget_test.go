package jobs

import (
	"slices"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// The poll schedule never hands out two polls closer than 1/budget, serves
// the polls in the order they fall due, and a poll due far ahead takes no
// slot from one due now.
func TestPollSchedule(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	var s pollSchedule
	far := s.reserve(now, now.Add(24*time.Hour), 4)
	if !far.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("a poll due in a day got %v", far)
	}
	var got []time.Time
	for range 1000 {
		got = append(got, s.reserve(now, now, 4))
	}
	if !got[0].Equal(now) {
		t.Errorf("the first poll due now got %v, want now", got[0])
	}
	if !slices.IsSortedFunc(got, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Errorf("polls due at once are not served in order")
	}
	for i := 1; i < len(got); i++ {
		if d := got[i].Sub(got[i-1]); d < 250*time.Millisecond {
			t.Fatalf("polls %d and %d are %v apart, want at least 250ms (4 a second)", i-1, i, d)
		}
	}
	if last := got[len(got)-1]; last.Sub(now) > 250*time.Second {
		t.Errorf("1,000 polls at 4 a second end at %v, want by 250s", last.Sub(now))
	}
	if at := s.reserve(now, now.Add(time.Hour), 0); !at.Equal(now.Add(time.Hour)) {
		t.Errorf("without a budget a poll goes when due; got %v", at)
	}
}

// The cadence of an order follows where it stands, from the daily base.
func TestCadence(t *testing.T) {
	now := time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)
	l := &ledger{}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		o    orderTimes
		want time.Duration
	}{
		{"fresh submit", orderTimes{status: telegent.PortSubmitted, sent: now.Add(-time.Hour), opened: now.Add(-time.Hour)}, 3 * time.Hour},
		{"scheduled", orderTimes{status: telegent.PortScheduled, sent: now.Add(-3 * day), opened: now.Add(-3 * day)}, 3 * time.Hour},
		{"date tomorrow", orderTimes{status: telegent.PortPendingCarrierApproval, sent: now.Add(-3 * day), opened: now.Add(-3 * day),
			portDate: now.Add(20 * time.Hour)}, 3 * time.Hour},
		{"unknown status", orderTimes{status: "On Hold", sent: now.Add(-3 * day), opened: now.Add(-3 * day)}, 6 * time.Hour},
		{"open", orderTimes{status: telegent.PortPendingCarrierApproval, sent: now.Add(-3 * day), opened: now.Add(-3 * day)}, 12 * time.Hour},
		{"pending for a week", orderTimes{status: telegent.PortPendingCarrierApproval, sent: now.Add(-7 * day), opened: now.Add(-7 * day)}, day},
	} {
		if got := l.cadence(tc.o, now); got != tc.want {
			t.Errorf("%s: cadence %v, want %v", tc.name, got, tc.want)
		}
	}
}
