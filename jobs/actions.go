package jobs

import (
	"context"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// action is what the runner knows of one plan.Action: how its request is
// built and sent, whether it is a create, how a lost answer is looked up,
// and what its step shows in the results. A new kind of step is one entry
// in actions (and its place in its kind's kindActions).
type action struct {
	// create: the call is not idempotent (the API has no idempotency
	// keys). The step is written in flight, durably, before the request
	// leaves; an answer that is lost is looked up before anything is sent
	// again.
	create bool
	// prepare builds the request of row ri, taking first what must be
	// noted before it leaves (a fence); an error fails the step unsent.
	prepare func(r *Runner, ctx context.Context, rec *checkpoint.Record, ri plan.RowID) (sendFunc, error)
	// run replaces prepare and the generic send for a step with a flow
	// of its own (the port-in submit, monitor and cancel).
	run func(r *Runner, ctx context.Context, i plan.StepID, rec *checkpoint.Record) outcome
	// lookup settles, with one listing for all, the steps of this action
	// whose outcome is unknown (see verdict); nil: sending again is
	// harmless, so they are simply sent again.
	lookup func(r *Runner, ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error
	// secrets: the request carries the row's secret columns, so a row fed
	// back from a results workbook (which masks them) cannot be sent.
	secrets bool
	// lookUpRefusal: a 400 or 409 answer may mean the thing exists
	// already (the API tells no conflict apart from a bad field): the
	// lookup settles it.
	lookUpRefusal bool
	// conflict says what a 409 means for this action.
	conflict string
	// yields is the ID column the create fills for its row's thing; a
	// row that gives it itself has no such step (see settleByRows), and
	// a child row takes it from here (see parentID).
	yields string
	// results are the results columns the step fills.
	results []string
}

// actions is the table, by plan.Action. It is filled by init because its
// functions refer to it in turn (a request names its parents' IDs).
var actions [plan.NumActions]action

func init() {
	actions = [plan.NumActions]action{
		plan.AccountCreate: {create: true, prepare: plain((*Runner).sendAccount), lookup: (*Runner).reconcileAccounts,
			yields: colAccountID, results: []string{colAccountID}},
		plan.SubscriberCreate: {create: true, prepare: plain((*Runner).sendSubscriber), lookup: (*Runner).reconcileSubscribers,
			secrets: true, lookUpRefusal: true, yields: colSubscriberID, results: []string{colSubscriberID, colAccountID}},
		plan.GuardianSet: {prepare: plain((*Runner).sendGuardian)},
		plan.MessageRouteCreate: {create: true, prepare: plain((*Runner).sendMessageRoute), lookup: (*Runner).reconcileMessageRoutes,
			secrets: true, yields: colMessageRouteID, results: []string{colMessageRouteID}},
		plan.VoiceRouteCreate: {create: true, prepare: plain((*Runner).sendVoiceRoute), lookup: (*Runner).reconcileVoiceRoutes,
			secrets: true, yields: colCallRouteID, results: []string{colCallRouteID}},
		plan.NumberProvision: {create: true, prepare: (*Runner).prepareProvision, lookup: (*Runner).reconcileProvisions,
			conflict: "the ICCID is already on another number: check the ICCID column", yields: colPhoneNumberID,
			results: []string{colPhoneNumberID, colPhoneNumber, colSubscriberID, colOrderID, colQRCode}},
		plan.PortInEligibility: {prepare: (*Runner).prepareEligibility, results: []string{colEligible, colCurrentCarrier}},
		plan.PortInSubmit: {create: true, run: (*Runner).submit, lookup: (*Runner).reconcilePortIns, secrets: true,
			conflict: "the number already has an open port order or is already active here", results: []string{colOrderID, colPortStatus}},
		plan.PortInMonitor: {run: (*Runner).monitor, results: []string{colOrderID, colPortStatus, colDeclinedAttempts,
			colLastDeclinedAt, colSubmittedAt, colPortCompletedAt, colPhoneNumberID}},
		plan.PortInCancel: {run: (*Runner).cancel, results: []string{colOrderID, colPortStatus}},
		plan.NumberBind:   {prepare: plain((*Runner).sendBind), results: []string{colPhoneNumberID, colSubscriberID}},
		plan.SubscriptionCreate: {create: true, prepare: (*Runner).prepareSubscription, lookup: (*Runner).reconcileSubscriptions,
			conflict: "the number already has a subscription", results: []string{colSubscriptionID}},
		plan.DataUsageSet: {prepare: plain((*Runner).sendDataUsage)},
		plan.MessageFilterCreate: {create: true, prepare: plain((*Runner).sendMessageFilter), lookup: (*Runner).reconcileFilters,
			results: []string{colFilterID}},
		plan.PortOutIssue: {create: true, prepare: (*Runner).preparePortOut, lookup: (*Runner).reconcilePortOuts, secrets: true,
			yields: colOrderID, results: []string{colOrderID, colPortStatus}},
		plan.PortOutMonitor: {run: (*Runner).monitorPortOut, results: []string{colPortOutStatus, colPortOutDoneAt}},
	}
}

// kindActions lists the actions of each kind's rows, in the order their
// results columns are shown.
var kindActions = [plan.NumKinds][]plan.Action{
	plan.Accounts:      {plan.AccountCreate},
	plan.Subscribers:   {plan.SubscriberCreate, plan.GuardianSet},
	plan.MessageRoutes: {plan.MessageRouteCreate},
	plan.VoiceRoutes:   {plan.VoiceRouteCreate},
	plan.Numbers:       {plan.NumberProvision, plan.SubscriptionCreate, plan.DataUsageSet, plan.MessageFilterCreate},
	plan.PortIns: {plan.PortInSubmit, plan.PortInEligibility, plan.PortInMonitor, plan.NumberBind, plan.SubscriptionCreate,
		plan.DataUsageSet, plan.MessageFilterCreate, plan.PortInCancel},
	plan.PortOuts: {plan.PortOutIssue, plan.PortOutMonitor},
}

// plain makes the prepare of an action whose request needs nothing noted
// before it leaves.
func plain(send func(r *Runner, ri plan.RowID) sendFunc) func(*Runner, context.Context, *checkpoint.Record, plan.RowID) (sendFunc, error) {
	return func(r *Runner, _ context.Context, _ *checkpoint.Record, ri plan.RowID) (sendFunc, error) {
		return send(r, ri), nil
	}
}

// ownCreate returns the create of kind k's own thing (an account's, a
// number's provision, …) and the ID column it fills, or false when rows
// of k have none.
func ownCreate(k plan.Kind) (plan.Action, string, bool) {
	for _, a := range kindActions[k] {
		if actions[a].yields != "" {
			return a, actions[a].yields, true
		}
	}
	return 0, "", false
}

// lastColumns are results columns shown after those of the actions: on
// PortIns the digest of what the order last received, which is for the
// runner more than for the reader.
var lastColumns = [plan.NumKinds][]string{plan.PortIns: {colOrderDigest}}

// resultColumns returns, per kind, the results columns its actions fill,
// each once, in the order of kindActions, then its lastColumns.
func resultColumns() [plan.NumKinds][]string {
	var out [plan.NumKinds][]string
	for k, as := range kindActions {
		seen := map[string]bool{}
		for _, a := range as {
			for _, c := range actions[a].results {
				if !seen[c] {
					seen[c] = true
					out[k] = append(out[k], c)
				}
			}
		}
		out[k] = append(out[k], lastColumns[k]...)
	}
	return out
}
