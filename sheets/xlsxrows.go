package sheets

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sheetRows holds the encoded rows of one sheet (the content of its
// sheetData element), compressed as they come (see zippart.go), in a
// temporary file beside the destination, named after it, until the
// workbook is written.
type sheetRows struct {
	f       *os.File
	buf     *bufio.Writer
	zw      *flate.Writer // compresses into buf
	crc     uint32        // CRC-32 (IEEE) of the rows as encoded
	size    int64         // and their length
	lastRow int
	lastCol int // 1-based; 0: no cell
	cols    []string
	scratch []byte
	spliced bool
}

// newSheetRows starts the rows of a sheet of dest; they are compressed
// with zw, which the rows of the sheet before no longer use.
func newSheetRows(dest string, zw *flate.Writer) (*sheetRows, error) {
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".rows-*")
	if err != nil {
		return nil, unwrapPath(err)
	}
	s := &sheetRows{f: f, buf: bufio.NewWriterSize(f, 64<<10), zw: zw}
	zw.Reset(s.buf)
	return s, nil
}

// col returns the letters of 0-based column i.
func (s *sheetRows) col(i int) string {
	for len(s.cols) <= i {
		s.cols = append(s.cols, ColumnLetter(len(s.cols)))
	}
	return s.cols[i]
}

// row encodes row n. style, if not 0, is the style of its text cells; a
// text cell in a wrapped column gets the wrap style, a Num cell whose
// value reads as a number is a number cell in its format.
func (s *sheetRows) row(n int, cells []Cell, style int, w *xlsxWriter) error {
	b := s.scratch[:0]
	b = append(b, `<row r="`...)
	at := len(b)
	b = strconv.AppendInt(b, int64(n), 10)
	num := b[at:len(b):len(b)] // the row number's digits (appends to b never change them)
	b = append(b, `">`...)
	for i, c := range cells {
		if c.Value == "" {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, s.col(i)...)
		b = append(b, num...)
		b = append(b, '"')
		if f, cellStyle, ok := w.number(c); ok {
			if cellStyle != 0 {
				b = appendStyle(b, cellStyle)
			}
			b = append(b, `><v>`...)
			if c.Num == Integer {
				b = append(b, c.Value...)
			} else {
				b = strconv.AppendFloat(b, f, 'f', -1, 64)
			}
			b = append(b, `</v></c>`...)
		} else {
			st := style
			if st == 0 && i < len(w.page.wrapped) && w.page.wrapped[i] {
				st = w.styles.wrap
			}
			if st != 0 {
				b = appendStyle(b, st)
			}
			b = append(b, ` t="inlineStr"><is>`...)
			b = appendCellText(b, c.Value)
			b = append(b, `</is></c>`...)
		}
		s.lastCol = max(s.lastCol, i+1)
	}
	b = append(b, `</row>`...)
	s.scratch = b
	s.lastRow = n
	s.crc = crc32.Update(s.crc, crc32.IEEETable, b)
	s.size += int64(len(b))
	_, err := s.zw.Write(b)
	return err
}

func appendStyle(b []byte, id int) []byte {
	b = append(b, ` s="`...)
	b = strconv.AppendInt(b, int64(id), 10)
	return append(b, '"')
}

// number returns the value and style of a Num cell whose value reads as a
// number; ok is false for a text cell. An Integer cell is written as its
// Value, a Money or Decimal cell as f.
func (w *xlsxWriter) number(c Cell) (f float64, style int, ok bool) {
	switch c.Num {
	case Integer:
		if _, err := strconv.ParseInt(c.Value, 10, 64); err == nil {
			return 0, 0, true
		}
	case Money, Decimal:
		f, err := strconv.ParseFloat(c.Value, 64)
		if err != nil {
			return 0, 0, false
		}
		style = w.styles.decimal
		if c.Num == Money {
			style = w.moneyStyle(c.Unit)
		}
		return f, style, true
	}
	return 0, 0, false
}

// maxCellUnits is the most text a cell holds, in UTF-16 units.
const maxCellUnits = 32767

