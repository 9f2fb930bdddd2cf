package walk

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkWalk walks random graphs of instant tasks on 8 workers: what the
// walk itself costs per node (dependency counts, the ready queue, the pool,
// one event per node).
func BenchmarkWalk(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			deps := randomGraph(n, 3, 1000, 5)
			task := func(context.Context, int32) Result { return Result{State: Done} }
			events := 0
			o := Options{Workers: 8, Wait: time.Hour, OnEvent: func(Event) { events++ }}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w, err := New(deps, task, o)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := w.Run(context.Background())
				if err != nil || rep.Counts.States[Done] != n {
					b.Fatalf("Run: %v, %+v", err, rep.Counts)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/node")
		})
	}
}
