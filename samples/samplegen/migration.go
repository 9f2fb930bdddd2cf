package samplegen

// cells names the values of one sample row by column.
type cells = map[string]any

// table builds a Table from rows written as named cells.
func table(name string, header []string, rows ...cells) Table {
	t := Table{Name: name, Header: header, Rows: make([][]any, len(rows))}
	for i, r := range rows {
		t.Rows[i] = record(header, r)
	}
	return t
}

// Migration returns the sample migration manifest: three accounts with their
// subscribers, two message routes and a SIP trunk, new numbers of every
// type, a porting campaign that meets each of the sandbox's port-in
// outcomes, and two port-out PINs for preloaded numbers. Values are written
// the way a partner's spreadsheet has them (mixed phone and state forms), so
// the sample also shows the normalisation.
func Migration() []Table {
	return []Table{
		migrationAccounts(),
		migrationSubscribers(),
		migrationMessageRoutes(),
		migrationVoiceRoutes(),
		migrationNumbers(),
		migrationPortIns(),
		migrationPortOuts(),
	}
}

func migrationAccounts() Table {
	return table(tabAccounts, accountsHeader,
		cells{"AccountRef": "hollis", "AccountName": "Hollis Family", "AccountAdmin": "dana.hollis@example.com",
			"BillingStreet1": "412 E Center St", "BillingCity": "Heber City", "BillingState": "Utah",
			"BillingZip": "84032", "BillingCountry": "USA"},
		cells{"AccountRef": "bayside", "AccountName": "Bayside Courier Co.", "AccountAdmin": "priya.natarajan@example.com",
			"BillingStreet1": "2201 Mariposa St", "BillingStreet2": "Suite 300", "BillingCity": "San Francisco",
			"BillingState": "CA", "BillingZip": "94107", "BillingCountry": "USA",
			"MailingStreet1": "PO Box 77104", "MailingCity": "San Francisco", "MailingState": "CA", "MailingZip": "94107-0104"},
		cells{"AccountRef": "marlowe", "AccountName": "Marlowe & Chen Studio", "AccountAdmin": "frances.marlowe@example.org",
			"BillingStreet1": "148 Lafayette St", "BillingStreet2": "Fl 5", "BillingCity": "New York",
			"BillingState": "new york", "BillingZip": "10013", "BillingCountry": "USA"},
	)
}

func migrationSubscribers() Table {
	sub := func(email, name, account, role, phones, password string) cells {
		return cells{"Email": email, "Name": name, "AccountRef": account, "Role": role,
			"PhoneNumbers": phones, "Password": password}
	}
	guarded := func(c cells, filter string) cells {
		c["GuardianCalls"], c["GuardianMessages"], c["FilterLevel"] = "yes", "yes", filter
		return c
	}
	return table(tabSubscribers, subscribersHeader,
		sub("dana.hollis@example.com", "Dana Hollis", "hollis", "Manager", "(801) 555-0120", "Timp-Cascade-4471"),
		sub("mark.hollis@example.com", "Mark Hollis", "hollis", "Subscriber", "801.555.0121", "Deer-Creek-0932"),
		guarded(sub("ava.hollis@example.com", "Ava Hollis", "hollis", "Subscriber", "", "Kamas-Valley-2208"), "TEENAGER"),
		guarded(sub("leo.hollis@example.com", "Leo Hollis", "hollis", "Subscriber", "", "Jordanelle-5517"), ""),
		sub("ruth.hollis@example.com", "Ruth Hollis", "hollis", "Subscriber", "18015550124", "Midway-Crater-7760"),

		sub("priya.natarajan@example.com", "Priya Natarajan", "bayside", "Manager", "+1 415 555 0130", "Potrero-Hill-3390"),
		sub("tomas.reyes@example.com", "Tomás Reyes", "bayside", "Subscriber", "415-555-0131", "Dogpatch-Loop-1184"),
		sub("keisha.brown@example.com", "Keisha Brown", "bayside", "Subscriber", "(415) 555-0132; (415) 555-0133", "Bayview-Ramp-6621"),
		sub("dispatch.bayside@example.org", "Bayside Dispatch", "bayside", "Account Admin", "", "Pier-Seventy-0457"),
		sub("wei.zhang@example.com", "Wei Zhang", "bayside", "Subscriber", "385 555 0134", "Mission-Bay-8843"),

		sub("frances.marlowe@example.org", "Frances Marlowe", "marlowe", "Manager", "212-555-0140", "Soho-Loft-2975"),
		sub("daniel.chen@example.org", "Daniel Chen", "marlowe", "Subscriber", "(212) 555-0141", "Canal-Street-6104"),
		sub("sofia.alvarez@example.org", "Sofía Álvarez", "marlowe", "Subscriber", "", "Bleecker-Walk-3318"),
		sub("front.desk.marlowe@example.org", "Marlowe & Chen Front Desk", "marlowe", "Subscriber", "", "Lafayette-Desk-9021"),
		sub("jonah.marlowe@example.org", "Jonah Marlowe", "marlowe", "Subscriber", "+12125550142", "Hudson-Pier-4456"),
	)
}

