package sheets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// sniffLen is how much of a CSV file is looked at to find the delimiter.
const sniffLen = 64 << 10

// csvReader reads one CSV file as a table.
//
// encoding/csv does the parsing, with LazyQuotes so that a stray quote in
// a field (5" screen) is kept as text. The price of LazyQuotes is that a
// quoted field that is never closed silently swallows the rest of the file
// into one cell; the reader detects that case (see runaway) and fails with
// the line where the field starts. Records are read one ahead for that.
type csvReader struct {
	table Table
	file  *os.File
	tail  *tailReader
	guard *csvGuard
	cr    *csv.Reader

	ahead csvRecord // the next record, read ahead
	row   Row
	err   error
	done  bool

	rows    int // spreadsheet rows up to the record last fetched
	end     int // line on which that record ends
	lineOff int // lines before the ones encoding/csv counts (a sep= line)
}

// csvRecord is one record and where it is.
type csvRecord struct {
	fields   []string
	line     int // line of its first field
	lastLine int // line where its last field starts
	row      int // the row a spreadsheet shows it on (see fetch)
	err      error
}

// openCSV opens path and reads up to its header. It returns nil, nil for a
// file with no header (nothing but blank lines and empty fields).
//
// The file is UTF-8, with or without a byte order mark; a file without one
// that is not valid UTF-8 is read as Windows-1252 (what Excel's plain "CSV"
// writes on a Western Windows), which Table.Charset then says. A first line
// sep=; (Excel writes it to name the delimiter) names the delimiter and is
// not a row; without it the delimiter is sniffed (see sniffDelimiter).
func openCSV(path string) (_ Reader, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	head = head[:n]
	if err := checkText(head); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	bom := bytes.HasPrefix(head, []byte(utf8BOM))
	charset := ""
	if !bom {
		if charset, err = guessCharset(io.MultiReader(bytes.NewReader(head), f)); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	tail := &tailReader{r: f}
	var src io.Reader = tail
	if charset == Windows1252 {
		src = transform.NewReader(tail, charmap.Windows1252.NewDecoder())
	}
	guard := &csvGuard{r: src, blank: true}
	br := bufio.NewReaderSize(guard, sniffLen)
	head, _ = br.Peek(sniffLen) // a short read means a short file
	if bom {
		_, _ = br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	comma, sepLen := sepLine(head)
	if sepLen > 0 {
		_, _ = br.Discard(sepLen)
	} else {
		comma = sniffDelimiter(head)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1

	r := &csvReader{
		table: Table{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), Path: path, Charset: charset},
		file:  f,
		tail:  tail,
		guard: guard,
		cr:    cr,
	}
	if sepLen > 0 {
		r.lineOff = 1
	}
	r.fetch()
	for {
		rec, ok := r.take()
		if !ok {
			if r.err != nil {
				return nil, r.err
			}
			_ = f.Close() // read-only: nothing to lose
			return nil, nil
		}
		if header, ok := headerOf(rec.fields); ok {
			r.table.Header, r.table.HeaderRow = header, rec.row
			return r, nil
		}
	}
}

// checkText fails for a file, whose first bytes are head, that is not
// single-byte text: UTF-16, a zip archive or binary.
func checkText(head []byte) error {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return errors.New("the file is UTF-16 text; save it as CSV UTF-8")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return errors.New("the file is a zip archive, probably a workbook; name it .xlsx")
	case bytes.IndexByte(head, 0) >= 0:
		return errors.New("the file is not text (it holds NUL bytes); save it as CSV UTF-8")
	}
	return nil
}

// Windows1252 is Table.Charset of a CSV file read as Windows-1252.
const Windows1252 = "windows-1252"

// guessCharset reads r, a file without a byte order mark, to its end: it
// is Windows-1252 (the Table.Charset returned) unless it is valid UTF-8
// ("").
func guessCharset(r io.Reader) (string, error) {
	valid, err := validUTF8(r)
	if err != nil || valid {
		return "", err
	}
	return Windows1252, nil
}

// validUTF8 reads r to its end and reports whether it is valid UTF-8. A
// sequence cut by the end of a buffer is completed by the next read.
func validUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 1<<20)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		// Hold back a trailing sequence that may continue in the next read.
		cut := n
		for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
			if utf8.RuneStart(buf[i]) {
				if !utf8.FullRune(buf[i:n]) {
					cut = i
				}
				break
			}
		}
		if err != nil {
			cut = n // the end: nothing more to come
		}
		if !utf8.Valid(buf[:cut]) {
			return false, nil
		}
		carry = copy(buf, buf[cut:n])
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// sepLine recognises the line sep=X with which Excel names the delimiter X
// at the top of a CSV file. It returns the delimiter and the length of the
// line with its line break, or 0 when head does not start with one.
func sepLine(head []byte) (comma rune, n int) {
	const prefix = "sep="
	if len(head) < len(prefix)+1 || !strings.EqualFold(string(head[:len(prefix)]), prefix) {
		return 0, 0
	}
	c, size := utf8.DecodeRune(head[len(prefix):])
	if c == utf8.RuneError || c == '"' || c == '\r' || c == '\n' || c == 0xFFFD {
		return 0, 0
	}
	rest := head[len(prefix)+size:]
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return c, len(prefix) + size + 2
	case bytes.HasPrefix(rest, []byte("\n")):
		return c, len(prefix) + size + 1
	case len(rest) == 0:
		return c, len(prefix) + size
	}
	return 0, 0
}

