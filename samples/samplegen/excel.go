package samplegen

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ExcelSink writes one workbook as Excel saves one: every text cell is an
// index into the shared strings table (xl/sharedStrings.xml), which holds
// each distinct text once, in the order the texts first appear. Excelize's
// streaming writer, which XLSXSink uses, writes inline strings instead, so
// a reader that keeps the shared strings in memory looks cheap on its
// files and not on Excel's.
//
// The parts are written by hand and streamed: each worksheet as its rows
// come, the shared strings to a temporary file first (their counts head
// the part, and are known only at the end). Only the index of distinct
// texts (a map) grows with the rows. The output is deterministic.
//
// A float64 cell is a number shown in scientific notation and a
// GeneralNumber a number shown as General; an empty text is no cell at
// all, as in Excel.
type ExcelSink struct {
	path  string
	tmp   *os.File
	buf   *bufio.Writer
	zw    *zip.Writer
	sheet io.Writer // the worksheet being written
	names []string  // the tabs, in order
	row   int

	index  map[string]int
	refs   int // cells that refer to a shared string
	sst    *os.File
	sstBuf *bufio.Writer
	err    error
}

// NewExcelSink returns a sink writing the workbook path.
func NewExcelSink(path string) (*ExcelSink, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".samplegen-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("excel sink: %w", err)
	}
	sst, err := os.CreateTemp(dir, ".samplegen-sst-*")
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("excel sink: %w", err)
	}
	s := &ExcelSink{path: path, tmp: tmp, buf: bufio.NewWriterSize(tmp, 1<<20), index: make(map[string]int),
		sst: sst, sstBuf: bufio.NewWriterSize(sst, 1<<20)}
	s.zw = zip.NewWriter(s.buf)
	s.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return s, nil
}

