// Command telegent-bulk moves an MVNO partner's subscriber base onto the
// Telegent mPaaS platform from spreadsheets.
package main

import "os"

func main() { os.Exit(0) }
