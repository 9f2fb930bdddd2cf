package plan

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	csv   bool // the table is a CSV file
	part  bool // only some fields are mapped: the eligibility plan's
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
// keeps them: a string header (16 bytes) for each cell of every column of
// a table's header, and the text of the cells. The synthetic million-line
// manifest (samples/gen) takes 361 MiB, so some 1.7 million such lines
// fit. Without a bound, a small file could take any amount: a CSV file of
// a header of 16,384 columns and a million one-letter rows is 2 MB, and
// its rows would take 256 GB. A variable for the tests.
var maxRowBytes int64 = 640 << 20

// cellCost is what a cell takes in memory beside its text.
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

// batchSize is the number of rows a worker normalises at a time.
const batchSize = 1024

// batch is a run of rows of one table, normalised by a worker.
type batch struct {
	m     *tableMap
	rows  []Row
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

func (bt *batch) run() {
	vals := arena{chunk: 1024}
	k := 0
	for i := range bt.rows {
		var x rowExtra
		if k < len(bt.extra) && bt.extra[k].i == i {
			x = bt.extra[k]
			k++
		}
		c := rowCheck{m: bt.m, r: &bt.rows[i], probs: &bt.probs, warns: &bt.warns}
		c.check(x.cps, x.numeric, &vals)
	}
	close(bt.done)
}

// arena hands out string slices from large chunks, so that the cells and
// normalised values of a row cost no allocation of their own.
type arena struct {
	buf   []string
	chunk int // strings per chunk
}

func (a *arena) take(n int) []string {
	if len(a.buf)+n > cap(a.buf) {
		a.buf = make([]string, 0, max(a.chunk, n))
	}
	s := a.buf[len(a.buf) : len(a.buf)+n : len(a.buf)+n]
	a.buf = a.buf[:len(a.buf)+n]
	return s
}

// read streams every table, hands batches of rows to workers that
// normalise them, and appends the rows and their problems in input order.
func (b *builder) read(readers []sheets.Reader, maps []*tableMap) error {
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range work {
				bt.run()
			}
		}()
	}
	// The collector keeps the batches in order and copies their rows into
	// one exactly sized slice at the end, sparing a growing slice's copies.
	var done []*batch
	total := 0
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for bt := range order {
			<-bt.done
			done = append(done, bt)
			total += len(bt.rows)
			b.addProblems(bt.probs)
			b.addWarnings(bt.warns)
			bt.probs, bt.warns = nil, nil
		}
	}()
	send := func(bt *batch) {
		order <- bt
		work <- bt
	}
	finish := func() {
		close(work)
		close(order)
		wg.Wait()
		<-collected
	}

	var kept int64 // bytes the rows take (see maxRowBytes)
	for ti, rd := range readers {
		m := maps[ti]
		if m == nil {
			continue // a results workbook's Summary or Errors tab
		}
		n := len(m.field)
		cells := arena{chunk: max(n, min(256*n, 1<<16))} // at most 1 MiB a chunk, or one row
		bt := &batch{m: m, done: make(chan struct{})}
		var untitledCols []int // columns without a title inside the header
		for j, f := range m.field {
			if f == untitled {
				untitledCols = append(untitledCols, j)
			}
		}
		warned := make(map[int]bool) // untitled columns already reported
		for rd.Next() {
			sr := rd.Row()
			if untitledCols != nil || sr.Beyond != nil {
				for _, j := range untitledCols {
					if !warned[j] && strings.TrimSpace(sr.Cells[j]) != "" {
						warned[j] = true
						bt.warns = append(bt.warns, untitledWarning(m, sr.Num, j))
					}
				}
				for _, j := range sr.Beyond {
					if !warned[j] {
						warned[j] = true
						bt.warns = append(bt.warns, untitledWarning(m, sr.Num, j))
					}
				}
				if len(sr.Problems) == 0 && m.titledBlank(sr.Cells) {
					continue // values only where no title says what they are
				}
			}
			kept += int64(n) * cellCost
			for _, c := range sr.Cells {
				kept += int64(len(c))
			}
			if kept > maxRowBytes {
				finish()
				return fmt.Errorf("build: read %s: row %d: %w", m.sheet, sr.Num, errTooLarge())
			}
			buf := cells.take(n)
			copy(buf, sr.Cells)
			r := Row{Kind: m.s.kind, Table: m.tab, Num: int32(sr.Num), Cells: buf, tab: m}
			for s := range r.par {
				r.par[s] = -1
			}
			var numeric []int // the number cells where leading zeros matter
			for _, j := range sr.Numeric {
				if f := m.field[j]; f >= 0 && m.s.fields[f].zeros {
					numeric = append(numeric, j)
				}
			}
			if len(sr.Problems) > 0 || numeric != nil {
				// Copied: the Row is the reader's until its next Next.
				bt.extra = append(bt.extra, rowExtra{len(bt.rows), slices.Clone(sr.Problems), numeric})
			}
			bt.rows = append(bt.rows, r)
			if len(bt.rows) == batchSize {
				send(bt)
				bt = &batch{m: m, rows: make([]Row, 0, batchSize), done: make(chan struct{})}
			}
		}
		if err := rd.Err(); err != nil {
			finish()
			return fmt.Errorf("build: read %s: %w", m.sheet, err)
		}
		if len(bt.rows) > 0 {
			send(bt)
		}
	}
	finish()
	b.p.Rows = make([]Row, 0, total)
	for i, bt := range done {
		b.p.Rows = append(b.p.Rows, bt.rows...)
		done[i] = nil
	}
	return nil
}
