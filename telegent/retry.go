package telegent

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// verdict is what the retry policy decides about one failed attempt.
type verdict int

const (
	giveUp  verdict = iota // return the error to the caller
	again                  // send the request again after a backoff
	unknown                // the request may have been applied: return ErrOutcomeUnknown
)

// shouldRetry decides what to do after a failed attempt. status is the HTTP
// status (0 when no answer arrived, in which case noAnswer is true), and
// written tells whether the request had been fully written when the attempt
// failed.
//
// Idempotent calls (every GET, and POSTs that set state) are sent again on
// 408, 429, 500, 502, 503, 504 and on any failure to get an answer. A create
// is sent again only when the request surely was not applied: 408, 429, 500,
// 503, or a failure before the request was written. A 502, a 504, or a
// failure after the request was written makes its outcome unknown.
func shouldRetry(idempotent bool, status int, noAnswer, written bool) verdict {
	if noAnswer {
		if idempotent || !written {
			return again
		}
		return unknown
	}
	if idempotent {
		if retryableStatus(status) {
			return again
		}
		return giveUp
	}
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusServiceUnavailable:
		return again
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return unknown
	}
	return giveUp
}

// backoff returns how long to wait before attempt number attempt+1, after
// attempt (1-based) failed: exponential from base, doubling, capped at max,
// with equal jitter (half fixed, half random, so that concurrent callers
// spread out yet never retry at once). retryAfter, when the server sent one,
// is a floor. rnd(n) returns a pseudo-random number in [0, n).
func backoff(attempt int, base, max, retryAfter time.Duration, rnd func(n int64) int64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	if half := d / 2; half > 0 {
		d = half + time.Duration(rnd(int64(d-half)+1))
	}
	if d < retryAfter {
		d = retryAfter
	}
	return d
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (relative to now). It returns 0 when the header is absent or unusable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		const maxSecs = int64(24 * time.Hour / time.Second)
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
