package jobs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// Results describes what to write.
type Results struct {
	Packages    []telegent.Package // for the finance summary (price per package)
	Eligibility bool               // only port rows, with the eligibility columns
	Stopped     string             // why the run stopped early (Report.Stopped), shown in Summary
	// TempDir is where the Finance tab's lines wait while the other tabs
	// are written ("": the system's temporary directory). WriteResultsFile
	// uses the destination's directory, as the writer does.
	TempDir string
}

var eligibilityColumns = []string{colEligible, colCurrentCarrier, colMessage}

// exactColumns hold values the tool normalised itself (E.164 numbers,
// ICCIDs): written normalised and exact, never prefixed in CSV.
var exactColumns = map[string]bool{"PortInNumber": true, "PortOutNumber": true, "PhoneNumber": true,
	"PhoneNumbers": true, "ICCID": true}

// rowResult is the outcome of one manifest row, gathered from its steps.
type rowResult struct {
	status    string
	ids       map[string]string
	err       string
	errStep   plan.StepKey
	attempts  int
	updatedAt time.Time
}

// WriteResults writes the results workbook: every input tab with every input
// column (secrets masked), then the row's status, IDs and error; a Summary
// tab, an Errors tab and a Changes tab (changes.go). It reads outcomes from the checkpoint only, so it
// can be written after any run, including one that was killed.
//
// The records are read once, a chunk of rows at a time in one read
// transaction, by a goroutine of their own (see readRows), while the
// workbook is written: reading and writing use a core each.
func WriteResults(p *plan.Plan, s *checkpoint.Store, w sheets.Writer, o Results) error {
	agg := newTally(newFinance(p, s, o.Packages, o.TempDir))
	defer agg.finance.close()
	cols := resultColumns()
	var tables []int32
	for ti, t := range p.Tables {
		if !o.Eligibility || t.Kind == plan.PortIns {
			tables = append(tables, int32(ti))
		}
	}
	chunks := make(chan rowChunk, 4)
	done := make(chan struct{})
	go readRows(p, s, tables, cols, chunks, done)
	err := writeTables(p, chunks, agg, w, o, cols)
	close(done)
	for range chunks { // until readRows has returned
	}
	if err != nil || o.Eligibility {
		return err
	}
	if err := agg.writeSummary(w, o.Stopped); err != nil {
		return err
	}
	if err := agg.finance.writeTab(w); err != nil {
		return err
	}
	if err := agg.writeErrors(p, w); err != nil {
		return err
	}
	return writeChanges(p, s, w)
}

// rowChunk is what readRows hands on: the start of table's tab (start),
// the outcomes of some of its rows, in order, or the error that stopped
// the reading.
type rowChunk struct {
	table int32
	start bool
	rows  []plan.RowID
	res   []rowResult
	err   error
}

// resultsChunk is how many rows readRows reads in one transaction.
const resultsChunk = 256

// readRows reads the outcome of every row of tables, table by table in
// row order, and sends it on out in chunks; it closes out when done, or
// once done is closed.
func readRows(p *plan.Plan, s *checkpoint.Store, tables []int32, cols [plan.NumKinds][]string, out chan<- rowChunk, done <-chan struct{}) {
	defer close(out)
	send := func(c rowChunk) bool {
		select {
		case out <- c:
			return c.err == nil
		case <-done:
			return false
		}
	}
	for _, ti := range tables {
		if !send(rowChunk{table: ti, start: true}) {
			return
		}
		kind := p.Tables[ti].Kind
		var rows []plan.RowID
		for ri := range p.Rows {
			if p.Rows[ri].Table != ti {
				continue
			}
			if rows = append(rows, plan.RowID(ri)); len(rows) < resultsChunk {
				continue
			}
			if !send(readChunk(p, s, ti, rows, cols[kind])) {
				return
			}
			rows = nil
		}
		if len(rows) > 0 && !send(readChunk(p, s, ti, rows, cols[kind])) {
			return
		}
	}
}

