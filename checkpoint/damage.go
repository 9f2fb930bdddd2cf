package checkpoint

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrDamaged is wrapped by every error about a checkpoint whose bytes are
// not the ones this package wrote: an empty or truncated file, a page or a
// record that fails its check. The error is a *DamagedError that names the
// file and, when the damage is in one record, its key. Nothing read from a
// damaged record is ever returned.
var ErrDamaged = errors.New("checkpoint damaged")

// ErrOnlyBackup is returned by Open for writing when the file does not
// exist but its backup (BackupPath) does: a run that starts afresh there
// would create again every row the lost file recorded.
var ErrOnlyBackup = errors.New("only its backup exists")

// DamagedError says which checkpoint is damaged and how.
type DamagedError struct {
	Path   string
	Key    Key    // the record at fault; "" when the damage is not in one record
	Reason string // what is wrong, e.g. "checksum mismatch"
}

func (e *DamagedError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("checkpoint: %s is damaged: record %q: %s", e.Path, e.Key, e.Reason)
	}
	return fmt.Sprintf("checkpoint: %s is damaged: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

func damaged(path string, format string, args ...any) *DamagedError {
	return &DamagedError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// onlyBackupError is ErrOnlyBackup with the paths in its message.
type onlyBackupError struct{ path, backup string }

func (e *onlyBackupError) Error() string {
	return fmt.Sprintf("checkpoint: %s does not exist but its backup %s does", e.path, e.backup)
}
func (e *onlyBackupError) Is(target error) bool { return target == ErrOnlyBackup }

// guard turns a panic or a memory fault while bbolt reads the file (it maps
// the file into memory, and asserts on what it finds there) into a
// DamagedError in *err. Use it as: defer guard(path, &err)().
func guard(path string, err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			*err = damaged(path, "reading it failed: %v", r)
		}
	}
}
