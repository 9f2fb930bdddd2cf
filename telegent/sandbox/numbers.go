package sandbox

import (
	"cmp"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/telegent"
)

// Numbers: availability, provisioning, binding, the inventory, order
// details and data-usage limits.

// Inventory statuses.
const (
	statusActive    = "Active"
	statusPorting   = "Porting"
	statusCancelled = "Cancelled"
)

const defaultAreaCode = "801"

var (
	productTypes   = []string{"Sms-Only", "Data-Only", "Sms+Data", "Sms+Data+Voice"}
	throttleSpeeds = []string{"64-kbps", "128-kbps", "256-kbps", "512-kbps", "1-mbps", "5-mbps", "20-mbps", "50-mbps", "100-mbps"}
)

// areas is what availability offers when no area code is asked for.
var areas = []telegent.NumberArea{
	{NGP: "SALT LAKE CITY", AreaCode: 801, Zipcode: "84043"},
	{NGP: "SALT LAKE CITY", AreaCode: 385, Zipcode: "84101"},
	{NGP: "ST GEORGE", AreaCode: 435, Zipcode: "84770"},
}

// areaOf returns the known area with a 3-digit code, or a bare one.
func areaOf(code string) telegent.NumberArea {
	n, _ := strconv.Atoi(code)
	for _, a := range areas {
		if a.AreaCode == n {
			return a
		}
	}
	return telegent.NumberArea{NGP: "SANDBOX", AreaCode: n}
}

func checkAvailability(in *telegent.AvailabilityRequest) error {
	return firstErr(
		requiredOneOf("NumberType", &in.NumberType, "mobile", "voip"),
		oneOf("MessageType", &in.MessageType, "a2p", "p2p"),
		checkAreaCode("AreaCode", in.AreaCode),
		checkZip("ZipCode", in.ZipCode),
	)
}

func (st *store) availability(in *telegent.AvailabilityRequest) (any, error) {
	found := areas
	if in.AreaCode != "" {
		found = []telegent.NumberArea{areaOf(in.AreaCode)}
	}
	return telegent.AvailabilityResponse{
		RequestId:            st.uuid(),
		RequestDate:          timestamp(st.now),
		NumberType:           in.NumberType,
		VoiceEnabled:         in.VoiceEnabled,
		MessageEnabled:       in.MessageEnabled,
		AreaCode:             in.AreaCode,
		PageNumber:           max(in.PageNumber, 1),
		ResultsTotal:         len(found),
		AvailableNumberAreas: found,
	}, nil
}

func checkProvision(in *telegent.ProvisionRequest) error {
	err := firstErr(
		requiredOneOf("NumberType", &in.NumberType, "mvno", "iot", "voip"),
		requiredOneOf("MessageType", &in.MessageType, "a2p", "p2p"),
		requiredOneOf("ProductType", &in.ProductType, productTypes...),
		checkAreaCode("AreaCode", in.AreaCode),
		checkZip("ZipCode", in.ZipCode),
		checkICCID("ICCID", in.ICCID),
		messageTypeRule(in.NumberType, in.MessageType),
	)
	switch {
	case err != nil:
		return err
	case in.MessageRouteId == "":
		return errBadRequest("MessageRouteId required")
	case in.VoiceEnabled && in.VoiceRouteId == "":
		return errBadRequest("VoiceRouteId is required when VoiceEnabled is true")
	}
	return nil
}

// messageTypeRule: iot numbers are p2p only, voip numbers a2p only.
func messageTypeRule(numberType, messageType string) error {
	switch {
	case numberType == "iot" && messageType == "a2p":
		return errBadRequest("iot numbers are p2p only")
	case numberType == "voip" && messageType == "p2p":
		return errBadRequest("voip numbers are a2p only")
	}
	return nil
}

