package sandbox

import (
	"cmp"
	"time"

	"telegent-bulk/telegent"
)

// Port-ins, port-outs and the port clock. docs/sandbox.md is the
// specification: test numbers by their last four digits, one stage per
// PortStep of virtual time, rejections until the matching update.

// portField is a port-in detail whose change clears a test rejection.
type portField int

const (
	neverFixed portField = iota
	fixAccountNumber
	fixPassword
	fixName
	fixAddress
	fixZip
)

type portTest struct {
	code, message string
	fixedBy       portField
}

// portTests are the numbers whose orders are rejected, by last four digits.
// Each message opens with the decline family a carrier reports (the
// families of the Gigs porting guide's decline codes), so that a reader can
// tell which detail is wrong; the code is served under the extended
// profile only (OrderStatusCode). Which update clears a rejection is the
// sandbox's rule: the detail the message names.
var portTests = map[string]portTest{
	"9911": {"ACCOUNT_NUMBER_MISMATCH", "Account number required or invalid: the account number does not match the losing carrier's records", fixAccountNumber},
	"9912": {"PIN_INVALID", "Account PIN required or invalid: the PIN does not match the losing carrier's records", fixPassword},
	"9913": {"NAME_MISMATCH", "Name required or invalid: the first or last name does not match the losing carrier's records", fixName},
	"9914": {"PORT_PROTECTED", "Port protected: the number has port protection (a number lock) at the losing carrier; the subscriber must lift it and give a new PIN", fixPassword},
	"9915": {"ADDRESS_MISMATCH", "Address required or invalid: the billing address does not match the losing carrier's records", fixAddress},
	"9916": {"POSTAL_CODE_MISMATCH", "Postal code required or invalid: the billing ZIP code does not match the losing carrier's records", fixZip},
	"9917": {"BILLING_PIN_INVALID", "Billing PIN required or invalid: the losing carrier needs the billing PIN set on the account", fixPassword},
	"9919": {"NOT_ACTIVE", "Number not active: the number is not active with the losing carrier and cannot be ported", neverFixed},
}

// statusOnHold is a status the vendor documents never name; test number
// 9921 goes there, so that a client's handling of an unknown status can be
// tried.
const statusOnHold = "On Hold"

// portDetour is where a test number's order goes from Submitted instead of
// Pending Carrier Approval.
type portDetour struct {
	status, code, message string
	final                 bool // no update, cancel or further move; the number is free again
}

var portDetours = map[string]portDetour{
	"9920": {telegent.OrderError, "PORT_REQUEST_FAILED", "Port request failed: the number portability gateway could not process the request; submit a new port-in order", true},
	"9921": {statusOnHold, "ON_HOLD", "On hold: the losing carrier holds the port request for manual review", false},
}

// Eligibility answers for the test numbers that cannot be ported.
const (
	msgNotPortable   = "Number is not portable to this classification"
	msgAlreadyActive = "Number is already active on this platform"
)

var notEligible = map[string]string{"9901": msgNotPortable, "9902": msgAlreadyActive}

func lastFour(phone string) string {
	if len(phone) < 4 {
		return phone
	}
	return phone[len(phone)-4:]
}

// portState is what a port-in order keeps beyond its details. The account
// password is kept only as a keyed digest, in memory: it is never saved to
// the data file, so after a restart on the same file the order has none,
// and any password an update supplies counts as changed.
type portState struct {
	CarrierName    string
	AccountNumber  string
	PasswordDigest string `json:"-"`
	Billing        telegent.Address
	SubscriberName string `json:",omitempty"`
	ICCID          string `json:",omitempty"`
	Classification string
	StageAt        time.Time // when the current status began, on the virtual clock
	Blocked        bool      // a test number's rejection has not been fixed yet
}

// isMoving reports whether an order in this status moves with the clock.
func isMoving(status string) bool {
	switch status {
	case telegent.PortSubmitted, telegent.PortPendingCarrierApproval, telegent.PortScheduled:
		return true
	}
	return false
}

func (o *order) phone() string { return o.PhoneNumbersOrdered[0].Number }

