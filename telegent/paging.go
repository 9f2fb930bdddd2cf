package telegent

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"strconv"
)

// InventoryFilter narrows GET /v1.0/numbers/inventory.
type InventoryFilter struct {
	PhoneNumber  string
	SubscriberId string
	AccountId    string
	Status       string
}

const (
	pageSize = 1000
	// maxPages is a last resort against a server that keeps answering
	// full pages of new items for ever.
	maxPages = 100_000
)

// listAll reads every page of a list endpoint, TotalPerPage=1000 at a time,
// until it holds the total the endpoint reported or a page comes back
// short. page extracts the reported total and the items from one page.
//
// A server that ignores PageNumber and reports no total answers the same
// full page again and again. A page that adds nothing to the one before it
// (every item of it was on the previous page) therefore ends the listing
// with an error: the items past the first page cannot be reached, and a
// caller must not take the part it got for the whole list.
func listAll[L, T any](ctx context.Context, c *Client, path string, q url.Values, page func(*L) (int, []T)) ([]T, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("TotalPerPage", strconv.Itoa(pageSize))
	var all []T
	var prev map[[sha256.Size]byte]struct{}
	for n := 1; n <= maxPages; n++ {
		q.Set("PageNumber", strconv.Itoa(n))
		var l L
		if err := c.get(ctx, path, q, &l); err != nil {
			return nil, err
		}
		total, items := page(&l)
		seen, fresh := digests(items, prev)
		if n > 1 && len(items) > 0 && !fresh {
			return nil, &Error{Op: opName(path), Message: "page " + strconv.Itoa(n) +
				" repeats page " + strconv.Itoa(n-1) + ": the server ignores PageNumber and reports no total, so the list cannot be read whole"}
		}
		prev = seen
		all = append(all, items...)
		if len(items) < pageSize || (total > 0 && len(all) >= total) {
			return all, nil
		}
	}
	return nil, &Error{Op: opName(path), Message: "list did not end after " + strconv.Itoa(maxPages) + " pages"}
}

// digests returns a digest of each item's JSON encoding, and whether any
// of them is missing from prev.
func digests[T any](items []T, prev map[[sha256.Size]byte]struct{}) (map[[sha256.Size]byte]struct{}, bool) {
	seen := make(map[[sha256.Size]byte]struct{}, len(items))
	fresh := false
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err != nil {
			// Not expected of a wire type; count the item as new rather
			// than stop a listing that may be fine.
			fresh = true
			continue
		}
		d := sha256.Sum256(b)
		seen[d] = struct{}{}
		if _, ok := prev[d]; !ok {
			fresh = true
		}
	}
	return seen, fresh
}
