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

// writeChanges writes the Changes tab. The monitors' records are read in
// chunks of rows, in place (see gather.go).
func writeChanges(p *plan.Plan, s *checkpoint.Store, w sheets.Writer) error {
	if err := w.Sheet("Changes", changesHeader); err != nil {
		return err
	}
	m, err := s.Meta()
	if err != nil {
		return err
	}
	c := &changesReader{p: p, s: s, w: w, run: strconv.Itoa(m.Runs)}
	for ri := range p.Rows {
		switch p.Rows[ri].Kind {
		case plan.PortIns, plan.PortOuts:
		default:
			continue
		}
		if c.rows = append(c.rows, plan.RowID(ri)); len(c.rows) == resultsChunk {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
	return c.flush()
}

// changesReader reads the monitors' records of port rows, a chunk at a
// time, and writes the Changes rows of the last run's changes.
type changesReader struct {
	p    *plan.Plan
	s    *checkpoint.Store
	w    sheets.Writer
	run  string
	rows []plan.RowID
	keys [][]byte
	buf  []byte
	ends []int
}

// monitorOf returns the monitor of a port row of kind k, and the Data
// field of its port status.
func monitorOf(k plan.Kind) (plan.Action, string) {
	if k == plan.PortOuts {
		return plan.PortOutMonitor, colPortOutStatus
	}
	return plan.PortInMonitor, colPortStatus
}

// flush reads the monitors' records of c.rows and writes their changes.
func (c *changesReader) flush() error {
	c.buf, c.ends, c.keys = c.buf[:0], c.ends[:0], c.keys[:0]
	for _, ri := range c.rows {
		row := &c.p.Rows[ri]
		a, _ := monitorOf(row.Kind)
		c.buf = appendKey(c.buf, row.Kind, row.Key, a)
		c.ends = append(c.ends, len(c.buf))
	}
	start := 0
	for _, end := range c.ends {
		c.keys = append(c.keys, c.buf[start:end:end])
		start = end
	}
	err := c.s.ViewMany(c.keys, func(i int, v *checkpoint.View) error {
		if v == nil {
			return nil
		}
		return c.change(c.rows[i], v)
	})
	c.rows = c.rows[:0]
	return err
}

// monitorRecord is what the Changes tab shows of a monitor's record.
type monitorRecord struct {
	orderID, status, at, detail string
}

// change writes the Changes row of row ri, whose monitor's record is v,
// if its status changed in the last run and the change is worth telling.
func (c *changesReader) change(ri plan.RowID, v *checkpoint.View) error {
	a, col := monitorOf(c.p.Rows[ri].Kind)
	var status, run, at, orderID []byte
	v.Pairs(func(data bool, name, value []byte) {
		switch {
		case !data && string(name) == colOrderID:
			orderID = value
		case !data:
		case string(name) == col:
			status = value
		case string(name) == noteStatusRun:
			run = value
		case string(name) == noteStatusAt:
			at = value
		}
	})
	what := change(a, string(status))
	if what == "" || string(run) != c.run {
		return nil
	}
	rec := monitorRecord{orderID: string(orderID), status: string(status), at: string(at)}
	if rec.status == telegent.PortRejected {
		rec.detail = string(v.ErrMessage())
	}
	return c.w.Row(changeRow(c.p, ri, rec, c.run, what))
}

// changeRow is the Changes row of row ri, whose monitor's record is rec.
func changeRow(p *plan.Plan, ri plan.RowID, rec monitorRecord, run, what string) []sheets.Cell {
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
	return []sheets.Cell{
		{Value: run, Exact: true},
		{Value: what, Exact: true},
		{Value: p.Tables[row.Table].Sheet, Exact: true},
		{Value: strconv.Itoa(int(row.Num)), Exact: true},
		{Value: row.Key, Exact: true},
		{Value: email, Exact: inert(email)},
		{Value: name, Exact: inert(name)},
		{Value: rec.orderID, Exact: true},
		{Value: rec.status, Exact: true},
		{Value: date, Exact: true},
		{Value: rec.at, Exact: true},
		{Value: rec.detail},
	}
}
