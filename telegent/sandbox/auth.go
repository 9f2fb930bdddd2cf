package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/telegent"
)

// tokenExpiryLayout is the API's MM/dd/yyyy hh:mm:ss tt, in UTC.
const tokenExpiryLayout = "01/02/2006 03:04:05 PM"

// Tokens are stateless: "<payload>.<mac>" where the payload is the expiry
// (Unix seconds on the virtual clock) and the endpoint URL the token is
// scoped to (scheme, host and path: see scopeOf), and the MAC is keyed by a
// key the process drew when it started. Checking one takes no lock. The key is never saved, so tokens do
// not survive a restart: a client gets 401 and authenticates again, as it
// would after a real API rotated its signing key.

// issueToken answers POST /v1.0/oauth2/tokens.
func (s *Server) issueToken(body []byte, _ url.Values) (any, error) {
	var in telegent.TokenRequest
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	keyOK := subtle.ConstantTimeCompare([]byte(in.AccountKey), []byte(AccountKey))
	secretOK := subtle.ConstantTimeCompare([]byte(in.AccountSecret), []byte(AccountSecret))
	if keyOK&secretOK != 1 {
		return nil, errUnauthorized("AccountKey or AccountSecret is not valid")
	}
	scope, err := s.endpointScope(in.ApiEndpoint)
	if err != nil {
		return nil, err
	}
	exp := s.Now().Add(s.tokenTTL)
	out := telegent.TokenResponse{
		Token:       s.signToken(exp, scope),
		Successful:  true,
		TokenExpiry: exp.UTC().Format(tokenExpiryLayout),
	}
	if s.profile == ProfileExtended { // only an older token page shows apiEndpoint
		out.ApiEndpoint = in.ApiEndpoint
	}
	return out, nil
}

// endpointScope checks that apiEndpoint is an absolute http(s) URL whose path
// is one of the API's endpoints and returns its scope (see scopeOf).
func (s *Server) endpointScope(apiEndpoint string) (string, error) {
	if apiEndpoint == "" {
		return "", errBadRequest("ApiEndpoint is required")
	}
	u, err := url.Parse(apiEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errBadRequest("ApiEndpoint must be an absolute http(s) URL")
	}
	path := strings.ToLower(u.Path)
	if _, ok := s.routes[path]; !ok || path == telegent.PathToken {
		return "", errBadRequest("ApiEndpoint must name an API endpoint, such as https://api.telegent.com%s", telegent.PathAccountCreate)
	}
	return scopeOf(u.Scheme, u.Host, u.Path), nil
}

// scopeOf returns what a token's scope and a request's URL are compared by:
// the scheme, the host with its port (a default port left out) and the path,
// all in lower case (the API matches paths without regard to case), without
// the query. The vendor's reference says a token is scoped to the whole
// ApiEndpoint URL it was issued for.
func scopeOf(scheme, host, path string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	switch scheme {
	case "http":
		host = strings.TrimSuffix(host, ":80")
	case "https":
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host + strings.ToLower(path)
}

// requestScope is the scope of the URL a request was sent to.
func requestScope(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scopeOf(scheme, r.Host, r.URL.Path)
}

func (s *Server) signToken(exp time.Time, scope string) string {
	payload := strconv.FormatInt(exp.Unix(), 10) + " " + scope
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(s.tokenMAC(payload))
}

func (s *Server) tokenMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write([]byte(payload))
	return m.Sum(nil)[:20]
}

// authorize checks the bearer token of a request: 401 when it is missing,
// unknown or expired, 403 when it was issued for another endpoint URL:
// another scheme, host, port or path.
func (s *Server) authorize(r *http.Request) error {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errUnauthorized("Unauthorized: Authorization: Bearer <token> is required")
	}
	exp, scope, ok := s.parseToken(strings.TrimSpace(token))
	if !ok {
		return errUnauthorized("Unauthorized: the bearer token is not valid")
	}
	if !s.Now().Before(exp) {
		return errUnauthorized("Unauthorized: the bearer token has expired")
	}
	if scope != requestScope(r) {
		return &apiError{status: http.StatusForbidden, msg: "Forbidden: the token was issued for another ApiEndpoint (its scheme, host and path must be those of the request)"}
	}
	return nil
}

func (s *Server) parseToken(token string) (exp time.Time, scope string, ok bool) {
	p, m, found := strings.Cut(token, ".")
	if !found {
		return time.Time{}, "", false
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.tokenMAC(string(payload))) {
		return time.Time{}, "", false
	}
	secs, scope, found := strings.Cut(string(payload), " ")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !found || err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(n, 0), scope, true
}
