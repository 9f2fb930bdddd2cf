package jobs

import (
	"sort"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// The documents of --format json (validate, plan, status, check), one
// JSON object each, described field by field in docs/json.md. Their field
// names are stable: a field may be added, never renamed or removed without
// a new Version.

// JSONVersion is the version every document carries.
const JSONVersion = 1

// ProblemDoc is one problem or warning of a manifest.
type ProblemDoc struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`    // 0: about the whole sheet
	Column  string `json:"column"` // "": about the whole row
	Message string `json:"message"`
	More    int    `json:"more,omitempty"` // an entry counting this many more like the one before
}

// ValidateDoc is validate's document.
type ValidateDoc struct {
	Version      int          `json:"version"`
	Valid        bool         `json:"valid"`
	Rows         int          `json:"rows"`  // 0 when not valid
	Steps        int          `json:"steps"` // 0 when not valid
	ProblemCount int          `json:"problem_count"`
	WarningCount int          `json:"warning_count"`
	Problems     []ProblemDoc `json:"problems"` // every problem, one by one
	Warnings     []ProblemDoc `json:"warnings"` // the first of each kind, then a count of the others (more)
}

func problemDocs(ps []plan.Problem) []ProblemDoc {
	out := make([]ProblemDoc, 0, len(ps))
	for _, p := range ps {
		out = append(out, ProblemDoc{Sheet: p.Sheet, Row: p.Row, Column: p.Column, Message: p.Message, More: p.More})
	}
	return out
}

// NewValidateDoc makes validate's document: p is nil when the manifest is
// not valid; all is every problem, one by one.
func NewValidateDoc(p *plan.Plan, all []plan.Problem, problems, warnings plan.Problems) ValidateDoc {
	d := ValidateDoc{Version: JSONVersion, Valid: p != nil && len(problems) == 0, ProblemCount: problems.Count(),
		WarningCount: warnings.Count(), Problems: problemDocs(all), Warnings: problemDocs(warnings)}
	if d.Valid {
		d.Rows, d.Steps = len(p.Rows), len(p.Steps)
	}
	return d
}

// PlanLineDoc is one kind and action of plan's table, or its total.
type PlanLineDoc struct {
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	Run     int    `json:"run"`
	Done    int    `json:"done"`
	Check   int    `json:"check"`
	Kept    int    `json:"kept"`
	Blocked int    `json:"blocked"`
}

// StepDoc is one step of the plan and what a run would do with it.
type StepDoc struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Action   string `json:"action"`
	Sheet    string `json:"sheet"`
	Row      int    `json:"row"`
	Decision string `json:"decision"`      // run, done, check, kept or blocked
	Why      string `json:"why,omitempty"` // why it runs
}

// PlanDoc is plan's document.
type PlanDoc struct {
	Version int           `json:"version"`
	Rows    int           `json:"rows"`
	Lines   []PlanLineDoc `json:"lines"`
	Totals  PlanLineDoc   `json:"totals"`
	Steps   []StepDoc     `json:"steps"` // every step, in plan order
}

// NewPlanDoc makes plan's document from PreviewAll's answer.
func NewPlanDoc(p *plan.Plan, lines []Preview, steps []StepPreview) PlanDoc {
	d := PlanDoc{Version: JSONVersion, Rows: len(p.Rows), Lines: make([]PlanLineDoc, 0, len(lines)),
		Steps: make([]StepDoc, 0, len(steps)), Totals: PlanLineDoc{Kind: "total"}}
	for _, l := range lines {
		pl := PlanLineDoc{Kind: l.Kind.String(), Action: l.Action.Slug(), Run: l.Run, Done: l.Done, Check: l.Check,
			Kept: l.Kept + l.Other, Blocked: l.Blocked}
		d.Lines = append(d.Lines, pl)
		t := &d.Totals
		t.Run, t.Done, t.Check, t.Kept, t.Blocked = t.Run+pl.Run, t.Done+pl.Done, t.Check+pl.Check, t.Kept+pl.Kept, t.Blocked+pl.Blocked
	}
	for _, sp := range steps {
		st := &p.Steps[sp.Step]
		row := &p.Rows[st.Row]
		d.Steps = append(d.Steps, StepDoc{Key: string(p.Key(sp.Step)), Kind: row.Kind.String(), Action: st.Action.Slug(),
			Sheet: p.Tables[row.Table].Sheet, Row: int(row.Num), Decision: sp.Decision, Why: sp.Why})
	}
	return d
}

// OpenPortDoc is a port order still open.
type OpenPortDoc struct {
	Number     string `json:"number"`
	OrderID    string `json:"order_id"`
	PortStatus string `json:"port_status"`
}

// StatusDoc is status's document.
type StatusDoc struct {
	Version int    `json:"version"`
	State   string `json:"state"`
	// Live is set while a run holds the checkpoint: the counts are then
	// those it last wrote beside it, as of UpdatedAt.
	Live      bool       `json:"live"`
	PID       int        `json:"pid,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Runs      int        `json:"runs"`
	LastRun   *time.Time `json:"last_run,omitempty"`
	// Counts are steps per kind (accounts, subscribers, …) and state
	// (done, failed, skipped, waiting, needs_attention, in_flight,
	// cancelled, pending; every state is present).
	Counts         map[string]map[string]int `json:"counts"`
	Totals         map[string]int            `json:"totals"`
	OpenPorts      []OpenPortDoc             `json:"open_ports"`
	OpenPortsTotal int                       `json:"open_ports_total"`
}

// statusStates are the states of StatusDoc's counts.
var statusStates = []checkpoint.State{checkpoint.Done, checkpoint.Failed, checkpoint.Skipped, checkpoint.Waiting,
	checkpoint.NeedsAttention, checkpoint.InFlight, checkpoint.Cancelled, checkpoint.Pending}

// StateName is a state as the JSON documents spell it: needs_attention.
func StateName(s checkpoint.State) string { return strings.ReplaceAll(s.String(), " ", "_") }

// NewStatusDoc makes status's document.
func NewStatusDoc(state string, counts StepCounts, waiting []WaitingPort, total int) StatusDoc {
	d := StatusDoc{Version: JSONVersion, State: state, Counts: map[string]map[string]int{}, Totals: map[string]int{},
		OpenPorts: make([]OpenPortDoc, 0, len(waiting)), OpenPortsTotal: total}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, st := range statusStates {
		d.Totals[StateName(st)] = 0
	}
	for _, k := range kinds {
		m := map[string]int{}
		for _, st := range statusStates {
			m[StateName(st)] = counts[k][st]
			d.Totals[StateName(st)] += counts[k][st]
		}
		d.Counts[k] = m
	}
	for _, w := range waiting {
		d.OpenPorts = append(d.OpenPorts, OpenPortDoc{Number: w.Number, OrderID: w.OrderId, PortStatus: w.PortStatus})
	}
	return d
}

// CheckDoc is check's document.
type CheckDoc struct {
	Version int     `json:"version"`
	OK      bool    `json:"ok"`
	Checks  []Check `json:"checks"`
}
