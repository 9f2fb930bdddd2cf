package telegent

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Token expiry as the API writes it: US 12-hour clock, no zone, read as UTC.
const (
	expiryLayout        = "01/02/2006 03:04:05 PM"
	expiryLayoutLenient = "1/2/2006 3:04:05 PM" // also takes unpadded fields
)

const (
	// fallbackLifetime is used when the announced expiry cannot be trusted.
	fallbackLifetime = 60 * time.Second
	// maxPlausibleLifetime: an expiry further ahead means a clock or zone
	// mismatch between the API and this machine.
	maxPlausibleLifetime = 24 * time.Hour
	maxRefreshMargin     = 30 * time.Second
)

// parseExpiry reads a tokenExpiry value as UTC.
func parseExpiry(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{expiryLayout, expiryLayoutLenient, time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// tokenLifetime tells how long a token received at now, announced to expire
// at expiry, may be used. An expiry that cannot be read, has already passed,
// or lies more than a day ahead betrays a clock or zone mismatch; the token
// is then kept for a minute measured on the local clock.
func tokenLifetime(expiry string, now time.Time) time.Duration {
	t, ok := parseExpiry(expiry)
	if !ok {
		return fallbackLifetime
	}
	d := t.Sub(now)
	if d <= 0 || d > maxPlausibleLifetime {
		return fallbackLifetime
	}
	return d
}

// refreshMargin is how long before its expiry a token is replaced:
// min(30s, lifetime/5).
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(maxRefreshMargin, lifetime/5)
}

// fetchFunc obtains a new token and its lifetime for one scope.
type fetchFunc func(ctx context.Context, scope string) (token string, lifetime time.Duration, err error)

// tokenCache holds one token per scope. Concurrent callers needing the same
// scope share one fetch; callers of other scopes are not held up by it.
type tokenCache struct {
	fetch fetchFunc
	now   func() time.Time

	mu     sync.Mutex
	scopes map[string]*scopeToken
}

type scopeToken struct {
	token     string
	started   time.Time // when the fetch that got token started (the wall clock)
	refreshAt time.Time
	inflight  *tokenFetch
}

// tokenFetch is one fetch in progress; done is closed when it ends.
type tokenFetch struct {
	done      chan struct{}
	started   time.Time
	token     string
	err       error
	abandoned bool // the fetching caller's context ended: others should try again
}

func newTokenCache(fetch fetchFunc, now func() time.Time) *tokenCache {
	return &tokenCache{fetch: fetch, now: now, scopes: make(map[string]*scopeToken)}
}

// get returns a usable token for scope, fetching one if needed. With a
// non-zero notBefore, only a token whose fetch started at notBefore or
// later will do: after a refusal, a token fetched before the refused
// request was sent may be as stale as the refused one (the server's clock
// may have moved past both), so the one re-authentication must get a newer
// one. notBefore is on the wall clock (time.Now), whatever c.now is.
func (c *tokenCache) get(ctx context.Context, scope string, notBefore time.Time) (string, error) {
	for {
		c.mu.Lock()
		s := c.scopes[scope]
		if s == nil {
			s = &scopeToken{}
			c.scopes[scope] = s
		}
		if s.token != "" && c.now().Before(s.refreshAt) && !s.started.Before(notBefore) {
			tok := s.token
			c.mu.Unlock()
			return tok, nil
		}
		if f := s.inflight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			if f.started.Before(notBefore) {
				continue // too old a fetch: once it is over, fetch anew
			}
			if f.err == nil {
				return f.token, nil
			}
			if f.abandoned && ctx.Err() == nil {
				continue // the fetcher gave up for its own reasons; fetch again
			}
			return "", f.err
		}
		f := &tokenFetch{done: make(chan struct{}), started: time.Now()}
		s.inflight = f
		c.mu.Unlock()

		tok, life, err := c.fetch(ctx, scope)

		c.mu.Lock()
		s.inflight = nil
		if err == nil {
			s.token, s.started = tok, f.started
			s.refreshAt = c.now().Add(life - refreshMargin(life))
		}
		f.token, f.err, f.abandoned = tok, err, err != nil && ctx.Err() != nil
		c.mu.Unlock()
		close(f.done)
		return tok, err
	}
}

// drop forgets scope's token if it is still tok, so that the next get
// fetches a new one. A token already replaced by another caller stays.
func (c *tokenCache) drop(scope, tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.scopes[scope]; s != nil && s.token == tok {
		s.token = ""
	}
}

// fetchToken asks the token endpoint for a token valid on scope. A refused
// key or secret (401, 403, or successful:false) wraps ErrCredentials.
func (c *Client) fetchToken(ctx context.Context, scope string) (string, time.Duration, error) {
	rq := request{
		op:         "oauth2/tokens",
		method:     http.MethodPost,
		path:       PathToken,
		body:       TokenRequest{AccountKey: c.key, AccountSecret: c.secret, ApiEndpoint: scope},
		idempotent: true, // a second token does no harm
		noToken:    true,
	}
	// TokenResponse with Successful as a pointer: an answer that leaves it
	// out but carries a token is taken as success.
	var tr struct {
		Token       string `json:"token"`
		Successful  *bool  `json:"successful"`
		TokenExpiry string `json:"tokenExpiry"`
		Error       string `json:"error"`
	}
	err := c.call(ctx, rq, &tr)
	now := c.now()
	var ae *Error
	if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
		cred := *ae
		cred.err = ErrCredentials
		return "", 0, &cred
	}
	if err != nil {
		return "", 0, err
	}
	if (tr.Successful != nil && !*tr.Successful) || tr.Token == "" {
		msg := clean(redact(tr.Error, []string{c.secret}))
		if msg == "" {
			msg = "token refused"
		}
		return "", 0, &Error{Op: rq.op, Status: http.StatusOK, Message: msg, err: ErrCredentials}
	}
	return tr.Token, tokenLifetime(tr.TokenExpiry, now), nil
}
