package checkpoint

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// sealRaw builds a sealed record from raw field bytes, with a correct
// checksum: for tests of what lies behind it.
func sealRaw(key string, state State, fields []byte) []byte {
	data := append([]byte{recordFormatSealed, byte(state), 0, 0, 0, 0}, fields...)
	binary.BigEndian.PutUint32(data[recordHeaderSize:], recordSum([]byte(key), data))
	return data
}

// The store keeps exactly what the caller gives it: the fields of the
// Record under their tags, and nothing else. Callers pass fingerprints and
// MACs, never secrets, so nothing else may appear.
func TestRecordStoredAsGiven(t *testing.T) {
	t.Parallel()
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
	if len(raw) < recordHeaderSize+recordSumSize || raw[0] != recordFormatSealed || State(raw[1]) != Waiting {
		t.Fatalf("header = %v, want [%d %d]", raw[:min(len(raw), recordHeaderSize)], recordFormatSealed, Waiting)
	}
	if got, want := binary.BigEndian.Uint32(raw[recordHeaderSize:]), recordSum([]byte(rec.Key), raw); got != want {
		t.Errorf("stored checksum %08x, want %08x", got, want)
	}
	got := map[uint64]string{}
	for fields := raw[recordHeaderSize+recordSumSize:]; len(fields) > 0; {
		tag, payload, rest, err := nextField(fields)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := got[tag]; dup {
			t.Errorf("tag %d stored twice", tag)
		}
		got[tag] = string(payload)
		fields = rest
	}
	ids, _ := decodeMap([]byte(got[fieldIDs]))
	data, _ := decodeMap([]byte(got[fieldData]))
	attempts, _ := decodeInt([]byte(got[fieldAttempts]))
	status, _ := decodeInt([]byte(got[fieldErrStatus]))
	started, _ := decodeTime([]byte(got[fieldStartedAt]))
	updated, _ := decodeTime([]byte(got[fieldUpdatedAt]))
	checks := []struct {
		name      string
		got, want any
	}{
		{"ids", ids, rec.IDs},
		{"data", data, rec.Data},
		{"attempts", attempts, int64(3)},
		{"err_class", got[fieldErrClass], "retry"},
		{"err_status", status, int64(503)},
		{"err_message", got[fieldErrMessage], "service unavailable"},
		{"fingerprint", got[fieldFingerprint], "fp:0123456789abcdef"},
		{"secret_mac", got[fieldSecretMAC], "mac:fedcba9876543210"},
		{"started_at", started, rec.StartedAt},
		{"updated_at", updated, rec.UpdatedAt},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("stored %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(got) != len(checks) {
		t.Errorf("stored %d fields, want %d: %v", len(got), len(checks), got)
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
	field := func(tag uint64, payload string) []byte { return appendField(nil, tag, []byte(payload)) }
	attempts2 := appendIntField(nil, fieldAttempts, 2)
	tests := []struct {
		name    string
		data    []byte
		legacy  bool
		want    Record
		wantErr error // nil: any error will do when wantFail
		fail    bool
	}{
		{name: "minimal", data: sealRaw("k", Done, nil), want: Record{Key: "k", State: Done}},
		{
			name: "unknown tags are skipped",
			data: sealRaw("k", Failed, append(append(field(99, "added in a later release"), attempts2...), field(fieldErrClass, "fail-row")...)),
			want: Record{Key: "k", State: Failed, Attempts: 2, ErrClass: ClassFailRow},
		},
		{name: "schema 1 record in a schema 1 file", data: []byte("\x01\x03{\"attempts\":2,\"err_class\":\"fail-row\"}"), legacy: true,
			want: Record{Key: "k", State: Failed, Attempts: 2, ErrClass: ClassFailRow}},
		{name: "schema 1 record in a schema 2 file", data: []byte("\x01\x02{}"), fail: true},
		{name: "empty", data: nil, fail: true},
		{name: "header only", data: []byte{recordFormatSealed, 2}, fail: true},
		{name: "unknown format", data: []byte("\x03\x02\x00\x00\x00\x00"), fail: true},
		{name: "checksum mismatch", data: sealRaw("other key", Done, nil), fail: true, wantErr: errChecksum},
		{name: "field longer than the record", data: sealRaw("k", Done, []byte{fieldErrClass, 9, 'a'}), fail: true},
		{name: "bad integer", data: sealRaw("k", Done, field(fieldAttempts, "")), fail: true},
		{name: "bad time", data: sealRaw("k", Done, field(fieldStartedAt, "\x02\xff\xff\xff\xff\x0f")), fail: true},
		{name: "map larger than its bytes", data: sealRaw("k", Done, field(fieldIDs, "\x7f\x01a\x01b")), fail: true},
		{name: "bytes after a map", data: sealRaw("k", Done, field(fieldIDs, "\x01\x01a\x01bX")), fail: true},
		{name: "bad JSON in a schema 1 record", data: []byte("\x01\x02{\"attempts\":"), legacy: true, fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v View // a View reads what decodeRecord reads, and fails where it fails
			if err := readView(&v, []byte("k"), tt.data, tt.legacy); (err != nil) != tt.fail {
				t.Errorf("readView: err = %v, want error %v", err, tt.fail)
			} else if !tt.fail && (v.State() != tt.want.State || v.Attempts() != tt.want.Attempts) {
				t.Errorf("readView: state %v, attempts %d, want %+v", v.State(), v.Attempts(), tt.want)
			}
			got, err := decodeRecord([]byte("k"), tt.data, tt.legacy)
			if (err != nil) != tt.fail {
				t.Fatalf("err = %v, want error %v", err, tt.fail)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !tt.fail && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Every single-bit change to a stored record, or to its key, is caught:
// the record is never returned with bytes other than the ones written.
func TestRecordChecksumCatchesEveryBitFlip(t *testing.T) {
	rec := sample("subscribers/jane@example.com/create")
	data, err := encodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(rec.Key)
	for i := range data {
		for bit := range 8 {
			bad := append([]byte(nil), data...)
			bad[i] ^= 1 << bit
			if got, err := decodeRecord(key, bad, false); err == nil {
				t.Fatalf("byte %d bit %d flipped: decoded %+v, want an error", i, bit, got)
			}
			if _, err := recordState(key, bad, false); err == nil {
				t.Fatalf("byte %d bit %d flipped: recordState accepted it", i, bit)
			}
		}
	}
	for i := range key {
		badKey := append([]byte(nil), key...)
		badKey[i] ^= 0x20
		if _, err := decodeRecord(badKey, data, false); !errors.Is(err, errChecksum) {
			t.Fatalf("key byte %d changed: err = %v, want %v", i, err, errChecksum)
		}
	}
}

func TestSealedValues(t *testing.T) {
	v := seal(keyRun, []byte(`{"runs":1}`))
	if p, err := unseal(keyRun, v); err != nil || string(p) != `{"runs":1}` {
		t.Fatalf("unseal = %q, %v", p, err)
	}
	if _, err := unseal(keyCount, v); err == nil {
		t.Errorf("a value sealed under %q unseals under %q", keyRun, keyCount)
	}
	for i := range v {
		bad := append([]byte(nil), v...)
		bad[i] ^= 0x01
		if _, err := unseal(keyRun, bad); err == nil {
			t.Errorf("byte %d flipped: unseal accepted it", i)
		}
	}
	if n, err := decodeCount(encodeCount(1_000_003)); err != nil || n != 1_000_003 {
		t.Errorf("count round trip = %d, %v", n, err)
	}
}

func TestMetaStoredAsGiven(t *testing.T) {
	data, err := encodeMeta(Meta{SchemaVersion: 5, ToolVersion: "v1", Manifest: []string{"a.xlsx"}, Runs: 1, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"tool_version":"v1","manifest":["a.xlsx"],"created_at":"2026-06-01T09:30:00.123456789Z","runs":1}`
	if string(data) != want {
		t.Errorf("stored meta:\n got %s\nwant %s", data, want)
	}
}

// FuzzDecodeRecord: whatever is in the file, decoding fails cleanly or
// yields a record that encodes back to the same state.
func FuzzDecodeRecord(f *testing.F) {
	seed, err := encodeRecord(sample("k"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, false)
	f.Add(sealRaw("k", Pending, nil), false)
	f.Add(sealRaw("k", Cancelled, appendField(nil, fieldIDs, nil)), false)
	f.Add([]byte("\x01\x07{\"ids\":null}"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, legacy bool) {
		rec, err := decodeRecord([]byte("k"), data, legacy)
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

// Records on disk hold the error class as text: every name a release
// wrote reads back as its class, from a sealed record and from a schema 1
// one, every class is stored as that name, and a name this build does not
// know reads as a row failure (kept, never retried on its own).
func TestErrClassNames(t *testing.T) {
	for _, tc := range []struct {
		stored string
		want   ErrClass
	}{
		{"", ClassNone}, {"retry", ClassRetry}, {"fail-row", ClassFailRow}, {"abort", ClassAbort},
		{"unknown", ClassUnknown}, {"blocked", ClassBlocked}, {"rejected", ClassRejected},
		{"a later release's class", ClassFailRow},
	} {
		sealed := sealRaw("k", Failed, appendStringField(nil, fieldErrClass, tc.stored))
		legacy := []byte(`{"err_class":"` + tc.stored + `"}`)
		legacy = append([]byte{recordFormatJSON, byte(Failed)}, legacy...)
		for name, data := range map[string][]byte{"sealed": sealed, "schema 1": legacy} {
			rec, err := decodeRecord([]byte("k"), data, true)
			if err != nil {
				t.Fatalf("%s %q: %v", name, tc.stored, err)
			}
			if rec.ErrClass != tc.want {
				t.Errorf("%s record with class %q reads as %v, want %v", name, tc.stored, rec.ErrClass, tc.want)
			}
		}
		if tc.want == ClassFailRow && tc.stored != "fail-row" {
			continue
		}
		data, err := encodeRecord(Record{Key: "k", ErrClass: tc.want})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for fields := data[recordHeaderSize+recordSumSize:]; len(fields) > 0; {
			tag, payload, rest, err := nextField(fields)
			if err != nil {
				t.Fatal(err)
			}
			if tag == fieldErrClass {
				got = string(payload)
			}
			fields = rest
		}
		if got != tc.stored {
			t.Errorf("class %v stored as %q, want %q", tc.want, got, tc.stored)
		}
	}
}
