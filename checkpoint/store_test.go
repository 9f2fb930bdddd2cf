package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openTest opens a store in a fresh directory and closes it at the end of
// the test unless the test closed it itself.
func openTest(tb testing.TB, opts Options) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "run.db")
	return openPath(tb, path, opts, hooks{}), path
}

func openPath(tb testing.TB, path string, opts Options, h hooks) *Store {
	tb.Helper()
	s, err := open(path, opts, h)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() {
		s.mu.Lock()
		closed, broken := s.closed, s.err != nil
		s.mu.Unlock()
		if closed {
			return
		}
		if err := s.Close(); err != nil && !broken {
			tb.Errorf("close: %v", err)
		}
	})
	return s
}

var t0 = time.Date(2026, 6, 1, 9, 30, 0, 123456789, time.UTC)

// sample returns a record with every field set.
func sample(key Key) Record {
	return Record{
		Key:         key,
		State:       Done,
		IDs:         map[string]string{"SubscriberId": "TSUID-00042", "PhoneNumberId": "TNID-7"},
		Data:        map[string]string{"PortStatus": "Completed", "DeclinedAttempts": "2"},
		Attempts:    3,
		ErrClass:    ClassRetry,
		ErrStatus:   503,
		ErrMessage:  "service unavailable",
		Fingerprint: "fp:0123456789abcdef",
		SecretMAC:   "mac:fedcba9876543210",
		StartedAt:   t0,
		UpdatedAt:   t0.Add(1500 * time.Millisecond),
	}
}

// committed reads key straight from the file, past the queue.
func committed(tb testing.TB, s *Store, key Key) (Record, bool) {
	tb.Helper()
	var rec Record
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSteps).Get([]byte(key))
		if data == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord([]byte(key), data, false)
		ok = err == nil
		return err
	})
	if err != nil {
		tb.Fatalf("read %q from the file: %v", key, err)
	}
	return rec, ok
}

func mustGet(tb testing.TB, s *Store, key Key) Record {
	tb.Helper()
	rec, ok, err := s.Get(key)
	if err != nil || !ok {
		tb.Fatalf("Get(%q) = ok %v, err %v; want the record", key, ok, err)
	}
	return rec
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rec  Record
	}{
		{"every field", sample("numbers/line-1/provision")},
		{"zero fields", Record{Key: "accounts/acme/create"}},
		{"in-flight", Record{Key: "subscribers/jane@example.com/create", State: InFlight, Attempts: 1, StartedAt: t0}},
		{"unicode key", Record{Key: "accounts/Société Générale/create", State: Failed, ErrMessage: "AccountName: «bad»"}},
		{"empty maps become nil", Record{Key: "k", IDs: map[string]string{}, Data: map[string]string{}}},
		{"state added later", Record{Key: "k2", State: State(200)}},
	}
	for _, tt := range tests {
		for _, sync := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/sync=%v", tt.name, sync), func(t *testing.T) {
				s, _ := openTest(t, Options{})
				put := s.Put
				if sync {
					put = s.PutSync
				}
				if err := put(tt.rec); err != nil {
					t.Fatalf("put: %v", err)
				}
				want := tt.rec
				if len(want.IDs) == 0 {
					want.IDs = nil
				}
				if len(want.Data) == 0 {
					want.Data = nil
				}
				if got := mustGet(t, s, tt.rec.Key); !reflect.DeepEqual(got, want) {
					t.Errorf("Get before flush:\n got %+v\nwant %+v", got, want)
				}
				if err := s.Flush(); err != nil {
					t.Fatalf("flush: %v", err)
				}
				got, ok := committed(t, s, tt.rec.Key)
				if !ok || !reflect.DeepEqual(got, want) {
					t.Errorf("committed:\n got %+v (ok %v)\nwant %+v", got, ok, want)
				}
			})
		}
	}
}

func TestGetMissing(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{})
	if err := s.Put(sample("a")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []Key{"b", "a/", "A"} {
		rec, ok, err := s.Get(key)
		if err != nil || ok {
			t.Errorf("Get(%q) = %+v, %v, %v; want nothing", key, rec, ok, err)
		}
	}
}

