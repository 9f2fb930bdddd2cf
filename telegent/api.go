package telegent

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// CONTRACT FILE: the signatures below are what the rest of the project
// calls. Implementations replace the panics; signatures do not change
// without updating every caller.

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

// Class tells the runner what to do with an error.
type Class int

const (
	ClassNone    Class = iota // nil error
	ClassRetry                // transient; the call may be made again later
	ClassFailRow              // the row is wrong or refused (400/403/404/409, validation)
	ClassAbort                // the run cannot go on (credentials rejected)
	ClassUnknown              // a create may have been applied; reconcile, never re-send blindly
)

// ErrOutcomeUnknown is wrapped by errors from create calls whose request may
// have been applied although no answer arrived.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// ErrCredentials is wrapped when the token endpoint rejects the key/secret.
var ErrCredentials = errors.New("credentials rejected")

// InventoryFilter narrows GET /v1.0/numbers/inventory.
type InventoryFilter struct {
	PhoneNumber  string
	SubscriberId string
	AccountId    string
	Status       string
}

var _ = context.Background