// provision buys a new number on every call: a re-sent request buys a
// second one, as the API does.
func (st *store) provision(in *telegent.ProvisionRequest) (any, error) {
	accountID, err := st.scopedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	accountID, err = st.checkBindings(accountID, in.AssignedSubscriberId, "AssignedSubscriberId", in.MessageRouteId, in.VoiceRouteId)
	if err != nil {
		return nil, err
	}
	if err := st.checkICCIDFree(in.ICCID, ""); err != nil {
		return nil, err
	}
	area := cmp.Or(in.AreaCode, defaultAreaCode)
	phone, err := st.pickNumber(area)
	if err != nil {
		return nil, err
	}
	zip := cmp.Or(in.ZipCode, areaOf(area).Zipcode)
	n := &telegent.Number{
		PhoneNumberId:  st.newID("NID"),
		PhoneNumber:    phone,
		NumberType:     in.NumberType,
		MessageType:    in.MessageType,
		MessageEnabled: in.MessageEnabled,
		VoiceEnabled:   in.VoiceEnabled,
		DataEnabled:    in.DataEnabled,
		ProductType:    in.ProductType,
		AccountId:      accountID,
		SubscriberId:   in.AssignedSubscriberId,
		MessageRouteId: in.MessageRouteId,
		VoiceRouteId:   in.VoiceRouteId,
		ICCID:          in.ICCID,
		Status:         statusActive,
		OrderId:        st.newID("JNUOID"),
		OrderType:      "provision",
		CreatedAt:      st.now.Format(time.RFC3339),
	}
	o := &order{OrderDetails: telegent.OrderDetails{
		OrderDate:           timestamp(st.now),
		OrderId:             n.OrderId,
		OrderStatus:         telegent.OrderComplete,
		OrderType:           "provision",
		PhoneNumbersOrdered: []telegent.PhoneNumberRef{{Number: phone}},
		PhoneNumberId:       n.PhoneNumberId,
		CompletedDate:       timestamp(st.now),
	}, FinalState: true}
	st.addNumber(n)
	st.orders.put(o)
	return telegent.ProvisionResponse{
		OrderDate:           o.OrderDate,
		OrderId:             o.OrderId,
		OrderStatus:         o.OrderStatus,
		PhoneNumberAssigned: phone,
		PhoneNumberId:       n.PhoneNumberId,
		QRCode:              qrCode(n.ICCID, o.OrderId),
		ZipCode:             zip,
		ICCID:               n.ICCID,
		SubscriberId:        n.SubscriberId,
	}, nil
}

// qrCode returns the eSIM activation QR image URL the API answers when a
// provision pairs a SIM (the API reference's example is an LPA activation
// code in a QR image URL), or "" without an ICCID. The host is a reserved
// example name: nothing is served there.
func qrCode(iccid, orderID string) string {
	if iccid == "" {
		return ""
	}
	matching := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(orderID, "JNUOID-"), "-", ""))
	return "https://qr.sandbox.example/qr?text=LPA:1$SMDP.SANDBOX.EXAMPLE$" + matching
}

// pickNumber returns a number in the area code that the inventory has
// never held and that no port-in eligibility check has named (see
// reservation). The platform's own numbers are the blocks of exchanges
// inventoryExchangeLow-999 (no N11 exchange): a number a manifest ports
// in belongs to another carrier, and the samples' are outside them. Line
// numbers 9900-9999 are left to the port-in test numbers.
func (st *store) pickNumber(area string) (string, error) {
	for range 1000 {
		exchange := inventoryExchangeLow + st.intN(1000-inventoryExchangeLow)
		if exchange%100 == 11 {
			continue
		}
		phone := fmt.Sprintf("+1%s%03d%04d", area, exchange, st.intN(9900))
		_, taken := st.numbers.get(phone)
		_, reserved := st.reserved.get(phone)
		if !taken && !reserved {
			return phone, nil
		}
	}
	return "", errConflict("no numbers left in area code %s", area)
}

// inventoryExchangeLow is the lowest exchange of the numbers provision
// buys.
const inventoryExchangeLow = 600

// addNumber saves a new or replaced inventory record and indexes it.
func (st *store) addNumber(n *telegent.Number) {
	st.numbers.put(n)
	if n.PhoneNumberId != "" {
		st.numberIDs[n.PhoneNumberId] = n.PhoneNumber
	}
	if n.ICCID != "" {
		st.iccids[n.ICCID] = n.PhoneNumber
	}
}

