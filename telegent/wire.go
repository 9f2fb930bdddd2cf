package telegent

// Wire types: the JSON bodies of every endpoint the runner uses, with the
// API's own PascalCase field names. Optional request fields carry omitempty
// so that a request holds only what the manifest said.

// Endpoint paths, relative to the API base URL (which has no /v1.0 suffix).
const (
	PathToken                = "/v1.0/oauth2/tokens"
	PathAccountCreate        = "/v1.0/account/create"
	PathDistributorAccounts  = "/v1.0/distributor/accounts" // not in the vendor docs; see package doc
	PathSubscriberCreate     = "/v1.0/subscribers/create"
	PathDistributorSubs      = "/v1.0/distributor/subscribers"
	PathMessageRoutes        = "/v1.0/message/routes"         // POST create, GET details
	PathAccountMessageRoutes = "/v1.0/account/message/routes" // GET list
	PathVoiceRoutes          = "/v1.0/voice/routes"           // POST create, GET list/details
	PathNumbersAvailability  = "/v1.0/numbers/availability"
	PathNumbersProvision     = "/v1.0/numbers/provision"
	PathNumbersUpdate        = "/v1.0/numbers/update"
	PathNumbersInventory     = "/v1.0/numbers/inventory"
	PathNumbersOrder         = "/v1.0/numbers/order"
	PathPortInEligibility    = "/v1.0/numbers/portin/eligibility"
	PathPortIn               = "/v1.0/numbers/portin"
	PathPortInUpdate         = "/v1.0/numbers/portin/update"
	PathPortInCancel         = "/v1.0/numbers/portin/cancel"
	PathPortOut              = "/v1.0/numbers/portout"
	PathDataUsage            = "/v1.0/numbers/data-usage"
	PathAccountPackages      = "/v1.0/account/packages"
	PathSubscriptions        = "/v1.0/subscriptions"
	PathDistributorSubscript = "/v1.0/distributor/subscriptions"
	PathGuardianFeatures     = "/v1.0/subscribers/guardian-features"
	PathMessageFilter        = "/v1.0/subscribers/message-filter" // POST create, GET list
)

// Port order statuses. The submit response says Pending; the lifecycle guide
// starts at Submitted. Both mean "open, nothing decided yet".
const (
	PortPending                = "Pending"
	PortSubmitted              = "Submitted"
	PortPendingCarrierApproval = "Pending Carrier Approval"
	PortScheduled              = "Scheduled"
	PortCompleted              = "Completed"
	PortRejected               = "Rejected"
	PortCancelled              = "Cancelled"
	OrderComplete              = "Complete" // provision orders say Complete, not Completed
	OrderError                 = "Error"
)

// TokenRequest is the body of POST /v1.0/oauth2/tokens.
type TokenRequest struct {
	AccountKey    string
	AccountSecret string
	ApiEndpoint   string
}

// TokenResponse is the only body with lower-case keys.
type TokenResponse struct {
	Token       string `json:"token"`
	Successful  bool   `json:"successful"`
	TokenExpiry string `json:"tokenExpiry"` // MM/dd/yyyy hh:mm:ss tt, no zone (UTC)
	Error       string `json:"error,omitempty"`
	ApiEndpoint string `json:"apiEndpoint,omitempty"`
}

// ErrorBody is the error shape of the port-in OpenAPI page:
// {"StatusCode":400,"Message":"..."}.
type ErrorBody struct {
	StatusCode int
	Message    string
}

// Address is a billing or mailing address. Country is omitted on port-ins.
type Address struct {
	Street1 string
	Street2 string `json:",omitempty"`
	City    string
	State   string
	Zip     string
	Country string `json:",omitempty"`
}

type AccountCreateRequest struct {
	AccountName    string
	AccountAdmin   string   `json:",omitempty"`
	BillingAddress *Address `json:",omitempty"`
	MailingAddress *Address `json:",omitempty"`
}

