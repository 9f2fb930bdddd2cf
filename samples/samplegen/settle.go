package samplegen

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// Attention is a create that needs attention, as a person reads it from
// the results: its step key (kind/natural-key/step) and, for an account or
// a route, the row's AccountName or RouteName.
type Attention struct {
	Key  string
	Name string
}

// Settle does, for a synthetic CSV manifest in dir, what the results tell a
// person to do about creates that need attention: ask the platform (here,
// the sandbox's state now, against what it held before the run) whether the
// create was applied, put the ID of what it made in the row, and list the
// rest for --resend. It fails on a create that was applied twice, or on a
// kind whose lost creates documented lookups settle by themselves.
func Settle(dir string, items []Attention, before, now sandbox.State) (resend []string, err error) {
	edits := map[[2]string]map[string]string{} // file, column → row key → ID
	for _, it := range items {
		kind, key, ok := splitKey(it.Key)
		if !ok {
			return nil, fmt.Errorf("settle: %q is no step key", it.Key)
		}
		file, col, found, err := findCreated(kind, key, it, before, now)
		if err != nil {
			return nil, err
		}
		switch len(found) {
		case 0:
			resend = append(resend, it.Key)
		case 1:
			k := [2]string{file, col}
			if edits[k] == nil {
				edits[k] = map[string]string{}
			}
			edits[k][key] = found[0]
		default:
			return nil, fmt.Errorf("settle: %s was created %d times: %v", it.Key, len(found), found)
		}
	}
	for k, values := range edits {
		if err := SetCSVCells(filepath.Join(dir, k[0]), k[1], values); err != nil {
			return nil, err
		}
	}
	sort.Strings(resend)
	return resend, nil
}

// findCreated returns what the sandbox made for a create since before: the
// manifest file and column its ID goes in, and the IDs.
func findCreated(kind, key string, it Attention, before, now sandbox.State) (file, col string, found []string, err error) {
	switch kind {
	case "accounts":
		old := ids(before.Accounts, func(a telegent.Account) string { return a.AccountId })
		for _, a := range now.Accounts {
			if a.AccountName == it.Name && !old[a.AccountId] {
				found = append(found, a.AccountId)
			}
		}
		return CSVName(tabAccounts), "AccountId", found, nil
	case "voiceroutes":
		old := ids(before.VoiceRoutes, func(v telegent.VoiceRoute) string { return v.CallRouteId })
		for _, v := range now.VoiceRoutes {
			if v.RouteName == it.Name && !old[v.CallRouteId] {
				found = append(found, v.CallRouteId)
			}
		}
		return CSVName(tabVoiceRoutes), "CallRouteId", found, nil
	case "portins", "portouts":
		typ, file := "portin", CSVName(tabPortIns)
		if kind == "portouts" {
			typ, file = "portout", CSVName(tabPortOuts)
		}
		old := ids(before.Orders, func(o telegent.OrderDetails) string { return o.OrderId })
		for _, o := range now.Orders {
			if o.OrderType == typ && len(o.PhoneNumbersOrdered) > 0 && o.PhoneNumbersOrdered[0].Number == key && !old[o.OrderId] {
				found = append(found, o.OrderId)
			}
		}
		return file, "OrderId", found, nil
	}
	return "", "", nil, fmt.Errorf("settle: %s needs attention, but documented lookups settle its kind", it.Key)
}

// ids returns the IDs of a list of resources as a set.
func ids[T any](list []T, id func(T) string) map[string]bool {
	out := make(map[string]bool, len(list))
	for _, v := range list {
		out[id(v)] = true
	}
	return out
}

// splitKey splits a step key into its kind and natural key (unescaped).
func splitKey(k string) (kind, key string, ok bool) {
	parts := strings.Split(k, "/")
	if len(parts) != 3 || slices.Contains(parts, "") {
		return "", "", false
	}
	key = strings.NewReplacer("%2F", "/", "%25", "%").Replace(parts[1])
	return parts[0], key, true
}