func migrationMessageRoutes() Table {
	return table(tabMessageRoutes, messageRoutesHeader,
		// The partner's own routes serve every account's lines; a route
		// belongs to one account, here the partner's house account.
		cells{"RouteRef": "partner-sms", "AccountRef": "hollis", "RouteName": "Partner inbound SMS",
			"MessageUrl": "https://sms.example.com/telegent/inbound", "MessageUrlMethod": "POST",
			"MessageRouteEnabled": "yes", "MessageAuthenticationType": "None",
			"CallbackMessageUrl": "https://sms.example.com/telegent/dlr", "CallbackMessageUrlMethod": "POST"},
		cells{"RouteRef": "bayside-sms", "AccountRef": "bayside", "RouteName": "Bayside dispatch SMS",
			"MessageUrl": "https://dispatch.example.org/hooks/sms", "MessageUrlMethod": "POST",
			"MessageRouteEnabled": "yes", "MessageAuthenticationType": "Basic",
			"MessageUsername": "bayside-hook", "MessagePasswordToken": "sample-hook-token-7Qm2"},
	)
}

func migrationVoiceRoutes() Table {
	return table(tabVoiceRoutes, voiceRoutesHeader,
		cells{"RouteRef": "partner-sip", "AccountRef": "hollis", "RouteName": "Partner SBC trunk", "RouteType": "Trunk",
			"TrunkIp1": "203.0.113.10", "TrunkPort1": "5060", "TrunkTransport1": "UDP",
			"TrunkIp2": "203.0.113.11", "TrunkPort2": "5060", "TrunkTransport2": "UDP",
			"RouteEnabled": "yes", "TrunkEnabled1": "yes", "TrunkEnabled2": "yes",
			"Trunk1Priority": "10", "Trunk1Weight": "10", "Trunk2Priority": "20", "Trunk2Weight": "10",
			"IpWhitelist": "203.0.113.10; 203.0.113.11"},
	)
}

// dataLimits returns the data-usage columns of a line.
func dataLimits(limit, notify, throttle, speed string) cells {
	return cells{"LimitValue": limit, "NotifyValue": notify, "ThrottleValue": throttle,
		"ThrottleSpeed": speed, "ValueUnit": "MB"}
}

