package samplegen

// A Notes cell of the bad-rows workbook starts with one of these when its
// row is meant to be valid; any other note describes the row's one problem.
const (
	// NoteValid starts the note of a row that must validate cleanly.
	NoteValid = "valid:"
	// NoteValidAlone starts the note of a row that is valid by itself but
	// is one half of a pair (a duplicate key, a conflicting reference), so
	// a validator may name it as well as the problem row.
	NoteValidAlone = "valid on its own:"
)

// iccidAsExcelFloat is the ICCID 8901240397190002080 typed into a General
// column: Excel makes it a number, which float64 cannot hold exactly, and
// keeps 15 significant digits of it (the file holds 8901240397190000000),
// so the last digits are lost.
const iccidAsExcelFloat = 8.901240397190002e18

// BadRows returns the bad-rows workbook: a small manifest whose valid rows
// give context, and whose other rows each carry exactly one problem,
// described in words in the Notes column (a column the manifest format
// ignores).
func BadRows() []Table {
	return []Table{
		badAccounts(),
		badSubscribers(),
		badMessageRoutes(),
		badVoiceRoutes(),
		badNumbers(),
		badPortIns(),
		badPortOuts(),
	}
}

// noted adds the Notes cell to a row.
func noted(note string, sets ...cells) cells {
	return merge(append(sets, cells{"Notes": note})...)
}

func badAccounts() Table {
	acct := func(ref, name, street, city, state, zip string) cells {
		return cells{"AccountRef": ref, "AccountName": name, "BillingStreet1": street,
			"BillingCity": city, "BillingState": state, "BillingZip": zip, "BillingCountry": "USA"}
	}
	return table(tabAccounts, withNotes(accountsHeader),
		noted(NoteValid+" the account most rows below belong to",
			acct("north", "Northfork Outfitters", "75 N Main St", "Logan", "Utah", "84321")),
		noted(NoteValid+" a second account, for the cross-account rows",
			acct("south", "Southgate Dental", "300 Ocean Ave", "Santa Cruz", "ca", "95060")),
		noted("missing required cell: AccountName is empty",
			acct("nameless", "", "9 Elm St", "Provo", "UT", "84601")),
		noted("BillingZip 2139 has 4 digits: Excel dropped the leading 0 of 02139; format the column as text",
			acct("cambridge", "Kendall Robotics", "1 Broadway", "Cambridge", "MA", "2139")),
		noted("BillingState Cascadia is not a US state",
			acct("cascadia", "Cascadia Kayaks", "210 Water St", "Port Townsend", "Cascadia", "98368")),
	)
}

func badSubscribers() Table {
	sub := func(email, name, account, role string) cells {
		return cells{"Email": email, "Name": name, "AccountRef": account, "Role": role, "Password": "Sample-Pass-2026"}
	}
	return table(tabSubscribers, withNotes(subscribersHeader),
		noted(NoteValid+" manager of account north", sub("ana.north@example.com", "Ana Ruiz", "north", "Manager"),
			cells{"PhoneNumbers": "(801) 555-0150"}),
		noted(NoteValid+" manager of account south", sub("sam.south@example.com", "Sam Okafor", "south", "Manager")),
		noted(NoteValidAlone+" row 6 repeats this e-mail", sub("kim.north@example.com", "Kim Lund", "north", "Subscriber")),
		noted("bad e-mail: lee.north@example has no top-level domain",
			sub("lee.north@example", "Lee Park", "north", "Subscriber")),
		noted("duplicate e-mail: KIM.NORTH@example.com is kim.north@example.com of row 4 (e-mails are unique on the whole platform, whatever the case)",
			sub("KIM.NORTH@example.com", "Kimberly Lund", "north", "Subscriber")),
		noted("unknown AccountRef: no Accounts row is named westfield",
			sub("max.west@example.com", "Max Weber", "westfield", "Subscriber")),
		noted("unparseable phone: PhoneNumbers is words, not a number",
			sub("joy.north@example.com", "Joy Tran", "north", "Subscriber"), cells{"PhoneNumbers": "call after 5pm"}),
		noted("phone with too few digits: 801-555-12 has 8 digits",
			sub("ray.north@example.com", "Ray Moss", "north", "Subscriber"), cells{"PhoneNumbers": "801-555-12"}),
		noted("bad Role: Supervisor is not Subscriber, Manager or Account Admin",
			sub("eve.north@example.com", "Eve Marsh", "north", "Supervisor")),
		noted("bad boolean: GuardianCalls is sometimes, not yes/no",
			sub("ivy.north@example.com", "Ivy Chen", "north", "Subscriber"), cells{"GuardianCalls": "sometimes"}),
		noted("bad e-mail: the domain -example.com starts with a hyphen",
			sub("lee.south@-example.com", "Lee Stone", "south", "Subscriber")),
		noted(NoteValid+" but warned: Password *** is what a results workbook shows for a secret, and a new "+
			"subscriber is not sent until the real password is entered",
			sub("ned.north@example.com", "Ned Lund", "north", "Subscriber"), cells{"Password": "***"}),
	)
}

