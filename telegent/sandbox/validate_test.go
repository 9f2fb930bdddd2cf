package sandbox

import (
	"maps"
	"net/http"
	"strings"
	"testing"

	"telegent-bulk/telegent"
)

type obj = map[string]any

// with returns a copy of base with the changes applied; a nil value removes
// the key.
func with(base obj, changes obj) obj {
	out := maps.Clone(base)
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestBadBodiesAreRejectedNamingTheField(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	num := c.provision(f)

	account := obj{"AccountName": "Acme", "AccountAdmin": "admin@example.com"}
	subscriber := obj{"Name": "Bo", "Email": "bo@example.com", "PhoneNumbers": []string{}, "Role": "Subscriber", "Password": "x", "AccountId": f.account}
	mroute := obj{"RouteName": "r", "MessageUrl": "https://h.example.com", "MessageUrlMethod": "POST"}
	vroute := obj{"RouteName": "v", "RouteType": "URL", "VoiceUrl": "https://v.example.com"}
	provision := obj{"NumberType": "mvno", "MessageType": "p2p", "MessageEnabled": true, "ProductType": "Sms-Only", "MessageRouteId": f.messageRoute}
	address := obj{"Street1": "1 Main", "City": "Lehi", "State": "UT", "Zip": "84043"}
	portin := obj{"PortInNumber": "+18015550000", "CurrentCarrierName": "Verizon", "CurrentAccountNumber": "1", "CurrentAccountPassword": "0550", "CurrentBillingAddress": address}
	usage := obj{"ValueUnit": "MB", "LimitValue": 20, "PhoneNumbers": []obj{{"Number": num.PhoneNumberAssigned}}}
	subscription := obj{"SubscriberId": f.subscriber, "PackageId": packages[0].PackageId, "Type": "mvno"}
	filter := obj{"SubscriberId": f.subscriber, "Phone": num.PhoneNumberAssigned, "FilterMode": "CHILD"}

	tests := []struct {
		name, path string
		body       any
		want       string
	}{
		{"malformed json", telegent.PathAccountCreate, `{"AccountName":`, "malformed JSON"},
		{"wrong json type", telegent.PathAccountCreate, `{"AccountName": 12}`, "AccountName must be a string"},
		{"account name missing", telegent.PathAccountCreate, with(account, obj{"AccountName": nil}), "AccountName is required"},
		{"account admin not email", telegent.PathAccountCreate, with(account, obj{"AccountAdmin": "nobody"}), "AccountAdmin"},
		{"account zip", telegent.PathAccountCreate, with(account, obj{"BillingAddress": obj{"Zip": "8404"}}), "BillingAddress.Zip"},

		{"subscriber name missing", telegent.PathSubscriberCreate, with(subscriber, obj{"Name": nil}), "Name is required"},
		{"subscriber email missing", telegent.PathSubscriberCreate, with(subscriber, obj{"Email": nil}), "Email is required"},
		{"subscriber email bad", telegent.PathSubscriberCreate, with(subscriber, obj{"Email": "bo@"}), "Email"},
		{"subscriber role bad", telegent.PathSubscriberCreate, with(subscriber, obj{"Role": "Boss"}), "Role must be one of"},
		{"subscriber password missing", telegent.PathSubscriberCreate, with(subscriber, obj{"Password": nil}), "Password is required"},
		{"subscriber account missing", telegent.PathSubscriberCreate, with(subscriber, obj{"AccountId": nil}), "AccountId is required"},
		{"subscriber phones null", telegent.PathSubscriberCreate, with(subscriber, obj{"PhoneNumbers": nil}), "PhoneNumbers is required"},
		{"subscriber phones not e164", telegent.PathSubscriberCreate, with(subscriber, obj{"PhoneNumbers": []string{"801-555-1234"}}), "PhoneNumbers"},

		{"route name missing", telegent.PathMessageRoutes, with(mroute, obj{"RouteName": nil}), "RouteName is required"},
		{"route url missing", telegent.PathMessageRoutes, with(mroute, obj{"MessageUrl": nil}), "MessageUrl is required"},
		{"route url relative", telegent.PathMessageRoutes, with(mroute, obj{"MessageUrl": "/in"}), "MessageUrl must be"},
		{"route method bad", telegent.PathMessageRoutes, with(mroute, obj{"MessageUrlMethod": "PUT"}), "MessageUrlMethod"},
		{"route auth bad", telegent.PathMessageRoutes, with(mroute, obj{"MessageAuthenticationType": "Digest"}), "MessageAuthenticationType"},

		{"voice type missing", telegent.PathVoiceRoutes, with(vroute, obj{"RouteType": nil}), "RouteType is required"},
		{"voice type bad", telegent.PathVoiceRoutes, with(vroute, obj{"RouteType": "SIP"}), "RouteType must be one of"},
		{"voice url missing", telegent.PathVoiceRoutes, with(vroute, obj{"VoiceUrl": nil}), "VoiceUrl is required"},
		{"voice trunk missing", telegent.PathVoiceRoutes, with(vroute, obj{"RouteType": "Trunk", "VoiceUrl": nil}), "TrunkIp1 or TrunkUri1"},
		{"voice trunk ip", telegent.PathVoiceRoutes, with(vroute, obj{"RouteType": "Trunk", "TrunkIp1": "300.1.1.1"}), "TrunkIp1"},
		{"voice trunk port", telegent.PathVoiceRoutes, with(vroute, obj{"RouteType": "Trunk", "TrunkIp1": "192.0.2.1", "TrunkPort1": "70000"}), "TrunkPort1"},

		{"number type missing", telegent.PathNumbersProvision, with(provision, obj{"NumberType": nil}), "NumberType is required"},
		{"number type bad", telegent.PathNumbersProvision, with(provision, obj{"NumberType": "mobile"}), "NumberType must be one of mvno, iot, voip"},
		{"message type bad", telegent.PathNumbersProvision, with(provision, obj{"MessageType": "sms"}), "MessageType"},
		{"iot a2p", telegent.PathNumbersProvision, with(provision, obj{"NumberType": "iot", "MessageType": "a2p"}), "iot numbers are p2p only"},
		{"voip p2p", telegent.PathNumbersProvision, with(provision, obj{"NumberType": "voip"}), "voip numbers are a2p only"},
		{"product type missing", telegent.PathNumbersProvision, with(provision, obj{"ProductType": nil}), "ProductType is required"},
		{"product type bad", telegent.PathNumbersProvision, with(provision, obj{"ProductType": "Voice-Only"}), "ProductType must be one of"},
		{"message route missing", telegent.PathNumbersProvision, with(provision, obj{"MessageRouteId": nil}), "MessageRouteId required"},
		{"voice route missing", telegent.PathNumbersProvision, with(provision, obj{"VoiceEnabled": true}), "VoiceRouteId"},
		{"iccid short", telegent.PathNumbersProvision, with(provision, obj{"ICCID": "8901240397"}), "ICCID"},
		{"area code bad", telegent.PathNumbersProvision, with(provision, obj{"AreaCode": "80"}), "AreaCode"},

		{"update names no number", telegent.PathNumbersUpdate, obj{"MessageRouteId": f.messageRoute}, "PhoneNumberId or PhoneNumber"},

		{"portin number missing", telegent.PathPortIn, with(portin, obj{"PortInNumber": nil}), "PortInNumber is required"},
		{"portin number not e164", telegent.PathPortIn, with(portin, obj{"PortInNumber": "8015550000"}), "PortInNumber"},
		{"portin carrier missing", telegent.PathPortIn, with(portin, obj{"CurrentCarrierName": nil}), "CurrentCarrierName is required"},
		{"portin account missing", telegent.PathPortIn, with(portin, obj{"CurrentAccountNumber": nil}), "CurrentAccountNumber is required"},
		{"portin password missing", telegent.PathPortIn, with(portin, obj{"CurrentAccountPassword": nil}), "CurrentAccountPassword is required"},
		{"portin street missing", telegent.PathPortIn, with(portin, obj{"CurrentBillingAddress": with(address, obj{"Street1": nil})}), "CurrentBillingAddress.Street1 is required"},
		{"portin city missing", telegent.PathPortIn, with(portin, obj{"CurrentBillingAddress": with(address, obj{"City": nil})}), "CurrentBillingAddress.City is required"},
		{"portin state missing", telegent.PathPortIn, with(portin, obj{"CurrentBillingAddress": with(address, obj{"State": nil})}), "CurrentBillingAddress.State is required"},
		{"portin zip missing", telegent.PathPortIn, with(portin, obj{"CurrentBillingAddress": with(address, obj{"Zip": nil})}), "CurrentBillingAddress.Zip is required"},
		{"portin classification", telegent.PathPortIn, with(portin, obj{"TargetPortinClassification": "satellite"}), "TargetPortinClassification"},
		{"portin update date", telegent.PathPortInUpdate, obj{"OrderId": "JNUOID-x", "PortInDate": "next week"}, "PortInDate must be a date MM/DD/YYYY or YYYY-MM-DD"},
		{"portin update date day first", telegent.PathPortInUpdate, obj{"OrderId": "JNUOID-x", "PortInDate": "23/04/2026"}, "PortInDate"},
		{"portin update date with time", telegent.PathPortInUpdate, obj{"OrderId": "JNUOID-x", "PortInDate": "2026-04-23T00:00:00Z"}, "PortInDate"},
		{"portin update order missing", telegent.PathPortInUpdate, obj{"SubscriberName": "x"}, "OrderId is required"},
		{"portin cancel order missing", telegent.PathPortInCancel, obj{}, "OrderId is required"},
		{"eligibility classification missing", telegent.PathPortInEligibility, obj{"PhoneNumber": "+18015550000"}, "TargetClassification is required"},

		{"portout pin short", telegent.PathPortOut, obj{"PortOutNumber": "+13855550100", "PortOutPIN": "123"}, "PortOutPIN must be 4-10 digits"},
		{"portout pin letters", telegent.PathPortOut, obj{"PortOutNumber": "+13855550100", "PortOutPIN": "12ab"}, "PortOutPIN must be 4-10 digits"},
		{"portout pin missing", telegent.PathPortOut, obj{"PortOutNumber": "+13855550100"}, "PortOutPIN is required"},

		{"usage unit bad", telegent.PathDataUsage, with(usage, obj{"ValueUnit": "PB"}), "ValueUnit"},
		{"usage limit missing", telegent.PathDataUsage, with(usage, obj{"LimitValue": nil}), "LimitValue"},
		{"usage limit fraction", telegent.PathDataUsage, with(usage, obj{"LimitValue": 2.5}), "LimitValue must be a whole number"},
		{"usage notify above throttle", telegent.PathDataUsage, with(usage, obj{"NotifyValue": 15, "ThrottleValue": 10, "ThrottleSpeed": "1-mbps"}), "NotifyValue must be less than ThrottleValue"},
		{"usage throttle equals limit", telegent.PathDataUsage, with(usage, obj{"ThrottleValue": 20, "ThrottleSpeed": "1-mbps"}), "ThrottleValue must be less than LimitValue"},
		{"usage speed bad", telegent.PathDataUsage, with(usage, obj{"ThrottleValue": 10, "ThrottleSpeed": "2-mbps"}), "ThrottleSpeed"},
		{"usage numbers missing", telegent.PathDataUsage, with(usage, obj{"PhoneNumbers": nil}), "PhoneNumbers is required"},
		{"usage unknown number", telegent.PathDataUsage, with(usage, obj{"PhoneNumbers": []obj{{"Number": "+18015550000"}}}), "+18015550000"},

		{"subscription subscriber missing", telegent.PathSubscriptions, with(subscription, obj{"SubscriberId": nil}), "SubscriberId is required"},
		{"subscription package missing", telegent.PathSubscriptions, with(subscription, obj{"PackageId": nil}), "PackageId is required"},
		{"subscription type bad", telegent.PathSubscriptions, with(subscription, obj{"Type": "prepaid"}), "Type must be one of"},

		{"guardian subscriber missing", telegent.PathGuardianFeatures, obj{"EnableIntelligentGuardianCalls": true}, "SubscriberId is required"},

		{"filter phone missing", telegent.PathMessageFilter, with(filter, obj{"Phone": nil}), "Phone is required"},
		{"filter phone bad", telegent.PathMessageFilter, with(filter, obj{"Phone": "555-1234"}), "Phone must be"},
		{"filter mode bad", telegent.PathMessageFilter, with(filter, obj{"FilterMode": "STRICT"}), "FilterMode must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, eb := c.post(tt.path, tt.body, nil)
			if status != http.StatusBadRequest {
				t.Fatalf("status = %d (%s), want 400", status, eb.Message)
			}
			if !strings.Contains(eb.Message, tt.want) {
				t.Errorf("Message = %q, want it to name %q", eb.Message, tt.want)
			}
		})
	}
}

