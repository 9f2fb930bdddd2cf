package telegent

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Calls come in two kinds. Idempotent ones read, or set a state that a
// repetition sets again; they are retried freely. Creates make something new
// on every call; they are retried only when the request surely was not
// applied.
const (
	idempotent = true
	create     = false
)

// opName is the name of an endpoint in errors: its path without /v1.0/.
func opName(path string) string { return strings.TrimPrefix(path, "/v1.0/") }

func (c *Client) post(ctx context.Context, path string, kind bool, body, out any, secrets ...string) error {
	return c.call(ctx, request{
		op: opName(path), method: http.MethodPost, path: path,
		body: body, idempotent: kind, secrets: secrets,
	}, out)
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.call(ctx, request{
		op: opName(path), method: http.MethodGet, path: path, query: q, idempotent: true,
	}, out)
}

// required fails a call whose mandatory argument is empty, without sending it.
func required(path, name, v string) error {
	if strings.TrimSpace(v) == "" {
		return &Error{Op: opName(path), Message: name + " is required"}
	}
	return nil
}

// query builds a query from name/value pairs, leaving out empty values.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// CreateAccount creates an account under the caller's distributor.
func (c *Client) CreateAccount(ctx context.Context, r AccountCreateRequest) (*Account, error) {
	var a Account
	if err := c.post(ctx, PathAccountCreate, create, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ListAccounts returns every account of the distributor. The endpoint is
// assumed (see the package doc): a 404 means accounts cannot be looked up.
func (c *Client) ListAccounts(ctx context.Context) ([]Account, error) {
	return listAll(ctx, c, PathDistributorAccounts, nil, func(l *AccountList) (int, []Account) {
		return l.TotalAccounts, l.Results
	})
}

// CreateSubscriber creates a subscriber. An email that already exists on
// the platform is refused: 400 "Email already exists" in the vendor's
// documents (an older page shows 409); both classify as ClassFailRow.
func (c *Client) CreateSubscriber(ctx context.Context, r SubscriberCreateRequest) (*Subscriber, error) {
	if r.PhoneNumbers == nil {
		r.PhoneNumbers = []string{}
	}
	var s Subscriber
	if err := c.post(ctx, PathSubscriberCreate, create, r, &s, r.Password); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListSubscribers returns every subscriber of every account of the
// distributor.
func (c *Client) ListSubscribers(ctx context.Context) ([]Subscriber, error) {
	return listAll(ctx, c, PathDistributorSubs, nil, func(l *SubscriberList) (int, []Subscriber) {
		return l.TotalSubscribers, l.Results
	})
}

// CreateMessageRoute creates a message route.
func (c *Client) CreateMessageRoute(ctx context.Context, r MessageRouteCreateRequest) (*MessageRoute, error) {
	var m MessageRoute
	err := c.post(ctx, PathMessageRoutes, create, r, &m, r.MessagePasswordToken, r.CallbackMessagePasswordToken)
	if err != nil {
		return nil, err
	}
	fillAccountID(&m)
	return &m, nil
}

// ListMessageRoutes returns the message routes of an account, or of the
// caller's account when accountID is empty.
func (c *Client) ListMessageRoutes(ctx context.Context, accountID string) ([]MessageRoute, error) {
	routes, err := listAll(ctx, c, PathAccountMessageRoutes, query("AccountId", accountID), func(l *MessageRouteList) (int, []MessageRoute) {
		return l.TotalRoutes, l.Results
	})
	for i := range routes {
		fillAccountID(&routes[i])
	}
	return routes, err
}

// fillAccountID copies the list endpoint's AccountID spelling into
// AccountId, so that callers read one field.
func fillAccountID(m *MessageRoute) {
	if m.AccountId == "" {
		m.AccountId = m.AccountID
	}
}

// CreateVoiceRoute creates a voice (call) route.
func (c *Client) CreateVoiceRoute(ctx context.Context, r VoiceRouteCreateRequest) (*VoiceRoute, error) {
	var v VoiceRoute
	if err := c.post(ctx, PathVoiceRoutes, create, r, &v, r.VoicePasswordToken); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListVoiceRoutes returns every voice route. The list form of the endpoint
// is assumed (see the package doc): a 404 means routes cannot be looked up.
func (c *Client) ListVoiceRoutes(ctx context.Context) ([]VoiceRoute, error) {
	return listAll(ctx, c, PathVoiceRoutes, nil, func(l *VoiceRouteList) (int, []VoiceRoute) {
		return l.TotalRoutes, l.Results
	})
}

// Availability counts the numbers that could be provisioned, by area.
func (c *Client) Availability(ctx context.Context, r AvailabilityRequest) (*AvailabilityResponse, error) {
	var a AvailabilityResponse
	if err := c.post(ctx, PathNumbersAvailability, idempotent, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Provision buys and activates a new number. It is never re-sent once the
// request may have reached the API: a second call buys a second number.
func (c *Client) Provision(ctx context.Context, r ProvisionRequest) (*ProvisionResponse, error) {
	var p ProvisionResponse
	if err := c.post(ctx, PathNumbersProvision, create, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateNumber binds a number to a subscriber, routes or SIM, or changes its
// capabilities.
func (c *Client) UpdateNumber(ctx context.Context, r NumberUpdateRequest) (*Number, error) {
	var n Number
	if err := c.post(ctx, PathNumbersUpdate, idempotent, r, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// Inventory returns the numbers matching f (every number when f is empty).
func (c *Client) Inventory(ctx context.Context, f InventoryFilter) ([]Number, error) {
	q := query("PhoneNumber", f.PhoneNumber, "SubscriberId", f.SubscriberId, "AccountId", f.AccountId, "Status", f.Status)
	return listAll(ctx, c, PathNumbersInventory, q, func(l *NumberList) (int, []Number) {
		return l.TotalNumbers, l.Results
	})
}

// Order returns the details of a provision or port order.
func (c *Client) Order(ctx context.Context, orderID string) (*OrderDetails, error) {
	if err := required(PathNumbersOrder, "OrderId", orderID); err != nil {
		return nil, err
	}
	var o OrderDetails
	if err := c.get(ctx, PathNumbersOrder, query("OrderId", orderID), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// PortInEligibility tells whether a number can be ported in.
func (c *Client) PortInEligibility(ctx context.Context, r EligibilityRequest) (*EligibilityResponse, error) {
	var e EligibilityResponse
	if err := c.post(ctx, PathPortInEligibility, idempotent, r, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// PortIn submits a port-in order. It is never re-sent once the request may
// have reached the API: a second call may open a second order.
func (c *Client) PortIn(ctx context.Context, r PortInRequest) (*PortInResponse, error) {
	var p PortInResponse
	if err := c.post(ctx, PathPortIn, create, r, &p, r.CurrentAccountPassword); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdatePortIn corrects an open or rejected port-in order.
func (c *Client) UpdatePortIn(ctx context.Context, r PortInUpdateRequest) (*PortInUpdateResponse, error) {
	if err := required(PathPortInUpdate, "OrderId", r.OrderId); err != nil {
		return nil, err
	}
	var u PortInUpdateResponse
	if err := c.post(ctx, PathPortInUpdate, idempotent, r, &u, r.CurrentAccountPassword); err != nil {
		return nil, err
	}
	return &u, nil
}

// CancelPortIn cancels a port-in order. Cancelling is final.
func (c *Client) CancelPortIn(ctx context.Context, orderID string) (*PortInCancelResponse, error) {
	if err := required(PathPortInCancel, "OrderId", orderID); err != nil {
		return nil, err
	}
	var p PortInCancelResponse
	if err := c.post(ctx, PathPortInCancel, idempotent, PortInCancelRequest{OrderId: orderID}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// PortOut issues a port-out PIN for an active number.
func (c *Client) PortOut(ctx context.Context, r PortOutRequest) (*PortOutResponse, error) {
	var p PortOutResponse
	if err := c.post(ctx, PathPortOut, create, r, &p, r.PortOutPIN); err != nil {
		return nil, err
	}
	return &p, nil
}

// SetDataUsage sets data limits on numbers provisioned with data.
func (c *Client) SetDataUsage(ctx context.Context, r DataUsageRequest) (*DataUsageResponse, error) {
	var d DataUsageResponse
	if err := c.post(ctx, PathDataUsage, idempotent, r, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Packages returns the packages the account can subscribe to, active or not.
func (c *Client) Packages(ctx context.Context) ([]Package, error) {
	var l PackageList
	if err := c.get(ctx, PathAccountPackages, query("Filter", "All"), &l); err != nil {
		return nil, err
	}
	return l.Results, nil
}

// CreateSubscription subscribes a subscriber (and optionally a number) to a
// package.
func (c *Client) CreateSubscription(ctx context.Context, r SubscriptionCreateRequest) (*Subscription, error) {
	var s Subscription
	if err := c.post(ctx, PathSubscriptions, create, r, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListSubscriptions returns every subscription of the distributor, active or
// not.
func (c *Client) ListSubscriptions(ctx context.Context) ([]Subscription, error) {
	return listAll(ctx, c, PathDistributorSubscript, query("Filter", "All"), func(l *SubscriptionList) (int, []Subscription) {
		return l.TotalSubscriptions, l.Results
	})
}

// SetGuardianFeatures turns a subscriber's AI Guardian features on or off.
func (c *Client) SetGuardianFeatures(ctx context.Context, r GuardianFeatures) (*GuardianFeatures, error) {
	var g GuardianFeatures
	if err := c.post(ctx, PathGuardianFeatures, idempotent, r, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// CreateMessageFilter creates a message filter on one of a subscriber's
// numbers.
func (c *Client) CreateMessageFilter(ctx context.Context, r MessageFilterRequest) (*MessageFilter, error) {
	var m MessageFilter
	if err := c.post(ctx, PathMessageFilter, create, r, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ListMessageFilters returns the message filters of a subscriber, of a phone
// number, or of both (empty arguments are left out of the query).
func (c *Client) ListMessageFilters(ctx context.Context, subscriberID, phone string) ([]MessageFilter, error) {
	var fs []MessageFilter
	if err := c.get(ctx, PathMessageFilter, query("SubscriberId", subscriberID, "Phone", phone), &fs); err != nil {
		return nil, err
	}
	return fs, nil
}

// PortOpen reports whether a port order in this status is still open:
// submitted and neither completed, rejected nor cancelled. The submit answer
// says Pending where order details say Submitted; both are open.
func PortOpen(status string) bool {
	for _, s := range []string{PortPending, PortSubmitted, PortPendingCarrierApproval, PortScheduled} {
		if strings.EqualFold(status, s) {
			return true
		}
	}
	return false
}
