package jobs

import (
	"strconv"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// The Changes tab lists what the last run saw change in the port orders,
// for the team to tell the subscribers (seed 002: "notify the subscriber
// the moment status flips"): port-ins completed, rejected or scheduled,
// and port-outs completed, each with the number, the subscriber's e-mail
// and name where the manifest gives them, and when the run saw it. A
// monitor notes the run (the checkpoint's count of runs) in which its
// order's status changed; the tab keeps those of the checkpoint's last run.

var changesHeader = []string{"Run", "Change", "Sheet", "Row", "Number", "SubscriberEmail", "SubscriberName", "OrderId",
	"Status", "PortInDate", "SeenAt", "Detail"}

// change names a status change worth telling, by status; "" for one that
// is not.
func change(a plan.Action, status string) string {
	switch {
	case a == plan.PortOutMonitor && status == telegent.PortCompleted:
		return "port-out completed"
	case a != plan.PortInMonitor:
		return ""
	}
	switch status {
	case telegent.PortCompleted:
		return "port-in completed"
	case telegent.PortRejected:
		return "port-in rejected"
	case telegent.PortScheduled:
		return "port-in scheduled"
	}
	return ""
}

// writeChanges writes the Changes tab.
func writeChanges(p *plan.Plan, s *checkpoint.Store, w sheets.Writer) error {
	if err := w.Sheet("Changes", changesHeader); err != nil {
		return err
	}
	m, err := s.Meta()
	if err != nil {
		return err
	}
	run := strconv.Itoa(m.Runs)
	for ri := range p.Rows {
		row := &p.Rows[ri]
		var a plan.Action
		col := colPortStatus
		switch row.Kind {
		case plan.PortIns:
			a = plan.PortInMonitor
		case plan.PortOuts:
			a, col = plan.PortOutMonitor, colPortOutStatus
		default:
			continue
		}
		rec, ok, err := s.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, a)))
		if err != nil {
			return err
		}
		what := change(a, rec.Data[col])
		if !ok || what == "" || rec.Data[noteStatusRun] != run {
			continue
		}
		if err := w.Row(changeRow(p, plan.RowID(ri), rec, run, what, col)); err != nil {
			return err
		}
	}
	return nil
}

// changeRow is the Changes row of row ri, whose monitor's record is rec.
func changeRow(p *plan.Plan, ri plan.RowID, rec checkpoint.Record, run, what, col string) []sheets.Cell {
	row := &p.Rows[ri]
	var email, name, date string
	if row.Kind == plan.PortIns {
		email, name, date = row.Get("SubscriberEmail"), row.Get("SubscriberName"), row.Get("PortInDate")
		if pr, _ := p.Parent(ri, plan.Subscribers); pr >= 0 {
			email = p.Rows[pr].Key
			if name == "" {
				name = p.Rows[pr].Get("Name")
			}
		}
	}
	detail := ""
	if rec.Data[col] == telegent.PortRejected {
		detail = rec.ErrMessage
	}
	return []sheets.Cell{
		{Value: run, Exact: true},
		{Value: what, Exact: true},
		{Value: p.Tables[row.Table].Sheet, Exact: true},
		{Value: strconv.Itoa(int(row.Num)), Exact: true},
		{Value: row.Key, Exact: true},
		{Value: email, Exact: inert(email)},
		{Value: name, Exact: inert(name)},
		{Value: rec.IDs[colOrderID], Exact: true},
		{Value: rec.Data[col], Exact: true},
		{Value: date, Exact: true},
		{Value: rec.Data[noteStatusAt], Exact: true},
		{Value: detail},
	}
}
