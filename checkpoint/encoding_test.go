package checkpoint

import (
	"encoding/json"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The store keeps exactly what the caller gives it: the fields of the
// Record under their stored names, and nothing else. Callers pass
// fingerprints and MACs, never secrets, so nothing else may appear.
func TestRecordStoredAsGiven(t *testing.T) {
	s, _ := openTest(t, Options{})
	rec := sample("portins/+18015551234/submit")
	rec.State = Waiting
	if err := s.PutSync(rec); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		raw = append(raw, tx.Bucket(bucketSteps).Get([]byte(rec.Key))...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < recordHeaderSize || raw[0] != recordFormat || State(raw[1]) != Waiting {
		t.Fatalf("header = %v, want [%d %d]", raw[:min(len(raw), recordHeaderSize)], recordFormat, Waiting)
	}
	var got map[string]any
	if err := json.Unmarshal(raw[recordHeaderSize:], &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	want := map[string]any{
		"ids":         map[string]any{"SubscriberId": "TSUID-00042", "PhoneNumberId": "TNID-7"},
		"data":        map[string]any{"PortStatus": "Completed", "DeclinedAttempts": "2"},
		"attempts":    3.0,
		"err_class":   "retry",
		"err_status":  503.0,
		"err_message": "service unavailable",
		"fingerprint": "fp:0123456789abcdef",
		"secret_mac":  "mac:fedcba9876543210",
		"started_at":  "2026-06-01T09:30:00.123456789Z",
		"updated_at":  "2026-06-01T09:30:01.623456789Z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored body:\n got %v\nwant %v", got, want)
	}

	// The key is stored once, as the bbolt key; nothing else is in the bucket.
	var keys []string
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSteps).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keys, []string{string(rec.Key)}) {
		t.Errorf("keys in the steps bucket = %q, want only %q", keys, rec.Key)
	}
}

func TestDecodeRecord(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    Record
		wantErr bool
	}{
		{
			name: "minimal",
			data: "\x01\x02{}",
			want: Record{Key: "k", State: Done},
		},
		{
			name: "unknown fields are ignored",
			data: "\x01\x03{\"attempts\":2,\"added_in_a_later_release\":{\"x\":[1,2]},\"err_class\":\"fail-row\"}",
			want: Record{Key: "k", State: Failed, Attempts: 2, ErrClass: "fail-row"},
		},
		{name: "empty", data: "", wantErr: true},
		{name: "header only", data: "\x01\x02", wantErr: true},
		{name: "unknown format", data: "\x02\x02{}", wantErr: true},
		{name: "bad JSON", data: "\x01\x02{\"attempts\":", wantErr: true},
		{name: "wrong type", data: "\x01\x02{\"attempts\":\"three\"}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRecord([]byte("k"), []byte(tt.data))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMetaStoredAsGiven(t *testing.T) {
	data, err := encodeMeta(Meta{SchemaVersion: 5, ToolVersion: "v1", Manifest: []string{"a.xlsx"}, Runs: 1, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tool_version": "v1",
		"manifest":     []any{"a.xlsx"},
		"runs":         1.0,
		"created_at":   "2026-06-01T09:30:00.123456789Z",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored meta:\n got %v\nwant %v", got, want)
	}
}

// FuzzDecodeRecord: whatever is in the file, decoding fails cleanly or
// yields a record that encodes back to the same state.
func FuzzDecodeRecord(f *testing.F) {
	seed, err := encodeRecord(sample("k"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("\x01\x00{}"))
	f.Add([]byte("\x01\x07{\"ids\":null}"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeRecord([]byte("k"), data)
		if err != nil {
			return
		}
		again, err := encodeRecord(rec)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if again[1] != data[1] {
			t.Errorf("state changed on re-encode: %d → %d", data[1], again[1])
		}
	})
}
