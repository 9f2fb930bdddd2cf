package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// corpus is a real checkpoint written through the package's API, and
// what it holds.
type corpus struct {
	path    string
	bytes   []byte
	records map[Key]Record
	meta    Meta
	counts  map[State]int
}

// corpusRecords is how many records the damage corpus holds: enough for
// branch pages, several leaves and a freelist with pages on it.
const corpusRecords = 400

func buildCorpus(t *testing.T) corpus {
	t.Helper()
	c := corpus{path: filepath.Join(t.TempDir(), "run.db"), records: map[Key]Record{}, counts: map[State]int{}}
	s, err := Open(c.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.meta = Meta{ToolVersion: "test", Manifest: []string{"m.xlsx"}, Runs: 3, CreatedAt: t0, StartedAt: t0, Starts: []time.Time{t0}}
	if err := s.SetMeta(c.meta); err != nil {
		t.Fatal(err)
	}
	c.meta.SchemaVersion = schemaVersion
	for i := range corpusRecords {
		rec := sample(Key(fmt.Sprintf("subscribers/user-%04d@example.com/create", i)))
		rec.State = State(i % int(Cancelled+1))
		rec.Attempts = i
		put := s.Put
		if i%25 == 0 {
			put = s.PutSync // several commits: free pages, both meta pages in use
		}
		if err := put(rec); err != nil {
			t.Fatal(err)
		}
		c.records[rec.Key] = rec
	}
	for _, rec := range c.records {
		c.counts[rec.State]++
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if c.bytes, err = os.ReadFile(c.path); err != nil {
		t.Fatal(err)
	}
	return c
}

// damage is one way to spoil a copy of the corpus file.
type damage struct {
	name string
	fn   func(b []byte) []byte
}

func damages(t *testing.T, c corpus) []damage {
	const page = 4096
	ds := []damage{
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"truncated to 0", func([]byte) []byte { return nil }},
		{"truncated to 100 bytes", func(b []byte) []byte { return b[:100] }},
		{"last page cut off", func(b []byte) []byte { return b[:len(b)-page] }},
		{"garbage", func(b []byte) []byte {
			r := rand.New(rand.NewPCG(1, 2))
			g := make([]byte, len(b))
			for i := range g {
				g[i] = byte(r.UintN(256))
			}
			return g
		}},
		{"bbolt header, garbage after", func(b []byte) []byte {
			g := append([]byte(nil), b[:2*page]...)
			return append(g, bytes.Repeat([]byte{0xA5}, len(b)-2*page)...)
		}},
	}
	for p := range len(c.bytes) / page {
		ds = append(ds, damage{fmt.Sprintf("page %d zeroed", p), func(b []byte) []byte {
			clear(b[p*page : (p+1)*page])
			return b
		}})
		ds = append(ds, damage{fmt.Sprintf("page %d header garbled", p), func(b []byte) []byte {
			for i := range pageHeaderSize {
				b[p*page+i] ^= 0x5A
			}
			return b
		}})
	}
	// A leaf that lost its last element is still a sound page: only the
	// record count tells.
	for p := range len(c.bytes) / page {
		hdr := c.bytes[p*page:]
		if native.Uint16(hdr[8:]) != flagLeaf || native.Uint16(hdr[10:]) < 2 {
			continue
		}
		ds = append(ds, damage{fmt.Sprintf("page %d: a leaf element fewer", p), func(b []byte) []byte {
			native.PutUint16(b[p*page+10:], native.Uint16(b[p*page+10:])-1)
			return b
		}})
	}
	for seed := range uint64(40) {
		ds = append(ds, damage{fmt.Sprintf("random bytes flipped, seed %d", seed), func(b []byte) []byte {
			r := rand.New(rand.NewPCG(seed, 7))
			for range 1 + r.IntN(8) {
				b[r.IntN(len(b))] ^= byte(1 + r.UintN(255))
			}
			return b
		}})
	}
	// Where the bytes matter most: record values, keys, and the meta bucket.
	for i, k := range []string{"subscribers/user-0007@example.com/create", "subscribers/user-0399@example.com/create", "schema", "count", "run"} {
		at := bytes.Index(c.bytes, []byte(k))
		if at < 0 {
			t.Fatalf("%q is not in the file", k)
		}
		for _, off := range []int{0, len(k) - 1, len(k), len(k) + 3, len(k) + 12} {
			ds = append(ds, damage{fmt.Sprintf("byte %d after %q flipped", off, k), func(b []byte) []byte {
				b[at+off] ^= byte(0x10 + i)
				return b
			}})
		}
	}
	return ds
}

// TestDamagedFiles: whatever was done to the file, Open and every read
// either fail with a typed error that names the file, or return exactly
// what was written; nothing panics, and a refused file is left as it was.
func TestDamagedFiles(t *testing.T) {
	t.Parallel()
	c := buildCorpus(t)
	for _, d := range damages(t, c) {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			for _, ro := range []bool{true, false} {
				path := filepath.Join(t.TempDir(), "run.db")
				b := d.fn(append([]byte(nil), c.bytes...))
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				c.probe(t, path, ro)
			}
		})
	}
}

