package plan

import (
	"fmt"
	"strings"
	"unicode"
)

// valueType says how a cell is checked and normalised.
type valueType uint8

const (
	tText      valueType = iota // trimmed, as written
	tDigits                     // text that Excel may have turned into a float (an account number)
	tPhone                      // one phone number, to E.164
	tPhoneList                  // phones separated by ; , or newlines, to E.164 joined by ;
	tBool                       // true/false
	tState                      // US state or territory, to its two-letter code
	tZip                        // US ZIP or ZIP+4
	tCountry                    // USA for the United States, otherwise as written
	tICCID                      // 19–20 digits, Luhn, optional trailing F
	tEmail                      // bare address, lower-cased
	tDate                       // YYYY-MM-DD
	tInt                        // whole number ≥ 0
	tURL                        // http(s) URL with a host
	tIP                         // IPv4 or IPv6 address
	tIPList                     // IP addresses separated by ; , or newlines, joined by ;
	tPort                       // 1–65535
	tAreaCode                   // three digits
	tPIN                        // 4–10 digits (secret: never echoed)
	tEnum                       // one of field.enum, case-insensitive
)

// field is one column of a kind's schema.
type field struct {
	name    string
	aliases []string
	typ     valueType
	enum    *enum
	secret  bool   // read and sent, never written anywhere else
	own     bool   // the row's own platform ID: the thing exists already
	zeros   bool   // a leading 0 is part of the value: a cell Excel stored as a number may have lost it
	def     string // default when the cell is empty (see Row.Get)
	want    string // what a valid value looks like, for messages
}

// enum is a closed set of values, spelled as the API spells them.
type enum struct {
	name    string            // what the values are, for messages
	values  []string          // the API's spelling, in the order messages list them
	index   map[string]string // folded spelling → API spelling
	aliases []string          // other spellings read as a value, for messages
}

func newEnum(name string, values ...string) *enum {
	e := &enum{name: name, values: values, index: make(map[string]string, len(values))}
	for _, v := range values {
		e.index[fold(v)] = v
	}
	return e
}

// alias makes another spelling read as one of e's values; messages list
// only the values.
func (e *enum) alias(spelling, value string) *enum {
	e.index[fold(spelling)] = value
	e.aliases = append(e.aliases, spelling+" is read as "+value)
	return e
}

// list returns the values as "a, b or c", and what other spellings mean.
func (e *enum) list() string {
	s := e.values[0]
	if n := len(e.values); n > 1 {
		s = strings.Join(e.values[:n-1], ", ") + " or " + e.values[n-1]
	}
	if len(e.aliases) > 0 {
		s += "; " + strings.Join(e.aliases, ", ")
	}
	return s
}

var (
	enumRole          = newEnum("role", "Subscriber", "Manager", "Account Admin")
	enumNumberType    = newEnum("number type", "mvno", "iot", "voip")
	enumMessageType   = newEnum("message type", "a2p", "p2p")
	enumProductType   = newEnum("product type", "Sms-Only", "Data-Only", "Sms+Data", "Sms+Data+Voice")
	enumRouteType     = newEnum("route type", "Trunk", "URL", "Forward")
	enumMethod        = newEnum("HTTP method", "GET", "POST")
	enumAuth          = newEnum("authentication type", "None", "Basic", "Bearer")
	enumTransport     = newEnum("SIP transport", "UDP", "TCP", "TLS")
	enumThrottleSpeed = newEnum("throttle speed", "64-kbps", "128-kbps", "256-kbps", "512-kbps", "1-mbps", "5-mbps", "20-mbps", "50-mbps", "100-mbps")
	enumValueUnit     = newEnum("data unit", "MB")
	enumFilterLevel   = newEnum("filter level", "CHILD", "ADOLESCENT", "TEENAGER")
	enumPortAction    = newEnum("port-in action", "submit", "cancel", "resubmit")
	enumPortOutAction = newEnum("port-out action", "issue", "reissue")
	// Seed 002 and the port-in OpenAPI page spell the classification
	// mvno/iot; the changelog and the update page say Mobile/Landline.
	// The wire follows seed 002; Mobile is read as mvno.
	enumPortinClass    = newEnum("port-in classification", "mvno", "iot").alias("Mobile", "mvno")
	enumClassification = newEnum("number classification", "mvno", "iot", "Landline").alias("Mobile", "mvno")
)