type Account struct {
	AccountId        string
	AccountName      string
	AccountAdmin     string   `json:",omitempty"`
	TotalSubscribers int      `json:",omitempty"`
	BillingAddress   *Address `json:",omitempty"`
	MailingAddress   *Address `json:",omitempty"`
}

// AccountList answers GET /v1.0/distributor/accounts?PageNumber=&TotalPerPage=.
type AccountList struct {
	TotalAccounts int
	PageNumber    int
	TotalPerPage  int
	Results       []Account
}

type SubscriberCreateRequest struct {
	Name         string
	Email        string
	PhoneNumbers []string // may be empty, never null
	Role         string   // Subscriber | Manager | Account Admin
	Password     string
	AccountId    string
}

type SubscriberAccount struct {
	AccountId   string
	CompanyName string
}

type Subscriber struct {
	SubscriberId string
	Name         string
	Email        string
	PhoneNumbers []string
	Role         string
	Account      *SubscriberAccount `json:",omitempty"`
}

// SubscriberList answers GET /v1.0/distributor/subscribers?PageNumber=&TotalPerPage=.
type SubscriberList struct {
	TotalSubscribers int
	PageNumber       int
	TotalPerPage     int
	Results          []Subscriber
}

type MessageRouteCreateRequest struct {
	RouteName                         string
	MessageUrl                        string
	MessageUrlMethod                  string // GET | POST
	MessageRouteEnabled               *bool  `json:",omitempty"`
	MessageAuthenticationType         string `json:",omitempty"` // None | Basic | Bearer
	MessageUsername                   string `json:",omitempty"`
	MessagePasswordToken              string `json:",omitempty"` // secret
	CallbackMessageUrl                string `json:",omitempty"`
	CallbackMessageUrlMethod          string `json:",omitempty"`
	CallbackMessageAuthenticationType string `json:",omitempty"`
	CallbackMessageUsername           string `json:",omitempty"`
	CallbackMessagePasswordToken      string `json:",omitempty"` // secret
	InboundBypass                     *bool  `json:",omitempty"`
	OutboundBypass                    *bool  `json:",omitempty"`
	IntelligentRouteEnabled           *bool  `json:",omitempty"`
	AccountId                         string `json:",omitempty"`
}

// MessageRoute is a route as the API returns it. The API echoes the password
// tokens; the client never logs or returns them beyond this struct.
type MessageRoute struct {
	MessageRouteId                    string
	AccountId                         string
	AccountID                         string `json:",omitempty"` // the list endpoint's spelling
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
}

// MessageRouteList answers GET /v1.0/account/message/routes[?AccountId=].
type MessageRouteList struct {
	AccountID   string
	TotalRoutes int
	Results     []MessageRoute
}

type VoiceRouteCreateRequest struct {
	RouteName               string
	RouteType               string // Trunk | URL | Forward
	VoiceUrl                string `json:",omitempty"`
	VoiceUrlMethod          string `json:",omitempty"`
	VoiceAuthenticationType string `json:",omitempty"`
	VoiceUsername           string `json:",omitempty"`
	VoicePasswordToken      string `json:",omitempty"` // secret
	CallbackVoiceUrl        string `json:",omitempty"`
	CallbackVoiceUrlMethod  string `json:",omitempty"`
	TrunkIp1                string `json:",omitempty"`
	TrunkPort1              string `json:",omitempty"`
	TrunkTransport1         string `json:",omitempty"`
	TrunkUri1               string `json:",omitempty"`
	TrunkIp2                string `json:",omitempty"`
	TrunkPort2              string `json:",omitempty"`
	TrunkTransport2         string `json:",omitempty"`
	TrunkUri2               string `json:",omitempty"`
	// Failover between the two trunks (seed 002 §4.2). Trunk1Priortiy is
	// the vendor's own spelling.
	TrunkEnabled1           *bool       `json:",omitempty"`
	TrunkEnabled2           *bool       `json:",omitempty"`
	Trunk1Priortiy          *int        `json:",omitempty"`
	Trunk1Weight            *int        `json:",omitempty"`
	Trunk2Priortiy          *int        `json:",omitempty"`
	Trunk2Weight            *int        `json:",omitempty"`
	IpWhitelist             []IPAddress `json:",omitempty"`
	RouteEnabled            *bool       `json:",omitempty"`
	IntelligentRouteEnabled *bool       `json:",omitempty"`
	AccountId               string      `json:",omitempty"`
}

