package telegent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Client.
type Config struct {
	BaseURL       string // scheme://host[:port], without /v1.0
	AccountKey    string
	AccountSecret string
	HTTPClient    *http.Client  // optional
	Limiter       *Limiter      // optional; shared by every attempt of every call
	MaxAttempts   int           // per call, default 8
	BaseBackoff   time.Duration // default 1s
	MaxBackoff    time.Duration // default 30s
	Timeout       time.Duration // per attempt, default 30s
	Observer      func(Attempt) // optional; called after every HTTP attempt
}

// Attempt describes one HTTP attempt, for statistics and logs. It never
// holds a body, a token or a secret.
type Attempt struct {
	Method   string
	Path     string // without query
	Status   int    // 0 when no response arrived
	Duration time.Duration
	Err      error
}

const (
	defaultMaxAttempts = 8
	defaultBaseBackoff = time.Second
	defaultMaxBackoff  = 30 * time.Second
	defaultTimeout     = 30 * time.Second

	// maxAnswer bounds the size of a successful answer (a page of 1000
	// inventory records is well under a megabyte).
	maxAnswer = 64 << 20

	userAgent = "telegent-bulk"
)

// Client calls the Telegent API. It is safe for concurrent use; one Client
// serves every worker of a run.
type Client struct {
	base        string // scheme://host[:port][/prefix], no trailing slash
	key, secret string
	hc          *http.Client
	lim         *Limiter
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	timeout     time.Duration
	observe     func(Attempt)
	tokens      *tokenCache
	now         func() time.Time
}

// New returns a client for the API at cfg.BaseURL. It makes no request: a
// wrong key or secret shows on the first call, as an error wrapping
// ErrCredentials.
func New(cfg Config) (*Client, error) {
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("new client: %w", err)
	}
	if cfg.AccountKey == "" || cfg.AccountSecret == "" {
		return nil, errors.New("new client: account key and secret are required")
	}
	c := &Client{
		base:        base,
		key:         cfg.AccountKey,
		secret:      cfg.AccountSecret,
		hc:          cfg.HTTPClient,
		lim:         cfg.Limiter,
		maxAttempts: cfg.MaxAttempts,
		baseBackoff: cfg.BaseBackoff,
		maxBackoff:  cfg.MaxBackoff,
		timeout:     cfg.Timeout,
		observe:     cfg.Observer,
		now:         time.Now,
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = defaultMaxAttempts
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = defaultBaseBackoff
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = defaultMaxBackoff
	}
	if c.maxBackoff < c.baseBackoff {
		c.maxBackoff = c.baseBackoff
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	c.tokens = newTokenCache(c.fetchToken, c.now)
	return c, nil
}

// Rate returns the rate, in requests a second, at which the client's
// limiter lets attempts go now (+Inf without a limiter): what a caller may
// budget its own requests against, such as polls.
func (c *Client) Rate() float64 {
	return c.lim.Rate()
}

// parseBase checks a base URL and returns it without a trailing slash (and
// without a trailing /v1.0, which every path already carries).
func parseBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("base url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base url %q: want http(s)://host[:port]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("base url %q: no query, fragment or user info allowed", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.EqualFold(p[max(0, len(p)-len("/v1.0")):], "/v1.0") {
		p = p[:len(p)-len("/v1.0")]
	}
	return u.Scheme + "://" + u.Host + p, nil
}

// defaultHTTPClient keeps enough idle connections for a pool of workers and
// does not follow redirects (a redirected call would lose its token and,
// for a POST, its body).
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 128
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// request is one API call, before any attempt.
type request struct {
	op         string // path without /v1.0/, for errors
	method     string
	path       string
	query      url.Values
	body       any      // encoded as JSON; nil for none
	idempotent bool     // may be sent again whatever happened to an attempt
	secrets    []string // values of secret fields, masked out of messages
	noToken    bool     // the token endpoint itself
}

// result is the outcome of one HTTP attempt.
type result struct {
	status     int // 0 when no (complete) answer arrived
	retryAfter time.Duration
	written    bool   // the whole request was written before the attempt ended
	err        *Error // non-nil unless a 2xx answer was read whole
	decodeErr  error  // a 2xx answer's decoding into the call's out (see decode)
}

