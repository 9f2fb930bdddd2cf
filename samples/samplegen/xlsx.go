package samplegen

import (
	"archive/zip"
	"bufio"
	"cmp"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// scientificFormat is Excel's built-in number format 0.00E+00: how Excel
// shows a long number typed into a General column (8.90E+18).
const scientificFormat = 11

// generalFormat is Excel's built-in number format General: how a number
// typed into a new sheet is shown, without leading zeros.
const generalFormat = 0

// textFormat is Excel's built-in number format "@" (Text): a value typed
// into such a column stays text, so a phone, ICCID or zip keeps its digits.
const textFormat = 49

// XLSXSink writes one workbook, one tab per table, through excelize's
// streaming writer, so memory does not grow with the number of rows. Text
// cells are inline strings in columns formatted as Text; a float64 cell is a
// numeric cell shown in scientific notation, a GeneralNumber one in General.
// The header row is bold and frozen.
//
// The workbook is byte-for-byte deterministic: excelize writes its streamed
// sheets in map order, so Close rewrites the archive with its entries in
// name order (copying the compressed data, not recompressing it).
type XLSXSink struct {
	path   string
	f      *excelize.File
	sw     *excelize.StreamWriter
	sheets int
	row    int
	text   int // style ID of text cells
	head   int // style ID of header cells
	number int // style ID of numeric cells (scientific notation)
	plain  int // style ID of General numeric cells
	cells  []any
}

// NewXLSXSink returns a sink writing the workbook path.
func NewXLSXSink(path string) (*XLSXSink, error) {
	f := excelize.NewFile()
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	s := &XLSXSink{path: path, f: f}
	var err error
	if s.text, err = f.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil {
		return nil, fmt.Errorf("xlsx sink: %w", err)
	}
	if s.head, err = f.NewStyle(&excelize.Style{NumFmt: textFormat, Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, fmt.Errorf("xlsx sink: %w", err)
	}
	if s.number, err = f.NewStyle(&excelize.Style{NumFmt: scientificFormat}); err != nil {
		return nil, fmt.Errorf("xlsx sink: %w", err)
	}
	if s.plain, err = f.NewStyle(&excelize.Style{NumFmt: generalFormat}); err != nil {
		return nil, fmt.Errorf("xlsx sink: %w", err)
	}
	return s, nil
}

// Table implements Sink.
func (s *XLSXSink) Table(name string, header []string) error {
	if err := s.flush(); err != nil {
		return err
	}
	if s.sheets == 0 {
		if err := s.f.SetSheetName(s.f.GetSheetName(0), name); err != nil {
			return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
		}
	} else if _, err := s.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
	}
	s.sheets++
	sw, err := s.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
	}
	s.sw, s.row = sw, 1
	if len(header) > 0 {
		if err := sw.SetColStyle(1, len(header), s.text); err != nil {
			return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
		}
		if err := sw.SetColWidth(1, len(header), 18); err != nil {
			return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
		}
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err != nil {
		return fmt.Errorf("xlsx sink: sheet %s: %w", name, err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: s.head, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return fmt.Errorf("xlsx sink: sheet %s: header: %w", name, err)
	}
	return nil
}

// Row implements Sink.
func (s *XLSXSink) Row(cells []any) error {
	if s.sw == nil {
		return errors.New("xlsx sink: row before the first table")
	}
	s.row++
	s.cells = s.cells[:0]
	for i, c := range cells {
		switch v := c.(type) {
		case string:
		case float64:
			c = excelize.Cell{StyleID: s.number, Value: v}
		case GeneralNumber:
			c = excelize.Cell{StyleID: s.plain, Value: float64(v)}
		default:
			return fmt.Errorf("xlsx sink: row %d: column %d: %T is neither text nor a number", s.row, i+1, c)
		}
		s.cells = append(s.cells, c)
	}
	if err := s.sw.SetRow("A"+strconv.Itoa(s.row), s.cells); err != nil {
		return fmt.Errorf("xlsx sink: row %d: %w", s.row, err)
	}
	return nil
}

func (s *XLSXSink) flush() error {
	if s.sw == nil {
		return nil
	}
	err := s.sw.Flush()
	s.sw = nil
	if err != nil {
		return fmt.Errorf("xlsx sink: %w", err)
	}
	return nil
}

// Close implements Sink: it writes the workbook to a temporary file beside
// path, rewrites it in entry order and renames the result into place.
func (s *XLSXSink) Close() (err error) {
	defer func() {
		if cerr := s.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx sink: %w", cerr)
		}
	}()
	if err := s.flush(); err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	raw, err := os.CreateTemp(dir, ".samplegen-*.xlsx")
	if err != nil {
		return fmt.Errorf("xlsx sink: %w", err)
	}
	defer os.Remove(raw.Name())
	bw := bufio.NewWriterSize(raw, 1<<20)
	err = s.f.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("xlsx sink: write %s: %w", s.path, err)
	}
	if err := sortZip(s.path, raw.Name()); err != nil {
		return fmt.Errorf("xlsx sink: %w", err)
	}
	return nil
}

// Abort implements Sink.
func (s *XLSXSink) Abort() { s.f.Close() }

// sortZip writes the archive src to dst with its entries sorted by name,
// copying each entry's compressed bytes unchanged. dst appears atomically.
func sortZip(dst, src string) (err error) {
	r, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	defer r.Close()
	files := slices.Clone(r.File)
	slices.SortFunc(files, func(a, b *zip.File) int { return cmp.Compare(a.Name, b.Name) })

	out, err := os.CreateTemp(filepath.Dir(dst), ".samplegen-*.xlsx")
	if err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	bw := bufio.NewWriterSize(out, 1<<20)
	zw := zip.NewWriter(bw)
	for _, f := range files {
		if err := zw.Copy(f); err != nil {
			return fmt.Errorf("sort zip: %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	if err := out.Chmod(0o644); err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	if err := os.Rename(out.Name(), dst); err != nil {
		return fmt.Errorf("sort zip: %w", err)
	}
	return nil
}
