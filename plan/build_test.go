package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

func TestBaseManifestBuilds(t *testing.T) {
	p := mustBuild(t, base())
	rows, steps := p.Counts()
	if want := [NumKinds]int{2, 3, 1, 1, 3, 2, 1}; rows != want {
		t.Errorf("rows per kind = %v, want %v", rows, want)
	}
	if steps[NumberProvision] != 3 || steps[PortInCancel] != 1 || steps[PortOutIssue] != 1 {
		t.Errorf("steps per action = %v, want 3 provisions, 1 cancel, 1 PIN", steps)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings = %v, want none", p.Warnings)
	}
}

// Rules that need only the row itself: required columns and conditions.
func TestRowRules(t *testing.T) {
	const (
		newAccount = "or give AccountId for an existing account"
		newNumber  = "or give PhoneNumberId for an existing number"
		needSub    = "(want SubscriberEmail: the e-mail of a Subscribers row, like name@example.com; or SubscriberId: an existing subscriber's ID, like TSUID-…)"
		needRoute  = "(want MessageRouteRef: the RouteRef of a MessageRoutes row; or MessageRouteId: an existing message route's ID, like MRID-…)"
		needVRoute = "(want VoiceRouteRef: the RouteRef of a VoiceRoutes row; or VoiceRouteId: an existing voice route's ID, like CRID-…)"
		carrier    = "empty, but the losing carrier needs it to release the number"
		dataUsage  = "data-usage limits need a data-enabled line (want DataEnabled true, or a ProductType with Data, or this cell empty)"
	)
	tests := []struct {
		name string
		m    manifest
		want []string
	}{
		{"account key and new-account columns", base().with("Accounts", "", "|Nameless|1 St|Lehi|UT|84043", "gamma|||||"), []string{
			"Accounts:4:AccountRef: empty, but every Accounts row needs one as its key (want the partner's own name for the account, like acme-corp)",
			"Accounts:5:AccountName: empty, but a new account needs one (want the name shown on invoices, like Acme Corp; " + newAccount + ")",
			"Accounts:5:BillingStreet1: empty, but a new account needs one (want a street address like 2701 N Thanksgiving Way; " + newAccount + ")",
			"Accounts:5:BillingCity: empty, but a new account needs one (want a city like Lehi; " + newAccount + ")",
			"Accounts:5:BillingState: empty, but a new account needs one (want a two-letter code like UT; " + newAccount + ")",
			"Accounts:5:BillingZip: empty, but a new account needs one (want 5 digits like 84043; " + newAccount + ")",
		}},
		{"US address checked, foreign address as written", base().with("Accounts-intl",
			"AccountRef|AccountName|BillingStreet1|BillingCity|BillingState|BillingZip|BillingCountry|MailingState|MailingZip|MailingCountry",
			"maple|Maple Inc|1 Bay St|Toronto|Ontario|M5J 2N8|Canada|BC|V6B 1A1|",
			"elm|Elm LLC|1 Elm St|Reno|Nevda|8950|usa|Jalisco|44100|Mexico",
			"oak|Oak Ltd|1 Oak St|Toronto|Ontario|M5J 2N8|Canada|Ontario|M5J 2N8|USA"), []string{
			`Accounts-intl:3:BillingState: "Nevda" is not a US state (want a two-letter code like UT or a name like Utah)`,
			`Accounts-intl:3:BillingZip: "8950" looks like 08950 lost its leading zero in Excel; format the column as Text and write 08950`,
			`Accounts-intl:4:MailingState: "Ontario" is not a US state (want a two-letter code like UT or a name like Utah)`,
			`Accounts-intl:4:MailingZip: "M5J 2N8" is not a ZIP code (want 5 digits like 84043, or ZIP+4 like 84043-1234)`,
		}},
		{"new subscriber columns", base().with("Subscribers", "", "new@example.com|||||", "jane@|J|acme|pw||"), []string{
			"Subscribers:5:Name: empty, but a new subscriber needs one (want the subscriber's full name, like Jane Doe; or give SubscriberId for an existing subscriber)",
			"Subscribers:5:AccountRef: empty, and so is AccountId, but a new subscriber belongs to an account (want AccountRef: the AccountRef of an Accounts row; or AccountId: an existing account's ID, like AID-…)",
			"Subscribers:5:Password: empty, but a new subscriber needs one (want the subscriber's initial password; or give SubscriberId for an existing subscriber)",
			`Subscribers:6:Email: "jane@" is not an e-mail address (want name@example.com)`,
		}},
		{"filter level needs guardian messages", base().with("Subscribers-2",
			"Email|Name|AccountId|Password|FilterLevel|GuardianMessages|Role",
			"teen@example.com|Teen|AID-9|pw|TEENAGER|no|boss"), []string{
			"Subscribers-2:2:GuardianMessages: false, but FilterLevel TEENAGER needs Guardian messages on (want true or empty)",
			`Subscribers-2:2:Role: "boss" is not a role (want Subscriber, Manager or Account Admin)`,
		}},
		{"message route columns and authentication", base().with("MessageRoutes-2",
			"RouteRef|RouteName|MessageUrl|MessageAuthenticationType|CallbackMessageAuthenticationType|AccountRef",
			"r2|||||acme", "r3|R3|https://x.example.com|basic|bearer|acme"), []string{
			"MessageRoutes-2:2:RouteName: empty, but a new message route needs one (want a name like Main SMS Webhook; or give MessageRouteId for an existing route)",
			"MessageRoutes-2:2:MessageUrl: empty, but a new message route needs one (want https://example.com/path; or give MessageRouteId for an existing route)",
			"MessageRoutes-2:3:MessageUsername: no such column, but Basic authentication needs a user name (want the webhook's user name)",
			"MessageRoutes-2:3:MessagePasswordToken: no such column, but Basic authentication needs a password (want the webhook's password or bearer token)",
			"MessageRoutes-2:3:CallbackMessagePasswordToken: no such column, but Bearer authentication needs a token (want the callback's password or bearer token)",
		}},
		{"voice route type needs", base().with("VoiceRoutes-2", "RouteRef|RouteName|RouteType|VoiceUrl|AccountRef",
			"v2||||beta", "v3|V3|Trunk||beta", "v4|V4|url||beta", "v5|V5|Forward||beta"), []string{
			"VoiceRoutes-2:2:RouteName: empty, but a new voice route needs one (want a name like Main SIP Trunk; or give CallRouteId for an existing route)",
			"VoiceRoutes-2:2:RouteType: empty, but a new voice route needs one (want Trunk, URL or Forward; or give CallRouteId for an existing route)",
			"VoiceRoutes-2:3:TrunkIp1: no such column, but a Trunk route needs TrunkIp1 or TrunkUri1 (want an IP address like 203.0.113.10)",
			"VoiceRoutes-2:4:VoiceUrl: empty, but a URL route needs one (want https://example.com/path)",
		}},
		{"number columns, voice route, message type", base().with("Numbers", "",
			"L9||sms||mvno|p2p|Sms-Only||||",
			"L10|jane@example.com|||||||||",
			"L11|jane@example.com|sms||mvno|a2p|Sms+Data+Voice||||",
			"L12|jane@example.com|sms||iot|a2p|Data-Only||||",
			"L13|jane@example.com|sms||voip|p2p|Sms-Only||20||"), []string{
			"Numbers:5:SubscriberEmail: empty, and so is SubscriberId, but every line belongs to a subscriber " + needSub,
			"Numbers:6:MessageRouteRef: empty, and so is MessageRouteId, but a new number needs a message route " + needRoute,
			"Numbers:6:NumberType: empty, but a new number needs one (want mvno, iot or voip; " + newNumber + ")",
			"Numbers:6:MessageType: empty, but a new number needs one (want a2p or p2p; " + newNumber + ")",
			"Numbers:6:ProductType: empty, but a new number needs one (want Sms-Only, Data-Only, Sms+Data or Sms+Data+Voice; " + newNumber + ")",
			"Numbers:7:VoiceRouteRef: empty, and so is VoiceRouteId, but a voice-enabled number needs a voice route " + needVRoute,
			"Numbers:8:MessageType: a2p, but an iot number can only be p2p (want p2p, or NumberType mvno)",
			"Numbers:9:MessageType: p2p, but a voip number can only be a2p (want a2p, or NumberType mvno)",
			"Numbers:9:LimitValue: " + dataUsage,
		}},
		{"existing numbers", base().with("Numbers-existing", "LineRef|SubscriberId|PhoneNumberId|PhoneNumber|Package",
			"E1|TSUID-1|NID-1||Starter", "E2|TSUID-1||+18015550000|Starter"), []string{
			"Numbers-existing:3:Package: a subscription needs the number's PhoneNumberId, and this row names an existing number by PhoneNumber only (want the NID-… in PhoneNumberId, or no Package)",
		}},
		{"product type and flags", base().with("Numbers-flags",
			"LineRef|SubscriberEmail|MessageRouteId|VoiceRouteId|NumberType|MessageType|ProductType|VoiceEnabled|DataEnabled|MessageEnabled",
			"F1|jane@example.com|MRID-1|CRID-1|mvno|p2p|Sms-Only|yes|1|",
			"F2|jane@example.com|MRID-1||mvno|p2p|Sms+Data|no|y|n",
			"F3|jane@example.com|MRID-1|CRID-1|mvno|p2p|Sms+Data+Voice|x|x|x"), []string{
			"Numbers-flags:2:VoiceEnabled: true disagrees with ProductType Sms-Only (want false or empty, or another ProductType)",
			"Numbers-flags:2:DataEnabled: true disagrees with ProductType Sms-Only (want false or empty, or another ProductType)",
			"Numbers-flags:3:MessageEnabled: false disagrees with ProductType Sms+Data (want true or empty, or another ProductType)",
		}},
		{"data-usage limits", base().with("Numbers-data",
			"LineRef|SubscriberEmail|MessageRouteId|NumberType|MessageType|ProductType|LimitValue|NotifyValue|ThrottleValue|ThrottleSpeed|ValueUnit",
			"D1|jane@example.com|MRID-1|iot|p2p|Data-Only|20|15|15|1-mbps|MB",
			"D2|jane@example.com|MRID-1|iot|p2p|Data-Only||5|||",
			"D3|jane@example.com|MRID-1|iot|p2p|Data-Only|20|25||1-mbps|",
			"D4|jane@example.com|MRID-1|iot|p2p|Data-Only|20||10||",
			"D5|jane@example.com|MRID-1|iot|p2p|Data-Only|20|||5-mbps|",
			"D6|jane@example.com|MRID-1|mvno|p2p|Sms-Only||||1-mbps|",
			"D7|jane@example.com|MRID-1|iot|p2p|Data-Only|20|10|15|5-mbps|mb",
			"D8|jane@example.com|MRID-1|mvno|p2p|Sms-Only|||||MB"), []string{
			"Numbers-data:2:NotifyValue: 15 is not below ThrottleValue 15 (want NotifyValue < ThrottleValue < LimitValue, like 10, 15, 20)",
			"Numbers-data:3:LimitValue: empty, but NotifyValue needs a LimitValue (want a whole number like 20)",
			"Numbers-data:4:NotifyValue: 25 is not below LimitValue 20 (want NotifyValue < ThrottleValue < LimitValue, like 10, 15, 20)",
			"Numbers-data:4:ThrottleValue: empty, but a ThrottleSpeed needs the usage at which to throttle (want a whole number like 20)",
			"Numbers-data:5:ThrottleSpeed: empty, but a ThrottleValue needs the speed to throttle to (want 64-kbps, 128-kbps, 256-kbps, 512-kbps, 1-mbps, 5-mbps, 20-mbps, 50-mbps or 100-mbps)",
			"Numbers-data:6:ThrottleValue: empty, but a ThrottleSpeed needs the usage at which to throttle (want a whole number like 20)",
			"Numbers-data:7:ThrottleSpeed: " + dataUsage,
			"Numbers-data:9:ValueUnit: " + dataUsage,
		}},
		{"port-in carrier details; cancel needs none", base().with("PortIns", "",
			"801-555-7777||jane@example.com|sms|||||||||",
			"801-555-7778|cancel||||||||||Starter||"), []string{
			"PortIns:4:CurrentCarrierName: " + carrier + " (want the losing carrier's name, like Company LLC)",
			"PortIns:4:CurrentAccountNumber: " + carrier + " (want the account number at the losing carrier, like 4651234567)",
			"PortIns:4:CurrentAccountPassword: " + carrier + " (want the account PIN or password at the losing carrier)",
			"PortIns:4:BillingStreet1: " + carrier + " (want the street on the losing carrier's bill, like 2701 N Thanksgiving Way)",
			"PortIns:4:BillingCity: " + carrier + " (want a city like Lehi)",
			"PortIns:4:BillingState: " + carrier + " (want a two-letter code like UT)",
			"PortIns:4:BillingZip: " + carrier + " (want 5 digits like 84043)",
		}},
		{"one of two columns, the other missing", base().with("Numbers-ids", "LineRef|SubscriberId|MessageRouteId|NumberType|MessageType|ProductType",
			"I2||MRID-1|mvno|p2p|Sms-Only"), []string{
			"Numbers-ids:2:SubscriberId: empty, and there is no SubscriberEmail column, but every line belongs to a subscriber " + needSub,
		}},
		{"port-in subscriber and route", base().with("PortIns", "", "801-555-7779|submit|||Old Co|1|0550|1 Main|Lehi|UT|84043|||"), []string{
			"PortIns:4:SubscriberEmail: empty, and so is SubscriberId, but a ported number is bound to a subscriber " + needSub,
			"PortIns:4:MessageRouteRef: empty, and so is MessageRouteId, but a ported number needs a message route " + needRoute,
		}},
		{"completed port-in still needs its voice route", base().with("PortIns-done",
			"PortInNumber|SubscriberId|MessageRouteId|PhoneNumberId|VoiceEnabled",
			"801-555-7780|TSUID-1|MRID-1|NID-1|yes"), []string{
			"PortIns-done:2:VoiceRouteRef: no VoiceRouteRef or VoiceRouteId column, but a voice-enabled number needs a voice route " + needVRoute,
		}},
		{"port-out PIN", base().with("PortOuts", "", "801-555-0001|", "801-555-0002|12x4").
			with("PortOuts-done", "PortOutNumber|OrderId|PortOutPIN", "801-555-0004|JNOID-1|"), []string{
			"PortOuts:3:PortOutPIN: empty, but the gaining carrier needs the PIN (want 4 to 10 digits)",
			"PortOuts:4:PortOutPIN: the value is not a PIN (want 4 to 10 digits like 0550; it is not shown because it is secret)",
		}},
		{"Excel float in a digits column", base().with("PortIns", "",
			"1.8015E+10||jane@example.com|sms|Old Co|4.65123E+9|0550|1 Main|Lehi|UT|84043|||8.9012E+18"), []string{
			`PortIns:4:PortInNumber: "1.8015E+10": ` + lost(wantPhone),
			`PortIns:4:CurrentAccountNumber: "4.65123E+9": ` + lost("the account number at the losing carrier, like 4651234567"),
			`PortIns:4:ICCID: "8.9012E+18": ` + lost(wantICCID),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblems(t, tt.m, tt.want...) })
	}
}

