package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"telegent-bulk/telegent"
)

const maxBody = 1 << 20

// apiError is an answer other than 200: its status and the Message of the
// ErrorBody. Messages name the field or ID at fault and never hold a secret.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func errBadRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func errConflict(format string, args ...any) error {
	return &apiError{status: http.StatusConflict, msg: fmt.Sprintf(format, args...)}
}

func errUnauthorized(msg string) error {
	return &apiError{status: http.StatusUnauthorized, msg: msg}
}

// reply is an answer, built in full before it is counted and written, so
// that the stats hold a request before its client can see the answer.
type reply struct {
	status int
	body   []byte
	header http.Header // extra headers: Retry-After, Allow
	drop   bool        // close the connection without an answer
}

func errorReply(err error) reply {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errInternal
	}
	data, _ := json.Marshal(telegent.ErrorBody{StatusCode: ae.status, Message: ae.msg})
	return reply{status: ae.status, body: data}
}

func okReply(v any) reply {
	data, err := json.Marshal(v)
	if err != nil {
		return errorReply(err)
	}
	return reply{status: http.StatusOK, body: data}
}

// with returns rep with one more header.
func (rep reply) with(key, value string) reply {
	if rep.header == nil {
		rep.header = http.Header{}
	}
	rep.header.Set(key, value)
	return rep
}

func (rep reply) write(w http.ResponseWriter) {
	if rep.drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(rep.body)+1))
	w.WriteHeader(rep.status)
	w.Write(rep.body)
	w.Write([]byte{'\n'})
}

// op is one method of one endpoint.
type op struct {
	serve   func(body []byte, q url.Values) (any, error)
	mutates bool // a POST that changes state: subject to LoseRate
	public  bool // needs no bearer token (the token endpoint)
}

// jsonOp decodes the body into a T, checks and normalises it with check
// (outside the lock: check must not touch the state), then applies it to the state.
func jsonOp[T any](s *Server, mutates bool, check func(*T) error, apply func(*store, *T) (any, error)) op {
	return op{mutates: mutates, serve: func(body []byte, _ url.Values) (any, error) {
		var in T
		if err := decodeJSON(body, &in); err != nil {
			return nil, err
		}
		if err := check(&in); err != nil {
			return nil, err
		}
		return s.locked(func(st *store) (any, error) { return apply(st, &in) })
	}}
}

// queryOp answers a GET from its query string.
func queryOp(s *Server, apply func(*store, url.Values) (any, error)) op {
	return op{serve: func(_ []byte, q url.Values) (any, error) {
		return s.locked(func(st *store) (any, error) { return apply(st, q) })
	}}
}

// decodeJSON decodes a request body. Unknown fields are ignored; the error
// names a field of the wrong type but never quotes the body, which may hold
// a secret.
func decodeJSON(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errBadRequest("%s must be a %s", te.Field, jsonKind(te.Type.Kind()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errBadRequest("malformed JSON body at offset %d", se.Offset)
	}
	return errBadRequest("malformed JSON body")
}

// jsonKind names the JSON type a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "object"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "whole number"
}

func (s *Server) buildRoutes() map[string]map[string]op {
	const get, post = http.MethodGet, http.MethodPost
	routes := map[string]map[string]op{
		telegent.PathToken:                {post: {serve: s.issueToken, public: true}},
		telegent.PathAccountCreate:        {post: jsonOp(s, true, checkAccountCreate, (*store).createAccount)},
		telegent.PathDistributorAccounts:  {get: queryOp(s, (*store).listAccounts)},
		telegent.PathSubscriberCreate:     {post: jsonOp(s, true, checkSubscriberCreate, (*store).createSubscriber)},
		telegent.PathDistributorSubs:      {get: queryOp(s, (*store).listSubscribers)},
		telegent.PathMessageRoutes:        {post: jsonOp(s, true, checkMessageRouteCreate, (*store).createMessageRoute), get: queryOp(s, (*store).messageRouteDetails)},
		telegent.PathAccountMessageRoutes: {get: queryOp(s, (*store).listMessageRoutes)},
		telegent.PathVoiceRoutes:          {post: jsonOp(s, true, checkVoiceRouteCreate, (*store).createVoiceRoute), get: queryOp(s, (*store).voiceRouteDetailsOrList)},
		telegent.PathNumbersAvailability:  {post: jsonOp(s, false, checkAvailability, (*store).availability)},
		telegent.PathNumbersProvision:     {post: jsonOp(s, true, checkProvision, (*store).provision)},
		telegent.PathNumbersUpdate:        {post: jsonOp(s, true, checkNumberUpdate, (*store).updateNumber)},
		telegent.PathNumbersInventory:     {get: queryOp(s, (*store).inventory)},
		telegent.PathNumbersOrder:         {get: queryOp(s, (*store).orderDetails)},
		telegent.PathPortInEligibility:    {post: jsonOp(s, false, checkEligibility, (*store).eligibility)},
		telegent.PathPortIn:               {post: jsonOp(s, true, s.checkPortIn, (*store).portIn)},
		telegent.PathPortInUpdate:         {post: jsonOp(s, true, checkPortInUpdate, (*store).updatePortIn)},
		telegent.PathPortInCancel:         {post: jsonOp(s, true, checkPortInCancel, (*store).cancelPortIn)},
		telegent.PathPortOut:              {post: jsonOp(s, true, checkPortOut, (*store).portOut)},
		telegent.PathDataUsage:            {post: jsonOp(s, true, checkDataUsage, (*store).setDataUsage)},
		telegent.PathAccountPackages:      {get: queryOp(s, (*store).listPackages)},
		telegent.PathSubscriptions:        {post: jsonOp(s, true, checkSubscriptionCreate, (*store).createSubscription)},
		telegent.PathDistributorSubscript: {get: queryOp(s, (*store).listSubscriptions)},
		telegent.PathGuardianFeatures:     {post: jsonOp(s, true, checkGuardianFeatures, (*store).setGuardianFeatures)},
		telegent.PathMessageFilter:        {post: jsonOp(s, true, checkMessageFilterCreate, (*store).createMessageFilter), get: queryOp(s, (*store).listMessageFilters)},
	}
	lower := make(map[string]map[string]op, len(routes))
	for path, methods := range routes {
		lower[strings.ToLower(path)] = methods
	}
	return lower
}

