package checkpoint

import (
	"fmt"
	"maps"
	"testing"
	"time"
)

// ViewMany shows what Get reads, key by key, committed or only queued,
// in the order of its keys, without building maps.
func TestViewMany(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{BatchInterval: time.Hour})
	var keys [][]byte
	for i := range 10 {
		key := Key(fmt.Sprintf("k%02d", i))
		keys = append(keys, []byte(key))
		if i%3 == 2 {
			continue // none
		}
		rec := sample(key)
		rec.Attempts = i
		if i == 6 {
			rec.IDs, rec.Data, rec.ErrMessage = nil, nil, "" // no maps
		}
		if err := s.Put(rec); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	keys = append(keys, []byte("k07"), []byte("k00")) // any order, twice
	var got []*Record
	err := s.ViewMany(keys, func(i int, v *View) error {
		if i != len(got) {
			t.Errorf("key %d shown at %d", i, len(got))
		}
		if v == nil {
			got = append(got, nil)
			return nil
		}
		rec := &Record{Key: Key(keys[i]), State: v.State(), Attempts: v.Attempts(), UpdatedAt: v.UpdatedAt(),
			ErrMessage: string(v.ErrMessage()), Fingerprint: string(v.Fingerprint())}
		v.Pairs(func(data bool, name, value []byte) {
			m := &rec.IDs
			if data {
				m = &rec.Data
			}
			if *m == nil {
				*m = map[string]string{}
			}
			(*m)[string(name)] = string(value)
		})
		got = append(got, rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("%d keys shown, want %d", len(got), len(keys))
	}
	for i, key := range keys {
		want, ok, err := s.Get(Key(key))
		if err != nil {
			t.Fatal(err)
		}
		g := got[i]
		if (g != nil) != ok {
			t.Errorf("%s: view %v, record %v", key, g != nil, ok)
			continue
		}
		if g != nil && (g.State != want.State || g.Attempts != want.Attempts || !g.UpdatedAt.Equal(want.UpdatedAt) ||
			g.ErrMessage != want.ErrMessage || g.Fingerprint != want.Fingerprint ||
			!maps.Equal(g.IDs, want.IDs) || !maps.Equal(g.Data, want.Data)) {
			t.Errorf("%s: view %+v, record %+v", key, *g, want)
		}
	}
}