// readChunk reads the outcomes of rows of table ti in one transaction.
func readChunk(p *plan.Plan, s *checkpoint.Store, ti int32, rows []plan.RowID, idCols []string) rowChunk {
	var keys []checkpoint.Key
	for _, ri := range rows {
		keys = appendRowKeys(keys, p, ri, idCols)
	}
	recs, ok, err := s.GetMany(keys)
	if err != nil {
		return rowChunk{table: ti, err: err}
	}
	src := &prefetched{s: s, keys: keys, recs: recs, ok: ok}
	c := rowChunk{table: ti, rows: rows, res: make([]rowResult, len(rows))}
	for k, ri := range rows {
		if c.res[k], err = gather(p, src, ri, idCols); err != nil {
			return rowChunk{table: ti, err: err}
		}
	}
	return c
}

// appendRowKeys appends the keys of the records that gather reads for row
// ri, in the order it reads them.
func appendRowKeys(keys []checkpoint.Key, p *plan.Plan, ri plan.RowID, idCols []string) []checkpoint.Key {
	first, n := p.RowSteps(ri)
	row := &p.Rows[ri]
	if givesIDs(row, idCols) || isCancel(p, first, n) {
		for _, a := range kindActions[row.Kind] {
			if p.RowStep(ri, a) < 0 {
				keys = append(keys, checkpoint.Key(plan.MakeKey(row.Kind, row.Key, a)))
			}
		}
	}
	for i := first; i < first+plan.StepID(n); i++ {
		keys = append(keys, checkpoint.Key(p.Key(i)))
	}
	return keys
}

// givesIDs tells whether row gives one of the ID columns idCols itself.
func givesIDs(row *plan.Row, idCols []string) bool {
	for _, col := range idCols {
		if ownValue(row, col) != "" {
			return true
		}
	}
	return false
}

// isCancel tells whether the n steps of a row from first are its cancel
// alone.
func isCancel(p *plan.Plan, first plan.StepID, n int) bool {
	return n == 1 && p.Steps[first].Action == plan.PortInCancel
}

// recordSource reads step records for gather.
type recordSource interface {
	Get(key checkpoint.Key) (checkpoint.Record, bool, error)
}

// prefetched hands out records read beforehand, in the order they were
// read; a key out of that order is read from the store.
type prefetched struct {
	s    *checkpoint.Store
	keys []checkpoint.Key
	recs []checkpoint.Record
	ok   []bool
	next int
}

func (f *prefetched) Get(key checkpoint.Key) (checkpoint.Record, bool, error) {
	if f.next < len(f.keys) && f.keys[f.next] == key {
		f.next++
		return f.recs[f.next-1], f.ok[f.next-1], nil
	}
	return f.s.Get(key)
}

// writeTables writes the results tabs from the chunks readRows sends, and
// adds every row to agg.
func writeTables(p *plan.Plan, chunks <-chan rowChunk, agg *tally, w sheets.Writer, o Results, cols [plan.NumKinds][]string) error {
	var tab *resultsTab
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if c.start {
			t := &p.Tables[c.table]
			tab = newResultsTab(t, o.Eligibility, cols[t.Kind])
			if err := w.Sheet(t.Sheet, tab.header); err != nil {
				return err
			}
			if l, ok := w.(sheets.Layout); ok {
				l.Wrap(tab.wrapped()...)
			}
			continue
		}
		for k, ri := range c.rows {
			row, res := &p.Rows[ri], &c.res[k]
			tab.fill(row, res)
			if err := agg.add(p, ri, *res); err != nil {
				return err
			}
			if err := w.Row(tab.cells(row, *res)); err != nil {
				return err
			}
		}
	}
	return nil
}

// statusRank orders row statuses: the worst step decides the row.
var statusRank = map[string]int{"done": 0, "pending": 1, "cancelled": 2, "waiting": 3, "skipped": 4,
	"needs attention": 5, "failed": 6}

