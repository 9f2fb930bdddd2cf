package sheets

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// rawCell is one cell as a worksheet stores it.
type rawCell struct {
	present bool   // the row has a <c> element for this column
	typ     string // t attribute: "" or "n" number, "s", "str", "inlineStr", "b", "e", "d"
	style   int    // s attribute: index into the workbook's cell formats
	formula bool   // has an <f> element
	value   bool   // has a <v> or <is> element
	text    string // the text of <v>, or of the <t> runs of <is>, entities decoded
}

// rowScanner reads the rows of a worksheet part, one <row> element at a
// time, keeping only that row in memory.
type rowScanner struct {
	x     *xmlScanner
	row   int       // number of the row last read (1-based)
	cells []rawCell // its cells, by 0-based column
	at    rowPos    // where the scan is inside the row being read
	buf   []byte    // text of the element being read
	text  int       // bytes of text of the row so far
	done  bool
	err   error
	// placed tells that err names its place (row, cell), so that the
	// caller need not say after which row it happened.
	placed bool
}

// rowPos is where a rowScanner is inside the row it is reading.
type rowPos struct {
	inRow      bool
	col, cur   int  // column of the last cell, and of the open one (-1 for none)
	capture    bool // inside <v>, or inside a <t> of <is> but not of <rPh>
	inIS, inPh bool
}

// outsideRow is the position before a row's element.
var outsideRow = rowPos{col: -1, cur: -1}

func newRowScanner(r io.Reader) *rowScanner {
	return &rowScanner{x: newXMLScanner(r)}
}

// next reads the next <row> element. It returns false at the end of the
// sheet data or on error (see Err). Rows and cells without a reference
// follow the one before them, as the format specifies.
func (s *rowScanner) next() bool {
	if s.done || s.err != nil {
		return false
	}
	clear(s.cells)
	s.cells = s.cells[:0]
	s.at = outsideRow
	for {
		s.x.keepText = s.at.capture
		if err := s.x.next(); err != nil {
			return s.stop(err)
		}
		if s.at.capture {
			cdata, err := s.gather()
			if err != nil {
				return s.fail(err)
			}
			if cdata {
				continue
			}
		}
		var (
			end bool // the row, or the sheet data, ends with this tag
			err error
		)
		name, closing, empty := s.x.name()
		switch string(name) {
		case "row":
			end, err = s.rowTag(closing, empty)
		case "c":
			err = s.cellTag(closing, empty)
		case "f":
			s.formulaTag(closing)
		case "v":
			err = s.valueTag(closing, empty)
		case "is":
			err = s.inlineStringTag(closing, empty)
		case "rPh":
			s.phoneticTag(closing, empty)
		case "t":
			s.textTag(closing, empty)
		case "sheetData":
			end = s.sheetDataTag(closing)
		}
		if err != nil {
			return s.fail(err)
		}
		if end {
			return s.at.inRow
		}
	}
}

// stop ends the scan on the read error err. The end of the part ends the
// sheet data; text too long for a cell is an error placed at the cell.
func (s *rowScanner) stop(err error) bool {
	switch {
	case err == io.EOF:
		s.done = true
		return s.at.inRow
	case errors.Is(err, errTextTooLong) && s.at.capture && s.at.cur >= 0:
		return s.fail(fmt.Errorf("row %d: column %s: %w", s.row, ColumnLetter(s.at.cur), cellTooLong()))
	}
	s.err = err
	return false
}

// gather adds the text read before the current tag to the open cell's
// text, and the tag's own content when it is a CDATA section, which it
// reports: such a tag is text, not an element.
func (s *rowScanner) gather() (cdata bool, err error) {
	s.buf = appendText(s.buf, s.x.text, false)
	data, cdata := s.x.cdata()
	if cdata {
		s.buf = appendText(s.buf, data, true)
	}
	if len(s.buf) > utf8.UTFMax*limits.cellChars {
		return false, fmt.Errorf("row %d: column %s: %w", s.row, ColumnLetter(s.at.cur), cellTooLong())
	}
	return cdata, nil
}

// rowTag handles a <row> tag: the opening one starts a row (which an
// empty element also ends), the closing one ends it.
func (s *rowScanner) rowTag(closing, empty bool) (end bool, err error) {
	if closing {
		return s.at.inRow, nil
	}
	if err := s.rowNumber(); err != nil {
		return false, err
	}
	s.at = outsideRow
	s.at.inRow = true
	s.text = 0
	return empty, nil
}

// cellTag handles a <c> tag: the opening one records the cell, with its
// type and style, at its column.
func (s *rowScanner) cellTag(closing, empty bool) error {
	if closing || !s.at.inRow {
		s.at.cur, s.at.capture, s.at.inIS = -1, false, false
		return nil
	}
	ref, typ, style := s.x.refTypeStyle()
	col, err := s.column(ref, s.at.col)
	if err != nil {
		return err
	}
	c := rawCell{present: true, typ: cellType(typ)}
	if style != nil {
		c.style, _ = strconv.Atoi(string(style))
	}
	s.at.col, s.at.cur = col, -1
	s.set(col, c)
	if !empty {
		s.at.cur = col
	}
	return nil
}

// valueTag handles a <v> tag of the open cell: its text is the cell's.
func (s *rowScanner) valueTag(closing, empty bool) error {
	cur := s.at.cur
	switch {
	case cur < 0 || s.at.inIS:
	case empty:
		s.cells[cur].value = true
	case !closing:
		s.at.capture, s.buf = true, s.buf[:0]
	case s.at.capture:
		if err := s.keep(cur); err != nil {
			return err
		}
		s.cells[cur].value = true
		s.at.capture = false
	}
	return nil
}

