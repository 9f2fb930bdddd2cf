package samplegen

// The sandbox's preloaded catalog (docs/sandbox.md). Samples name packages
// both ways, by name and by ID, because the manifest accepts either.
const (
	pkgStarter   = "Starter 1GB"
	pkgFamily    = "Family 10GB"
	pkgUnlimited = "Unlimited Premium"
	pkgIoT       = "IoT Data 500MB"

	pkgStarterID   = "PID-5a1e0000-0000-4000-8000-000000000001"
	pkgFamilyID    = "PID-5a1e0000-0000-4000-8000-000000000002"
	pkgUnlimitedID = "PID-5a1e0000-0000-4000-8000-000000000003"
	pkgIoTID       = "PID-5a1e0000-0000-4000-8000-000000000004"
)

// Tab names and headers shared by the samples. Each kind has the columns its
// samples use, in the order a partner's export would plausibly have them.
const (
	tabAccounts      = "Accounts"
	tabSubscribers   = "Subscribers"
	tabMessageRoutes = "MessageRoutes"
	tabVoiceRoutes   = "VoiceRoutes"
	tabNumbers       = "Numbers"
	tabPortIns       = "PortIns"
	tabPortOuts      = "PortOuts"
)

var (
	accountsHeader = []string{"AccountRef", "AccountName", "AccountAdmin",
		"BillingStreet1", "BillingStreet2", "BillingCity", "BillingState", "BillingZip", "BillingCountry",
		"MailingStreet1", "MailingCity", "MailingState", "MailingZip"}

	subscribersHeader = []string{"Email", "Name", "AccountRef", "Role", "PhoneNumbers", "Password",
		"GuardianCalls", "GuardianMessages", "FilterLevel"}

	messageRoutesHeader = []string{"RouteRef", "AccountRef", "RouteName", "MessageUrl", "MessageUrlMethod",
		"MessageRouteEnabled", "MessageAuthenticationType", "MessageUsername", "MessagePasswordToken",
		"CallbackMessageUrl", "CallbackMessageUrlMethod"}

	voiceRoutesHeader = []string{"RouteRef", "AccountRef", "RouteName", "RouteType",
		"TrunkIp1", "TrunkPort1", "TrunkTransport1", "TrunkIp2", "TrunkPort2", "TrunkTransport2", "TrunkUri1",
		"RouteEnabled", "TrunkEnabled1", "TrunkEnabled2", "Trunk1Priority", "Trunk1Weight", "Trunk2Priority",
		"Trunk2Weight", "IpWhitelist"}

	numbersHeader = []string{"LineRef", "SubscriberEmail", "AccountRef", "MessageRouteRef", "VoiceRouteRef",
		"NumberType", "MessageType", "MessageEnabled", "VoiceEnabled", "DataEnabled", "ProductType",
		"AreaCode", "ZipCode", "ICCID", "Package",
		"LimitValue", "NotifyValue", "ThrottleValue", "ThrottleSpeed", "ValueUnit"}

	portInsHeader = []string{"PortInNumber", "Action", "LineRef", "SubscriberEmail", "AccountRef",
		"MessageRouteRef", "VoiceRouteRef", "CurrentCarrierName", "CurrentAccountNumber", "CurrentAccountPassword",
		"SubscriberName", "BillingStreet1", "BillingStreet2", "BillingCity", "BillingState", "BillingZip",
		"ICCID", "NumberType", "MessageType", "VoiceEnabled", "DataEnabled", "PortInDate",
		"Package", "LimitValue", "NotifyValue", "ThrottleValue", "ThrottleSpeed", "ValueUnit"}

	portOutsHeader = []string{"PortOutNumber", "PortOutPIN"}
)

// withNotes returns header plus the Notes column of the bad-rows workbook.
func withNotes(header []string) []string {
	return append(header[:len(header):len(header)], "Notes")
}