// Rows that give their own platform ID need no create columns.
func TestExistingRowsNeedLess(t *testing.T) {
	mustBuild(t, base().
		with("Accounts-existing", "AccountRef|AccountId", "gamma|AID-1").
		with("Subscribers", "", "old@example.com|||||TSUID-1").
		with("MessageRoutes-existing", "RouteRef|MessageRouteId", "old-sms|MRID-1").
		with("VoiceRoutes-existing", "RouteRef|CallRouteId", "old-sip|CRID-1").
		with("Numbers-existing", "LineRef|SubscriberEmail|PhoneNumberId|Package", "E1|old@example.com|NID-1|Starter").
		with("PortOuts-done", "PortOutNumber|OrderId", "801-555-0004|JNOID-1"))
}

func TestCrossSheetRules(t *testing.T) {
	tests := []struct {
		name string
		m    manifest
		want []string
	}{
		{"duplicate keys, case-insensitive, across sheets", base().
			with("Accounts", "", "ACME|Acme Again|1 Main St|Lehi|UT|84043").
			with("Subscribers-b", "Email|Name|AccountRef|Password", "Jane@Example.com|Jane|acme|pw"), []string{
			`Accounts:4:AccountRef: "ACME" is also the AccountRef of Accounts:2 (want each AccountRef once per manifest)`,
			`Subscribers-b:2:Email: "jane@example.com" is also the Email of Subscribers:2 (want each Email once per manifest)`,
		}},
		{"duplicate line and ICCID", base().with("Numbers", "",
			"L4|jane@example.com|sms||mvno|p2p|Sms-Only|||8901240397190002080|",
			"L1|jane@example.com|sms||mvno|p2p|Sms-Only||||"), []string{
			`Numbers:5:ICCID: "8901240397190002080" is also the ICCID of Numbers:2 (want one line per SIM)`,
			`Numbers:6:LineRef: "L1" is also the LineRef of Numbers:2 (want each LineRef once per manifest)`,
		}},
		{"the same ICCID with and without its trailing F", base().with("Numbers", "",
			"L4|jane@example.com|sms||mvno|p2p|Sms-Only|||8901240397190002080F|").
			with("PortIns", "", "801-555-4446||jane@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|||8901-2403-9719-0002-080f"), []string{
			`Numbers:5:ICCID: "8901240397190002080F" is also the ICCID of Numbers:2 (want one line per SIM)`,
			`PortIns:4:ICCID: "8901240397190002080F" is also the ICCID of Numbers:2 (want one line per SIM)`,
		}},
		{"references to keys no sheet defines; a line in another account", base().
			with("Subscribers", "", "zed@example.com|Zed|zeta|pw||").
			with("Numbers", "",
				"L5|nobody@example.com|nosms|nosip|mvno|p2p|Sms+Data+Voice||||",
				"L6|jane@example.com|sms||mvno|p2p|Sms-Only||||beta"), []string{
			`Subscribers:5:AccountRef: no Accounts row has AccountRef "zeta" (want the AccountRef of an Accounts row, or the existing ID in AccountId)`,
			`Numbers:5:SubscriberEmail: no Subscribers row has Email "nobody@example.com" (want the Email of a Subscribers row, or the existing ID in SubscriberId)`,
			`Numbers:5:MessageRouteRef: no MessageRoutes row has RouteRef "nosms" (want the RouteRef of a MessageRoutes row, or the existing ID in MessageRouteId)`,
			`Numbers:5:VoiceRouteRef: no VoiceRoutes row has RouteRef "nosip" (want the RouteRef of a VoiceRoutes row, or the existing ID in VoiceRouteId)`,
			`Numbers:6:AccountRef: "beta" is not the account of subscriber jane@example.com (Subscribers:2 is in "acme"; want the subscriber's account, or empty to use it)`,
		}},
		{"port-ins against numbers, port-ins and port-outs", base().
			with("PortIns", "",
				"801-555-4444||jane@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043||L1|",
				"801-555-4445||jane@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043||P1|8901240397190002080").
			with("PortOuts", "", "+1 801 555 1234|1234", "801.555.9999|1234"), []string{
			`PortIns:4:LineRef: "L1" is also the LineRef of Numbers:2 (want a line either provisioned in Numbers or ported in, not both)`,
			`PortIns:5:LineRef: "P1" is also the LineRef of PortIns:2 (want each LineRef once per manifest)`,
			`PortIns:5:ICCID: "8901240397190002080" is also the ICCID of Numbers:2 (want one line per SIM)`,
			`PortOuts:3:PortOutNumber: "+18015551234" is also ported in by PortIns:2 (want a number this manifest does not port in, or Action cancel on the port-in)`,
		}},
		{"platform IDs against manifest rows", base().
			with("Accounts-existing", "AccountRef|AccountId", "old|AID-OLD").
			with("Subscribers-2", "Email|Name|AccountRef|Password", "o@example.com|O|old|pw").
			with("Numbers-2", "LineRef|SubscriberEmail|AccountRef|AccountId|MessageRouteId|NumberType|MessageType|ProductType",
				"X1|o@example.com|old|AID-OTHER|MRID-1|mvno|p2p|Sms-Only",
				"X2|o@example.com||AID-OTHER|MRID-1|mvno|p2p|Sms-Only",
				"X3|o@example.com||AID-OLD|MRID-1|mvno|p2p|Sms-Only",
				"X4|unknown@example.com||AID-OLD|MRID-1|mvno|p2p|Sms-Only"), []string{
			`Numbers-2:2:AccountId: "AID-OTHER" differs from "AID-OLD", the ID of Accounts-existing:2 named by AccountRef (want the same ID, or only one of AccountRef and AccountId)`,
			`Numbers-2:3:AccountId: "AID-OTHER" is not the account of subscriber o@example.com (Subscribers-2:2 is in "old"; want the subscriber's account, or empty to use it)`,
			`Numbers-2:5:SubscriberEmail: no Subscribers row has Email "unknown@example.com" (want the Email of a Subscribers row, or the existing ID in SubscriberId)`,
		}},
		{"a new account in the manifest against an existing account", base().
			with("Subscribers-2", "Email|Name|AccountId|Password", "o@example.com|O|AID-OLD|pw").
			with("Numbers-2", "LineRef|SubscriberEmail|AccountRef|AccountId|MessageRouteId|NumberType|MessageType|ProductType",
				"Y1|o@example.com|acme||MRID-1|mvno|p2p|Sms-Only",
				"Y2|jane@example.com||AID-OLD|MRID-1|mvno|p2p|Sms-Only",
				"Y3|o@example.com||AID-OLD|MRID-1|mvno|p2p|Sms-Only"), []string{
			`Numbers-2:2:AccountRef: "acme" is not the account of subscriber o@example.com (Subscribers-2:2 is in "AID-OLD"; want the subscriber's account, or empty to use it)`,
			`Numbers-2:3:AccountId: "AID-OLD" is not the account of subscriber jane@example.com (Subscribers:2 is in "acme"; want the subscriber's account, or empty to use it)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblems(t, tt.m, tt.want...) })
	}
}

// A key given by its platform ID resolves without a manifest row, and a
// cancelled port-in's references are not checked.
func TestReferencesByID(t *testing.T) {
	mustBuild(t, base().
		with("Numbers-ids", "LineRef|SubscriberId|AccountId|MessageRouteRef|MessageRouteId|NumberType|MessageType|ProductType",
			"I1|TSUID-1|AID-1|gone|MRID-1|mvno|p2p|Sms-Only").
		with("PortIns", "", "801-555-3333|cancel|nobody@example.com|nosms||||||||||"))
}

func TestHeaders(t *testing.T) {
	m := manifest{
		{"users", "E-mail|Full Name|account_ref|PASSWORD|Notes|Status|Phone Number|Colour|Passcode|Account Id|CallRouteId||Error", []string{
			"A@Example.com|A|x|pw|note|done|801 555 1234|red|1234||CRID-1|stray|",
			"b@example.com|B|x|pw",
		}},
		{"Accounts", "Ref|AID", []string{"x|AID-1"}},
	}
	p, problems, warnings, err := Check(m.readers())
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v, %v; want no problems", err, problems)
	}
	ti := p.Tables[0]
	wantCanon := []string{"Email", "Name", "AccountRef", "Password", "", "Status", "PhoneNumbers", "", "", "AccountId", "CallRouteId", "", "Error"}
	if !slices.Equal(ti.Canon, wantCanon) {
		t.Errorf("Canon = %q, want %q", ti.Canon, wantCanon)
	}
	wantSecret := []bool{false, false, false, true, false, false, false, false, true, false, false, false, false}
	if !slices.Equal(ti.Secret, wantSecret) {
		t.Errorf("Secret = %v, want %v (Password, and the unknown Passcode)", ti.Secret, wantSecret)
	}
	if ti.Kind != Subscribers || ti.Sheet != "users" {
		t.Errorf("table = %v %q, want Subscribers users", ti.Kind, ti.Sheet)
	}
	got := lines(warnings)
	want := []string{
		`users:Colour: unknown column "Colour": its values are copied to the results but not used (want a Subscribers column from docs/manifest.md)`,
		`users:Passcode: unknown column "Passcode": its values are copied to the results but not used (want a Subscribers column from docs/manifest.md); it looks secret, so the results mask it`,
		"users:2: column L has no title, so its values are not used (this is the first row with one; want a column title from docs/manifest.md)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got  %q\n want %q", got, want)
	}
	if !slices.Equal(p.Warnings, warnings) {
		t.Errorf("Plan.Warnings = %v, want the warnings Check returned", p.Warnings)
	}
	r := &p.Rows[0]
	if r.Key != "a@example.com" || r.Get("Name") != "A" || r.Get("PhoneNumbers") != "+18015551234" {
		t.Errorf("row = %q %q %q, want the aliased columns read", r.Key, r.Get("Name"), r.Get("PhoneNumbers"))
	}
	if r.Cell(0) != "A@Example.com" {
		t.Errorf("Cell(0) = %q, want the cell as written", r.Cell(0))
	}
}

func TestHeaderProblems(t *testing.T) {
	wantProblems(t, manifest{
		{"Subscribers", "Email|E-mail|Name", []string{"a@example.com|b@example.com|A"}},
		{"Subscribers 2", "Name|AccountId|Password", []string{"A|AID|pw", "B|AID|pw"}},
	},
		`Subscribers:E-mail: columns A ("Email") and B ("E-mail") both mean Email (want one of them)`,
		"Subscribers:2:AccountRef: no AccountRef or AccountId column, but a new subscriber belongs to an account (want AccountRef: the AccountRef of an Accounts row; or AccountId: an existing account's ID, like AID-…)",
		"Subscribers:2:Password: no such column, but a new subscriber needs one (want the subscriber's initial password; or give SubscriberId for an existing subscriber)",
		"Subscribers 2:Email: no such column, but every Subscribers row needs one as its key (want name@example.com)",
	)
}

// A problem names the column as the table's header spells it, so that the
// user finds the cell; the canonical name only when the column is absent.
func TestProblemsNameTheHeaderAsTyped(t *testing.T) {
	wantProblems(t, base().with("Subscribers-2", "E mail|full_name|AID|Password|Colour",
		"jane@|Jane|AID-1|pw|red", "kim@example.com||AID-1|pw|"),
		`Subscribers-2:2:E mail: "jane@" is not an e-mail address (want name@example.com)`,
		"Subscribers-2:3:full_name: empty, but a new subscriber needs one (want the subscriber's full name, like Jane Doe; or give SubscriberId for an existing subscriber)",
	)
	_, _, warnings, err := Check(base().with("Accounts-2", "Ref|AID|Colour", "x|AID-1|red").readers())
	if err != nil {
		t.Fatal(err)
	}
	want := `Accounts-2:Colour: unknown column "Colour": its values are copied to the results but not used (want an Accounts column from docs/manifest.md)`
	if len(warnings) != 1 || warnings[0].String() != want {
		t.Errorf("warnings = %q, want [%q]", warnings, want)
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		name        string
		kind        Kind
		ignored, ok bool
	}{
		{"Accounts", Accounts, false, true},
		{"account", Accounts, false, true},
		{"Subscribers", Subscribers, false, true},
		{"users-2026", Subscribers, false, true},
		{"MessageRoutes", MessageRoutes, false, true},
		{"sms_routes", MessageRoutes, false, true},
		{"Voice Routes", VoiceRoutes, false, true},
		{"CallRoutes", VoiceRoutes, false, true},
		{"numbers", Numbers, false, true},
		{"Lines", Numbers, false, true},
		{"new-numbers", Numbers, false, true},
		{"portins-week1", PortIns, false, true},
		{"Port Ins", PortIns, false, true},
		{"PORT_IN", PortIns, false, true},
		{"ports", PortIns, false, true},
		{"PortOuts", PortOuts, false, true},
		{"port-out", PortOuts, false, true},
		{"Summary", 0, true, false},
		{"Errors", 0, true, false},
		{"Changes", 0, true, false},
		{"Routes", 0, false, false},
		{"Sheet1", 0, false, false},
		// A kind as a separate word: LibreOffice's per-sheet export, a
		// copy, a results or failures CSV file.
		{"migration-Accounts", Accounts, false, true},
		{"Subscribers (1)", Subscribers, false, true},
		{"j-failures-PortIns", PortIns, false, true},
		{"export - Message Routes", MessageRoutes, false, true},
		{"results-Summary", 0, true, false},
		{"j-Errors", 0, true, false},
		{"notes", 0, false, false},
		{"accountability", Accounts, false, true}, // a prefix, as before
		{"my-accountability", 0, false, false},    // a word must be a kind's name whole
		{"lines-and-accounts", Numbers, false, true},
		{"old lines and accounts", 0, false, false}, // two kinds: which?
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ignored, ok := KindOf(tt.name)
			if k != tt.kind || ignored != tt.ignored || ok != tt.ok {
				t.Errorf("KindOf(%q) = %v, %v, %v; want %v, %v, %v", tt.name, k, ignored, ok, tt.kind, tt.ignored, tt.ok)
			}
		})
	}
}

// A tab or file that names no kind is skipped with a warning that names
// it (and the kind a misspelt name comes close to); a manifest of such
// tables only is refused.
func TestUnknownTables(t *testing.T) {
	m := base().with("Summary", "Kind|Status", "x|y").with("Instructions", "a", "1").with("Routes", "a").
		with("Subscirbers", "Email", "x@example.com")
	p, problems, warnings, err := Check(m.readers())
	if err != nil || len(problems) > 0 || p == nil {
		t.Fatalf("Check: %v, problems %v; want a plan of the known tables", err, problems)
	}
	want := map[string]string{
		"Instructions": "not a manifest table, so it is not read (want a tab or file name that starts with one of",
		"Routes":       "not a manifest table, so it is not read (want",
		"Subscirbers":  "not a manifest table, so it is not read: did you mean Subscribers?",
	}
	for _, w := range warnings {
		if prefix, ok := want[w.Sheet]; ok && strings.HasPrefix(w.Message, prefix) {
			delete(want, w.Sheet)
		}
	}
	if len(want) > 0 {
		t.Errorf("no warning for %v among %q", want, warnings)
	}
	for _, tab := range p.Tables {
		if tab.Sheet == "Instructions" || tab.Sheet == "Subscirbers" {
			t.Errorf("table %s was read", tab.Sheet)
		}
	}
	only := manifest{}.with("Foo", "a", "1").with("Routes", "a")
	_, _, err = Build(only.readers())
	wantErr := `build: "Foo", "Routes": not a manifest table (want a tab or file name that starts with one of ` + acceptedTables + ")"
	if err == nil || err.Error() != wantErr {
		t.Errorf("Build error = %v, want %s", err, wantErr)
	}
}

// A results workbook's Summary and Errors tabs are skipped, and its output
// columns are ignored: feeding it back in builds.
func TestResultsWorkbookFedBack(t *testing.T) {
	m := base().
		with("Summary", "Kind|Status|Count", "Accounts|done|2").
		with("Errors", "Sheet|Row|Error", "Numbers|3|boom").
		with("Numbers-results", "LineRef|SubscriberEmail|MessageRouteRef|NumberType|MessageType|ProductType|Status|Error|Attempts|UpdatedAt|PhoneNumberId|PhoneNumber|CallRouteId|SubscriptionId",
			"R1|jane@example.com|sms|mvno|p2p|Sms-Only|done||1|2026-06-01T00:00:00Z|NID-9|+18015550123|CRID-7|")
	p := mustBuild(t, m)
	if len(p.Tables) != len(base())+1 {
		t.Errorf("%d tables, want the Summary and Errors tabs left out", len(p.Tables))
	}
	i := rowByKey(t, p, Numbers, "R1")
	if s := p.RowStep(i, NumberProvision); s != -1 {
		t.Errorf("RowStep(R1, provision) = %d, want -1: PhoneNumberId says the number exists", s)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings = %v, want none for results columns", p.Warnings)
	}
}

func TestSheetNameOfCSV(t *testing.T) {
	for _, tt := range []struct{ t sheets.Table }{
		{sheets.Table{Name: "subscribers-week1", Path: "in/subscribers-week1.csv"}},
	} {
		if got := sheetName(tt.t); got != "subscribers-week1.csv" {
			t.Errorf("sheetName(%+v) = %q, want the file name", tt.t, got)
		}
	}
	if got := sheetName(sheets.Table{Name: "Numbers", Path: "book.xlsx"}); got != "Numbers" {
		t.Errorf("sheetName of a tab = %q, want Numbers", got)
	}
}

func TestReaderError(t *testing.T) {
	rs := base().readers()
	rs[1].(*fakeTable).err = errDisk
	_, _, err := Build(rs)
	if !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "build: read Subscribers: ") {
		t.Errorf("Build error = %v, want it to wrap the reader's error, naming the sheet", err)
	}
}

func TestReaderCellProblems(t *testing.T) {
	rs := base().readers()
	numbers := rs[4].(*fakeTable)
	numbers.rows[0].Problems = []sheets.CellProblem{{Col: 9, Message: "the ICCID was stored as a number: 8.90124039719E+18"}}
	numbers.rows[1].Problems = []sheets.CellProblem{{Col: 9, Message: sheets.MsgDigitsLost, DigitsLost: true}}
	portins := rs[5].(*fakeTable)
	portins.rows[0].Problems = []sheets.CellProblem{{Col: 6, Message: "stored as a number: 550"}, {Col: 5, Message: sheets.MsgDigitsLost, DigitsLost: true}}
	_, problems, err := Build(rs)
	if err != nil {
		t.Fatal(err)
	}
	got := lines(problems)
	want := []string{
		"Numbers:2:ICCID: the ICCID was stored as a number: 8.90124039719E+18",
		"Numbers:3:ICCID: " + lost(wantICCID),
		"PortIns:2:CurrentAccountNumber: " + lost("the account number at the losing carrier, like 4651234567"),
		"PortIns:2:CurrentAccountPassword: the cell could not be read faithfully (the value is not shown because it is secret); format the column as Text and re-enter it",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got  %q\n want %q", got, want)
	}
}

// No problem or warning ever shows a secret cell.
func TestSecretsNeverInProblems(t *testing.T) {
	secrets := []string{"12x4", "hunter2-route", "pw-cb-xyz", "0550-pin"}
	m := base().
		with("PortOuts", "", "801-555-0002|12x4").
		with("MessageRoutes-2", "RouteRef|RouteName|MessageUrl|MessagePasswordToken|CallbackMessagePasswordToken|MessageAuthenticationType",
			"r9|R9|not a url|hunter2-route|pw-cb-xyz|Bearer", "r9|R9|https://x.example.com|hunter2-route|pw-cb-xyz|Weird").
		with("PortIns", "", "555|bogus|x|y|Old|1|0550-pin|1 Main|Lehi|Utah|840|||1")
	_, problems, warnings, err := Check(m.readers())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) == 0 {
		t.Fatal("no problems, want some")
	}
	for _, p := range append(problems, warnings...) {
		for _, s := range secrets {
			if strings.Contains(p.String(), s) {
				t.Errorf("problem %q shows the secret %q", p, s)
			}
		}
	}
}

// rowByKey returns the index of the row of kind k with key key.
func rowByKey(t *testing.T, p *Plan, k Kind, key string) RowID {
	t.Helper()
	for i := range p.Rows {
		if p.Rows[i].Kind == k && p.Rows[i].Key == key {
			return RowID(i)
		}
	}
	t.Fatalf("no %s row with key %q", k, key)
	return -1
}

// Large tables go through several batches and workers; rows keep their
// input order and problems their row numbers.
func TestManyRowsKeepOrder(t *testing.T) {
	const n = 3*batchSize + 7
	rows := make([]string, n)
	for i := range rows {
		if i%1000 == 999 {
			rows[i] = "bad-" + strconv.Itoa(i) + "|jane@example.com|sms||mvno|p2p|Sms-Only||||nope" // unknown account
			continue
		}
		rows[i] = "N" + strconv.Itoa(i) + "|jane@example.com|sms||mvno|p2p|Sms-Only||||"
	}
	m := base().without("Numbers").with("Numbers", hNumbers, rows...)
	problems := problemsOf(t, m)
	if len(problems) != 3 {
		t.Fatalf("%d problems, want 3: %q", len(problems), problems)
	}
	for k, row := range []int{1001, 2001, 3001} {
		want := "Numbers:" + strconv.Itoa(row) + ":AccountRef: "
		if !strings.HasPrefix(problems[k], want) {
			t.Errorf("problem %d = %q, want it to start %q", k, problems[k], want)
		}
	}
	p := mustBuild(t, base().without("Numbers").with("Numbers", hNumbers, rows[:999]...))
	last := int32(-1)
	for i := range p.Rows {
		if r := &p.Rows[i]; r.Kind == Numbers {
			if r.Num <= last || r.Key != "N"+strconv.Itoa(int(r.Num)-2) {
				t.Fatalf("row %d is %s:%d key %q, want input order", i, r.Kind, r.Num, r.Key)
			}
			last = r.Num
		}
	}
}

// Several workers normalise phones and e-mails at once (run with -race).
func TestManySubscribersInParallel(t *testing.T) {
	const n = 3 * batchSize
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("user%d@example.com|User %d|acme|pw|(801) 555-%04d; +1 385 555 %04d|", i, i, i%10000, (i+1)%10000)
	}
	p := mustBuild(t, base().with("Subscribers-many", "Email|Name|AccountRef|Password|PhoneNumbers|GuardianCalls", rows...))
	for _, i := range []int{0, batchSize, n - 1} {
		r := &p.Rows[rowByKey(t, p, Subscribers, fmt.Sprintf("user%d@example.com", i))]
		want := []string{fmt.Sprintf("+1801555%04d", i%10000), fmt.Sprintf("+1385555%04d", (i+1)%10000)}
		if got := r.List("PhoneNumbers"); !slices.Equal(got, want) {
			t.Errorf("user%d PhoneNumbers = %q, want %q", i, got, want)
		}
	}
}

func TestColumnsAndOutputColumns(t *testing.T) {
	if got := Columns(PortOuts); !slices.Equal(got, []string{"PortOutNumber", "PortOutPIN", "OrderId", "Action"}) {
		t.Errorf("Columns(PortOuts) = %q", got)
	}
	for k := range NumKinds {
		for _, c := range Columns(Kind(k)) {
			schemas[k].fieldIndex(c) // every listed column is one Get accepts
		}
	}
	for _, tt := range []struct {
		name, canon string
		ok          bool
	}{
		{"status", "Status", true}, {"Updated At", "UpdatedAt", true}, {"call_route_id", "CallRouteId", true},
		{"Email", "", false}, {"Colour", "", false},
	} {
		if canon, ok := OutputColumn(tt.name); canon != tt.canon || ok != tt.ok {
			t.Errorf("OutputColumn(%q) = %q, %v; want %q, %v", tt.name, canon, ok, tt.canon, tt.ok)
		}
	}
}

// A column a rule needs but the table lacks is reported on every row that
// needs it, so the user learns which rows those are; past keepPerKind rows,
// one more entry counts the rest.
func TestMissingColumnPerRow(t *testing.T) {
	const want = "no VoiceRouteRef or VoiceRouteId column, but a voice-enabled number needs a voice route " +
		"(want VoiceRouteRef: the RouteRef of a VoiceRoutes row; or VoiceRouteId: an existing voice route's ID, like CRID-…)"
	lines := func(n int) manifest {
		rows := []string{"S0|jane@example.com|MRID-1|mvno|p2p|Sms-Only"} // needs no voice route
		for i := range n {
			rows = append(rows, fmt.Sprintf("V%d|jane@example.com|MRID-1|mvno|p2p|Sms+Data+Voice", i))
		}
		return base().with("Numbers-voice", "LineRef|SubscriberEmail|MessageRouteId|NumberType|MessageType|ProductType", rows...)
	}
	var listed []string
	for row := 3; row < 3+keepPerKind; row++ {
		listed = append(listed, fmt.Sprintf("Numbers-voice:%d:VoiceRouteRef: %s", row, want))
	}
	t.Run("a few rows", func(t *testing.T) {
		wantProblems(t, lines(3), listed[:3]...)
	})
	t.Run("as many as listed", func(t *testing.T) {
		wantProblems(t, lines(keepPerKind), listed...)
	})
	t.Run("one more than listed", func(t *testing.T) {
		wantProblems(t, lines(keepPerKind+1), append(listed,
			fmt.Sprintf("… and 1 more like this in Numbers-voice column VoiceRouteRef, up to row %d", 3+keepPerKind))...)
	})
	t.Run("many rows", func(t *testing.T) {
		n := 3 * batchSize // across batches that workers check in parallel
		wantProblems(t, lines(n), append(listed,
			fmt.Sprintf("… and %s more like this in Numbers-voice column VoiceRouteRef, up to row %d",
				thousands(n-keepPerKind), n+2))...)
	})
	t.Run("Basic authentication without a user name column", func(t *testing.T) {
		wantProblems(t, base().with("MessageRoutes-2", "RouteRef|RouteName|MessageUrl|MessageAuthenticationType|MessagePasswordToken|AccountId",
			"r2|R2|https://x.example.com|None||AID-1", "r3|R3|https://x.example.com|Basic|tok|AID-1", "r4|R4|https://x.example.com|Basic|tok|AID-1"),
			"MessageRoutes-2:3:MessageUsername: no such column, but Basic authentication needs a user name (want the webhook's user name)",
			"MessageRoutes-2:4:MessageUsername: no such column, but Basic authentication needs a user name (want the webhook's user name)")
	})
}

// A cell Excel stored as a number holds no leading zero. Where a leading 0
// is part of the value, such a cell is a problem when the value cannot be
// valid and a warning otherwise; a secret is never shown.
func TestNumberCells(t *testing.T) {
	rs := base().
		with("PortOuts", "", "801-555-0003|550", "801-555-0005|5501", "801-555-0006|1234567890", "801-555-0007|550").
		readers()
	number := func(tab, row int, cols ...int) { rs[tab].(*fakeTable).rows[row].Numeric = cols }
	number(5, 0, 5, 6, 7) // PortIns: CurrentAccountNumber, CurrentAccountPassword, BillingStreet1 (no zeros to lose)
	number(6, 1, 1)       // PortOuts: PIN 550 from a number: lost its zero
	number(6, 2, 1)       // 5501: may have lost one
	number(6, 3, 1)       // 1234567890: ten digits, cannot have lost one
	// PortOuts row 5 (550) is text: as typed, so simply not a PIN.
	number(4, 0, 9, 8) // Numbers: ICCID and LimitValue (no warning: no leading zeros there)
	_, problems, warnings, err := Check(rs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range append(problems, warnings...) {
		got = append(got, p.String())
	}
	want := []string{
		"PortOuts:3:PortOutPIN: " + msgPINNumber,
		"PortOuts:6:PortOutPIN: the value is not a PIN (want 4 to 10 digits like 0550; it is not shown because it is secret)",
		"PortIns:2:CurrentAccountNumber: " + msgNumberCell,
		"PortIns:2:CurrentAccountPassword: " + msgNumberCell,
		"PortOuts:4:PortOutPIN: " + msgNumberCell,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems, then warnings:\n got  %q\n want %q", got, want)
	}
	if !strings.Contains(msgPINNumber, "format the column as Text") || !strings.Contains(msgNumberCell, "format the column as Text") {
		t.Errorf("messages %q, %q do not say to format the column as Text", msgPINNumber, msgNumberCell)
	}
}

// A port-in with Action=cancel needs its key and Action only: its other
// cells are not checked, and read as not given.
func TestCancelRowNotChecked(t *testing.T) {
	rs := base().with("PortIns-cancel",
		"PortInNumber|Action|SubscriberEmail|BillingZip|BillingState|ICCID|CurrentAccountPassword|OrderId|Package|VoiceEnabled",
		"801-555-6001|Cancel|not an email|8404|Cascadia|8901240397190002081|x|JNOID-9|Starter|maybe").readers()
	cancel := rs[len(rs)-1].(*fakeTable)
	cancel.rows[0].Problems = []sheets.CellProblem{{Col: 5, Message: sheets.MsgDigitsLost, DigitsLost: true}}
	cancel.rows[0].Numeric = []int{6}
	p, problems, warnings, err := Check(rs)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v, problems %q; want none", err, problems)
	}
	want := "PortIns-cancel:2:Package: ignored: Action is cancel, so no subscription is created"
	if len(warnings) != 1 || warnings[0].String() != want {
		t.Errorf("warnings = %q, want [%q]", warnings, want)
	}
	r := &p.Rows[rowByKey(t, p, PortIns, "+18015556001")]
	for _, col := range []string{"SubscriberEmail", "BillingZip", "BillingState", "ICCID", "CurrentAccountPassword", "Package"} {
		if r.Given(col) || r.Get(col) != "" {
			t.Errorf("%s = %q (given %v), want not given", col, r.Get(col), r.Given(col))
		}
	}
	if r.Get("OrderId") != "JNOID-9" || r.Get("Action") != "cancel" {
		t.Errorf("OrderId %q, Action %q; want JNOID-9, cancel", r.Get("OrderId"), r.Get("Action"))
	}
	if s := p.RowStep(rowByKey(t, p, PortIns, "+18015556001"), PortInCancel); s < 0 {
		t.Errorf("no cancel step")
	}
}

// A results workbook shows secrets as ***. Fed back, a masked secret is
// not given on a row that carries its own platform IDs, and a warning on a
// row that is to be created, since that row cannot be sent without the
// real value (the runner fails it if it comes to sending it).
func TestMaskedSecrets(t *testing.T) {
	const masked = "the cell shows *** because a results workbook hides secrets: the row is not sent until the real value is entered here (it is never shown or written anywhere)"
	m := base().
		with("Subscribers-done", "Email|Name|AccountRef|Password|SubscriberId", "done@example.com|D|acme|***|TSUID-7").
		with("Subscribers-new", "Email|Name|AccountRef|Password", "new@example.com|N|acme|***").
		with("MessageRoutes-done", "RouteRef|MessageRouteId|MessageAuthenticationType|MessageUsername|MessagePasswordToken", "done-sms|MRID-7|Basic|u|***").
		with("PortIns-done", "PortInNumber|Action|SubscriberId|MessageRouteId|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|OrderId",
			"801-555-2001|submit|TSUID-1|MRID-1|Old Co|1|***|1 Main|Lehi|UT|84043|JNOID-1",
			"801-555-2002|resubmit|TSUID-1|MRID-1|Old Co|1|***|1 Main|Lehi|UT|84043|JNOID-2",
			"801-555-2003|submit|TSUID-1|MRID-1|Old Co|1|***|1 Main|Lehi|UT|84043|").
		with("PortOuts-done", "PortOutNumber|PortOutPIN|OrderId", "801-555-2004|***|JNOID-4", "801-555-2005|***|")
	_, problems, warnings, err := Check(m.readers())
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v, problems %v; want none", err, problems)
	}
	got := lines(warnings)
	wantList(t, "warnings", got,
		"Subscribers-new:2:Password: "+masked,
		"PortIns-done:3:CurrentAccountPassword: "+masked,
		"PortIns-done:4:CurrentAccountPassword: "+masked,
		"PortOuts-done:3:PortOutPIN: "+masked,
	)
	ok := base().
		with("Subscribers-done", "Email|Name|AccountRef|Password|SubscriberId", "done@example.com|D|acme|***|TSUID-7").
		with("PortIns-done", "PortInNumber|SubscriberId|MessageRouteId|CurrentAccountPassword|OrderId", "801-555-2001|TSUID-1|MRID-1|***|JNOID-1")
	p := mustBuild(t, ok)
	if r := &p.Rows[rowByKey(t, p, Subscribers, "done@example.com")]; r.Given("Password") || !r.Masked() {
		t.Errorf("masked Password of an existing subscriber: given %v, Masked %v; want not given, masked", r.Given("Password"), r.Masked())
	}
}

// A route row that names no account gets the one its lines use; one whose
// lines span accounts, or that no line uses in a manifest of several
// accounts, is a problem on its AccountRef cell (seed 002 §4: AccountId is
// required on a route once the distributor has more than one account).
func TestRouteAccount(t *testing.T) {
	t.Run("one account's lines", func(t *testing.T) {
		p := mustBuild(t, base().without("MessageRoutes").with("MessageRoutes", hMRoutes,
			"sms|Main SMS|https://hooks.example.com/sms|"))
		route := rowByKey(t, p, MessageRoutes, "sms")
		if acc, _ := p.Parent(route, Accounts); acc < 0 || p.Rows[acc].Key != "acme" {
			t.Fatalf("account of route sms = %d, want acme's row", acc)
		}
		deps := p.Deps(p.RowStep(route, MessageRouteCreate))
		if len(deps) != 1 || p.Key(deps[0]) != "accounts/acme/create" {
			t.Errorf("route create waits for %v, want the account's create", deps)
		}
	})
	t.Run("an existing account's lines", func(t *testing.T) {
		p := mustBuild(t, manifest{
			{"MessageRoutes", "RouteRef|RouteName|MessageUrl", []string{"sms|Main SMS|https://hooks.example.com/sms"}},
			{"Numbers", "LineRef|SubscriberId|AccountId|MessageRouteRef|NumberType|MessageType|ProductType",
				[]string{"L1|TSUID-1|AID-7|sms|mvno|p2p|Sms-Only", "L2|TSUID-2|AID-7|sms|mvno|p2p|Sms-Only"}},
		})
		if _, id := p.Parent(rowByKey(t, p, MessageRoutes, "sms"), Accounts); id != "AID-7" {
			t.Errorf("account of route sms = %q, want AID-7", id)
		}
	})
	t.Run("lines of two accounts", func(t *testing.T) {
		wantProblems(t, base().without("MessageRoutes").with("MessageRoutes", hMRoutes,
			"sms|Main SMS|https://hooks.example.com/sms|").
			with("Numbers-beta", hNumbers, "B1|bob@example.com|sms||mvno|p2p|Sms-Only||||"),
			`MessageRoutes:2:AccountRef: empty, but this route serves lines of 2 accounts ("acme", "beta"); a route `+
				`belongs to one account, and the API needs it once the distributor has more than one (want the `+
				`AccountRef of the account that owns the route, or its AccountId)`)
	})
	t.Run("unused in a manifest of two accounts", func(t *testing.T) {
		wantProblems(t, base().with("VoiceRoutes-2", hVRoutes, "spare|Spare SIP|Trunk|203.0.113.20|"),
			`VoiceRoutes-2:2:AccountRef: empty, but no line uses this route and the manifest has 2 accounts `+
				`("acme", "beta"); a route belongs to one account, and the API needs it once the distributor has `+
				`more than one (want the AccountRef of the account that owns the route, or its AccountId)`)
	})
}
