package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"
)

// AccountKey and AccountSecret are the only credentials the token endpoint
// accepts.
const AccountKey, AccountSecret = "sandbox-key", "sandbox-secret"

const (
	defaultTokenTTL = 5 * time.Minute
	defaultPortStep = 10 * time.Second
)

// Options configures a Server. The zero value is a well-behaved sandbox held
// in memory.
type Options struct {
	RPS       float64                          // 0 = unlimited; beyond it: 429 + Retry-After (token bucket, rate RPS, burst a tenth of a second's worth: see rateBurst)
	Latency   time.Duration                    // mean added latency per API request, jittered (uniform ±50%)
	FailRate  float64                          // share of /v1.0 requests answered 500/503/504 before any change
	LoseRate  float64                          // share of mutating POSTs whose change is committed, then the response is lost
	LoseFirst int                              // the answers to the first LoseFirst changes of each endpoint are lost too, so that every kind of create loses one
	BusyRate  float64                          // share of /v1.0 requests answered 429 + Retry-After: 1 whatever the rate
	TokenTTL  time.Duration                    // default 5m
	PortStep  time.Duration                    // sandbox time per port stage, default 10s
	Seed      int64                            // reproducible faults/IDs for a seed; 0 = random
	DataFile  string                           // bbolt file holding the state so it survives a kill -9; "" = memory only
	EchoRate  float64                          // share of /v1.0 POSTs answered 400 with a Message quoting the request body, secrets and all (see echoFault)
	Profile   Profile                          // ProfileDocumented (the zero value) or ProfileExtended: see Profile
	Logf      func(format string, args ...any) // optional request log; never logs bodies
}

func (o *Options) check() error {
	switch {
	case o.RPS < 0 || math.IsNaN(o.RPS) || math.IsInf(o.RPS, 0):
		return fmt.Errorf("rps must be a finite number >= 0, got %v", o.RPS)
	case o.Latency < 0:
		return fmt.Errorf("latency must be >= 0, got %v", o.Latency)
	case o.LoseFirst < 0:
		return fmt.Errorf("lose first must be >= 0, got %d", o.LoseFirst)
	case o.TokenTTL < 0:
		return fmt.Errorf("token ttl must be >= 0, got %v", o.TokenTTL)
	case o.PortStep < 0:
		return fmt.Errorf("port step must be >= 0, got %v", o.PortStep)
	case !o.Profile.valid():
		return fmt.Errorf("unknown profile %v", o.Profile)
	}
	if err := checkRate("fail rate", o.FailRate); err != nil {
		return err
	}
	if err := checkRate("busy rate", o.BusyRate); err != nil {
		return err
	}
	if err := checkRate("echo rate", o.EchoRate); err != nil {
		return err
	}
	return checkRate("lose rate", o.LoseRate)
}

func checkRate(name string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%s must be between 0 and 1, got %v", name, p)
	}
	return nil
}

// Server is the simulator. It is an http.Handler; every method is safe for
// concurrent use.
type Server struct {
	profile  Profile
	tokenTTL time.Duration
	latency  time.Duration
	logf     func(format string, args ...any)
	routes   map[string]map[string]op // lower-cased path -> method -> op

	offset atomic.Int64 // virtual clock: nanoseconds added to real time

	mu     sync.Mutex // guards st, db writes and closed
	st     *store
	db     *bolt.DB
	closed bool

	tokenKey []byte // signs tokens; derived from the state's key

	limiter *rate.Limiter    // nil when RPS is 0
	realNow func() time.Time // clock of the rate limiter; tests freeze it

	faults faults
	echo   echoFault
	stall  stall

	statsMu sync.Mutex
	stats   map[string]map[string]int
}

// New returns a Server. With opts.DataFile it opens (or creates) the file and
// loads the state it holds; otherwise the state starts from the preloaded
// catalog and legacy numbers and lives in memory.
func New(opts Options) (*Server, error) {
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = defaultTokenTTL
	}
	if opts.PortStep == 0 {
		opts.PortStep = defaultPortStep
	}
	seed1, seed2 := seeds(opts.Seed)
	s := &Server{
		profile:  opts.Profile,
		tokenTTL: opts.TokenTTL,
		latency:  opts.Latency,
		logf:     opts.Logf,
		realNow:  time.Now,
		stats:    make(map[string]map[string]int),
	}
	s.faults.init(seed1^0x9e3779b97f4a7c15, seed2, opts.FailRate, opts.LoseRate, opts.BusyRate)
	s.faults.loseFirst = opts.LoseFirst
	s.echo.init(seed1^0x6a09e667f3bcc909, seed2, opts.EchoRate)
	if opts.RPS > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RPS), rateBurst(opts.RPS))
	}

	st, err := newStore(opts.PortStep, seed1, seed2)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	st.profile = opts.Profile
	s.st = st
	if opts.DataFile != "" {
		db, offset, err := openData(opts.DataFile, st, time.Now)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		s.db = db
		s.offset.Store(int64(offset))
	} else {
		st.now = time.Now().UTC()
		st.preload()
		st.clean()
	}
	st.reindex()
	s.tokenKey = st.deriveKey("token")
	s.routes = s.buildRoutes()
	return s, nil
}

