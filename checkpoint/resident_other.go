//go:build !linux

package checkpoint

// dropMapped does nothing where the kernel is not Linux: the pages stay
// resident.
func dropMapped(addr uintptr, size int64) {}
