package samplegen

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// HostileCase is one file of the hostile corpus: a manifest made to take
// time or memory, or to point at a place that does not exist. Reading it
// must end quickly, in bounded memory, with a clear message.
type HostileCase struct {
	Name  string // what it is, short
	Path  string // the manifest
	Want  string // in what validate prints (stdout or stderr)
	Exit  int    // validate's exit code: 2 for a file refused, 1 for problems
	About string // one line: what the file does
}

// hostileCase is a case and how to write it.
type hostileCase struct {
	HostileCase
	write func(path string) error
}

// HostileCorpus returns the cases of the hostile corpus that WriteHostile
// writes into dir, without writing anything.
func HostileCorpus(dir string) []HostileCase {
	var out []HostileCase
	for _, c := range hostileCases() {
		c.Path = filepath.Join(dir, c.Path)
		out = append(out, c.HostileCase)
	}
	return out
}

// WriteHostile writes the hostile corpus into dir, which it creates, and
// returns its cases. The files are generated, streamed (the largest is
// 400 MB; most are a few MB): none is committed.
func WriteHostile(dir string) ([]HostileCase, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hostile corpus: %w", err)
	}
	var out []HostileCase
	for _, c := range hostileCases() {
		c.Path = filepath.Join(dir, c.Path)
		if err := c.write(c.Path); err != nil {
			return nil, fmt.Errorf("hostile corpus: %s: %w", c.Name, err)
		}
		out = append(out, c.HostileCase)
	}
	return out, nil
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{HostileCase{"xlsx-row-bomb", "row-bomb.xlsx", "more than 100 times its size", 2,
			"a 1.1 GB worksheet of repeated rows without references, deflated to a few MB"}, writeRowBomb},
		{HostileCase{"xlsx-too-many-rows", "too-many-rows.xlsx", `row r="1048577" is past row 1,048,576`, 2,
			"1.1M numbered rows in one tab"}, writeTooManyRows},
		{HostileCase{"xlsx-shared-strings-bomb", "sst-bomb.xlsx", "more than 100 times its size", 2,
			"a shared strings table of 30M equal strings, deflated to a few MB"}, writeSSTBomb},
		{HostileCase{"xlsx-shared-strings-count", "sst-count.xlsx", "more than 33,554,432 strings", 2,
			"a shared strings table of 34M distinct strings"}, writeSSTCount},
		{HostileCase{"csv-200mb-line", "line-200mb/subscribers.csv", "line 1: the row that starts here is longer than 16 MiB", 2,
			"one line of 200 MB"}, writeLongLine},
		{HostileCase{"csv-400mb-cell", "cell-400mb/subscribers.csv", "line 2: the row that starts here is longer than 16 MiB", 2,
			"a Name cell of 400 MB"}, writeLongCell},
		{HostileCase{"csv-blank-lines", "blank/subscribers.csv", "blank lines follow", 2,
			"100M blank lines after the first row"}, writeBlankLines},
		{HostileCase{"xlsx-cell-40k", "cell-40k.xlsx", "column B: the cell holds 40,000 characters, more than the 32,767", 2,
			"a cell of 40,000 characters"}, writeLongXLSXCell},
		{HostileCase{"csv-1m-bad-rows", "bad-rows/subscribers.csv", "… and 999,995 more like this in subscribers.csv column Email", 1,
			"1M rows, each with 4 problems"}, writeBadRows},
		{HostileCase{"xlsx-row-4294967297", "row-2e32.xlsx", `row r="4294967297" is past row 1,048,576`, 2,
			`a row numbered 4294967297 (2^32 + 1)`}, writeRow2e32},
		{HostileCase{"xlsx-cell-past-xfd", "past-xfd.xlsx", `cell r="XFE2" is past column XFD`, 2,
			"a cell in column XFE"}, writePastXFD},
		{HostileCase{"xlsx-columns-past-xfd", "columns.xlsx", "more than the 16,384 columns", 2,
			"a row of 20,000 cells without references"}, writeManyXLSXColumns},
		{HostileCase{"csv-columns-past-xfd", "columns/subscribers.csv", "more than the 16,384 columns", 2,
			"a row of 20,000 fields"}, writeManyCSVColumns},
		{HostileCase{"csv-wide-header", "wide/subscribers.csv", "the manifest's rows take more than 640 MiB in memory", 2,
			"a header of 16,384 columns and 1M one-letter rows (2 MB)"}, writeWideHeader},
		{HostileCase{"xlsx-nested-xml", "nested.xlsx", "every tab is empty", 2,
			"a worksheet of 2M nested elements, no rows"}, writeNested},
		{HostileCase{"xlsx-garbage-xml", "garbage.xlsx", "every tab is empty", 2,
			"a worksheet of 15 MB of tag soup"}, writeGarbage},
		{HostileCase{"zip-50k-parts", "parts.xlsx", "the archive has 50,005 parts, more than the 10,000", 2,
			"a workbook zip of 50,000 extra parts"}, writeManyParts},
		{HostileCase{"xlsx-5000-tabs", "tabs.xlsx", "the workbook has 5,000 tabs, more than the 1,000", 2,
			"a workbook of 5,000 tabs"}, writeManyTabs},
	}
}