// settle moves a port-in order through every stage whose time has come:
// Submitted -> Pending Carrier Approval -> Scheduled -> Completed, or
// Pending Carrier Approval -> Rejected while a test rejection is unfixed.
func (st *store) settle(o *order) {
	if o.OrderType == "portout" {
		st.settlePortOut(o)
		return
	}
	moved := false
	for o.Port != nil && isMoving(o.OrderStatus) {
		next := o.Port.StageAt.Add(st.portStep)
		if next.After(st.now) {
			break
		}
		moved = true
		o.Port.StageAt = next
		switch o.OrderStatus {
		case telegent.PortSubmitted:
			if d, ok := portDetours[lastFour(o.phone())]; ok {
				st.detour(o, d)
			} else {
				o.OrderStatus = telegent.PortPendingCarrierApproval
			}
		case telegent.PortPendingCarrierApproval:
			if o.Port.Blocked {
				st.reject(o, next)
			} else {
				o.OrderStatus = telegent.PortScheduled
			}
		case telegent.PortScheduled:
			st.complete(o, next)
		}
	}
	if !moved {
		return
	}
	if !isMoving(o.OrderStatus) {
		delete(st.moving, o.OrderId)
	}
	st.orders.put(o)
}

func (st *store) reject(o *order, at time.Time) {
	t := portTests[lastFour(o.phone())]
	o.OrderStatus = telegent.PortRejected
	o.OrderStatusCode, o.OrderStatusMessage = t.code, t.message
	o.DeclinedAttempts++
	o.LastDeclinedAt = timestamp(at)
	if t.fixedBy == neverFixed {
		o.FinalState = true
		st.releaseNumber(o)
	}
}

// detour sends an order to a test number's Error or unknown status.
func (st *store) detour(o *order, d portDetour) {
	o.OrderStatus = d.status
	o.OrderStatusCode, o.OrderStatusMessage = d.code, d.message
	if d.final {
		o.FinalState = true
		st.releaseNumber(o)
	}
}

// complete activates the ported number under a new NID; a port-in never
// buys a number.
func (st *store) complete(o *order, at time.Time) {
	o.OrderStatus = telegent.PortCompleted
	o.OrderStatusCode, o.OrderStatusMessage = "", ""
	o.CompletedDate = timestamp(at)
	o.PhoneNumberId = st.newID("NID")
	o.FinalState = true
	if n, ok := st.numbers.get(o.phone()); ok && n.OrderId == o.OrderId {
		done := *n
		done.PhoneNumberId = o.PhoneNumberId
		done.Status = statusActive
		st.addNumber(&done)
	}
}

// releaseNumber marks the inventory record of a port that will never
// complete Cancelled, so that a fresh port-in may be submitted.
func (st *store) releaseNumber(o *order) {
	n, ok := st.numbers.get(o.phone())
	if !ok || n.OrderId != o.OrderId || n.Status != statusPorting {
		return
	}
	gone := *n
	gone.Status = statusCancelled
	if st.iccids[gone.ICCID] == gone.PhoneNumber {
		delete(st.iccids, gone.ICCID)
	}
	st.numbers.put(&gone)
}

// settleAll moves every order that moves with the clock.
func (st *store) settleAll() {
	for id := range st.moving {
		if o, ok := st.orders.get(id); ok {
			st.settle(o)
		}
	}
}

// settleNumber moves the open port-in order of a number, if any.
func (st *store) settleNumber(phone string) {
	n, ok := st.numbers.get(phone)
	if !ok || n.Status != statusPorting {
		return
	}
	if o, ok := st.orders.get(n.OrderId); ok {
		st.settle(o)
	}
}

// Port classifications. Submit takes mvno or iot (the port-in OpenAPI
// enum). Eligibility takes those (the Best Practices example sends mvno)
// and Mobile or Landline (changelog v1.0.1.1), as does update (its API
// reference page gives Mobile and Landline): the documents disagree.
var (
	submitClassifications = []string{"mvno", "iot"}
	classifications       = []string{"Mobile", "Landline", "mvno", "iot"}
)

func checkEligibility(in *telegent.EligibilityRequest) error {
	return firstErr(
		required("PhoneNumber", in.PhoneNumber),
		checkE164("PhoneNumber", in.PhoneNumber),
		requiredOneOf("TargetClassification", &in.TargetClassification, classifications...),
	)
}

