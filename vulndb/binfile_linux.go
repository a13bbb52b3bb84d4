package vulndb

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memoryFile writes data to a memfd and names it by its /proc path, which
// any open in this process reaches.
func memoryFile(data []byte) (string, func(), bool) {
	fd, err := unix.MemfdCreate("fnguard-gobinary", unix.MFD_CLOEXEC)
	if err != nil {
		return "", nil, false
	}
	f := os.NewFile(uintptr(fd), "fnguard-gobinary")
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", nil, false
	}
	if _, err := os.Stat(path); err != nil {
		f.Close() // no /proc: the path would not open
		return "", nil, false
	}
	return path, func() { f.Close() }, true
}
