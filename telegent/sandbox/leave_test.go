package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// TestClientThatLeavesFreesTheHandler sends requests to a sandbox with an
// hour of latency, lets the client give up once the sandbox holds each
// one, and then closes the server: Close waits for every handler, so it
// returns promptly only if no handler outlives its client.
func TestClientThatLeavesFreesTheHandler(t *testing.T) {
	t.Parallel()
	token := `{"AccountKey":"k","AccountSecret":"s","ApiEndpoint":"x"}`
	cases := []struct {
		name, method, path, body string
	}{
		{"post with a body", http.MethodPost, telegent.PathToken, token},
		{"post with an oversized body", http.MethodPost, telegent.PathToken, strings.Repeat(" ", maxBody+10)},
		{"get", http.MethodGet, telegent.PathDistributorSubs, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(Options{Seed: 1, Latency: time.Hour})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer s.Close()
			held := make(chan struct{}, 1)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				held <- struct{}{}
				s.ServeHTTP(w, r)
			}))
			// No deferred ts.Close: if a handler hangs, so would it.

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				resp, err := ts.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				done <- err
			}()
			select {
			case <-held:
			case err := <-done:
				t.Fatalf("answered before the latency: %v", err)
			}
			cancel()
			if err := <-done; err == nil {
				t.Fatalf("the request succeeded, want it cancelled")
			}

			closed := make(chan struct{})
			go func() {
				ts.Close()
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatalf("Close still waits for the handler 10s after the client left")
			}
		})
	}
}
