package jobs

import (
	"context"
	"fmt"

	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The send* functions map a row's normalised cells to one API request and
// the answer to the IDs kept in the checkpoint and the results.

func (r *Runner) sendAccount(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		req := telegent.AccountCreateRequest{
			AccountName:    row.Get("AccountName"),
			AccountAdmin:   row.Get("AccountAdmin"),
			BillingAddress: address(row, "Billing", true),
			MailingAddress: address(row, "Mailing", true),
		}
		a, err := r.c.CreateAccount(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colAccountID: a.AccountId}, nil, nil
	}
}

// address builds an address from the <prefix>Street1… columns; nil when
// none is given. withCountry adds Country (USA unless the row says).
func address(row *plan.Row, prefix string, withCountry bool) *telegent.Address {
	a := telegent.Address{
		Street1: row.Get(prefix + "Street1"),
		Street2: row.Get(prefix + "Street2"),
		City:    row.Get(prefix + "City"),
		State:   row.Get(prefix + "State"),
		Zip:     row.Get(prefix + "Zip"),
	}
	if a == (telegent.Address{}) {
		return nil
	}
	if withCountry {
		a.Country = row.Get(prefix + "Country")
		if a.Country == "" {
			a.Country = "USA"
		}
	}
	return &a
}

func (r *Runner) sendSubscriber(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		account, err := r.parentID(ri, plan.Accounts)
		if err != nil {
			return nil, nil, err
		}
		role := row.Get("Role")
		if role == "" {
			role = "Subscriber"
		}
		req := telegent.SubscriberCreateRequest{
			Name:         row.Get("Name"),
			Email:        row.Get("Email"),
			PhoneNumbers: phoneList(row),
			Role:         role,
			Password:     row.Get("Password"),
			AccountId:    account,
		}
		s, err := r.c.CreateSubscriber(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colSubscriberID: s.SubscriberId, colAccountID: account}, nil, nil
	}
}

func (r *Runner) sendGuardian(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		sub, err := r.subscriberOf(ri)
		if err != nil {
			return nil, nil, err
		}
		calls, _ := row.Bool("GuardianCalls")
		msgs, _ := row.Bool("GuardianMessages")
		if row.Get("FilterLevel") != "" {
			msgs = true
		}
		_, err = r.c.SetGuardianFeatures(ctx, telegent.GuardianFeatures{
			SubscriberId:                      sub,
			EnableIntelligentGuardianCalls:    calls,
			EnableIntelligentGuardianMessages: msgs,
		})
		return map[string]string{colSubscriberID: sub}, nil, err
	}
}

// subscriberOf returns the SubscriberId of a Subscribers row: given, or
// obtained by its create step.
func (r *Runner) subscriberOf(ri plan.RowID) (string, error) {
	row := &r.p.Rows[ri]
	if id := row.Get(colSubscriberID); id != "" {
		return id, nil
	}
	s := r.p.RowStep(ri, plan.SubscriberCreate)
	if s < 0 {
		return "", fmt.Errorf("subscriber %s has no SubscriberId", row.Key)
	}
	if id := r.createdID(s, colSubscriberID); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("SubscriberId of %s is not known yet", row.Key)
}