// IPAddress is one entry of a voice route's IP allow list. The update page
// names the list IpWhitelist, the create answer IpWhiteList; JSON field
// names match without regard to case, so both decode.
type IPAddress struct {
	IpAddress string
}

type VoiceRoute struct {
	CallRouteId     string
	AccountId       string
	RouteName       string
	RouteType       string
	VoiceUrl        string      `json:",omitempty"`
	TrunkIp1        string      `json:",omitempty"`
	TrunkPort1      string      `json:",omitempty"`
	TrunkTransport1 string      `json:",omitempty"`
	TrunkEnabled1   bool        `json:",omitempty"`
	IpWhiteList     []IPAddress `json:",omitempty"`
	RouteEnabled    bool
}

// VoiceRouteList answers GET /v1.0/voice/routes without CallRouteId (an
// assumption: the vendor page for this GET was not captured).
type VoiceRouteList struct {
	TotalRoutes int
	Results     []VoiceRoute
}

type AvailabilityRequest struct {
	NumberType     string // mobile | voip (availability's own enum)
	MessageType    string `json:",omitempty"`
	MessageEnabled bool
	VoiceEnabled   bool
	PageNumber     int    `json:",omitempty"`
	AreaCode       string `json:",omitempty"`
	ZipCode        string `json:",omitempty"`
}

type NumberArea struct {
	NGP      string
	AreaCode int
	Zipcode  string
}

type AvailabilityResponse struct {
	RequestId            string
	RequestDate          string
	NumberType           string
	VoiceEnabled         bool
	MessageEnabled       bool
	AreaCode             string
	PageNumber           int
	ResultsTotal         int
	AvailableNumberAreas []NumberArea
}

type ProvisionRequest struct {
	NumberType           string // mvno | iot | voip
	MessageType          string // a2p | p2p
	MessageEnabled       bool
	VoiceEnabled         bool
	DataEnabled          bool
	ProductType          string // Sms-Only | Data-Only | Sms+Data | Sms+Data+Voice
	MessageRouteId       string
	VoiceRouteId         string `json:",omitempty"`
	AreaCode             string `json:",omitempty"`
	ZipCode              string `json:",omitempty"`
	ICCID                string `json:",omitempty"`
	AssignedSubscriberId string `json:",omitempty"`
	AccountId            string `json:",omitempty"`
}

type ProvisionResponse struct {
	OrderDate           string
	OrderId             string
	OrderStatus         string
	PhoneNumberAssigned string
	PhoneNumberId       string
	QRCode              string `json:",omitempty"`
	ZipCode             string `json:",omitempty"`
	ICCID               string `json:",omitempty"`
	ErrorMessage        *string
	SubscriberId        string `json:",omitempty"`
}

// NumberUpdateRequest binds or changes a number's owner, routes or SIM.
// The number is named by PhoneNumberId or PhoneNumber (E.164). Empty fields
// are left as they are.
type NumberUpdateRequest struct {
	PhoneNumberId        string `json:",omitempty"`
	PhoneNumber          string `json:",omitempty"`
	AccountId            string `json:",omitempty"`
	AssignedSubscriberId string `json:",omitempty"`
	MessageRouteId       string `json:",omitempty"`
	VoiceRouteId         string `json:",omitempty"`
	ICCID                string `json:",omitempty"`
	MessageEnabled       *bool  `json:",omitempty"`
	VoiceEnabled         *bool  `json:",omitempty"`
	DataEnabled          *bool  `json:",omitempty"`
}

