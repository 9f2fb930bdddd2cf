package jobs

import (
	"context"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The requests of a line's steps (a Numbers or PortIns row): its number's
// provision or binding, its data limits and message filter, and the
// port-out PIN of a PortOuts row.

// lineFlags returns a line's capability flags with their defaults.
func lineFlags(row *plan.Row) (message, voice, data bool) {
	message, set := row.Bool("MessageEnabled")
	if !set {
		message = true
	}
	voice, _ = row.Bool("VoiceEnabled")
	data, set = row.Bool("DataEnabled")
	if !set {
		data = strings.EqualFold(row.Get("NumberType"), "iot")
	}
	return message, voice, data
}

// lineParents resolves the owner and routes of a Numbers or PortIns row.
type lineParents struct {
	account, subscriber, messageRoute, voiceRoute string
}

func (r *Runner) lineParents(ri plan.RowID) (lineParents, error) {
	var lp lineParents
	var err error
	if lp.account, err = r.parentID(ri, plan.Accounts); err != nil {
		return lp, err
	}
	if lp.subscriber, err = r.parentID(ri, plan.Subscribers); err != nil {
		return lp, err
	}
	if lp.messageRoute, err = r.parentID(ri, plan.MessageRoutes); err != nil {
		return lp, err
	}
	if lp.voiceRoute, err = r.parentID(ri, plan.VoiceRoutes); err != nil {
		return lp, err
	}
	if lp.account == "" && lp.subscriber != "" {
		// A subscriber created by this run knows its account.
		if pr, _ := r.p.Parent(ri, plan.Subscribers); pr >= 0 {
			if s := r.p.RowStep(pr, plan.SubscriberCreate); s >= 0 {
				lp.account = r.createdID(s, colAccountID)
			}
		}
	}
	return lp, nil
}

// prepareProvision notes the subscriber's numbers before the provision is
// sent (see fenceNumbers).
func (r *Runner) prepareProvision(ctx context.Context, rec *checkpoint.Record, ri plan.RowID) (sendFunc, error) {
	if err := r.fenceNumbers(ctx, rec, ri); err != nil {
		return nil, err
	}
	return r.sendProvision(ri), nil
}

func (r *Runner) sendProvision(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		lp, err := r.lineParents(ri)
		if err != nil {
			return nil, nil, err
		}
		msg, voice, data := lineFlags(row)
		req := telegent.ProvisionRequest{
			NumberType:           row.Get("NumberType"),
			MessageType:          row.Get("MessageType"),
			MessageEnabled:       msg,
			VoiceEnabled:         voice,
			DataEnabled:          data,
			ProductType:          row.Get("ProductType"),
			MessageRouteId:       lp.messageRoute,
			AreaCode:             row.Get("AreaCode"),
			ZipCode:              row.Get("ZipCode"),
			ICCID:                row.Get("ICCID"),
			AssignedSubscriberId: lp.subscriber,
			AccountId:            lp.account,
		}
		if voice {
			req.VoiceRouteId = lp.voiceRoute
		}
		p, err := r.c.Provision(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{
			colPhoneNumberID: p.PhoneNumberId,
			colPhoneNumber:   p.PhoneNumberAssigned,
			colOrderID:       p.OrderId,
			colSubscriberID:  lp.subscriber,
			colQRCode:        p.QRCode,
		}, nil, nil
	}
}

// lineNumber returns the number (NID and E.164) of a Numbers or PortIns
// row: given in the row, or obtained by its provision or port.
func (r *Runner) lineNumber(ri plan.RowID) (nid, phone string) {
	row := &r.p.Rows[ri]
	nid, phone = ownValue(row, colPhoneNumberID), ownValue(row, colPhoneNumber)
	if row.Kind == plan.PortIns {
		phone = row.Key
	}
	for _, a := range []plan.Action{plan.NumberProvision, plan.PortInMonitor, plan.NumberBind} {
		s := r.p.RowStep(ri, a)
		if s < 0 {
			continue
		}
		var got createdIDs
		if e, ok := r.ids.done(s); ok { // a provision done in this run
			got = createdIDs{id: e.id, account: e.account}
		} else {
			rec := r.record(s)
			got = createdIDs{id: rec.IDs[colPhoneNumberID], account: rec.IDs[colPhoneNumber]}
		}
		if got.id != "" {
			nid = got.id
		}
		if got.account != "" {
			phone = got.account
		}
	}
	return nid, phone
}

func (r *Runner) sendDataUsage(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		_, phone := r.lineNumber(ri)
		unit := row.Get("ValueUnit")
		if unit == "" {
			unit = "MB"
		}
		limit, _ := row.Int("LimitValue")
		req := telegent.DataUsageRequest{
			ValueUnit:     unit,
			LimitValue:    limit,
			NotifyValue:   optInt(row, "NotifyValue"),
			ThrottleValue: optInt(row, "ThrottleValue"),
			ThrottleSpeed: row.Get("ThrottleSpeed"),
			PhoneNumbers:  []telegent.PhoneNumberRef{{Number: phone}},
		}
		_, err := r.c.SetDataUsage(ctx, req)
		return nil, nil, err
	}
}

func (r *Runner) sendMessageFilter(ri plan.RowID) sendFunc {
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		sub, err := r.parentID(ri, plan.Subscribers)
		if err != nil {
			return nil, nil, err
		}
		level := ""
		if pr, _ := r.p.Parent(ri, plan.Subscribers); pr >= 0 {
			level = r.p.Rows[pr].Get("FilterLevel")
		}
		_, phone := r.lineNumber(ri)
		f, err := r.c.CreateMessageFilter(ctx, telegent.MessageFilterRequest{
			SubscriberId: sub,
			Phone:        phone,
			FilterMode:   level,
		})
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colFilterID: f.FilterId}, nil, nil
	}
}

func (r *Runner) sendBind(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		lp, err := r.lineParents(ri)
		if err != nil {
			return nil, nil, err
		}
		nid, phone := r.lineNumber(ri)
		msg, voice, data := lineFlags(row)
		req := telegent.NumberUpdateRequest{
			PhoneNumberId:        nid,
			AccountId:            lp.account,
			AssignedSubscriberId: lp.subscriber,
			MessageRouteId:       lp.messageRoute,
			ICCID:                row.Get("ICCID"),
			MessageEnabled:       &msg,
			VoiceEnabled:         &voice,
			DataEnabled:          &data,
		}
		if nid == "" {
			req.PhoneNumber = phone
		}
		if voice {
			req.VoiceRouteId = lp.voiceRoute
		}
		n, err := r.c.UpdateNumber(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colPhoneNumberID: n.PhoneNumberId, colPhoneNumber: n.PhoneNumber,
			colSubscriberID: lp.subscriber}, nil, nil
	}
}

// preparePortOut notes the number's latest order before the PIN order is
// sent (see fence).
func (r *Runner) preparePortOut(ctx context.Context, rec *checkpoint.Record, ri plan.RowID) (sendFunc, error) {
	if err := r.fence(ctx, rec, r.p.Rows[ri].Key); err != nil {
		return nil, err
	}
	return r.sendPortOut(ri), nil
}

func (r *Runner) sendPortOut(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		o, err := r.c.PortOut(ctx, telegent.PortOutRequest{
			PortOutNumber: row.Key,
			PortOutPIN:    row.Get("PortOutPIN"),
		})
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colOrderID: o.OrderId, colPhoneNumber: o.PhoneNumber},
			map[string]string{colPortStatus: o.Status}, nil
	}
}
