package checkpoint

import "hash/crc32"

// The layout of the state file. Everything that decides how bytes sit in
// the file is here; change it only together with schemaVersion.

// schemaVersion is the layout this package writes. A file with a higher
// version was written by a newer telegent-bulk and is refused.
//
//	1: records are recordFormatJSON, the run Meta is bare JSON, no count.
//	2: records are recordFormatSealed; every value in bucketMeta but
//	   keySchema is sealed (see seal); keyCount holds the record count.
//
// A version 1 file is read as it is; opening it for writing migrates it
// to version 2 first (see migrate).
const schemaVersion = 2

var (
	// bucketMeta holds keySchema, keyRun, keyCount and, in a backup,
	// keyBackup.
	bucketMeta = []byte("meta")
	// bucketSteps maps a step Key to its encoded Record.
	bucketSteps = []byte("steps")

	// keySchema is the schema version in decimal ASCII, never sealed, so
	// that every build can read it and refuse a newer file.
	keySchema = []byte("schema")
	// keyRun is the run Meta as JSON (see wireMeta), sealed.
	keyRun = []byte("run")
	// keyCount is the number of records in bucketSteps, as 8 bytes big
	// endian, sealed. Every commit keeps it, so that a record lost to
	// damage is noticed even where the file's structure still holds.
	keyCount = []byte("count")
	// keyBackup marks a backup copy: when it was taken, as JSON (see
	// wireBackup), sealed. A file restored from a backup keeps it until a
	// run has looked up what the backup could not know.
	keyBackup = []byte("backup")
)

// A value in bucketSteps is a format byte, the State as one byte, then
// the rest of the Record. Keeping the state in the header lets Count read
// it without decoding.
//
//	recordFormatJSON (schema 1): [1][state][JSON of wireRecord]
//	recordFormatSealed (schema 2): [2][state][CRC-32C, 4 bytes big endian][fields]
//
// The CRC covers the key and the whole value but the CRC itself (see
// recordSum). The fields are tagged (see the field constants in
// encoding.go): a tag, a length and that many bytes each, so that a build
// skips the tags it does not know. Persisted values are stable: add tags
// at the end, never renumber.
const (
	recordFormatJSON   byte = 1
	recordFormatSealed byte = 2

	recordHeaderSize = 2 // format and state
	recordSumSize    = 4 // the CRC after the header, in sealed records
)

// A sealed value in bucketMeta is sealFormat, a CRC-32C (4 bytes big
// endian) of the key and the payload, then the payload.
const (
	sealFormat     byte = 2
	sealHeaderSize      = 1 + 4
)

// castagnoli is CRC-32C, which current CPUs compute in hardware.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// backupSuffix names the backup beside a checkpoint: run.db.bak.
const backupSuffix = ".bak"
