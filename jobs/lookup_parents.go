package jobs

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The lookups of lost creates of the parents of lines: accounts,
// subscribers and routes, each by one listing.

func (r *Runner) reconcileAccounts(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	accounts, err := r.c.ListAccounts(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			row := &r.p.Rows[r.p.Steps[i].Row]
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this account create was lost and the API "+
				"offers no account lookup, so it is not sent again: check whether account %q exists; if it does, put its "+
				"AID in the AccountId column and re-run; if it does not, re-run with --resend %s", row.Get("AccountName"), r.p.Key(i))}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.AccountCreate, colAccountID, "AccountName", func(row *plan.Row, _ string) []string {
		var ids []string
		adm := row.Get("AccountAdmin")
		for _, a := range accounts {
			// An account this run created has no subscribers yet (they wait
			// for it): one that has them is someone else's of that name.
			if a.TotalSubscribers == 0 && strings.EqualFold(a.AccountName, row.Get("AccountName")) &&
				(adm == "" || a.AccountAdmin == "" || strings.EqualFold(adm, a.AccountAdmin)) {
				ids = append(ids, a.AccountId)
			}
		}
		return ids
	})
	return nil
}

// adopt gives each step the one listed resource that matches its row
// (candidates returns their IDs) and that no other step owns.
func (r *Runner) adopt(steps []plan.StepID, out map[plan.StepID]verdict, a plan.Action, col, nameCol string,
	candidates func(row *plan.Row, account string) []string) {
	taken := r.claimed(a, col)
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		row := &r.p.Rows[ri]
		account, _ := r.parentID(ri, plan.Accounts)
		var match []string
		for _, id := range candidates(row, account) {
			if !taken[id] {
				match = append(match, id)
			}
		}
		switch len(match) {
		case 0:
			out[i] = verdict{kind: vAbsent}
		case 1:
			taken[match[0]] = true
			out[i] = verdict{kind: vFound, ids: map[string]string{col: match[0]}}
		default:
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this create was lost and the platform "+
				"has %d matches for %s %q (%s): put the right one's ID in the row", len(match), nameCol,
				row.Get(nameCol), strings.Join(match, ", "))}
		}
	}
}

func (r *Runner) reconcileSubscribers(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	subs, err := r.c.ListSubscribers(ctx)
	if err != nil {
		return err
	}
	byEmail := make(map[string]telegent.Subscriber, len(subs))
	for _, s := range subs {
		byEmail[strings.ToLower(s.Email)] = s
	}
	for _, i := range steps {
		out[i] = r.subscriberVerdict(i, byEmail)
	}
	return nil
}

// subscriberVerdict settles a subscriber create whose answer was lost or
// that the API refused (rec.Data[noteRefused]): the listing has the e-mail in
// this row's account (adopt it), in another account (fail the row), or not
// at all (not created; a refused create fails with the API's message).
func (r *Runner) subscriberVerdict(i plan.StepID, byEmail map[string]telegent.Subscriber) verdict {
	ri := r.p.Steps[i].Row
	row := &r.p.Rows[ri]
	rec := r.record(i)
	why := firstNonEmpty(rec.Data[noteRefused], legacyConflict(rec))
	s, ok := byEmail[strings.ToLower(row.Get("Email"))]
	if !ok {
		if why == "" {
			return verdict{kind: vAbsent}
		}
		// E-mails are unique across the whole platform: the API refused
		// the row for a field, or the address is a subscriber's outside
		// this distributor's accounts.
		return verdict{kind: vFailed, msg: why + " — " + row.Get("Email") + " is not among your subscribers: fix the " +
			"cell the message names, or if the address is taken outside your accounts, use another e-mail, and re-run"}
	}
	want, _ := r.parentID(ri, plan.Accounts)
	have := ""
	if s.Account != nil {
		have = s.Account.AccountId
	}
	if want != "" && have != "" && want != have {
		return verdict{kind: vFailed, msg: fmt.Sprintf("%s — %s belongs to subscriber %s in account %s, not this row's "+
			"account %s: use another e-mail, or put SubscriberId in the row", firstNonEmpty(why, "Email already exists"),
			row.Get("Email"), s.SubscriberId, have, want)}
	}
	v := verdict{kind: vFound, ids: map[string]string{colSubscriberID: s.SubscriberId, colAccountID: firstNonEmpty(have, want)}}
	if why != "" {
		v.data = map[string]string{noteAdopted: "email"} // it existed before this run: its numbers may be older
	}
	return v
}

// legacyConflict reads the mark an older version wrote for a 409.
func legacyConflict(rec checkpoint.Record) string {
	if rec.Data[noteConflict] != "" {
		return "409 Email already exists"
	}
	return ""
}

func (r *Runner) reconcileMessageRoutes(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	routes, err := r.c.ListMessageRoutes(ctx, "")
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.MessageRouteCreate, colMessageRouteID, "RouteName", func(row *plan.Row, account string) []string {
		var ids []string
		for _, m := range routes {
			acc := firstNonEmpty(m.AccountId, m.AccountID)
			if m.RouteName == row.Get("RouteName") && m.MessageUrl == row.Get("MessageUrl") &&
				(account == "" || acc == "" || acc == account) {
				ids = append(ids, m.MessageRouteId)
			}
		}
		return ids
	})
	return nil
}

func (r *Runner) reconcileVoiceRoutes(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	routes, err := r.c.ListVoiceRoutes(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this voice route create was lost and the "+
				"API offers no voice route list, so it is not sent again: check whether route %q exists; if it does, put "+
				"its CRID in the CallRouteId column and re-run; if it does not, re-run with --resend %s",
				r.p.Rows[r.p.Steps[i].Row].Get("RouteName"), r.p.Key(i))}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.VoiceRouteCreate, colCallRouteID, "RouteName", func(row *plan.Row, account string) []string {
		var ids []string
		for _, v := range routes {
			if v.RouteName == row.Get("RouteName") && strings.EqualFold(v.RouteType, row.Get("RouteType")) &&
				(account == "" || v.AccountId == "" || v.AccountId == account) {
				ids = append(ids, v.CallRouteId)
			}
		}
		return ids
	})
	return nil
}
