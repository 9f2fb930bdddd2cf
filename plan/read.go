package plan

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"telegent-bulk/sheets"
)

// Header columns that are not schema fields.
const (
	ignoredCol int16 = -1 // a comment, results or unknown column
	untitled   int16 = -2 // a column without a title
)

// tableMap maps one table's header onto its kind's schema.
type tableMap struct {
	s     *schema
	tab   int32   // index into Plan.Tables
	sheet string  // TableInfo.Sheet
	col   []int32 // per schema field: header column, or -1
	field []int16 // per header column: schema field, or ignoredCol/untitled
	head  []string
	// shared holds, per field, the texts of cells that rows of the table
	// share (see text.go): set in each worker's copy of the tableMap, which
	// the rows it packs point to.
	shared [][]string
	csv    bool      // the table is a CSV file
	part   bool      // only some fields are mapped: the eligibility plan's
	today  time.Time // the day dates are checked against (Options.Today)
}

// colName is the column part of a problem about field fi: the header as
// the table spells it (E mail), so that the user finds the cell, or the
// canonical name (Email) when the table does not have the column.
func (m *tableMap) colName(fi int) string {
	if j := m.col[fi]; j >= 0 && m.head[j] != "" {
		return m.head[j]
	}
	return m.s.fields[fi].name
}

// colOrder is the sort position of a problem about field fi: its column,
// or after every column when the table does not have it.
func (m *tableMap) colOrder(fi int) int32 {
	if j := m.col[fi]; j >= 0 {
		return j
	}
	return 1<<20 + int32(fi)
}

func (m *tableMap) problem(row int, column string, col int32, msg string) Problem {
	return Problem{Sheet: m.sheet, Row: row, Column: column, Message: msg, tab: m.tab + 1, col: col}
}

// sheetName is the name a user knows a table by: the tab name, or the CSV
// file's name with its extension.
func sheetName(t sheets.Table) string {
	if t.Path != "" && strings.EqualFold(filepath.Ext(t.Path), ".csv") {
		return filepath.Base(t.Path)
	}
	if t.Name == "" {
		return filepath.Base(t.Path)
	}
	return t.Name
}

// newTableMap matches the header of table t, of kind k, against the
// schema; sheet is the name problems give the table. Only the fields in use (a bit each) are mapped; a column of
// another field is kept in TableInfo (so that the results mask a secret)
// but its cells are not read.
func newTableMap(k Kind, tab int32, t sheets.Table, sheet string, use uint64) (*tableMap, TableInfo, []Problem, []Problem) {
	s := schemas[k]
	m := &tableMap{s: s, tab: tab, sheet: sheet, col: make([]int32, len(s.fields)), field: make([]int16, len(t.Header)),
		head: t.Header, csv: strings.EqualFold(filepath.Ext(t.Path), ".csv"), part: use != allFields}
	info := TableInfo{Kind: k, Sheet: m.sheet, Path: t.Path,
		Header: append([]string(nil), t.Header...),
		Canon:  make([]string, len(t.Header)), Secret: make([]bool, len(t.Header))}
	for i := range m.col {
		m.col[i] = -1
	}
	var probs, warns []Problem
	for j, h := range t.Header {
		fh := fold(h)
		m.field[j] = ignoredCol
		if fi, ok := s.byHeader[fh]; ok {
			f := &s.fields[fi]
			info.Canon[j], info.Secret[j] = f.name, f.secret
			if use&(1<<fi) == 0 {
				continue
			}
			if first := m.col[fi]; first >= 0 {
				probs = append(probs, m.problem(0, h, int32(j), fmt.Sprintf(
					"columns %s (%s) and %s (%s) both mean %s (want one of them)",
					sheets.ColumnLetter(int(first)), quote(t.Header[first]), sheets.ColumnLetter(j), quote(h), f.name)))
				continue
			}
			m.col[fi], m.field[j] = int32(j), int16(fi)
			continue
		}
		switch {
		case fh == "":
			m.field[j] = untitled
		case commentColumns[fh]:
		default:
			if canon, ok := outputColumns[fh]; ok {
				info.Canon[j] = canon
				break
			}
			msg := "unknown column " + quote(h) + ": its values are copied to the results but not used (want " +
				article(k.String()) + " " + k.String() + " column from docs/manifest.md)"
			if looksSecret(fh) {
				info.Secret[j] = true
				msg += "; it looks secret, so the results mask it"
			}
			warns = append(warns, m.problem(0, h, int32(j), msg))
		}
	}
	if m.col[s.key] < 0 {
		f := &s.fields[s.key]
		probs = append(probs, m.problem(0, f.name, m.colOrder(s.key),
			"no such column, but every "+k.String()+" row needs one as its key (want "+f.example()+")"))
	}
	return m, info, probs, warns
}

// looksSecret guesses whether an unknown column holds secrets.
func looksSecret(folded string) bool {
	for _, w := range [...]string{"password", "passwd", "passcode", "secret", "token"} {
		if strings.Contains(folded, w) {
			return true
		}
	}
	return folded == "pin" || strings.HasSuffix(folded, "pin")
}

