package sandbox

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The data file holds one bucket per table (row position -> JSON row) and a
// meta bucket with the schema version, the state's secret key, the ID
// generator's state and the virtual clock's offset.
const schemaVersion = "1"

var (
	metaBucket   = []byte("meta")
	metaSchema   = []byte("schema")
	metaKey      = []byte("key")
	metaRandom   = []byte("random")
	metaClockOff = []byte("clock_offset")
)

// openData opens the data file at path and loads its state into st. A new
// file gets the preloaded state. It returns the saved clock offset.
func openData(path string, st *store, now func() time.Time) (*bolt.DB, time.Duration, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, 0, fmt.Errorf("open data file %s: another process is using it", path)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open data file %s: %w", path, err)
	}
	var offset time.Duration
	var fresh bool
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			fresh = true
			return nil
		}
		var err error
		offset, err = loadState(tx, meta, st)
		return err
	})
	if err == nil && fresh {
		st.now = now().UTC()
		st.preload()
		err = db.Update(func(tx *bolt.Tx) error {
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
			if err := meta.Put(metaKey, st.key); err != nil {
				return err
			}
			return st.flush(tx)
		})
		st.clean()
	}
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("load data file %s: %w", path, err)
	}
	return db, offset, nil
}

func loadState(tx *bolt.Tx, meta *bolt.Bucket, st *store) (time.Duration, error) {
	if v := string(meta.Get(metaSchema)); v != schemaVersion {
		return 0, fmt.Errorf("schema version %q, want %q", v, schemaVersion)
	}
	key := meta.Get(metaKey)
	if len(key) != 32 {
		return 0, errors.New("secret key is missing")
	}
	st.key = append([]byte(nil), key...)
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
