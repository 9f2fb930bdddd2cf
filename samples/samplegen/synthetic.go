package samplegen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// MinSynthetic is the smallest synthetic manifest: enough rows for one
// account, its subscribers, the fixed routes and some lines.
const MinSynthetic = 20

// Shape is how many rows of each kind a synthetic manifest has.
type Shape struct {
	Accounts, Subscribers, MessageRoutes, VoiceRoutes, Numbers, PortIns, PortOuts int
}

// Total returns the number of data rows.
func (s Shape) Total() int {
	return s.Accounts + s.Subscribers + s.MessageRoutes + s.VoiceRoutes + s.Numbers + s.PortIns + s.PortOuts
}

// maxPortOuts is how many port-out PINs a synthetic manifest asks for at
// most: one for each of the sandbox's preloaded numbers.
const maxPortOuts = 20

// ShapeOf returns the shape of an n-row manifest, shaped like a partner's
// base: about 1% accounts, 30% subscribers (one Manager per account), three
// message routes and two SIP trunks shared by every line, 5% port-ins, a
// port-out PIN per 100 rows (at most 20, for the sandbox's preloaded
// numbers), and new numbers for the rest.
func ShapeOf(n int) (Shape, error) {
	if n < MinSynthetic {
		return Shape{}, fmt.Errorf("synthetic manifest: %d rows is fewer than %d", n, MinSynthetic)
	}
	s := Shape{Accounts: max(1, n/100), MessageRoutes: 3, VoiceRoutes: 2, PortIns: n * 5 / 100,
		PortOuts: min(maxPortOuts, n/100)}
	s.Subscribers = max(s.Accounts, n*30/100)
	s.Numbers = n - s.Accounts - s.Subscribers - s.MessageRoutes - s.VoiceRoutes - s.PortIns - s.PortOuts
	if s.PortIns+s.Subscribers > maxLines { // each takes a distinct phone number
		return Shape{}, fmt.Errorf("synthetic manifest: %d rows is more than the generator has phone numbers for", n)
	}
	return s, nil
}

// Synthetic writes a valid n-row manifest to sink and closes it. The same n
// always gives the same rows.
func Synthetic(sink Sink, n int) (Shape, error) {
	shape, err := ShapeOf(n)
	if err != nil {
		return Shape{}, err
	}
	g := &synth{sink: sink, shape: shape, rng: rand.New(rand.NewPCG(0x7e1e9e47, uint64(n)))}
	for _, step := range []func() error{g.accounts, g.subscribers, g.routes, g.numbers, g.portIns, g.portOuts} {
		if err := step(); err != nil {
			sink.Abort()
			return Shape{}, err
		}
	}
	if err := sink.Close(); err != nil {
		return Shape{}, err
	}
	return shape, nil
}

type synth struct {
	sink  Sink
	shape Shape
	rng   *rand.Rand
	row   []any
}

// emit writes one row of string cells, reusing the row buffer.
func (g *synth) emit(vals ...string) error {
	g.row = g.row[:0]
	for _, v := range vals {
		g.row = append(g.row, v)
	}
	return g.sink.Row(g.row)
}

// place is a billing address and the area code of its lines. States are
// written in the mixed forms partners' spreadsheets have.
type place struct{ city, state, zip, area string }

var places = []place{
	{"Salt Lake City", "Utah", "84111", "801"},
	{"San Francisco", "CA", "94107", "415"},
	{"New York", "new york", "10013", "212"},
	{"Provo", "UT", "84601", "801"},
	{"Sandy", "utah", "84070", "385"},
	{"San Rafael", "California", "94901", "415"},
	{"New York", "NY", "10001", "212"},
	{"Ogden", "Ut", "84401", "385"},
	{"Sausalito", "ca", "94965", "415"},
}

