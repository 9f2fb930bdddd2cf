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

// scopedAccount returns the account an account-scoped create (a route, a
// provisioned number) belongs to: the one named, or else the distributor's
// only account. Once the distributor has more than one account (the
// preloaded Legacy Base counts), AccountId is required, as the Best
// Practices reference says in sections 2 and 4.
func (st *store) scopedAccount(id string) (string, error) {
	if id != "" {
		if _, err := st.account("AccountId", id); err != nil {
			return "", err
		}
		return id, nil
	}
	switch len(st.accounts.rows) {
	case 0:
		return "", nil
	case 1:
		return st.accounts.rows[0].AccountId, nil
	}
	return "", errBadRequest("AccountId is required when the distributor has more than one account")
}

// messageRouteRow is a message route as the sandbox keeps it: the wire
// type plus the flags the reference's create answer echoes.
type messageRouteRow struct {
	telegent.MessageRoute
	InboundBypass           bool `json:",omitempty"`
	OutboundBypass          bool `json:",omitempty"`
	IntelligentRouteEnabled bool `json:",omitempty"`
}

// messageRouteView is a message route as the API answers it: the keys of
// the create answer in the Best Practices reference, section 4.1, and of
// the API reference's create page (CallbackMessageUsername), without the
// password tokens. The account list spells the account key AccountID.
type messageRouteView struct {
	MessageRouteId                    string
	AccountId                         string `json:",omitempty"`
	AccountID                         string `json:",omitempty"`
	RouteName                         string
	MessageUrl                        string
	MessageUrlMethod                  string
	MessageRouteEnabled               bool
	MessageAuthenticationType         string `json:",omitempty"`
	MessageUsername                   string `json:",omitempty"`
	CallbackMessageUrl                string `json:",omitempty"`
	CallbackMessageUrlMethod          string `json:",omitempty"`
	CallbackMessageAuthenticationType string `json:",omitempty"`
	CallbackMessageUsername           string `json:",omitempty"`
	InboundBypass                     bool
	OutboundBypass                    bool
	IntelligentRouteEnabled           bool
}

func messageRouteAnswer(r *messageRouteRow) messageRouteView {
	return messageRouteView{
		MessageRouteId:                    r.MessageRouteId,
		AccountId:                         r.AccountId,
		RouteName:                         r.RouteName,
		MessageUrl:                        r.MessageUrl,
		MessageUrlMethod:                  r.MessageUrlMethod,
		MessageRouteEnabled:               r.MessageRouteEnabled,
		MessageAuthenticationType:         r.MessageAuthenticationType,
		MessageUsername:                   r.MessageUsername,
		CallbackMessageUrl:                r.CallbackMessageUrl,
		CallbackMessageUrlMethod:          r.CallbackMessageUrlMethod,
		CallbackMessageAuthenticationType: r.CallbackMessageAuthenticationType,
		CallbackMessageUsername:           r.CallbackMessageUsername,
		InboundBypass:                     r.InboundBypass,
		OutboundBypass:                    r.OutboundBypass,
		IntelligentRouteEnabled:           r.IntelligentRouteEnabled,
	}
}

// messageRouteListView answers GET /v1.0/account/message/routes, as the
// reference shows it: AccountID, TotalRoutes, Results.
type messageRouteListView struct {
	AccountID   string
	TotalRoutes int
	Results     []messageRouteView
}

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
	account, err := st.scopedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	r := &messageRouteRow{
		MessageRoute: telegent.MessageRoute{
			MessageRouteId:                    st.newID("MRID"),
			AccountId:                         account,
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
		},
		InboundBypass:           boolOr(in.InboundBypass, false),
		OutboundBypass:          boolOr(in.OutboundBypass, false),
		IntelligentRouteEnabled: boolOr(in.IntelligentRouteEnabled, false),
	}
	st.messageRoutes.put(r)
	return messageRouteAnswer(r), nil
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
	return messageRouteAnswer(r), nil
}