// gather reads the outcome of row ri from the records of its steps.
func gather(p *plan.Plan, s recordSource, ri plan.RowID, idCols []string) (rowResult, error) {
	res := rowResult{status: "done", ids: map[string]string{}}
	row := &p.Rows[ri]
	for _, col := range idCols {
		if v := ownValue(row, col); v != "" {
			res.ids[col] = v
		}
	}
	first, n := p.RowSteps(ri)
	if err := res.earlierSteps(p, s, ri, first, n); err != nil {
		return res, err
	}
	for i := first; i < first+plan.StepID(n); i++ {
		key := p.Key(i)
		rec, ok, err := s.Get(checkpoint.Key(key))
		if err != nil {
			return res, err
		}
		res.addStep(key, p.Steps[i].Action, rec, ok)
	}
	switch res.status {
	case "failed", "needs attention", "skipped", "cancelled":
	default:
		res.err = ""
	}
	if res.ids[noteCompletedSeen] != "" && res.ids[noteSentAt] != "" {
		// A completion the runner dated by its own clock counts from when
		// the order was sent by that clock: SubmittedAt shows that time.
		res.ids[colSubmittedAt] = res.ids[noteSentAt]
	}
	return res, nil
}

// earlierSteps adds to the result of row ri, which gives some of its IDs
// itself or is a cancel, what the records of its kind's steps that the plan
// does not have hold: steps that earlier runs of this
// checkpoint took, for a row that now gives their IDs (a results workbook
// fed back) or that is now cancelled. Their IDs and facts (the order and
// its status, the subscription's package and price) stay the row's; the
// plan's own steps, added next, take precedence.
func (res *rowResult) earlierSteps(p *plan.Plan, s recordSource, ri plan.RowID, first plan.StepID, n int) error {
	row := &p.Rows[ri]
	if len(res.ids) == 0 && !isCancel(p, first, n) {
		return nil // a row that gives none of its IDs had every step it needs planned
	}
	for _, a := range kindActions[row.Kind] {
		if p.RowStep(ri, a) >= 0 {
			continue
		}
		rec, ok, err := s.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, a)))
		if err != nil {
			return err
		}
		if ok {
			res.merge(a, rec)
		}
	}
	return nil
}

// merge adds the IDs and facts of a record of action a.
func (res *rowResult) merge(a plan.Action, rec checkpoint.Record) {
	mergeInto(res.ids, rec.IDs)
	mergeInto(res.ids, rec.Data)
	if a == plan.PortInSubmit {
		res.ids[colOrderDigest] = ""
		if rec.Data[noteUnknownSent] == "" {
			res.ids[colOrderDigest] = rec.Fingerprint
		}
	}
}

// addStep adds the record of one of the row's steps (ok false: none):
// its IDs and facts, its attempts, and its state if it is the worst yet.
func (res *rowResult) addStep(key plan.StepKey, a plan.Action, rec checkpoint.Record, ok bool) {
	st := "pending"
	if ok {
		st = rec.State.String()
		if rec.State == checkpoint.InFlight {
			st = "needs attention"
			if rec.ErrMessage == "" {
				rec.ErrMessage = "the outcome of this create is not known yet: the next run looks it up before anything is re-sent"
			}
		}
		res.merge(a, rec)
		res.attempts += rec.Attempts
		if rec.UpdatedAt.After(res.updatedAt) {
			res.updatedAt = rec.UpdatedAt
		}
	}
	if statusRank[st] > statusRank[res.status] {
		res.status = st
		if ok && rec.ErrMessage != "" {
			res.err, res.errStep = rec.ErrMessage, key
		}
	}
}

// ownValue returns a column the row itself carries, if its kind has it.
func ownValue(row *plan.Row, col string) (v string) {
	defer func() {
		if recover() != nil {
			v = ""
		}
	}()
	return row.Get(col)
}

// resultsTab is the shape of one results tab: the input columns it keeps,
// then Status, the columns the results add, Error, Attempts, UpdatedAt.
type resultsTab struct {
	t      *plan.TableInfo
	keep   []int    // input columns kept, in input order
	out    []string // the columns added after Status
	elig   bool     // the eligibility check's tab
	header []string
	fed    map[string]int // the input columns that are results columns (a results workbook fed back)
}

