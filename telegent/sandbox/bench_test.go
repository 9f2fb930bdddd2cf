package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"telegent-bulk/telegent"
)

// BenchmarkThroughput measures requests per second over loopback HTTP with
// 32 concurrent clients, half of them reading a message route (a cheap
// authenticated GET), half creating an account, with no latency, faults or
// rate limit. The datafile case saves every create in bbolt before
// answering.
func BenchmarkThroughput(b *testing.B) {
	const workers = 32
	for _, bc := range []struct {
		name     string
		dataFile bool
	}{{"memory", false}, {"datafile", true}} {
		b.Run(bc.name, func(b *testing.B) {
			opts := Options{Seed: 1}
			if bc.dataFile {
				opts.DataFile = filepath.Join(b.TempDir(), "bench.db")
			}
			_, c := newSandbox(b, opts)
			f := c.fixture()
			getURL := c.base + telegent.PathMessageRoutes + "?MessageRouteId=" + f.messageRoute
			getTok := c.token(telegent.PathMessageRoutes)
			postURL := c.base + telegent.PathAccountCreate
			postTok := c.token(telegent.PathAccountCreate)
			body, _ := json.Marshal(telegent.AccountCreateRequest{AccountName: "bench"})
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
			defer hc.CloseIdleConnections()

			var next atomic.Int64
			failed := make(chan error, workers)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range workers {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						var req *http.Request
						if i%2 == 0 {
							req, _ = http.NewRequest(http.MethodGet, getURL, nil)
							req.Header.Set("Authorization", "Bearer "+getTok)
						} else {
							req, _ = http.NewRequest(http.MethodPost, postURL, bytes.NewReader(body))
							req.Header.Set("Authorization", "Bearer "+postTok)
						}
						resp, err := hc.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								err = fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
							}
						}
						if err != nil {
							failed <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(failed)
			if err := <-failed; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