// merge returns the union of cell sets; later sets win.
func merge(sets ...cells) cells {
	out := cells{}
	for _, s := range sets {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// Line shapes: the flags and product type that agree with each other.
var (
	mvnoVoiceLine = cells{"NumberType": "mvno", "MessageType": "p2p", "MessageEnabled": "yes",
		"VoiceEnabled": "yes", "DataEnabled": "yes", "ProductType": "Sms+Data+Voice", "VoiceRouteRef": "partner-sip"}
	mvnoDataLine = cells{"NumberType": "mvno", "MessageType": "p2p", "MessageEnabled": "yes",
		"VoiceEnabled": "no", "DataEnabled": "yes", "ProductType": "Sms+Data"}
	iotLine = cells{"NumberType": "iot", "MessageType": "p2p", "MessageEnabled": "no",
		"VoiceEnabled": "no", "DataEnabled": "yes", "ProductType": "Data-Only"}
	voipLine = cells{"NumberType": "voip", "MessageType": "a2p", "MessageEnabled": "yes",
		"VoiceEnabled": "no", "DataEnabled": "no", "ProductType": "Sms-Only"}
)

func migrationNumbers() Table {
	line := func(ref, email, route, area, zip string, serial int64) cells {
		c := cells{"LineRef": ref, "SubscriberEmail": email, "MessageRouteRef": route,
			"AreaCode": area, "ZipCode": zip}
		if serial >= 0 {
			c["ICCID"] = ICCID(serial)
		}
		return c
	}
	return table(tabNumbers, numbersHeader,
		merge(line("HOL-001", "dana.hollis@example.com", "partner-sms", "801", "84032", 4_100_000_001), mvnoVoiceLine,
			cells{"AccountRef": "hollis", "Package": pkgFamily}, dataLimits("10240", "8192", "9216", "5-mbps")),
		merge(line("HOL-002", "mark.hollis@example.com", "partner-sms", "801", "84032", 4_100_000_002), mvnoVoiceLine,
			cells{"Package": pkgFamilyID}, dataLimits("10240", "8192", "9216", "5-mbps")),
		merge(line("HOL-003", "ava.hollis@example.com", "partner-sms", "385", "84032", 4_100_000_003), mvnoVoiceLine,
			cells{"Package": pkgStarter}, dataLimits("1024", "768", "900", "1-mbps")),
		merge(line("HOL-004", "leo.hollis@example.com", "partner-sms", "385", "84032", 4_100_000_004), mvnoDataLine,
			cells{"Package": pkgStarterID}, dataLimits("1024", "512", "800", "1-mbps")),

		merge(line("BAY-001", "priya.natarajan@example.com", "bayside-sms", "415", "94107", 4_200_000_001), mvnoVoiceLine,
			cells{"AccountRef": "bayside", "Package": pkgUnlimited}, dataLimits("51200", "40960", "46080", "20-mbps")),
		merge(line("BAY-T01", "dispatch.bayside@example.org", "bayside-sms", "415", "94107", 4_200_000_101), iotLine,
			cells{"Package": pkgIoT}, dataLimits("500", "400", "450", "1-mbps")),
		merge(line("BAY-T02", "dispatch.bayside@example.org", "bayside-sms", "415", "94107", 4_200_000_102), iotLine,
			cells{"Package": pkgIoTID}, dataLimits("500", "400", "450", "1-mbps")),
		merge(line("BAY-T03", "dispatch.bayside@example.org", "bayside-sms", "415", "94124", 4_200_000_103), iotLine,
			cells{"Package": pkgIoT}, dataLimits("500", "300", "450", "1-mbps")),

		merge(line("MAR-001", "frances.marlowe@example.org", "partner-sms", "212", "10013", 4_300_000_001), mvnoVoiceLine,
			cells{"AccountRef": "marlowe", "Package": pkgUnlimitedID}, dataLimits("51200", "40960", "46080", "20-mbps")),
		merge(line("MAR-002", "daniel.chen@example.org", "partner-sms", "212", "10013", 4_300_000_002), mvnoDataLine,
			cells{"Package": pkgFamily}, dataLimits("10240", "8192", "9216", "5-mbps")),
		merge(line("MAR-003", "front.desk.marlowe@example.org", "partner-sms", "212", "10013", -1), voipLine),
	)
}

// billing is a port-in's CurrentBillingAddress columns.
func billing(street1, street2, city, state, zip string) cells {
	return cells{"BillingStreet1": street1, "BillingStreet2": street2, "BillingCity": city,
		"BillingState": state, "BillingZip": zip}
}

func migrationPortIns() Table {
	port := func(number, email, route, carrier, account, pin, name string) cells {
		return cells{"PortInNumber": number, "SubscriberEmail": email, "MessageRouteRef": route,
			"CurrentCarrierName": carrier, "CurrentAccountNumber": account, "CurrentAccountPassword": pin,
			"SubscriberName": name, "NumberType": "mvno", "MessageType": "p2p"}
	}
	voice := cells{"VoiceEnabled": "yes", "DataEnabled": "yes", "VoiceRouteRef": "partner-sip"}
	data := cells{"VoiceEnabled": "no", "DataEnabled": "yes"}
	heber := billing("412 E Center St", "", "Heber City", "UT", "84032")
	soma := billing("88 Harriet St", "Apt 4", "San Francisco", "California", "94103")
	tribeca := billing("57 Walker St", "", "New York", "NY", "10013")
	return table(tabPortIns, portInsHeader,
		// Complete normally.
		merge(port("801-555-0161", "ruth.hollis@example.com", "partner-sms", "Verizon Wireless", "482019337", "6012", "Ruth Hollis"),
			heber, voice, cells{"LineRef": "HOL-P01", "AccountRef": "hollis", "ICCID": ICCID(4_100_000_201),
				"PortInDate": "2026-06-01", "Package": pkgStarter}, dataLimits("1024", "768", "900", "1-mbps")),
		merge(port("+1 415 555 0162", "tomas.reyes@example.com", "bayside-sms", "T-Mobile", "960113478", "2209", "Tomas Reyes"),
			soma, voice, cells{"LineRef": "BAY-P01", "ICCID": ICCID(4_200_000_201), "PortInDate": "06/03/2026",
				"Package": pkgFamilyID}, dataLimits("10240", "8192", "9216", "5-mbps")),
		merge(port("212.555.0163", "sofia.alvarez@example.org", "partner-sms", "AT&T Mobility", "287731550912", "5518", "Sofia Alvarez"),
			tribeca, data, cells{"LineRef": "MAR-P01", "AccountRef": "marlowe"}),
		// Rejected ACCOUNT_NUMBER_MISMATCH until CurrentAccountNumber is corrected.
		merge(port("+18015559911", "mark.hollis@example.com", "partner-sms", "Verizon Wireless", "482019330", "3307", "Mark Hollis"),
			heber, data, cells{"Package": pkgStarterID}),
		// Rejected PIN_INVALID until CurrentAccountPassword is corrected.
		merge(port("(385) 555-9912", "wei.zhang@example.com", "bayside-sms", "T-Mobile", "960117702", "1111", "Wei Zhang"),
			soma, voice, cells{"Action": "submit"}),
		// Rejected NAME_MISMATCH until SubscriberName matches the carrier's record.
		merge(port("212-555-9913", "jonah.marlowe@example.org", "partner-sms", "AT&T Mobility", "287731559913", "8024", "J. Marlowe"),
			tribeca, voice, cells{"Package": pkgUnlimited}, dataLimits("51200", "40960", "46080", "20-mbps")),
		// Not eligible: not portable to this classification.
		merge(port("+1 (415) 555-9901", "keisha.brown@example.com", "bayside-sms", "Verizon Wireless", "771020345", "4410", "Keisha Brown"),
			soma, data),
		// Rejected NOT_ACTIVE for good.
		merge(port("8015559919", "leo.hollis@example.com", "partner-sms", "US Cellular", "30045519", "0719", "Leo Hollis"),
			heber, data),
	)
}

func migrationPortOuts() Table {
	return table(tabPortOuts, portOutsHeader,
		cells{"PortOutNumber": "+13855550100", "PortOutPIN": "4821"},
		cells{"PortOutNumber": "(385) 555-0101", "PortOutPIN": "739105"},
	)
}

// MigrationFixed is the migration manifest after the porting team acted
// on the first run's results: the three fixable rejections corrected
// (account number, PIN, name) and the port the carrier will never
// release cancelled. Re-running it on the first run's state updates the
// rejected orders in place and cancels the other; nothing is submitted
// twice.
func MigrationFixed() []Table {
	tables := Migration()
	for ti := range tables {
		if tables[ti].Name != tabPortIns {
			continue
		}
		t := &tables[ti]
		col := func(name string) int {
			for i, h := range t.Header {
				if h == name {
					return i
				}
			}
			panic("samplegen: PortIns has no column " + name)
		}
		fixes := map[string][2]string{
			"+18015559911":   {"CurrentAccountNumber", "482019331"},
			"(385) 555-9912": {"CurrentAccountPassword", "2468"},
			"212-555-9913":   {"SubscriberName", "Jonah Marlowe"},
			"8015559919":     {"Action", "cancel"},
		}
		number := col("PortInNumber")
		for _, row := range t.Rows {
			if fix, ok := fixes[row[number].(string)]; ok {
				row[col(fix[0])] = fix[1]
			}
		}
	}
	return tables
}
