package sandbox

import (
	"maps"
	"net/http"
	"time"

	"telegent-bulk/telegent"
)

// The inspection endpoints under /_sandbox/: no token, no faults, no rate
// limit, but counted in the stats like every request.

// State is every resource the sandbox holds, each list sorted by its ID (by
// phone number for Numbers and DataUsage). It never holds a secret.
type State struct {
	Accounts         []telegent.Account
	Subscribers      []telegent.Subscriber
	MessageRoutes    []telegent.MessageRoute
	VoiceRoutes      []telegent.VoiceRoute
	Numbers          []telegent.Number
	Orders           []telegent.OrderDetails
	Subscriptions    []telegent.Subscription
	Packages         []telegent.Package
	GuardianFeatures []telegent.GuardianFeatures
	MessageFilters   []telegent.MessageFilter
	DataUsage        []telegent.DataUsageResponse // one per number
}

// Stats counts requests by "METHOD /path" (without query), then by status
// code, as in {"requests": {"POST /v1.0/subscribers/create": {"200": 12,
// "400": 1}}}.
//
//   - A path the sandbox serves is counted under its documented spelling
//     (lower case: the API matches paths without regard to case), so
//     "POST /v1.0/OAuth2/tokens" counts as "POST /v1.0/oauth2/tokens".
//   - Every other path is counted under one key per method, such as
//     "GET (unknown path)"; a method other than the nine standard ones
//     counts as "OTHER". The stats therefore stay small whatever clients
//     send.
//   - A connection that LoseRate dropped without an answer counts under
//     status "0" (no HTTP status was sent); a lost answer sent as a 504
//     counts under "504".
type Stats struct {
	Requests map[string]map[string]int `json:"requests"`
}

// State returns a snapshot of every resource, with port orders moved to the
// current virtual time. It is what GET /_sandbox/state answers. After Close
// it returns the zero State (the endpoint answers 503).
func (s *Server) State() State {
	var state State
	s.locked(func(st *store) (any, error) {
		st.settleAll()
		orders := st.orders.sorted()
		details := make([]telegent.OrderDetails, len(orders))
		for i, o := range orders {
			details[i] = o.OrderDetails
		}
		state = State{
			Accounts:         st.accounts.sorted(),
			Subscribers:      st.subscribers.sorted(),
			MessageRoutes:    wireRows(st.messageRoutes.sorted(), func(r messageRouteRow) telegent.MessageRoute { return r.MessageRoute }),
			VoiceRoutes:      wireRows(st.voiceRoutes.sorted(), func(r voiceRouteRow) telegent.VoiceRoute { return r.VoiceRoute }),
			Numbers:          st.numbers.sorted(),
			Orders:           details,
			Subscriptions:    st.subscriptions.sorted(),
			Packages:         append([]telegent.Package(nil), packages...),
			GuardianFeatures: st.guardian.sorted(),
			MessageFilters:   st.filters.sorted(),
			DataUsage:        st.dataUsage.sorted(),
		}
		for i := range state.Accounts {
			state.Accounts[i].TotalSubscribers = st.subsPerAccount[state.Accounts[i].AccountId]
		}
		return nil, nil
	})
	return state
}

// wireRows converts the rows of a table to the wire type State holds.
func wireRows[R, W any](rows []R, wire func(R) W) []W {
	out := make([]W, len(rows))
	for i, r := range rows {
		out[i] = wire(r)
	}
	return out
}

// Stats returns a copy of the request counts. It is what GET /_sandbox/stats
// answers.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := Stats{Requests: make(map[string]map[string]int, len(s.stats))}
	for k, v := range s.stats {
		out.Requests[k] = maps.Clone(v)
	}
	return out
}

type advanceResponse struct {
	Now string `json:"now"`
}

// inspectPaths are the paths served under /_sandbox/.
var inspectPaths = []string{pathState, pathStats, pathAdvance}

const (
	pathState   = "/_sandbox/state"
	pathStats   = "/_sandbox/stats"
	pathAdvance = "/_sandbox/advance"
)

func (s *Server) serveInspect(r *http.Request) reply {
	var method string
	switch r.URL.Path {
	case pathState, pathStats:
		method = http.MethodGet
	case pathAdvance:
		method = http.MethodPost
	default:
		return errorReply(errNotFound("no such endpoint"))
	}
	if r.Method != method {
		return methodNotAllowed(method)
	}
	switch r.URL.Path {
	case pathState:
		return okReply(s.State())
	case pathStats:
		return okReply(s.Stats())
	}
	d, err := time.ParseDuration(param(r.URL.Query(), "by"))
	if err != nil || d <= 0 {
		return errorReply(errBadRequest("by must be a positive duration such as 72h"))
	}
	s.Advance(d)
	return okReply(advanceResponse{Now: s.Now().Format(time.RFC3339)})
}
