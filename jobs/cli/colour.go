package cli

import "strings"

// stateColours are the ANSI colours of step and row states.
var stateColours = map[string]string{
	"done":            "32", // green
	"failed":          "31", // red
	"skipped":         "33", // yellow
	"needs attention": "33",
	"attention":       "33",
	"waiting":         "36", // cyan
	"cancelled":       "90", // grey
}

// Paint returns text in the colour of state when on, else text as is.
func Paint(state, text string, on bool) string {
	c, ok := stateColours[strings.ToLower(state)]
	if !on || !ok || text == "" {
		return text
	}
	return "\x1b[" + c + "m" + text + "\x1b[0m"
}

// ColourOn tells whether to colour what goes to a terminal: it is one,
// and NO_COLOR (https://no-color.org) is not set to anything, and TERM is
// not "dumb".
func ColourOn(terminal bool, getenv func(string) string) bool {
	return terminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