// schema is the ordered field list of one kind and its lookup tables.
type schema struct {
	kind     Kind
	fields   []field
	key      int            // field index of the natural key
	byName   map[string]int // canonical name → field index
	byHeader map[string]int // folded name or alias → field index
}

// Field indices. Numbers and PortIns share the line fields (lnXxx) at the
// same indices so that the rules about lines are written once.
const (
	acRef = iota
	acID
	acName
	acAdmin
	acBStreet1
	acBStreet2
	acBCity
	acBState
	acBZip
	acBCountry
	acMStreet1
	acMStreet2
	acMCity
	acMState
	acMZip
	acMCountry
)

const (
	suEmail = iota
	suName
	suAccountRef
	suAccountID
	suRole
	suPhones
	suPassword
	suID
	suGuardianCalls
	suGuardianMessages
	suFilterLevel
)

const (
	mrRef = iota
	mrID
	mrAccountRef
	mrAccountID
	mrName
	mrURL
	mrMethod
	mrEnabled
	mrInboundBypass
	mrOutboundBypass
	mrIntelligent
	mrAuth
	mrUser
	mrToken
	mrCbURL
	mrCbMethod
	mrCbAuth
	mrCbUser
	mrCbToken
)

const (
	vrRef = iota
	vrID
	vrAccountRef
	vrAccountID
	vrName
	vrType
	vrURL
	vrMethod
	vrAuth
	vrUser
	vrToken
	vrCbURL
	vrCbMethod
	vrIP1
	vrPort1
	vrTransport1
	vrURI1
	vrIP2
	vrPort2
	vrTransport2
	vrURI2
	vrEnabled
	vrIntelligent
	vrTrunkEnabled1
	vrTrunkEnabled2
	vrPriority1
	vrWeight1
	vrPriority2
	vrWeight2
	vrIPWhitelist
)

// Line fields, common to Numbers and PortIns (index 0 is each kind's key).
const (
	lnSubEmail = 1 + iota
	lnSubID
	lnAccountRef
	lnAccountID
	lnMRouteRef
	lnMRouteID
	lnVRouteRef
	lnVRouteID
	lnNumberType
	lnMessageType
	lnMessageEnabled
	lnVoiceEnabled
	lnDataEnabled
	lnICCID
	lnPackage
	lnSubType
	lnLimit
	lnNotify
	lnThrottle
	lnSpeed
	lnUnit
	lnPhoneNumberID
	lnSubscriptionID
	lnFilterID
	lnEnd // first kind-specific field
)

const (
	nuProductType = lnEnd + iota
	nuAreaCode
	nuZip
	nuPhoneNumber
)

const (
	piAction = lnEnd + iota
	piLineRef
	piCarrier
	piAccountNumber
	piPassword
	piStreet1
	piStreet2
	piCity
	piState
	piZip
	piSubscriberName
	piPortinClass
	piClass
	piDate
	piOrderID
)

const (
	poNumber = iota
	poPIN
	poOrderID
	poAction
)

// The examples used in messages.
const (
	wantPhone = "(801) 555-1234 or E.164 like +18015551234"
	wantEmail = "name@example.com"
	wantICCID = "19 or 20 digits like 8901240397190002080"
)