// sniffDelimiter picks ';' when the first non-blank line has more
// semicolons than commas outside quotes (as in the CSV files Excel writes
// where the decimal separator is a comma), else ','.
func sniffDelimiter(head []byte) rune {
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		commas, semis, quoted := 0, 0, false
		for _, c := range line {
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ',':
				commas++
			case c == ';':
				semis++
			}
		}
		if semis > commas {
			return ';'
		}
		return ','
	}
	return ','
}

// fetch reads the next record into r.ahead.
func (r *csvReader) fetch() {
	fields, err := r.cr.Read()
	if err != nil {
		r.ahead = csvRecord{err: r.readError(err)}
		return
	}
	r.guard.reset()
	line, _ := r.cr.FieldPos(0)
	last, _ := r.cr.FieldPos(len(fields) - 1)
	// A spreadsheet shows each record on a row of its own, a line break in
	// a quoted field included, and each blank line (which encoding/csv
	// skips) as an empty row.
	r.rows += 1 + max(0, line-r.end-1)
	r.end = last + strings.Count(fields[len(fields)-1], "\n")
	r.ahead = csvRecord{fields: fields, line: line, lastLine: last, row: r.rows}
	if err := r.checkRecord(fields); err != nil {
		r.ahead = csvRecord{err: err}
	}
}

// readError turns an error of encoding/csv into one that names the line.
func (r *csvReader) readError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("line %d: %w", r.lineOff+pe.StartLine, pe.Err)
	case errors.Is(err, errBlankLines):
		return overLimit("after row %d: more than %s blank lines follow, and a file holds at most %s rows "+
			"(as a worksheet in Excel)", r.rows, thousands(limits.rows), thousands(limits.rows))
	case errors.Is(err, errRecordTooLong):
		return overLimit("line %d: the row that starts here is longer than %s, the most a row may hold "+
			"(is a quoted field never closed?)", r.lineOff+r.end+1, byteSize(int64(limits.rowBytes)))
	}
	return err
}