// serveAPI answers one /v1.0 request: rate limit, latency, injected failure,
// routing, authorisation, the endpoint itself, and maybe a lost answer.
func (s *Server) serveAPI(r *http.Request) reply {
	if rep, ok := s.throttle(); !ok {
		return rep
	}
	// The body is read before the latency is waited: net/http sees that a
	// client went away only once the body has been read to its end, and
	// until then r.Context() would stay live and the wait would outlast the
	// client. A body too large to read whole is not waited for at all.
	body, bodyErr := readBody(r)
	if bodyErr == nil {
		s.delay(r.Context())
	}
	if code := s.faults.failure(); code != 0 {
		rep := errorReply(&apiError{status: code, msg: http.StatusText(code) + ": injected by the sandbox"})
		if code == http.StatusServiceUnavailable {
			rep = rep.with("Retry-After", "1")
		}
		return rep
	}
	methods, ok := s.routes[strings.ToLower(r.URL.Path)]
	if !ok {
		return errorReply(errNotFound("no such endpoint"))
	}
	o, ok := methods[r.Method]
	if !ok {
		allowed := slices.Sorted(maps.Keys(methods))
		return methodNotAllowed(allowed...)
	}
	if !o.public {
		if err := s.authorize(r); err != nil {
			return errorReply(err)
		}
	}
	if r.Method != http.MethodPost {
		body = nil
	} else if bodyErr != nil {
		return errorReply(bodyErr)
	}
	if rep, ok := s.echo.answer(r.Method, body); ok {
		return rep
	}
	out, err := o.serve(body, r.URL.Query())
	if err != nil && s.profile == ProfileDocumented {
		err = documentedError(err)
	}
	if err != nil {
		return errorReply(err)
	}
	if o.mutates {
		if how := s.faults.loss(strings.ToLower(r.URL.Path)); how != keep {
			return lostReply(how)
		}
	}
	return okReply(out)
}

// readBody reads r's body whole, up to maxBody bytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, errBadRequest("request body unreadable or larger than %d bytes", maxBody)
	}
	return body, nil
}

func methodNotAllowed(allowed ...string) reply {
	return errorReply(&apiError{status: http.StatusMethodNotAllowed, msg: "method not allowed: use " + strings.Join(allowed, " or ")}).
		with("Allow", strings.Join(allowed, ", "))
}

// param returns a query parameter, matching its name case-insensitively.
func param(q url.Values, name string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
	}
	return ""
}

// phoneParam returns a phone number from the query string. A "+" sent
// unescaped arrives as a space; it is taken back as the "+" it was.
func phoneParam(q url.Values, name string) string {
	v := param(q, name)
	if v != "" && v[0] != '+' && allDigits(v) {
		for k, raw := range q {
			if strings.EqualFold(k, name) && len(raw) > 0 && strings.HasPrefix(raw[0], " ") {
				return "+" + v
			}
		}
	}
	return v
}

// paging is a list request's window: page number (1-based) and size. A zero
// size means everything.
type paging struct{ number, size int }

const defaultPageSize = 100

func parsePaging(q url.Values) (paging, error) {
	number, err := positiveParam(q, "PageNumber")
	if err != nil {
		return paging{}, err
	}
	size, err := positiveParam(q, "TotalPerPage")
	if err != nil {
		return paging{}, err
	}
	switch {
	case number == 0 && size == 0:
		return paging{}, nil
	case number == 0:
		number = 1
	case size == 0:
		size = defaultPageSize
	}
	return paging{number: number, size: size}, nil
}

func positiveParam(q url.Values, name string) (int, error) {
	v := param(q, name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errBadRequest("%s must be a positive whole number", name)
	}
	return n, nil
}

// echo returns the PageNumber and TotalPerPage a list answers with.
func (p paging) echo(total int) (number, size int) {
	if p.size == 0 {
		return 1, total
	}
	return p.number, p.size
}

// window returns the bounds of the page within n items. It never
// overflows, whatever numbers the query held.
func (p paging) window(n int) (lo, hi int) {
	if p.size == 0 {
		return 0, n
	}
	if p.number-1 > n/p.size {
		return n, n
	}
	lo = min((p.number-1)*p.size, n)
	return lo, lo + min(p.size, n-lo)
}

// list copies the rows of t that keep accepts (all rows when keep is nil)
// and that fall in the page, and counts every match.
func list[T any](t *table[T], keep func(*T) bool, p paging) (page []T, total int) {
	return listOf(t.rows, keep, p)
}

// listOf is list over some rows of a table, in their order.
func listOf[T any](rows []*T, keep func(*T) bool, p paging) (page []T, total int) {
	lo, hi := p.window(len(rows))
	page = []T{}
	if keep == nil {
		for _, row := range rows[lo:hi] {
			page = append(page, *row)
		}
		return page, len(rows)
	}
	for _, row := range rows {
		if !keep(row) {
			continue
		}
		if total >= lo && total < hi {
			page = append(page, *row)
		}
		total++
	}
	return page, total
}
