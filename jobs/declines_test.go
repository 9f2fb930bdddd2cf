package jobs

import (
	"strings"
	"testing"

	"telegent-bulk/telegent"
)

// Every decline family of seed 003, in its own words and in the carrier
// phrasings the sandbox uses, leads to the column to fix; an unknown
// reason keeps the carrier's words and says to contact support.
func TestDeclineFix(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"Number not eligible for porting.", "Action=cancel"},
		{"Number not found with donor carrier.", "check PortInNumber and CurrentCarrierName"},
		{"Same provider for donor and recipient.", "already on this network"},
		{"Information mismatch with donor carrier records.", "check SubscriberName, CurrentAccountNumber"},
		{"Number not active with donor carrier.", "not active at the losing carrier"},
		{"Number reserved for carrier use.", "cannot be ported"},
		{"Active porting request exists with another carrier.", "another carrier has an open port request"},
		{"Pending porting request already exists.", "already open"},
		{"Port protection enabled.", "lift port protection"},
		{"Account PIN required or invalid.", "fix CurrentAccountPassword (the PIN"},
		{"Account number required or invalid.", "fix CurrentAccountNumber"},
		{"Address required or invalid.", "fix BillingStreet1"},
		{"Postal code required or invalid.", "fix BillingZip"},
		{"First name required or invalid.", "fix SubscriberName"},
		{"Last name required or invalid.", "fix SubscriberName"},
		{"Billing pin required or invalid.", "billing PIN"},
		{"Duplicated porting request", "already open"},
		{"The carrier name does not match the number's current provider", "fix CurrentCarrierName"},
		{"Shipping delayed at the carrier", ""},                                           // "pin" inside a word is no PIN
		{"Unknown reason. Contact support.", ""},                                          // portingDeclined: no family
		{"The phone number has port protection on the provider.", "lift port protection"}, // seed 003's example
		// The sandbox's rejections (telegent/sandbox/porting.go), by test number.
		{"Account number required or invalid: the account number does not match the losing carrier's records", "fix CurrentAccountNumber"},
		{"Account PIN required or invalid: the PIN does not match the losing carrier's records", "fix CurrentAccountPassword (the PIN"},
		{"Name required or invalid: the first or last name does not match the losing carrier's records", "fix SubscriberName"},
		{"Port protected: the number has port protection (a number lock) at the losing carrier; the subscriber must lift it and give a new PIN", "lift port protection"},
		{"Address required or invalid: the billing address does not match the losing carrier's records", "fix BillingStreet1"},
		{"Postal code required or invalid: the billing ZIP code does not match the losing carrier's records", "fix BillingZip"},
		{"Billing PIN required or invalid: the losing carrier needs the billing PIN set on the account", "billing PIN"},
		{"Number not active: the number is not active with the losing carrier and cannot be ported", "not active at the losing carrier"},
	} {
		got, ok := declineFix(tc.msg)
		if tc.want == "" {
			if ok {
				t.Errorf("declineFix(%q) = %q, want no family", tc.msg, got)
			}
			continue
		}
		if !ok || !strings.Contains(got, tc.want) {
			t.Errorf("declineFix(%q) = %q, want it to say %q", tc.msg, got, tc.want)
		}
	}
}

// A reason no family knows keeps the carrier's words and says to contact
// support; a known one names the column to fix after the carrier's words.
func TestRejectionText(t *testing.T) {
	unknown := rejection(&telegent.OrderDetails{OrderStatusMessage: "Unknown reason. Contact support."})
	if !strings.Contains(unknown, "Unknown reason. Contact support.") || !strings.Contains(unknown, "contact Telegent support") {
		t.Errorf("unknown reason: %q, want the carrier's words and contact support", unknown)
	}
	known := rejection(&telegent.OrderDetails{OrderStatusMessage: "Postal code required or invalid."})
	if !strings.HasPrefix(known, "port rejected: Postal code required or invalid. — fix BillingZip") {
		t.Errorf("known reason: %q", known)
	}
}
