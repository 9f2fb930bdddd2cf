package telegent

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// TokenCheck is what CheckToken found out about the token of one endpoint.
type TokenCheck struct {
	// Expiry is when the API says the token expires, read as UTC (zero
	// when it gave none that could be read).
	Expiry time.Time
	// Skew is how far Expiry lies from a plausible one, seen from this
	// machine's clock: 0 when it lies between now and a day ahead, else
	// the distance to that window (negative: already passed). A non-zero
	// skew means this machine's clock or time zone disagrees with the
	// API's, and tokens are then kept for a minute only.
	Skew time.Duration
}

// CheckToken asks the token endpoint for a token scoped to the endpoint at
// path (a Path constant), as a call of it would, and reports its expiry
// against this machine's clock. The token is kept for the calls that
// follow, as one they had fetched. A refused key or
// secret wraps ErrCredentials; a refused scope is an *Error with the
// API's status.
func (c *Client) CheckToken(ctx context.Context, path string) (TokenCheck, error) {
	var tr struct {
		Token       string `json:"token"`
		Successful  *bool  `json:"successful"`
		TokenExpiry string `json:"tokenExpiry"`
		Error       string `json:"error"`
	}
	scope, started := c.base+path, time.Now()
	err := c.call(ctx, request{
		op: "oauth2/tokens", method: http.MethodPost, path: PathToken,
		body:       TokenRequest{AccountKey: c.key, AccountSecret: c.secret, ApiEndpoint: scope},
		idempotent: true, noToken: true,
	}, &tr)
	var ae *Error
	if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
		cred := *ae
		cred.err = ErrCredentials
		return TokenCheck{}, &cred
	}
	if err != nil {
		return TokenCheck{}, err
	}
	if (tr.Successful != nil && !*tr.Successful) || tr.Token == "" {
		msg := clean(redact(tr.Error, []string{c.secret}))
		if msg == "" {
			msg = "token refused"
		}
		return TokenCheck{}, &Error{Op: "oauth2/tokens", Status: http.StatusOK, Message: msg, err: ErrCredentials}
	}
	c.tokens.put(scope, tr.Token, started, tokenLifetime(tr.TokenExpiry, c.now()))
	var tc TokenCheck
	exp, ok := parseExpiry(tr.TokenExpiry)
	if !ok {
		return tc, nil
	}
	tc.Expiry = exp
	now := c.now()
	switch d := exp.Sub(now); {
	case d <= 0:
		tc.Skew = d
	case d > maxPlausibleLifetime:
		tc.Skew = d - maxPlausibleLifetime
	}
	return tc, nil
}

// put keeps tok, fetched at started (the wall clock) and usable for
// life, as scope's token, unless a fetch for scope is in progress.
func (c *tokenCache) put(scope, tok string, started time.Time, life time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopes[scope]
	if s == nil {
		s = &scopeToken{}
		c.scopes[scope] = s
	}
	if s.inflight != nil {
		return
	}
	s.token, s.started = tok, started
	s.refreshAt = c.now().Add(life - refreshMargin(life))
}