// call sends rq until it succeeds or the retry policy gives up, and decodes
// a 2xx answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, rq request, out any) error {
	rq.secrets = append(rq.secrets, c.secret)
	var payload []byte
	if rq.body != nil {
		var err error
		if payload, err = json.Marshal(rq.body); err != nil {
			return &Error{Op: rq.op, Message: "encode request", err: err}
		}
	}
	scope := c.base + rq.path
	// A 401 re-authenticates once and retries, with a token fetched after
	// the refused request was sent. The replacement refused as well, before
	// any answer accepted it, means something other than expiry is wrong:
	// the 401 is returned. A replacement that served (a retry after a 5xx
	// or a 429, say) and then expired in turn is replaced again.
	var reauthed bool
	var notBefore time.Time
	for attempt := 1; ; attempt++ {
		tok, sent, sentWall, err := c.ready(ctx, &rq, scope, notBefore)
		if err != nil {
			return err
		}
		res := c.attempt(ctx, &rq, payload, tok, out)
		if err := abandoned(ctx, &rq, res); err != nil {
			return err
		}
		switch {
		case res.status == http.StatusTooManyRequests:
			c.lim.throttled(sent, res.retryAfter)
		case res.status != 0:
			c.lim.succeeded(sent)
		}
		if res.err == nil {
			return res.decodeErr
		}
		if res.status != 0 && res.status != http.StatusUnauthorized {
			reauthed = false // the token served: a later expiry is a new one
		}
		if res.status == http.StatusUnauthorized && tok != "" && !reauthed {
			// The token expired early or was refused: fetch a new one and
			// send once more, without counting it as a retry.
			c.tokens.drop(scope, tok)
			reauthed, notBefore = true, sentWall
			attempt--
			continue
		}
		switch shouldRetry(rq.idempotent, res.status, res.status == 0, res.written) {
		case giveUp:
			return res.err
		case unknown:
			return outcomeUnknown(res.err)
		}
		if attempt >= c.maxAttempts {
			return res.err
		}
		wait := backoff(attempt, c.baseBackoff, c.maxBackoff, res.retryAfter, rand.Int64N)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// ready waits until an attempt of rq may be sent, and returns the token to
// send it with ("" for the token endpoint itself) and when the limiter let
// it go: by the limiter's clock (the rate in force then paced the attempt)
// and by the wall clock. The token is taken before the limiter's wait, so that
// a fetch (which waits for the limiter too) does not queue behind every
// attempt already booked and then release them all at once; and again
// after it, which costs nothing unless the wait was long enough for the
// token to fall due for renewal.
func (c *Client) ready(ctx context.Context, rq *request, scope string, notBefore time.Time) (tok string, sent, sentWall time.Time, err error) {
	if _, err := c.token(ctx, rq, scope, notBefore); err != nil {
		return "", time.Time{}, time.Time{}, err
	}
	if err := c.lim.Wait(ctx); err != nil {
		return "", time.Time{}, time.Time{}, err
	}
	sent, sentWall = c.lim.clock(), time.Now()
	if tok, err = c.token(ctx, rq, scope, notBefore); err != nil {
		return "", time.Time{}, time.Time{}, err
	}
	return tok, sent, sentWall, nil
}

// token returns the token for a call in scope, fetched after notBefore;
// "" for the token endpoint itself.
func (c *Client) token(ctx context.Context, rq *request, scope string, notBefore time.Time) (string, error) {
	if rq.noToken {
		return "", nil
	}
	return c.tokens.get(ctx, scope, notBefore)
}

// abandoned returns the error for an attempt that ended because the
// caller gave up before an answer arrived: ctx's own, or for a create whose
// request was written, and so may have been applied all the same, one
// whose outcome is unknown. It returns nil when an answer did arrive: that
// is used, whatever the context.
func abandoned(ctx context.Context, rq *request, res result) error {
	err := ctx.Err()
	if err == nil || res.status != 0 {
		return nil
	}
	if !rq.idempotent && res.written {
		return callerGaveUp(rq, err)
	}
	return err
}

// outcomeUnknown turns the error of an attempt that may have been applied
// into one wrapping ErrOutcomeUnknown and still wrapping its cause (the
// network error, for one), so that errors.Is and errors.As see both.
func outcomeUnknown(e *Error) *Error {
	u := *e
	u.err = &unknownError{cause: e.err}
	return &u
}

// callerGaveUp is the error of a create whose request was written when the
// caller's context ended: its outcome is unknown, and it wraps ctxErr.
func callerGaveUp(rq *request, ctxErr error) *Error {
	return outcomeUnknown(&Error{Op: rq.op, Message: "no response", err: ctxErr})
}

// decode reads a 2xx answer into out. An answer that cannot be decoded is
// an error; for a create it means the call was applied but its result is
// lost, so the error wraps ErrOutcomeUnknown.
func decode(rq *request, status int, body []byte, out any) error {
	if out == nil {
		return nil
	}
	err := json.Unmarshal(body, out)
	if err == nil {
		return nil
	}
	e := &Error{Op: rq.op, Status: status, Message: "decode answer: " + redact(err.Error(), rq.secrets)}
	if !rq.idempotent {
		e.err = ErrOutcomeUnknown
	}
	return e
}

// attempt makes one HTTP exchange, bounded by the per-attempt timeout,
// decodes a 2xx answer into out, and reports the exchange to the observer.
func (c *Client) attempt(ctx context.Context, rq *request, payload []byte, tok string, out any) result {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var written atomic.Bool
	if !rq.idempotent { // only a create's retry depends on it (see shouldRetry)
		actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
			WroteRequest: func(info httptrace.WroteRequestInfo) {
				if info.Err == nil {
					written.Store(true)
				}
			},
		})
	}
	u := c.base + rq.path
	if len(rq.query) > 0 {
		u += "?" + rq.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, u, body)
	if err != nil {
		return result{err: &Error{Op: rq.op, Message: "build request", err: err}}
	}
	// The fixed values are shared by every request: net/http reads a
	// request's header and never changes it.
	req.Header["Accept"] = headerJSON
	req.Header["User-Agent"] = headerUserAgent
	if payload != nil {
		req.Header["Content-Type"] = headerJSON
	}
	if tok != "" {
		req.Header["Authorization"] = []string{"Bearer " + tok}
	}

	start := time.Now()
	res := c.exchange(req, rq, tok, out)
	res.written = written.Load()
	if c.observe != nil {
		a := Attempt{Method: rq.method, Path: rq.path, Status: res.status, Duration: time.Since(start)}
		if res.err != nil {
			a.Err = res.err
		}
		c.observe(a)
	}
	return res
}

