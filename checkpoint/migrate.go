package checkpoint

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// migrateChunk is how many records one migration transaction rewrites.
const migrateChunk = 10_000

// migrate rewrites a sound schema 1 file (already checked) in the current
// layout: every record sealed, then, in one last transaction, the run
// metadata sealed, the record count and the schema version. A migration
// cut short leaves a schema 1 file that holds some sealed records, which
// reads as it is and is migrated again.
func (s *Store) migrate() error {
	var after []byte
	for {
		next, err := s.migrateChunk(after)
		if err != nil {
			return fmt.Errorf("checkpoint: migrate %s to schema %d: %w", s.path, schemaVersion, err)
		}
		if next == nil {
			break
		}
		after = next
	}
	err := s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if run := meta.Get(keyRun); run != nil {
			if err := meta.Put(keyRun, seal(keyRun, append([]byte(nil), run...))); err != nil {
				return err
			}
		}
		if err := meta.Put(keyCount, encodeCount(s.count)); err != nil {
			return err
		}
		return meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion)))
	})
	if err != nil {
		return fmt.Errorf("checkpoint: migrate %s to schema %d: %w", s.path, schemaVersion, err)
	}
	s.version = schemaVersion
	return nil
}

// migrateChunk seals the records among the migrateChunk that follow after
// (from the first, when after is nil) and returns the last key it looked
// at, nil when it reached the end.
func (s *Store) migrateChunk(after []byte) (last []byte, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		steps := tx.Bucket(bucketSteps)
		type kv struct{ k, v []byte }
		var sealed []kv
		c := steps.Cursor()
		k, v := c.First()
		if after != nil {
			k, v = c.Seek(after)
			if k != nil && string(k) == string(after) {
				k, v = c.Next()
			}
		}
		n := 0
		for ; k != nil && n < migrateChunk; k, v = c.Next() {
			n++
			last = append(last[:0], k...)
			if len(v) > 0 && v[0] != recordFormatJSON {
				continue
			}
			rec, err := decodeRecord(k, v, true)
			if err != nil {
				return s.damagedRecord(k, err)
			}
			data, err := encodeRecord(rec)
			if err != nil {
				return err
			}
			sealed = append(sealed, kv{append([]byte(nil), k...), data})
		}
		if n < migrateChunk {
			last = nil
		}
		for _, r := range sealed {
			if err := steps.Put(r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	})
	return last, err
}
