package jobs

// The names under which a step keeps what it obtained (checkpoint.Record
// IDs) and what it learnt (Record.Data). Persisted: never rename one. Most
// are the results columns that show them, which are also the manifest
// columns a row gives them in (a results workbook fed back as a manifest).
const (
	colAccountID      = "AccountId"
	colSubscriberID   = "SubscriberId"
	colMessageRouteID = "MessageRouteId"
	colCallRouteID    = "CallRouteId"
	colPhoneNumberID  = "PhoneNumberId"
	colPhoneNumber    = "PhoneNumber"
	colOrderID        = "OrderId"
	colSubscriptionID = "SubscriptionId"
	colPackageID      = "PackageId"
	colFilterID       = "FilterId"

	colPortStatus       = "PortStatus"
	colDeclinedAttempts = "DeclinedAttempts"
	colLastDeclinedAt   = "LastDeclinedAt"
	colPortCompletedAt  = "PortCompletedAt"
	colPortOutStatus    = "PortOutStatus"
	colPortOutDoneAt    = "PortOutCompletedAt"
	colSubmittedAt      = "SubmittedAt"
	colEligible         = "Eligible"
	colCurrentCarrier   = "CurrentCarrier"
	colMessage          = "Message"
	colPackageName      = "PackageName"
	colPrice            = "Price"
	// colCharge is a subscription's note of how its package is billed:
	// chargeRecurring (Package.Monthly) or chargeOneTime.
	colCharge = "Charge"
	// colQRCode is the eSIM activation QR code a provision answers.
	colQRCode = "QRCode"
	// colOrderDigest shows, on a PortIns row, the fingerprint of the
	// non-secret row values its order last received (the submit record's
	// Fingerprint, a hash that no secret enters),
	// so that a results workbook fed back with a new checkpoint tells an
	// unchanged rejected row from a fixed one.
	colOrderDigest = "OrderDigest"
)

// The values of colCharge.
const (
	chargeRecurring = "recurring"
	chargeOneTime   = "one-time"
)

// The runner's own notes on a record (Record.Data), never shown as
// columns. Persisted: never rename one.
const (
	// noteCancelledOrder: a cancelled step's order.
	noteCancelledOrder = "CancelledOrderId"
	// notePreviousOrder: a resubmit's note of the order it replaces.
	notePreviousOrder = "PreviousOrderId"
	// noteUpdates, noteUpdatedOrderAt: a submit's count of the updates
	// it sent on its order, and when it sent the last one.
	noteUpdates        = "Updates"
	noteUpdatedOrderAt = "UpdatedOrderAt"
	// noteDateSent: the submit record's note of the PortInDate its order
	// was last given, as the row holds it.
	noteDateSent = "PortInDateSent"
	// noteFieldsSent: the submit record's fingerprint of the fields its
	// order was last given (by the submit or an update; see
	// updateFingerprint): never the PIN itself. noteOpenUpdates counts the
	// updates sent on the order while it was open.
	noteFieldsSent  = "UpdateFieldsSent"
	noteOpenUpdates = "OpenUpdates"
	// noteUnknownStatus, noteUnknownSince: a monitor's note of a status
	// the runner does not know and since when (on Options.Now's clock)
	// the order has shown it.
	noteUnknownStatus = "UnknownStatus"
	noteUnknownSince  = "UnknownSince"
	// noteStatusRun, noteStatusAt: a monitor's note of the run (the
	// checkpoint's count of runs) in which its order's status last
	// changed, and when; the Changes tab lists the last run's.
	noteStatusRun = "StatusChangedRun"
	noteStatusAt  = "StatusChangedAt"
	// noteSentAt: a submit's note of when it was sent, by this machine's
	// clock; noteCompletedSeen marks a completion dated when the runner
	// saw it (the order details gave no CompletedDate), to be counted from
	// noteSentAt.
	noteSentAt        = "SentAt"
	noteCompletedSeen = "CompletedSeen"
	// noteUnknownSent marks the record of a submit adopted from a
	// manifest's OrderId after the order was rejected, the row giving no
	// OrderDigest (an older results workbook): what was sent is not
	// known, so the row counts as changed, and the first rejection this
	// checkpoint sees is answered with an update carrying the row's
	// values.
	noteUnknownSent = "SentUnknown"
	// noteRefused is a subscriber create's note of the 400 or 409 the API
	// answered, kept until the subscriber list settles it; noteAdopted
	// marks a subscriber found by its e-mail after such a refusal;
	// noteConflict is the mark an older version wrote for a 409.
	noteRefused  = "Refused"
	noteAdopted  = "Adopted"
	noteConflict = "Conflict"
	// noteNumbersFence is a provision record's note of its subscriber's
	// numbers (their NIDs, comma-separated) just before the request left;
	// it is taken only for subscribers this run did not create.
	noteNumbersFence = "NumbersBefore"
	// noteOrderFence is the record's note of a number's latest order just
	// before a port submit or a port-out PIN was sent.
	noteOrderFence = "OrderBefore"
	// noteSinceBackup marks the record of a step that a restored backup
	// had not finished, with the time the backup was taken.
	noteSinceBackup = "SinceBackup"
	// noteResendUsed marks the record of a create sent again on the
	// user's word that an earlier request was not applied.
	noteResendUsed = "ResentOnRequest"
)
