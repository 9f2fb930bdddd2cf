// Package plan is the manifest schema (kinds, columns, aliases, secret
// columns), the validation and normalisation of every cell, the
// cross-sheet references, and the step DAG a run executes.
//
// It is pure: no file or network I/O beyond reading the sheets.Reader
// values it is given, no HTTP, no checkpoint. It knows the Telegent field
// names and value rules the manifest format borrows, but nothing about how
// a step is carried out, retried or recorded: that is package jobs.
// docs/manifest.md is the description of the format this package
// implements.
package plan

// CONTRACT: the exported names in this file are what jobs and main use.

// Kind is a manifest kind, one tab or CSV file each.
type Kind uint8

const (
	Accounts Kind = iota
	Subscribers
	MessageRoutes
	VoiceRoutes
	Numbers
	PortIns
	PortOuts
	NumKinds int = iota
)

var kindNames = [...]string{"Accounts", "Subscribers", "MessageRoutes", "VoiceRoutes", "Numbers", "PortIns", "PortOuts"}
var kindSlugs = [...]string{"accounts", "subscribers", "messageroutes", "voiceroutes", "numbers", "portins", "portouts"}

// String returns the tab name of the kind.
func (k Kind) String() string { return kindNames[k] }

// Slug returns the lower-case name used in step keys.
func (k Kind) Slug() string { return kindSlugs[k] }

// Action is what a step does.
type Action uint8

const (
	AccountCreate       Action = iota // accounts/<ref>/create
	SubscriberCreate                  // subscribers/<email>/create
	GuardianSet                       // subscribers/<email>/guardian
	MessageRouteCreate                // messageroutes/<ref>/create
	VoiceRouteCreate                  // voiceroutes/<ref>/create
	NumberProvision                   // numbers/<line>/provision
	PortInEligibility                 // portins/<e164>/eligibility
	PortInSubmit                      // portins/<e164>/submit (also update after a rejection; done already for a row with a KnownOrder)
	PortInMonitor                     // portins/<e164>/monitor (waits for Completed)
	PortInCancel                      // portins/<e164>/cancel (Action=cancel rows: the only step of the row)
	NumberBind                        // portins/<e164>/bind (numbers/update: subscriber, routes, ICCID)
	SubscriptionCreate                // <kind>/<key>/subscription
	DataUsageSet                      // <kind>/<key>/datausage
	MessageFilterCreate               // <kind>/<key>/filter (subscriber's FilterLevel on this line)
	PortOutIssue                      // portouts/<e164>/pin
	PortOutMonitor                    // portouts/<e164>/monitor (follows the order the PIN opened until it is final)
	NumActions          int    = iota
)

var actionSlugs = [...]string{"create", "create", "guardian", "create", "create", "provision",
	"eligibility", "submit", "monitor", "cancel", "bind", "subscription", "datausage", "filter", "pin", "monitor"}

// Slug returns the last segment of the action's step keys.
func (a Action) Slug() string { return actionSlugs[a] }

// StepKey identifies a step by natural key, never by row number:
// "<kind slug>/<natural key>/<action slug>" (see MakeKey, ParseStepKey).
type StepKey string

// StepID is the index of a step in Plan.Steps.
type StepID int32

// RowID is the index of a row in Plan.Rows.
type RowID int32

// TableInfo describes one input table as read.
type TableInfo struct {
	Kind   Kind
	Sheet  string   // tab name, or CSV file name (with extension) as the user knows it, followed by the part of its path that tells it apart when tables of different files have the same name: "portins.csv (week1/)"
	Path   string   // file
	Header []string // columns as written, in input order
	Canon  []string // canonical column name per header column ("" if unknown column)
	Secret []bool   // per header column: a secret column, masked in every output
}

// Row is one manifest row.
type Row struct {
	Kind  Kind
	nstep uint8           // number of steps of the row (they are contiguous)
	Table int32           // index into Plan.Tables
	Num   int32           // row number as the user sees it
	step0 StepID          // the row's first step
	Key   string          // natural key, normalised (e-mail lower-cased, numbers E.164)
	text  string          // the cells as read and the values in diff, packed (see text.go): Cell, val
	diff  uint64          // schema fields whose value is kept in text rather than being their trimmed cell (see Row.val)
	tab   *tableMap       // its table's map: the copy of the worker that packed text, whose shared texts text refers to
	par   [numSlots]int32 // resolved parent rows (see slot), -1 when none
}

// Step is one unit of work in the DAG.
type Step struct {
	Action Action
	Row    RowID  // the row it is a step of
	depEnd uint32 // where its dependencies end in Plan.deps (see Plan.Deps)
}

// Plan is the validated manifest and its step DAG. Steps are in a
// topological order (every dependency comes before its dependents). A plan
// is not changed after Build returns it: its methods and those of its rows
// may be called from many goroutines.
type Plan struct {
	Tables []TableInfo
	Rows   []Row
	Steps  []Step

	// Warnings are findings that do not stop a run (an unknown column, a
	// value that will be ignored). See Check for warnings of a manifest
	// that also has problems.
	Warnings Problems

	routeAccount map[int32]string // route row → the existing account its lines use (see routeAccounts)

	// deps holds the dependencies of every step, in step order: those of
	// step i end at Steps[i].depEnd and start where step i-1's end. One
	// array rather than a slice per step spares 2.5 million slice headers
	// and small arrays at a million lines.
	deps []StepID
}

// Deps returns the steps that step i depends on (each comes before it in
// Steps). The slice is the plan's, shared by
// every caller: read it, never change it.
func (p *Plan) Deps(i StepID) []StepID {
	var start uint32
	if i > 0 {
		start = p.Steps[i-1].depEnd
	}
	end := p.Steps[i].depEnd
	return p.deps[start:end:end]
}

// Problem is one thing wrong with the manifest, pointing at a cell.
type Problem struct {
	Sheet   string
	Row     int    // 0 when the problem is about the whole sheet
	Column  string // the column's header as the table spells it, its canonical name when the table lacks it; "" when about the whole row
	Message string // what is wrong and what a valid value looks like

	// More is set on an entry that stands for problems not listed one by
	// one: the number of problems of the same kind as the one listed just
	// before it (the same sheet, column and message but for the values it
	// quotes) found after it. Such an entry has no Message of its own;
	// its Row is that of the last one listed.
	More int

	tab   int32 // 1 + index of the table in the input, 0 when unknown
	col   int32 // column position for sorting: header index, or after the header
	upTo  int   // with More: the row of the last problem counted
	other bool  // with More: problems of kinds past the ones a column lists (see kinds)
}

// Problems is every problem found, Build never stops at the first: of
// each kind (see Problem.More), the first few one by one and then an
// entry counting the others.
type Problems []Problem
