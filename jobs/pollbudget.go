package jobs

import (
	"math"
	"strings"
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The polling budget. An open port order is polled on a cadence set by
// where it stands: a fresh submit or update, and an order near its
// PortInDate (or Scheduled), often; one pending for days, seldom. The
// cadences scale one base, daily by default (seed 002: "poll the order
// daily until you see Completed"), which --poll overrides. Every poll then
// takes a time slot from one schedule for the whole run: slots are
// 1/(share × rate) apart, so that polls never take more than the share
// (Options.PollShare) of the request rate (Options.Rate, else RPS), and an
// order that asks for a slot already taken gets the next free one, so that
// orders are served in the order they fall due and none is starved.

// DefaultPollShare is Options.PollShare when it is 0.
const DefaultPollShare = 0.2

// DefaultPollBase is the base cadence when Options.Poll is 0: daily.
const DefaultPollBase = 24 * time.Hour

// The cadence of an open order, as a fraction of the base.
const (
	cadenceFresh   = 8 // submitted or updated in the last day: base/8 (3h by default)
	cadenceNear    = 8 // Scheduled, or its PortInDate a day away or passed: base/8
	cadenceUnknown = 4 // a status no document names: base/4, to see it change
	cadenceOpen    = 2 // any other open order: base/2
	longPending    = 5 * 24 * time.Hour
	freshFor       = 24 * time.Hour
)

// portRun is what a run keeps for its port orders: its number among the
// checkpoint's runs, and the poll schedule.
type portRun struct {
	seqOnce sync.Once
	seq     int
	sched   pollSchedule
}

// pollSchedule hands out poll times at least width apart. Slot k is the
// time origin + k×width; a taken slot points (next) to a slot after it
// that may be free, path-compressed, so that finding a free slot costs
// little however many are taken. Slots before the current one are
// forgotten now and then.
type pollSchedule struct {
	mu     sync.Mutex
	width  time.Duration
	origin time.Time
	next   map[int64]int64
	taken  int
}

// reserve returns the first free slot at or after at, for a budget of
// perSec polls a second; perSec <= 0 (no budget) returns at. A budget that
// changed by more than a tenth starts a new grid from now: the polls
// scheduled already keep their times.
func (s *pollSchedule) reserve(now, at time.Time, perSec float64) time.Time {
	if perSec <= 0 || math.IsInf(perSec, 1) || math.IsNaN(perSec) {
		return at
	}
	width := time.Duration(float64(time.Second) / perSec)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil || math.Abs(float64(width-s.width)) > 0.1*float64(s.width) {
		s.width, s.origin, s.next = width, now, map[int64]int64{}
	}
	k := int64(math.Ceil(float64(at.Sub(s.origin)) / float64(s.width)))
	k = max(k, 0)
	k = s.find(k)
	s.next[k] = k + 1
	if s.taken++; s.taken%4096 == 0 {
		s.forget(int64(now.Sub(s.origin) / s.width))
	}
	return s.origin.Add(time.Duration(k) * s.width)
}

// find returns the first free slot from k on.
func (s *pollSchedule) find(k int64) int64 {
	root := k
	for {
		n, ok := s.next[root]
		if !ok {
			break
		}
		root = n
	}
	for k != root {
		n := s.next[k]
		s.next[k] = root
		k = n
	}
	return root
}

// forget drops the slots before slot cur: no reservation looks at them
// again (a path only leads forward).
func (s *pollSchedule) forget(cur int64) {
	for k := range s.next {
		if k < cur {
			delete(s.next, k)
		}
	}
}

// pollBase is the base cadence: Options.Poll, else daily.
func (l *ledger) pollBase() time.Duration {
	if l.o.Poll > 0 {
		return l.o.Poll
	}
	return DefaultPollBase
}

// pollBudget is the number of polls a second the run may send: the share
// of the current request rate; 0 when no rate is known.
func (l *ledger) pollBudget() float64 {
	share := l.o.PollShare
	if share <= 0 {
		share = DefaultPollShare
	}
	rate := l.o.RPS
	if l.o.Rate != nil {
		rate = l.o.Rate()
	}
	if rate <= 0 {
		return 0
	}
	return share * rate
}

// orderTimes are the times a port order's cadence depends on.
type orderTimes struct {
	status   string
	sent     time.Time // the submit, or the last update
	opened   time.Time // the submit
	portDate time.Time // the row's PortInDate; zero if none
}

// cadence returns how long an order in o waits for its next poll at now.
func (l *ledger) cadence(o orderTimes, now time.Time) time.Duration {
	b := l.pollBase()
	switch {
	case !telegent.PortOpen(o.status) && !portFinal(o.status) && o.status != "":
		return b / cadenceUnknown
	case strings.EqualFold(o.status, telegent.PortScheduled),
		!o.portDate.IsZero() && o.portDate.Sub(now) <= freshFor:
		return b / cadenceNear
	case !o.sent.IsZero() && now.Sub(o.sent) < freshFor:
		return b / cadenceFresh
	case !o.opened.IsZero() && now.Sub(o.opened) > longPending:
		return b
	}
	return b / cadenceOpen
}

// timesOf reads the times of the order that monitor m (record rec)
// follows: a port-in's from its submit's record and its row, a port-out's
// from its PIN's.
func (l *ledger) timesOf(m plan.StepID, rec checkpoint.Record) orderTimes {
	st := &l.p.Steps[m]
	row := &l.p.Rows[st.Row]
	if st.Action == plan.PortOutMonitor {
		pin, _, _ := l.recs.Get(checkpoint.Key(l.p.Key(m).Sibling(plan.PortOutIssue)))
		t := parseNoted(pin.Data[noteSentAt], pin.StartedAt)
		return orderTimes{status: rec.Data[colPortOutStatus], sent: t, opened: t}
	}
	sub, _, _ := l.recs.Get(checkpoint.Key(l.p.Key(m).Sibling(plan.PortInSubmit)))
	o := orderTimes{status: rec.Data[colPortStatus], opened: parseNoted(sub.Data[noteSentAt], sub.StartedAt)}
	o.sent = o.opened
	if u := parseNoted(sub.Data[noteUpdatedOrderAt], time.Time{}); u.After(o.sent) {
		o.sent = u
	}
	if d, err := time.Parse("2006-01-02", row.Get("PortInDate")); err == nil {
		o.portDate = d
	}
	return o
}

// parseNoted reads a time the runner noted, or returns def.
func parseNoted(s string, def time.Time) time.Time {
	if t, err := time.Parse(timeLayout, s); err == nil {
		return t
	}
	return def
}

// pollAfter returns how long monitor m, whose record is rec, waits before
// its next poll: its cadence, jittered, then the first free slot of the
// budget from there.
func (r *Runner) pollAfter(m plan.StepID, rec checkpoint.Record) time.Duration {
	now := r.now()
	due := now.Add(jitter(r.cadence(r.timesOf(m, rec), now)))
	return r.port.sched.reserve(now, due, r.pollBudget()).Sub(now)
}

// firstPoll admits the monitor m of an order an earlier run left open.
// A run that polls only once (no --wait) polls every open order once, as
// the work of the run. A run that keeps polling (--wait) spreads those
// first polls over the budget's slots as well, so that a campaign of
// thousands of open orders does not start with a burst of polls.
func (r *Runner) firstPoll(m plan.StepID) walk.Admission {
	if r.o.Wait <= 0 {
		return walk.Admission{}
	}
	rec, ok, err := r.s.Get(checkpoint.Key(r.p.Key(m)))
	if err != nil || !ok || rec.State != checkpoint.Waiting {
		return walk.Admission{}
	}
	now := r.now()
	after := r.port.sched.reserve(now, now, r.pollBudget()).Sub(now)
	if after <= 0 {
		return walk.Admission{}
	}
	r.outs.set(m, &outcome{i: m, rec: rec, state: checkpoint.Waiting})
	return walk.Admission{Defer: true, After: after}
}
