package sheets

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
)

// sstStrings returns n texts of varied lengths: empty ones, short ones,
// ones longer than a block of the spill file, and repeats.
func sstStrings(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		switch {
		case i%97 == 5:
			out[i] = ""
		case i%1009 == 7:
			out[i] = strings.Repeat(fmt.Sprintf("long-%d-", i), 2*blockSize/10)
		default:
			out[i] = fmt.Sprintf("text %d é %x", i, rng.Uint64()%(1+uint64(i)))
		}
	}
	return out
}

func buildSST(t *testing.T, texts []string) *sharedStrings {
	t.Helper()
	s := &sharedStrings{}
	for _, x := range texts {
		if err := s.add([]byte(x)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.finish(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSharedStrings(t *testing.T) {
	texts := sstStrings(5000)
	for _, tt := range []struct {
		name    string
		spillAt int
		span    int64
		spilled bool
	}{
		{"in memory", 1 << 30, 1 << 32, false},
		{"in a file", 1 << 10, 1 << 32, true},
		{"in a file, offsets past the index's span", 1 << 10, 1000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			defer func(at int, span int64) { spillAt, offsetSpan = at, span }(spillAt, offsetSpan)
			spillAt, offsetSpan = tt.spillAt, tt.span
			s := buildSST(t, texts)
			if (s.file != nil) != tt.spilled {
				t.Fatalf("spilled = %v, want %v", s.file != nil, tt.spilled)
			}
			if tt.span < 1<<32 && len(s.wraps) == 0 {
				t.Fatalf("no wraps, want the offsets to pass the span")
			}
			if s.len() != len(texts) {
				t.Fatalf("len = %d, want %d", s.len(), len(texts))
			}
			// Every string, from several goroutines in different orders.
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 9))
					for range 3 * len(texts) {
						i := rng.IntN(len(texts))
						if g == 0 {
							i = (i / 7) * 7 % len(texts) // some locality, some repeats
						}
						got, err := s.get(i)
						if err != nil || got != texts[i] {
							t.Errorf("get(%d) = %.40q, %v; want %.40q", i, got, err, texts[i])
							return
						}
					}
				}()
			}
			wg.Wait()
			for _, i := range []int{-1, len(texts)} {
				if _, err := s.get(i); err != errNoString {
					t.Errorf("get(%d) error = %v, want errNoString", i, err)
				}
			}
			if err := s.close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) != 0 {
				t.Errorf("after close the temporary folder holds %d files, want none", len(left))
			}
		})
	}
}
