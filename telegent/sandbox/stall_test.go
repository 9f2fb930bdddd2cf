package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// TestStallHoldsRequests: while stalled the sandbox answers no API request
// (the inspection endpoints stay live); when the stall ends, the requests
// held are served.
func TestStallHoldsRequests(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	tok := c.token(telegent.PathAccountPackages)
	get := func(ctx context.Context) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+telegent.PathAccountPackages, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.hc.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	s.Stall(time.Hour)
	defer s.Stall(0)

	// A client that gives up gets nothing.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if status, err := get(ctx); err == nil {
		t.Fatalf("answered %d while stalled, want no answer", status)
	}
	if status, _ := c.raw(http.MethodGet, "/_sandbox/stats", "", nil); status != http.StatusOK {
		t.Errorf("/_sandbox/stats while stalled: %d, want 200", status)
	}
	// One that waits is served once the stall ends.
	done := make(chan int, 1)
	go func() {
		status, err := get(t.Context())
		if err != nil {
			t.Error(err)
		}
		done <- status
	}()
	for end := time.Now().Add(10 * time.Second); s.stall.held.Load() == 0; {
		if time.Now().After(end) {
			t.Fatal("the request never reached the sandbox")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case status := <-done:
		t.Fatalf("answered %d while stalled", status)
	default:
	}
	s.Stall(0)
	if status := <-done; status != http.StatusOK {
		t.Errorf("held request answered %d after the stall, want 200", status)
	}
}
