package sheets

// SetSpillAt sets how much memory a shared strings table may take before
// it moves to a file, and returns a function that restores the setting.
func SetSpillAt(n int) (restore func()) {
	old := spillAt
	spillAt = n
	return func() { spillAt = old }
}