func (r *Runner) sendMessageRoute(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		account, err := r.parentID(ri, plan.Accounts)
		if err != nil {
			return nil, nil, err
		}
		method := row.Get("MessageUrlMethod")
		if method == "" {
			method = "POST"
		}
		req := telegent.MessageRouteCreateRequest{
			RouteName:                         row.Get("RouteName"),
			MessageUrl:                        row.Get("MessageUrl"),
			MessageUrlMethod:                  method,
			MessageRouteEnabled:               optBool(row, "MessageRouteEnabled"),
			MessageAuthenticationType:         row.Get("MessageAuthenticationType"),
			MessageUsername:                   row.Get("MessageUsername"),
			MessagePasswordToken:              row.Get("MessagePasswordToken"),
			CallbackMessageUrl:                row.Get("CallbackMessageUrl"),
			CallbackMessageUrlMethod:          row.Get("CallbackMessageUrlMethod"),
			CallbackMessageAuthenticationType: row.Get("CallbackMessageAuthenticationType"),
			CallbackMessageUsername:           row.Get("CallbackMessageUsername"),
			CallbackMessagePasswordToken:      row.Get("CallbackMessagePasswordToken"),
			InboundBypass:                     optBool(row, "InboundBypass"),
			OutboundBypass:                    optBool(row, "OutboundBypass"),
			IntelligentRouteEnabled:           optBool(row, "IntelligentRouteEnabled"),
			AccountId:                         account,
		}
		m, err := r.c.CreateMessageRoute(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colMessageRouteID: m.MessageRouteId}, nil, nil
	}
}

func (r *Runner) sendVoiceRoute(ri plan.RowID) sendFunc {
	row := &r.p.Rows[ri]
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		account, err := r.parentID(ri, plan.Accounts)
		if err != nil {
			return nil, nil, err
		}
		req := telegent.VoiceRouteCreateRequest{
			RouteName:               row.Get("RouteName"),
			RouteType:               row.Get("RouteType"),
			VoiceUrl:                row.Get("VoiceUrl"),
			VoiceUrlMethod:          row.Get("VoiceUrlMethod"),
			VoiceAuthenticationType: row.Get("VoiceAuthenticationType"),
			VoiceUsername:           row.Get("VoiceUsername"),
			VoicePasswordToken:      row.Get("VoicePasswordToken"),
			CallbackVoiceUrl:        row.Get("CallbackVoiceUrl"),
			CallbackVoiceUrlMethod:  row.Get("CallbackVoiceUrlMethod"),
			TrunkIp1:                row.Get("TrunkIp1"),
			TrunkPort1:              row.Get("TrunkPort1"),
			TrunkTransport1:         row.Get("TrunkTransport1"),
			TrunkUri1:               row.Get("TrunkUri1"),
			TrunkIp2:                row.Get("TrunkIp2"),
			TrunkPort2:              row.Get("TrunkPort2"),
			TrunkTransport2:         row.Get("TrunkTransport2"),
			TrunkUri2:               row.Get("TrunkUri2"),
			TrunkEnabled1:           optBool(row, "TrunkEnabled1"),
			TrunkEnabled2:           optBool(row, "TrunkEnabled2"),
			Trunk1Priortiy:          optInt(row, "Trunk1Priority"),
			Trunk1Weight:            optInt(row, "Trunk1Weight"),
			Trunk2Priortiy:          optInt(row, "Trunk2Priority"),
			Trunk2Weight:            optInt(row, "Trunk2Weight"),
			IpWhitelist:             ipList(row.List("IpWhitelist")),
			RouteEnabled:            optBool(row, "RouteEnabled"),
			IntelligentRouteEnabled: optBool(row, "IntelligentRouteEnabled"),
			AccountId:               account,
		}
		v, err := r.c.CreateVoiceRoute(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colCallRouteID: v.CallRouteId}, nil, nil
	}
}

func optBool(row *plan.Row, col string) *bool {
	if v, set := row.Bool(col); set {
		return &v
	}
	return nil
}

func optInt(row *plan.Row, col string) *int {
	if v, set := row.Int(col); set {
		return &v
	}
	return nil
}

// phoneList returns a subscriber's phone numbers, never nil (the API
// wants an empty array, not null).
func phoneList(row *plan.Row) []string {
	if l := row.List("PhoneNumbers"); len(l) > 0 {
		return l
	}
	return []string{}
}

// ipList turns addresses into a voice route's allow list; nil when empty.
func ipList(ips []string) []telegent.IPAddress {
	if len(ips) == 0 {
		return nil
	}
	out := make([]telegent.IPAddress, len(ips))
	for i, ip := range ips {
		out[i] = telegent.IPAddress{IpAddress: ip}
	}
	return out
}