// Subscribers columns of the corpus.
const hostileHeader = "Email,Name,AccountRef,Password"

// writeFile writes a file through a buffer filled by fill.
func writeFile(path string, fill func(w *bufio.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// repeat writes s n times.
func repeat(w *bufio.Writer, s string, n int) error {
	for range n {
		if _, err := w.WriteString(s); err != nil {
			return err
		}
	}
	return nil
}

func writeLongLine(path string) error {
	return writeFile(path, func(w *bufio.Writer) error { return repeat(w, "abcdefgh,", 200<<20/9) })
}

func writeLongCell(path string) error {
	return writeFile(path, func(w *bufio.Writer) error {
		w.WriteString(hostileHeader + "\nann@example.com,")
		if err := repeat(w, "Ann Example ", 400<<20/12); err != nil {
			return err
		}
		_, err := w.WriteString(",acme,pw\n")
		return err
	})
}

func writeBlankLines(path string) error {
	return writeFile(path, func(w *bufio.Writer) error {
		w.WriteString(hostileHeader + "\nann@example.com,Ann,acme,pw\n")
		return repeat(w, "\n", 100<<20)
	})
}

func writeBadRows(path string) error {
	return writeFile(path, func(w *bufio.Writer) error {
		w.WriteString(hostileHeader + "\n")
		return repeat(w, "x\n", 1_000_000)
	})
}

func writeManyCSVColumns(path string) error {
	return writeFile(path, func(w *bufio.Writer) error {
		w.WriteString(hostileHeader + "\nann@example.com,Ann,acme,pw")
		return repeat(w, ",x", 20000)
	})
}

func writeWideHeader(path string) error {
	return writeFile(path, func(w *bufio.Writer) error {
		w.WriteString("Email")
		for i := 1; i < 1<<14; i++ {
			w.WriteString(",Note" + strconv.Itoa(i))
		}
		w.WriteString("\n")
		return repeat(w, "x\n", 1_000_000)
	})
}

// workbook writes a workbook of tabs (a name and the writer of its
// sheetData's content each) and, when sst is not nil, a shared strings
// part. level is the deflate level of the worksheets.
type workbook struct {
	tabs  []string
	sheet func(tab int, w *bufio.Writer) error
	sst   func(w *bufio.Writer) error
	extra int // empty parts added to the archive
	level int
}

const sheetNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

func (b workbook) write(path string) error {
	return writeFile(path, func(bw *bufio.Writer) error {
		zw := zip.NewWriter(bw)
		level := b.level
		if level == 0 {
			level = flate.BestSpeed
		}
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, level) })
		put := func(name string, fill func(w *bufio.Writer) error) error {
			pw, err := zw.Create(name)
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(pw, 1<<20)
			if err := fill(w); err != nil {
				return err
			}
			return w.Flush()
		}
		text := func(s string) func(w *bufio.Writer) error {
			return func(w *bufio.Writer) error { _, err := w.WriteString(s); return err }
		}
		var wb, rels strings.Builder
		wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook ` + sheetNS + `><sheets>`)
		rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
		for i, name := range b.tabs {
			n := strconv.Itoa(i + 1)
			wb.WriteString(`<sheet name="` + name + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
			rels.WriteString(`<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		}
		rels.WriteString(`<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
		parts := []struct {
			name string
			fill func(w *bufio.Writer) error
		}{
			{"[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`)},
			{"_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
			{"xl/workbook.xml", text(wb.String() + `</sheets></workbook>`)},
			{"xl/_rels/workbook.xml.rels", text(rels.String())},
		}
		for _, p := range parts {
			if err := put(p.name, p.fill); err != nil {
				return err
			}
		}
		if b.sst != nil {
			if err := put("xl/sharedStrings.xml", func(w *bufio.Writer) error {
				w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst ` + sheetNS + `>`)
				if err := b.sst(w); err != nil {
					return err
				}
				_, err := w.WriteString(`</sst>`)
				return err
			}); err != nil {
				return err
			}
		}
		for i := range b.tabs {
			if err := put("xl/worksheets/sheet"+strconv.Itoa(i+1)+".xml", func(w *bufio.Writer) error {
				w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet ` + sheetNS + `><sheetData>`)
				if err := b.sheet(i, w); err != nil {
					return err
				}
				_, err := w.WriteString(`</sheetData></worksheet>`)
				return err
			}); err != nil {
				return err
			}
		}
		for i := range b.extra {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/extra" + strconv.Itoa(i), Method: zip.Store}); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// headerRow is the Subscribers header as row 1 of inline strings.
func headerRow(w *bufio.Writer) {
	w.WriteString(`<row r="1">`)
	for i, h := range strings.Split(hostileHeader, ",") {
		w.WriteString(`<c r="` + string(rune('A'+i)) + `1" t="inlineStr"><is><t>` + h + `</t></is></c>`)
	}
	w.WriteString(`</row>`)
}

// oneTab is a workbook of one Subscribers tab: its header, then rows.
func oneTab(rows func(w *bufio.Writer) error) workbook {
	return workbook{tabs: []string{"Subscribers"}, sheet: func(_ int, w *bufio.Writer) error {
		headerRow(w)
		return rows(w)
	}}
}

func writeRowBomb(path string) error {
	b := oneTab(func(w *bufio.Writer) error {
		row := `<row>` + strings.Repeat(`<c t="inlineStr"><is><t>ann@example.com</t></is></c>`, 4) + `</row>`
		return repeat(w, row, 1100<<20/len(row))
	})
	b.level = flate.BestCompression
	return b.write(path)
}

func writeTooManyRows(path string) error {
	return oneTab(func(w *bufio.Writer) error {
		for r := 2; r <= 1_100_000; r++ {
			n := strconv.Itoa(r)
			w.WriteString(`<row r="` + n + `"><c r="A` + n + `" t="inlineStr"><is><t>u` + n + `@example.com</t></is></c></row>`)
		}
		return nil
	}).write(path)
}

func writeSSTBomb(path string) error {
	b := oneTab(func(w *bufio.Writer) error { return nil })
	b.sst = func(w *bufio.Writer) error { return repeat(w, `<si><t>Ann Example</t></si>`, 30<<20) }
	b.level = flate.BestCompression
	return b.write(path)
}

func writeSSTCount(path string) error {
	b := oneTab(func(w *bufio.Writer) error { return nil })
	b.sst = func(w *bufio.Writer) error {
		for i := range 34 << 20 {
			w.WriteString(`<si><t>` + strconv.Itoa(i) + `</t></si>`)
		}
		return nil
	}
	return b.write(path)
}

func writeLongXLSXCell(path string) error {
	return oneTab(func(w *bufio.Writer) error {
		_, err := w.WriteString(`<row r="2"><c r="A2" t="inlineStr"><is><t>ann@example.com</t></is></c>` +
			`<c r="B2" t="inlineStr"><is><t>` + strings.Repeat("Ann Examp ", 4000) + `</t></is></c></row>`)
		return err
	}).write(path)
}

func writeRow2e32(path string) error {
	return oneTab(func(w *bufio.Writer) error {
		_, err := w.WriteString(`<row r="2"><c r="A2" t="inlineStr"><is><t>ann@example.com</t></is></c></row>` +
			`<row r="4294967297"><c r="A1" t="inlineStr"><is><t>bob@example.com</t></is></c></row>`)
		return err
	}).write(path)
}

func writePastXFD(path string) error {
	return oneTab(func(w *bufio.Writer) error {
		_, err := w.WriteString(`<row r="2"><c r="A2" t="inlineStr"><is><t>ann@example.com</t></is></c>` +
			`<c r="XFE2" t="inlineStr"><is><t>Ann</t></is></c></row>`)
		return err
	}).write(path)
}

func writeManyXLSXColumns(path string) error {
	return oneTab(func(w *bufio.Writer) error {
		w.WriteString(`<row r="2">`)
		if err := repeat(w, `<c t="inlineStr"><is><t>x</t></is></c>`, 20000); err != nil {
			return err
		}
		_, err := w.WriteString(`</row>`)
		return err
	}).write(path)
}

func writeNested(path string) error {
	return workbook{tabs: []string{"Subscribers"}, sheet: func(_ int, w *bufio.Writer) error {
		if err := repeat(w, "<a>", 2_000_000); err != nil {
			return err
		}
		return repeat(w, "</a>", 2_000_000)
	}}.write(path)
}

func writeGarbage(path string) error {
	return workbook{tabs: []string{"Subscribers"}, sheet: func(_ int, w *bufio.Writer) error {
		// Tags cut by quotes, comments and CDATA that open and close
		// across one another, entities: no row comes of it.
		seed := uint32(1)
		bits := []string{`<`, `>`, `"`, `'`, `<!--`, `-->`, `<![CDATA[`, `]]>`, `&amp;`, `&#x`, `<c`, `</`, `/>`, `<?`, `?>`, `x`, ` `, `=`}
		for n := 0; n < 15<<20; {
			seed = seed*1664525 + 1013904223
			s := bits[(seed>>16)%uint32(len(bits))]
			w.WriteString(s)
			n += len(s)
		}
		return nil
	}}.write(path)
}

func writeManyParts(path string) error {
	b := oneTab(func(w *bufio.Writer) error { return nil })
	b.extra = 50000
	return b.write(path)
}

func writeManyTabs(path string) error {
	tabs := make([]string, 5000)
	for i := range tabs {
		tabs[i] = "Subscribers-" + strconv.Itoa(i+1)
	}
	return workbook{tabs: tabs, sheet: func(_ int, w *bufio.Writer) error { headerRow(w); return nil }}.write(path)
}
