package sandbox

import (
	"cmp"
	"fmt"
	"net/url"

	"telegent-bulk/telegent"
)

// The preloaded catalog and legacy base of docs/sandbox.md, and
// subscriptions to the catalog's packages.

// packages is the catalog every sandbox starts with. It never changes, so it
// is not saved in the data file.
var packages = []telegent.Package{
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000001", PackageName: "Starter 1GB", Description: "eSIM, Data 1GB, SMS Unlimited", Type: "mvno", Price: 15.00, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000002", PackageName: "Family 10GB", Description: "eSIM, Data 10GB, SMS Unlimited", Type: "mvno", Price: 39.99, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000003", PackageName: "Unlimited Premium", Description: "eSIM, Data Unlimited, SMS Unlimited", Type: "mvno", Price: 69.99, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000004", PackageName: "IoT Data 500MB", Description: "IoT Data 500MB", Type: "iot", Price: 5.00, Monthly: true, Active: true},
	{PackageId: "PID-5a1e0000-0000-4000-8000-000000000005", PackageName: "Travel Pass 5GB", Description: "Data 5GB for 30 days, charged once", Type: "mvno", Price: 25.00, Monthly: false, Active: true},
}

// distributorID is the distributor the sandbox's credentials stand for
// (AccountKey is a DID- value on the API). The lists that name their
// distributor name this one.
const distributorID = "DID-5a1e0000-0000-4000-8000-000000000009"

// The legacy base: an account, its subscriber and 20 active numbers that
// port-outs can be issued for.
const (
	legacyAccountID    = "AID-5a1e0000-0000-4000-8000-00000000000a"
	legacySubscriberID = "TSUID-5a1e0000-0000-4000-8000-00000000000b"
	legacyFirstNumber  = 13855550100
	legacyNumbers      = 20
)

// preload adds the legacy base to an empty state.
func (st *store) preload() {
	var phones []string
	// The legacy base was provisioned long before any migration.
	const legacyCreated = "2024-03-01T00:00:00Z"
	for i := range legacyNumbers {
		phone := fmt.Sprintf("+%d", legacyFirstNumber+i)
		phones = append(phones, phone)
		st.numbers.put(&telegent.Number{
			PhoneNumberId:  fmt.Sprintf("NID-5a1e0000-0000-4000-8000-0000000001%02d", i),
			PhoneNumber:    phone,
			NumberType:     "mvno",
			MessageType:    "p2p",
			MessageEnabled: true,
			DataEnabled:    true,
			ProductType:    "Sms+Data",
			AccountId:      legacyAccountID,
			SubscriberId:   legacySubscriberID,
			Status:         statusActive,
			CreatedAt:      legacyCreated,
		})
	}
	st.accounts.put(&telegent.Account{AccountId: legacyAccountID, AccountName: "Legacy Base"})
	st.subscribers.put(&telegent.Subscriber{
		SubscriberId: legacySubscriberID,
		Name:         "Legacy Subscriber",
		Email:        "legacy@sandbox.example",
		PhoneNumbers: phones,
		Role:         "Manager",
		Account:      &telegent.SubscriberAccount{AccountId: legacyAccountID, CompanyName: "Legacy Base"},
	})
}

var activeFilters = []string{"All", "Active", "Inactive"}

// activeFilter parses the Filter parameter into a predicate on Active.
func activeFilter(q url.Values) (string, func(active bool) bool, error) {
	f := param(q, "Filter")
	if err := oneOf("Filter", &f, activeFilters...); err != nil {
		return "", nil, err
	}
	switch f {
	case "Active":
		return f, func(a bool) bool { return a }, nil
	case "Inactive":
		return f, func(a bool) bool { return !a }, nil
	}
	return f, nil, nil
}

func (st *store) listPackages(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	filter, keep, err := activeFilter(q)
	if err != nil {
		return nil, err
	}
	out := telegent.PackageList{Filter: filter, Results: []telegent.Package{}}
	for _, pkg := range packages {
		if keep == nil || keep(pkg.Active) {
			out.Results = append(out.Results, pkg)
		}
	}
	out.TotalPackages = len(out.Results)
	lo, hi := p.window(len(out.Results))
	out.Results = out.Results[lo:hi]
	return out, nil
}

func findPackage(id string) (telegent.Package, bool) {
	for _, p := range packages {
		if p.PackageId == id {
			return p, true
		}
	}
	return telegent.Package{}, false
}

func checkSubscriptionCreate(in *telegent.SubscriptionCreateRequest) error {
	return firstErr(
		required("SubscriberId", in.SubscriberId),
		required("PackageId", in.PackageId),
		requiredOneOf("Type", &in.Type, "mvno", "iot", "voip"),
		checkICCID("ICCID", in.ICCID),
	)
}

// createSubscription subscribes to a package; a number (TNID) holds at
// most one active subscription.
func (st *store) createSubscription(in *telegent.SubscriptionCreateRequest) (any, error) {
	if _, err := st.subscriber("SubscriberId", in.SubscriberId); err != nil {
		return nil, err
	}
	if _, ok := findPackage(in.PackageId); !ok {
		return nil, errNotFound("PackageId %s not found", in.PackageId)
	}
	if in.TNID != "" {
		if _, ok := st.numberIDs[in.TNID]; !ok {
			return nil, errNotFound("TNID %s not found", in.TNID)
		}
		if id, dup := st.activeSubs[in.TNID]; dup {
			return nil, errConflict("TNID %s already has an active subscription %s", in.TNID, id)
		}
	}
	s := &telegent.Subscription{
		SubscriptionId: st.newID("SUB"),
		SubscriberId:   in.SubscriberId,
		TNID:           in.TNID,
		ICCID:          in.ICCID,
		PackageId:      in.PackageId,
		Type:           in.Type,
		Active:         true,
	}
	st.subscriptions.put(s)
	if s.TNID != "" {
		st.activeSubs[s.TNID] = s.SubscriptionId
	}
	return *s, nil
}

func (st *store) listSubscriptions(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	filter, keep, err := activeFilter(q)
	if err != nil {
		return nil, err
	}
	var match func(*telegent.Subscription) bool
	if keep != nil {
		match = func(s *telegent.Subscription) bool { return keep(s.Active) }
	}
	page, total := list(st.subscriptions, match, p)
	out := telegent.SubscriptionList{DistributorId: distributorID, TotalSubscriptions: total, Filter: cmp.Or(filter, "All"), Results: page}
	if st.extended() { // the vendor's example has no paging keys
		out.PageNumber, out.TotalPerPage = p.echo(total)
	}
	return out, nil
}