// probe opens the damaged copy at path and reads everything.
func (c corpus) probe(t *testing.T, path string, ro bool) {
	t.Helper()
	before, _ := os.ReadFile(path)
	s, err := Open(path, Options{ReadOnly: ro})
	if err != nil {
		if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotStateFile) && !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open(readonly=%v) = %v, want an error wrapping ErrDamaged, ErrNotStateFile or ErrNewerSchema", ro, err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open error %q does not name the file", err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("a refused Open(readonly=%v) changed the file", ro)
		}
		return
	}
	defer s.Close()
	c.readAll(t, s)
}

// readAll reads the store every way there is and checks that each read
// fails with ErrDamaged or returns what was written.
func (c corpus) readAll(t *testing.T, s *Store) {
	t.Helper()
	check := func(op string, err error) bool {
		t.Helper()
		if err == nil {
			return true
		}
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s = %v, want nil or an error wrapping ErrDamaged", op, err)
		}
		return false
	}
	got := map[Key]Record{}
	err := s.ForEach(func(r Record) error { got[r.Key] = r; return nil })
	if check("ForEach", err) && !reflect.DeepEqual(got, c.records) {
		t.Errorf("ForEach returned %d records with a nil error, want the %d written", len(got), len(c.records))
	}
	for k, want := range c.records {
		rec, ok, err := s.Get(k)
		if check("Get", err) && (!ok || !reflect.DeepEqual(rec, want)) {
			t.Fatalf("Get(%q) = %+v, %v with a nil error, want %+v", k, rec, ok, want)
		}
	}
	counts, err := s.Count()
	if check("Count", err) && !reflect.DeepEqual(counts, c.counts) {
		t.Errorf("Count = %v with a nil error, want %v", counts, c.counts)
	}
	m, err := s.Meta()
	if check("Meta", err) && !reflect.DeepEqual(m, c.meta) {
		t.Errorf("Meta = %+v with a nil error, want %+v", m, c.meta)
	}
}

// TestDamagedUnderAnOpenStore: damage that appears while the file is
// open (bbolt reads it through memory it maps) is caught on read: a
// changed record by its checksum, a garbled page by bbolt's own
// assertion, a file cut short by the fault it causes. None of them
// crashes the process.
func TestDamagedUnderAnOpenStore(t *testing.T) {
	t.Parallel()
	c := buildCorpus(t)
	victim := Key("subscribers/user-0123@example.com/create")
	at := int64(bytes.Index(c.bytes, []byte(victim)))
	tests := []struct {
		name    string
		spoil   func(t *testing.T, f *os.File)
		wantKey bool // the error names the record
	}{
		{"a record's bytes changed", func(t *testing.T, f *os.File) {
			if _, err := f.WriteAt([]byte("X"), at+int64(len(victim))+20); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"the record's page zeroed", func(t *testing.T, f *os.File) {
			page := at / 4096 * 4096
			if _, err := f.WriteAt(make([]byte, 4096), page); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"the file cut short", func(t *testing.T, f *os.File) {
			if err := f.Truncate(4096 * 2); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.db")
			if err := os.WriteFile(path, c.bytes, 0o600); err != nil {
				t.Fatal(err)
			}
			s := openPath(t, path, Options{ReadOnly: true}, hooks{})
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, f)
			f.Close()

			_, _, err = s.Get(victim)
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Get = %v, want an error wrapping ErrDamaged", err)
			}
			var de *DamagedError
			if !errors.As(err, &de) || de.Path != path || (tt.wantKey && de.Key != victim) {
				t.Errorf("Get error = %#v, want it to name %s (and %q: %v)", err, path, victim, tt.wantKey)
			}
			err = s.ViewMany([][]byte{[]byte(victim)}, func(int, *View) error { return nil })
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("ViewMany = %v, want an error wrapping ErrDamaged", err)
			}
			if err := s.ForEach(func(Record) error { return nil }); !errors.Is(err, ErrDamaged) {
				t.Errorf("ForEach = %v, want an error wrapping ErrDamaged", err)
			}
			if _, err := s.Count(); !errors.Is(err, ErrDamaged) {
				t.Errorf("Count = %v, want an error wrapping ErrDamaged", err)
			}
		})
	}
}

// TestForeignAndEmptyFilesAreNeverInitialised: a writable Open, as a run
// does, of an empty file or of another program's bbolt file refuses it
// and leaves it as it was; it never starts a new checkpoint there.
func TestForeignAndEmptyFilesAreNeverInitialised(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	boltFile(t, foreign, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		return b.Put([]byte("w1"), []byte("blue"))
	})
	for path, want := range map[string]error{empty: ErrDamaged, foreign: ErrNotStateFile} {
		before, _ := os.ReadFile(path)
		s, err := Open(path, Options{})
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) succeeded, want %v", path, want)
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s) = %v, want an error naming the file and wrapping %v", path, err, want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("Open(%s) changed the file", path)
		}
		if _, err := os.Stat(BackupPath(path)); err == nil {
			t.Errorf("Open(%s) wrote a backup of a file it refused", path)
		}
	}
}
