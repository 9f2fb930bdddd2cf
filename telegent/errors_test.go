package telegent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"api answer", &Error{Op: "subscribers/create", Status: 409, Message: "Email already exists"},
			"subscribers/create: 409 Email already exists"},
		{"outcome unknown", &Error{Op: "numbers/provision", Status: 504, Message: "Gateway Timeout", err: ErrOutcomeUnknown},
			"numbers/provision: 504 Gateway Timeout: outcome unknown"},
		{"no answer", &Error{Op: "numbers/inventory", Message: "no response",
			err: &transportError{err: &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v1.0/numbers/inventory", Err: io.ErrUnexpectedEOF}}},
			"numbers/inventory: no response: unexpected EOF"},
		{"local", &Error{Op: "numbers/order", Message: "OrderId is required"}, "numbers/order: OrderId is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	status := func(code int) error { return &Error{Op: "x", Status: code, Message: "m"} }
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ClassNone},
		{"outcome unknown", &Error{Op: "x", Status: 504, err: ErrOutcomeUnknown}, ClassUnknown},
		{"outcome unknown wrapped", fmt.Errorf("step: %w", &Error{Op: "x", err: ErrOutcomeUnknown}), ClassUnknown},
		{"credentials", &Error{Op: "oauth2/tokens", Status: 401, err: ErrCredentials}, ClassAbort},
		{"credentials bare", fmt.Errorf("run: %w", ErrCredentials), ClassAbort},
		{"408", status(408), ClassRetry},
		{"429", status(429), ClassRetry},
		{"500", status(500), ClassRetry},
		{"502", status(502), ClassRetry},
		{"503", status(503), ClassRetry},
		{"504 idempotent", status(504), ClassRetry},
		{"400", status(400), ClassFailRow},
		{"401 after re-auth", status(401), ClassRetry},
		{"403", status(403), ClassFailRow},
		{"404", status(404), ClassFailRow},
		{"405", status(405), ClassFailRow},
		{"409", status(409), ClassFailRow},
		{"415", status(415), ClassFailRow},
		{"422", status(422), ClassFailRow},
		{"501", status(501), ClassFailRow},
		{"wrapped status", fmt.Errorf("subscribers/x: %w", status(409)), ClassFailRow},
		{"decode", &Error{Op: "x", Status: 200, Message: "decode answer: bad"}, ClassFailRow},
		{"no answer", &Error{Op: "x", Message: "no response", err: &transportError{err: netErr}}, ClassRetry},
		{"raw net error", netErr, ClassRetry},
		{"attempt deadline", &Error{Op: "x", Message: "no response", err: &transportError{err: context.DeadlineExceeded}}, ClassRetry},
		{"caller cancel", context.Canceled, ClassRetry},
		{"caller deadline", context.DeadlineExceeded, ClassRetry},
		{"local validation", &Error{Op: "numbers/order", Message: "OrderId is required"}, ClassFailRow},
		{"other", errors.New("something else"), ClassFailRow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		secrets []string
		want    string
	}{
		{"error body", 409, `{"StatusCode":409,"Message":"Email already exists"}`, nil, "Email already exists"},
		{"lower-case keys", 400, `{"statusCode":400,"message":"Email is required"}`, nil, "Email is required"},
		{"token error field", 401, `{"successful":false,"error":"invalid key"}`, nil, "invalid key"},
		{"empty body", 503, ``, nil, "Service Unavailable"},
		{"html body", 502, `<html>bad gateway</html>`, nil, "Bad Gateway"},
		{"json without message", 404, `{"StatusCode":404}`, nil, "Not Found"},
		{"unknown status", 599, ``, nil, "unexpected status"},
		{"multi-line message", 400, `{"Message":"line one\n\tline two"}`, nil, "line one line two"},
		{"secret echoed", 400, `{"Message":"PIN 48213 is invalid"}`, []string{"", "48213"}, "PIN *** is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := apiError("op", tt.status, []byte(tt.body), 3*time.Second, tt.secrets)
			if e.Message != tt.want {
				t.Errorf("Message = %q, want %q", e.Message, tt.want)
			}
			if e.Status != tt.status || e.Op != "op" || e.RetryAfter != 3*time.Second {
				t.Errorf("got %+v, want Op op, Status %d, RetryAfter 3s", e, tt.status)
			}
		})
	}
}

func TestAPIErrorLongMessageIsCut(t *testing.T) {
	body := `{"Message":"` + strings.Repeat("é", 2*maxMessage) + `"}`
	e := apiError("op", 400, []byte(body), 0, nil)
	if len(e.Message) > maxMessage+len("…") {
		t.Errorf("message length = %d, want at most %d", len(e.Message), maxMessage+len("…"))
	}
	if !strings.HasSuffix(e.Message, "…") {
		t.Errorf("cut message %q does not say it was cut", e.Message[len(e.Message)-10:])
	}
}

func TestReadLimited(t *testing.T) {
	src := strings.NewReader(strings.Repeat("x", 3*maxErrorBody))
	b, err := readLimited(src, maxErrorBody)
	if err != nil {
		t.Fatalf("readLimited: %v", err)
	}
	if len(b) != maxErrorBody {
		t.Errorf("read %d bytes, want %d", len(b), maxErrorBody)
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{ClassNone: "none", ClassRetry: "retry", ClassFailRow: "fail-row",
		ClassAbort: "abort", ClassUnknown: "unknown", Class(42): "class(42)"} {
		if got := c.String(); got != want {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), got, want)
		}
	}
}

func TestPortOpen(t *testing.T) {
	for status, want := range map[string]bool{
		"Pending": true, "Submitted": true, "Pending Carrier Approval": true, "scheduled": true,
		"Completed": false, "Complete": false, "Rejected": false, "Cancelled": false, "": false,
	} {
		if got := PortOpen(status); got != want {
			t.Errorf("PortOpen(%q) = %v, want %v", status, got, want)
		}
	}
}

func TestNoAnswer(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"refused", &Error{Op: "x", Message: "no response", err: &transportError{err: netErr}}, true},
		{"attempt timed out", &Error{Op: "x", Message: "no response", err: &transportError{err: context.DeadlineExceeded}}, true},
		{"wrapped", fmt.Errorf("step: %w", &Error{Op: "x", err: &transportError{err: netErr}}), true},
		{"create sent, answer lost", outcomeUnknown(&Error{Op: "x", err: &transportError{err: io.ErrUnexpectedEOF}}), true},
		{"the caller gave up", &Error{Op: "x", Message: "no response", err: &transportError{err: context.Canceled}}, false},
		{"500", &Error{Op: "x", Status: 500, Message: "m"}, false},
		{"429", &Error{Op: "x", Status: 429, Message: "m"}, false},
		{"caller cancel", context.Canceled, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := NoAnswer(tt.err); got != tt.want {
			t.Errorf("%s: NoAnswer(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