func badMessageRoutes() Table {
	route := func(ref, url string) cells {
		return cells{"RouteRef": ref, "AccountRef": "north", "RouteName": "Route " + ref, "MessageUrl": url,
			"MessageUrlMethod": "POST", "MessageAuthenticationType": "None"}
	}
	return table(tabMessageRoutes, withNotes(messageRoutesHeader),
		noted(NoteValid+" the message route of the lines below", route("main-sms", "https://sms.example.com/in")),
		noted("bad URL in MessageUrl: no http:// or https:// scheme", route("schemeless-sms", "sms.example.com/in")),
	)
}

func badVoiceRoutes() Table {
	return table(tabVoiceRoutes, withNotes(voiceRoutesHeader),
		noted(NoteValid+" the voice route of the voice lines below",
			cells{"RouteRef": "main-sip", "AccountRef": "north", "RouteName": "Main trunk", "RouteType": "Trunk",
				"TrunkIp1": "198.51.100.20", "TrunkPort1": "5060", "TrunkTransport1": "UDP"}),
		noted("RouteType Trunk without TrunkIp1 or TrunkUri1",
			cells{"RouteRef": "empty-sip", "AccountRef": "north", "RouteName": "Trunk with no address", "RouteType": "Trunk", "TrunkPort1": "5060"}),
	)
}

func badNumbers() Table {
	// Every line starts as a valid Sms+Data line of ana.north; each problem
	// row then changes one thing.
	line := func(ref string, sets ...cells) cells {
		base := merge(mvnoDataLine, cells{"LineRef": ref, "SubscriberEmail": "ana.north@example.com",
			"MessageRouteRef": "main-sms", "AreaCode": "801"})
		return merge(append([]cells{base}, sets...)...)
	}
	limits := dataLimits("1024", "512", "800", "1-mbps")
	return table(tabNumbers, withNotes(append(numbersHeader[:len(numbersHeader):len(numbersHeader)], "AccountId")),
		noted(NoteValidAlone+" PortIns row 5 reuses this LineRef", line("N-001", cells{"ICCID": ICCID(7_000_000_001)})),
		noted(NoteValid+" a voice line with its voice route", line("N-002", mvnoVoiceLine, cells{"VoiceRouteRef": "main-sip"})),
		noted("ICCID with a bad Luhn check digit (the last digit should be "+ICCID(7_000_000_003)[18:]+")",
			line("N-003", cells{"ICCID": badLuhn(ICCID(7_000_000_003))})),
		noted("ICCID with 18 digits (ICCIDs have 19 or 20)", line("N-004", cells{"ICCID": ICCID(7_000_000_004)[:18]})),
		noted("ICCID stored as a number: Excel kept 8.90124039719E+18 and lost the last digits of 8901240397190002080; format the column as text",
			line("N-005", cells{"ICCID": iccidAsExcelFloat})),
		noted("bad NumberType: landline is not mvno, iot or voip", line("N-006", cells{"NumberType": "landline"})),
		noted("iot with a2p: iot numbers are p2p only", line("N-007", iotLine, cells{"MessageType": "a2p"})),
		noted("voip with p2p: voip numbers are a2p only", line("N-008", voipLine, cells{"MessageType": "p2p"})),
		noted("VoiceEnabled without a voice route: no VoiceRouteRef or VoiceRouteId",
			line("N-009", mvnoVoiceLine, cells{"VoiceRouteRef": ""})),
		noted("ProductType Sms+Data does not match VoiceEnabled yes (that is Sms+Data+Voice)",
			line("N-010", mvnoVoiceLine, cells{"VoiceRouteRef": "main-sip", "ProductType": "Sms+Data"})),
		noted("NotifyValue 900 is not below ThrottleValue 800", line("N-011", limits, cells{"NotifyValue": "900"})),
		noted("ThrottleValue without ThrottleSpeed", line("N-012", limits, cells{"ThrottleSpeed": ""})),
		noted("bad ThrottleSpeed: fast is not one of 1-mbps, 5-mbps, …", line("N-013", limits, cells{"ThrottleSpeed": "fast"})),
		noted("data limit without DataEnabled: LimitValue on a line with DataEnabled no",
			line("N-014", voipLine, cells{"NumberType": "mvno", "MessageType": "p2p", "LimitValue": "1024", "ValueUnit": "MB"})),
		noted("AccountRef south, but the subscriber ana.north@example.com belongs to account north",
			line("N-015", cells{"AccountRef": "south"})),
		noted(NoteValidAlone+" row 18 repeats this LineRef", line("N-016")),
		noted("duplicate LineRef: N-016 is already row 17", line("N-016", cells{"AreaCode": "385"})),
		noted("unknown MessageRouteRef: no MessageRoutes row is named night-sms", line("N-017", cells{"MessageRouteRef": "night-sms"})),
		noted("AccountId AID-EXISTING names an existing account, but ana.north@example.com is in account north, which this manifest creates",
			line("N-018", cells{"AccountId": "AID-EXISTING"})),
		noted("duplicate SIM: the ICCID of N-001 again, with the filler F some vendors print",
			line("N-019", cells{"ICCID": ICCID(7_000_000_001) + "F"})),
	)
}