func TestPutCopiesRecord(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: time.Hour})
	rec := sample("k")
	if err := s.Put(rec); err != nil {
		t.Fatal(err)
	}
	rec.IDs["SubscriberId"] = "changed after Put"
	if got := mustGet(t, s, "k").IDs["SubscriberId"]; got != "TSUID-00042" {
		t.Errorf("queued record follows the caller's map: got %q, want %q", got, "TSUID-00042")
	}
	got := mustGet(t, s, "k")
	got.Data["PortStatus"] = "changed by a reader"
	if again := mustGet(t, s, "k").Data["PortStatus"]; again != "Completed" {
		t.Errorf("Get returns shared maps: got %q, want %q", again, "Completed")
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	meta := Meta{
		ToolVersion:  "v0.3.1",
		Manifest:     []string{"base.xlsx", "portins-week1.csv"},
		ManifestHash: "sha256:abc",
		API:          "https://api.example.test",
		CreatedAt:    t0,
		StartedAt:    t0.Add(time.Hour),
		Runs:         2,
		Starts:       []time.Time{t0, t0.Add(time.Hour)},
	}
	want := map[Key]Record{}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(meta); err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		rec := sample(Key(fmt.Sprintf("numbers/line-%03d/provision", i)))
		rec.State = State(i % 8)
		rec.Attempts = i
		want[rec.Key] = rec
		put := s.Put
		if i%10 == 0 {
			put = s.PutSync
		}
		if err := put(rec); err != nil {
			t.Fatal(err)
		}
	}
	// An overwrite: the latest value wins.
	last := sample("numbers/line-000/provision")
	last.State = Failed
	want[last.Key] = last
	if err := s.Put(last); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	for _, ro := range []bool{false, true} {
		t.Run(fmt.Sprintf("readonly=%v", ro), func(t *testing.T) {
			s := openPath(t, path, Options{ReadOnly: ro}, hooks{})
			got := map[Key]Record{}
			if err := s.ForEach(func(r Record) error { got[r.Key] = r; return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("records after reopen differ: got %d, want %d", len(got), len(want))
			}
			gotMeta, err := s.Meta()
			if err != nil {
				t.Fatal(err)
			}
			wantMeta := meta
			wantMeta.SchemaVersion = schemaVersion
			if !reflect.DeepEqual(gotMeta, wantMeta) {
				t.Errorf("Meta:\n got %+v\nwant %+v", gotMeta, wantMeta)
			}
		})
	}
}

func TestMeta(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{})
	got, err := s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Meta{}) {
		t.Errorf("Meta of a new file = %+v, want zero", got)
	}
	m := Meta{SchemaVersion: 99, ToolVersion: "dev", Runs: 1, CreatedAt: t0}
	if err := s.SetMeta(m); err != nil {
		t.Fatal(err)
	}
	m.Runs = 2
	if err := s.SetMeta(m); err != nil {
		t.Fatal(err)
	}
	got, err = s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{SchemaVersion: schemaVersion, ToolVersion: "dev", Runs: 2, CreatedAt: t0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Meta = %+v, want %+v", got, want)
	}
}

