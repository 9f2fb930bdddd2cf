package sheets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Create returns a Writer for path: .xlsx writes one workbook; .csv writes
// one file per sheet named <stem>-<Sheet>.csv beside path.
//
// Nothing appears at the destination before Commit: every file is written
// to a temporary file in the destination directory, synced, and renamed
// into place, readable and writable by its owner only. Sheet names are made valid and unique (see SheetName); for
// CSV the file names are made safe the same way.
func Create(path string) (Writer, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".xlsx":
		return newXLSXWriter(path)
	case ".csv":
		return newCSVWriter(path), nil
	default:
		return nil, fmt.Errorf("create %s: unsupported file type %q; want .xlsx or .csv", path, ext)
	}
}

// ColumnLetter returns the spreadsheet column name of a 0-based index (0→A, 26→AA).
// It returns "" for a negative index.
func ColumnLetter(i int) string {
	if i < 0 {
		return ""
	}
	var buf [16]byte
	n := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		buf[n] = 'A' + byte((i-1)%26)
	}
	return string(buf[n:])
}

// errNoSheet is returned by Writer.Row before the first Writer.Sheet.
var errNoSheet = errors.New("row written before any sheet was started")

// errCommitted is returned by a Writer used after Commit or Abort.
var errCommitted = errors.New("writer already committed or aborted")

// maxSheetName is the longest tab name Excel accepts, in UTF-16 units.
const maxSheetName = 31

// SheetName returns name as Excel accepts it as a tab name: the characters
// : \ / ? * [ ] and control characters replaced by _, no leading or
// trailing apostrophe, at most 31 characters, not empty and not the name
// Excel reserves (History).
func SheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_"))
	name = strings.Trim(name, "'")
	name = truncateUTF16(name, maxSheetName)
	name = strings.TrimRight(name, "'")
	switch {
	case strings.TrimSpace(name) == "":
		return "Sheet"
	case strings.EqualFold(name, "History"):
		return "History_"
	}
	return name
}

// fileNamePart returns name usable in a file name on any common system:
// characters that Windows, macOS or Linux reject or that separate paths
// replaced by _, no leading or trailing dots or spaces, at most 64
// characters.
func fileNamePart(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) || unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_"))
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64])
	}
	name = strings.Trim(name, ". ")
	if name == "" {
		return "Sheet"
	}
	return name
}

// truncateUTF16 shortens s to at most n UTF-16 units without splitting a
// character.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// uniqueNames hands out names that differ case-insensitively, adding
// " (2)", " (3)", ... to a name already taken and shortening it to fit.
type uniqueNames struct {
	used  map[string]bool
	limit func(string, int) string // shortens a name to a number of units
	max   int
}

func newUniqueNames(max int, limit func(string, int) string) *uniqueNames {
	return &uniqueNames{used: make(map[string]bool), limit: limit, max: max}
}

func (u *uniqueNames) take(name string) string {
	candidate := name
	for n := 2; u.used[strings.ToLower(candidate)]; n++ {
		suffix := " (" + strconv.Itoa(n) + ")"
		candidate = u.limit(name, u.max-len(suffix)) + suffix
	}
	u.used[strings.ToLower(candidate)] = true
	return candidate
}

// truncateRunes shortens s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// tempFile is a file written beside its destination and moved into place
// by rename.
type tempFile struct {
	f    *os.File
	dest string
	done bool // renamed or removed
}

// createTemp creates the temporary file for dest in dest's directory, so
// that the final rename does not cross file systems.
func createTemp(dest string) (*tempFile, error) {
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", dest, unwrapPath(err))
	}
	return &tempFile{f: f, dest: dest}, nil
}

// finish syncs and closes the file and makes it its owner's only (0600),
// whatever the umask and whatever the file it replaces allowed: results
// hold names, e-mails and addresses.
func (t *tempFile) finish() error {
	err := t.f.Chmod(0o600)
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", t.dest, unwrapPath(err))
	}
	return nil
}

// rename moves the finished file into place and syncs the directory so
// that the rename survives a crash.
func (t *tempFile) rename() error {
	if err := os.Rename(t.f.Name(), t.dest); err != nil {
		return fmt.Errorf("write %s: %w", t.dest, err)
	}
	t.done = true
	if d, err := os.Open(filepath.Dir(t.dest)); err == nil {
		_ = d.Sync() // not supported everywhere; the rename itself succeeded
		_ = d.Close()
	}
	return nil
}

// remove deletes the temporary file unless it was renamed.
func (t *tempFile) remove() {
	if t.done {
		return
	}
	t.done = true
	_ = t.f.Close()
	_ = os.Remove(t.f.Name())
}

// Files returns the files a committed Writer of Create wrote: for a .csv
// destination one per sheet (<stem>-<Sheet>.csv), for a workbook path
// itself. A file of a sheet is what a person opens, or feeds back in.
func Files(w Writer, path string) []string {
	if f, ok := w.(interface{ Files() []string }); ok {
		return f.Files()
	}
	return []string{path}
}