const (
	nsMain  = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg   = "http://schemas.openxmlformats.org/package/2006/relationships"
	xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// styleScientific is the cellXfs index of numbers shown as 0.00E+00.
const styleScientific = 1

// create starts a zip entry.
func (s *ExcelSink) create(name string) (io.Writer, error) {
	return s.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
}

// Table implements Sink.
func (s *ExcelSink) Table(name string, header []string) error {
	if err := s.endSheet(); err != nil {
		return err
	}
	s.names = append(s.names, name)
	w, err := s.create("xl/worksheets/sheet" + strconv.Itoa(len(s.names)) + ".xml")
	if err != nil {
		return s.fail(err)
	}
	s.sheet, s.row = w, 0
	if _, err := io.WriteString(w, xmlDecl+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetData>`); err != nil {
		return s.fail(err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return s.Row(cells)
}

// Row implements Sink.
func (s *ExcelSink) Row(cells []any) error {
	if s.err != nil {
		return s.err
	}
	if s.sheet == nil {
		return errors.New("excel sink: row before the first table")
	}
	s.row++
	r := strconv.Itoa(s.row)
	var b strings.Builder
	b.WriteString(`<row r="` + r + `">`)
	for i, c := range cells {
		ref := columnName(i) + r
		switch v := c.(type) {
		case string:
			if v == "" {
				continue
			}
			b.WriteString(`<c r="` + ref + `" t="s"><v>` + strconv.Itoa(s.shared(v)) + `</v></c>`)
		case float64:
			b.WriteString(`<c r="` + ref + `" s="` + strconv.Itoa(styleScientific) + `"><v>` +
				strconv.FormatFloat(v, 'G', 15, 64) + `</v></c>`)
		case GeneralNumber:
			b.WriteString(`<c r="` + ref + `"><v>` + strconv.FormatFloat(float64(v), 'G', 15, 64) + `</v></c>`)
		default:
			return fmt.Errorf("excel sink: row %d: column %d: %T is neither text nor a number", s.row, i+1, c)
		}
	}
	b.WriteString(`</row>`)
	if _, err := io.WriteString(s.sheet, b.String()); err != nil {
		return s.fail(err)
	}
	return s.err
}

// shared returns the index of text in the shared strings table, adding it.
func (s *ExcelSink) shared(text string) int {
	s.refs++
	if i, ok := s.index[text]; ok {
		return i
	}
	i := len(s.index)
	s.index[text] = i
	space := ""
	if strings.TrimSpace(text) != text {
		space = ` xml:space="preserve"`
	}
	if _, err := s.sstBuf.WriteString(`<si><t` + space + `>` + escapeXstring(text) + `</t></si>`); err != nil && s.err == nil {
		s.err = fmt.Errorf("excel sink: %w", err)
	}
	return i
}

func (s *ExcelSink) endSheet() error {
	if s.sheet == nil {
		return s.err
	}
	_, err := io.WriteString(s.sheet, `</sheetData></worksheet>`)
	s.sheet = nil
	if err != nil {
		return s.fail(err)
	}
	return s.err
}

func (s *ExcelSink) fail(err error) error {
	if s.err == nil {
		s.err = fmt.Errorf("excel sink: %w", err)
	}
	return s.err
}

// Close implements Sink: it writes the shared strings and the small parts,
// and renames the workbook into place.
func (s *ExcelSink) Close() (err error) {
	defer func() {
		if err != nil {
			s.Abort()
		}
	}()
	if err := s.endSheet(); err != nil {
		return err
	}
	if err := s.sstBuf.Flush(); err != nil {
		return s.fail(err)
	}
	if _, err := s.sst.Seek(0, io.SeekStart); err != nil {
		return s.fail(err)
	}
	w, err := s.create("xl/sharedStrings.xml")
	if err != nil {
		return s.fail(err)
	}
	head := xmlDecl + `<sst xmlns="` + nsMain + `" count="` + strconv.Itoa(s.refs) + `" uniqueCount="` + strconv.Itoa(len(s.index)) + `">`
	if _, err := io.WriteString(w, head); err != nil {
		return s.fail(err)
	}
	if _, err := io.Copy(w, s.sst); err != nil {
		return s.fail(err)
	}
	if _, err := io.WriteString(w, `</sst>`); err != nil {
		return s.fail(err)
	}
	for _, p := range s.smallParts() {
		w, err := s.create(p.name)
		if err != nil {
			return s.fail(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return s.fail(err)
		}
	}
	if err := s.zw.Close(); err != nil {
		return s.fail(err)
	}
	if err := s.buf.Flush(); err != nil {
		return s.fail(err)
	}
	if err := s.tmp.Chmod(0o644); err != nil {
		return s.fail(err)
	}
	if err := s.tmp.Close(); err != nil {
		return s.fail(err)
	}
	if err := os.Rename(s.tmp.Name(), s.path); err != nil {
		return s.fail(err)
	}
	s.sst.Close()
	os.Remove(s.sst.Name())
	return nil
}

type part struct{ name, body string }

// smallParts returns the workbook, its relationships, the content types
// and the styles.
func (s *ExcelSink) smallParts() []part {
	var sheets, rels, types strings.Builder
	for i, name := range s.names {
		n := strconv.Itoa(i + 1)
		sheets.WriteString(`<sheet name="` + escapeXstring(name) + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="` + nsRel + `/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		types.WriteString(`<Override PartName="/xl/worksheets/sheet` + n + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
	}
	n := len(s.names)
	return []part{
		{"[Content_Types].xml", xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			types.String() + `</Types>`},
		{"_rels/.rels", xmlDecl + `<Relationships xmlns="` + nsPkg + `">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", xmlDecl + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets>` +
			sheets.String() + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlDecl + `<Relationships xmlns="` + nsPkg + `">` + rels.String() +
			`<Relationship Id="rId` + strconv.Itoa(n+1) + `" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId` + strconv.Itoa(n+2) + `" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`},
		{"xl/styles.xml", xmlDecl + `<styleSheet xmlns="` + nsMain + `">` +
			`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
			`<xf numFmtId="` + strconv.Itoa(scientificFormat) + `" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
			`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`},
	}
}

// Abort implements Sink.
func (s *ExcelSink) Abort() {
	for _, f := range []*os.File{s.tmp, s.sst} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// columnName returns the letters of 0-based column i (0 → A, 26 → AA).
func columnName(i int) string {
	var b [4]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// escapeXstring writes text as XML character data of the workbook string
// type: the markup characters as entities, the control characters XML
// cannot hold as _xHHHH_, and an underscore that starts what would read as
// such an escape as _x005F_.
func escapeXstring(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			fmt.Fprintf(&b, "_x%04X_", c)
		case c == '_' && isXEscape(text[i:]):
			b.WriteString("_x005F_")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isXEscape reports whether s starts with _xHHHH_.
func isXEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	_, err := strconv.ParseUint(s[2:6], 16, 16)
	return err == nil
}