// eligibility answers whether a number can be ported in. It reserves the
// number, so that provision never hands it out: a port row of a manifest
// has its eligibility checked before anything of the manifest is
// provisioned, and its submit must not find the number taken by then.
func (st *store) eligibility(in *telegent.EligibilityRequest) (any, error) {
	st.settleNumber(in.PhoneNumber)
	if _, held := st.numbers.get(in.PhoneNumber); !held {
		st.reserve(in.PhoneNumber)
	}
	reason, refused := notEligible[lastFour(in.PhoneNumber)]
	if n, ok := st.numbers.get(in.PhoneNumber); ok && !refused {
		switch n.Status {
		case statusActive:
			reason, refused = msgAlreadyActive, true
		case statusPorting:
			reason, refused = "Number already has an open port-in order", true
		}
	}
	kind := "mobile"
	if in.TargetClassification == "Landline" {
		kind = "landline"
	}
	out := telegent.EligibilityResponse{PhoneNumber: in.PhoneNumber, Eligible: !refused, NumberType: kind, Message: reason}
	if !refused {
		out.CurrentCarrier = "Sandbox Wireless"
		out.Message = "Number is eligible for port-in"
	}
	return out, nil
}

// checkPortIn checks a submit. PortInDate is no field of the submit's
// OpenAPI schema: it is not read (the API ignores unknown fields); an order
// gets its date by an update.
func (s *Server) checkPortIn(in *telegent.PortInRequest) error {
	return firstErr(
		required("PortInNumber", in.PortInNumber),
		checkE164("PortInNumber", in.PortInNumber),
		required("CurrentCarrierName", in.CurrentCarrierName),
		required("CurrentAccountNumber", in.CurrentAccountNumber),
		required("CurrentAccountPassword", in.CurrentAccountPassword),
		requireAddress("CurrentBillingAddress", in.CurrentBillingAddress),
		checkICCID("ICCID", in.ICCID),
		oneOf("TargetPortinClassification", &in.TargetPortinClassification, submitClassifications...),
	)
}

// portIn opens a port-in order and puts the number in the inventory as
// Porting. A number with an open order, or already active, is refused.
func (st *store) portIn(in *telegent.PortInRequest) (any, error) {
	phone := in.PortInNumber
	st.settleNumber(phone)
	switch notEligible[lastFour(phone)] {
	case msgNotPortable:
		return nil, errBadRequest("PortInNumber is not eligible: %s", msgNotPortable)
	case msgAlreadyActive:
		return nil, errConflict("PortInNumber: %s", msgAlreadyActive)
	}
	if n, ok := st.numbers.get(phone); ok {
		switch n.Status {
		case statusActive:
			return nil, errConflict("PortInNumber %s is already active on this platform", phone)
		case statusPorting:
			return nil, errConflict("PortInNumber %s already has an open port-in order %s", phone, n.OrderId)
		}
	}
	if err := st.checkICCIDFree(in.ICCID, phone); err != nil {
		return nil, err
	}
	_, test := portTests[lastFour(phone)]
	o := &order{
		OrderDetails: telegent.OrderDetails{
			OrderDate:           timestamp(st.now),
			OrderId:             st.newID("JNUOID"),
			OrderStatus:         telegent.PortSubmitted,
			OrderType:           "portin",
			PhoneNumbersOrdered: []telegent.PhoneNumberRef{{Number: phone}},
		},
		Port: &portState{
			CarrierName:    in.CurrentCarrierName,
			AccountNumber:  in.CurrentAccountNumber,
			PasswordDigest: st.secretDigest(in.CurrentAccountPassword),
			Billing:        in.CurrentBillingAddress,
			SubscriberName: in.SubscriberName,
			ICCID:          in.ICCID,
			Classification: cmp.Or(in.TargetPortinClassification, "mvno"),
			StageAt:        st.now,
			Blocked:        test,
		},
	}
	numberType, messageType := classify(o.Port.Classification)
	st.addNumber(&telegent.Number{
		PhoneNumber:    phone,
		NumberType:     numberType,
		MessageType:    messageType,
		MessageEnabled: true,
		DataEnabled:    numberType == "iot",
		ICCID:          in.ICCID,
		Status:         statusPorting,
		OrderId:        o.OrderId,
		OrderType:      "portin",
		CreatedAt:      st.now.Format(time.RFC3339),
	})
	st.orders.put(o)
	st.moving[o.OrderId] = struct{}{}
	return telegent.PortInResponse{
		OrderId:     o.OrderId,
		OrderDate:   o.OrderDate,
		Status:      telegent.PortPending,
		PhoneNumber: phone,
		ICCID:       in.ICCID,
	}, nil
}