// listMessageRoutes lists the distributor's routes. The reference gives the
// list no parameters, so the documented profile lists every route whatever
// the query says, each with the list's AccountID spelling. The extended
// profile takes AccountId (an account's routes only) and paging, and gives
// each route both spellings.
func (st *store) listMessageRoutes(q url.Values) (any, error) {
	var p paging
	var keep func(*messageRouteRow) bool
	account := ""
	if st.extended() {
		var err error
		if p, err = parsePaging(q); err != nil {
			return nil, err
		}
		if account = param(q, "AccountId"); account != "" {
			keep = func(r *messageRouteRow) bool { return r.AccountId == account }
		}
	}
	page, total := list(st.messageRoutes, keep, p)
	out := messageRouteListView{AccountID: account, TotalRoutes: total, Results: make([]messageRouteView, len(page))}
	if out.AccountID == "" {
		out.AccountID = distributorID
	}
	for i := range page {
		v := messageRouteAnswer(&page[i])
		v.AccountID = v.AccountId
		if !st.extended() {
			v.AccountId = ""
		}
		out.Results[i] = v
	}
	return out, nil
}

func (st *store) messageRoute(field, id string) (*messageRouteRow, error) {
	r, ok := st.messageRoutes.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return r, nil
}

var transports = []string{"UDP", "TCP", "TLS"}

// ipAddress is one entry of a voice route's IpWhiteList.
type ipAddress struct {
	IpAddress string
}

// voiceRouteRequest is the body of a voice route create: the wire type plus
// the fields of the Best Practices example the wire type lacks. JSON keys
// match case-insensitively, so IpWhiteList also takes the update page's
// IpWhitelist.
type voiceRouteRequest struct {
	telegent.VoiceRouteCreateRequest
	VocieAuthenticationType string // the create page's spelling
	TrunkEnabled1           *bool
	Trunk1Priortiy          *int // sic, as the API spells it
	Trunk1Weight            *int
	IpWhiteList             []ipAddress
}

// voiceRouteRow is a voice route as the sandbox keeps it.
type voiceRouteRow struct {
	telegent.VoiceRoute
	VoiceUrlMethod          string      `json:",omitempty"`
	CallbackVoiceUrl        string      `json:",omitempty"`
	CallbackVoiceUrlMethod  string      `json:",omitempty"`
	TrunkUri1               string      `json:",omitempty"`
	TrunkEnabled1           bool        `json:",omitempty"`
	Trunk1Priortiy          int         `json:",omitempty"`
	Trunk1Weight            int         `json:",omitempty"`
	IntelligentRouteEnabled bool        `json:",omitempty"`
	IpWhiteList             []ipAddress `json:",omitempty"`
}

// voiceRouteView is a voice route as the API answers it: the keys of the
// create answer in the Best Practices reference, section 4.2, plus the
// URL-route fields the API reference says are echoed when set.
type voiceRouteView struct {
	CallRouteId             string
	AccountId               string
	RouteName               string
	RouteType               string
	VoiceUrl                string `json:",omitempty"`
	VoiceUrlMethod          string `json:",omitempty"`
	CallbackVoiceUrl        string `json:",omitempty"`
	CallbackVoiceUrlMethod  string `json:",omitempty"`
	TrunkIp1                string `json:",omitempty"`
	TrunkPort1              string `json:",omitempty"`
	TrunkTransport1         string `json:",omitempty"`
	TrunkUri1               string `json:",omitempty"`
	TrunkEnabled1           bool
	Trunk1Priortiy          int
	Trunk1Weight            int
	IntelligentRouteEnabled bool
	RouteEnabled            bool
	IpWhiteList             []ipAddress
}

func voiceRouteAnswer(r *voiceRouteRow) voiceRouteView {
	ips := r.IpWhiteList
	if ips == nil {
		ips = []ipAddress{}
	}
	return voiceRouteView{
		CallRouteId:             r.CallRouteId,
		AccountId:               r.AccountId,
		RouteName:               r.RouteName,
		RouteType:               r.RouteType,
		VoiceUrl:                r.VoiceUrl,
		VoiceUrlMethod:          r.VoiceUrlMethod,
		CallbackVoiceUrl:        r.CallbackVoiceUrl,
		CallbackVoiceUrlMethod:  r.CallbackVoiceUrlMethod,
		TrunkIp1:                r.TrunkIp1,
		TrunkPort1:              r.TrunkPort1,
		TrunkTransport1:         r.TrunkTransport1,
		TrunkUri1:               r.TrunkUri1,
		TrunkEnabled1:           r.TrunkEnabled1,
		Trunk1Priortiy:          r.Trunk1Priortiy,
		Trunk1Weight:            r.Trunk1Weight,
		IntelligentRouteEnabled: r.IntelligentRouteEnabled,
		RouteEnabled:            r.RouteEnabled,
		IpWhiteList:             ips,
	}
}

