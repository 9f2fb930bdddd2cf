package sandbox

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// DiesAfter answers the first n requests and then none: the client gets a
// broken connection, not a status.
func TestDiesAfter(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	hs := httptest.NewServer(DiesAfter(2, ok, func() {}))
	defer hs.Close()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 4 {
		resp, err := c.Get(hs.URL)
		if i < 2 {
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("request %d: %v %v, want 204", i+1, resp, err)
			}
			resp.Body.Close()
			continue
		}
		if err == nil {
			resp.Body.Close()
			t.Fatalf("request %d: answered %d, want no answer", i+1, resp.StatusCode)
		}
	}
}
