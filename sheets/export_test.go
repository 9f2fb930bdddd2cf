package sheets

// SetSpillAt sets how much memory a shared strings table may take before
// it moves to a file, and returns a function that restores the setting.
func SetSpillAt(n int) (restore func()) {
	old := spillAt
	spillAt = n
	return func() { spillAt = old }
}

// SetLimit lowers one of the limits of what a file may hold (see
// readLimits), by its field name, and returns a function that restores it.
func SetLimit(name string, v int) (restore func()) {
	old := limits
	switch name {
	case "rows":
		limits.rows = v
	case "columns":
		limits.columns = v
	case "cellChars":
		limits.cellChars = v
	case "rowBytes":
		limits.rowBytes = v
	case "sheetPart":
		limits.sheetPart = int64(v)
	case "stringsPart":
		limits.stringsPart = int64(v)
	case "smallPart":
		limits.smallPart = int64(v)
	case "strings":
		limits.strings = v
	case "ratio":
		limits.ratio = int64(v)
	case "ratioFrom":
		limits.ratioFrom = int64(v)
	case "parts":
		limits.parts = v
	case "tabs":
		limits.tabs = v
	default:
		panic("no limit " + name)
	}
	return func() { limits = old }
}
