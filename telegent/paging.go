package telegent

import (
	"context"
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
	// maxPages stops a server that ignores PageNumber and reports no total
	// from keeping a list call going for ever.
	maxPages = 100_000
)

// listAll reads every page of a list endpoint, TotalPerPage=1000 at a time,
// until it holds the total the endpoint reported or a page comes back
// short. page extracts the reported total and the items from one page.
func listAll[L, T any](ctx context.Context, c *Client, path string, q url.Values, page func(*L) (int, []T)) ([]T, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("TotalPerPage", strconv.Itoa(pageSize))
	var all []T
	for n := 1; n <= maxPages; n++ {
		q.Set("PageNumber", strconv.Itoa(n))
		var l L
		if err := c.get(ctx, path, q, &l); err != nil {
			return nil, err
		}
		total, items := page(&l)
		all = append(all, items...)
		if len(items) < pageSize || (total > 0 && len(all) >= total) {
			return all, nil
		}
	}
	return nil, &Error{Op: opName(path), Message: "list did not end after " + strconv.Itoa(maxPages) + " pages"}
}
