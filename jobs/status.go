package jobs

import (
	"log/slog"
	"sort"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// Packages returns the package list read for this run (nil if none).
func (r *Runner) Packages() []telegent.Package {
	var out []telegent.Package
	for k, p := range r.packages {
		if k == p.PackageId {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].PackageId < out[b].PackageId })
	return out
}

// StepCounts counts steps per kind slug and state.
type StepCounts map[string]map[checkpoint.State]int

// WaitingPort is an open port order as the checkpoint last saw it.
type WaitingPort struct {
	Number, OrderId, PortStatus string
}

// Status reads the checkpoint alone (no manifest needed): steps per kind
// and state, and the port orders still open.
func Status(s *checkpoint.Store) (StepCounts, []WaitingPort, error) {
	counts := StepCounts{}
	var waiting []WaitingPort
	err := s.ForEach(func(rec checkpoint.Record) error {
		kind, number, a, err := plan.ParseStepKey(string(rec.Key))
		slug := kind.Slug()
		if err != nil {
			// A key this build does not make: counted under its first part.
			slug, _, _ = strings.Cut(string(rec.Key), "/")
		}
		if counts[slug] == nil {
			counts[slug] = map[checkpoint.State]int{}
		}
		counts[slug][rec.State]++
		if err == nil && rec.State == checkpoint.Waiting && a == plan.PortInMonitor {
			waiting = append(waiting, WaitingPort{
				Number:     number,
				OrderId:    rec.IDs[colOrderID],
				PortStatus: rec.Data[colPortStatus],
			})
		}
		return nil
	})
	return counts, waiting, err
}

// Eligibility counts the port-in rows of p by what their eligibility
// check found, as the checkpoint records it: eligible, not eligible, and
// not checked (never run, or the check itself failed).
func Eligibility(p *plan.Plan, s *checkpoint.Store) (eligible, not, unchecked int, err error) {
	for i := range p.Steps {
		if p.Steps[i].Action != plan.PortInEligibility {
			continue
		}
		rec, _, err := s.Get(checkpoint.Key(p.Key(plan.StepID(i))))
		if err != nil {
			return 0, 0, 0, err
		}
		switch rec.Data[colEligible] {
		case "yes":
			eligible++
		case "no":
			not++
		default:
			unchecked++
		}
	}
	return eligible, not, unchecked, nil
}

// Preview says what a run would do with each step, given the checkpoint:
// per kind and action, how many steps are done, would run, would be
// reconciled first, or stay failed / needing attention / cancelled.
type Preview struct {
	Kind    plan.Kind
	Action  plan.Action
	Done    int
	Run     int           // never run, retried, or resumed (waiting ports are polled again)
	Check   int           // in-flight: looked up before anything is re-sent
	Kept    int           // failed or needing attention, kept as they are (unchanged rows)
	Other   int           // cancelled
	Blocked int           // would be skipped: a step they need is kept, or cancelled
	Example []plan.StepID // up to three steps that would run
	Why     []string      // why each of Example runs ("never run", "its row changed since it ran", …)
}

// PreviewPlan computes Preview lines from the plan and, if s is not nil,
// the checkpoint, deciding every step as a run would start (the run takes
// the same decision; the preview writes nothing). o.MACKey lets it notice rows whose only change is in
// a secret column.
func PreviewPlan(p *plan.Plan, s *checkpoint.Store, o Options) ([]Preview, error) {
	lines, _, err := previewPlan(p, s, o, false)
	return lines, err
}

// StepPreview is what a run would do with one step: Decision is run,
// done, check, kept or blocked (the columns of the plan command), Why
// says why a step runs.
type StepPreview struct {
	Step     plan.StepID
	Decision string
	Why      string
}

// PreviewAll is PreviewPlan that also returns every step's decision, in
// plan order.
func PreviewAll(p *plan.Plan, s *checkpoint.Store, o Options) ([]Preview, []StepPreview, error) {
	return previewPlan(p, s, o, true)
}

func previewPlan(p *plan.Plan, s *checkpoint.Store, o Options, all bool) ([]Preview, []StepPreview, error) {
	var rst restore
	if s != nil {
		rst.since, rst.restored = s.Restored()
	}
	d, err := decide(p, newOverlay(s), rst, o, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	type key struct {
		k plan.Kind
		a plan.Action
	}
	lines := map[key]*Preview{}
	var order []key
	var steps []StepPreview
	if all {
		steps = make([]StepPreview, 0, len(p.Steps))
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		k := key{p.Rows[st.Row].Kind, st.Action}
		l := lines[k]
		if l == nil {
			l = &Preview{Kind: k.k, Action: k.a}
			lines[k] = l
			order = append(order, k)
		}
		decision := "run"
		switch d.steps[i].state {
		case checkpoint.Done:
			l.Done++
			decision = "done"
		case checkpoint.InFlight:
			l.Check++
			decision = "check"
		case checkpoint.Failed, checkpoint.NeedsAttention:
			l.Kept++
			decision = "kept"
		case checkpoint.Cancelled:
			l.Other++
			decision = "kept"
		case checkpoint.Skipped:
			l.Blocked++
			decision = "blocked"
		default:
			l.Run++
			if len(l.Example) < 3 {
				l.Example = append(l.Example, plan.StepID(i))
				l.Why = append(l.Why, d.steps[i].why)
			}
		}
		if all {
			sp := StepPreview{Step: plan.StepID(i), Decision: decision}
			if decision == "run" {
				sp.Why = d.steps[i].why
			}
			steps = append(steps, sp)
		}
	}
	out := make([]Preview, 0, len(order))
	for _, k := range order {
		out = append(out, *lines[k])
	}
	return out, steps, nil
}
