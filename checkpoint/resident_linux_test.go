package checkpoint

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// mappedRSS returns the resident kilobytes of the mapping that holds addr,
// from /proc/self/smaps.
func mappedRSS(t *testing.T, addr uintptr) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line)[0], "-"); ok && !strings.HasSuffix(line, ":") && strings.Contains(line, " ") {
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= l && uint64(addr) < h
				continue
			}
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			if err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			return kb
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return 0
}

// Reading every record maps the whole file into the resident set; the
// store gives those pages back, and reads still see every record.
func TestMappedPagesReleased(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{})
	const n = 20000
	for i := range n {
		rec := sample(Key(fmt.Sprintf("steps/%06d/create", i)))
		rec.ErrMessage = strings.Repeat("x", 200)
		if err := s.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// No release while the file is read: under a slow machine the reads
	// would otherwise outlast releaseEvery and give the pages back midway.
	s.lastRelease.Store(math.MaxInt64)
	count := 0
	if err := s.ForEach(func(Record) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	addr := s.db.Info().Data
	before := mappedRSS(t, addr)
	if before < 2048 {
		t.Fatalf("%d kB of the file resident after reading it all: the test proves nothing", before)
	}
	s.releaseMapped()
	after := mappedRSS(t, addr)
	if after > before/4 {
		t.Errorf("%d kB resident after the release, %d kB before", after, before)
	}
	if _, ok, err := s.Get(Key(fmt.Sprintf("steps/%06d/create", n/2))); err != nil || !ok || count != n {
		t.Errorf("after the release: get %v %v, %d records read", ok, err, count)
	}
}

// Records read one at a time (Get, as the results' finance and Changes
// tabs read them) give their pages back as ForEach's do.
func TestMappedPagesReleasedByGet(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Options{})
	const n = 20000
	key := func(i int) Key { return Key(fmt.Sprintf("steps/%06d/create", i)) }
	for i := range n {
		rec := sample(key(i))
		rec.ErrMessage = strings.Repeat("x", 200)
		if err := s.Put(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	s.releaseMapped()
	s.lastRelease.Store(math.MaxInt64) // no release while the file is read
	for i := range n {
		if _, ok, err := s.Get(key(i)); err != nil || !ok {
			t.Fatalf("get %s: %v %v", key(i), ok, err)
		}
	}
	addr := s.db.Info().Data
	before := mappedRSS(t, addr)
	if before < 2048 {
		t.Fatalf("%d kB of the file resident after reading it all: the test proves nothing", before)
	}
	s.lastRelease.Store(0) // the next read is the first for a while
	if _, ok, err := s.Get(key(n / 2)); err != nil || !ok {
		t.Fatalf("get: %v %v", ok, err)
	}
	if after := mappedRSS(t, addr); after > before/4 {
		t.Errorf("%d kB resident after reading one more record, %d kB before", after, before)
	}
}
