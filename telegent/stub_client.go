package telegent

// STUB: replaced by the real implementation (client.go, token.go, retry.go,
// limiter.go, errors.go). Delete this file when those exist.

import (
	"context"
	"time"
)

type Client struct{}

func New(cfg Config) (*Client, error) { panic("unimplemented") }

type Error struct {
	Op         string
	Status     int
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Op }

func Classify(err error) Class { panic("unimplemented") }

type Limiter struct{}

func NewLimiter(rps float64, burst int) *Limiter      { panic("unimplemented") }
func (l *Limiter) Wait(ctx context.Context) error     { panic("unimplemented") }
func (l *Limiter) Throttled(retryAfter time.Duration) { panic("unimplemented") }
func (l *Limiter) Succeeded()                         { panic("unimplemented") }
func (l *Limiter) Rate() float64                      { panic("unimplemented") }

func (c *Client) CreateAccount(ctx context.Context, r AccountCreateRequest) (*Account, error) {
	panic("unimplemented")
}
func (c *Client) ListAccounts(ctx context.Context) ([]Account, error) { panic("unimplemented") }
func (c *Client) CreateSubscriber(ctx context.Context, r SubscriberCreateRequest) (*Subscriber, error) {
	panic("unimplemented")
}
func (c *Client) ListSubscribers(ctx context.Context) ([]Subscriber, error) { panic("unimplemented") }
func (c *Client) CreateMessageRoute(ctx context.Context, r MessageRouteCreateRequest) (*MessageRoute, error) {
	panic("unimplemented")
}
func (c *Client) ListMessageRoutes(ctx context.Context, accountID string) ([]MessageRoute, error) {
	panic("unimplemented")
}
func (c *Client) CreateVoiceRoute(ctx context.Context, r VoiceRouteCreateRequest) (*VoiceRoute, error) {
	panic("unimplemented")
}
func (c *Client) ListVoiceRoutes(ctx context.Context) ([]VoiceRoute, error) { panic("unimplemented") }
func (c *Client) Availability(ctx context.Context, r AvailabilityRequest) (*AvailabilityResponse, error) {
	panic("unimplemented")
}
func (c *Client) Provision(ctx context.Context, r ProvisionRequest) (*ProvisionResponse, error) {
	panic("unimplemented")
}
func (c *Client) UpdateNumber(ctx context.Context, r NumberUpdateRequest) (*Number, error) {
	panic("unimplemented")
}
func (c *Client) Inventory(ctx context.Context, f InventoryFilter) ([]Number, error) {
	panic("unimplemented")
}
func (c *Client) Order(ctx context.Context, orderID string) (*OrderDetails, error) {
	panic("unimplemented")
}
func (c *Client) PortInEligibility(ctx context.Context, r EligibilityRequest) (*EligibilityResponse, error) {
	panic("unimplemented")
}
func (c *Client) PortIn(ctx context.Context, r PortInRequest) (*PortInResponse, error) {
	panic("unimplemented")
}
func (c *Client) UpdatePortIn(ctx context.Context, r PortInUpdateRequest) (*PortInUpdateResponse, error) {
	panic("unimplemented")
}
func (c *Client) CancelPortIn(ctx context.Context, orderID string) (*PortInCancelResponse, error) {
	panic("unimplemented")
}
func (c *Client) PortOut(ctx context.Context, r PortOutRequest) (*PortOutResponse, error) {
	panic("unimplemented")
}
func (c *Client) SetDataUsage(ctx context.Context, r DataUsageRequest) (*DataUsageResponse, error) {
	panic("unimplemented")
}
func (c *Client) Packages(ctx context.Context) ([]Package, error) { panic("unimplemented") }
func (c *Client) CreateSubscription(ctx context.Context, r SubscriptionCreateRequest) (*Subscription, error) {
	panic("unimplemented")
}
func (c *Client) ListSubscriptions(ctx context.Context) ([]Subscription, error) {
	panic("unimplemented")
}
func (c *Client) SetGuardianFeatures(ctx context.Context, r GuardianFeatures) (*GuardianFeatures, error) {
	panic("unimplemented")
}
func (c *Client) CreateMessageFilter(ctx context.Context, r MessageFilterRequest) (*MessageFilter, error) {
	panic("unimplemented")
}
func (c *Client) ListMessageFilters(ctx context.Context, subscriberID, phone string) ([]MessageFilter, error) {
	panic("unimplemented")
}
