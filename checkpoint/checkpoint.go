// Package checkpoint is the bbolt file that makes runs resumable: run
// metadata and, per step key, the step's state, the IDs it obtained, its
// attempts, its last error and the fingerprint of the row it ran for. It
// knows keys and states, not Telegent, and never holds a secret: callers
// give it fingerprints and IDs only.
//
// A checkpoint decides what a run sends, so a damaged one must never be
// read as a smaller or a new one:
//
//   - Only a path where nothing exists starts a new checkpoint. An empty
//     file, a file cut short or otherwise damaged is refused with an error
//     wrapping ErrDamaged, a file some other program wrote with
//     ErrNotStateFile; neither is ever changed.
//   - Every record carries a CRC-32C of its key and value, and so do the
//     run metadata and the record count that every commit keeps. Open
//     reads the whole file with plain reads and checks bbolt's structures
//     and these checksums before bbolt maps it (see verify.go), then runs
//     bbolt's own check as a second opinion; every read checks the record
//     again. A record that fails is never returned: the error names the
//     file and the key.
//   - bbolt panics, or faults on an address past the end of the file, on
//     some damage: every transaction runs with such panics and faults
//     turned into ErrDamaged (see guard).
//   - A backup is kept beside the file (BackupPath, run.db.bak): a
//     consistent copy, checked, marked with the time it was taken. A file
//     restored from it reports that time (Restored), so that the runner
//     looks up every create that the backup does not show finished before
//     it sends one.
//
// Files written before records had checksums (schema 1) are read as they
// are and migrated the first time they are opened for writing.
//
// A reader of every record (the results of a million-row run) can have
// them in place, checked but not decoded into maps (ViewMany).
package checkpoint

import (
	"strconv"
	"time"
)

// CONTRACT: the exported names in this file are what jobs and main use.

// Key identifies a step: kind/natural-key/step, e.g.
// "subscribers/jane@example.com/create".
type Key string

// State of a step. Persisted as its number: add at the end, never renumber.
type State uint8

const (
	Pending        State = 0
	InFlight       State = 1 // written durably before a create is sent
	Done           State = 2
	Failed         State = 3
	Skipped        State = 4 // a dependency failed
	Waiting        State = 5 // a port order is open
	NeedsAttention State = 6 // outcome unknown and not reconcilable by lookup
	Cancelled      State = 7
)

// String returns the state as the results workbook shows it.
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case InFlight:
		return "in-flight"
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Waiting:
		return "waiting"
	case NeedsAttention:
		return "needs attention"
	case Cancelled:
		return "cancelled"
	}
	return "unknown"
}

// ErrClass says what kind of failure a step's last error was. It is
// persisted as its name (the text records held before the class had a
// type, so that records on disk read as they were written): add classes
// at the end, never rename one.
type ErrClass uint8

const (
	ClassNone     ErrClass = iota // no error
	ClassRetry                    // transient (the API kept failing): the next run retries the step
	ClassFailRow                  // the row is at fault: kept until it changes
	ClassAbort                    // the run was aborted (credentials rejected, checkpoint unwritable)
	ClassUnknown                  // the outcome is unknown: looked up, never sent again blindly
	ClassBlocked                  // skipped: a step it needs failed, needs attention or was cancelled
	ClassRejected                 // a port order the losing carrier rejected: the row says what to fix
	numClasses
)

// classNames are the persisted names, by class.
var classNames = [numClasses]string{"", "retry", "fail-row", "abort", "unknown", "blocked", "rejected"}

// String returns the class's persisted name ("" for ClassNone).
func (c ErrClass) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// parseErrClass reads a persisted class name. A name this build does not
// know (a later build's class) reads as ClassFailRow: kept, as a row's
// failure is, never retried on its own.
func parseErrClass(name string) ErrClass {
	for c, n := range classNames {
		if n == name {
			return ErrClass(c)
		}
	}
	return ClassFailRow
}

// Record is everything kept for one step.
type Record struct {
	Key         Key
	State       State
	IDs         map[string]string // e.g. "SubscriberId": "TSUID-…", "OrderId": "JNUOID-…"
	Data        map[string]string // other facts: "PortStatus", "DeclinedAttempts", …
	Attempts    int
	ErrClass    ErrClass
	ErrStatus   int    // HTTP status, 0 if none
	ErrMessage  string // never contains a secret
	Fingerprint string // hash of the row's non-secret fields
	SecretMAC   string // keyed MAC of the row's secret fields; the key is not in the file
	StartedAt   time.Time
	UpdatedAt   time.Time
}

// Meta describes the run that owns the file.
type Meta struct {
	SchemaVersion int
	ToolVersion   string
	Manifest      []string  // manifest paths as given
	ManifestHash  string    // fingerprint of the manifest content
	API           string    // API base URL
	CreatedAt     time.Time // first run
	StartedAt     time.Time // current/last run
	Runs          int
	Starts        []time.Time // start of every run, oldest first (the last MaxStarts)
}

// MaxStarts is how many run start times Meta.Starts keeps.
const MaxStarts = 100