func TestForEach(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: time.Hour})
	// More than one chunk, put out of order, some only queued.
	n := 2*forEachChunk + 7
	for i := n - 1; i >= 0; i-- {
		if err := s.Put(Record{Key: Key(fmt.Sprintf("k%05d", i)), Attempts: i}); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	i := 0
	err := s.ForEach(func(r Record) error {
		if want := Key(fmt.Sprintf("k%05d", i)); r.Key != want || r.Attempts != i {
			return fmt.Errorf("record %d: got %q attempts %d, want %q attempts %d", i, r.Key, r.Attempts, want, i)
		}
		// fn may use the store: it runs outside any transaction.
		if _, _, err := s.Get(r.Key); err != nil {
			return err
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Errorf("visited %d records, want %d", i, n)
	}

	stop := errors.New("stop")
	visited := 0
	err = s.ForEach(func(Record) error {
		visited++
		if visited == 3 {
			return stop
		}
		return nil
	})
	if err != stop || visited != 3 {
		t.Errorf("ForEach with fn failing on the 3rd record = %v after %d records, want %v after 3", err, visited, stop)
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: time.Hour})
	want := map[State]int{}
	for i := range 100 {
		st := State(i % 5)
		if i%7 == 0 {
			st = Cancelled
		}
		want[st]++
		if err := s.Put(Record{Key: Key(fmt.Sprintf("k%d", i)), State: st}); err != nil {
			t.Fatal(err)
		}
	}
	// A record moving on counts once, in its latest state.
	want[Pending]--
	want[Done]++
	if err := s.Put(Record{Key: "k5", State: Done}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Count = %v, want %v", got, want)
	}
}

func TestReadOnlyNeverWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	w := openPath(t, path, Options{}, hooks{})
	if err := w.SetMeta(Meta{Runs: 1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Put(sample("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	s := openPath(t, path, Options{ReadOnly: true}, hooks{})
	writes := []struct {
		name string
		fn   func() error
	}{
		{"Put", func() error { return s.Put(sample("b")) }},
		{"PutSync", func() error { return s.PutSync(sample("b")) }},
		{"SetMeta", func() error { return s.SetMeta(Meta{Runs: 2}) }},
	}
	for _, w := range writes {
		if err := w.fn(); !errors.Is(err, errReadOnly) {
			t.Errorf("%s on a read-only store = %v, want %v", w.name, err, errReadOnly)
		}
	}
	if err := s.Flush(); err != nil {
		t.Errorf("Flush on a read-only store = %v, want nil", err)
	}
	if _, ok, _ := s.Get("b"); ok {
		t.Errorf("a refused Put is visible to Get")
	}
	if got := mustGet(t, s, "a"); !reflect.DeepEqual(got, sample("a")) {
		t.Errorf("Get = %+v, want %+v", got, sample("a"))
	}
	if c, err := s.Count(); err != nil || c[Done] != 1 {
		t.Errorf("Count = %v, %v; want 1 done", c, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Errorf("a read-only open changed the file")
	}
}

func TestReadOnlyNewFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	_, err := Open(filepath.Join(dir, "missing.db"), Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open of a missing file = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open created the file")
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty, Options{ReadOnly: true}); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("read-only Open of an empty file = %v, want a damaged error saying it is empty", err)
	}
}

// boltFile creates a bbolt file at path and lets fn fill it.
func boltFile(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func schemaFile(version string) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchema, []byte(version))
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		want    error
		message string // the exact message, when it is fixed; %s is the path
	}{
		{
			name: "text file",
			make: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte("AccountRef,AccountName\nacme,Acme\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:    ErrNotStateFile,
			message: "%s is not a telegent-bulk state file",
		},
		{
			name: "large non-bbolt file",
			make: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte(strings.Repeat("PK\x03\x04 not a database ", 2000)), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:    ErrNotStateFile,
			message: "%s is not a telegent-bulk state file",
		},
		{
			name: "another program's bbolt file",
			make: func(t *testing.T, path string) {
				boltFile(t, path, func(tx *bolt.Tx) error {
					_, err := tx.CreateBucket([]byte("widgets"))
					return err
				})
			},
			want:    ErrNotStateFile,
			message: "%s is not a telegent-bulk state file",
		},
		{
			name: "empty file",
			make: func(t *testing.T, path string) {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want:    ErrDamaged,
			message: "checkpoint: %s is damaged: the file is empty",
		},
		{
			name:    "bbolt file without any bucket",
			make:    func(t *testing.T, path string) { boltFile(t, path, func(*bolt.Tx) error { return nil }) },
			want:    ErrNotStateFile,
			message: "%s is not a telegent-bulk state file",
		},
		{
			name:    "schema version not a number",
			make:    func(t *testing.T, path string) { boltFile(t, path, schemaFile("one")) },
			want:    ErrNotStateFile,
			message: "%s is not a telegent-bulk state file",
		},
		{
			name: "newer schema",
			make: func(t *testing.T, path string) { boltFile(t, path, schemaFile(fmt.Sprint(schemaVersion+1))) },
			want: ErrNewerSchema,
		},
	}
	for _, tt := range tests {
		for _, ro := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/readonly=%v", tt.name, ro), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "run.db")
				tt.make(t, path)
				before, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				s, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("Open succeeded, want %v", tt.want)
				}
				if !errors.Is(err, tt.want) {
					t.Errorf("Open = %v, want %v", err, tt.want)
				}
				if want := fmt.Sprintf(tt.message, path); tt.message != "" && err.Error() != want {
					t.Errorf("message = %q, want %q", err, want)
				}
				after, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if string(before) != string(after) {
					t.Errorf("a refused Open changed the file")
				}
			})
		}
	}
}

func TestNewerSchemaMessage(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.db")
	boltFile(t, path, schemaFile("7"))
	_, err := Open(path, Options{})
	want := fmt.Sprintf("checkpoint: open %s: schema version 7, this build reads up to %d: written by a newer telegent-bulk", path, schemaVersion)
	if err == nil || err.Error() != want {
		t.Errorf("Open = %v, want %q", err, want)
	}
}

func TestClosedStore(t *testing.T) {
	t.Parallel()
	for _, ro := range []bool{false, true} {
		t.Run(fmt.Sprintf("readonly=%v", ro), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.db")
			w, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{ReadOnly: ro})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			calls := []struct {
				name string
				fn   func() error
			}{
				{"Close", s.Close},
				{"Put", func() error { return s.Put(sample("a")) }},
				{"PutSync", func() error { return s.PutSync(sample("a")) }},
				{"Flush", s.Flush},
				{"Get", func() error { _, _, err := s.Get("a"); return err }},
				{"Meta", func() error { _, err := s.Meta(); return err }},
				{"SetMeta", func() error { return s.SetMeta(Meta{}) }},
				{"ForEach", func() error { return s.ForEach(func(Record) error { return nil }) }},
				{"Count", func() error { _, err := s.Count(); return err }},
			}
			for _, c := range calls {
				if err := c.fn(); !errors.Is(err, errClosed) {
					t.Errorf("%s after Close = %v, want %v", c.name, err, errClosed)
				}
			}
		})
	}
}
