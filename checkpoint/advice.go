package checkpoint

import (
	"errors"
	"fmt"
	"time"
)

// Unusable tells whether err says the state file cannot be used as it is:
// damaged, empty, or not a checkpoint at all.
func Unusable(err error) bool {
	return errors.Is(err, ErrDamaged) || errors.Is(err, ErrNotStateFile)
}

// Advise adds to an error about the state file at path state what to do
// about it: restore the backup (named, when it is sound), or how to start
// afresh on purpose and what that costs. Other errors come back as they are.
func Advise(err error, state string) error {
	bak := BackupPath(state)
	switch {
	case errors.Is(err, ErrOnlyBackup):
		return fmt.Errorf("%w: to resume, copy %s to %s and run the same command again; to start a new run instead, "+
			"which creates again every row the lost file recorded as created, delete %s or choose another --state", err, bak, state, bak)
	case !Unusable(err):
		return err
	}
	if taken, steps, ok := SoundBackup(bak); ok {
		return fmt.Errorf("%w\nits backup %s (taken %s, %d steps) is sound: copy it over the damaged file (cp %s %s) "+
			"and run the same command again. Every create that is not done in the backup is looked up on the platform "+
			"before anything is sent, so nothing is created twice", err, bak, taken.Local().Format(time.DateTime), steps, bak, state)
	}
	if errors.Is(err, ErrNotStateFile) {
		return fmt.Errorf("%w: check --state; to start a new run, choose another --state, a path where no file exists yet", err)
	}
	return fmt.Errorf("%w\nthere is no sound backup beside it (%s). To start a new run on purpose, delete %s or choose "+
		"another --state: rows it recorded as created would then be created again, unless the manifest carries "+
		"their IDs (give the last results workbook as the manifest)", err, bak, state)
}

// SoundBackup opens the backup at bak and says when it was taken and how
// many steps it records; ok is false when it is missing or unusable.
func SoundBackup(bak string) (taken time.Time, steps int, ok bool) {
	s, err := Open(bak, Options{ReadOnly: true})
	if err != nil {
		return time.Time{}, 0, false
	}
	defer s.Close()
	counts, err := s.Count()
	if err != nil {
		return time.Time{}, 0, false
	}
	for _, n := range counts {
		steps += n
	}
	taken, _ = s.Restored()
	return taken, steps, true
}