var (
	streets   = []string{"Main St", "Center St", "Oak Ave", "Mission St", "Broadway", "State St", "Lake Dr", "Pine St"}
	firsts    = []string{"Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kira", "Luis", "Mei", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq"}
	lasts     = []string{"Abbott", "Brooks", "Castillo", "Dunn", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Khan", "Lopez", "Moreau", "Nguyen", "Olsen", "Patel", "Reyes", "Silva", "Tanaka", "Walsh"}
	suffixes  = []string{"Household", "Family", "Logistics", "Dental", "Fleet Services", "Design Studio", "Farms", "Property Management"}
	carriers  = []string{"Verizon Wireless", "T-Mobile", "AT&T Mobility", "US Cellular", "Visible", "Mint Mobile"}
	areaCodes = []string{"801", "385", "212", "415"}
)

func accountRef(a int) string { return "ACC-" + pad(a, 6) }
func placeOf(a int) place     { return places[a%len(places)] }

// accountOf returns the account of subscriber s: subscribers are dealt to
// accounts in turn, so subscriber a (< Accounts) is account a's Manager.
func (g *synth) accountOf(s int) int { return s % g.shape.Accounts }

func subscriberName(s int) string {
	return firsts[s%len(firsts)] + " " + lasts[(s/len(firsts))%len(lasts)]
}

func subscriberEmail(s int) string {
	domain := "@example.com"
	if s%3 == 2 {
		domain = "@example.org"
	}
	return lower(firsts[s%len(firsts)]) + "." + lower(lasts[(s/len(firsts))%len(lasts)]) + "." + strconv.Itoa(s) + domain
}

func (g *synth) accounts() error {
	if err := g.sink.Table(tabAccounts, []string{"AccountRef", "AccountName", "AccountAdmin",
		"BillingStreet1", "BillingCity", "BillingState", "BillingZip", "BillingCountry"}); err != nil {
		return err
	}
	for a := range g.shape.Accounts {
		p := placeOf(a)
		name := lasts[a%len(lasts)] + " " + suffixes[(a/len(lasts))%len(suffixes)]
		if err := g.emit(accountRef(a), name, subscriberEmail(a), street(a), p.city, p.state, p.zip, "USA"); err != nil {
			return err
		}
	}
	return nil
}

func (g *synth) subscribers() error {
	if err := g.sink.Table(tabSubscribers, []string{"Email", "Name", "AccountRef", "Role", "PhoneNumbers",
		"Password", "GuardianCalls", "GuardianMessages"}); err != nil {
		return err
	}
	for s := range g.shape.Subscribers {
		role, phones, guardian := "Subscriber", "", ""
		if s < g.shape.Accounts {
			role = "Manager"
		}
		if s%3 == 0 {
			// Written from the top of the phone space, so it never meets
			// a port-in number (those come from the bottom).
			phones = spreadsheetPhone(maxLines-1-s, s)
		}
		if s%40 == 7 {
			guardian = "yes"
		}
		password := "Pw-" + strconv.FormatUint(g.rng.Uint64()>>16, 36)
		if err := g.emit(subscriberEmail(s), subscriberName(s), accountRef(g.accountOf(s)), role, phones,
			password, guardian, guardian); err != nil {
			return err
		}
	}
	return nil
}

var (
	messageRoutes = []string{"sms-primary", "sms-secondary", "iot-sms"}
	voiceRoutes   = []string{"sip-west", "sip-east"}
)

func (g *synth) routes() error {
	// The routes serve every account's lines and belong to the first
	// account, as a partner's shared routes do.
	if err := g.sink.Table(tabMessageRoutes, []string{"RouteRef", "AccountRef", "RouteName", "MessageUrl", "MessageUrlMethod",
		"MessageRouteEnabled", "MessageAuthenticationType"}); err != nil {
		return err
	}
	for _, r := range messageRoutes {
		if err := g.emit(r, accountRef(0), "Synthetic "+r, "https://sms.example.com/"+r, "POST", "yes", "None"); err != nil {
			return err
		}
	}
	if err := g.sink.Table(tabVoiceRoutes, []string{"RouteRef", "AccountRef", "RouteName", "RouteType", "TrunkIp1",
		"TrunkPort1", "TrunkTransport1", "RouteEnabled"}); err != nil {
		return err
	}
	for i, r := range voiceRoutes {
		if err := g.emit(r, accountRef(0), "Synthetic "+r, "Trunk", "203.0.113."+strconv.Itoa(20+i), "5060", "UDP", "yes"); err != nil {
			return err
		}
	}
	return nil
}

// offer is a package a synthetic line may have, with the data limits that
// suit it.
type offer struct {
	name, id string
	limits   [4]string // LimitValue, NotifyValue, ThrottleValue, ThrottleSpeed
}

var (
	offerStarter   = offer{pkgStarter, pkgStarterID, [4]string{"1024", "768", "900", "1-mbps"}}
	offerFamily    = offer{pkgFamily, pkgFamilyID, [4]string{"10240", "8192", "9216", "5-mbps"}}
	offerUnlimited = offer{pkgUnlimited, pkgUnlimitedID, [4]string{"51200", "40960", "46080", "20-mbps"}}
	offerIoT       = offer{pkgIoT, pkgIoTID, [4]string{"500", "400", "450", "1-mbps"}}
)

// lineShape is one kind of line: the flags that agree with its ProductType
// and the packages it may have.
type lineShape struct {
	numberType, messageType, message, voice, data, product string
	offers                                                 []offer
}

var (
	shapeVoice = lineShape{"mvno", "p2p", "yes", "yes", "yes", "Sms+Data+Voice", []offer{offerUnlimited, offerFamily}}
	shapeData  = lineShape{"mvno", "p2p", "yes", "no", "yes", "Sms+Data", []offer{offerStarter, offerFamily}}
	shapeIoT   = lineShape{"iot", "p2p", "no", "no", "yes", "Data-Only", []offer{offerIoT}}
	shapeVoip  = lineShape{"voip", "a2p", "yes", "no", "no", "Sms-Only", nil}
)

// pickShape deals lines out as 55% voice, 25% messaging and data, 15% IoT
// and 5% VoIP.
func (g *synth) pickShape() *lineShape {
	switch r := g.rng.IntN(100); {
	case r < 55:
		return &shapeVoice
	case r < 80:
		return &shapeData
	case r < 95:
		return &shapeIoT
	default:
		return &shapeVoip
	}
}

// pickOffer returns the Package cell of a line, by name or by ID, and its
// data limits; all empty for a shape without packages.
func (g *synth) pickOffer(sh *lineShape) (pkg string, limits [4]string) {
	if len(sh.offers) == 0 {
		return "", limits
	}
	p := sh.offers[g.rng.IntN(len(sh.offers))]
	if g.rng.IntN(2) == 0 {
		return p.name, p.limits
	}
	return p.id, p.limits
}

// maxTabRows is how many data rows a tab holds under its header: a
// worksheet has 1,048,576 rows, so a larger table goes on in another tab
// (Numbers-2, Numbers-3, ...).
const maxTabRows = 1<<20 - 1

func (g *synth) numbers() error {
	header := []string{"LineRef", "SubscriberEmail", "AccountRef", "MessageRouteRef",
		"VoiceRouteRef", "NumberType", "MessageType", "MessageEnabled", "VoiceEnabled", "DataEnabled",
		"ProductType", "AreaCode", "ICCID", "Package", "LimitValue", "NotifyValue", "ThrottleValue",
		"ThrottleSpeed"}
	for n := range g.shape.Numbers {
		if n%maxTabRows == 0 {
			name := tabNumbers
			if n > 0 {
				name += "-" + strconv.Itoa(1+n/maxTabRows)
			}
			if err := g.sink.Table(name, header); err != nil {
				return err
			}
		}
		s := n % g.shape.Subscribers
		a := g.accountOf(s)
		sh := g.pickShape()
		route, voiceRoute, iccid := messageRoutes[n%2], "", ""
		if sh == &shapeIoT {
			route = messageRoutes[2]
		}
		if sh.voice == "yes" {
			voiceRoute = voiceRoutes[n%2]
		}
		if sh != &shapeVoip {
			iccid = ICCID(int64(n))
		}
		pkg, lim := g.pickOffer(sh)
		if err := g.emit("LN-"+pad(n, 8), subscriberEmail(s), accountRef(a), route, voiceRoute,
			sh.numberType, sh.messageType, sh.message, sh.voice, sh.data, sh.product,
			placeOf(a).area, iccid, pkg, lim[0], lim[1], lim[2], lim[3]); err != nil {
			return err
		}
	}
	return nil
}

func (g *synth) portIns() error {
	if err := g.sink.Table(tabPortIns, []string{"PortInNumber", "LineRef", "SubscriberEmail", "AccountRef",
		"MessageRouteRef", "VoiceRouteRef", "CurrentCarrierName", "CurrentAccountNumber", "CurrentAccountPassword",
		"SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "ICCID",
		"NumberType", "MessageType", "VoiceEnabled", "DataEnabled", "Package", "LimitValue", "NotifyValue",
		"ThrottleValue", "ThrottleSpeed"}); err != nil {
		return err
	}
	for p := range g.shape.PortIns {
		s := (p * 7) % g.shape.Subscribers
		a := g.accountOf(s)
		pl := placeOf(a)
		sh := &shapeData
		voiceRoute := ""
		if p%2 == 0 {
			sh, voiceRoute = &shapeVoice, voiceRoutes[(p/2)%2]
		}
		pkg, lim := g.pickOffer(sh)
		err := g.emit(e164(p), "PT-"+pad(p, 7), subscriberEmail(s), accountRef(a), messageRoutes[p%2], voiceRoute,
			carriers[p%len(carriers)], strconv.FormatUint(100_000_000+g.rng.Uint64N(900_000_000), 10),
			pad(g.rng.IntN(10_000), 4), subscriberName(s), street(a), pl.city, pl.state, pl.zip,
			ICCID(int64(g.shape.Numbers+p)), sh.numberType, sh.messageType, sh.voice, sh.data, pkg,
			lim[0], lim[1], lim[2], lim[3])
		if err != nil {
			return err
		}
	}
	return nil
}

// portOuts asks for PINs for the sandbox's preloaded numbers
// (+13855550100 and up), which belong to an account outside the manifest.
func (g *synth) portOuts() error {
	if g.shape.PortOuts == 0 {
		return nil
	}
	if err := g.sink.Table(tabPortOuts, []string{"PortOutNumber", "PortOutPIN"}); err != nil {
		return err
	}
	for k := range g.shape.PortOuts {
		if err := g.emit("+138555501"+pad(k, 2), strconv.Itoa(4000+k*37%1000)); err != nil {
			return err
		}
	}
	return nil
}

func street(a int) string {
	return strconv.Itoa(100+(a*37)%9000) + " " + streets[a%len(streets)]
}

// The phone space: every area code × exchanges 200–599 (except N11 codes and
// 555, whose 0100–0199 lines are the sandbox's and the samples') × lines
// 0000–9899 (the sandbox's port-in test numbers end in 99xx). Exchanges
// 600–999 are the sandbox's inventory, which provision buys from: a
// number ported in is never one a line of the same manifest was given.
var exchanges = func() []int {
	var ex []int
	for e := 200; e <= 599; e++ {
		if e%100 != 11 && e != 555 {
			ex = append(ex, e)
		}
	}
	return ex
}()

const linesPerExchange = 9900

var maxLines = len(areaCodes) * len(exchanges) * linesPerExchange

// phoneParts splits phone index i into area code, exchange and line.
func phoneParts(i int) (area string, exchange, line int) {
	area = areaCodes[i%len(areaCodes)]
	i /= len(areaCodes)
	return area, exchanges[(i/linesPerExchange)%len(exchanges)], i % linesPerExchange
}

// e164 returns phone number i as +1AAAEEELLLL.
func e164(i int) string {
	area, ex, line := phoneParts(i)
	return "+1" + area + strconv.Itoa(ex) + pad(line, 4)
}

// spreadsheetPhone returns phone number i in one of the forms partners'
// spreadsheets have, chosen by form.
func spreadsheetPhone(i, form int) string {
	area, ex, line := phoneParts(i)
	exs, lines := strconv.Itoa(ex), pad(line, 4)
	switch form % 4 {
	case 0:
		return "(" + area + ") " + exs + "-" + lines
	case 1:
		return area + "." + exs + "." + lines
	case 2:
		return "1" + area + exs + lines
	default:
		return "+1 " + area + " " + exs + " " + lines
	}
}

// pad formats a non-negative n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) >= width {
		return s
	}
	b := make([]byte, width)
	z := width - len(s)
	for i := range z {
		b[i] = '0'
	}
	copy(b[z:], s)
	return string(b)
}

// lower lower-cases an ASCII name.
func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
