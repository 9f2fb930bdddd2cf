package checkpoint

import "syscall"

// dropMapped removes the pages of the mapping at addr, size bytes long,
// from the resident set (madvise MADV_DONTNEED). The mapping is of a
// file, read-only: its pages stay in the page cache, and a later read
// maps them again. An error leaves them resident, which is harmless.
func dropMapped(addr uintptr, size int64) {
	if addr == 0 || size <= 0 {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED)
}
