package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"time"
)

// The tags of a sealed record's fields. Persisted: add at the end, never
// renumber or reuse one. A zero value is left out; a decoder skips a tag
// it does not know, so an older build reads a newer record of the same
// schema version.
const (
	fieldIDs         = 1  // map: count, then key and value of each pair, all length-prefixed
	fieldData        = 2  // map, as fieldIDs
	fieldAttempts    = 3  // varint
	fieldErrClass    = 4  // string: the ErrClass's name
	fieldErrStatus   = 5  // varint
	fieldErrMessage  = 6  // string
	fieldFingerprint = 7  // string
	fieldSecretMAC   = 8  // string
	fieldStartedAt   = 9  // time: varint Unix seconds, uvarint nanoseconds; read back in UTC
	fieldUpdatedAt   = 10 // time, as fieldStartedAt
)

// errChecksum: the bytes are not the ones written.
var errChecksum = errors.New("checksum mismatch")

// encodeRecord returns the stored form of rec (recordFormatSealed). The
// result shares nothing with rec, so the caller may change rec's maps
// afterwards.
func encodeRecord(rec Record) ([]byte, error) {
	buf := make([]byte, recordHeaderSize+recordSumSize, 256)
	buf[0] = recordFormatSealed
	buf[1] = byte(rec.State)
	buf = appendMapField(buf, fieldIDs, rec.IDs)
	buf = appendMapField(buf, fieldData, rec.Data)
	buf = appendIntField(buf, fieldAttempts, int64(rec.Attempts))
	buf = appendStringField(buf, fieldErrClass, rec.ErrClass.String())
	buf = appendIntField(buf, fieldErrStatus, int64(rec.ErrStatus))
	buf = appendStringField(buf, fieldErrMessage, rec.ErrMessage)
	buf = appendStringField(buf, fieldFingerprint, rec.Fingerprint)
	buf = appendStringField(buf, fieldSecretMAC, rec.SecretMAC)
	buf = appendTimeField(buf, fieldStartedAt, rec.StartedAt)
	buf = appendTimeField(buf, fieldUpdatedAt, rec.UpdatedAt)
	binary.BigEndian.PutUint32(buf[recordHeaderSize:], recordSum([]byte(rec.Key), buf))
	return buf, nil
}

// recordSum is the CRC-32C of a sealed record: the key's length and
// bytes, the header, then the fields (everything but the CRC itself).
func recordSum(key, data []byte) uint32 {
	sum := sumLength(0, len(key))
	sum = crc32.Update(sum, castagnoli, key)
	sum = crc32.Update(sum, castagnoli, data[:recordHeaderSize])
	return crc32.Update(sum, castagnoli, data[recordHeaderSize+recordSumSize:])
}

// sumLength adds the uvarint of n to the CRC-32C sum, a byte at a time
// from byteValues: a buffer of its own would escape to the heap, as
// crc32.Update's argument does, on every record read.
func sumLength(sum uint32, n int) uint32 {
	for v := uint64(n); ; v >>= 7 {
		b := byte(v & 0x7f)
		if v >= 0x80 {
			b |= 0x80
		}
		sum = crc32.Update(sum, castagnoli, byteValues[b:b+1])
		if v < 0x80 {
			return sum
		}
	}
}