// checkBindings checks the IDs a number is bound to and returns the account
// it belongs to: the given one, or else the subscriber's. A subscriber of
// another account is refused.
func (st *store) checkBindings(accountID, subscriberID, subscriberField, messageRouteID, voiceRouteID string) (string, error) {
	if accountID != "" {
		if _, err := st.account("AccountId", accountID); err != nil {
			return "", err
		}
	}
	if subscriberID != "" {
		s, err := st.subscriber(subscriberField, subscriberID)
		if err != nil {
			return "", err
		}
		own := ""
		if s.Account != nil {
			own = s.Account.AccountId
		}
		if accountID == "" {
			accountID = own
		} else if own != accountID {
			return "", errBadRequest("%s %s belongs to another account than AccountId %s", subscriberField, subscriberID, accountID)
		}
	}
	if messageRouteID != "" {
		if _, err := st.messageRoute("MessageRouteId", messageRouteID); err != nil {
			return "", err
		}
	}
	if voiceRouteID != "" {
		if _, err := st.voiceRoute("VoiceRouteId", voiceRouteID); err != nil {
			return "", err
		}
	}
	return accountID, nil
}

// checkICCIDFree refuses an ICCID that a number other than phone holds.
func (st *store) checkICCIDFree(iccid, phone string) error {
	if holder, used := st.iccids[iccid]; iccid != "" && used && holder != phone {
		return errConflict("ICCID is already assigned to %s", holder)
	}
	return nil
}

func checkNumberUpdate(in *telegent.NumberUpdateRequest) error {
	if in.PhoneNumberId == "" && in.PhoneNumber == "" {
		return errBadRequest("PhoneNumberId or PhoneNumber is required")
	}
	return firstErr(checkE164("PhoneNumber", in.PhoneNumber), checkICCID("ICCID", in.ICCID))
}

// updateNumber binds an active number to an owner, routes or SIM; empty
// fields are left as they are.
func (st *store) updateNumber(in *telegent.NumberUpdateRequest) (any, error) {
	cur, err := st.numberFor(in.PhoneNumberId, in.PhoneNumber)
	if err != nil {
		return nil, err
	}
	if cur.Status != statusActive {
		return nil, errConflict("number %s is %s, not Active", cur.PhoneNumber, cur.Status)
	}
	n := *cur
	n.AccountId = cmp.Or(in.AccountId, n.AccountId)
	if in.AssignedSubscriberId != "" && in.AssignedSubscriberId != n.SubscriberId {
		n.SubscriberId = in.AssignedSubscriberId
		if in.AccountId == "" {
			n.AccountId = "" // follows the new subscriber
		}
	}
	n.MessageRouteId = cmp.Or(in.MessageRouteId, n.MessageRouteId)
	n.VoiceRouteId = cmp.Or(in.VoiceRouteId, n.VoiceRouteId)
	n.ICCID = cmp.Or(in.ICCID, n.ICCID)
	n.MessageEnabled = boolOr(in.MessageEnabled, n.MessageEnabled)
	n.VoiceEnabled = boolOr(in.VoiceEnabled, n.VoiceEnabled)
	n.DataEnabled = boolOr(in.DataEnabled, n.DataEnabled)
	if n.AccountId, err = st.checkBindings(n.AccountId, n.SubscriberId, "AssignedSubscriberId", n.MessageRouteId, n.VoiceRouteId); err != nil {
		return nil, err
	}
	if n.VoiceEnabled && n.VoiceRouteId == "" {
		return nil, errBadRequest("VoiceRouteId is required when VoiceEnabled is true")
	}
	if err := st.checkICCIDFree(n.ICCID, n.PhoneNumber); err != nil {
		return nil, err
	}
	if cur.ICCID != n.ICCID {
		delete(st.iccids, cur.ICCID)
	}
	st.addNumber(&n)
	return st.numberAnswer(&n), nil
}

// numberFor finds a number by ID or phone number (or both, which must
// agree), moving its port order first.
func (st *store) numberFor(id, phone string) (*telegent.Number, error) {
	if id != "" {
		byID, ok := st.numberIDs[id]
		if !ok {
			return nil, errNotFound("PhoneNumberId %s not found", id)
		}
		if phone != "" && phone != byID {
			return nil, errBadRequest("PhoneNumberId %s is not PhoneNumber %s", id, phone)
		}
		phone = byID
	}
	st.settleNumber(phone)
	n, ok := st.numbers.get(phone)
	if !ok {
		return nil, errNotFound("PhoneNumber %s not found", phone)
	}
	return n, nil
}