func newResultsTab(t *plan.TableInfo, elig bool, idCols []string) *resultsTab {
	tab := &resultsTab{t: t, out: idCols, elig: elig}
	if elig {
		tab.out = eligibilityColumns
	}
	// Drop input columns that the results add again (a results workbook
	// fed back in), keep every other input column in input order.
	added := map[string]bool{"status": true, "error": true, "attempts": true, "updatedat": true}
	for _, c := range tab.out {
		added[strings.ToLower(c)] = true
	}
	for c, h := range t.Header {
		if added[strings.ToLower(strings.ReplaceAll(h, " ", ""))] {
			if canon := t.Canon[c]; canon != "" && slices.Contains(tab.out, canon) {
				if tab.fed == nil {
					tab.fed = map[string]int{}
				}
				tab.fed[canon] = c
			}
			continue
		}
		tab.keep = append(tab.keep, c)
		tab.header = append(tab.header, h)
	}
	tab.header = append(tab.header, "Status")
	tab.header = append(tab.header, tab.out...)
	tab.header = append(tab.header, "Error", "Attempts", "UpdatedAt")
	return tab
}

// wrapped returns the columns whose text wraps: the Error, and the
// eligibility check's Message.
func (tab *resultsTab) wrapped() []int {
	var cols []int
	for i, h := range tab.header {
		if h == "Error" || (tab.elig && h == colMessage) {
			cols = append(cols, i)
		}
	}
	return cols
}

// fill fills the results columns that the checkpoint left empty with what
// the row itself shows in them (a results workbook fed back as the
// manifest, with a checkpoint that did not take those steps), so that the
// same run state gives the same results whatever the manifest.
func (tab *resultsTab) fill(row *plan.Row, res *rowResult) {
	for col, c := range tab.fed {
		if res.ids[col] == "" && c < row.NumCells() {
			if v := strings.TrimSpace(row.Cell(c)); v != "" {
				res.ids[col] = v
			}
		}
	}
}

// cells returns the cells of row, whose outcome is res.
func (tab *resultsTab) cells(row *plan.Row, res rowResult) []sheets.Cell {
	cells := make([]sheets.Cell, 0, len(tab.header))
	for _, c := range tab.keep {
		cells = append(cells, tab.inputCell(row, c))
	}
	cells = append(cells, sheets.Cell{Value: tab.status(res), Exact: true})
	for _, c := range tab.out {
		v := res.ids[c]
		cell := sheets.Cell{Value: v, Exact: inert(v)}
		if c == colDeclinedAttempts {
			cell.Num = sheets.Integer
		}
		cells = append(cells, cell)
	}
	updated := ""
	if !res.updatedAt.IsZero() {
		updated = res.updatedAt.UTC().Format(time.RFC3339)
	}
	errText := res.err
	if errText != "" && res.errStep != "" {
		errText = fmt.Sprintf("%s: %s", res.errStep, errText)
	}
	return append(cells, sheets.Cell{Value: errText}, sheets.Cell{Value: itoaZero(res.attempts), Exact: true, Num: sheets.Integer},
		sheets.Cell{Value: updated, Exact: true})
}

// inputCell returns input column c of row as the results show it: a
// secret masked, a value the tool normalised exactly as normalised.
func (tab *resultsTab) inputCell(row *plan.Row, c int) sheets.Cell {
	v := ""
	if c < row.NumCells() {
		v = row.Cell(c)
	}
	switch {
	case tab.t.Secret[c] && v != "":
		return sheets.Cell{Value: "***", Exact: true}
	case exactColumns[tab.t.Canon[c]] && v != "":
		if n := ownValue(row, tab.t.Canon[c]); n != "" {
			return sheets.Cell{Value: n, Exact: true}
		}
	}
	return sheets.Cell{Value: v}
}

// status is the row's Status cell: its status, or on the eligibility tab
// what the check found.
func (tab *resultsTab) status(res rowResult) string {
	if !tab.elig {
		return res.status
	}
	switch res.ids[colEligible] {
	case "yes":
		return "eligible"
	case "no":
		return "not eligible"
	}
	return "not checked"
}

// inert tells whether v may be written exactly, unprefixed, in CSV: an
// E.164 number, an ICCID or a count (digits, one leading +, one trailing F),
// which no spreadsheet evaluates as anything but a number. Any other value
// that came from the manifest or the API gets the formula guard.
func inert(v string) bool {
	v = strings.TrimPrefix(v, "+")
	v = strings.TrimSuffix(v, "F")
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func itoaZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
