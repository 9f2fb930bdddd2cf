package telegent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Class tells the runner what to do with an error.
type Class int

const (
	ClassNone    Class = iota // nil error
	ClassRetry                // transient; the call may be made again later
	ClassFailRow              // the row is wrong or refused (400/403/404/409, validation)
	ClassAbort                // the run cannot go on (credentials rejected)
	ClassUnknown              // a create may have been applied; reconcile, never re-send blindly
)

// String names the class for logs and results.
func (c Class) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassRetry:
		return "retry"
	case ClassFailRow:
		return "fail-row"
	case ClassAbort:
		return "abort"
	case ClassUnknown:
		return "unknown"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// ErrOutcomeUnknown is wrapped by errors from create calls whose request may
// have been applied although no answer arrived.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// ErrCredentials is wrapped when the token endpoint rejects the key/secret.
var ErrCredentials = errors.New("credentials rejected")

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the length of Error.Message.
const maxMessage = 512

// Error is a failed API call: the API's answer when there was one (Status
// and the API's Message), or what went wrong getting it (Status 0).
// It never holds a body, a token or a secret.
type Error struct {
	Op         string        // endpoint without /v1.0/, e.g. "subscribers/create"
	Status     int           // HTTP status; 0 when no answer arrived
	Message    string        // the API's message, or the status text, or what failed
	RetryAfter time.Duration // the server's Retry-After, if it sent one

	err error // *unknownError, ErrCredentials, a context error, or the transport failure
}

// Error formats as "subscribers/create: 409 Email already exists".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteByte(' ')
	}
	b.WriteString(e.Message)
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return b.String()
}

// Unwrap gives access to ErrOutcomeUnknown, ErrCredentials and the network
// or context error behind e.
func (e *Error) Unwrap() error { return e.err }

// unknownError marks a create whose outcome is unknown. It wraps both
// ErrOutcomeUnknown and the cause, if any: the network error or the
// caller's context error.
type unknownError struct{ cause error }

func (u *unknownError) Error() string {
	if u.cause == nil {
		return ErrOutcomeUnknown.Error()
	}
	return u.cause.Error() + ": " + ErrOutcomeUnknown.Error()
}

func (u *unknownError) Unwrap() []error {
	if u.cause == nil {
		return []error{ErrOutcomeUnknown}
	}
	return []error{ErrOutcomeUnknown, u.cause}
}

// transportError marks a failure to obtain an HTTP answer at all: the
// connection could not be made, broke, or timed out.
type transportError struct {
	err error
	msg string // what Error says, secrets masked (net/http quotes a malformed answer); "" for err's own text
}

func (t *transportError) Error() string {
	if t.msg != "" {
		return t.msg
	}
	// A *url.Error repeats method and URL, which the Op already says.
	var ue *url.Error
	if errors.As(t.err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return t.err.Error()
}

func (t *transportError) Unwrap() error { return t.err }

// Classify tells what to do about err. It looks only at error types and
// status codes, never at messages.
//
//   - ClassNone: err is nil.
//   - ClassUnknown: err wraps ErrOutcomeUnknown: a create whose answer was
//     lost (a 502 or 504, no answer after the request was written, or the
//     caller's context ending after the request was written). Such an
//     error still wraps its cause: errors.Is(err, context.Canceled) or
//     errors.As(err, new(net.Error)) hold as they would without it.
//   - ClassAbort: err wraps ErrCredentials.
//   - ClassRetry: a network error, a timed-out attempt, a context deadline,
//     or status 408, 429, 500, 502, 503 or 504 after the client's own
//     retries ran out, or a 401 that outlived re-authentication (fresh
//     tokens refused: token trouble, not the row's fault). A
//     context.Canceled from the caller is ClassRetry too (nothing is wrong
//     with the row), unless it ended a create already sent (ClassUnknown).
//   - ClassFailRow: any other status (400, 403, 404, 405, 409, 415, 422,
//     ...), an answer that could not be decoded, or an invalid request.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		return ClassUnknown
	}
	if errors.Is(err, ErrCredentials) {
		return ClassAbort
	}
	var ae *Error
	if errors.As(err, &ae) && ae.Status != 0 {
		if retryableStatus(ae.Status) || ae.Status == http.StatusUnauthorized {
			return ClassRetry
		}
		return ClassFailRow
	}
	var te *transportError
	if errors.As(err, &te) {
		return ClassRetry
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassRetry
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ClassRetry
	}
	return ClassFailRow
}

// NoAnswer reports whether err is a failure to get any HTTP answer at all:
// the connection could not be made or broke, or an attempt timed out. The
// caller's own context ending is not one. An answer, even a 500 or a 429,
// is not one either: the API is there.
func NoAnswer(err error) bool {
	var te *transportError
	return errors.As(err, &te) && !errors.Is(err, context.Canceled)
}

// retryableStatus reports whether an answer with this status says "try again
// later" for a call that may safely be repeated.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// apiError builds the *Error for a non-2xx answer from its (already
// size-limited) body. The message is the API's own when the body is an
// ErrorBody or a token answer with an error, else the status text. Every
// secret in secrets is masked out of it, in every spelling (see redact),
// before it is made to fit on a line: collapsing whitespace or cutting
// the message first would hide a secret from the mask.
func apiError(op string, status int, body []byte, retryAfter time.Duration, secrets []string) *Error {
	msg := clean(redact(messageFrom(body), secrets))
	if msg == "" {
		msg = http.StatusText(status)
	}
	if msg == "" {
		msg = "unexpected status"
	}
	return &Error{Op: op, Status: status, Message: msg, RetryAfter: retryAfter}
}

// messageFrom extracts the API's message from an error body, as it came,
// or "".
func messageFrom(body []byte) string {
	var eb struct {
		ErrorBody
		Error string `json:"error"`
	}
	if len(body) == 0 || json.Unmarshal(body, &eb) != nil {
		return ""
	}
	if eb.Message != "" {
		return eb.Message
	}
	return eb.Error
}

// clean makes an API message fit on one line of a log or spreadsheet cell.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "…"
	}
	return s
}

// readLimited reads at most limit bytes of r and drains a little more so
// that the connection can be reused.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	var b bytes.Buffer
	err := readLimitedInto(&b, r, limit)
	return b.Bytes(), err
}

// readLimitedInto is readLimited appending to buf.
func readLimitedInto(buf *bytes.Buffer, r io.Reader, limit int64) error {
	_, err := buf.ReadFrom(io.LimitReader(r, limit))
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<10))
	}
	return err
}
