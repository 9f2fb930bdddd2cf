package jobs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// Check is the outcome of one preflight check: what was checked, whether
// it passed, what was found, and what to do when it failed.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// actionPaths are the endpoints each action calls, its lookups included.
var actionPaths = [plan.NumActions][]string{
	plan.AccountCreate:       {telegent.PathAccountCreate, telegent.PathDistributorAccounts},
	plan.SubscriberCreate:    {telegent.PathSubscriberCreate, telegent.PathDistributorSubs},
	plan.GuardianSet:         {telegent.PathGuardianFeatures},
	plan.MessageRouteCreate:  {telegent.PathMessageRoutes, telegent.PathAccountMessageRoutes},
	plan.VoiceRouteCreate:    {telegent.PathVoiceRoutes},
	plan.NumberProvision:     {telegent.PathNumbersProvision, telegent.PathNumbersInventory},
	plan.PortInEligibility:   {telegent.PathPortInEligibility},
	plan.PortInSubmit:        {telegent.PathPortIn, telegent.PathPortInUpdate, telegent.PathNumbersInventory},
	plan.PortInMonitor:       {telegent.PathNumbersOrder},
	plan.PortInCancel:        {telegent.PathPortInCancel},
	plan.NumberBind:          {telegent.PathNumbersUpdate},
	plan.SubscriptionCreate:  {telegent.PathAccountPackages, telegent.PathSubscriptions, telegent.PathDistributorSubscript},
	plan.DataUsageSet:        {telegent.PathDataUsage},
	plan.MessageFilterCreate: {telegent.PathMessageFilter},
	plan.PortOutIssue:        {telegent.PathPortOut, telegent.PathNumbersOrder},
}