// byteValues holds every byte value, at its own index.
var byteValues = func() (b [256]byte) {
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func appendField(buf []byte, tag uint64, payload []byte) []byte {
	buf = binary.AppendUvarint(buf, tag)
	buf = binary.AppendUvarint(buf, uint64(len(payload)))
	return append(buf, payload...)
}

func appendStringField(buf []byte, tag uint64, s string) []byte {
	if s == "" {
		return buf
	}
	buf = binary.AppendUvarint(buf, tag)
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendIntField(buf []byte, tag uint64, v int64) []byte {
	if v == 0 {
		return buf
	}
	var n [binary.MaxVarintLen64]byte
	return appendField(buf, tag, n[:binary.PutVarint(n[:], v)])
}

func appendTimeField(buf []byte, tag uint64, t time.Time) []byte {
	if t.IsZero() {
		return buf
	}
	var n [2 * binary.MaxVarintLen64]byte
	p := binary.AppendVarint(n[:0], t.Unix())
	p = binary.AppendUvarint(p, uint64(t.Nanosecond()))
	return appendField(buf, tag, p)
}

func appendMapField(buf []byte, tag uint64, m map[string]string) []byte {
	if len(m) == 0 {
		return buf
	}
	p := binary.AppendUvarint(nil, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p = binary.AppendUvarint(p, uint64(len(k)))
		p = append(p, k...)
		p = binary.AppendUvarint(p, uint64(len(m[k])))
		p = append(p, m[k]...)
	}
	return appendField(buf, tag, p)
}

// decodeRecord is the inverse of encodeRecord; legacy says whether a
// recordFormatJSON record (no checksum) is acceptable: only in a schema 1
// file. The Record it returns does not refer to data, so data may be
// memory that bbolt reuses afterwards. Any error means the bytes are not
// a record this build wrote.
func decodeRecord(key, data []byte, legacy bool) (Record, error) {
	state, err := recordState(key, data, legacy)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Key: Key(key), State: state}
	if data[0] == recordFormatJSON {
		return decodeJSONRecord(rec, data[recordHeaderSize:])
	}
	fields := data[recordHeaderSize+recordSumSize:]
	for len(fields) > 0 {
		tag, payload, rest, err := nextField(fields)
		if err != nil {
			return Record{}, err
		}
		fields = rest
		if err := rec.setField(tag, payload); err != nil {
			return Record{}, fmt.Errorf("field %d: %w", tag, err)
		}
	}
	return rec, nil
}

// recordState checks an encoded record (its checksum, for a sealed one)
// and returns its state.
func recordState(key, data []byte, legacy bool) (State, error) {
	if len(data) < recordHeaderSize {
		return 0, fmt.Errorf("record of %d bytes is too short", len(data))
	}
	switch data[0] {
	case recordFormatSealed:
		if len(data) < recordHeaderSize+recordSumSize {
			return 0, fmt.Errorf("record of %d bytes is too short", len(data))
		}
		if binary.BigEndian.Uint32(data[recordHeaderSize:]) != recordSum(key, data) {
			return 0, errChecksum
		}
	case recordFormatJSON:
		if !legacy {
			return 0, fmt.Errorf("record without a checksum in a file that has them")
		}
	default:
		return 0, fmt.Errorf("unknown record format %d", data[0])
	}
	return State(data[1]), nil
}

// nextField splits the first field off fields.
func nextField(fields []byte) (tag uint64, payload, rest []byte, err error) {
	tag, n := binary.Uvarint(fields)
	if n <= 0 {
		return 0, nil, nil, fmt.Errorf("bad field tag")
	}
	size, m := binary.Uvarint(fields[n:])
	if m <= 0 || size > uint64(len(fields)-n-m) {
		return 0, nil, nil, fmt.Errorf("field %d: bad length", tag)
	}
	start := n + m
	end := start + int(size)
	return tag, fields[start:end], fields[end:], nil
}

// setField decodes one field into rec; unknown tags are skipped.
func (rec *Record) setField(tag uint64, p []byte) error {
	var err error
	switch tag {
	case fieldIDs:
		rec.IDs, err = decodeMap(p)
	case fieldData:
		rec.Data, err = decodeMap(p)
	case fieldAttempts:
		var v int64
		v, err = decodeInt(p)
		rec.Attempts = int(v)
	case fieldErrClass:
		rec.ErrClass = parseErrClass(string(p))
	case fieldErrStatus:
		var v int64
		v, err = decodeInt(p)
		rec.ErrStatus = int(v)
	case fieldErrMessage:
		rec.ErrMessage = string(p)
	case fieldFingerprint:
		rec.Fingerprint = string(p)
	case fieldSecretMAC:
		rec.SecretMAC = string(p)
	case fieldStartedAt:
		rec.StartedAt, err = decodeTime(p)
	case fieldUpdatedAt:
		rec.UpdatedAt, err = decodeTime(p)
	}
	return err
}

func decodeInt(p []byte) (int64, error) {
	v, n := binary.Varint(p)
	if n <= 0 || n != len(p) {
		return 0, fmt.Errorf("bad integer")
	}
	return v, nil
}

func decodeTime(p []byte) (time.Time, error) {
	sec, n := binary.Varint(p)
	if n <= 0 {
		return time.Time{}, fmt.Errorf("bad time")
	}
	nsec, m := binary.Uvarint(p[n:])
	if m <= 0 || n+m != len(p) || nsec >= uint64(time.Second) {
		return time.Time{}, fmt.Errorf("bad time")
	}
	return time.Unix(sec, int64(nsec)).UTC(), nil
}

func decodeMap(p []byte) (map[string]string, error) {
	count, n := binary.Uvarint(p)
	// Every pair takes at least two bytes: a count beyond that is damage,
	// not a reason to allocate.
	if n <= 0 || count > uint64(len(p)) {
		return nil, fmt.Errorf("bad map size")
	}
	p = p[n:]
	m := make(map[string]string, count)
	for range count {
		k, rest, err := nextString(p)
		if err != nil {
			return nil, err
		}
		v, rest, err := nextString(rest)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p = rest
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d bytes after the map", len(p))
	}
	return m, nil
}

func nextString(p []byte) (string, []byte, error) {
	size, n := binary.Uvarint(p)
	if n <= 0 || size > uint64(len(p)-n) {
		return "", nil, fmt.Errorf("bad string length")
	}
	end := n + int(size)
	return string(p[n:end]), p[end:], nil
}

// wireRecord is a schema 1 record as stored, without its key (the bbolt
// key) and its state (the header byte). Read only: a schema 1 file is
// migrated before anything is written to it.
type wireRecord struct {
	IDs         map[string]string `json:"ids,omitempty"`
	Data        map[string]string `json:"data,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	ErrClass    string            `json:"err_class,omitempty"`
	ErrStatus   int               `json:"err_status,omitempty"`
	ErrMessage  string            `json:"err_message,omitempty"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	SecretMAC   string            `json:"secret_mac,omitempty"`
	StartedAt   time.Time         `json:"started_at,omitzero"`
	UpdatedAt   time.Time         `json:"updated_at,omitzero"`
}

func decodeJSONRecord(rec Record, body []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(body, &w); err != nil {
		return Record{}, err
	}
	rec.IDs, rec.Data, rec.Attempts = w.IDs, w.Data, w.Attempts
	rec.ErrClass, rec.ErrStatus, rec.ErrMessage = parseErrClass(w.ErrClass), w.ErrStatus, w.ErrMessage
	rec.Fingerprint, rec.SecretMAC = w.Fingerprint, w.SecretMAC
	rec.StartedAt, rec.UpdatedAt = w.StartedAt, w.UpdatedAt
	return rec, nil
}

// wireMeta is a Meta as stored (JSON, sealed from schema 2 on).
// SchemaVersion is not in it: the file's version lives under keySchema.
// The JSON names are part of the file format: never rename one.
type wireMeta struct {
	ToolVersion  string      `json:"tool_version,omitempty"`
	Manifest     []string    `json:"manifest,omitempty"`
	ManifestHash string      `json:"manifest_hash,omitempty"`
	API          string      `json:"api,omitempty"`
	CreatedAt    time.Time   `json:"created_at,omitzero"`
	StartedAt    time.Time   `json:"started_at,omitzero"`
	Runs         int         `json:"runs,omitempty"`
	Starts       []time.Time `json:"starts,omitempty"`
}

// wireBackup is the keyBackup value of a backup copy.
type wireBackup struct {
	TakenAt time.Time `json:"taken_at"`
}

func encodeMeta(m Meta) ([]byte, error) {
	return json.Marshal(wireMeta{
		ToolVersion:  m.ToolVersion,
		Manifest:     m.Manifest,
		ManifestHash: m.ManifestHash,
		API:          m.API,
		CreatedAt:    m.CreatedAt,
		StartedAt:    m.StartedAt,
		Runs:         m.Runs,
		Starts:       m.Starts,
	})
}

func decodeMeta(data []byte, version int) (Meta, error) {
	var w wireMeta
	if err := json.Unmarshal(data, &w); err != nil {
		return Meta{}, err
	}
	return Meta{
		SchemaVersion: version,
		ToolVersion:   w.ToolVersion,
		Manifest:      w.Manifest,
		ManifestHash:  w.ManifestHash,
		API:           w.API,
		CreatedAt:     w.CreatedAt,
		StartedAt:     w.StartedAt,
		Runs:          w.Runs,
		Starts:        w.Starts,
	}, nil
}

// seal returns the stored form of a value under key in bucketMeta.
func seal(key, payload []byte) []byte {
	buf := make([]byte, sealHeaderSize, sealHeaderSize+len(payload))
	buf[0] = sealFormat
	buf = append(buf, payload...)
	binary.BigEndian.PutUint32(buf[1:], sealSum(key, buf))
	return buf
}

// unseal checks a sealed value and returns its payload, which still
// refers to value.
func unseal(key, value []byte) ([]byte, error) {
	if len(value) < sealHeaderSize || value[0] != sealFormat {
		return nil, fmt.Errorf("%q: not a sealed value", key)
	}
	if binary.BigEndian.Uint32(value[1:]) != sealSum(key, value) {
		return nil, fmt.Errorf("%q: %w", key, errChecksum)
	}
	return value[sealHeaderSize:], nil
}

func sealSum(key, value []byte) uint32 {
	sum := sumLength(0, len(key))
	sum = crc32.Update(sum, castagnoli, key)
	sum = crc32.Update(sum, castagnoli, value[:1])
	return crc32.Update(sum, castagnoli, value[sealHeaderSize:])
}

func encodeCount(n uint64) []byte {
	return seal(keyCount, binary.BigEndian.AppendUint64(nil, n))
}

func decodeCount(value []byte) (uint64, error) {
	p, err := unseal(keyCount, value)
	if err != nil {
		return 0, err
	}
	if len(p) != 8 {
		return 0, fmt.Errorf("%q: %d bytes, want 8", keyCount, len(p))
	}
	return binary.BigEndian.Uint64(p), nil
}
