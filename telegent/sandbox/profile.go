package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"telegent-bulk/telegent"
)

// Profile chooses how much of the API the sandbox serves beyond what the
// vendor documents show. The state is the same under both: a data file
// written under one profile opens under the other.
type Profile int

const (
	// ProfileDocumented serves the API as the vendor documents show it:
	// every answer carries only the fields the documents show for its
	// endpoint, errors use only the status codes of the error table (no
	// 409), and the endpoints no document has answer 404. It is the zero
	// value, so the default.
	ProfileDocumented Profile = iota
	// ProfileExtended adds what the sandbox infers but the documents do
	// not show: the order's OrderStatusCode, PhoneNumberId, PortInDate,
	// CompletedDate, DeclinedAttempts and LastDeclinedAt, the inventory
	// record's OrderId, OrderType, CreatedAt and AccountId, the account
	// and voice route lists, and 409 for a conflict.
	ProfileExtended
)

// String returns the profile's name as --profile takes it.
func (p Profile) String() string {
	switch p {
	case ProfileDocumented:
		return "documented"
	case ProfileExtended:
		return "extended"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

// ParseProfile returns the profile named documented or extended.
func ParseProfile(name string) (Profile, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "documented":
		return ProfileDocumented, nil
	case "extended":
		return ProfileExtended, nil
	}
	return 0, fmt.Errorf("profile must be documented or extended, got %q", name)
}

func (p Profile) valid() bool { return p == ProfileDocumented || p == ProfileExtended }

// extended reports whether the state answers under the extended profile.
func (st *store) extended() bool { return st.profile == ProfileExtended }

// documentedError turns an error into one the documented profile may
// answer: the error table of the vendor's reference has no 409, so a
// conflict is a 400 with the same message.
func documentedError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusConflict {
		return &apiError{status: http.StatusBadRequest, msg: ae.msg}
	}
	return err
}

// errUndocumented answers an endpoint the vendor documents do not have.
func errUndocumented(what string) error {
	return errNotFound("Not found: %s is not an endpoint of the API (only the sandbox's extended profile serves it)", what)
}

// The answers below are built per profile. The documented shapes hold
// exactly the keys of the vendor's examples; the extended shapes embed them
// and add what the sandbox infers.

// accountView is the answer to account/create: the keys of the example in
// the Best Practices reference, section 2 (TotalSubscribers included when
// it is 0, as there).
type accountView struct {
	AccountId        string
	AccountName      string
	TotalSubscribers int
	BillingAddress   *telegent.Address
	MailingAddress   *telegent.Address
}

type accountViewExtended struct {
	accountView
	AccountAdmin string `json:",omitempty"`
}

func (st *store) accountAnswer(a *telegent.Account) any {
	v := accountView{
		AccountId:        a.AccountId,
		AccountName:      a.AccountName,
		TotalSubscribers: st.subsPerAccount[a.AccountId],
		BillingAddress:   a.BillingAddress,
		MailingAddress:   a.MailingAddress,
	}
	if st.extended() {
		return accountViewExtended{accountView: v, AccountAdmin: a.AccountAdmin}
	}
	return v
}

// orderView is the answer to numbers/order: the keys of the example in
// section 8.2 step 5, plus OrderStatusMessage, which the order-details page
// names for a carrier's error or rejection.
type orderView struct {
	OrderDate           string
	OrderId             string
	OrderStatus         string
	OrderType           string
	PhoneNumbersOrdered []telegent.PhoneNumberRef
	OrderStatusMessage  string `json:",omitempty"`
}

func (st *store) orderAnswer(o *order) any {
	if st.extended() {
		return o.OrderDetails
	}
	return orderView{
		OrderDate:           o.OrderDate,
		OrderId:             o.OrderId,
		OrderStatus:         o.OrderStatus,
		OrderType:           o.OrderType,
		PhoneNumbersOrdered: o.PhoneNumbersOrdered,
		OrderStatusMessage:  o.OrderStatusMessage,
	}
}

// numberView is an inventory record as the documented profile answers it:
// the numbers-inventory page says a record carries the phone number, its
// NID-, capabilities, assigned routes, subscriber and status, and lookups
// match ICCID client-side. The key names follow the provision request and
// answer (an assumption: the page's schema was not captured).
type numberView struct {
	PhoneNumber    string
	PhoneNumberId  string
	NumberType     string
	MessageType    string
	MessageEnabled bool
	VoiceEnabled   bool
	DataEnabled    bool
	ProductType    string `json:",omitempty"`
	MessageRouteId string `json:",omitempty"`
	VoiceRouteId   string `json:",omitempty"`
	SubscriberId   string `json:",omitempty"`
	ICCID          string `json:",omitempty"`
	Status         string
}

func documentedNumber(n *telegent.Number) numberView {
	return numberView{
		PhoneNumber:    n.PhoneNumber,
		PhoneNumberId:  n.PhoneNumberId,
		NumberType:     n.NumberType,
		MessageType:    n.MessageType,
		MessageEnabled: n.MessageEnabled,
		VoiceEnabled:   n.VoiceEnabled,
		DataEnabled:    n.DataEnabled,
		ProductType:    n.ProductType,
		MessageRouteId: n.MessageRouteId,
		VoiceRouteId:   n.VoiceRouteId,
		SubscriberId:   n.SubscriberId,
		ICCID:          n.ICCID,
		Status:         n.Status,
	}
}

// numberAnswer is one inventory record (also the numbers/update answer).
func (st *store) numberAnswer(n *telegent.Number) any {
	if st.extended() {
		return *n
	}
	return documentedNumber(n)
}

// numberListView is the inventory page. Its keys are an assumption (the
// page's schema was not captured); they follow the distributor lists.
type numberListView struct {
	TotalNumbers int
	PageNumber   int
	TotalPerPage int
	Results      []numberView
}

func (st *store) numberListAnswer(page []telegent.Number, total int, p paging) any {
	number, size := p.echo(total)
	if st.extended() {
		return telegent.NumberList{TotalNumbers: total, PageNumber: number, TotalPerPage: size, Results: page}
	}
	out := numberListView{TotalNumbers: total, PageNumber: number, TotalPerPage: size, Results: make([]numberView, len(page))}
	for i := range page {
		out.Results[i] = documentedNumber(&page[i])
	}
	return out
}