// badLuhn returns the ICCID with its check digit changed to a wrong one.
func badLuhn(iccid string) string {
	last := iccid[len(iccid)-1]
	return iccid[:len(iccid)-1] + string('0'+(last-'0'+1)%10)
}

func badPortIns() Table {
	port := func(number string, sets ...cells) cells {
		base := merge(cells{"PortInNumber": number, "SubscriberEmail": "ana.north@example.com",
			"MessageRouteRef": "main-sms", "CurrentCarrierName": "Verizon Wireless",
			"CurrentAccountNumber": "551200917", "CurrentAccountPassword": "2468", "SubscriberName": "Ana Ruiz",
			"NumberType": "mvno", "MessageType": "p2p", "VoiceEnabled": "no", "DataEnabled": "yes"},
			billing("75 N Main St", "", "Logan", "UT", "84321"))
		return merge(append([]cells{base}, sets...)...)
	}
	return table(tabPortIns, withNotes(portInsHeader),
		noted(NoteValidAlone+" PortOuts row 3 ports this number out", port("+18015550177")),
		noted("bad Action: transfer is not submit, cancel or resubmit", port("+18015550178", cells{"Action": "transfer"})),
		noted("bad PortInDate: next Friday is not a date like 2026-06-01", port("+18015550179", cells{"PortInDate": "next Friday"})),
		noted("LineRef N-001 is also a Numbers row (Numbers row 2)", port("+18015550180", cells{"LineRef": "N-001"})),
		noted(NoteValid+" Action cancel needs only the number: the ZIP 8404 and the bad e-mail are not checked",
			cells{"PortInNumber": "+18015550182", "Action": "cancel", "SubscriberEmail": "ana.north@", "BillingZip": "8404"}),
		noted(NoteValid+" but warned: CurrentAccountPassword 0550 typed into a General cell is the number 550, "+
			"so Excel may have dropped a leading 0", port("+18015550181", cells{"CurrentAccountPassword": GeneralNumber(550)})),
	)
}

func badPortOuts() Table {
	return table(tabPortOuts, withNotes(portOutsHeader),
		noted(NoteValid+" a preloaded sandbox number", cells{"PortOutNumber": "+13855550103", "PortOutPIN": "5830"}),
		noted("port-out of +18015550177, which PortIns row 2 ports in", cells{"PortOutNumber": "(801) 555-0177", "PortOutPIN": "9134"}),
		noted("PortOutPIN 12AB has letters (a PIN is 4–10 digits)", cells{"PortOutNumber": "+13855550102", "PortOutPIN": "12AB"}),
		noted("PortOutPIN 0550 typed into a General cell: Excel stored the number 550, without its leading 0",
			cells{"PortOutNumber": "+13855550104", "PortOutPIN": GeneralNumber(550)}),
	)
}