// classify maps a port-in classification to the number's type and message
// type: a landline comes in as voip (a2p), anything else as p2p.
func classify(classification string) (numberType, messageType string) {
	switch classification {
	case "iot":
		return "iot", "p2p"
	case "Landline":
		return "voip", "a2p"
	}
	return "mvno", "p2p"
}

func checkPortInUpdate(in *telegent.PortInUpdateRequest) error {
	err := firstErr(
		required("OrderId", in.OrderId),
		checkICCID("ICCID", in.ICCID),
		oneOf("TargetPortinClassification", &in.TargetPortinClassification, classifications...),
		checkDate("PortInDate", &in.PortInDate),
	)
	if err == nil && in.CurrentBillingAddress != nil {
		err = checkZip("CurrentBillingAddress.Zip", in.CurrentBillingAddress.Zip)
	}
	return err
}

// portInOrder returns the port-in order with id, moved to now.
func (st *store) portInOrder(id string) (*order, error) {
	o, err := st.order(id)
	if err != nil {
		return nil, err
	}
	if o.Port == nil {
		return nil, errBadRequest("OrderId %s is a %s order, not a port-in", id, o.OrderType)
	}
	st.settle(o)
	return o, nil
}

// updatePortIn changes an open or rejected order. On a rejected order, an
// update that changes the detail the rejection names sends it back to
// Submitted with its clock restarted; any other update has it rejected
// again one stage later.
func (st *store) updatePortIn(in *telegent.PortInUpdateRequest) (any, error) {
	o, err := st.portInOrder(in.OrderId)
	if err != nil {
		return nil, err
	}
	switch o.OrderStatus {
	case telegent.PortCompleted, telegent.PortCancelled, telegent.OrderError:
		return nil, errConflict("order %s is %s and can no longer be updated; submit a new port-in order instead", o.OrderId, o.OrderStatus)
	}
	if o.FinalState {
		return nil, errConflict("order %s was rejected for good (%s): no update clears it", o.OrderId, o.OrderStatusMessage)
	}
	if err := st.checkICCIDFree(in.ICCID, o.phone()); err != nil {
		return nil, err
	}
	p := *o.Port
	changed := st.applyPortUpdate(&p, in)
	if fix := portTests[lastFour(o.phone())].fixedBy; p.Blocked && fix != neverFixed && changed[fix] {
		p.Blocked = false
	}
	if o.OrderStatus == telegent.PortRejected {
		o.OrderStatusCode, o.OrderStatusMessage = "", ""
		o.OrderStatus = telegent.PortSubmitted
		if p.Blocked {
			o.OrderStatus = telegent.PortPendingCarrierApproval
		}
		p.StageAt = st.now
		st.moving[o.OrderId] = struct{}{}
	}
	o.Port = &p
	o.PortInDate = cmp.Or(in.PortInDate, o.PortInDate)
	st.orders.put(o)
	if n, ok := st.numbers.get(o.phone()); ok && n.OrderId == o.OrderId && in.ICCID != "" && in.ICCID != n.ICCID {
		bound := *n
		delete(st.iccids, n.ICCID)
		bound.ICCID = in.ICCID
		st.addNumber(&bound)
	}
	return telegent.PortInUpdateResponse{OrderId: o.OrderId, Status: "Updated", Message: "Port-in order updated successfully"}, nil
}

// applyPortUpdate writes the details an update supplies into p and reports
// which of them changed, by the test-rejection field each one fixes.
func (st *store) applyPortUpdate(p *portState, in *telegent.PortInUpdateRequest) map[portField]bool {
	changed := map[portField]bool{}
	set := func(dst *string, v string, f portField) {
		if v != "" && v != *dst {
			*dst = v
			changed[f] = true
		}
	}
	set(&p.AccountNumber, in.CurrentAccountNumber, fixAccountNumber)
	set(&p.SubscriberName, in.SubscriberName, fixName)
	if in.CurrentAccountPassword != "" {
		set(&p.PasswordDigest, st.secretDigest(in.CurrentAccountPassword), fixPassword)
	}
	if a := in.CurrentBillingAddress; a != nil {
		set(&p.Billing.Street1, a.Street1, fixAddress)
		set(&p.Billing.Zip, a.Zip, fixZip)
		set(&p.Billing.Street2, a.Street2, neverFixed)
		set(&p.Billing.City, a.City, neverFixed)
		set(&p.Billing.State, a.State, neverFixed)
	}
	set(&p.CarrierName, in.CurrentCarrierName, neverFixed)
	set(&p.Classification, in.TargetPortinClassification, neverFixed)
	set(&p.ICCID, in.ICCID, neverFixed)
	if changed[fixZip] {
		changed[fixAddress] = true // the ZIP code is part of the address
	}
	return changed
}

