package telegent

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenLifetime(t *testing.T) {
	now := time.Date(2025, 5, 2, 18, 31, 13, 0, time.UTC)
	tests := []struct {
		name   string
		expiry string
		want   time.Duration
	}{
		{"five minutes", "05/02/2025 06:36:13 PM", 5 * time.Minute},
		{"morning", "05/03/2025 09:00:00 AM", 14*time.Hour + 28*time.Minute + 47*time.Second},
		{"noon is PM", "05/02/2025 12:31:13 PM", fallbackLifetime}, // six hours ago
		{"unpadded", "5/2/2025 6:41:13 PM", 10 * time.Minute},
		{"rfc3339", "2025-05-02T18:33:13Z", 2 * time.Minute},
		{"already past", "05/02/2025 06:30:13 PM", fallbackLifetime},
		{"exactly now", "05/02/2025 06:31:13 PM", fallbackLifetime},
		{"more than a day ahead", "05/04/2025 06:31:13 PM", fallbackLifetime},
		{"read as UTC, not local", "05/02/2025 11:31:13 PM", 5 * time.Hour},
		{"empty", "", fallbackLifetime},
		{"garbage", "soon", fallbackLifetime},
		{"24h clock", "05/02/2025 18:36:13", fallbackLifetime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenLifetime(tt.expiry, now); got != tt.want {
				t.Errorf("tokenLifetime(%q) = %v, want %v", tt.expiry, got, tt.want)
			}
		})
	}
}

func TestRefreshMargin(t *testing.T) {
	tests := []struct {
		lifetime, want time.Duration
	}{
		{5 * time.Minute, 30 * time.Second},
		{150 * time.Second, 30 * time.Second},
		{60 * time.Second, 12 * time.Second},
		{10 * time.Second, 2 * time.Second},
		{0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			if got := refreshMargin(tt.lifetime); got != tt.want {
				t.Errorf("refreshMargin(%v) = %v, want %v", tt.lifetime, got, tt.want)
			}
		})
	}
}

// fakeClock is a settable clock for the token cache.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTokenCacheRefreshesBeforeExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var fetches atomic.Int32
	cache := newTokenCache(func(context.Context, string) (string, time.Duration, error) {
		n := fetches.Add(1)
		return "tok" + string(rune('0'+n)), 5 * time.Minute, nil
	}, clock.now)
	ctx := context.Background()

	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "tok1"},
		{4 * time.Minute, "tok1"},
		{29 * time.Second, "tok1"}, // 4m29s: still before the 30s margin
		{time.Second, "tok2"},      // 4m30s: refreshed
		{time.Minute, "tok2"},
	}
	for i, s := range steps {
		clock.add(s.advance)
		got, err := cache.get(ctx, "scope", time.Time{})
		if err != nil {
			t.Fatalf("step %d: get: %v", i, err)
		}
		if got != s.want {
			t.Errorf("step %d: got token %q, want %q", i, got, s.want)
		}
	}
}

func TestTokenCacheOneFetchPerScope(t *testing.T) {
	release := make(chan struct{})
	slowStarted := make(chan struct{})
	var fetches sync.Map // scope -> *atomic.Int32
	cache := newTokenCache(func(ctx context.Context, scope string) (string, time.Duration, error) {
		n, _ := fetches.LoadOrStore(scope, new(atomic.Int32))
		if n.(*atomic.Int32).Add(1) == 1 && scope == "slow" {
			close(slowStarted)
		}
		if scope == "slow" {
			select {
			case <-release:
			case <-ctx.Done():
				return "", 0, ctx.Err()
			}
		}
		return "token-for-" + scope, time.Minute, nil
	}, time.Now)
	ctx := context.Background()

	const workers = 50
	var wg sync.WaitGroup
	got := make([]string, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() { got[i], errs[i] = cache.get(ctx, "slow", time.Time{}) })
	}
	// While the slow scope is being fetched, another scope is not held up.
	<-slowStarted
	if tok, err := cache.get(ctx, "fast", time.Time{}); err != nil || tok != "token-for-fast" {
		t.Errorf("get(fast) while slow is in flight = %q, %v; want token-for-fast", tok, err)
	}
	close(release)
	wg.Wait()
	for i := range workers {
		if errs[i] != nil || got[i] != "token-for-slow" {
			t.Fatalf("worker %d: got %q, %v; want token-for-slow", i, got[i], errs[i])
		}
	}
	n, _ := fetches.Load("slow")
	if c := n.(*atomic.Int32).Load(); c != 1 {
		t.Errorf("fetches for one scope = %d, want 1", c)
	}
}

