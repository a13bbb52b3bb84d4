package vulndb

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadModifiedIDs(t *testing.T) {
	csv := "2026-01-03T00:00:00Z,GHSA-aaaa-bbbb-cccc\n2026-01-02T10:00:00.5Z,PYSEC-2026-1\r\n\n2026-01-01T00:00:00Z,GO-2026-1\n2025-01-01T00:00:00Z,MAL-2025-1\n"
	all := func(modifiedEntry) bool { return true }
	got, err := readModifiedIDs(strings.NewReader(csv), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10, all)
	if err != nil || len(got) != 3 || got[1].ID != "PYSEC-2026-1" || got[2].ID != "GO-2026-1" {
		t.Errorf("readModifiedIDs = %v, %v", got, err)
	}
	// The cut-off stops reading: a broken line after it is never seen.
	if _, err := readModifiedIDs(strings.NewReader(csv+"garbage\n"), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10, all); err != nil {
		t.Errorf("line after the cut-off was read: %v", err)
	}
	if _, err := readModifiedIDs(strings.NewReader(csv), time.Time{}, 2, all); err != errTooMany {
		t.Errorf("max 2: err = %v, want errTooMany", err)
	}
	skipGHSA := func(e modifiedEntry) bool { return !strings.HasPrefix(e.ID, "GHSA") }
	if got, err := readModifiedIDs(strings.NewReader(csv), time.Time{}, 3, skipGHSA); err != nil || len(got) != 3 {
		t.Errorf("with need filter: %v, %v", got, err)
	}
	for _, bad := range []string{
		"2026-01-01T00:00:00Z GHSA-x\n",                            // no comma
		"yesterday,GHSA-x\n",                                       // bad time
		"2026-01-01T00:00:00Z,../../etc/passwd\n",                  // path in id
		"2026-01-01T00:00:00Z,a/b\n",                               // slash
		"2026-01-01T00:00:00Z,\n",                                  // empty id
		"2026-01-01T00:00:00Z,A\n2026-02-01T00:00:00Z,B\n",         // not newest first
		"2026-01-01T00:00:00Z," + strings.Repeat("A", 5000) + "\n", // overlong line
	} {
		if _, err := readModifiedIDs(strings.NewReader(bad), time.Time{}, 10, all); err == nil {
			t.Errorf("accepted %.60q", bad)
		}
	}
}

func FuzzReadModifiedIDs(f *testing.F) {
	f.Add([]byte("2026-01-03T00:00:00Z,GHSA-aaaa-bbbb-cccc\n2026-01-02T10:00:00.5Z,PYSEC-2026-1\n"), int64(0))
	f.Add([]byte("2026-01-01T00:00:00Z,../x\n"), int64(1767225600))
	f.Add([]byte("\n\r\n,\n"), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, since int64) {
		got, err := readModifiedIDs(bytes.NewReader(data), time.Unix(since, 0), 100, func(modifiedEntry) bool { return true })
		if err != nil {
			return
		}
		for i, e := range got {
			if !validID(e.ID) || strings.ContainsAny(e.ID, "/\\") || e.Modified.Before(time.Unix(since, 0)) {
				t.Fatalf("accepted entry %+v", e)
			}
			if i > 0 && e.Modified.After(got[i-1].Modified) {
				t.Fatalf("entries out of order: %v", got)
			}
		}
	})
}

func FuzzReadZip(f *testing.F) {
	raws, _ := filepath.Glob(filepath.Join("testdata", "records", "*", "*.json"))
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, p := range raws[:3] {
		b, _ := os.ReadFile(p)
		w, _ := zw.Create(filepath.Base(p))
		w.Write(b)
	}
	w, _ := zw.Create("BAD.json")
	w.Write([]byte("{"))
	zw.Close()
	f.Add(zb.Bytes())
	f.Add(zb.Bytes()[:zb.Len()/2])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		invalid, err := readZip(bytes.NewReader(data), int64(len(data)), "fuzz.zip", func(z zipRecord) error {
			if z.rec == nil || !validID(z.rec.ID) || len(z.raw) > maxRecordBytes {
				t.Fatalf("bad record passed on: %+v", z.rec)
			}
			n++
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.zip") {
			t.Fatalf("error does not name the zip: %v", err)
		}
		for _, i := range invalid {
			if i.Name == "" || i.Err == "" {
				t.Fatalf("invalid record without name or reason: %+v", i)
			}
		}
	})
}

// Stored values come from a file on disk that may be damaged; decoding must
// fail cleanly and within its size bound.
func FuzzDecompress(f *testing.F) {
	f.Add(compress([]byte(`{"id":"X-1","modified":"2024-01-01T00:00:00Z"}`)))
	f.Add([]byte("not deflate"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decompress(data)
		if err == nil && len(out) > maxStoredRecord {
			t.Fatalf("decompressed %d bytes", len(out))
		}
		if err == nil && !bytes.Equal(decompressOrNil(compress(out)), out) {
			t.Fatal("round trip differs")
		}
	})
}

func decompressOrNil(b []byte) []byte {
	out, _ := decompress(b)
	return out
}

func TestEcosystemsTxt(t *testing.T) {
	got := parseEcosystems([]byte("npm\r\n\n PyPI \nDebian:12\n"))
	if strings.Join(got, ",") != "npm,PyPI,Debian:12" {
		t.Errorf("parseEcosystems = %q", got)
	}
}
