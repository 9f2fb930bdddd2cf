package sandbox

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The data file holds one bucket per table (row position -> JSON row) and a
// meta bucket with the schema version, the ID generator's state and the
// virtual clock's offset.
//
// It holds nothing from which a secret can be recovered: no secret field of
// a request, no digest of one, and no key. The key that signs tokens and
// keys the digests of port-in passwords is drawn afresh by every process
// and kept in memory only, and so are those digests. Users dry-run real
// manifests with run --sandbox, which keeps this file beside their
// checkpoint; a keyed digest of a 4-digit PIN stored with its key would
// give the PIN back to anyone trying the 10,000 candidates.
//
// Version 1 files held that key and the digests; openData rewrites them as
// version 2 (into a new file renamed over the old one, so that no freed
// page of the old file keeps them).
const schemaVersion = "2"

var (
	metaBucket   = []byte("meta")
	metaSchema   = []byte("schema")
	metaRandom   = []byte("random")
	metaClockOff = []byte("clock_offset")
)

// openData opens the data file at path and loads its state into st. A new
// file gets the preloaded state. It returns the saved clock offset.
func openData(path string, st *store, now func() time.Time) (*bolt.DB, time.Duration, error) {
	db, err := openBolt(path)
	if err != nil {
		return nil, 0, err
	}
	var offset time.Duration
	var fresh, old bool
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			fresh = true
			return nil
		}
		switch v := string(meta.Get(metaSchema)); v {
		case schemaVersion:
		case "1":
			old = true
		default:
			return fmt.Errorf("schema version %q, want %q", v, schemaVersion)
		}
		var err error
		offset, err = loadState(tx, meta, st)
		return err
	})
	switch {
	case err != nil:
	case fresh:
		st.now = now().UTC()
		st.preload()
		err = db.Update(func(tx *bolt.Tx) error { return writeNew(tx, st, 0) })
		st.clean()
	case old:
		var nd *bolt.DB
		if nd, err = rewrite(path, st, offset); err == nil {
			db.Close()
			db = nd
		}
	}
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("load data file %s: %w", path, err)
	}
	return db, offset, nil
}

func openBolt(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open data file %s: another process is using it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	return db, nil
}

// writeNew fills an empty file with every row of st.
func writeNew(tx *bolt.Tx, st *store, offset time.Duration) error {
	meta, err := tx.CreateBucket(metaBucket)
	if err != nil {
		return err
	}
	for _, t := range st.tables {
		if _, err := tx.CreateBucket([]byte(t.name())); err != nil {
			return err
		}
	}
	if err := meta.Put(metaSchema, []byte(schemaVersion)); err != nil {
		return err
	}
	if err := meta.Put(metaClockOff, []byte(strconv.FormatInt(int64(offset), 10))); err != nil {
		return err
	}
	return st.flush(tx)
}

// rewrite writes the state loaded from an older file into a new file and
// renames it over path. The caller still holds the old file (and its
// lock); the new one is locked before it takes the old one's name.
func rewrite(path string, st *store, offset time.Duration) (*bolt.DB, error) {
	tmp := path + ".rewrite"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	db, err := openBolt(tmp)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	st.touchAll()
	err = db.Update(func(tx *bolt.Tx) error { return writeNew(tx, st, offset) })
	st.clean()
	if err == nil {
		err = db.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		db.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	return db, nil
}

func loadState(tx *bolt.Tx, meta *bolt.Bucket, st *store) (time.Duration, error) {
	if v := meta.Get(metaRandom); v != nil {
		if err := st.pcg.UnmarshalBinary(v); err != nil {
			return 0, fmt.Errorf("generator state: %w", err)
		}
	}
	var offset time.Duration
	if v := meta.Get(metaClockOff); v != nil {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("clock offset: %w", err)
		}
		offset = time.Duration(n)
	}
	for _, t := range st.tables {
		if err := t.load(tx); err != nil {
			return 0, err
		}
	}
	return offset, nil
}

func saveGenerator(tx *bolt.Tx, pcg *mrand.PCG) error {
	state, err := pcg.MarshalBinary()
	if err != nil {
		return err
	}
	return tx.Bucket(metaBucket).Put(metaRandom, state)
}

func saveClock(db *bolt.DB, offset time.Duration) error {
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(metaClockOff, []byte(strconv.FormatInt(int64(offset), 10)))
	})
}