func lineFields(key field) []field {
	return []field{
		0:                key,
		lnSubEmail:       {name: "SubscriberEmail", typ: tEmail, want: "the e-mail of a Subscribers row, like " + wantEmail},
		lnSubID:          {name: "SubscriberId", aliases: []string{"TSUID"}, want: "an existing subscriber's ID, like TSUID-…"},
		lnAccountRef:     {name: "AccountRef", want: "the AccountRef of an Accounts row"},
		lnAccountID:      {name: "AccountId", aliases: []string{"AID"}, want: "an existing account's ID, like AID-…"},
		lnMRouteRef:      {name: "MessageRouteRef", want: "the RouteRef of a MessageRoutes row"},
		lnMRouteID:       {name: "MessageRouteId", aliases: []string{"MRID"}, want: "an existing message route's ID, like MRID-…"},
		lnVRouteRef:      {name: "VoiceRouteRef", want: "the RouteRef of a VoiceRoutes row"},
		lnVRouteID:       {name: "VoiceRouteId", aliases: []string{"CRID"}, want: "an existing voice route's ID, like CRID-…"},
		lnNumberType:     {name: "NumberType", typ: tEnum, enum: enumNumberType},
		lnMessageType:    {name: "MessageType", typ: tEnum, enum: enumMessageType},
		lnMessageEnabled: {name: "MessageEnabled", typ: tBool},
		lnVoiceEnabled:   {name: "VoiceEnabled", typ: tBool},
		lnDataEnabled:    {name: "DataEnabled", typ: tBool},
		lnICCID:          {name: "ICCID", aliases: []string{"SIM"}, typ: tICCID},
		lnPackage:        {name: "Package", aliases: []string{"PackageId", "PackageName"}, want: "a package ID like PID-… or a package name"},
		lnSubType:        {name: "SubscriptionType", want: "mvno, iot or voip"},
		lnLimit:          {name: "LimitValue", typ: tInt},
		lnNotify:         {name: "NotifyValue", typ: tInt},
		lnThrottle:       {name: "ThrottleValue", typ: tInt},
		lnSpeed:          {name: "ThrottleSpeed", typ: tEnum, enum: enumThrottleSpeed},
		lnUnit:           {name: "ValueUnit", typ: tEnum, enum: enumValueUnit, def: "MB"},
		lnPhoneNumberID:  {name: "PhoneNumberId", aliases: []string{"NID", "TNID"}, own: true},
		lnSubscriptionID: {name: "SubscriptionId", own: true},
		lnFilterID:       {name: "FilterId", own: true},
	}
}