func TestEnumsAreCaseInsensitive(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 2})
	f := c.fixture()
	req := f.provision()
	req.NumberType, req.MessageType, req.ProductType = "MVNO", "P2P", "sms+DATA"
	var p telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, req, &p)
	l := c.inventory("?PhoneNumber=" + strings.Replace(p.PhoneNumberAssigned, "+", "%2B", 1))
	if len(l.Results) != 1 {
		t.Fatalf("inventory for %s: %d results, want 1", p.PhoneNumberAssigned, len(l.Results))
	}
	got := l.Results[0]
	if got.NumberType != "mvno" || got.MessageType != "p2p" || got.ProductType != "Sms+Data" {
		t.Errorf("stored enums = %q %q %q, want the API's spelling mvno p2p Sms+Data", got.NumberType, got.MessageType, got.ProductType)
	}
	var s telegent.Subscription
	c.mustPost(telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[0].PackageId, Type: "Mvno", TNID: p.PhoneNumberId}, &s)
	if s.Type != "mvno" {
		t.Errorf("subscription Type = %q, want mvno", s.Type)
	}
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 3})
	var a telegent.Account
	c.mustPost(telegent.PathAccountCreate, `{"AccountName":"Acme","Whatever":{"x":1}}`, &a)
	if a.AccountName != "Acme" || !strings.HasPrefix(a.AccountId, "AID-") {
		t.Errorf("account = %+v, want Acme with an AID-", a)
	}
}
