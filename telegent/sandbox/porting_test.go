package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// step is long enough that the real time a test takes never moves an order.
const step = time.Hour

// newPortSandbox is a sandbox under the extended profile, whose orders
// show the port clock's details (codes, declined counts, the inventory's
// order); testPortProfiles runs a test under both profiles.
func newPortSandbox(t *testing.T) (*Server, *client) {
	return newProfileSandbox(t, ProfileExtended)
}

func newProfileSandbox(t *testing.T, p Profile) (*Server, *client) {
	return newSandbox(t, Options{Seed: 7, PortStep: step, TokenTTL: 1000 * time.Hour, Profile: p})
}

var profiles = []Profile{ProfileDocumented, ProfileExtended}

// messageOf returns the OrderStatusMessage of the rejection with code.
func messageOf(t *testing.T, code string) string {
	t.Helper()
	for _, pt := range portTests {
		if pt.code == code {
			return pt.message
		}
	}
	t.Fatalf("no port test with code %s", code)
	return ""
}

func (c *client) portIn(req telegent.PortInRequest) telegent.PortInResponse {
	c.t.Helper()
	var resp telegent.PortInResponse
	c.mustPost(telegent.PathPortIn, req, &resp)
	return resp
}

// wantOrder checks an order's status and rejection: under the extended
// profile its code and declined count, under the documented one (which
// shows neither) the message of the rejection with that code.
func wantOrder(t *testing.T, c *client, id, status, code string, declined int) telegent.OrderDetails {
	t.Helper()
	o := c.order(id)
	if c.profile == ProfileDocumented {
		msg := ""
		if code != "" {
			msg = messageOf(t, code)
		}
		if o.OrderStatus != status || o.OrderStatusMessage != msg || o.OrderStatusCode != "" || o.DeclinedAttempts != 0 {
			t.Fatalf("order = %s/%q (code %q, %d declined), want %s/%q and no code or count", o.OrderStatus, o.OrderStatusMessage, o.OrderStatusCode, o.DeclinedAttempts, status, msg)
		}
		return o
	}
	if o.OrderStatus != status || o.OrderStatusCode != code || o.DeclinedAttempts != declined {
		t.Fatalf("order = %s/%q/%d declined, want %s/%q/%d", o.OrderStatus, o.OrderStatusCode, o.DeclinedAttempts, status, code, declined)
	}
	return o
}

func TestPortInCompletesStageByStage(t *testing.T) {
	t.Parallel()
	s, c := newPortSandbox(t)
	const number = "+18015550123"
	resp := c.portIn(portInRequest(number))
	if resp.Status != "Pending" || !strings.HasPrefix(resp.OrderId, "JNUOID-") || resp.PhoneNumber != number {
		t.Fatalf("submit answer = %+v, want Pending with a JNUOID-", resp)
	}
	inv := c.inventory("?PhoneNumber=%2B18015550123").Results
	if len(inv) != 1 || inv[0].Status != "Porting" || inv[0].OrderId != resp.OrderId || inv[0].OrderType != "portin" || inv[0].PhoneNumberId != "" {
		t.Fatalf("inventory while porting = %+v, want one Porting record with the order and no NID", inv)
	}
	for _, want := range []string{"Submitted", "Pending Carrier Approval", "Scheduled", "Completed"} {
		o := wantOrder(t, c, resp.OrderId, want, "", 0)
		if o.OrderType != "portin" || o.PhoneNumbersOrdered[0].Number != number {
			t.Fatalf("order = %+v, want a portin of %s", o, number)
		}
		s.Advance(step)
	}
	o := c.order(resp.OrderId)
	inv = c.inventory("?PhoneNumber=%2B18015550123").Results
	if !strings.HasPrefix(o.PhoneNumberId, "NID-") || o.CompletedDate == "" || len(inv) != 1 || inv[0].Status != "Active" || inv[0].PhoneNumberId != o.PhoneNumberId {
		t.Errorf("after completion: order %+v, inventory %+v, want the number Active under the order's NID", o, inv)
	}
	provisions := 0
	for _, o := range s.State().Orders {
		if o.OrderType == "provision" {
			provisions++
		}
	}
	if provisions != 0 {
		t.Errorf("a port-in bought %d numbers, want none", provisions)
	}
}