func TestTokenCacheFetchAgainWhenFetcherGaveUp(t *testing.T) {
	started := make(chan struct{})
	var fetches atomic.Int32
	cache := newTokenCache(func(ctx context.Context, _ string) (string, time.Duration, error) {
		if fetches.Add(1) == 1 {
			close(started)
			<-ctx.Done() // the first fetcher's caller gives up
			return "", 0, ctx.Err()
		}
		return "second", time.Minute, nil
	}, time.Now)

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := cache.get(leaderCtx, "s", time.Time{})
		leaderErr <- err
	}()
	<-started
	waiter := make(chan string, 1)
	go func() {
		tok, _ := cache.get(context.Background(), "s", time.Time{})
		waiter <- tok
	}()
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader error = %v, want context.Canceled", err)
	}
	if tok := <-waiter; tok != "second" {
		t.Errorf("waiter token = %q, want the one fetched after the leader gave up", tok)
	}
}

func TestTokenCacheSharesFetchError(t *testing.T) {
	boom := errors.New("boom")
	cache := newTokenCache(func(context.Context, string) (string, time.Duration, error) {
		return "", 0, boom
	}, time.Now)
	if _, err := cache.get(context.Background(), "s", time.Time{}); !errors.Is(err, boom) {
		t.Errorf("get = %v, want the fetch error", err)
	}
}

func TestTokenCacheDrop(t *testing.T) {
	var fetches atomic.Int32
	cache := newTokenCache(func(context.Context, string) (string, time.Duration, error) {
		return "tok" + string(rune('0'+fetches.Add(1))), time.Hour, nil
	}, time.Now)
	ctx := context.Background()
	first, _ := cache.get(ctx, "s", time.Time{})
	cache.drop("s", first)
	second, _ := cache.get(ctx, "s", time.Time{})
	if second == first {
		t.Fatalf("after drop, got the dropped token %q again", first)
	}
	cache.drop("s", first) // stale: a later token stays
	if third, _ := cache.get(ctx, "s", time.Time{}); third != second {
		t.Errorf("dropping a stale token replaced the current one: got %q, want %q", third, second)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

// After a refusal, a token whose fetch started before the refused request
// was sent may be just as stale (the server's clock may have jumped past
// both): the re-authentication gets a newer one, even when such a token is
// cached or still being fetched.
func TestTokenCacheNotBefore(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	var fetches atomic.Int32
	cache := newTokenCache(func(ctx context.Context, _ string) (string, time.Duration, error) {
		n := fetches.Add(1)
		started <- struct{}{}
		if n == 3 {
			<-release // the third fetch is slow
		}
		return "tok" + string(rune('0'+n)), time.Hour, nil
	}, time.Now)
	ctx := context.Background()

	first, _ := cache.get(ctx, "s", time.Time{})
	if tok, _ := cache.get(ctx, "s", time.Now()); tok == first {
		t.Fatalf("got the cached %q, fetched before notBefore", tok)
	}
	<-started
	<-started

	// A fetch in flight, started before a refused request was sent...
	cache.drop("s", "tok2")
	slow := make(chan string, 1)
	go func() {
		tok, _ := cache.get(ctx, "s", time.Time{})
		slow <- tok
	}()
	<-started
	refusedSent := time.Now()
	fresh := make(chan string, 1)
	go func() {
		tok, _ := cache.get(ctx, "s", refusedSent)
		fresh <- tok
	}()
	close(release)
	if tok := <-slow; tok != "tok3" {
		t.Errorf("caller with no constraint got %q, want the slow fetch's tok3", tok)
	}
	// ...does not do for the re-authentication: it fetches anew.
	if tok := <-fresh; tok != "tok4" {
		t.Errorf("re-authentication got %q, want tok4 fetched after the refused request", tok)
	}
}
