// Package telegent is the typed client of the Telegent mPaaS REST API used by
// the bulk runner: one method per endpoint the runner needs, with the wire
// types of wire.go as request and answer bodies.
//
// The client owns everything about talking to the API and nothing about
// manifests, plans or checkpoints; it imports none of the project's packages.
// It takes care of:
//
//   - Tokens. The API issues one bearer token per endpoint URL (its
//     ApiEndpoint scope). The client keeps one token per scope (base URL plus
//     path, without the query), fetches it once however many goroutines need
//     it at the same moment, refreshes it shortly before it expires, and on a
//     401 drops it, authenticates again and retries, once per 401. The token
//     for that retry is one whose fetch started after the refused request
//     was sent: a token fetched earlier (by another goroutine, or still
//     being fetched) may be just as stale, since the server's clock, not
//     this machine's, decides expiry. A 401 on that fresh token before any
//     answer accepted it is returned, classified retry, not fail-row: it is
//     token trouble, not the row's, and a later try of the row starts with
//     yet another token. A replacement that served (a retry after a 5xx or
//     a 429) and then expired in turn is replaced again. The token is checked
//     again after the limiter's wait, so a long wait does not send a stale
//     one.
//   - Errors. Every API failure is an *Error (operation, status, the API's
//     message). Classify tells the caller whether to retry later, fail the
//     row, abort the run, or reconcile a create whose outcome is unknown.
//   - Retries. Calls that only read or set state are retried on 408, 429,
//     500, 502, 503, 504 and network errors with exponential backoff and
//     jitter, honouring Retry-After. Creates are re-sent only when the
//     request surely was not applied; when it may have been (a 502 or 504, a
//     timeout or a dropped connection after the request was written, or the
//     caller's context ending after it was written) the error wraps
//     ErrOutcomeUnknown and the call is never re-sent, because the API has no
//     idempotency keys: a second provision buys a second number. Such an
//     error still wraps its cause (the network error, context.Canceled or
//     context.DeadlineExceeded). An answer that arrived whole is used even
//     if the caller's context ended while it was being read.
//   - A 500 on a create is re-sent, as the API's guidance says (retry
//     500), while a dropped connection, a timeout or a 504 leave the
//     outcome unknown: a 500 is an answer from the server, which reports that it failed
//     to handle the request, whereas a 502 or 504 comes from a gateway that
//     does not know what the server behind it did. A server that applied a
//     create and then failed with 500 would get it twice; nothing in the
//     vendor's documents says the API does that, and the sandbox injects
//     500 only before any change.
//   - Rate. Every HTTP attempt, token fetches and retries included, waits on
//     the shared Limiter: a token bucket of golang.org/x/time/rate whose
//     rate a small controller sets from the answers. NewAutoLimiter starts
//     at a safe rate and raises it while the answers come back clean,
//     settling under the first rate the server refuses; NewLimiter holds
//     the rate given and backs off only while the server refuses it. Both
//     tell refusals that stop when the client slows down (the server is
//     saturated) from refusals that come whatever the rate (noise) or in
//     one burst (a stall), which cost no rate (see Limiter). A refused
//     attempt waits out its Retry-After before it is sent again; a
//     Retry-After longer than a second pauses every attempt.
//
// Bodies, tokens, the account secret and the secret fields of requests
// (passwords, PINs, route password tokens) never appear in an error, in an
// Attempt given to the Observer, or in a log. An answer that quotes the
// request has them masked in every spelling it may use (JSON- or
// URL-escaped, whitespace collapsed, cut short) before its message is
// collapsed to one line and cut to 512 characters.
//
// # Where the vendor documents disagree
//
// The vendor's pages contradict each other in places. The client settles
// them as follows:
//
//   - ID prefixes (TSUID- vs SID-, PID- vs PKID-, JNUOID- vs JNOID-) are
//     treated as opaque strings: the client never parses or checks them.
//   - A new port-in answers Pending while the lifecycle guide starts at
//     Submitted. Both mean the same: the order is open and nothing is decided
//     yet (see PortOpen).
//   - Provision orders finish as Complete, port orders as Completed; both
//     constants exist and callers compare against the one for the order type.
//   - Where the seeds disagree on a wire value, seed 002 (the newest and
//     most complete) is followed. TargetPortinClassification is mvno/iot
//     (seed 001's enum); eligibility's TargetClassification is sent as
//     seed 002's example sends it (mvno), with Landline for a wireline (the
//     changelog's other value). The client sends what the caller gives;
//     the runner spells it so.
//   - The submit body has no PortInDate (seed 001's schema, seed 002's
//     example): a date goes to the order by an update, written
//     MM/DD/YYYY as seed 002's example writes it (PortInDateLayout); the
//     reference page's YYYY-MM-DD is not used.
//   - AccountId goes on every create the documents make it required on for
//     a distributor with more than one account: subscribers (always),
//     message and voice routes, provisions (seed 002 §2, §4, §8.1). Seed
//     002 shows no AccountId on subscriptions or port-ins, so none is sent.
//   - Voice routes carry seed 002's failover fields under the vendor's own
//     spellings (Trunk1Priortiy); the IP allow list is sent as IpWhitelist
//     (the update page) and read back as either spelling.
//   - "Email already exists" is a 400 in seed 002's error table, which
//     lists no 409; a refused subscriber create is settled by the caller
//     through the distributor's subscriber list, not by the message text.
//   - Only OrderDate, OrderId, OrderStatus, OrderType, PhoneNumbersOrdered
//     and OrderStatusMessage of an order are documented; the other fields
//     of OrderDetails (PhoneNumberId, OrderStatusCode, DeclinedAttempts,
//     LastDeclinedAt, CompletedDate, PortInDate), and OrderId, OrderType
//     and CreatedAt of an inventory record, are decoded when an API sends
//     them and are empty otherwise. Callers use them only when present.
//   - The token path is spelled /v1.0/oauth2/tokens (the guides) rather than
//     /v1.0/OAuth2/tokens (the OpenAPI block); the API matches paths without
//     regard to case.
//   - A token used on the wrong endpoint is answered 401 by one page and 403
//     by another. Only 401 triggers re-authentication; a 403 fails the row,
//     since a fresh token for the same scope would be refused the same way.
//   - GET /v1.0/distributor/accounts and the list form of GET
//     /v1.0/voice/routes are assumed endpoints that the vendor does not
//     document (the sandbox serves them only in its extended profile). On
//     the real API they may answer 404; callers treat that as "cannot
//     reconcile by lookup", not as "nothing exists".
//   - The inventory's filter parameters (PhoneNumber, SubscriberId,
//     AccountId, Status) are assumed names: the vendor says the list is
//     filterable but not how. Callers match every record themselves, so a
//     filter the API ignores costs time, never correctness.
package telegent
