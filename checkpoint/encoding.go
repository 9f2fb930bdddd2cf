package checkpoint

import (
	"encoding/json"
	"fmt"
	"time"
)

// wireRecord is a Record as stored, without its key (the bbolt key) and
// its state (the header byte). The JSON names are part of the file format:
// never rename one; add new fields with omitempty or omitzero. Decoding
// ignores fields it does not know, so an older build can read a newer
// record of the same schema version.
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

// wireMeta is a Meta as stored. SchemaVersion is not in it: the file's
// version lives under keySchema.
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

// encodeRecord returns the stored form of rec. The result shares nothing
// with rec, so the caller may change rec's maps afterwards.
func encodeRecord(rec Record) ([]byte, error) {
	body, err := json.Marshal(wireRecord{
		IDs:         rec.IDs,
		Data:        rec.Data,
		Attempts:    rec.Attempts,
		ErrClass:    rec.ErrClass,
		ErrStatus:   rec.ErrStatus,
		ErrMessage:  rec.ErrMessage,
		Fingerprint: rec.Fingerprint,
		SecretMAC:   rec.SecretMAC,
		StartedAt:   rec.StartedAt,
		UpdatedAt:   rec.UpdatedAt,
	})
	if err != nil {
		return nil, err
	}
	buf := make([]byte, recordHeaderSize, recordHeaderSize+len(body))
	buf[0] = recordFormat
	buf[1] = byte(rec.State)
	return append(buf, body...), nil
}

// decodeRecord is the inverse of encodeRecord. The Record it returns does
// not refer to data, so data may be memory that bbolt reuses afterwards.
func decodeRecord(key, data []byte) (Record, error) {
	state, err := recordState(data)
	if err != nil {
		return Record{}, err
	}
	var w wireRecord
	if err := json.Unmarshal(data[recordHeaderSize:], &w); err != nil {
		return Record{}, err
	}
	return Record{
		Key:         Key(key),
		State:       state,
		IDs:         w.IDs,
		Data:        w.Data,
		Attempts:    w.Attempts,
		ErrClass:    w.ErrClass,
		ErrStatus:   w.ErrStatus,
		ErrMessage:  w.ErrMessage,
		Fingerprint: w.Fingerprint,
		SecretMAC:   w.SecretMAC,
		StartedAt:   w.StartedAt,
		UpdatedAt:   w.UpdatedAt,
	}, nil
}

// recordState reads the state from an encoded record's header.
func recordState(data []byte) (State, error) {
	if len(data) < recordHeaderSize {
		return 0, fmt.Errorf("record of %d bytes is too short", len(data))
	}
	if data[0] != recordFormat {
		return 0, fmt.Errorf("unknown record format %d", data[0])
	}
	return State(data[1]), nil
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
