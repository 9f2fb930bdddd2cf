package sheets

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
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

// maxPartSize bounds the small parts decoded whole here (relationships,
// the workbook part, styles).
const maxPartSize = 16 << 20

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
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, maxPartSize)).Decode(v)
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
	var (
		x                    = newXMLScanner(rc)
		buf                  []byte
		inItem, inPh, inText bool
	)
	for {
		x.keepText = inText
		if err := x.next(); err != nil {
			if err == io.EOF {
				return table, table.finish()
			}
			return nil, err
		}
		if inText {
			buf = appendText(buf, x.text, false)
			if data, ok := x.cdata(); ok {
				buf = appendText(buf, data, true)
				continue
			}
		}
		name, closing, empty := x.name()
		switch string(name) {
		case "si":
			switch {
			case empty:
				if err := table.add(nil); err != nil {
					return nil, err
				}
			case !closing:
				inItem, inPh, inText, buf = true, false, false, buf[:0]
			case inItem:
				if err := table.add(unescapeXbytes(buf)); err != nil {
					return nil, err
				}
				inItem, inText = false, false
			}
		case "rPh":
			if inItem {
				inPh = !closing && !empty
			}
		case "t":
			if inItem && !inPh {
				inText = !closing && !empty
			}
		}
	}
}
