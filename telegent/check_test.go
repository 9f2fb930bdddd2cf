package telegent_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// CheckToken reads a token's expiry against this machine's clock: an
// expiry in the past or more than a day ahead is a skew; a refused secret
// wraps ErrCredentials; and the token it got serves the calls that follow.
func TestCheckToken(t *testing.T) {
	t.Parallel()
	var expiry atomic.Value
	var tokens, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != telegent.PathToken {
			calls.Add(1)
			json.NewEncoder(w).Encode(telegent.PackageList{Results: []telegent.Package{}})
			return
		}
		tokens.Add(1)
		var in telegent.TokenRequest
		json.NewDecoder(r.Body).Decode(&in)
		if in.AccountSecret != "s" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(telegent.TokenResponse{Token: "t", Successful: true, TokenExpiry: expiry.Load().(string)})
	}))
	defer srv.Close()
	client := func(secret string) *telegent.Client {
		c, err := telegent.New(telegent.Config{BaseURL: srv.URL, AccountKey: "k", AccountSecret: secret,
			Limiter: telegent.NewLimiter(1000, 10)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const layout = "01/02/2006 03:04:05 PM"
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		expiry time.Time
		skew   func(time.Duration) bool
	}{
		{"five minutes ahead", time.Now().UTC().Add(5 * time.Minute), func(d time.Duration) bool { return d == 0 }},
		{"an hour ago", time.Now().UTC().Add(-time.Hour), func(d time.Duration) bool { return d < -50*time.Minute }},
		{"two days ahead", time.Now().UTC().Add(48 * time.Hour), func(d time.Duration) bool { return d > 23*time.Hour }},
	} {
		expiry.Store(c.expiry.Format(layout))
		tc, err := client("s").CheckToken(ctx, telegent.PathAccountPackages)
		if err != nil || !c.skew(tc.Skew) {
			t.Errorf("%s: skew %s, %v", c.name, tc.Skew, err)
		}
	}
	if _, err := client("wrong").CheckToken(ctx, telegent.PathAccountPackages); !errors.Is(err, telegent.ErrCredentials) {
		t.Errorf("a refused secret: %v, want ErrCredentials", err)
	}

	expiry.Store(time.Now().UTC().Add(5 * time.Minute).Format(layout))
	c := client("s")
	if _, err := c.CheckToken(ctx, telegent.PathAccountPackages); err != nil {
		t.Fatal(err)
	}
	before := tokens.Load()
	if _, err := c.Packages(ctx); err != nil {
		t.Fatal(err)
	}
	if tokens.Load() != before || calls.Load() != 1 {
		t.Errorf("the call after CheckToken fetched %d more tokens, want 0 (it has the checked one)", tokens.Load()-before)
	}
}
