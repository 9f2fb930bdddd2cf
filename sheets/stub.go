package sheets

// STUB: replaced by the real implementation; delete when it exists.

// Open opens the tables in path: every tab of an .xlsx workbook, a single
// .csv file, or every .csv file in a directory (sorted by name). The caller
// closes every returned Reader.
func Open(path string) ([]Reader, error) { panic("unimplemented") }

// Create returns a Writer for path: .xlsx writes one workbook; .csv writes
// one file per sheet named <stem>-<Sheet>.csv beside path.
func Create(path string) (Writer, error) { panic("unimplemented") }

// ColumnLetter returns the spreadsheet column name of a 0-based index (0→A, 26→AA).
func ColumnLetter(i int) string { panic("unimplemented") }