// checkRecord applies the limits to the record just read: the rows of a
// file, the columns of a row and the characters of a cell.
func (r *csvReader) checkRecord(fields []string) error {
	if r.rows > limits.rows {
		return tooManyRows(r.rows)
	}
	if len(fields) > limits.columns {
		return tooManyColumns(r.rows)
	}
	for i, f := range fields {
		if !utf8.ValidString(f) {
			l, _ := r.cr.FieldPos(i)
			return fmt.Errorf("line %d: the text is not valid UTF-8; save the file as CSV UTF-8", r.lineOff+l)
		}
		if err := checkCell(f); err != nil {
			return fmt.Errorf("row %d: column %s: %w", r.rows, ColumnLetter(i), err)
		}
	}
	return nil
}

// take returns the record read ahead and reads the next one. It sets r.err
// (naming the file) on a read error or a runaway quoted field.
func (r *csvReader) take() (csvRecord, bool) {
	rec := r.ahead
	if rec.err == io.EOF {
		r.done = true
		return csvRecord{}, false
	}
	if rec.err != nil {
		r.err = fmt.Errorf("read %s: %w", r.table.Path, rec.err)
		return csvRecord{}, false
	}
	r.fetch()
	if r.ahead.err == io.EOF && r.runaway(rec) {
		r.err = fmt.Errorf("read %s: line %d: a quoted field is never closed, so the rest of the file "+
			"would be read as one cell; look for a stray \" on that line", r.table.Path, r.lineOff+rec.lastLine)
		return csvRecord{}, false
	}
	return rec, true
}

// runaway reports whether rec, the last record of the file, ends in a
// quoted field that the end of the file rather than a closing quote ended.
// Only a quoted field can hold a line break, and a closing quote at the end
// of a file leaves '"' as its last byte other than line breaks; a quote
// there would have closed the field, so the test is exact for fields that
// span lines.
func (r *csvReader) runaway(rec csvRecord) bool {
	last := rec.fields[len(rec.fields)-1]
	return strings.Contains(last, "\n") && r.tail.last != '"'
}

func (r *csvReader) Table() Table { return r.table }

func (r *csvReader) Next() bool {
	if r.err != nil || r.done {
		return false
	}
	for {
		rec, ok := r.take()
		if !ok {
			return false
		}
		cells, beyond := fit(rec.fields, len(r.table.Header))
		if blank(cells) && beyond == nil {
			continue
		}
		r.row = Row{Num: rec.row, Cells: cells, Beyond: beyond}
		return true
	}
}

func (r *csvReader) Row() Row   { return r.row }
func (r *csvReader) Err() error { return r.err }

func (r *csvReader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", r.table.Path, err)
	}
	return nil
}

// tailReader remembers the last byte it read that is not a line break.
type tailReader struct {
	r    io.Reader
	last byte
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := n - 1; i >= 0; i-- {
		if p[i] != '\n' && p[i] != '\r' {
			t.last = p[i]
			break
		}
	}
	return n, err
}

// csvGuard stands between the file and encoding/csv, which gathers a whole
// record in memory however long it is, and skips blank lines without
// returning. It counts what it hands on since the last record was
// returned (reset) and fails once that passes limits.rowBytes (plus the
// read-ahead of the buffer above it), or once it is nothing but more
// line breaks than a file may have rows.
type csvGuard struct {
	r      io.Reader
	n      int  // bytes handed on since reset
	breaks int  // line breaks among them
	blank  bool // they are all line breaks
	err    error
}

var (
	errRecordTooLong = errors.New("record too long")
	errBlankLines    = errors.New("too many blank lines")
)

// reset starts counting for the next record.
func (g *csvGuard) reset() { g.n, g.breaks, g.blank = 0, 0, true }

func (g *csvGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.n += n
	g.breaks += bytes.Count(p[:n], []byte{'\n'})
	if g.blank {
		g.blank = len(bytes.Trim(p[:n], "\r\n")) == 0
	}
	switch {
	case g.blank && g.breaks > limits.rows:
		g.err = errBlankLines
	case g.n > limits.rowBytes+sniffLen:
		g.err = errRecordTooLong
	}
	if g.err != nil {
		return 0, g.err
	}
	return n, err
}
