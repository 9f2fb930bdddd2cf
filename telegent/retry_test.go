package telegent

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	low := func(int64) int64 { return 0 }        // the least jitter
	high := func(n int64) int64 { return n - 1 } // the most jitter
	tests := []struct {
		name       string
		attempt    int
		base, max  time.Duration
		retryAfter time.Duration
		rnd        func(int64) int64
		want       time.Duration
	}{
		{"first low", 1, time.Second, 30 * time.Second, 0, low, 500 * time.Millisecond},
		{"first high", 1, time.Second, 30 * time.Second, 0, high, time.Second},
		{"doubles", 3, time.Second, 30 * time.Second, 0, high, 4 * time.Second},
		{"doubles low", 3, time.Second, 30 * time.Second, 0, low, 2 * time.Second},
		{"capped", 10, time.Second, 30 * time.Second, 0, high, 30 * time.Second},
		{"capped low", 10, time.Second, 30 * time.Second, 0, low, 15 * time.Second},
		{"huge attempt stays capped", 1000, time.Second, 30 * time.Second, 0, high, 30 * time.Second},
		{"retry-after is a floor", 1, time.Second, 30 * time.Second, 7 * time.Second, high, 7 * time.Second},
		{"retry-after below backoff", 4, time.Second, 30 * time.Second, 2 * time.Second, high, 8 * time.Second},
		{"retry-after beyond cap", 10, time.Second, 30 * time.Second, time.Minute, high, time.Minute},
		{"tiny base", 1, time.Nanosecond, time.Millisecond, 0, high, time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoff(tt.attempt, tt.base, tt.max, tt.retryAfter, tt.rnd)
			if got != tt.want {
				t.Errorf("backoff(%d, %v, %v, %v) = %v, want %v", tt.attempt, tt.base, tt.max, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestBackoffJitterStaysInRange(t *testing.T) {
	seq := int64(0)
	rnd := func(n int64) int64 { seq = (seq*31 + 7) % n; return seq }
	for attempt := 1; attempt <= 12; attempt++ {
		for range 50 {
			got := backoff(attempt, 10*time.Millisecond, time.Second, 0, rnd)
			full := min(10*time.Millisecond<<(attempt-1), time.Second)
			if got < full/2 || got > full {
				t.Fatalf("attempt %d: backoff = %v, want within [%v, %v]", attempt, got, full/2, full)
			}
		}
	}
}

func TestShouldRetry(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		status     int
		noAnswer   bool
		written    bool
		want       verdict
	}{
		{"get 408", true, 408, false, true, again},
		{"get 429", true, 429, false, true, again},
		{"get 500", true, 500, false, true, again},
		{"get 502", true, 502, false, true, again},
		{"get 503", true, 503, false, true, again},
		{"get 504", true, 504, false, true, again},
		{"get 501", true, 501, false, true, giveUp},
		{"get 400", true, 400, false, true, giveUp},
		{"get 404", true, 404, false, true, giveUp},
		{"get 409", true, 409, false, true, giveUp},
		{"get dropped after write", true, 0, true, true, again},
		{"get refused", true, 0, true, false, again},
		{"create 408", false, 408, false, true, again},
		{"create 429", false, 429, false, true, again},
		{"create 500", false, 500, false, true, again},
		{"create 503", false, 503, false, true, again},
		{"create 502", false, 502, false, true, unknown},
		{"create 504", false, 504, false, true, unknown},
		{"create 400", false, 400, false, true, giveUp},
		{"create 409", false, 409, false, true, giveUp},
		{"create 422", false, 422, false, true, giveUp},
		{"create refused before write", false, 0, true, false, again},
		{"create dropped after write", false, 0, true, true, unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shouldRetry(tt.idempotent, tt.status, tt.noAnswer, tt.written)
			if got != tt.want {
				t.Errorf("shouldRetry(idempotent=%v, %d, noAnswer=%v, written=%v) = %v, want %v",
					tt.idempotent, tt.status, tt.noAnswer, tt.written, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 12 ", 12 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"1.5", 0},
		{"99999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Wed, 20 May 2026 12:00:30 GMT", 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := sleep(context.Background(), 0); err != nil {
		t.Errorf("sleep(0) = %v, want nil", err)
	}
}