// Endpoints returns the paths of the endpoints the steps of p call,
// sorted, each once.
func Endpoints(p *plan.Plan) []string {
	var used [plan.NumActions]bool
	for i := range p.Steps {
		used[p.Steps[i].Action] = true
	}
	seen := map[string]bool{}
	var out []string
	for a, ok := range used {
		if !ok {
			continue
		}
		for _, path := range actionPaths[a] {
			if !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Preflight checks what a run of p needs from the API before it starts,
// changing nothing there: that the API answers and accepts the
// credentials, that it gives a token for every endpoint the plan calls,
// that every Package the manifest names exists, and that this machine's
// clock agrees with the tokens' expiry. It returns one Check per line, in
// that order; a check that cannot be made because an earlier one failed
// is left out.
//
// firstWait bounds the wait for the API's first answer: the client's
// retries of an API that does not answer would take much longer.
func Preflight(ctx context.Context, p *plan.Plan, c *telegent.Client, api string, firstWait time.Duration) []Check {
	paths := Endpoints(p)
	if len(paths) == 0 {
		paths = []string{telegent.PathAccountPackages}
	}
	fctx, cancel := context.WithTimeout(ctx, firstWait)
	first, err := c.CheckToken(fctx, paths[0])
	timedOut := errors.Is(fctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	if err != nil && timedOut {
		err = fmt.Errorf("no answer within %s", firstWait)
	}
	reach, cred, ok := firstChecks(api, err)
	if !ok {
		return append([]Check{reach}, cred...)
	}
	out := []Check{reach, cred[0]}
	var refused []string
	var skew time.Duration
	for i, path := range paths {
		tc := first
		if i > 0 {
			if tc, err = c.CheckToken(ctx, path); err != nil {
				refused = append(refused, fmt.Sprintf("%s (%v)", path, err))
				continue
			}
		}
		if tc.Skew != 0 && skew == 0 {
			skew = tc.Skew
		}
	}
	tokens := Check{Name: "tokens", OK: len(refused) == 0,
		Detail: fmt.Sprintf("a token for each of the %d endpoints the plan calls", len(paths))}
	if !tokens.OK {
		tokens.Detail = fmt.Sprintf("no token for %d of the %d endpoints the plan calls: %s", len(refused), len(paths),
			strings.Join(refused, "; "))
		tokens.Fix = "ask Telegent to enable these endpoints for the account key"
	}
	out = append(out, tokens, packagesCheck(ctx, p, c), clockCheck(skew))
	return out
}

// firstChecks reads the answer to the first token request: whether the
// API answered, and whether it took the credentials. ok is false when the
// checks that follow cannot be made.
func firstChecks(api string, err error) (reach Check, cred []Check, ok bool) {
	reach = Check{Name: "api", OK: true, Detail: api + " answers"}
	var ae *telegent.Error
	switch {
	case err == nil:
		return reach, []Check{{Name: "credentials", OK: true, Detail: "the account key and secret are accepted"}}, true
	case errors.Is(err, telegent.ErrCredentials):
		return reach, []Check{{Name: "credentials", Detail: "the API refused the account key or secret",
			Fix: "check TELEGENT_ACCOUNT_KEY and TELEGENT_ACCOUNT_SECRET (and that they are for this API)"}}, false
	case errors.As(err, &ae) && ae.Status != 0:
		reach.OK = false
		reach.Detail = fmt.Sprintf("%s answers the token request with %d %s", api, ae.Status, ae.Message)
		reach.Fix = "check that --api (or TELEGENT_API_URL) is the Telegent API's base URL, such as https://api.telegent.com"
		return reach, nil, false
	}
	reach.OK = false
	reach.Detail = fmt.Sprintf("%s does not answer: %v", api, err)
	reach.Fix = "check --api (or TELEGENT_API_URL), the network and any proxy; then run check again"
	return reach, nil, false
}

// packagesCheck resolves every Package the plan's subscriptions name.
func packagesCheck(ctx context.Context, p *plan.Plan, c *telegent.Client) Check {
	where := map[string]string{} // package named -> its first row
	var names []string
	for i := range p.Steps {
		if p.Steps[i].Action != plan.SubscriptionCreate {
			continue
		}
		row := p.Steps[i].Row
		ref := strings.TrimSpace(ownValue(&p.Rows[row], "Package"))
		if _, ok := where[ref]; ref != "" && !ok {
			where[ref] = p.Where(row)
			names = append(names, ref)
		}
	}
	chk := Check{Name: "packages", OK: true}
	if len(names) == 0 {
		chk.Detail = "the manifest names no package"
		return chk
	}
	pkgs, err := c.Packages(ctx)
	if err != nil {
		chk.OK, chk.Detail = false, fmt.Sprintf("the package list cannot be read: %v", err)
		chk.Fix = "run check again; if it persists, ask Telegent whether account/packages is enabled for the key"
		return chk
	}
	known := map[string]bool{}
	var catalog []string
	for _, pk := range pkgs {
		known[pk.PackageId] = true
		known[strings.ToLower(pk.PackageName)] = true
		catalog = append(catalog, pk.PackageName)
	}
	sort.Strings(catalog)
	var unknown []string
	for _, n := range names {
		if !known[n] && !known[strings.ToLower(n)] {
			unknown = append(unknown, fmt.Sprintf("%q (%s)", n, where[n]))
		}
	}
	if len(unknown) > 0 {
		chk.OK = false
		chk.Detail = fmt.Sprintf("%d of the %d packages the manifest names do not exist: %s", len(unknown), len(names),
			strings.Join(unknown, ", "))
		chk.Fix = "fix the Package column: use a package's name or ID (known: " + strings.Join(catalog, ", ") + ")"
		return chk
	}
	chk.Detail = fmt.Sprintf("all %d packages the manifest names exist", len(names))
	return chk
}

// clockCheck reports a token expiry that this machine's clock does not
// place between now and a day ahead.
func clockCheck(skew time.Duration) Check {
	chk := Check{Name: "clock", OK: skew == 0, Detail: "this machine's clock agrees with the tokens' expiry"}
	if skew < 0 {
		chk.Detail = fmt.Sprintf("the tokens expire %s before this machine's clock says it is now", (-skew).Round(time.Second))
	} else if skew > 0 {
		chk.Detail = fmt.Sprintf("the tokens expire %s further ahead than a day by this machine's clock", skew.Round(time.Second))
	}
	if !chk.OK {
		chk.Fix = "set this machine's clock and time zone (NTP); until then every token is kept one minute only"
	}
	return chk
}