func checkPortInCancel(in *telegent.PortInCancelRequest) error {
	return required("OrderId", in.OrderId)
}

// cancelPortIn cancels for good. Cancelling a cancelled order answers
// Cancelled again; a completed order, or one closed with Error, cannot be
// cancelled.
func (st *store) cancelPortIn(in *telegent.PortInCancelRequest) (any, error) {
	o, err := st.portInOrder(in.OrderId)
	if err != nil {
		return nil, err
	}
	switch o.OrderStatus {
	case telegent.PortCompleted, telegent.OrderError:
		return nil, errConflict("order %s is %s and cannot be cancelled", o.OrderId, o.OrderStatus)
	case telegent.PortCancelled:
	default:
		o.OrderStatus = telegent.PortCancelled
		o.FinalState = true
		delete(st.moving, o.OrderId)
		st.releaseNumber(o)
		st.orders.put(o)
	}
	return telegent.PortInCancelResponse{OrderId: o.OrderId, Status: telegent.PortCancelled}, nil
}

func checkPortOut(in *telegent.PortOutRequest) error {
	err := firstErr(
		required("PortOutNumber", in.PortOutNumber),
		checkE164("PortOutNumber", in.PortOutNumber),
		required("PortOutPIN", in.PortOutPIN),
	)
	if err == nil && (len(in.PortOutPIN) < 4 || len(in.PortOutPIN) > 10 || !allDigits(in.PortOutPIN)) {
		err = errBadRequest("PortOutPIN must be 4-10 digits")
	}
	return err
}

// portOut issues a port-out PIN for an active number: a new Pending order on
// every call. The gaining carrier's side is simulated by the clock: the
// order completes PortOutSteps stages after it was opened (see
// settlePortOut).
func (st *store) portOut(in *telegent.PortOutRequest) (any, error) {
	phone := in.PortOutNumber
	st.settleNumber(phone)
	n, ok := st.numbers.get(phone)
	if !ok || n.Status != statusActive {
		return nil, errNotFound("PortOutNumber %s is not an active number in the inventory", phone)
	}
	o := &order{
		OrderDetails: telegent.OrderDetails{
			OrderDate:           timestamp(st.now),
			OrderId:             st.newID("JNUOID"),
			OrderStatus:         telegent.PortPending,
			OrderType:           "portout",
			PhoneNumbersOrdered: []telegent.PhoneNumberRef{{Number: phone}},
			PhoneNumberId:       n.PhoneNumberId,
		},
	}
	st.orders.put(o)
	st.moving[o.OrderId] = struct{}{}
	marked := *n
	marked.OrderId, marked.OrderType = o.OrderId, "portout"
	st.numbers.put(&marked)
	return telegent.PortOutResponse{OrderId: o.OrderId, OrderDate: o.OrderDate, Status: o.OrderStatus, PhoneNumber: phone}, nil
}

// portOutStages is how many PortSteps of virtual time a port-out order
// stays Pending before the gaining carrier completes it.
const portOutStages = 2

// settlePortOut completes a Pending port-out order once its time has come:
// the order is Completed (dated), and the number, if this order is still
// its latest, leaves the inventory's active numbers (Cancelled). The
// vendor documents show only Pending for a port-out; Completed is the
// word of the port-in list (docs/sandbox.md names the assumption).
func (st *store) settlePortOut(o *order) {
	if o.OrderStatus != telegent.PortPending {
		delete(st.moving, o.OrderId)
		return
	}
	opened, err := time.Parse("2006-01-02T15:04:05.0000000-07:00", o.OrderDate)
	if err != nil {
		return
	}
	done := opened.Add(portOutStages * st.portStep)
	if done.After(st.now) {
		return
	}
	o.OrderStatus = telegent.PortCompleted
	o.CompletedDate = timestamp(done)
	o.FinalState = true
	delete(st.moving, o.OrderId)
	st.orders.put(o)
	if n, ok := st.numbers.get(o.phone()); ok && n.OrderId == o.OrderId && n.Status == statusActive {
		gone := *n
		gone.Status = statusCancelled
		if st.iccids[gone.ICCID] == gone.PhoneNumber {
			delete(st.iccids, gone.ICCID)
		}
		st.numbers.put(&gone)
	}
}
