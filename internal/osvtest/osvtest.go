// Package osvtest reads OSV records for tests: one copy of the code that
// opens an export zip (osv.dev's <Ecosystem>/all.zip layout), so each
// package's tests match against the same real records.
package osvtest

import (
	"archive/zip"
	"io"
	"testing"

	"github.com/fnguard/fnguard/vulndb/osv"
)

// ZipRecords parses every record of an export zip, failing the test on any
// error.
func ZipRecords(t testing.TB, file string) []*osv.Record {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []*osv.Record
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		r, err := osv.Parse(data)
		if err != nil {
			t.Fatalf("%s: %s: %v", file, f.Name, err)
		}
		out = append(out, r)
	}
	return out
}
