package jobs

import (
	"slices"
	"strconv"
	"strings"

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

// WriteResults writes the results workbook: every input tab with every input
// column (secrets masked), then the row's status, IDs and error; a Summary
// tab, an Errors tab and a Changes tab (changes.go). It reads outcomes from the checkpoint only, so it
// can be written after any run, including one that was killed.
//
// The records are read once, a chunk of rows at a time in one read
// transaction, by a goroutine of their own (see readRows), while the
// workbook is written: reading and writing use a core each.
func WriteResults(p *plan.Plan, s *checkpoint.Store, w sheets.Writer, o Results) error {
	return writeResults(p, s, w, o, nil)
}

// writeResults is WriteResults that also gives every row's outcome to
// fails (when not nil), for the failures file.
func writeResults(p *plan.Plan, s *checkpoint.Store, w sheets.Writer, o Results, fails *failureSet) error {
	agg := newTally(newFinance(p, s, o.Packages, o.TempDir))
	defer agg.finance.close()
	cols := resultColumns()
	var tables []int32
	for ti, t := range p.Tables {
		if !o.Eligibility || t.Kind == plan.PortIns {
			tables = append(tables, int32(ti))
		}
	}
	rw := &resultsWriter{p: p, agg: agg, w: w, elig: o.Eligibility, cols: cols, fails: fails}
	err := eachChunk(p, s, tables, cols, rw.chunk)
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

// eachChunk reads the outcomes of the rows of tables (see readRows) and
// calls fn with every chunk, in order, while the next ones are read. The
// chunk fn is given is used again once fn returns.
func eachChunk(p *plan.Plan, s *checkpoint.Store, tables []int32, cols [plan.NumKinds][]string,
	fn func(*rowChunk) error) error {
	chunks := make(chan *rowChunk, 4)
	free := make(chan *rowChunk, 6)
	done := make(chan struct{})
	go readRows(p, s, tables, cols, chunks, free, done)
	var err error
	for c := range chunks {
		if err = c.err; err == nil {
			err = fn(c)
		}
		if err != nil {
			break
		}
		if !c.start {
			select {
			case free <- c:
			default:
			}
		}
	}
	close(done)
	for range chunks { // until readRows has returned
	}
	return err
}

// resultsWriter writes the results tabs from the chunks of outcomes.
type resultsWriter struct {
	p     *plan.Plan
	agg   *tally
	w     sheets.Writer
	elig  bool
	cols  [plan.NumKinds][]string
	fails *failureSet // nil: no failures file
	tab   *resultsTab
}

// chunk starts the tab of c's table, or writes the results rows of c's
// rows and adds every row to the tally (and to the failures).
func (rw *resultsWriter) chunk(c *rowChunk) error {
	if c.start {
		t := &rw.p.Tables[c.table]
		rw.tab = newResultsTab(t, rw.elig, rw.cols[t.Kind])
		if err := rw.w.Sheet(t.Sheet, rw.tab.header); err != nil {
			return err
		}
		if l, ok := rw.w.(sheets.Layout); ok {
			l.Wrap(rw.tab.wrapped()...)
		}
		return nil
	}
	for k, ri := range c.rows {
		row, res := &rw.p.Rows[ri], &c.res[k]
		if rw.fails != nil {
			rw.fails.add(ri, res) // as read: the failures file is not filled in
		}
		if row.Kind == plan.Accounts {
			rw.agg.finance.noteAccount(ri, res)
		}
		rw.tab.fill(row, res)
		if err := rw.agg.add(rw.p, ri, res); err != nil {
			return err
		}
		if err := rw.w.Row(rw.tab.cells(row, res)); err != nil {
			return err
		}
	}
	return nil
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

	outField []int         // the fields of out (see fields)
	buf      []sheets.Cell // the cells of the last row
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
		if res.id(col) == "" && c < row.NumCells() {
			if v := strings.TrimSpace(row.Cell(c)); v != "" {
				res.setID(col, v)
			}
		}
	}
}

// cells returns the cells of row, whose outcome is res. They are the
// tab's: the next call reuses them.
func (tab *resultsTab) cells(row *plan.Row, res *rowResult) []sheets.Cell {
	if tab.outField == nil {
		for _, c := range tab.out {
			tab.outField = append(tab.outField, fields().index[c])
		}
	}
	cells := tab.buf[:0]
	for _, c := range tab.keep {
		cells = append(cells, tab.inputCell(row, c))
	}
	cells = append(cells, sheets.Cell{Value: tab.status(res), Exact: true})
	for i, c := range tab.out {
		v := res.vals[tab.outField[i]]
		cell := sheets.Cell{Value: v, Exact: inert(v)}
		if c == colDeclinedAttempts {
			cell.Num = sheets.Integer
		}
		cells = append(cells, cell)
	}
	errText := res.err
	if errText != "" && res.errStep != "" {
		errText = string(res.errStep) + ": " + errText
	}
	cells = append(cells, sheets.Cell{Value: errText}, sheets.Cell{Value: itoaZero(res.attempts), Exact: true, Num: sheets.Integer},
		sheets.Cell{Value: res.updated, Exact: true})
	tab.buf = cells
	return cells
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
func (tab *resultsTab) status(res *rowResult) string {
	if !tab.elig {
		return res.status
	}
	switch res.id(colEligible) {
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
