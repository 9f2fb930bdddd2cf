package jobs

import (
	"strings"

	"telegent-bulk/telegent"
)

// A rejected port order says why in OrderStatusMessage, the field the
// vendor's order-details page documents; no machine-readable reason is
// documented. The carrier's words are matched to the decline families a
// peer platform lists (seed 003: account number, PIN, name, address,
// postal code, port protection, number not active, not found, pending with
// another provider, duplicated, same provider, administrative, not
// eligible), each telling which column to fix. The first family whose
// words the message holds wins, so the more specific ones come first.

// declineFamily is one kind of rejection and what to do about it.
type declineFamily struct {
	words []string // any of them, lower case and as whole words, marks the family; a trailing * matches a word's start
	fix   string
}

var declineFamilies = []declineFamily{
	{[]string{"port protect*", "port-protect*", "number lock*", "locked"},
		"ask the subscriber to lift port protection at the losing carrier, put the new PIN in CurrentAccountPassword and re-run: the order is updated, not resubmitted"},
	{[]string{"billing pin"},
		"fix CurrentAccountPassword (the billing PIN at the losing carrier) and re-run: the order is updated, not resubmitted"},
	{[]string{"pin", "password", "passcode"},
		"fix CurrentAccountPassword (the PIN or password at the losing carrier) and re-run: the order is updated, not resubmitted"},
	{[]string{"account number", "account no", "account #"},
		"fix CurrentAccountNumber to the account number at the losing carrier and re-run: the order is updated, not resubmitted"},
	{[]string{"postal code", "zip"},
		"fix BillingZip to the ZIP on the losing carrier's bill and re-run: the order is updated, not resubmitted"},
	{[]string{"address", "street"},
		"fix BillingStreet1, BillingCity, BillingState and BillingZip to the losing carrier's billing address and re-run: the order is updated"},
	{[]string{"carrier name", "provider name"},
		"fix CurrentCarrierName to the losing carrier's name and re-run: the order is updated, not resubmitted"},
	{[]string{"first name", "last name", "name"},
		"fix SubscriberName to the name on the losing carrier's account and re-run: the order is updated, not resubmitted"},
	{[]string{"information mismatch", "does not match", "mismatch"},
		"check SubscriberName, CurrentAccountNumber, CurrentAccountPassword and the Billing columns against the losing carrier's records and re-run: the order is updated"},
	{[]string{"pending with another", "another provider", "another carrier", "other provider"},
		"another carrier has an open port request for this number: the subscriber must withdraw it there, then re-run; or set Action=cancel"},
	{[]string{"duplicat*", "already exists", "already pending"},
		"a port request for this number is already open: keep one — set Action=cancel on this row if the other one is right"},
	{[]string{"same provider", "same network", "same carrier"},
		"the number is already on this network: nothing to port — set Action=cancel"},
	{[]string{"not active", "inactive", "disconnected"},
		"the number is not active at the losing carrier: an update cannot fix this — check the number with the subscriber and set Action=cancel"},
	{[]string{"not found", "unknown number", "no such number"},
		"the losing carrier does not know this number: check PortInNumber and CurrentCarrierName; correct them and set Action=resubmit after cancelling, or set Action=cancel"},
	{[]string{"administrative", "reserved", "not eligible", "not portable"},
		"this number cannot be ported: set Action=cancel"},
}

// declineFix returns what to do about a rejection with this message, and
// whether a family was recognised.
func declineFix(msg string) (string, bool) {
	m := strings.ToLower(msg)
	for _, f := range declineFamilies {
		for _, w := range f.words {
			if hasWord(m, w) {
				return f.fix, true
			}
		}
	}
	return "", false
}

// hasWord tells whether w stands in s as a whole word (or words), not as
// part of a longer one: "pin" is in "invalid pin." but not in "shipping".
// A trailing * lets the word go on.
func hasWord(s, w string) bool {
	prefix := strings.HasSuffix(w, "*")
	w = strings.TrimSuffix(w, "*")
	for from := 0; ; {
		k := strings.Index(s[from:], w)
		if k < 0 {
			return false
		}
		start, end := from+k, from+k+len(w)
		if (start == 0 || !isLetter(s[start-1])) && (prefix || end == len(s) || !isLetter(s[end])) {
			return true
		}
		from = start + 1
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80 }

// rejection says why an order was rejected, in the carrier's words, and
// what to fix.
func rejection(o *telegent.OrderDetails) string {
	msg := "port rejected"
	if o.OrderStatusCode != "" {
		msg += " (" + o.OrderStatusCode + ")"
	}
	if o.OrderStatusMessage != "" {
		msg += ": " + o.OrderStatusMessage
	}
	if fix, ok := declineFix(o.OrderStatusMessage); ok {
		return msg + " — " + fix
	}
	return msg + " — the reason is not one the tool knows: contact Telegent support with the OrderId; if the row's carrier " +
		"details are wrong, correct them and re-run (the order is updated), or set Action=cancel"
}