func TestPortInTestNumbersRejectUntilFixed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number, code string
		noFix, fix   telegent.PortInUpdateRequest
	}{
		{"+18015559911", "ACCOUNT_NUMBER_MISMATCH",
			telegent.PortInUpdateRequest{CurrentCarrierName: "AT&T"},
			telegent.PortInUpdateRequest{CurrentAccountNumber: "99887766"}},
		{"+18015559912", "PIN_INVALID",
			telegent.PortInUpdateRequest{CurrentAccountPassword: "0550"}, // the same PIN again
			telegent.PortInUpdateRequest{CurrentAccountPassword: "7421"}},
		{"+18015559913", "NAME_MISMATCH",
			telegent.PortInUpdateRequest{CurrentAccountNumber: "1"},
			telegent.PortInUpdateRequest{SubscriberName: "Jane Q Doe"}},
		{"+18015559914", "PORT_PROTECTED",
			telegent.PortInUpdateRequest{SubscriberName: "Jane Q Doe"},
			telegent.PortInUpdateRequest{CurrentAccountPassword: "9999"}},
		{"+18015559915", "ADDRESS_MISMATCH",
			telegent.PortInUpdateRequest{CurrentBillingAddress: &telegent.Address{City: "Provo"}},
			telegent.PortInUpdateRequest{CurrentBillingAddress: &telegent.Address{Zip: "84604"}}},
		{"+18015559916", "POSTAL_CODE_MISMATCH",
			telegent.PortInUpdateRequest{CurrentBillingAddress: &telegent.Address{Street1: "9 Elm"}},
			telegent.PortInUpdateRequest{CurrentBillingAddress: &telegent.Address{Zip: "84604"}}},
		{"+18015559917", "BILLING_PIN_INVALID",
			telegent.PortInUpdateRequest{CurrentAccountNumber: "1"},
			telegent.PortInUpdateRequest{CurrentAccountPassword: "5150"}},
	}
	for _, tt := range tests {
		for _, p := range profiles {
			t.Run(tt.code+"/"+p.String(), func(t *testing.T) {
				testRejectUntilFixed(t, p, tt.number, tt.code, tt.noFix, tt.fix)
			})
		}
	}
}

// testRejectUntilFixed submits a test number, checks its rejection, that an
// update of another detail does not clear it and that one of the detail the
// message names does.
func testRejectUntilFixed(t *testing.T, p Profile, number, code string, noFix, fix telegent.PortInUpdateRequest) {
	s, c := newProfileSandbox(t, p)
	id := c.portIn(portInRequest(number)).OrderId
	s.Advance(step)
	wantOrder(t, c, id, "Pending Carrier Approval", "", 0)
	s.Advance(step)
	o := wantOrder(t, c, id, "Rejected", code, 1)
	if p == ProfileExtended && o.LastDeclinedAt == "" {
		t.Errorf("rejection without LastDeclinedAt: %+v", o)
	}
	if status, _ := c.post(telegent.PathPortIn, portInRequest(number), nil); status != c.conflict() {
		t.Errorf("second submit while the order can still be fixed: %d, want %d", status, c.conflict())
	}

	noFix.OrderId = id
	var ack telegent.PortInUpdateResponse
	c.mustPost(telegent.PathPortInUpdate, noFix, &ack)
	if ack.Status != "Updated" || ack.OrderId != id {
		t.Errorf("update answer = %+v, want Updated", ack)
	}
	s.Advance(step)
	wantOrder(t, c, id, "Rejected", code, 2)

	fix.OrderId = id
	c.mustPost(telegent.PathPortInUpdate, fix, nil)
	wantOrder(t, c, id, "Submitted", "", 2)
	s.Advance(3 * step)
	wantOrder(t, c, id, "Completed", "", 2)
}

func TestPortInRejectedForGood(t *testing.T) {
	t.Parallel()
	s, c := newPortSandbox(t)
	const number = "+18015559919"
	id := c.portIn(portInRequest(number)).OrderId
	// Updates before the rejection change nothing either.
	c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, CurrentCarrierName: "AT&T",
		CurrentBillingAddress: &telegent.Address{City: "Provo", Street1: "9 Elm"}, CurrentAccountNumber: "3", CurrentAccountPassword: "2222", SubscriberName: "Y"}, nil)
	s.Advance(2 * step)
	wantOrder(t, c, id, "Rejected", "NOT_ACTIVE", 1)
	status, _ := c.post(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, CurrentAccountNumber: "2", CurrentAccountPassword: "1111", SubscriberName: "X"}, nil)
	if status != http.StatusConflict {
		t.Errorf("update of a final rejection: %d, want 409", status)
	}
	s.Advance(10 * step)
	wantOrder(t, c, id, "Rejected", "NOT_ACTIVE", 1)
	if inv := c.inventory("?PhoneNumber=%2B18015559919").Results; len(inv) != 1 || inv[0].Status != "Cancelled" {
		t.Errorf("inventory after a final rejection = %+v, want Cancelled", inv)
	}
	again := c.portIn(portInRequest(number)) // a fresh port may be tried
	if again.OrderId == id {
		t.Errorf("fresh port-in reused order %s", id)
	}
}

