package sheets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoTable is wrapped by Open's error when path holds no table at all:
// an empty CSV file, a workbook whose every tab is empty, a directory
// without CSV files.
var ErrNoTable = errors.New("no table found")

// Open opens the tables in path: every tab of an .xlsx workbook, a single
// .csv file, or every .csv file in a directory (sorted by name). The caller
// closes every returned Reader.
//
// Empty tabs and empty CSV files are skipped. Each returned Reader is
// positioned after its header; the first call to Next reads the first data
// row. Readers of one workbook share the open file, which is closed with
// the last of them; they may be read one after another or concurrently.
func Open(path string) ([]Reader, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, unwrapPath(err))
	}
	if fi.IsDir() {
		return openDir(path)
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		r, err := openCSV(path)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, fmt.Errorf("open %s: the file is empty: %w", path, ErrNoTable)
		}
		return []Reader{r}, nil
	case ".xlsx", ".xlsm":
		return openXLSX(path)
	case ".xls":
		return nil, fmt.Errorf("open %s: .xls is the Excel 97-2003 format, which is not supported; "+
			"save the file as an Excel Workbook (.xlsx) or as CSV UTF-8", path)
	default:
		return nil, fmt.Errorf("open %s: unsupported file type %q; "+
			"want an .xlsx workbook, a .csv file or a directory of .csv files", path, ext)
	}
}

// ErrGivenTwice is wrapped by OpenAll's error when a file is given twice.
var ErrGivenTwice = errors.New("given twice")

// OpenAll opens every path as Open does, in order, and returns all their
// Readers. It fails, naming it, when a file would be read twice: a path
// given twice, however spelled (./a.csv and a.csv, a link and its target),
// or a CSV file given both by itself and through its folder. The caller
// closes every returned Reader.
func OpenAll(paths ...string) (_ []Reader, err error) {
	var (
		readers []Reader
		files   []os.FileInfo // the files read so far
		names   []string      // and their paths, as given
	)
	defer func() {
		if err != nil {
			closeAll(readers)
		}
	}()
	for _, path := range paths {
		rs, err := Open(path)
		if err != nil {
			return nil, err
		}
		readers = append(readers, rs...)
		var prev string
		for _, r := range rs {
			p := r.Table().Path
			if p == prev {
				continue // another tab of the same workbook
			}
			prev = p
			fi, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("open %s: %w", p, unwrapPath(err))
			}
			for i, seen := range files {
				if os.SameFile(fi, seen) {
					what := p
					if names[i] != p {
						what += " (the same file as " + names[i] + ")"
					}
					return nil, fmt.Errorf("open %s: %w; give each manifest file once", what, ErrGivenTwice)
				}
			}
			files, names = append(files, fi), append(names, p)
		}
	}
	return readers, nil
}

// openDir opens every .csv file in dir, sorted by name, skipping hidden
// files and empty ones.
func openDir(dir string) ([]Reader, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, unwrapPath(err))
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.EqualFold(filepath.Ext(name), ".csv") {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var readers []Reader
	for _, name := range names {
		r, err := openCSV(filepath.Join(dir, name))
		if err != nil {
			closeAll(readers)
			return nil, err
		}
		if r != nil {
			readers = append(readers, r)
		}
	}
	if len(readers) == 0 {
		what := "no .csv files"
		if len(names) > 0 {
			what = "every .csv file is empty"
		}
		return nil, fmt.Errorf("open %s: %s: %w", dir, what, ErrNoTable)
	}
	return readers, nil
}

// unwrapPath drops the *fs.PathError layer, whose message repeats the path
// the caller's message already names, keeping what it wraps (so
// errors.Is(err, fs.ErrNotExist) still holds).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// closeAll closes readers, for the error paths of Open.
func closeAll(readers []Reader) {
	for _, r := range readers {
		_ = r.Close()
	}
}

// headerOf turns the first non-blank row into a header: titles trimmed,
// trailing untitled columns dropped. ok is false for a blank row.
func headerOf(cells []string) (header []string, ok bool) {
	width := 0
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			width = i + 1
		}
	}
	if width == 0 {
		return nil, false
	}
	header = make([]string, width)
	for i := range header {
		header[i] = strings.TrimSpace(cells[i])
	}
	return header, true
}

// fit returns a copy of cells with exactly width entries: cells beyond it
// are dropped, missing ones are "". beyond lists the dropped cells that
// held something other than white space.
func fit(cells []string, width int) (out []string, beyond []int) {
	out = make([]string, width)
	copy(out, cells)
	for j := width; j < len(cells); j++ {
		if strings.TrimSpace(cells[j]) != "" {
			beyond = append(beyond, j)
		}
	}
	return out, beyond
}

// blank reports whether every cell is empty or white space.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