// appendCellText appends the <t> element of text v: XML-escaped, its escapes
// of the form _xHHHH_ written so that they read as themselves
// (_x005F_xHHHH_), a character XML cannot hold as U+FFFD, a carriage
// return as &#xD; (which XML parsing would turn into a line feed), spaces
// at either end kept (xml:space), at most 32,767 UTF-16 units.
func appendCellText(b []byte, v string) []byte {
	if len(v) > maxCellUnits {
		v = truncateUTF16(v, maxCellUnits)
	}
	b = append(b, `<t`...)
	if strings.ContainsAny(v[:1], " \t\n\r") || strings.ContainsAny(v[len(v)-1:], " \t\n\r") {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	if strings.Contains(v, "_x") {
		v = xstringEscape.ReplaceAllString(v, "_x005F$0")
	}
	plain := plainPrefix(v) // most text needs none of what follows: it goes in at once
	b = append(b, v[:plain]...)
	for i := plain; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c < 0x20 && c != '\t' && c != '\n':
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return append(b, `</t>`...)
}

// plainPrefix returns the length of the start of v that is written as it
// is: printable ASCII other than &, < and >.
func plainPrefix(v string) int {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' || c == '>' {
			return i
		}
	}
	return len(v)
}

// xstringEscape matches text that a reader of ST_Xstring would take for an
// escaped character.
var xstringEscape = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// end flushes the rows to their file, compressed and byte-aligned, but
// not final: the part goes on after them.
func (s *sheetRows) end() error {
	if err := s.zw.Flush(); err != nil {
		return err
	}
	return s.buf.Flush()
}

// dimension is the range the rows cover.
func (s *sheetRows) dimension() string {
	if s.lastRow == 0 || s.lastCol == 0 {
		return "A1"
	}
	return "A1:" + ColumnLetter(s.lastCol-1) + strconv.Itoa(s.lastRow)
}

// remove deletes the rows' file.
func (s *sheetRows) remove() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

// splicer is the zip writer excelize writes the workbook through. It
// passes every part on to the archive, except a sheet whose rows this
// writer holds: that part, which excelize writes with an empty sheetData,
// is held until excelize starts the next part, then written with the
// rows in its sheetData and its dimension set.
type splicer struct {
	zw   *zip.Writer
	fw   *flate.Writer         // for the start and end of a sheet's part
	rows map[string]*sheetRows // by part name

	held     bytes.Buffer
	heldName string
}

func (z *splicer) Create(name string) (io.Writer, error) {
	if err := z.release(); err != nil {
		return nil, err
	}
	if _, ok := z.rows[name]; ok {
		z.heldName = name
		z.held.Reset()
		return &z.held, nil
	}
	return z.zw.Create(name)
}

func (z *splicer) AddFS(fsys fs.FS) error {
	if err := z.release(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

func (z *splicer) Close() error {
	if err := z.release(); err != nil {
		return err
	}
	return z.zw.Close()
}

// Empty sheetData and dimension elements as excelize writes them.
var (
	emptySheetData = regexp.MustCompile(`<sheetData\s*/>|<sheetData>\s*</sheetData>`)
	dimensionRef   = regexp.MustCompile(`<dimension ref="[^"]*"\s*(/>|></dimension>)`)
)

// release writes the held sheet part with its rows.
func (z *splicer) release() error {
	if z.heldName == "" {
		return nil
	}
	name, rows := z.heldName, z.rows[z.heldName]
	z.heldName = ""
	part := z.held.Bytes()
	at := emptySheetData.FindIndex(part)
	if at == nil {
		return fmt.Errorf("%s: no empty sheetData to put the rows in", name)
	}
	head := dimensionRef.ReplaceAll(part[:at[0]], []byte(`<dimension ref="`+rows.dimension()+`"/>`))
	start := append(head, "<sheetData>"...)
	end := append([]byte("</sheetData>"), part[at[1]:]...)
	if err := writeRawPart(z.zw, z.fw, name, start, end, rows); err != nil {
		return err
	}
	rows.spliced = true
	return nil
}

// check tells whether every sheet got its rows.
func (z *splicer) check() error {
	for name, rows := range z.rows {
		if !rows.spliced {
			return errors.New(name + ": the sheet was not written with its rows")
		}
	}
	return nil
}

// remove deletes the rows' files.
func (z *splicer) remove() {
	for _, rows := range z.rows {
		rows.remove()
	}
}
