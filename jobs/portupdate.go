package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// Seed 002 §8.2: while a port-in is open "you may need to correct
// details, push out the activation date". A row changed in any field that
// portin/update takes is sent as one update on its open order, whatever
// the order's status short of final; the submit's record notes what the
// order was last given (a fingerprint of those fields, never the PIN, and
// the PortInDate as the row holds it), so that the same change is never
// sent twice.

// portUpdate is the update that brings order orderID to row ri's values:
// the fields of seed 002's update example. The classification stays as
// submitted (the update page spells it Mobile/Landline, the submit
// mvno/iot).
func (r *ledger) portUpdate(ri plan.RowID, orderID string) telegent.PortInUpdateRequest {
	req := r.portInFields(ri)
	return telegent.PortInUpdateRequest{
		OrderId:                orderID,
		CurrentCarrierName:     req.CurrentCarrierName,
		CurrentAccountNumber:   req.CurrentAccountNumber,
		CurrentAccountPassword: req.CurrentAccountPassword,
		CurrentBillingAddress:  &req.CurrentBillingAddress,
		PortInDate:             portInDate(&r.p.Rows[ri]),
		SubscriberName:         req.SubscriberName,
		ICCID:                  req.ICCID,
	}
}

// updateFingerprint returns the fingerprint of the fields of up that the
// order holds, its date left out: a hash of the plain ones and an HMAC
// (under the checkpoint's MAC key) of the account password, as
// "hash:mac". The mac part is empty without a key or a password (a row
// fed back from a results workbook, whose PIN is masked).
func updateFingerprint(up telegent.PortInUpdateRequest, key []byte) string {
	h := sha256.New()
	a := telegent.Address{}
	if up.CurrentBillingAddress != nil {
		a = *up.CurrentBillingAddress
	}
	for _, v := range []string{up.CurrentCarrierName, up.CurrentAccountNumber, up.SubscriberName, up.ICCID,
		a.Street1, a.Street2, a.City, a.State, a.Zip} {
		h.Write([]byte(strconv.Itoa(len(v)) + ":" + v + ";"))
	}
	fp := hex.EncodeToString(h.Sum(nil))[:32] + ":"
	if key != nil && up.CurrentAccountPassword != "" {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("portin password;" + up.CurrentAccountPassword))
		fp += hex.EncodeToString(m.Sum(nil))[:32]
	}
	return fp
}

// fieldsDiffer tells whether fingerprint now differs from sent, the
// fingerprint the order was last given. A password that now is not given
// (masked) is not compared.
func fieldsDiffer(now, sent string) bool {
	nPlain, nMAC, _ := strings.Cut(now, ":")
	sPlain, sMAC, _ := strings.Cut(sent, ":")
	return nPlain != sPlain || (nMAC != "" && nMAC != sMAC)
}

// pendingUpdate says what row ri's open order orderID has yet to be
// given: its date only (dateOnly), or its fields (full). It returns the
// submit's record, which notes what was sent, and ok false when nothing is
// due.
func (r *ledger) pendingUpdate(i plan.StepID, orderID string) (sub checkpoint.Record, full, ok bool) {
	ri := r.p.Steps[i].Row
	sub, found, err := r.recs.Get(checkpoint.Key(r.p.Key(i).Sibling(plan.PortInSubmit)))
	if err != nil || !found || sub.IDs[colOrderID] != orderID {
		return checkpoint.Record{}, false, false
	}
	if sub.Data == nil {
		sub.Data = map[string]string{}
	}
	if sent, noted := sub.Data[noteFieldsSent]; noted {
		full = fieldsDiffer(updateFingerprint(r.portUpdate(ri, orderID), r.o.MACKey), sent)
	} else {
		// A record from an older version: the order holds the row as it
		// was when the submit ran.
		full = r.rowChanged(ri, sub)
	}
	date := r.p.Rows[ri].Get("PortInDate")
	return sub, full, full || (date != "" && sub.Data[noteDateSent] != date)
}

// sendChanges gives open order orderID what row ri changed since the order
// was last given its values: one portin/update with the row's fields (or
// its PortInDate alone when only the date is new). It returns the API's
// refusal (a 4xx), if any; a call that did not get through is tried again
// at the next poll.
func (r *Runner) sendChanges(ctx context.Context, i plan.StepID, orderID string) *telegent.Error {
	ri := r.p.Steps[i].Row
	sub, full, ok := r.pendingUpdate(i, orderID)
	if !ok {
		return nil
	}
	up := r.portUpdate(ri, orderID)
	if !full {
		up = telegent.PortInUpdateRequest{OrderId: orderID, PortInDate: up.PortInDate}
	}
	if _, err := r.c.UpdatePortIn(ctx, up); err != nil {
		if apiErr, ok := asAPIError(err); ok && telegent.Classify(err) == telegent.ClassFailRow {
			return apiErr
		}
		r.log.Warn("the update of an open port order did not get through; the next poll tries again",
			"step", string(r.p.Key(i)), "error", err)
		return nil
	}
	now := r.now()
	sub.Data[noteDateSent] = r.p.Rows[ri].Get("PortInDate")
	if full {
		sub.Data[noteFieldsSent] = updateFingerprint(up, r.o.MACKey)
		n, _ := strconv.Atoi(sub.Data[noteOpenUpdates])
		sub.Data[noteOpenUpdates] = strconv.Itoa(n + 1)
		sub.Data[noteUpdatedOrderAt] = now.Format(timeLayout)
	}
	// The order now holds the row as it is: a later rejection is fixed by
	// a change made after this one, not by this one again.
	sub.Fingerprint, sub.SecretMAC = r.p.Rows[ri].Fingerprint(r.o.MACKey)
	sub.UpdatedAt = now
	r.put(sub)
	return nil
}