var (
	headerJSON      = []string{"application/json"}
	headerUserAgent = []string{userAgent}
)

// answers are the buffers that 2xx answers are read into and decoded
// from: an answer costs no allocation of its own.
var answers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// exchange sends req and reads its answer, decoding a 2xx one into out.
func (c *Client) exchange(req *http.Request, rq *request, tok string, out any) result {
	secrets := func() []string { return append(slices.Clip(rq.secrets), tok) }
	resp, err := c.hc.Do(req)
	if err != nil {
		return noAnswer(rq, err, secrets())
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, err := readLimited(resp.Body, maxErrorBody)
		if err != nil {
			return noAnswer(rq, err, secrets()) // the answer broke off: as good as none
		}
		res := result{status: resp.StatusCode}
		res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		res.err = apiError(rq.op, resp.StatusCode, b, res.retryAfter, secrets())
		return res
	}
	buf := answers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // an odd big answer's buffer is left to the collector
			buf.Reset()
			answers.Put(buf)
		}
	}()
	if err := readLimitedInto(buf, resp.Body, maxAnswer); err != nil {
		return noAnswer(rq, err, secrets())
	}
	return result{status: resp.StatusCode, decodeErr: decode(rq, resp.StatusCode, buf.Bytes(), out)}
}

// noAnswer is the result of an attempt that got no (whole) answer. Its
// text is masked like an answer's: net/http quotes a malformed answer in
// its error.
func noAnswer(rq *request, err error, secrets []string) result {
	te := &transportError{err: err}
	te.msg = redact(te.Error(), secrets)
	return result{err: &Error{Op: rq.op, Message: "no response", err: te}}
}
