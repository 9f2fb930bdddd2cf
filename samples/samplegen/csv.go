package samplegen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
)

// CSVSink writes each table as a UTF-8, comma-delimited file named
// CSVName(table) in a folder. Only text cells are allowed: CSV has no
// numeric cells.
type CSVSink struct {
	dir   string
	name  string
	f     *os.File
	buf   *bufio.Writer
	w     *csv.Writer
	cells []string
}

// NewCSVSink returns a sink writing into dir, creating it if needed.
func NewCSVSink(dir string) (*CSVSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("csv sink: %w", err)
	}
	return &CSVSink{dir: dir}, nil
}

// Table implements Sink.
func (s *CSVSink) Table(name string, header []string) error {
	if err := s.finish(); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(s.dir, CSVName(name)))
	if err != nil {
		return fmt.Errorf("csv sink: %w", err)
	}
	s.name, s.f = name, f
	s.buf = bufio.NewWriterSize(f, 1<<20)
	s.w = csv.NewWriter(s.buf)
	if err := s.w.Write(header); err != nil {
		return fmt.Errorf("csv sink: %s: %w", name, err)
	}
	return nil
}

// Row implements Sink.
func (s *CSVSink) Row(cells []any) error {
	if s.w == nil {
		return fmt.Errorf("csv sink: row before the first table")
	}
	s.cells = s.cells[:0]
	for i, c := range cells {
		v, ok := c.(string)
		if !ok {
			return fmt.Errorf("csv sink: %s: column %d: %T is not text", s.name, i+1, c)
		}
		s.cells = append(s.cells, v)
	}
	if err := s.w.Write(s.cells); err != nil {
		return fmt.Errorf("csv sink: %s: %w", s.name, err)
	}
	return nil
}

// Close implements Sink.
func (s *CSVSink) Close() error { return s.finish() }

// Abort implements Sink.
func (s *CSVSink) Abort() {
	if s.f != nil {
		s.f.Close()
		s.f, s.buf, s.w = nil, nil, nil
	}
}

func (s *CSVSink) finish() error {
	if s.f == nil {
		return nil
	}
	s.w.Flush()
	err := s.w.Error()
	if err == nil {
		err = s.buf.Flush()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f, s.buf, s.w = nil, nil, nil
	if err != nil {
		return fmt.Errorf("csv sink: %s: %w", s.name, err)
	}
	return nil
}