func TestPortInEligibility(t *testing.T) {
	t.Parallel()
	_, c := newPortSandbox(t)
	tests := []struct {
		number       string
		wantEligible bool
		wantMsg      string
		submitStatus int
	}{
		{"+18015559901", false, "Number is not portable to this classification", http.StatusBadRequest},
		{"+18015559902", false, "Number is already active on this platform", http.StatusConflict},
		{"+13855550100", false, "Number is already active on this platform", http.StatusConflict}, // preloaded
		{"+18015550777", true, "eligible", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			var e telegent.EligibilityResponse
			c.mustPost(telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: tt.number, TargetClassification: "mobile"}, &e)
			if e.Eligible != tt.wantEligible || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("eligibility = %+v, want eligible=%v with %q", e, tt.wantEligible, tt.wantMsg)
			}
			if status, eb := c.post(telegent.PathPortIn, portInRequest(tt.number), nil); status != tt.submitStatus {
				t.Errorf("submit: %d (%s), want %d", status, eb.Message, tt.submitStatus)
			}
		})
	}
}

func TestPortInCancelIsFinal(t *testing.T) {
	t.Parallel()
	s, c := newPortSandbox(t)
	const number = "+18015550444"
	id := c.portIn(portInRequest(number)).OrderId
	if status, _ := c.post(telegent.PathPortIn, portInRequest(number), nil); status != http.StatusConflict {
		t.Fatalf("second submit of an open port: %d, want 409", status)
	}
	for range 2 { // the second cancel is answered the same, changing nothing
		var resp telegent.PortInCancelResponse
		c.mustPost(telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: id}, &resp)
		if resp.Status != "Cancelled" || resp.OrderId != id {
			t.Fatalf("cancel answer = %+v, want Cancelled", resp)
		}
	}
	if status, _ := c.post(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, SubscriberName: "X"}, nil); status != http.StatusConflict {
		t.Errorf("update of a cancelled order: %d, want 409", status)
	}
	s.Advance(10 * step)
	wantOrder(t, c, id, "Cancelled", "", 0)
	if inv := c.inventory("?PhoneNumber=%2B18015550444").Results; len(inv) != 1 || inv[0].Status != "Cancelled" {
		t.Errorf("inventory after cancel = %+v, want one Cancelled record", inv)
	}

	fresh := c.portIn(portInRequest(number)).OrderId
	s.Advance(3 * step)
	wantOrder(t, c, fresh, "Completed", "", 0)
	if status, _ := c.post(telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: fresh}, nil); status != http.StatusConflict {
		t.Errorf("cancel of a completed order: %d, want 409", status)
	}
	if status, _ := c.post(telegent.PathPortIn, portInRequest(number), nil); status != http.StatusConflict {
		t.Errorf("port-in of a number now active: %d, want 409", status)
	}
}

func TestPortOutIssuesAnOrder(t *testing.T) {
	t.Parallel()
	s, c := newPortSandbox(t)
	const number = "+13855550107"
	var resp telegent.PortOutResponse
	c.mustPost(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: number, PortOutPIN: "482913"}, &resp)
	if resp.Status != "Pending" || !strings.HasPrefix(resp.OrderId, "JNUOID-") || resp.PhoneNumber != number {
		t.Fatalf("port-out answer = %+v, want a Pending JNUOID- order", resp)
	}
	o := c.order(resp.OrderId)
	if o.OrderType != "portout" || o.OrderStatus != "Pending" {
		t.Errorf("order = %+v, want a Pending portout", o)
	}
	inv := c.inventory("?PhoneNumber=%2B13855550107").Results
	if len(inv) != 1 || inv[0].OrderId != resp.OrderId || inv[0].OrderType != "portout" || inv[0].Status != "Active" {
		t.Errorf("inventory = %+v, want the number still Active, marked with the port-out order", inv)
	}

	porting := c.portIn(portInRequest("+18015550555"))
	status, _ := c.post(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+18015550555", PortOutPIN: "1234"}, nil)
	if status != http.StatusNotFound {
		t.Errorf("port-out of a number still porting in (%s): %d, want 404", porting.OrderId, status)
	}
	portouts := 0
	for _, o := range s.State().Orders {
		if o.OrderType == "portout" {
			portouts++
		}
	}
	if portouts != 1 {
		t.Errorf("port-out orders = %d, want 1", portouts)
	}
}