var schemas = [NumKinds]*schema{
	Accounts: newSchema(Accounts, acRef, []field{
		acRef:      {name: "AccountRef", aliases: []string{"Ref"}, want: "the partner's own name for the account, like acme-corp"},
		acID:       {name: "AccountId", aliases: []string{"AID"}, own: true},
		acName:     {name: "AccountName", aliases: []string{"Name", "CompanyName"}, want: "the name shown on invoices, like Acme Corp"},
		acAdmin:    {name: "AccountAdmin", aliases: []string{"AdminEmail"}, typ: tEmail},
		acBStreet1: {name: "BillingStreet1", aliases: []string{"Street1"}, want: "a street address like 2701 N Thanksgiving Way"},
		acBStreet2: {name: "BillingStreet2", aliases: []string{"Street2"}},
		acBCity:    {name: "BillingCity", aliases: []string{"City"}, want: "a city like Lehi"},
		acBState:   {name: "BillingState", aliases: []string{"State"}, typ: tState},
		acBZip:     {name: "BillingZip", aliases: []string{"Zip", "ZipCode", "PostalCode"}, typ: tZip},
		acBCountry: {name: "BillingCountry", aliases: []string{"Country"}, typ: tCountry, def: "USA"},
		acMStreet1: {name: "MailingStreet1"},
		acMStreet2: {name: "MailingStreet2"},
		acMCity:    {name: "MailingCity"},
		acMState:   {name: "MailingState", typ: tState},
		acMZip:     {name: "MailingZip", typ: tZip},
		acMCountry: {name: "MailingCountry", typ: tCountry},
	}),
	Subscribers: newSchema(Subscribers, suEmail, []field{
		suEmail:            {name: "Email", aliases: []string{"E-mail", "EmailAddress"}, typ: tEmail},
		suName:             {name: "Name", aliases: []string{"FullName", "SubscriberName"}, want: "the subscriber's full name, like Jane Doe"},
		suAccountRef:       {name: "AccountRef", want: "the AccountRef of an Accounts row"},
		suAccountID:        {name: "AccountId", aliases: []string{"AID"}, want: "an existing account's ID, like AID-…"},
		suRole:             {name: "Role", typ: tEnum, enum: enumRole, def: "Subscriber"},
		suPhones:           {name: "PhoneNumbers", aliases: []string{"Phone", "Phones", "MSISDN", "PhoneNumber"}, typ: tPhoneList},
		suPassword:         {name: "Password", secret: true, zeros: true, want: "the subscriber's initial password"},
		suID:               {name: "SubscriberId", aliases: []string{"TSUID"}, own: true},
		suGuardianCalls:    {name: "GuardianCalls", aliases: []string{"EnableIntelligentGuardianCalls"}, typ: tBool},
		suGuardianMessages: {name: "GuardianMessages", aliases: []string{"EnableIntelligentGuardianMessages"}, typ: tBool},
		suFilterLevel:      {name: "FilterLevel", typ: tEnum, enum: enumFilterLevel},
	}),
	MessageRoutes: newSchema(MessageRoutes, mrRef, []field{
		mrRef:            {name: "RouteRef", aliases: []string{"Ref"}, want: "the partner's own name for the route, like main-sms"},
		mrID:             {name: "MessageRouteId", aliases: []string{"MRID"}, own: true},
		mrAccountRef:     {name: "AccountRef", want: "the AccountRef of an Accounts row"},
		mrAccountID:      {name: "AccountId", aliases: []string{"AID"}},
		mrName:           {name: "RouteName", aliases: []string{"Name"}, want: "a name like Main SMS Webhook"},
		mrURL:            {name: "MessageUrl", aliases: []string{"Url"}, typ: tURL},
		mrMethod:         {name: "MessageUrlMethod", aliases: []string{"Method"}, typ: tEnum, enum: enumMethod, def: "POST"},
		mrEnabled:        {name: "MessageRouteEnabled", aliases: []string{"Enabled", "RouteEnabled"}, typ: tBool},
		mrInboundBypass:  {name: "InboundBypass", typ: tBool},
		mrOutboundBypass: {name: "OutboundBypass", typ: tBool},
		mrIntelligent:    {name: "IntelligentRouteEnabled", typ: tBool},
		mrAuth:           {name: "MessageAuthenticationType", typ: tEnum, enum: enumAuth},
		mrUser:           {name: "MessageUsername", want: "the webhook's user name"},
		mrToken:          {name: "MessagePasswordToken", secret: true, zeros: true, want: "the webhook's password or bearer token"},
		mrCbURL:          {name: "CallbackMessageUrl", typ: tURL},
		mrCbMethod:       {name: "CallbackMessageUrlMethod", typ: tEnum, enum: enumMethod},
		mrCbAuth:         {name: "CallbackMessageAuthenticationType", typ: tEnum, enum: enumAuth},
		mrCbUser:         {name: "CallbackMessageUsername", want: "the callback's user name"},
		mrCbToken:        {name: "CallbackMessagePasswordToken", secret: true, zeros: true, want: "the callback's password or bearer token"},
	}),
	VoiceRoutes: newSchema(VoiceRoutes, vrRef, []field{
		vrRef:         {name: "RouteRef", aliases: []string{"Ref"}, want: "the partner's own name for the route, like main-sip"},
		vrID:          {name: "CallRouteId", aliases: []string{"CRID", "VoiceRouteId"}, own: true},
		vrAccountRef:  {name: "AccountRef", want: "the AccountRef of an Accounts row"},
		vrAccountID:   {name: "AccountId", aliases: []string{"AID"}},
		vrName:        {name: "RouteName", aliases: []string{"Name"}, want: "a name like Main SIP Trunk"},
		vrType:        {name: "RouteType", typ: tEnum, enum: enumRouteType},
		vrURL:         {name: "VoiceUrl", typ: tURL},
		vrMethod:      {name: "VoiceUrlMethod", typ: tEnum, enum: enumMethod},
		vrAuth:        {name: "VoiceAuthenticationType", typ: tEnum, enum: enumAuth},
		vrUser:        {name: "VoiceUsername", want: "the voice webhook's user name"},
		vrToken:       {name: "VoicePasswordToken", secret: true, zeros: true, want: "the voice webhook's password or bearer token"},
		vrCbURL:       {name: "CallbackVoiceUrl", typ: tURL},
		vrCbMethod:    {name: "CallbackVoiceUrlMethod", typ: tEnum, enum: enumMethod},
		vrIP1:         {name: "TrunkIp1", typ: tIP},
		vrPort1:       {name: "TrunkPort1", typ: tPort},
		vrTransport1:  {name: "TrunkTransport1", typ: tEnum, enum: enumTransport},
		vrURI1:        {name: "TrunkUri1", want: "the trunk's URI, like sip:pstn.example.com"},
		vrIP2:         {name: "TrunkIp2", typ: tIP},
		vrPort2:       {name: "TrunkPort2", typ: tPort},
		vrTransport2:  {name: "TrunkTransport2", typ: tEnum, enum: enumTransport},
		vrURI2:        {name: "TrunkUri2"},
		vrEnabled:     {name: "RouteEnabled", aliases: []string{"Enabled"}, typ: tBool},
		vrIntelligent: {name: "IntelligentRouteEnabled", typ: tBool},
		// The failover fields of seed 002 §4.2. The vendor spells the
		// priorities Trunk1Priortiy; both spellings are read.
		vrTrunkEnabled1: {name: "TrunkEnabled1", typ: tBool},
		vrTrunkEnabled2: {name: "TrunkEnabled2", typ: tBool},
		vrPriority1:     {name: "Trunk1Priority", aliases: []string{"Trunk1Priortiy"}, typ: tInt},
		vrWeight1:       {name: "Trunk1Weight", typ: tInt},
		vrPriority2:     {name: "Trunk2Priority", aliases: []string{"Trunk2Priortiy"}, typ: tInt},
		vrWeight2:       {name: "Trunk2Weight", typ: tInt},
		vrIPWhitelist:   {name: "IpWhitelist", aliases: []string{"IpAllowList", "AllowedIps"}, typ: tIPList},
	}),
	Numbers: newSchema(Numbers, 0, append(lineFields(
		field{name: "LineRef", aliases: []string{"LineId"}, zeros: true, want: "the partner's own line ID, like L-000123"}), []field{
		nuProductType - lnEnd: {name: "ProductType", typ: tEnum, enum: enumProductType},
		nuAreaCode - lnEnd:    {name: "AreaCode", typ: tAreaCode},
		nuZip - lnEnd:         {name: "ZipCode", aliases: []string{"Zip"}, typ: tZip},
		nuPhoneNumber - lnEnd: {name: "PhoneNumber", typ: tPhone, own: true},
	}...)),
	PortIns: newSchema(PortIns, 0, append(lineFields(
		field{name: "PortInNumber", aliases: []string{"Number", "MSISDN", "Phone"}, typ: tPhone}), []field{
		piAction - lnEnd:         {name: "Action", typ: tEnum, enum: enumPortAction, def: "submit"},
		piLineRef - lnEnd:        {name: "LineRef", aliases: []string{"LineId"}, zeros: true, want: "the partner's own line ID, like L-000123"},
		piCarrier - lnEnd:        {name: "CurrentCarrierName", aliases: []string{"Carrier"}, want: "the losing carrier's name, like Company LLC"},
		piAccountNumber - lnEnd:  {name: "CurrentAccountNumber", typ: tDigits, zeros: true, want: "the account number at the losing carrier, like 4651234567"},
		piPassword - lnEnd:       {name: "CurrentAccountPassword", aliases: []string{"PIN", "AccountPIN"}, secret: true, zeros: true, want: "the account PIN or password at the losing carrier"},
		piStreet1 - lnEnd:        {name: "BillingStreet1", aliases: []string{"Street1"}, want: "the street on the losing carrier's bill, like 2701 N Thanksgiving Way"},
		piStreet2 - lnEnd:        {name: "BillingStreet2", aliases: []string{"Street2"}},
		piCity - lnEnd:           {name: "BillingCity", aliases: []string{"City"}, want: "a city like Lehi"},
		piState - lnEnd:          {name: "BillingState", aliases: []string{"State"}, typ: tState},
		piZip - lnEnd:            {name: "BillingZip", aliases: []string{"Zip"}, typ: tZip},
		piSubscriberName - lnEnd: {name: "SubscriberName", want: "the name on the losing carrier's account, like John Doe"},
		piPortinClass - lnEnd:    {name: "TargetPortinClassification", typ: tEnum, enum: enumPortinClass, def: "mvno"},
		piClass - lnEnd:          {name: "TargetClassification", typ: tEnum, enum: enumClassification},
		piDate - lnEnd:           {name: "PortInDate", typ: tDate},
		piOrderID - lnEnd:        {name: "OrderId", own: true},
	}...)),
	PortOuts: newSchema(PortOuts, poNumber, []field{
		poNumber:  {name: "PortOutNumber", aliases: []string{"Number", "MSISDN", "Phone"}, typ: tPhone},
		poPIN:     {name: "PortOutPIN", aliases: []string{"PIN"}, typ: tPIN, secret: true, zeros: true},
		poOrderID: {name: "OrderId", own: true},
		poAction:  {name: "Action", typ: tEnum, enum: enumPortOutAction, def: "issue"},
	}),
}

