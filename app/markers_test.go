package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// scanMarkers streams a file in 64 KiB chunks: a marker that straddles two
// chunks is still seen, one past the limit is not, and an escape is noticed.
func TestScanMarkers(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, parts ...[]byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Join(parts, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pad := func(n int) []byte { return bytes.Repeat([]byte(" "), n) }
	marker := []byte("AWS::Lambda::Function")
	for _, split := range []int{1, 10, len(marker) - 1} {
		p := write("split.json", []byte(`{"Resources":`), pad(64<<10-len(`{"Resources":`)-split), marker, []byte("}"))
		if typ, res, esc := scanMarkers(p, MaxDefinitionBytes); !typ || !res || esc {
			t.Errorf("split %d: type %v resources %v escape %v, want true true false", split, typ, res, esc)
		}
	}
	past := write("past.json", []byte(`{"Resources":`), pad(200<<10), marker)
	if typ, _, _ := scanMarkers(past, 100<<10); typ {
		t.Error("a marker past the limit was seen")
	}
	if typ, res, esc := scanMarkers(write("lock.json", []byte(`{"name":"x","packages":{"":{"description":"caf\u00e9"}}}`)), MaxDefinitionBytes); typ || res || !esc {
		t.Errorf("lockfile: type %v resources %v escape %v, want false false true", typ, res, esc)
	}
	if typ, res, esc := scanMarkers(filepath.Join(dir, "missing"), MaxDefinitionBytes); typ || res || esc {
		t.Error("a missing file has markers")
	}
}
