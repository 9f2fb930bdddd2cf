// Package samples holds the example manifests: migration.xlsx and the same
// manifest as CSV files in migration/ (three accounts, their subscribers,
// routes, new numbers of every type, a porting campaign that meets each of
// the sandbox's port-in outcomes, and two port-out PINs), and bad-rows.xlsx
// (one problem per row, each explained in its Notes column).
//
// The files are written by ./gen and must not be edited by hand: change the
// generator and run go generate. The package has no code of its own; its
// tests check that the committed files are what the generator writes, and
// ask the plan package whether they validate. It must not know the
// validation rules itself.
package samples

//go:generate go run ./gen
