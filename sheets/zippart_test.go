package sheets

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// crc32Combine gives the CRC-32 of two texts one after the other from
// theirs, whatever their lengths.
func TestCRC32Combine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 1000}, {1000, 3}, {4096, 65537}, {17, 1 << 20}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(rng.Uint32())
		}
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		want := crc32.ChecksumIEEE(bytes.Join([][]byte{a, b}, nil))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != want {
			t.Errorf("lengths %v: %08x, want %08x", n, got, want)
		}
	}
}
