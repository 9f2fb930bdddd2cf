package checkpoint

// The layout of the state file. Everything that decides how bytes sit in
// the file is here; change it only together with schemaVersion.

// schemaVersion is the layout this package writes. A file with a higher
// version was written by a newer telegent-bulk and is refused.
const schemaVersion = 1

var (
	// bucketMeta holds keySchema and keyRun.
	bucketMeta = []byte("meta")
	// bucketSteps maps a step Key to its encoded Record.
	bucketSteps = []byte("steps")

	// keySchema is the schema version in decimal ASCII.
	keySchema = []byte("schema")
	// keyRun is the run Meta as JSON (see wireMeta).
	keyRun = []byte("run")
)

// A value in bucketSteps is recordFormat, the State as one byte, then the
// rest of the Record as JSON (see wireRecord). Keeping the state outside
// the JSON lets Count read it without decoding.
const (
	recordFormat     byte = 1
	recordHeaderSize      = 2
)
