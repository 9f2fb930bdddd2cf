// Package sandbox is a stateful, deliberately hostile local simulator of the
// Telegent mPaaS API. Tests, demos and benchmarks run the bulk runner against
// it over real HTTP, then assert through its state (GET /_sandbox/state)
// what was created, and how many times.
//
// It serves every endpoint the runner uses, with the API's paths, field names,
// ID prefixes (AID-, TSUID-, MRID-, CRID-, NID-, JNUOID-, SUB-, MFID-, PID-)
// and validation: 400 with {"StatusCode":400,"Message":"..."} naming the bad
// field, 404 for an unknown ID, 409 for a conflict such as an email that
// already exists. Tokens are bound to the ApiEndpoint URL path they were
// issued for (403 elsewhere) and expire on the sandbox's virtual clock (401).
// Faults are options, not test hacks: a rate limit answered with 429 and
// Retry-After, added latency, injected 500/503/504 before any change, and
// lost responses after the change was committed, which is the case that
// makes resuming hard. docs/sandbox.md lists the preloaded catalog and
// numbers, the port-in test numbers and the port clock.
//
// The package knows the wire types of package telegent and nothing else of
// the project: not the manifest, the plan, the runner or the checkpoint.
//
// Where the vendor documents are silent the sandbox assumes:
//
//   - GET /v1.0/distributor/accounts lists accounts (AccountList) and
//     GET /v1.0/voice/routes without CallRouteId lists voice routes
//     (VoiceRouteList); neither page exists in the vendor docs.
//   - Every list endpoint takes PageNumber (1-based) and TotalPerPage; without
//     them it answers everything. Query parameter names match
//     case-insensitively.
//   - An inventory record carries the latest order that touched the number
//     (OrderId, OrderType provision|portin|portout). A port-in creates the
//     record with Status "Porting" and no PhoneNumberId; completion makes it
//     "Active" with a NID-; a cancelled or finally rejected port leaves it
//     "Cancelled", and a fresh port-in may reuse it.
//   - Port orders use the JNUOID- prefix. The submit answer says "Pending";
//     order details then say "Submitted", "Pending Carrier Approval",
//     "Scheduled", "Completed", "Rejected" or "Cancelled". A rejection sets
//     OrderStatusCode to a machine-readable reason (ACCOUNT_NUMBER_MISMATCH,
//     PIN_INVALID, NAME_MISMATCH, PORT_PROTECTED, ADDRESS_MISMATCH,
//     NOT_ACTIVE); NOT_ACTIVE is final: updating that order is 409, as on a
//     Completed or Cancelled one. Provision orders are "Complete" at once.
//   - Submitting a port-in for a number that eligibility calls not portable
//     is 400; for one already active on the platform, 409.
//   - A number's subscriber must belong to the number's account (400
//     otherwise); without an AccountId a number takes its subscriber's.
//     numbers/update changes Active numbers only (409 for one still porting).
//   - Provision never hands out a line number 9900-9999, so a provisioned
//     number never looks like a port-in test number.
//   - Port-out orders stay "Pending": the gaining carrier's side is not
//     simulated. Each call issues a new order.
//   - Data usage settings are kept per number; a request naming a number that
//     is not in the inventory or not data-enabled is 400 naming the number.
//   - Products (PRID-) are not served: the wire types have no product list.
//
// Secrets (subscriber passwords, port PINs, route password tokens) are never
// stored in clear or logged, and returned only by the echo fault
// (Options.EchoRate), which quotes a request back as some APIs do. A port-in's account password is kept
// only as a digest keyed by a key each process draws for itself, in memory,
// enough to notice that an update changed it; the rest are not kept at all.
// The data file holds neither the key nor any digest (a 4-digit PIN is
// recovered from a keyed digest by whoever has the key), so after a restart
// on the same file an update that supplies a password counts as changing
// it, and tokens issued before the restart are refused (401).
//
// Port orders move lazily: their status is computed from their timestamps
// against the virtual clock (real time plus Advance) whenever they are read,
// so no goroutine runs in the background. With Options.DataFile the state
// lives in a bbolt file, written in the same critical section as each change
// and before the answer, so it survives the process being killed.
package sandbox