// Number is one record of the numbers inventory (also the numbers/update
// answer). The vendor documents a record's phone number, NID, capabilities,
// assigned routes, subscriber and status, without key names; OrderId,
// OrderType (the latest order that touched the number: provision, portin
// or portout) and CreatedAt are not documented and are empty unless the
// API sends them.
type Number struct {
	PhoneNumberId  string
	PhoneNumber    string
	NumberType     string
	MessageType    string
	MessageEnabled bool
	VoiceEnabled   bool
	DataEnabled    bool
	ProductType    string `json:",omitempty"`
	AccountId      string `json:",omitempty"`
	SubscriberId   string `json:",omitempty"`
	MessageRouteId string `json:",omitempty"`
	VoiceRouteId   string `json:",omitempty"`
	ICCID          string `json:",omitempty"`
	Status         string
	OrderId        string `json:",omitempty"`
	OrderType      string `json:",omitempty"`
	CreatedAt      string `json:",omitempty"` // RFC 3339
}

// NumberList answers GET /v1.0/numbers/inventory with the optional filters
// PhoneNumber, SubscriberId, AccountId, Status, PageNumber, TotalPerPage.
type NumberList struct {
	TotalNumbers int
	PageNumber   int
	TotalPerPage int
	Results      []Number
}

type PhoneNumberRef struct {
	Number string
}

// OrderDetails answers GET /v1.0/numbers/order?OrderId=. Provision orders
// report Complete or Error; port orders report the port statuses above.
// Seed 002 documents OrderDate, OrderId, OrderStatus, OrderType and
// PhoneNumbersOrdered, the order-details page OrderStatusMessage (the
// carrier's reason); the other fields are empty unless the API sends them.
type OrderDetails struct {
	OrderDate           string
	OrderId             string
	OrderStatus         string
	OrderType           string // provision | portin | portout
	PhoneNumbersOrdered []PhoneNumberRef
	PhoneNumberId       string `json:",omitempty"` // the NID once a port-in completes
	OrderStatusMessage  string `json:",omitempty"`
	OrderStatusCode     string `json:",omitempty"`
	PortInDate          string `json:",omitempty"`
	CompletedDate       string `json:",omitempty"`
	DeclinedAttempts    int    `json:",omitempty"`
	LastDeclinedAt      string `json:",omitempty"`
}

// EligibilityRequest: seed 002's example sends TargetClassification mvno;
// the changelog names Mobile and Landline. The runner sends mvno or iot
// (Mobile is read as mvno) and Landline for a wireline.
type EligibilityRequest struct {
	PhoneNumber          string
	TargetClassification string
}

type EligibilityResponse struct {
	PhoneNumber    string
	Eligible       bool
	CurrentCarrier string `json:",omitempty"`
	NumberType     string `json:",omitempty"`
	Message        string `json:",omitempty"`
}

type PortInRequest struct {
	PortInNumber               string
	CurrentCarrierName         string
	CurrentAccountNumber       string
	CurrentAccountPassword     string // secret
	CurrentBillingAddress      Address
	ICCID                      string `json:",omitempty"`
	TargetPortinClassification string `json:",omitempty"` // mvno | iot (seed 001's enum)
	SubscriberName             string `json:",omitempty"`
}

// PortInDateLayout is how PortInDate goes on the wire: seed 002's update
// example writes "04/23/2026"; the API reference page says YYYY-MM-DD.
// Seed 002 is followed.
const PortInDateLayout = "01/02/2006"

type PortInResponse struct {
	OrderId     string
	OrderDate   string
	Status      string
	PhoneNumber string
	ICCID       string `json:",omitempty"`
}

