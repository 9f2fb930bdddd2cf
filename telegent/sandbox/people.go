package sandbox

import (
	"cmp"
	"net/url"
	"strings"

	"telegent-bulk/telegent"
)

// Accounts, subscribers and what hangs off a subscriber: AI Guardian
// features and message filters.

func checkAccountCreate(in *telegent.AccountCreateRequest) error {
	return firstErr(
		required("AccountName", in.AccountName),
		checkEmail("AccountAdmin", in.AccountAdmin),
		checkAddress("BillingAddress", in.BillingAddress),
		checkAddress("MailingAddress", in.MailingAddress),
	)
}

func (st *store) createAccount(in *telegent.AccountCreateRequest) (any, error) {
	a := &telegent.Account{
		AccountId:      st.newID("AID"),
		AccountName:    in.AccountName,
		AccountAdmin:   in.AccountAdmin,
		BillingAddress: in.BillingAddress,
		MailingAddress: in.MailingAddress,
	}
	st.accounts.put(a)
	return st.accountAnswer(a), nil
}

// listAccounts answers GET /v1.0/distributor/accounts, an endpoint no
// vendor page has: 404 under the documented profile.
func (st *store) listAccounts(q url.Values) (any, error) {
	if !st.extended() {
		return nil, errUndocumented("GET /v1.0/distributor/accounts (an account list)")
	}
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	page, total := list(st.accounts, nil, p)
	for i := range page {
		page[i].TotalSubscribers = st.subsPerAccount[page[i].AccountId]
	}
	out := telegent.AccountList{TotalAccounts: total, Results: page}
	out.PageNumber, out.TotalPerPage = p.echo(total)
	return out, nil
}

// account returns the account with id, or a 404 naming field.
func (st *store) account(field, id string) (*telegent.Account, error) {
	a, ok := st.accounts.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return a, nil
}

func checkSubscriberCreate(in *telegent.SubscriberCreateRequest) error {
	err := firstErr(
		required("Name", in.Name),
		required("Email", in.Email),
		checkEmail("Email", in.Email),
		requiredOneOf("Role", &in.Role, "Subscriber", "Manager", "Account Admin"),
		required("Password", in.Password),
		required("AccountId", in.AccountId),
		checkE164List("PhoneNumbers", in.PhoneNumbers),
	)
	if err == nil && in.PhoneNumbers == nil {
		err = errBadRequest("PhoneNumbers is required (an empty array for none)")
	}
	return err
}

func (st *store) createSubscriber(in *telegent.SubscriberCreateRequest) (any, error) {
	a, err := st.account("AccountId", in.AccountId)
	if err != nil {
		return nil, err
	}
	email := strings.ToLower(in.Email)
	if _, dup := st.emails[email]; dup {
		return nil, errConflict("Email already exists")
	}
	s := &telegent.Subscriber{
		SubscriberId: st.newID("TSUID"),
		Name:         in.Name,
		Email:        in.Email,
		PhoneNumbers: in.PhoneNumbers,
		Role:         in.Role,
		Account:      &telegent.SubscriberAccount{AccountId: a.AccountId, CompanyName: a.AccountName},
	}
	st.subscribers.put(s)
	st.emails[email] = s.SubscriberId
	st.subsPerAccount[a.AccountId]++
	return *s, nil
}

func (st *store) listSubscribers(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	page, total := list(st.subscribers, nil, p)
	out := telegent.SubscriberList{TotalSubscribers: total, Results: page}
	out.PageNumber, out.TotalPerPage = p.echo(total)
	return out, nil
}

// subscriber returns the subscriber with id, or a 404 naming field.
func (st *store) subscriber(field, id string) (*telegent.Subscriber, error) {
	s, ok := st.subscribers.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return s, nil
}

func checkGuardianFeatures(in *telegent.GuardianFeatures) error {
	return required("SubscriberId", in.SubscriberId)
}

// setGuardianFeatures sets both flags; sending the same flags again changes
// nothing.
func (st *store) setGuardianFeatures(in *telegent.GuardianFeatures) (any, error) {
	if _, err := st.subscriber("SubscriberId", in.SubscriberId); err != nil {
		return nil, err
	}
	g := *in
	if old, ok := st.guardian.get(g.SubscriberId); !ok || *old != g {
		st.guardian.put(&g)
	}
	return g, nil
}

var filterModes = []string{"ACTIVE", "MONITOR_ONLY", "INACTIVE", "CHILD", "ADOLESCENT", "TEENAGER"}

func checkMessageFilterCreate(in *telegent.MessageFilterRequest) error {
	return firstErr(
		required("SubscriberId", in.SubscriberId),
		required("Phone", in.Phone),
		checkE164("Phone", in.Phone),
		oneOf("FilterMode", &in.FilterMode, filterModes...),
		checkE164List("AllowedContacts", in.AllowedContacts),
		checkE164List("BlockedContacts", in.BlockedContacts),
	)
}

func (st *store) createMessageFilter(in *telegent.MessageFilterRequest) (any, error) {
	if _, err := st.subscriber("SubscriberId", in.SubscriberId); err != nil {
		return nil, err
	}
	key := filterKey(in.SubscriberId, in.Phone)
	if id, dup := st.filterKeys[key]; dup {
		return nil, errConflict("a message filter for this SubscriberId and Phone already exists: %s", id)
	}
	f := &telegent.MessageFilter{
		FilterId:            st.newID("MFID"),
		SubscriberId:        in.SubscriberId,
		Phone:               in.Phone,
		FilterMode:          cmp.Or(in.FilterMode, "ACTIVE"),
		AllowedContacts:     nonNil(in.AllowedContacts),
		BlockedContacts:     nonNil(in.BlockedContacts),
		ApplyToInbound:      boolOr(in.ApplyToInbound, true),
		ApplyToOutbound:     boolOr(in.ApplyToOutbound, true),
		BlockUnknownNumbers: boolOr(in.BlockUnknownNumbers, false),
		BlockLinks:          boolOr(in.BlockLinks, false),
		BlockMedia:          boolOr(in.BlockMedia, false),
	}
	st.filters.put(f)
	st.filterKeys[key] = f.FilterId
	return *f, nil
}

// listMessageFilters answers a bare JSON array, filtered by SubscriberId and
// Phone when given.
func (st *store) listMessageFilters(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	sub, phone := param(q, "SubscriberId"), phoneParam(q, "Phone")
	page, _ := list(st.filters, func(f *telegent.MessageFilter) bool {
		return (sub == "" || f.SubscriberId == sub) && (phone == "" || f.Phone == phone)
	}, p)
	return page, nil
}

func boolOr(p *bool, fallback bool) bool {
	if p == nil {
		return fallback
	}
	return *p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
