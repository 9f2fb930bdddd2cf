// Package sheets reads and writes tables: CSV files and XLSX workbooks,
// streamed row by row so that memory does not grow with the number of rows
// (a workbook's large shared strings table is kept in a temporary file
// while it is read). It knows nothing about Telegent or about what the
// columns mean.
package sheets

// CONTRACT: the exported names in this file are what plan, jobs and main
// use. Implementations may add to them but not change them.

// Table describes one tab of a workbook or one CSV file.
type Table struct {
	Name      string   // tab name, or the CSV file's base name without extension
	Path      string   // the file it came from
	Header    []string // column titles as written, trimmed; "" for an untitled column
	HeaderRow int      // the spreadsheet row number of the header (1-based)
	// Charset is "" for UTF-8 (every workbook), or Windows1252 for a CSV
	// file that is not valid UTF-8 and so was read as Windows-1252.
	Charset string
}

// Row is one data row. Num is the row number the user sees in the
// spreadsheet. For CSV that is the record's number as a spreadsheet opening
// the file shows it: a quoted field's line breaks stay in one row, a blank
// line is an (empty) row, and a first line sep=; is not a row.
// Cells has exactly len(Table.Header) entries ("" where absent); the values
// of cells beyond the header are dropped, and Beyond lists the columns
// that had one. Rows with no value in any cell are never returned.
type Row struct {
	Num      int
	Cells    []string
	Problems []CellProblem // cells whose value could not be read faithfully
	// Beyond lists the columns (0-based, from len(Header) on) where this
	// row has a value that is not white space although the header gives
	// the column no title; nil for most rows. A row may have values there
	// only, and then has blank Cells.
	Beyond []int
	// Numeric lists the cells (indices into Cells) that the workbook
	// stores as numbers shown as plain numbers: not as dates, and not in a
	// format such as 00000 that shows leading zeros. A number holds no
	// leading zeros, so a value typed as 0550 reads 550. Always nil for CSV.
	Numeric []int
}

// CellProblem reports a cell the reader could not read faithfully, for
// example a number Excel stored as a float and so rounded beyond 15
// significant digits (an ICCID shown as 8.9012E+18).
type CellProblem struct {
	Col     int // index into Cells
	Message string
	// DigitsLost marks a number that may have lost digits (Message is
	// then MsgDigitsLost): a caller that knows what the column holds can
	// add what a valid value looks like.
	DigitsLost bool
}

// MsgDigitsLost is what is wrong with a number that Excel stored as a
// floating-point number and so may have lost digits: a whole number of 16
// digits or more, or one shown in scientific notation. It quotes no value.
const MsgDigitsLost = "Excel stored this as a number, which keeps at most 15 digits " +
	"(long ones show like 8.9012E+18), so digits may have been lost; " +
	"format the column as Text and re-enter the value"

// Reader streams the rows of one table. Next returns false at the end or on
// error; Err tells which.
type Reader interface {
	Table() Table
	Next() bool
	Row() Row // valid until the next call to Next
	Err() error
	Close() error
}

// Cell is one value to write. Exact marks a value the tool itself produced
// or normalised (an E.164 number, an ICCID, an ID) that must be written as
// is: CSV output never prefixes it. Num marks a figure the tool itself
// computed (a count, an amount), which XLSX output writes as a number so
// that a spreadsheet can add it up; its Value must be the number's digits.
type Cell struct {
	Value string
	Exact bool
	Num   NumKind
	// Unit is the currency (an ISO 4217 code such as USD) of a Money
	// cell, shown in its number format; "" shows the amount alone.
	Unit string
}

// NumKind says whether a Cell is a number the tool computed, and which.
type NumKind uint8

const (
	Text    NumKind = iota // a string cell: every manifest and API value
	Integer                // a whole number
	Money                  // an amount, shown with two decimals (and its Unit)
	Decimal                // a figure shown with one decimal (days)
)

// Writer writes one results workbook (XLSX) or one CSV file per sheet,
// atomically: nothing is visible at the destination until Commit.
type Writer interface {
	// Sheet starts a new sheet (ending the previous one) with its header.
	Sheet(name string, header []string) error
	// Row appends a row to the current sheet. Every value is written as a
	// string cell, never a formula; only a Cell marked Num is a number.
	// It does not keep cells: the caller may use them again.
	Row(cells []Cell) error
	// Commit finishes the file(s) and moves them into place.
	Commit() error
	// Abort removes temporary files; safe after Commit.
	Abort()
}

// Layout is implemented by the writers that lay a sheet out for screen and
// paper (XLSX); a CSV file has no layout, and its writer does not
// implement it. Every XLSX sheet is print-ready without it: landscape, one
// page wide, the header row repeated on each page and frozen on screen, an
// autofilter over the sheet's first table (the header and the rows down to
// the first empty one), column widths from the content, and a column whose
// text is longer than the widest column wrapped.
type Layout interface {
	// Wrap makes columns of the current sheet (0-based) wrap their text
	// at the widest column width, whatever the first rows hold. It must
	// be called after Sheet and before the sheet's first Row.
	Wrap(cols ...int)
	// Chart adds a chart of a block of the current sheet, placed below
	// what the sheet holds so far (and below its earlier charts).
	Chart(c Chart) error
}

// ChartKind is the shape of a Chart.
type ChartKind uint8

const (
	StackedColumns ChartKind = iota // one stacked column per category
	StackedBars                     // one stacked horizontal bar per category
	Pie                             // the first series' share per category
)

// Chart plots a block of the current sheet: the categories are down one
// column, each series is a column named by its cell in HeaderRow. Rows are
// spreadsheet row numbers (the sheet's header is row 1), columns 0-based.
type Chart struct {
	Kind              ChartKind
	Title             string
	HeaderRow         int
	FirstRow, LastRow int
	CategoryCol       int
	SeriesCols        []int
}
