package gate

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fnguard/fnguard/internal/identity"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/lockfiles/categories"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// now is the fixed clock of the tests.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

var (
	recordsOnce sync.Once
	records     map[string][]*osv.Record // by ecosystem folder
	recordsErr  error
)

// ecoRecords returns the real OSV records of testdata/osv/<eco>/.
func ecoRecords(t testing.TB, eco string) []*osv.Record {
	t.Helper()
	recordsOnce.Do(func() {
		records = map[string][]*osv.Record{}
		files, err := filepath.Glob(filepath.Join("testdata", "osv", "*", "*.json"))
		if err != nil || len(files) == 0 {
			recordsErr = err
			return
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				recordsErr = err
				return
			}
			r, err := osv.Parse(data)
			if err != nil {
				recordsErr = err
				return
			}
			e := filepath.Base(filepath.Dir(f))
			records[e] = append(records[e], r)
		}
	})
	if recordsErr != nil || len(records) == 0 {
		t.Fatalf("reading testdata/osv: %v", recordsErr)
	}
	return records[eco]
}

// pkg builds the inventory package a lockfile would give.
func pkg(eco, name, version string) *lockfiles.Package {
	p := &lockfiles.Package{Ecosystem: eco, Name: name, Version: version, Artifact: "function.zip",
		Categories: categories.Lookup(eco, name)}
	p.PURL = identity.Of(eco, name, version, "").PURL
	return p
}

// match runs the real matcher for one package and wraps its findings as a
// scan would.
func match(t testing.TB, eco, name, version string) []*vulndb.Finding {
	t.Helper()
	p := pkg(eco, name, version)
	fs, err := osv.MatchPackage(ecoRecords(t, eco), eco, name, version)
	if err != nil {
		t.Fatalf("MatchPackage %s %s@%s: %v", eco, name, version, err)
	}
	if len(fs) == 0 {
		t.Fatalf("%s %s@%s: no findings; the test data does not cover it", eco, name, version)
	}
	out := make([]*vulndb.Finding, len(fs))
	for i := range fs {
		out[i] = &vulndb.Finding{Finding: fs[i], Package: p}
	}
	return out
}

// result builds a scan result from packages given as eco, name, version
// triples.
func result(t testing.TB, pkgs ...[3]string) *vulndb.Result {
	t.Helper()
	res := &vulndb.Result{}
	for _, p := range pkgs {
		res.Findings = append(res.Findings, match(t, p[0], p[1], p[2])...)
	}
	return res
}
