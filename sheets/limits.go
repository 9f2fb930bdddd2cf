package sheets

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The limits of what a manifest file may hold.
//
// A manifest comes from outside and may be damaged or made to hurt: a
// workbook of a few megabytes can unpack to gigabytes, a CSV file can be
// one endless line. Each limit below is checked while the file is read,
// before the thing it bounds is held in memory, so that such a file ends
// in seconds with an error that names the file, the tab, the row (and the
// column, for a cell) and the limit. The row, column and cell limits are
// Excel's own, so that nothing Excel can save is refused.

// limits are the limits in force: defaultLimits, or smaller ones in tests.
var limits = defaultLimits

// defaultLimits are the limits of a real read.
var defaultLimits = readLimits{
	rows:        1 << 20, // Excel: 1,048,576 rows per worksheet
	columns:     1 << 14, // Excel: 16,384 columns, A to XFD
	cellChars:   32767,   // Excel: the characters one cell can hold
	rowBytes:    16 << 20,
	sheetPart:   4 << 30,
	stringsPart: 1 << 30,
	smallPart:   16 << 20,
	strings:     32 << 20,
	ratio:       100,
	ratioFrom:   16 << 20,
	parts:       10000,
	tabs:        1000,
}

// readLimits bounds what one file may hold.
type readLimits struct {
	rows      int // rows per tab or CSV file, the header's included
	columns   int // columns per row
	cellChars int // characters (Unicode code points) in one cell
	rowBytes  int // bytes of one CSV record (a line, or the lines of a quoted field) or of one row's text in a workbook

	sheetPart   int64 // uncompressed bytes of one worksheet part
	stringsPart int64 // uncompressed bytes of the shared strings part, and so of its text
	smallPart   int64 // uncompressed bytes of any other part read (workbook, relationships, styles)
	strings     int   // entries of the shared strings table
	ratio       int64 // how many times its compressed size a part may unpack to...
	ratioFrom   int64 // ...once it unpacks to more than this
	parts       int   // entries of the zip archive
	tabs        int   // tabs of a workbook
}

// ErrLimit is wrapped by every error about a file that goes past one of
// the limits of what a manifest may hold. The error says which limit, what
// it is, and where in the file it was passed.
var ErrLimit = errors.New("over a limit of what a manifest may hold")

// limitError is an error about a limit; its message says everything.
type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

// overLimit returns an error wrapping ErrLimit.
func overLimit(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// thousands formats n with commas: 1048576 → "1,048,576".
func thousands[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// byteSize formats a size in bytes: 16 MiB, 4 GiB, 1,500 bytes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return thousands(n>>30) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return thousands(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return thousands(n>>10) + " KiB"
	}
	return thousands(n) + " bytes"
}

// tooManyRows is the error for row number row of a table when it is past
// the limit.
func tooManyRows(row int) error {
	return overLimit("row %d: past the %s rows a worksheet holds (Excel's limit); "+
		"split the table into tabs or files", row, thousands(limits.rows))
}

// tooManyColumns is the error for a row with more columns than a
// worksheet has.
func tooManyColumns(row int) error {
	return overLimit("row %d: more than the %s columns a worksheet holds (Excel's limit: columns A to %s)",
		row, thousands(limits.columns), ColumnLetter(limits.columns-1))
}

// checkCell fails for a cell text longer than limits.cellChars characters.
func checkCell(text string) error {
	if len(text) <= limits.cellChars {
		return nil // a character takes at least a byte
	}
	if n := utf8.RuneCountInString(text); n > limits.cellChars {
		return overLimit("the cell holds %s characters, more than the %s one cell can hold (Excel's limit)",
			thousands(n), thousands(limits.cellChars))
	}
	return nil
}

// cellTooLong is the error for a cell whose text, still being read, has
// passed the bytes that limits.cellChars characters can take.
func cellTooLong() error {
	return overLimit("the cell holds more than the %s characters one cell can hold (Excel's limit)",
		thousands(limits.cellChars))
}

// rowTooLong is the error for a workbook row whose text passes rowBytes.
func rowTooLong(row int) error {
	return overLimit("row %d: the row holds more than %s of text, the most a row may hold", row, byteSize(int64(limits.rowBytes)))
}
