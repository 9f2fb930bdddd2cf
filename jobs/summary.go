package jobs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/plan"
	"telegent-bulk/sheets"
)

// tally accumulates what the Summary and Errors tabs need while the rows
// stream past, so that memory does not grow with the number of rows; the
// Finance tab's lines go to its own spool (see finance).
type tally struct {
	status   [plan.NumKinds]map[string]int
	ports    map[string]int            // port-in rows per port status
	carriers map[string]map[string]int // port-in rows per losing carrier, per port status
	portRows int
	days     []float64 // days from submit to completion, per completed port
	errors   []errorLine
	finance  *finance
}

type errorLine struct {
	row         plan.RowID
	status, err string
	step        plan.StepKey
}

func newTally(fin *finance) *tally {
	return &tally{ports: map[string]int{}, carriers: map[string]map[string]int{}, finance: fin}
}

// notSubmitted is the port status of a port-in row with no order.
const notSubmitted = "not submitted"

func (t *tally) add(p *plan.Plan, ri plan.RowID, res *rowResult) error {
	k := p.Rows[ri].Kind
	if t.status[k] == nil {
		t.status[k] = map[string]int{}
	}
	t.status[k][res.status]++
	if res.err != "" {
		t.errors = append(t.errors, errorLine{row: ri, status: res.status, err: res.err, step: res.errStep})
	}
	if err := t.finance.add(ri, res); err != nil {
		return err
	}
	if k != plan.PortIns {
		return nil
	}
	t.portRows++
	st := res.id(colPortStatus)
	if st == "" {
		st = notSubmitted
	}
	count(t.ports, st)
	carrier := res.id(colCurrentCarrier) // as the eligibility check answered
	if carrier == "" {
		carrier = "not checked"
	}
	if t.carriers[carrier] == nil {
		t.carriers[strings.Clone(carrier)] = map[string]int{}
	}
	count(t.carriers[carrier], st)
	sub, err1 := parseTime(res.id(colSubmittedAt))
	done, err2 := parseTime(res.id(colPortCompletedAt))
	if err1 == nil && err2 == nil && !done.Before(sub) {
		t.days = append(t.days, done.Sub(sub).Hours()/24)
	}
	return nil
}

// count adds one to m[k]. A new key is a copy: the outcomes' values are
// parts of the text of a chunk of rows, which a key would keep.
func count(m map[string]int, k string) {
	if _, ok := m[k]; !ok {
		k = strings.Clone(k)
	}
	m[k]++
}

var summaryStatuses = []string{"done", "failed", "skipped", "waiting", "needs attention", "cancelled", "pending"}

// Summary cells: text, and the figures the tool computed, which a
// spreadsheet can add up.
func txt(v string) sheets.Cell { return sheets.Cell{Value: v, Exact: inert(v)} }
func num(n int) sheets.Cell {
	return sheets.Cell{Value: strconv.Itoa(n), Exact: true, Num: sheets.Integer}
}

// summaryTab writes the Summary tab's rows and knows their row numbers,
// which its charts refer to.
type summaryTab struct {
	w    sheets.Writer
	last int // row number of the last row written (the header is row 1)
}

// rows writes rows, each padded to the tab's width so that a CSV summary
// has rows of one length, and returns the row number of the first.
func (s *summaryTab) rows(rows ...[]sheets.Cell) (int, error) {
	first := s.last + 1
	for _, r := range rows {
		cells := make([]sheets.Cell, max(len(r), len(summaryStatuses)+2))
		copy(cells, r)
		if err := s.w.Row(cells); err != nil {
			return 0, err
		}
		s.last++
	}
	return first, nil
}

// chart adds a chart where the writer can draw one.
func (s *summaryTab) chart(c sheets.Chart) error {
	if l, ok := s.w.(sheets.Layout); ok {
		return l.Chart(c)
	}
	return nil
}