// inlineStringTag handles an <is> tag of the open cell: the text of its
// <t> runs, outside phonetic runs, is the cell's.
func (s *rowScanner) inlineStringTag(closing, empty bool) error {
	cur := s.at.cur
	switch {
	case cur < 0:
	case !closing:
		s.cells[cur].value = true
		s.at.inIS, s.at.inPh, s.buf = !empty, false, s.buf[:0]
	case s.at.inIS:
		if err := s.keep(cur); err != nil {
			return err
		}
		s.at.inIS, s.at.capture = false, false
	}
	return nil
}

// formulaTag handles an <f> tag: the open cell holds a formula.
func (s *rowScanner) formulaTag(closing bool) {
	if s.at.cur >= 0 && !closing {
		s.cells[s.at.cur].formula = true
	}
}

// phoneticTag handles an <rPh> tag of an inline string: the text of a
// phonetic run is not the cell's.
func (s *rowScanner) phoneticTag(closing, empty bool) {
	if s.at.inIS {
		s.at.inPh = !closing && !empty
	}
}

// textTag handles a <t> tag of an inline string, outside phonetic runs:
// its text is the cell's.
func (s *rowScanner) textTag(closing, empty bool) {
	if s.at.inIS && !s.at.inPh {
		s.at.capture = !closing && !empty
	}
}

// sheetDataTag handles a <sheetData> tag: the closing one ends the sheet
// data, and so the row being read.
func (s *rowScanner) sheetDataTag(closing bool) (end bool) {
	if closing {
		s.done = true
	}
	return closing
}

// fail records err, which names its place, and returns false.
func (s *rowScanner) fail(err error) bool {
	s.err, s.placed = err, true
	return false
}

// rowNumber sets s.row to the number of the row element just opened: its
// r attribute, or the row after the last one. A number that is not one
// of a worksheet's rows is an error that quotes it as written.
func (s *rowScanner) rowNumber() error {
	ref, _, _ := s.x.refTypeStyle()
	if ref == nil {
		s.row++
		if s.row > limits.rows {
			return tooManyRows(s.row)
		}
		return nil
	}
	n, ok := parseRowNumber(ref)
	switch {
	case !ok:
		return fmt.Errorf("after row %d: row r=%q is not a row number (want 1 to %s)", s.row, ref, thousands(limits.rows))
	case n > limits.rows:
		return overLimit("after row %d: row r=%q is past row %s, the last a worksheet has (Excel's limit)",
			s.row, ref, thousands(limits.rows))
	}
	s.row = n
	return nil
}

// parseRowNumber reads the digits of a row number; ok is false for
// anything else, and for 0. A number too large for an int reads as the
// largest int.
func parseRowNumber(b []byte) (n int, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<62)/10 {
			n = 1 << 62 // past any limit; keep reading to see it is a number
			continue
		}
		n = n*10 + int(c-'0')
	}
	return n, n > 0
}

// column returns the 0-based column of a cell: that of its reference, or
// the one after prev. A reference that is malformed or past the last
// column is an error that quotes it as written.
func (s *rowScanner) column(ref []byte, prev int) (int, error) {
	if ref == nil {
		if prev+1 >= limits.columns {
			return 0, tooManyColumns(s.row)
		}
		return prev + 1, nil
	}
	col, row, ok := parseCellRef(ref)
	switch {
	case !ok:
		return 0, fmt.Errorf("row %d: cell r=%q is not a cell reference (want a column A to %s and a row number, like B12)",
			s.row, ref, ColumnLetter(limits.columns-1))
	case col >= limits.columns:
		return 0, overLimit("row %d: cell r=%q is past column %s, the last a worksheet has (Excel's limit of %s columns)",
			s.row, ref, ColumnLetter(limits.columns-1), thousands(limits.columns))
	case row > limits.rows:
		return 0, overLimit("row %d: cell r=%q is past row %s, the last a worksheet has (Excel's limit)",
			s.row, ref, thousands(limits.rows))
	}
	return col, nil
}

// keep stores the text gathered in s.buf as that of cell col, within the
// limits of a cell and of a row.
func (s *rowScanner) keep(col int) error {
	text := string(s.buf)
	if err := checkCell(text); err != nil {
		return fmt.Errorf("row %d: column %s: %w", s.row, ColumnLetter(col), err)
	}
	if s.text += len(text); s.text > limits.rowBytes {
		return rowTooLong(s.row)
	}
	s.cells[col].text = text
	return nil
}

// set records the cell of 0-based column col, which is within the limit.
func (s *rowScanner) set(col int, c rawCell) {
	for len(s.cells) <= col {
		s.cells = append(s.cells, rawCell{})
	}
	s.cells[col] = c
}

// Err returns the first read error.
func (s *rowScanner) Err() error { return s.err }

// cellType returns the t attribute as a string, without allocating for
// the values a worksheet uses.
func cellType(t []byte) string {
	for _, known := range []string{"", "n", "s", "str", "inlineStr", "b", "e", "d"} {
		if string(t) == known {
			return known
		}
	}
	return string(t)
}

// parseCellRef reads a cell reference such as "AB12": its 0-based column
// and its row. ok is false unless it is one to three letters followed by
// a row number; a column or row past any limit reads as past it.
func parseCellRef(ref []byte) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case, for letters
		if c < 'a' || c > 'z' {
			break
		}
		if i < 3 {
			col = col*26 + int(c-'a') + 1
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	if i > 3 {
		col = 1 << 30 // past XFD, as far as any limit goes
	}
	row, ok = parseRowNumber(ref[i:])
	return col - 1, row, ok
}
