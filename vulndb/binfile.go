package vulndb

import "os"

// binaryFile puts an executable inflated from an archive where
// govulncheck, which only opens paths, can read it, and returns that path
// and how to let it go. Where the system offers an anonymous memory file
// (Linux's memfd) it is one: nothing is written to disk, nothing is left
// behind by a killed scan, and there is no disk writeback to wait on (a
// 10 MB temp file took 2.5 ms to write, or 28 ms when the previous one's
// blocks were still being released). Elsewhere, or if that is refused,
// it is a file in the temp directory.
func binaryFile(data []byte) (path string, done func(), err error) {
	if path, done, ok := memoryFile(data); ok {
		return path, done, nil
	}
	return tempFile(data)
}

func tempFile(data []byte) (path string, done func(), err error) {
	tmp, err := os.CreateTemp("", "fnguard-gobinary-*")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.Remove(tmp.Name()) }
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		done()
		return "", nil, err
	}
	if err := tmp.Close(); err != nil {
		done()
		return "", nil, err
	}
	return tmp.Name(), done, nil
}
