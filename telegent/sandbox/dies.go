package sandbox

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// DiesAfter serves h until it has answered n requests, then answers none,
// as an API that went down mid-run leaves its clients: once the n-th
// answer is written it calls stop (which closes the listener, so that new
// connections are refused), and a request that still reaches it has its
// connection closed without a word. Tests of a run's outage handling put
// it in front of a sandbox; the sandbox itself stays up, so the same state
// can serve the run that resumes.
func DiesAfter(n int64, h http.Handler, stop func()) http.Handler {
	var count atomic.Int64
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := count.Add(1)
		if k > n {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
		if k == n {
			once.Do(func() { go stop() })
		}
	})
}