// rateBurst is the burst the rate limit allows: a tenth of a second's worth
// of requests, at least one. This is how API gateways usually enforce "N
// requests a second": a token bucket refilled at N a second with a small
// burst (AWS API Gateway, Envoy's local rate limit and nginx's limit_req
// all work this way), so that a client pacing itself evenly at N is never
// refused, while one that sends faster is refused within a tenth of a
// second, not allowed a whole second's worth at once.
func rateBurst(rps float64) int {
	return int(math.Max(1, math.Floor(rps/10)))
}

// Close releases the data file. Requests served after Close are answered 503.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db == nil {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sandbox: close data file: %w", err)
	}
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Now returns the virtual clock: real time plus every Advance.
func (s *Server) Now() time.Time {
	return time.Now().UTC().Add(time.Duration(s.offset.Load()))
}

// Advance moves the virtual clock forward by d; d <= 0 does nothing. Port
// orders and token expiry follow the virtual clock.
func (s *Server) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.offset.Add(int64(d))
	if s.db != nil && !s.closed {
		if err := saveClock(s.db, time.Duration(off)); err != nil {
			s.log("sandbox: save clock: %v", err)
		}
	}
}

// SetFaults changes the fail and lose rates; values are clamped to [0, 1].
func (s *Server) SetFaults(failRate, loseRate float64) {
	s.faults.set(clamp01(failRate), clamp01(loseRate))
}

// SetBusyRate changes the busy rate (Options.BusyRate); the value is clamped
// to [0, 1].
func (s *Server) SetBusyRate(busyRate float64) {
	s.faults.setBusy(clamp01(busyRate))
}

func clamp01(p float64) float64 {
	if math.IsNaN(p) || p < 0 {
		return 0
	}
	return math.Min(p, 1)
}

// ServeHTTP serves the API under /v1.0/ and the inspection endpoints under
// /_sandbox/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var rep reply
	switch {
	case s.isClosed():
		rep = errorReply(errClosed)
	case strings.HasPrefix(r.URL.Path, "/_sandbox/"):
		rep = s.serveInspect(r)
	case hasPrefixFold(r.URL.Path, "/v1.0/"):
		s.stall.wait(r.Context())
		rep = s.serveAPI(r)
		s.stall.wait(r.Context())
	default:
		rep = errorReply(errNotFound("no such endpoint"))
	}
	if _, ok := w.(http.Hijacker); rep.drop && !ok {
		rep = errorReply(errGatewayTimeout) // HTTP/2: the connection cannot be dropped
	}
	status := rep.status // 0 for a dropped connection
	s.count(s.statsKey(r), status)
	s.log("sandbox: %s %s %d %s", r.Method, r.URL.Path, status, time.Since(start).Round(time.Microsecond))
	rep.write(w)
}

func (s *Server) log(format string, args ...any) {
	if s.logf != nil {
		s.logf(format, args...)
	}
}

// statsKey is the key under which the stats count r: "METHOD /path" for
// the paths the sandbox serves, the path spelled as the API documents it
// (the API matches paths without regard to case), and "METHOD (unknown
// path)" for any other path. A method other than the standard ones counts
// as OTHER. So the stats stay small whatever clients send.
func (s *Server) statsKey(r *http.Request) string {
	method := r.Method
	if !slices.Contains(standardMethods, method) {
		method = "OTHER"
	}
	p := r.URL.Path
	if slices.Contains(inspectPaths, p) {
		return method + " " + p
	}
	if lower := strings.ToLower(p); s.routes[lower] != nil {
		return method + " " + lower
	}
	return method + " " + unknownPath
}

// unknownPath stands in the stats for every path the sandbox does not serve.
const unknownPath = "(unknown path)"

var standardMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

func (s *Server) count(key string, status int) {
	code := strconv.Itoa(status)
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	m := s.stats[key]
	if m == nil {
		m = make(map[string]int)
		s.stats[key] = m
	}
	m[code]++
}

// locked runs fn on the state under the lock, then persists what fn changed
// before the lock is released, so that an answer never reports a change the
// data file does not hold.
func (s *Server) locked(fn func(st *store) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	s.st.now = s.Now()
	out, err := fn(s.st)
	if cerr := s.commit(); cerr != nil {
		s.log("sandbox: persist: %v", cerr)
		return nil, errInternal
	}
	return out, err
}

// commit writes the rows changed since the last commit. It runs under s.mu.
// A failed write leaves the rows marked, so the next commit retries them.
func (s *Server) commit() error {
	if !s.st.dirty() {
		return nil
	}
	if s.db == nil {
		s.st.clean()
		return nil
	}
	if err := s.db.Update(s.st.flush); err != nil {
		return err
	}
	s.st.clean()
	return nil
}

var (
	errClosed   = &apiError{status: http.StatusServiceUnavailable, msg: "sandbox is closed"}
	errInternal = &apiError{status: http.StatusInternalServerError, msg: "sandbox could not save its state"}
)

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
