package sheets

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// workbookParts is what a workbook's small parts say: its tabs in order,
// the cell formats and shared strings their cells refer to, and the date
// system.
type workbookParts struct {
	sheets   []sheetPart
	formats  []numFormat // by cell format (style) index
	strings  *sharedStrings
	date1904 bool
}

// sheetPart is one tab of a workbook and the zip entry holding its XML.
type sheetPart struct {
	name string
	file *zip.File // nil when the workbook names a part the archive lacks
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"id,attr"` // r:id; matched in any namespace (transitional or strict)
	} `xml:"sheets>sheet"`
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	CellXfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// readWorkbookParts follows the package relationships as the Open
// Packaging Conventions define them: _rels/.rels names the workbook part,
// whose relationships name each sheet's part, the styles and the shared
// strings. Part names are matched case-insensitively, as OPC requires.
func readWorkbookParts(zr *zip.Reader) (*workbookParts, error) {
	if len(zr.File) > limits.parts {
		return nil, tooManyParts(len(zr.File))
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	lookup := func(name string) *zip.File { return files[strings.ToLower(name)] }

	wbPath := "xl/workbook.xml"
	var pkgRels xmlRels
	if err := decodePart(lookup("_rels/.rels"), &pkgRels); err != nil && !errors.Is(err, errNoPart) {
		return nil, fmt.Errorf("package relationships: %w", err)
	}
	for _, r := range pkgRels.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = resolvePart("", r.Target)
			break
		}
	}
	var wb xmlWorkbook
	if err := decodePart(lookup(wbPath), &wb); err != nil {
		return nil, fmt.Errorf("workbook part %s: %w", wbPath, err)
	}
	var wbRels xmlRels
	dir := path.Dir(wbPath)
	if err := decodePart(lookup(path.Join(dir, "_rels", path.Base(wbPath)+".rels")), &wbRels); err != nil {
		return nil, fmt.Errorf("workbook relationships: %w", err)
	}
	targets := make(map[string]string, len(wbRels.Rels))
	stylesPath, stringsPath := path.Join(dir, "styles.xml"), path.Join(dir, "sharedStrings.xml")
	for _, r := range wbRels.Rels {
		target := resolvePart(dir, r.Target)
		targets[r.ID] = target
		switch {
		case strings.HasSuffix(r.Type, "/styles"):
			stylesPath = target
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			stringsPath = target
		}
	}

	if len(wb.Sheets) > limits.tabs {
		return nil, overLimit("the workbook has %s tabs, more than the %s a manifest may have",
			thousands(len(wb.Sheets)), thousands(limits.tabs))
	}
	p := &workbookParts{date1904: wb.Pr.Date1904 == "1" || strings.EqualFold(wb.Pr.Date1904, "true")}
	for _, s := range wb.Sheets {
		p.sheets = append(p.sheets, sheetPart{name: s.Name, file: lookup(targets[s.RID])})
	}
	var err error
	if p.formats, err = readFormats(lookup(stylesPath)); err != nil {
		return nil, fmt.Errorf("styles part %s: %w", stylesPath, err)
	}
	if p.strings, err = readSharedStrings(lookup(stringsPath)); err != nil {
		return nil, fmt.Errorf("shared strings part %s: %w", stringsPath, err)
	}
	return p, nil
}

// resolvePart resolves a relationship target against the directory of the
// part that holds the relationship; a target starting with / is absolute.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return path.Clean(strings.TrimPrefix(target, "/"))
	}
	return path.Join(dir, target)
}

var errNoPart = errors.New("missing from the archive")

// decodePart decodes a small XML part.
func decodePart(f *zip.File, v any) error {
	if f == nil {
		return errNoPart
	}
	if err := checkPart(f, limits.smallPart, "a workbook, relationships or styles part"); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, limits.smallPart)).Decode(v)
}

// checkPart fails for a part that would unpack to more than max bytes
// (what names the kind of part), or to more than limits.ratio times its
// compressed size once past limits.ratioFrom: such a part is a zip bomb,
// not a spreadsheet. The sizes are those the archive declares, which
// archive/zip holds a part to while reading it.
func checkPart(f *zip.File, max int64, what string) error {
	size := f.UncompressedSize64
	if size > uint64(max) {
		return overLimit("part %s unpacks to %s, more than the %s %s may take", f.Name,
			byteSize(int64(min(size, 1<<62))), byteSize(max), what)
	}
	if size > uint64(limits.ratioFrom) && size/uint64(limits.ratio) > f.CompressedSize64 {
		return overLimit("part %s unpacks to %s from %s, more than %d times its size: "+
			"a part over %s may unpack to at most %d times its size, which is far more than any spreadsheet needs",
			f.Name, byteSize(int64(size)), byteSize(int64(f.CompressedSize64)), limits.ratio,
			byteSize(limits.ratioFrom), limits.ratio)
	}
	return nil
}

// tooManyParts is the error for an archive of n entries.
func tooManyParts(n int) error {
	return overLimit("the archive has %s parts, more than the %s a workbook may have", thousands(n), thousands(limits.parts))
}

// checkZipEntries reads the number of entries an archive declares at its
// end, so that an archive of millions of entries is refused before
// archive/zip reads its directory into memory. An archive it cannot make
// sense of is left for archive/zip to describe.
func checkZipEntries(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // archive/zip says why
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	const eocdLen, zip64LocLen, zip64EOCDLen = 22, 20, 56
	tail := make([]byte, min(fi.Size(), eocdLen+0xFFFF)) // the record and the longest comment
	start := fi.Size() - int64(len(tail))
	if _, err := f.ReadAt(tail, start); err != nil {
		return nil
	}
	at := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if at < 0 || len(tail)-at < eocdLen {
		return nil
	}
	n := uint64(binary.LittleEndian.Uint16(tail[at+10:]))
	if n == 0xFFFF && at >= zip64LocLen && bytes.HasPrefix(tail[at-zip64LocLen:], []byte("PK\x06\x07")) {
		off := binary.LittleEndian.Uint64(tail[at-zip64LocLen+8:])
		rec := make([]byte, zip64EOCDLen)
		if off < uint64(fi.Size()) {
			if _, err := f.ReadAt(rec, int64(off)); err == nil && bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
				n = binary.LittleEndian.Uint64(rec[32:])
			}
		}
	}
	if n > uint64(limits.parts) {
		return tooManyParts(int(min(n, 1<<62)))
	}
	return nil
}

// readFormats classifies the number format of every cell format. A
// workbook without styles has only the General format.
func readFormats(f *zip.File) ([]numFormat, error) {
	var st xmlStyles
	if err := decodePart(f, &st); err != nil {
		if errors.Is(err, errNoPart) {
			return nil, nil
		}
		return nil, err
	}
	custom := make(map[int]string, len(st.NumFmts))
	for _, nf := range st.NumFmts {
		custom[nf.ID] = nf.Code
	}
	formats := make([]numFormat, len(st.CellXfs))
	for i, xf := range st.CellXfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			formats[i] = customFormat(code)
		} else {
			formats[i] = builtinFormat(xf.NumFmtID)
		}
	}
	return formats, nil
}

// readSharedStrings reads the shared strings table: the text of each <si>
// item, its rich-text runs joined, phonetic runs (<rPh>) left out and
// escapes decoded. It is streamed, since it can be as large as the sheets,
// into a sharedStrings that keeps a large table in a file.
func readSharedStrings(f *zip.File) (_ *sharedStrings, err error) {
	table := &sharedStrings{}
	if f == nil {
		return table, nil
	}
	if err := checkPart(f, limits.stringsPart, "the shared strings part"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = table.close()
		}
	}()
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := stringsScanner{x: newXMLScanner(rc), table: table}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return table, table.finish()
}

// stringsScanner reads the <si> items of a shared strings part into a
// table, one at a time.
type stringsScanner struct {
	x      *xmlScanner
	table  *sharedStrings
	buf    []byte // text of the item being read
	count  int    // strings added
	inItem bool
	inPh   bool // inside a phonetic run, whose text is not the item's
	inText bool // inside a <t> whose text is the item's
}

// scan reads items to the end of the part.
func (s *stringsScanner) scan() error {
	for {
		s.x.keepText = s.inText
		if err := s.x.next(); err != nil {
			switch {
			case err == io.EOF:
				return nil
			case errors.Is(err, errTextTooLong):
				return fmt.Errorf("string %d: %w", s.count, cellTooLong())
			}
			return err
		}
		if s.inText {
			cdata, err := s.gather()
			if err != nil {
				return err
			}
			if cdata {
				continue
			}
		}
		name, closing, empty := s.x.name()
		switch string(name) {
		case "si":
			if err := s.itemTag(closing, empty); err != nil {
				return err
			}
		case "rPh":
			if s.inItem {
				s.inPh = !closing && !empty
			}
		case "t":
			if s.inItem && !s.inPh {
				s.inText = !closing && !empty
			}
		}
	}
}

// gather adds the text read before the current tag to the item's text,
// and the tag's own content when it is a CDATA section, which it reports:
// such a tag is text, not an element.
func (s *stringsScanner) gather() (cdata bool, err error) {
	s.buf = appendText(s.buf, s.x.text, false)
	data, cdata := s.x.cdata()
	if cdata {
		s.buf = appendText(s.buf, data, true)
	}
	if len(s.buf) > utf8.UTFMax*limits.cellChars {
		return false, fmt.Errorf("string %d: %w", s.count, cellTooLong())
	}
	return cdata, nil
}

// itemTag handles an <si> tag: the opening one starts an item, the
// closing one (or an empty element) adds it to the table.
func (s *stringsScanner) itemTag(closing, empty bool) error {
	if !closing && s.count >= limits.strings {
		return overLimit("more than %s strings, the most a shared strings table may hold here",
			thousands(limits.strings))
	}
	switch {
	case empty:
		return s.add(nil)
	case !closing:
		s.inItem, s.inPh, s.inText, s.buf = true, false, false, s.buf[:0]
	case s.inItem:
		text := unescapeXbytes(s.buf)
		if len(text) > limits.cellChars {
			if err := checkCell(string(text)); err != nil {
				return fmt.Errorf("string %d: %w", s.count, err)
			}
		}
		if err := s.add(text); err != nil {
			return err
		}
		s.inItem, s.inText = false, false
	}
	return nil
}

// add adds the text of an item to the table.
func (s *stringsScanner) add(text []byte) error {
	if err := s.table.add(text); err != nil {
		return err
	}
	s.count++
	return nil
}
