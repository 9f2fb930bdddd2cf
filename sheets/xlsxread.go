package sheets

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// How a workbook is read.
//
// A tab is streamed from the zip archive: each worksheet part is
// decompressed on the fly and read by a rowScanner, which keeps one row in
// memory. What stays for the whole read is the cell formats and the shared
// strings table (every distinct text of a workbook Excel saved), which
// moves to a temporary file when it is large (see sharedStrings).
//
// excelize is not used for reading. Its row iterator (File.Rows,
// Rows.Columns) streams too, but returns each cell as a bare string: it
// cannot tell a text cell holding "8015551234" from a number cell holding
// 8015551234, or a date from any other number (GetRowOpts describes only
// the row; GetCellType and GetCellStyle load the whole worksheet). And it
// decodes every cell through encoding/xml, which reads about 12,000 rows
// of 20 columns a second — over a minute for a million-row manifest. The
// reader here looks at the same XML as bytes, sees each cell's type (t)
// and format (s) as it goes, and is several times faster; the tests check
// it against excelize's reading of the same files.

// workbook is an open .xlsx file shared by the Readers of its tabs.
type workbook struct {
	path     string
	zip      *zip.ReadCloser
	formats  []numFormat
	strings  *sharedStrings
	date1904 bool

	mu      sync.Mutex
	readers int // references: open Readers, and Open while it works
}

// openXLSX opens every tab of the workbook at path that has a header.
func openXLSX(path string) ([]Reader, error) {
	if err := checkZipEntries(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: not an XLSX workbook (is it password-protected, "+
			"or another format renamed?): %w", path, err)
	}
	parts, err := readWorkbookParts(&zr.Reader)
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// parts.strings is released with the archive, by the last Reader.
	// Open holds one reference until every tab is open, so that closing
	// the Reader of an empty tab does not close the workbook.
	b := &workbook{
		path:     path,
		zip:      zr,
		formats:  parts.formats,
		strings:  parts.strings,
		date1904: parts.date1904,
		readers:  1,
	}
	var readers []Reader
	for _, p := range parts.sheets {
		r, err := b.openTab(p)
		if err != nil {
			closeAll(readers)
			_ = b.release()
			return nil, err
		}
		if r != nil {
			readers = append(readers, r)
		}
	}
	if err := b.release(); err != nil {
		return nil, fmt.Errorf("close %s: %w", path, err) // only when no tab has a reader
	}
	if len(readers) == 0 {
		return nil, fmt.Errorf("open %s: every tab is empty: %w", path, ErrNoTable)
	}
	return readers, nil
}

// openTab returns a Reader positioned after the tab's header, or nil for a
// tab without one.
func (b *workbook) openTab(p sheetPart) (Reader, error) {
	where := fmt.Sprintf("%s: tab %q", b.path, p.name)
	if p.file == nil {
		return nil, fmt.Errorf("open %s: the workbook lists the tab but its worksheet is missing", where)
	}
	if err := checkPart(p.file, limits.sheetPart, "a worksheet"); err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	part, err := p.file.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	b.mu.Lock()
	b.readers++
	b.mu.Unlock()
	r := &xlsxReader{
		book:  b,
		where: where,
		table: Table{Name: p.name, Path: b.path},
		part:  part,
		scan:  newRowScanner(part),
	}
	for r.advance(-1) {
		if header, ok := headerOf(r.cells); ok {
			r.table.Header, r.table.HeaderRow = header, r.scan.row
			return r, nil
		}
	}
	err = r.err
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return nil, err
}

// release drops a reference and closes the archive with the last one.
func (b *workbook) release() error {
	b.mu.Lock()
	b.readers--
	last := b.readers == 0
	b.mu.Unlock()
	if !last {
		return nil
	}
	return errors.Join(b.zip.Close(), b.strings.close())
}

// format returns the number format of a cell style.
func (b *workbook) format(style int) numFormat {
	if style >= 0 && style < len(b.formats) {
		return b.formats[style]
	}
	return numFormat{}
}

// cellText returns the text of a cell, with a problem message when it
// cannot be trusted. numeric is true for a number shown as a plain number
// (see Row.Numeric). The error is for a damaged file.
func (b *workbook) cellText(c rawCell) (text, problem string, numeric bool, err error) {
	text, problem, err = b.cellValue(c)
	if err == nil && (c.typ == "" || c.typ == "n") && text != "" {
		nf := b.format(c.style)
		numeric = (nf.kind == numPlain || nf.kind == numScientific) && nf.zeroPad == 0
	}
	return text, problem, numeric, err
}

