package sandbox

import (
	"math/rand/v2"
	"net/http"
	"sync"
)

// echoFault plays an API whose validation errors quote the request: a
// share of POSTs (the token endpoint's included) is answered 400 with a
// Message holding the whole body as received, which the answer's JSON
// encoding escapes once more. The request's secrets come back in it,
// JSON-escaped, and often beyond the 512 characters a client keeps of a
// message: what a client must mask before it logs or stores anything.
// Nothing is changed by such a request.
type echoFault struct {
	mu   sync.Mutex
	rnd  *rand.Rand
	rate float64
}

func (e *echoFault) init(seed1, seed2 uint64, rate float64) {
	e.rnd = rand.New(rand.NewPCG(seed1, seed2))
	e.rate = rate
}

// SetEchoRate changes the echo rate (Options.EchoRate); the value is clamped
// to [0, 1].
func (s *Server) SetEchoRate(rate float64) {
	s.echo.mu.Lock()
	defer s.echo.mu.Unlock()
	s.echo.rate = clamp01(rate)
}

// answer returns the 400 quoting body, and true, for the share of POSTs
// the fault takes.
func (e *echoFault) answer(method string, body []byte) (reply, bool) {
	if method != http.MethodPost {
		return reply{}, false
	}
	e.mu.Lock()
	hit := e.rate > 0 && e.rnd.Float64() < e.rate
	e.mu.Unlock()
	if !hit {
		return reply{}, false
	}
	return errorReply(errBadRequest("The request is invalid: %s", body)), true
}
