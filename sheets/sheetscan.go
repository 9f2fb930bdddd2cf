package sheets

import (
	"io"
	"strconv"
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
	buf   []byte    // text of the element being read
	done  bool
	err   error
}

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
	var (
		inRow      bool
		col, cur   = -1, -1 // column of the last cell, and of the open one
		capture    bool     // inside <v>, or inside a <t> of <is> but not of <rPh>
		inIS, inPh bool
	)
	for {
		s.x.keepText = capture
		if err := s.x.next(); err != nil {
			if err == io.EOF {
				s.done = true
				return inRow
			}
			s.err = err
			return false
		}
		if capture {
			s.buf = appendText(s.buf, s.x.text, false)
			if data, ok := s.x.cdata(); ok {
				s.buf = appendText(s.buf, data, true)
				continue
			}
		}
		name, closing, empty := s.x.name()
		switch string(name) {
		case "row":
			if closing {
				if inRow {
					return true
				}
				continue
			}
			s.row++
			if ref, _, _ := s.x.refTypeStyle(); ref != nil {
				if n, err := strconv.Atoi(string(ref)); err == nil && n > 0 {
					s.row = n
				}
			}
			inRow, col, cur, capture, inIS, inPh = true, -1, -1, false, false, false
			if empty {
				return true
			}
		case "c":
			if closing || !inRow {
				cur, capture, inIS = -1, false, false
				continue
			}
			col++
			ref, typ, style := s.x.refTypeStyle()
			if c, ok := refColumn(ref); ok {
				col = c
			}
			c := rawCell{present: true, typ: cellType(typ)}
			if style != nil {
				c.style, _ = strconv.Atoi(string(style))
			}
			cur = -1
			if s.set(col, c) && !empty {
				cur = col
			}
		case "f":
			if cur >= 0 && !closing {
				s.cells[cur].formula = true
			}
		case "v":
			switch {
			case cur < 0 || inIS:
			case empty:
				s.cells[cur].value = true
			case !closing:
				capture, s.buf = true, s.buf[:0]
			case capture:
				s.cells[cur].value, s.cells[cur].text = true, string(s.buf)
				capture = false
			}
		case "is":
			switch {
			case cur < 0:
			case !closing:
				s.cells[cur].value = true
				inIS, inPh, s.buf = !empty, false, s.buf[:0]
			case inIS:
				s.cells[cur].text = string(s.buf)
				inIS, capture = false, false
			}
		case "rPh":
			if inIS {
				inPh = !closing && !empty
			}
		case "t":
			if inIS && !inPh {
				capture = !closing && !empty
			}
		case "sheetData":
			if closing {
				s.done = true
				return inRow
			}
		}
	}
}

// set records the cell of 0-based column col; false for a column beyond
// the last a worksheet can have.
func (s *rowScanner) set(col int, c rawCell) bool {
	if col < 0 || col >= maxColumns {
		return false
	}
	for len(s.cells) <= col {
		s.cells = append(s.cells, rawCell{})
	}
	s.cells[col] = c
	return true
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

// maxColumns is the number of columns a worksheet can have (A to XFD).
const maxColumns = 16384

// refColumn returns the 0-based column of a cell reference such as "AB12".
func refColumn(ref []byte) (int, bool) {
	col, n := 0, 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			if n == 0 {
				return 0, false
			}
			return col - 1, true
		}
		n++
		if col > maxColumns {
			return 0, false
		}
	}
	if n == 0 {
		return 0, false
	}
	return col - 1, true
}
