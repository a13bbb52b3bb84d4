package vulndb

import (
	"bytes"
	"os"
	"runtime"
	"testing"
)

// Both homes of an executable handed to govulncheck hold its bytes under
// a path that opens, and are gone once let go.
func TestBinaryFile(t *testing.T) {
	data := bytes.Repeat([]byte("\x7fELF not really "), 100_000)
	homes := map[string]func([]byte) (string, func(), error){"temp file": tempFile, "binaryFile": binaryFile}
	if runtime.GOOS == "linux" {
		homes["memfd"] = func(d []byte) (string, func(), error) {
			p, done, ok := memoryFile(d)
			if !ok {
				t.Fatal("memfd refused on linux")
			}
			return p, done, nil
		}
	}
	for name, home := range homes {
		path, done, err := home(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: read back %d bytes, %v", name, len(got), err)
		}
		done()
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s: %s still there after done", name, path)
		}
	}
}
