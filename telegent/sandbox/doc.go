// Package sandbox is a stateful, deliberately hostile local simulator of the
// Telegent mPaaS API. Tests, demos and benchmarks run the bulk runner against
// it over real HTTP, then assert through its state (GET /_sandbox/state)
// what was created, and how many times.
//
// It serves every endpoint the runner uses, with the API's paths, field names,
// ID prefixes (AID-, TSUID-, MRID-, CRID-, NID-, JNUOID-, SUB-, MFID-, PID-)
// and validation: 400 with {"StatusCode":400,"Message":"..."} naming the bad
// field, 404 for an unknown ID. Tokens are bound to the whole ApiEndpoint URL
// they were issued for, scheme, host with port and path (403 elsewhere), and
// expire on the sandbox's virtual clock (401). Account-scoped creates (routes,
// provision) need AccountId once the distributor has more than one account.
// Faults are options, not test hacks: a rate limit answered with 429 and
// Retry-After, added latency, injected 500/503/504 before any change, and
// lost responses after the change was committed, which is the case that
// makes resuming hard. docs/sandbox.md lists the preloaded catalog and
// numbers, the port-in test numbers, the port clock, and per endpoint the
// keys each profile answers.
//
// # Profiles
//
// Options.Profile chooses what is served. ProfileDocumented, the default,
// serves the API as the vendor documents show it: each answer holds only the
// keys the documents show for its endpoint, errors use only the codes of the
// documented error table (a conflict, such as an email that already exists,
// is a 400: the table has no 409), and GET /v1.0/distributor/accounts and
// the voice route list (GET /v1.0/voice/routes without CallRouteId), which
// no document has, answer 404. ProfileExtended adds what the sandbox infers:
// those two lists, 409 for a conflict, the order's PhoneNumberId,
// OrderStatusCode, PortInDate, CompletedDate, DeclinedAttempts and
// LastDeclinedAt, and the inventory record's OrderId, OrderType, CreatedAt
// and AccountId. The state and the validation are the same under both, and
// the data file holds nothing that depends on the profile.
//
// The package knows the wire types of package telegent and nothing else of
// the project: not the manifest, the plan, the runner or the checkpoint.
// Server is an http.Handler to serve as the caller likes; StartLocal serves
// one on a free loopback port, with its data file where DataFileBeside puts
// it, for a run that tries the tool without the real API.
//
// # Assumptions
//
// Where the vendor documents are silent both profiles assume (docs/sandbox.md
// gives each one's source and what a client should do when it does not
// hold):
//
//   - Inventory records carry PhoneNumber, PhoneNumberId, NumberType,
//     MessageType, the three *Enabled flags, ProductType, MessageRouteId,
//     VoiceRouteId, SubscriberId, ICCID and Status; the list filters on
//     PhoneNumber, SubscriberId and Status. A port-in creates the record
//     with Status "Porting" and no PhoneNumberId; completion makes it
//     "Active" with a NID-; a cancelled, finally rejected or failed (Error)
//     port leaves it "Cancelled", and a fresh port-in may reuse it.
//   - Every list takes PageNumber (1-based) and TotalPerPage; without them it
//     answers everything. Query parameter names match case-insensitively.
//     The distributor subscriber list answers TotalSubscribers, PageNumber,
//     TotalPerPage and Results. The account message route list takes no
//     parameters and lists every route, as its page says.
//   - Port orders use the JNUOID- prefix. The submit answer says "Pending";
//     order details then say "Submitted", "Pending Carrier Approval",
//     "Scheduled", "Completed", "Rejected" or "Cancelled", one stage per
//     PortStep. A rejection's OrderStatusMessage opens with the decline
//     family a carrier reports (account number, PIN, name, address, postal
//     code, billing PIN, port protection, number not active), and an update
//     that changes the detail it names clears it; "Number not active" is
//     final. Test number 9920 goes to "Error" and 9921 to "On Hold", a
//     status no document names. Provision orders are "Complete" at once.
//   - Submitting a port-in for a number that eligibility calls not portable
//     is a 400; for one already active or porting, a conflict (400; 409
//     under the extended profile).
//   - A number's subscriber must belong to the number's account (400
//     otherwise); without an AccountId, with one account only, a create
//     belongs to it. numbers/update changes Active numbers only.
//   - Provision never hands out a line number 9900-9999, nor a number a
//     port-in eligibility check named (kept in the data file), so that the
//     port-in of the same manifest finds its number free.
//   - Port-out orders stay "Pending": the gaining carrier's side is not
//     simulated. Each call issues a new order.
//   - Data usage settings are kept per number; a request naming a number that
//     is not in the inventory or not data-enabled is 400 naming the number.
//   - Tokens live 5 minutes unless Options.TokenTTL says otherwise.
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
