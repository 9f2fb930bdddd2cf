package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A View is a record read in place, for a reader that needs a few of its
// fields and no copy of the others (the results of a million-row run read
// every record once): its IDs and Data are walked, not built into maps.
// A View, and every slice it hands out, is valid only during the call of
// the function it is given to.
type View struct {
	state       State
	attempts    int
	updatedAt   time.Time
	errMessage  []byte
	fingerprint []byte
	ids, data   []byte  // the payloads of the map fields (sealed format)
	legacy      *Record // a recordFormatJSON record, decoded
}

// State is the record's state.
func (v *View) State() State { return v.state }

// Attempts is the record's count of attempts.
func (v *View) Attempts() int { return v.attempts }

// UpdatedAt is when the record was last written.
func (v *View) UpdatedAt() time.Time { return v.updatedAt }

// ErrMessage is the record's error message.
func (v *View) ErrMessage() []byte { return v.errMessage }

// Fingerprint is the record's fingerprint of its row.
func (v *View) Fingerprint() []byte { return v.fingerprint }

// Pairs calls fn with the name and value of every pair of the record's
// IDs, then of its Data; data tells which.
func (v *View) Pairs(fn func(data bool, name, value []byte)) {
	if v.legacy != nil {
		for k, val := range v.legacy.IDs {
			fn(false, []byte(k), []byte(val))
		}
		for k, val := range v.legacy.Data {
			fn(true, []byte(k), []byte(val))
		}
		return
	}
	// Both were checked by readView.
	if len(v.ids) > 0 {
		_ = walkMap(v.ids, func(k, val []byte) { fn(false, k, val) })
	}
	if len(v.data) > 0 {
		_ = walkMap(v.data, func(k, val []byte) { fn(true, k, val) })
	}
}

// ViewMany reads the records of keys in one transaction and calls fn with
// each in their order: v is nil where keys[i] has none. Like Get, it
// sees the records queued by Put at once, and a record that fails its
// check stops it with an error wrapping ErrDamaged that names the key. fn
// runs inside the read transaction: it must not call the Store. An error
// from fn stops the reading and is returned as is.
func (s *Store) ViewMany(keys [][]byte, fn func(i int, v *View) error) error {
	var queued [][]byte // nil: none of keys is queued
	s.mu.Lock()
	if err := s.checkLocked("get", false); err != nil {
		s.mu.Unlock()
		return err
	}
	if len(s.queued.recs) > 0 || s.writing != nil {
		queued = make([][]byte, len(keys))
		for i, key := range keys {
			data, found := s.queued.recs[Key(key)]
			if !found && s.writing != nil {
				data = s.writing.recs[Key(key)] // nil when not found
			}
			queued[i] = data
		}
	}
	s.mu.Unlock()
	var v View
	err := s.view(func(tx *bolt.Tx) error {
		// One cursor for every key: bucket.Get makes one per call.
		cur := tx.Bucket(bucketSteps).Cursor()
		for i, key := range keys {
			var data []byte
			if queued != nil {
				data = queued[i]
			}
			legacy := false
			if data == nil {
				data, legacy = cursorGet(cur, key), s.version < 2
			}
			if data == nil {
				if err := fn(i, nil); err != nil {
					return err
				}
				continue
			}
			if err := readView(&v, key, data, legacy); err != nil {
				if queued != nil && queued[i] != nil {
					return fmt.Errorf("checkpoint: get %q: %w", key, err)
				}
				return s.damagedRecord(key, err)
			}
			if err := fn(i, &v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.maybeRelease()
	return nil
}

// cursorGet returns the value of key, as Bucket.Get does, through cur.
func cursorGet(cur *bolt.Cursor, key []byte) []byte {
	k, v := cur.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}

// readView checks the stored record data of key, as decodeRecord does,
// and points v at its fields.
func readView(v *View, key, data []byte, legacy bool) error {
	state, err := recordState(key, data, legacy)
	if err != nil {
		return err
	}
	*v = View{state: state}
	if data[0] == recordFormatJSON {
		rec, err := decodeJSONRecord(Record{Key: Key(key), State: state}, data[recordHeaderSize:])
		if err != nil {
			return err
		}
		v.attempts, v.updatedAt, v.legacy = rec.Attempts, rec.UpdatedAt, &rec
		v.errMessage, v.fingerprint = []byte(rec.ErrMessage), []byte(rec.Fingerprint)
		return nil
	}
	fields := data[recordHeaderSize+recordSumSize:]
	for len(fields) > 0 {
		tag, p, rest, err := nextField(fields)
		if err != nil {
			return err
		}
		fields = rest
		if err := v.setField(tag, p); err != nil {
			return fmt.Errorf("field %d: %w", tag, err)
		}
	}
	return nil
}

// setField points v at one field; unknown tags are skipped, and the
// fields a View does not show are checked as decodeRecord checks them.
func (v *View) setField(tag uint64, p []byte) error {
	var err error
	switch tag {
	case fieldErrStatus:
		_, err = decodeInt(p)
	case fieldStartedAt:
		_, err = decodeTime(p)
	case fieldIDs:
		v.ids, err = p, walkMap(p, nil)
	case fieldData:
		v.data, err = p, walkMap(p, nil)
	case fieldAttempts:
		var n int64
		n, err = decodeInt(p)
		v.attempts = int(n)
	case fieldErrMessage:
		v.errMessage = p
	case fieldFingerprint:
		v.fingerprint = p
	case fieldUpdatedAt:
		v.updatedAt, err = decodeTime(p)
	}
	return err
}

// walkMap calls fn (if not nil) with every pair of the encoded map p, as
// decodeMap reads it, without copying; it fails where decodeMap does.
func walkMap(p []byte, fn func(k, v []byte)) error {
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p)) {
		return fmt.Errorf("bad map size")
	}
	p = p[n:]
	for range count {
		k, rest, err := nextBytes(p)
		if err != nil {
			return err
		}
		v, rest, err := nextBytes(rest)
		if err != nil {
			return err
		}
		if fn != nil {
			fn(k, v)
		}
		p = rest
	}
	if len(p) != 0 {
		return fmt.Errorf("%d bytes after the map", len(p))
	}
	return nil
}

// nextBytes is nextString without the copy.
func nextBytes(p []byte) ([]byte, []byte, error) {
	size, n := binary.Uvarint(p)
	if n <= 0 || size > uint64(len(p)-n) {
		return nil, nil, fmt.Errorf("bad string length")
	}
	end := n + int(size)
	return p[n:end], p[end:], nil
}