func (st *store) inventory(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	phone, sub, status := phoneParam(q, "PhoneNumber"), param(q, "SubscriberId"), param(q, "Status")
	if err := oneOf("Status", &status, statusActive, statusPorting, statusCancelled); err != nil {
		return nil, err
	}
	account := ""
	if st.extended() { // records carry no AccountId under the documented profile
		account = param(q, "AccountId")
	}
	st.settleAll()
	var keep func(*telegent.Number) bool
	if phone != "" || sub != "" || account != "" || status != "" {
		keep = func(n *telegent.Number) bool {
			return (phone == "" || n.PhoneNumber == phone) && (sub == "" || n.SubscriberId == sub) &&
				(account == "" || n.AccountId == account) && (status == "" || n.Status == status)
		}
	}
	// A query by phone number (the inventory's key) or by subscriber (its
	// index) reads those records only, not the whole inventory.
	rows := st.numbers.rows
	switch {
	case phone != "":
		rows = nil
		if n, ok := st.numbers.get(phone); ok {
			rows = []*telegent.Number{n}
		}
	case sub != "":
		rows = st.numbers.rowsBy(sub)
	}
	page, total := listOf(rows, keep, p)
	return st.numberListAnswer(page, total, p), nil
}

func (st *store) orderDetails(q url.Values) (any, error) {
	id := param(q, "OrderId")
	if id == "" {
		return nil, errBadRequest("OrderId is required")
	}
	o, err := st.order(id)
	if err != nil {
		return nil, err
	}
	st.settle(o)
	return st.orderAnswer(o), nil
}

func (st *store) order(id string) (*order, error) {
	o, ok := st.orders.get(id)
	if !ok {
		return nil, errNotFound("OrderId %s not found", id)
	}
	return o, nil
}

func checkDataUsage(in *telegent.DataUsageRequest) error {
	err := firstErr(
		requiredOneOf("ValueUnit", &in.ValueUnit, "MB"),
		oneOf("ThrottleSpeed", &in.ThrottleSpeed, throttleSpeeds...),
	)
	n, t, l := in.NotifyValue, in.ThrottleValue, in.LimitValue
	switch {
	case err != nil:
		return err
	case l <= 0:
		return errBadRequest("LimitValue must be a positive whole number")
	case n != nil && *n <= 0:
		return errBadRequest("NotifyValue must be a positive whole number")
	case t != nil && *t <= 0:
		return errBadRequest("ThrottleValue must be a positive whole number")
	case n != nil && t != nil && *n >= *t:
		return errBadRequest("NotifyValue must be less than ThrottleValue")
	case t != nil && *t >= l:
		return errBadRequest("ThrottleValue must be less than LimitValue")
	case n != nil && *n >= l:
		return errBadRequest("NotifyValue must be less than LimitValue")
	case t != nil && in.ThrottleSpeed == "":
		return errBadRequest("ThrottleSpeed is required with ThrottleValue")
	case len(in.PhoneNumbers) == 0:
		return errBadRequest("PhoneNumbers is required")
	}
	for _, p := range in.PhoneNumbers {
		if !isE164(p.Number) {
			return errBadRequest("PhoneNumbers must hold E.164 phone numbers such as +18015551234")
		}
	}
	return nil
}

// setDataUsage sets the same limits on every number named, all or none.
func (st *store) setDataUsage(in *telegent.DataUsageRequest) (any, error) {
	for _, p := range in.PhoneNumbers {
		st.settleNumber(p.Number)
		n, ok := st.numbers.get(p.Number)
		switch {
		case !ok:
			return nil, errBadRequest("PhoneNumbers: %s is not in the numbers inventory", p.Number)
		case n.Status != statusActive:
			return nil, errBadRequest("PhoneNumbers: %s is %s, not Active", p.Number, n.Status)
		case !n.DataEnabled:
			return nil, errBadRequest("PhoneNumbers: %s is not data-enabled", p.Number)
		}
	}
	out := telegent.DataUsageResponse{
		Status:        telegent.OrderComplete,
		ValueUnit:     in.ValueUnit,
		NotifyValue:   in.NotifyValue,
		ThrottleValue: in.ThrottleValue,
		ThrottleSpeed: in.ThrottleSpeed,
		LimitValue:    in.LimitValue,
		PhoneNumbers:  in.PhoneNumbers,
	}
	for _, p := range in.PhoneNumbers {
		one := out
		one.PhoneNumbers = []telegent.PhoneNumberRef{p}
		st.dataUsage.put(&one)
	}
	return out, nil
}