func newSchema(k Kind, key int, fields []field) *schema {
	if len(fields) > 64 {
		panic(fmt.Sprintf("plan: %s has %d fields; Row.diff holds 64", k, len(fields)))
	}
	s := &schema{kind: k, fields: fields, key: key,
		byName: make(map[string]int, len(fields)), byHeader: make(map[string]int, 2*len(fields))}
	for i, f := range fields {
		if f.name == "" {
			panic(fmt.Sprintf("plan: %s field %d has no name", k, i))
		}
		s.byName[f.name] = i
		for _, n := range append([]string{f.name}, f.aliases...) {
			if j, dup := s.byHeader[fold(n)]; dup && j != i {
				panic(fmt.Sprintf("plan: %s: %q names both %s and %s", k, n, fields[j].name, f.name))
			}
			s.byHeader[fold(n)] = i
		}
	}
	return s
}

// fieldIndex returns the index of the canonical column col of kind k; it
// panics on a column the kind does not have.
func (s *schema) fieldIndex(col string) int {
	i, ok := s.byName[col]
	if !ok {
		panic(fmt.Sprintf("plan: %s has no column %q", s.kind, col))
	}
	return i
}

// Columns returns the canonical column names of kind k in schema order.
func Columns(k Kind) []string {
	fs := schemas[k].fields
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// fold lower-cases s and drops spaces, underscores, dashes and dots, so that
// "E-mail", "e_mail" and "EMAIL" compare equal.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == '.' || unicode.IsSpace(r):
		case r < unicode.MaxASCII:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// commentColumns are accepted on every kind and ignored.
var commentColumns = map[string]bool{"notes": true, "note": true, "comment": true, "comments": true}

// outputNames are the columns a results workbook adds. On input they are
// ignored, except the ID columns that are part of a kind's schema.
var outputNames = []string{
	"Status", "Error", "Attempts", "UpdatedAt", "PortStatus", "Eligible", "CurrentCarrier",
	"Message", "DeclinedAttempts", "LastDeclinedAt", "SubmittedAt", "PortCompletedAt", "OrderDigest", "QRCode",
	"AccountId", "SubscriberId", "MessageRouteId", "CallRouteId", "PhoneNumberId",
	"PhoneNumber", "OrderId", "SubscriptionId", "FilterId",
}

var outputColumns = func() map[string]string {
	m := make(map[string]string, len(outputNames))
	for _, n := range outputNames {
		m[fold(n)] = n
	}
	return m
}()

// OutputColumn reports whether name is a column that a results workbook
// adds (Status, Error, the ID columns, …) and returns its canonical
// spelling. A results writer uses it to fill such columns in place rather
// than add them twice when a results workbook is fed back in.
func OutputColumn(name string) (canon string, ok bool) {
	canon, ok = outputColumns[fold(name)]
	return canon, ok
}

// Table names. A table matches the kind whose name or alias is the longest
// prefix of its folded name: "portins-week1" and "Port Ins" are PortIns.
var kindPrefixes = [NumKinds][]string{
	Accounts:      {"account"},
	Subscribers:   {"subscriber", "user"},
	MessageRoutes: {"messageroute", "smsroute"},
	VoiceRoutes:   {"voiceroute", "callroute"},
	Numbers:       {"number", "line", "newnumber"},
	PortIns:       {"portin", "ports"},
	PortOuts:      {"portout"},
}

// acceptedTables lists the table names for the usage error.
const acceptedTables = "Accounts, Subscribers (or Users), MessageRoutes (or SmsRoutes), " +
	"VoiceRoutes (or CallRoutes), Numbers (or Lines, NewNumbers), PortIns (or Ports), PortOuts"

// ignoredTables are the tabs a results workbook adds.
var ignoredTables = map[string]bool{"summary": true, "errors": true, "finance": true, "changes": true}

// KindOf returns the kind a table or file name stands for: the kind whose
// name or alias is the longest prefix of the folded name, or else the kind
// a separate word (or two or three words written apart) of the name names
// whole, as in "migration-Accounts" (LibreOffice's per-sheet export) or
// "j-failures-PortIns". ignored is true for the Summary, Errors, Finance and Changes
// tabs of a results workbook, also as a separate word of a name
// ("results-Summary"); ok is false for a name that matches no kind.
func KindOf(name string) (k Kind, ignored, ok bool) {
	f := fold(name)
	if ignoredTables[f] {
		return 0, true, false
	}
	best := 0
	for kind, prefixes := range kindPrefixes {
		for _, p := range prefixes {
			if len(p) > best && strings.HasPrefix(f, p) {
				k, best = Kind(kind), len(p)
			}
		}
	}
	if best > 0 {
		return k, false, true
	}
	return kindOfWords(nameWords(name))
}

// nameWords splits a name into its words: runs of letters and digits.
func nameWords(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// kindOfWords finds the kind that one to three consecutive words name
// whole (a kind's name or alias, or that with an s); two different kinds
// named make no match.
func kindOfWords(words []string) (k Kind, ignored, ok bool) {
	found := -1
	for i := range words {
		for n := 1; n <= 3 && i+n <= len(words); n++ {
			w := fold(strings.Join(words[i:i+n], ""))
			if ignoredTables[w] {
				ignored = true
			}
			for kind, prefixes := range kindPrefixes {
				for _, p := range prefixes {
					if w != p && w != p+"s" {
						continue
					}
					if found >= 0 && found != kind {
						return 0, false, false // two kinds: ambiguous
					}
					found = kind
				}
			}
		}
	}
	if found >= 0 {
		return Kind(found), false, true
	}
	return 0, ignored, false
}

// SuggestKind returns the kind a name that matches none, or one of its
// words, comes close to, as a misspelling would ("Subscirbers",
// "old-Acounts"): within two edits of a
// kind's name or alias, or its plural, and of fewer edits than a third of
// its length.
func SuggestKind(name string) (Kind, bool) {
	bestKind, bestDist := Kind(0), 3
	for _, f := range append([]string{fold(name)}, nameWords(strings.ToLower(name))...) {
		for kind, prefixes := range kindPrefixes {
			for _, p := range append([]string{fold(kindNames[kind])}, prefixes...) {
				for _, target := range []string{p, p + "s"} {
					if d := editDistance(f, target); d < bestDist && d*3 < len(target) {
						bestKind, bestDist = Kind(kind), d
					}
				}
			}
		}
	}
	return bestKind, bestDist < 3
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