// voiceRouteListView answers GET /v1.0/voice/routes without CallRouteId,
// under the extended profile only.
type voiceRouteListView struct {
	TotalRoutes int
	Results     []voiceRouteView
}

func checkVoiceRouteCreate(in *voiceRouteRequest) error {
	if in.VoiceAuthenticationType == "" {
		in.VoiceAuthenticationType = in.VocieAuthenticationType
	}
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
		checkWhiteList(in.IpWhiteList),
	)
	switch {
	case err != nil:
		return err
	case in.RouteType == "Trunk" && in.TrunkIp1 == "" && in.TrunkUri1 == "":
		return errBadRequest("TrunkIp1 or TrunkUri1 is required for a Trunk route")
	case in.RouteType == "URL" && in.VoiceUrl == "":
		return errBadRequest("VoiceUrl is required for a URL route")
	case in.Trunk1Priortiy != nil && *in.Trunk1Priortiy < 0, in.Trunk1Weight != nil && *in.Trunk1Weight < 0:
		return errBadRequest("Trunk1Priortiy and Trunk1Weight must be whole numbers >= 0")
	}
	return nil
}

func checkWhiteList(ips []ipAddress) error {
	for _, ip := range ips {
		if net.ParseIP(ip.IpAddress) == nil {
			return errBadRequest("IpWhiteList must hold IpAddress entries with IPv4 or IPv6 addresses")
		}
	}
	return nil
}

func checkIP(field, v string) error {
	if v != "" && net.ParseIP(v) == nil {
		return errBadRequest("%s must be an IPv4 or IPv6 address", field)
	}
	return nil
}

func (st *store) createVoiceRoute(in *voiceRouteRequest) (any, error) {
	account, err := st.scopedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	trunk := in.RouteType == "Trunk"
	r := &voiceRouteRow{
		VoiceRoute: telegent.VoiceRoute{
			CallRouteId:     st.newID("CRID"),
			AccountId:       account,
			RouteName:       in.RouteName,
			RouteType:       in.RouteType,
			VoiceUrl:        in.VoiceUrl,
			TrunkIp1:        in.TrunkIp1,
			TrunkPort1:      in.TrunkPort1,
			TrunkTransport1: in.TrunkTransport1,
			RouteEnabled:    boolOr(in.RouteEnabled, true),
		},
		VoiceUrlMethod:          in.VoiceUrlMethod,
		CallbackVoiceUrl:        in.CallbackVoiceUrl,
		CallbackVoiceUrlMethod:  in.CallbackVoiceUrlMethod,
		TrunkUri1:               in.TrunkUri1,
		TrunkEnabled1:           boolOr(in.TrunkEnabled1, trunk),
		IntelligentRouteEnabled: boolOr(in.IntelligentRouteEnabled, false),
		IpWhiteList:             in.IpWhiteList,
	}
	if in.Trunk1Priortiy != nil {
		r.Trunk1Priortiy = *in.Trunk1Priortiy
	}
	if in.Trunk1Weight != nil {
		r.Trunk1Weight = *in.Trunk1Weight
	}
	st.voiceRoutes.put(r)
	return voiceRouteAnswer(r), nil
}

// voiceRouteDetailsOrList answers one route when CallRouteId is given. The
// list form has no vendor page: the documented profile answers it 404, the
// extended one lists every route.
func (st *store) voiceRouteDetailsOrList(q url.Values) (any, error) {
	if id := param(q, "CallRouteId"); id != "" {
		r, err := st.voiceRoute("CallRouteId", id)
		if err != nil {
			return nil, err
		}
		return voiceRouteAnswer(r), nil
	}
	if !st.extended() {
		return nil, errUndocumented("GET /v1.0/voice/routes without CallRouteId (a voice route list)")
	}
	p, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	page, total := list(st.voiceRoutes, nil, p)
	out := voiceRouteListView{TotalRoutes: total, Results: make([]voiceRouteView, len(page))}
	for i := range page {
		out.Results[i] = voiceRouteAnswer(&page[i])
	}
	return out, nil
}

func (st *store) voiceRoute(field, id string) (*voiceRouteRow, error) {
	r, ok := st.voiceRoutes.get(id)
	if !ok {
		return nil, errNotFound("%s %s not found", field, id)
	}
	return r, nil
}