func (t *tally) writeSummary(w sheets.Writer, stopped string) error {
	header := append([]string{"Kind"}, summaryStatuses...)
	header = append(header, "total")
	if err := w.Sheet("Summary", header); err != nil {
		return err
	}
	s := &summaryTab{w: w, last: 1}
	if stopped != "" {
		if _, err := s.rows([]sheets.Cell{txt("The run " + stopped + "; re-run the same command to go on")}, nil); err != nil {
			return err
		}
	}
	var kinds [][]sheets.Cell
	for k := range plan.NumKinds {
		if t.status[k] == nil {
			continue
		}
		row := []sheets.Cell{txt(plan.Kind(k).String())}
		total := 0
		for _, st := range summaryStatuses {
			row = append(row, num(t.status[k][st]))
			total += t.status[k][st]
		}
		kinds = append(kinds, append(row, num(total)))
	}
	first, err := s.rows(kinds...)
	if err != nil {
		return err
	}
	var charts []sheets.Chart
	if len(kinds) > 0 {
		charts = append(charts, sheets.Chart{Kind: sheets.StackedColumns, Title: "Rows per kind by status",
			HeaderRow: 1, FirstRow: first, LastRow: s.last, SeriesCols: seq(1, len(summaryStatuses))})
	}
	more, err := t.writeCampaign(s)
	if err != nil {
		return err
	}
	for _, c := range append(charts, more...) {
		if err := s.chart(c); err != nil {
			return err
		}
	}
	return nil
}

// seq returns from, from+1, … n numbers.
func seq(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// writeCampaign adds the porting blocks: port-ins per port status with the
// median days from submit to completion, and port-ins per losing carrier
// (as the eligibility check named it) by port status. It returns their
// charts.
func (t *tally) writeCampaign(s *summaryTab) ([]sheets.Chart, error) {
	if t.portRows == 0 {
		return nil, nil
	}
	statuses := sortedKeysOf(t.ports)
	rows := [][]sheets.Cell{{}, {txt("Port status"), txt("Port-ins")}}
	for _, st := range statuses {
		rows = append(rows, []sheets.Cell{txt(st), num(t.ports[st])})
	}
	first, err := s.rows(rows...)
	if err != nil {
		return nil, err
	}
	charts := []sheets.Chart{{Kind: sheets.Pie, Title: "Port-ins by port status", HeaderRow: first + 1,
		FirstRow: first + 2, LastRow: s.last, SeriesCols: []int{1}}}
	if len(t.days) > 0 {
		sort.Float64s(t.days)
		med := t.days[len(t.days)/2]
		if len(t.days)%2 == 0 {
			med = (t.days[len(t.days)/2-1] + t.days[len(t.days)/2]) / 2
		}
		days := sheets.Cell{Value: strconv.FormatFloat(med, 'f', 1, 64), Exact: true, Num: sheets.Decimal}
		if _, err := s.rows([]sheets.Cell{txt("Median days to complete"), days}); err != nil {
			return nil, err
		}
	}
	head := append([]sheets.Cell{txt("Losing carrier")}, textCells(statuses)...)
	rows = [][]sheets.Cell{{}, append(head, txt("total"))}
	for _, c := range sortedKeysOf(t.carriers) {
		row, total := []sheets.Cell{txt(c)}, 0
		for _, st := range statuses {
			row = append(row, num(t.carriers[c][st]))
			total += t.carriers[c][st]
		}
		rows = append(rows, append(row, num(total)))
	}
	if first, err = s.rows(rows...); err != nil {
		return nil, err
	}
	charts = append(charts, sheets.Chart{Kind: sheets.StackedBars, Title: "Port-ins per losing carrier by port status",
		HeaderRow: first + 1, FirstRow: first + 2, LastRow: s.last, SeriesCols: seq(1, len(statuses))})
	return charts, nil
}

func textCells(vs []string) []sheets.Cell {
	out := make([]sheets.Cell, len(vs))
	for i, v := range vs {
		out[i] = txt(v)
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999-07:00", "2006-01-02T15:04:05.9999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

func (t *tally) writeErrors(p *plan.Plan, w sheets.Writer) error {
	if err := w.Sheet("Errors", []string{"Sheet", "Row", "Key", "Status", "Step", "Error"}); err != nil {
		return err
	}
	if l, ok := w.(sheets.Layout); ok {
		l.Wrap(5) // Error
	}
	for _, e := range t.errors {
		row := &p.Rows[e.row]
		err := w.Row([]sheets.Cell{
			{Value: p.Tables[row.Table].Sheet, Exact: true},
			{Value: strconv.Itoa(int(row.Num)), Exact: true, Num: sheets.Integer},
			{Value: row.Key, Exact: inert(row.Key)},
			{Value: e.status, Exact: true},
			{Value: string(e.step), Exact: true},
			{Value: e.err},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return sortedKeysOf(m) }

func sortedKeysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
