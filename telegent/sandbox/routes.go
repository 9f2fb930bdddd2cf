package sandbox

import (
	"net"
	"net/url"

	"telegent-bulk/telegent"
)

// Message routes (MRID-) and voice routes (CRID-). Password tokens are
// checked for presence only and never kept.

var (
	urlMethods = []string{"GET", "POST"}
	authTypes  = []string{"None", "Basic", "Bearer"}
)

func checkMessageRouteCreate(in *telegent.MessageRouteCreateRequest) error {
	return firstErr(
		required("RouteName", in.RouteName),
		required("MessageUrl", in.MessageUrl),
		checkHTTPURL("MessageUrl", in.MessageUrl),
		requiredOneOf("MessageUrlMethod", &in.MessageUrlMethod, urlMethods...),
		oneOf("MessageAuthenticationType", &in.MessageAuthenticationType, authTypes...),
		checkHTTPURL("CallbackMessageUrl", in.CallbackMessageUrl),
		oneOf("CallbackMessageUrlMethod", &in.CallbackMessageUrlMethod, urlMethods...),
		oneOf("CallbackMessageAuthenticationType", &in.CallbackMessageAuthenticationType, authTypes...),
	)
}

func (st *store) createMessageRoute(in *telegent.MessageRouteCreateRequest) (any, error) {
	if in.AccountId != "" {
		if _, err := st.account("AccountId", in.AccountId); err != nil {
			return nil, err
		}
	}
	r := &telegent.MessageRoute{
		MessageRouteId:                    st.newID("MRID"),
		AccountId:                         in.AccountId,
		RouteName:                         in.RouteName,
		MessageUrl:                        in.MessageUrl,
		MessageUrlMethod:                  in.MessageUrlMethod,
		MessageRouteEnabled:               boolOr(in.MessageRouteEnabled, true),
		MessageAuthenticationType:         in.MessageAuthenticationType,
		MessageUsername:                   in.MessageUsername,
		CallbackMessageUrl:                in.CallbackMessageUrl,
		CallbackMessageUrlMethod:          in.CallbackMessageUrlMethod,
		CallbackMessageAuthenticationType: in.CallbackMessageAuthenticationType,
		CallbackMessageUsername:           in.CallbackMessageUsername,
	}
	st.messageRoutes.put(r)
	return *r, nil
}

func (st *store) messageRouteDetails(q url.Values) (any, error) {
	id := param(q, "MessageRouteId")
	if id == "" {
		return nil, errBadRequest("MessageRouteId is required")
	}
	r, err := st.messageRoute("MessageRouteId", id)
	if err != nil {
		return nil, err
	}
	return *r, nil
}

// listMessageRoutes lists every route, or an account's when AccountId is
// given. Results carry the list endpoint's AccountID spelling as well.
func (st *store) listMessageRoutes(q url.Values) (any, error) {
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	account := param(q, "AccountId")
	var keep func(*telegent.MessageRoute) bool
	if account != "" {
		keep = func(r *telegent.MessageRoute) bool { return r.AccountId == account }
	}
	page, total := list(st.messageRoutes, keep, p)
	for i := range page {
		page[i].AccountID = page[i].AccountId
	}
	return telegent.MessageRouteList{AccountID: account, TotalRoutes: total, Results: page}, nil
}

func (st *store) messageRoute(field, id string) (*telegent.MessageRoute, error) {
	r, ok := st.messageRoutes.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return r, nil
}

var transports = []string{"UDP", "TCP", "TLS"}

func checkVoiceRouteCreate(in *telegent.VoiceRouteCreateRequest) error {
	err := firstErr(
		required("RouteName", in.RouteName),
		requiredOneOf("RouteType", &in.RouteType, "Trunk", "URL", "Forward"),
		checkHTTPURL("VoiceUrl", in.VoiceUrl),
		oneOf("VoiceUrlMethod", &in.VoiceUrlMethod, urlMethods...),
		oneOf("VoiceAuthenticationType", &in.VoiceAuthenticationType, authTypes...),
		checkHTTPURL("CallbackVoiceUrl", in.CallbackVoiceUrl),
		oneOf("CallbackVoiceUrlMethod", &in.CallbackVoiceUrlMethod, urlMethods...),
		checkIP("TrunkIp1", in.TrunkIp1),
		checkPort("TrunkPort1", in.TrunkPort1),
		oneOf("TrunkTransport1", &in.TrunkTransport1, transports...),
		checkIP("TrunkIp2", in.TrunkIp2),
		checkPort("TrunkPort2", in.TrunkPort2),
		oneOf("TrunkTransport2", &in.TrunkTransport2, transports...),
	)
	if err != nil {
		return err
	}
	switch {
	case in.RouteType == "Trunk" && in.TrunkIp1 == "" && in.TrunkUri1 == "":
		return errBadRequest("TrunkIp1 or TrunkUri1 is required for a Trunk route")
	case in.RouteType == "URL" && in.VoiceUrl == "":
		return errBadRequest("VoiceUrl is required for a URL route")
	}
	return nil
}

func checkIP(field, v string) error {
	if v != "" && net.ParseIP(v) == nil {
		return errBadRequest("%s must be an IPv4 or IPv6 address", field)
	}
	return nil
}

func (st *store) createVoiceRoute(in *telegent.VoiceRouteCreateRequest) (any, error) {
	if in.AccountId != "" {
		if _, err := st.account("AccountId", in.AccountId); err != nil {
			return nil, err
		}
	}
	r := &telegent.VoiceRoute{
		CallRouteId:     st.newID("CRID"),
		AccountId:       in.AccountId,
		RouteName:       in.RouteName,
		RouteType:       in.RouteType,
		VoiceUrl:        in.VoiceUrl,
		TrunkIp1:        in.TrunkIp1,
		TrunkPort1:      in.TrunkPort1,
		TrunkTransport1: in.TrunkTransport1,
		RouteEnabled:    boolOr(in.RouteEnabled, true),
	}
	st.voiceRoutes.put(r)
	return *r, nil
}

// voiceRouteDetailsOrList answers one route when CallRouteId is given and the list
// otherwise.
func (st *store) voiceRouteDetailsOrList(q url.Values) (any, error) {
	if id := param(q, "CallRouteId"); id != "" {
		r, err := st.voiceRoute("CallRouteId", id)
		if err != nil {
			return nil, err
		}
		return *r, nil
	}
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	page, total := list(st.voiceRoutes, nil, p)
	return telegent.VoiceRouteList{TotalRoutes: total, Results: page}, nil
}

func (st *store) voiceRoute(field, id string) (*telegent.VoiceRoute, error) {
	r, ok := st.voiceRoutes.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return r, nil
}