func (b *workbook) cellValue(c rawCell) (text, problem string, err error) {
	if c.formula && !c.value {
		return "", msgNoResult, nil
	}
	switch c.typ {
	case "s":
		if c.text == "" {
			return "", "", nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(c.text))
		if err == nil {
			var s string
			if s, err = b.strings.get(i); err == nil {
				return s, "", nil
			}
		}
		if errors.Is(err, errNoString) || errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange) {
			return "", "", fmt.Errorf("shared string %q does not exist (the file is damaged)", c.text)
		}
		return "", "", err
	case "inlineStr":
		return unescapeXstring(c.text), "", nil
	case "", "n":
		if c.text == "" {
			return "", "", nil
		}
		text, problem := numberText(c.text, b.format(c.style), b.date1904)
		return text, problem, nil
	case "b":
		switch strings.TrimSpace(c.text) {
		case "1":
			return "TRUE", "", nil
		case "0":
			return "FALSE", "", nil
		}
	case "e":
		return c.text, errorProblem(c.text), nil
	case "d":
		return isoDateText(c.text), "", nil
	}
	return c.text, "", nil
}

// errorProblem describes a cell holding an error value such as #N/A.
func errorProblem(code string) string {
	if !strings.HasPrefix(code, "#") || len(code) > 16 {
		code = "an error"
	}
	return fmt.Sprintf("the cell shows %s because a formula failed; correct the formula or type the value", code)
}

// xlsxReader reads one tab.
type xlsxReader struct {
	book  *workbook
	where string // "<path>: tab <name>", for errors
	table Table
	part  io.ReadCloser
	scan  *rowScanner

	cells    []string      // the row last read, every cell
	problems []CellProblem // and its problems
	beyond   []int         // and the columns past the width read that hold a value
	numeric  []int         // and its cells stored as plain numbers
	row      Row
	err      error
	closed   bool
}

// advance reads the next row element, empty or not, into r.cells and
// r.problems: its first width cells, or all of them for a negative width.
func (r *xlsxReader) advance(width int) bool {
	if r.err != nil {
		return false
	}
	if !r.scan.next() {
		switch err := r.scan.Err(); {
		case err == nil:
		case r.scan.placed:
			r.err = fmt.Errorf("read %s: %w", r.where, err)
		default:
			r.err = fmt.Errorf("read %s: after row %d: %w", r.where, r.scan.row, err)
		}
		return false
	}
	if width < 0 {
		width = len(r.scan.cells)
	}
	r.cells, r.problems, r.beyond, r.numeric = make([]string, width), nil, nil, nil
	for i, c := range r.scan.cells[:min(width, len(r.scan.cells))] {
		if !c.present {
			continue
		}
		text, problem, numeric, err := r.book.cellText(c)
		if err != nil {
			r.err = fmt.Errorf("read %s: row %d: column %s: %w", r.where, r.scan.row, ColumnLetter(i), err)
			return false
		}
		r.cells[i] = text
		if numeric {
			r.numeric = append(r.numeric, i)
		}
		if problem != "" {
			r.problems = append(r.problems, CellProblem{Col: i, Message: problem, DigitsLost: problem == MsgDigitsLost})
		}
	}
	for j := width; j < len(r.scan.cells); j++ {
		c := r.scan.cells[j]
		if !c.present || (!c.value && !c.formula) {
			continue
		}
		text, problem, err := r.book.cellValue(c)
		if err != nil {
			r.err = fmt.Errorf("read %s: row %d: column %s: %w", r.where, r.scan.row, ColumnLetter(j), err)
			return false
		}
		if problem != "" || strings.TrimSpace(text) != "" {
			r.beyond = append(r.beyond, j)
		}
	}
	return true
}

func (r *xlsxReader) Table() Table { return r.table }

func (r *xlsxReader) Next() bool {
	for r.advance(len(r.table.Header)) {
		if len(r.problems) == 0 && blank(r.cells) && r.beyond == nil {
			continue
		}
		r.row = Row{Num: r.scan.row, Cells: r.cells, Problems: r.problems, Beyond: r.beyond, Numeric: r.numeric}
		return true
	}
	return false
}

func (r *xlsxReader) Row() Row   { return r.row }
func (r *xlsxReader) Err() error { return r.err }

func (r *xlsxReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if err := errors.Join(r.part.Close(), r.book.release()); err != nil {
		return fmt.Errorf("close %s: %w", r.where, err)
	}
	return nil
}