// untitledWarning says that column j, which has no title, has a value on
// row num (the first such row) that is not used.
func untitledWarning(m *tableMap, num, j int) Problem {
	return m.problem(num, "", int32(j), "column "+sheets.ColumnLetter(j)+" has no title, so its values are not used "+
		"(this is the first row with one; want a column title from docs/manifest.md)")
}

// titledBlank reports whether every cell of a titled column is blank.
func (m *tableMap) titledBlank(cells []string) bool {
	for j, c := range cells {
		if m.field[j] != untitled && strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// maxRowBytes bounds the memory the rows of a manifest take as Build
// keeps them, counted as 16 bytes for each cell of every column of a
// table's header (what a string header took when rows kept their cells
// as strings) and the text of the cells. A row's packed text (see
// text.go) takes less, at most 4 bytes a cell beside its text, so the
// count is on the safe side; it is kept so that the same manifests fit. The
// synthetic million-line manifest (samples/gen) counts 361 MiB, so some
// 1.7 million such lines fit. Without a bound, a small file could take any
// amount: a CSV file of a header of 16,384 columns and a million
// one-letter rows is 2 MB, and its rows would take 16 GB even at a byte a
// cell. A variable for the tests.
var maxRowBytes int64 = 640 << 20

// cellCost is what a cell counts for beside its text (see maxRowBytes).
const cellCost = 16

// errTooLarge is the error for a manifest whose rows take more than
// maxRowBytes.
func errTooLarge() error {
	return fmt.Errorf("the manifest's rows take more than %s in memory (%d bytes for each cell of every column, "+
		"and the text), the most a manifest may; split it into smaller manifests", sizeOf(maxRowBytes), cellCost)
}

// sizeOf formats a size in bytes: 1 GiB, 300 MiB.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return thousands(int(n)) + " bytes"
}

// batchSize is the number of rows a worker normalises at a time; fewer
// in a table so wide that their cells would take more than batchCells.
const batchSize = 1024

// batchCells bounds the cells a batch holds as read (1 MiB of string
// headers), so that the batches in flight take little memory whatever
// the width of the table.
const batchCells = 1 << 16

// batch is a run of rows of one table, normalised by a worker.
type batch struct {
	m     *tableMap
	rows  []Row
	cells []string // the cells of every row as read, len(m.field) a row, until the worker packs them
	extra []rowExtra
	probs []Problem
	warns []Problem
	done  chan struct{}
}

// rowExtra is what the reader said about the cells of row i of a batch
// beyond their text: the cells it could not read faithfully, and those it
// read from numbers (which hold no leading zeros).
type rowExtra struct {
	i       int
	cps     []sheets.CellProblem
	numeric []int
}

// newBatch returns an empty batch of table m, with room for its rows.
func newBatch(m *tableMap) *batch {
	n := m.batchRows()
	return &batch{m: m, rows: make([]Row, 0, n), cells: make([]string, 0, n*len(m.field)), done: make(chan struct{})}
}

// batchRows returns the number of rows of a full batch of the table.
func (m *tableMap) batchRows() int {
	return max(1, min(batchSize, batchCells/max(1, len(m.field))))
}

// run normalises the rows of the batch, packing their texts with pk, and
// lets go of the cells as read.
func (bt *batch) run(pk *packer) {
	wt := pk.table(bt.m)
	n := len(bt.m.field)
	k := 0
	for i := range bt.rows {
		var x rowExtra
		if k < len(bt.extra) && bt.extra[k].i == i {
			x = bt.extra[k]
			k++
		}
		r := &bt.rows[i]
		r.tab = wt.m
		c := rowCheck{m: wt.m, r: r, cells: bt.cells[i*n : (i+1)*n], probs: &bt.probs, warns: &bt.warns}
		c.check(x.cps, x.numeric, pk, wt)
	}
	bt.cells, bt.extra = nil, nil
	close(bt.done)
}

// read streams every table, hands batches of rows to workers that
// normalise them, and appends the rows and their problems in input order.
func (b *builder) read(readers []sheets.Reader, maps []*tableMap) error {
	p := b.startPool()
	var kept int64 // bytes the rows take (see maxRowBytes)
	for ti, rd := range readers {
		m := maps[ti]
		if m == nil {
			continue // a results workbook's Summary or Errors tab
		}
		if err := readTable(rd, m, p, &kept); err != nil {
			p.finish()
			return err
		}
	}
	p.finish()
	b.p.Rows = p.rows()
	return nil
}

// readTable reads the rows of table m from rd and sends them to p in
// batches. kept counts the bytes the rows of every table take.
func readTable(rd sheets.Reader, m *tableMap, p *pool, kept *int64) error {
	n := len(m.field)
	bt := newBatch(m)
	strays := newUntitledColumns(m)
	for rd.Next() {
		sr := rd.Row()
		if strays.only(&sr, &bt.warns) {
			continue // values only where no title says what they are
		}
		if *kept += rowCost(n, sr.Cells); *kept > maxRowBytes {
			return fmt.Errorf("build: read %s: row %d: %w", m.sheet, sr.Num, errTooLarge())
		}
		bt.add(&sr)
		if len(bt.rows) == cap(bt.rows) { // full (see batchRows)
			p.send(bt)
			bt = newBatch(m)
		}
	}
	if err := rd.Err(); err != nil {
		return fmt.Errorf("build: read %s: %w", m.sheet, err)
	}
	if len(bt.rows) > 0 {
		p.send(bt)
	}
	return nil
}

// rowCost is what a row of n columns with these cells takes in memory
// (see maxRowBytes).
func rowCost(n int, cells []string) int64 {
	cost := int64(n) * cellCost
	for _, c := range cells {
		cost += int64(len(c))
	}
	return cost
}

// add appends the row sr, its cells (as many as the header has columns),
// and what the reader said about them beyond their text.
func (bt *batch) add(sr *sheets.Row) {
	m := bt.m
	at := len(bt.cells)
	bt.cells = bt.cells[:at+len(m.field)] // the batch's cells are never written twice: those past sr's are ""
	copy(bt.cells[at:], sr.Cells)
	r := Row{Kind: m.s.kind, Table: m.tab, Num: int32(sr.Num), tab: m}
	for s := range r.par {
		r.par[s] = -1
	}
	numeric := m.zeroNumbers(sr.Numeric)
	if len(sr.Problems) > 0 || numeric != nil {
		// Copied: the Row is the reader's until its next Next.
		bt.extra = append(bt.extra, rowExtra{len(bt.rows), slices.Clone(sr.Problems), numeric})
	}
	bt.rows = append(bt.rows, r)
}

// zeroNumbers returns the cells, of those the reader read from numbers,
// whose fields keep leading zeros (which a number cannot hold); nil for
// none.
func (m *tableMap) zeroNumbers(numeric []int) []int {
	var cells []int
	for _, j := range numeric {
		if f := m.field[j]; f >= 0 && m.s.fields[f].zeros {
			cells = append(cells, j)
		}
	}
	return cells
}

// untitledColumns warns of the values in a table's columns that have no
// title, the first time each such column has one: columns inside the
// header, and columns beyond it.
type untitledColumns struct {
	m      *tableMap
	inside []int        // columns without a title inside the header
	warned map[int]bool // columns already reported
}

func newUntitledColumns(m *tableMap) *untitledColumns {
	u := &untitledColumns{m: m, warned: make(map[int]bool)}
	for j, f := range m.field {
		if f == untitled {
			u.inside = append(u.inside, j)
		}
	}
	return u
}

// only adds to warns the untitled columns in which row sr is the first
// to have a value, and reports whether the row has values only in such
// columns (and no cell the reader could not read): a row not to keep.
func (u *untitledColumns) only(sr *sheets.Row, warns *[]Problem) bool {
	if u.inside == nil && sr.Beyond == nil {
		return false
	}
	for _, j := range u.inside {
		if !u.warned[j] && strings.TrimSpace(sr.Cells[j]) != "" {
			u.warned[j] = true
			*warns = append(*warns, untitledWarning(u.m, sr.Num, j))
		}
	}
	for _, j := range sr.Beyond {
		if !u.warned[j] {
			u.warned[j] = true
			*warns = append(*warns, untitledWarning(u.m, sr.Num, j))
		}
	}
	return len(sr.Problems) == 0 && u.m.titledBlank(sr.Cells)
}

// pool normalises batches of rows on up to 8 workers, while a collector
// keeps the batches in the order they were sent and passes their
// problems on to the builder.
type pool struct {
	work      chan *batch
	order     chan *batch
	wg        sync.WaitGroup
	collected chan struct{} // closed when the collector is done
	done      []*batch      // the batches collected, in order
	total     int           // rows in done
}

func (b *builder) startPool() *pool {
	n := min(runtime.GOMAXPROCS(0), 8)
	p := &pool{work: make(chan *batch, n), order: make(chan *batch, 2*n), collected: make(chan struct{})}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var pk packer
			for bt := range p.work {
				bt.run(&pk)
			}
		}()
	}
	go p.collect(b)
	return p
}

// collect takes the batches in the order they were sent, each once it is
// normalised, and adds their problems to b.
func (p *pool) collect(b *builder) {
	defer close(p.collected)
	for bt := range p.order {
		<-bt.done
		p.done = append(p.done, bt)
		p.total += len(bt.rows)
		b.addProblems(bt.probs)
		b.addWarnings(bt.warns)
		bt.probs, bt.warns = nil, nil
	}
}

// send hands bt to a worker, keeping its place in the order.
func (p *pool) send(bt *batch) {
	p.order <- bt
	p.work <- bt
}

// finish waits until every batch sent is normalised and collected.
func (p *pool) finish() {
	close(p.work)
	close(p.order)
	p.wg.Wait()
	<-p.collected
}

// rows returns the rows of every batch, in order, copied into one exactly
// sized slice (which spares a growing slice's copies). Call it after
// finish.
func (p *pool) rows() []Row {
	rows := make([]Row, 0, p.total)
	for i, bt := range p.done {
		rows = append(rows, bt.rows...)
		p.done[i] = nil
	}
	return rows
}
