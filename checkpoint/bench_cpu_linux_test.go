package checkpoint

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSyncFloor: what one durable write costs this machine, below
// any checkpoint code: a page of a file already written is overwritten
// and fdatasync'd (as bbolt syncs), "one-page"; or 25 pages far apart
// are, then one more page and a second fdatasync, as a bbolt commit of
// 25 records with keys all over the file does ("commit-25-scattered").
// cpu-µs/op is the process's CPU per operation; a step of the runner
// pays its share of such commits.
func BenchmarkSyncFloor(b *testing.B) {
	const pages = 16384 // a 64 MiB file
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "floor"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	for i := range pages {
		if _, err := f.WriteAt(page, int64(i)*4096); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	sync := func() {
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
	write := func(p int) {
		if _, err := f.WriteAt(page, int64(p%pages)*4096); err != nil {
			b.Fatal(err)
		}
	}
	run := func(name string, op func(i int)) {
		b.Run(name, func(b *testing.B) {
			cpu0 := processCPU(b)
			for i := range b.N {
				op(i)
			}
			b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
		})
	}
	run("one-page", func(i int) { write(i); sync() })
	run("commit-25-scattered", func(i int) {
		for j := range 25 {
			write(i*25*7919 + j*104729)
		}
		sync()
		write(0)
		sync()
	})
}