// PortInUpdateRequest changes an open (or rejected) order; empty fields are
// left as they are. PortInDate is written as PortInDateLayout. The submit
// body has no PortInDate (seed 001's schema, seed 002's example): a date
// goes to the order by an update.
type PortInUpdateRequest struct {
	OrderId                    string
	CurrentCarrierName         string   `json:",omitempty"`
	CurrentAccountNumber       string   `json:",omitempty"`
	CurrentAccountPassword     string   `json:",omitempty"` // secret
	CurrentBillingAddress      *Address `json:",omitempty"`
	PortInDate                 string   `json:",omitempty"`
	TargetPortinClassification string   `json:",omitempty"`
	SubscriberName             string   `json:",omitempty"`
	ICCID                      string   `json:",omitempty"`
}

type PortInUpdateResponse struct {
	OrderId string
	Status  string
	Message string `json:",omitempty"`
}

type PortInCancelRequest struct {
	OrderId string
}

type PortInCancelResponse struct {
	OrderId string
	Status  string
}

type PortOutRequest struct {
	PortOutNumber string
	PortOutPIN    string // secret
}

type PortOutResponse struct {
	OrderId     string
	OrderDate   string
	Status      string
	PhoneNumber string
}

type DataUsageRequest struct {
	ValueUnit     string // MB
	LimitValue    int
	NotifyValue   *int   `json:",omitempty"`
	ThrottleValue *int   `json:",omitempty"`
	ThrottleSpeed string `json:",omitempty"`
	PhoneNumbers  []PhoneNumberRef
}

type DataUsageResponse struct {
	Status        string
	StatusMessage string
	ValueUnit     string
	NotifyValue   *int `json:",omitempty"`
	ThrottleValue *int `json:",omitempty"`
	ThrottleSpeed string
	LimitValue    int
	PhoneNumbers  []PhoneNumberRef
}

type Package struct {
	PackageId   string
	PackageName string
	Description string `json:",omitempty"`
	Type        string
	Price       float64
	Monthly     bool
	Active      bool
}

// PackageList answers GET /v1.0/account/packages?Filter=All.
type PackageList struct {
	TotalPackages int
	Filter        string `json:",omitempty"`
	Results       []Package
}

type SubscriptionCreateRequest struct {
	SubscriberId string
	PackageId    string
	Type         string // mvno | iot | voip (the guide capitalises: Mvno)
	TNID         string `json:",omitempty"`
	ICCID        string `json:",omitempty"`
}

type Subscription struct {
	SubscriptionId string
	SubscriberId   string
	TNID           string `json:",omitempty"`
	ICCID          string `json:",omitempty"`
	PackageId      string
	Type           string
	Active         bool
}

// SubscriptionList answers GET /v1.0/distributor/subscriptions?Filter=All.
type SubscriptionList struct {
	DistributorId      string `json:",omitempty"`
	TotalSubscriptions int
	Filter             string `json:",omitempty"`
	PageNumber         int    `json:",omitempty"`
	TotalPerPage       int    `json:",omitempty"`
	Results            []Subscription
}

type GuardianFeatures struct {
	SubscriberId                      string
	EnableIntelligentGuardianCalls    bool
	EnableIntelligentGuardianMessages bool
}

// MessageFilterRequest creates a message filter on one phone number.
// FilterMode is ACTIVE | MONITOR_ONLY | INACTIVE, or a filter level
// CHILD | ADOLESCENT | TEENAGER.
type MessageFilterRequest struct {
	SubscriberId        string
	Phone               string
	FilterMode          string   `json:",omitempty"`
	AllowedContacts     []string `json:",omitempty"`
	BlockedContacts     []string `json:",omitempty"`
	ApplyToInbound      *bool    `json:",omitempty"`
	ApplyToOutbound     *bool    `json:",omitempty"`
	BlockUnknownNumbers *bool    `json:",omitempty"`
	BlockLinks          *bool    `json:",omitempty"`
	BlockMedia          *bool    `json:",omitempty"`
}

type MessageFilter struct {
	FilterId            string
	SubscriberId        string
	Phone               string
	FilterMode          string
	AllowedContacts     []string
	BlockedContacts     []string
	ApplyToInbound      bool
	ApplyToOutbound     bool
	BlockUnknownNumbers bool
	BlockLinks          bool
	BlockMedia          bool
}
