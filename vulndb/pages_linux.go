package vulndb

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropMapped tells the kernel the mapped pages are not needed: they leave
// the process's resident set and stay in the page cache, so a later read
// faults them back in cheaply. Errors only mean the pages stay resident.
func dropMapped(b *bolt.DB, size int64) {
	info := b.Info()
	if info == nil || info.Data == 0 || size <= 0 {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(size), syscall.MADV_DONTNEED)
}
