package report

import (
	"bytes"
	"context"
	"github.com/fnguard/fnguard/internal/osvtest"
	"path/filepath"
	"sort"
	"testing"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// exampleApp is the bundled example application: a SAM template whose
// OrdersFunction ships minimist 1.2.5 and runs with Action "*".
const exampleApp = "../examples/orders-app"

// zipRecords reads the OSV records of a zip as the database is built from
// (examples/osv/npm/all.zip is the example's own database source).
func zipRecords(t testing.TB, file string) []*osv.Record {
	t.Helper()
	return osvtest.ZipRecords(t, file)
}

// appFixture loads an application, inventories it and matches it against
// real records the way vulndb.Scan does (see fixtureResult).
func appFixture(t testing.TB, dir string, recs []*osv.Record) (*vulndb.Result, *release.Release) {
	t.Helper()
	a, err := app.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := &vulndb.Result{Inventory: inv, Database: vulndb.DatabaseInfo{
		Path: "/home/ci/.cache/fnguard/osv.db", Updated: testNow.Add(-3 * 3600e9),
		Ecosystems: map[string]vulndb.EcosystemStatus{"npm": {Name: "npm", Records: len(recs), Updated: testNow.Add(-3 * 3600e9)}},
	}}
	for _, art := range inv.Artifacts {
		for _, p := range art.Packages {
			found, err := osv.MatchPackage(recs, p.Ecosystem, p.Name, p.Version)
			if err != nil {
				t.Fatalf("%s %s: %v", p.Name, p.Version, err)
			}
			var ids []string
			var matched []*osv.Record
			for _, f := range found {
				res.Findings = append(res.Findings, &vulndb.Finding{Finding: f, Package: p})
				ids = append(ids, f.ID)
				matched = append(matched, f.Records...)
			}
			if len(found) > 0 {
				fix := vulndb.Fix{Package: p, Clears: ids}
				if v, ok := osv.ClearingVersion(matched, p.Ecosystem, p.Name, p.Version); ok {
					fix.Version = v
				}
				res.Fixes = append(res.Fixes, fix)
			}
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.Package.Artifact != b.Package.Artifact {
			return a.Package.Artifact < b.Package.Artifact
		}
		return a.ID < b.ID
	})
	return res, rel
}

// exampleReport is the bundled example scanned and gated under
// testdata/app/policy.yaml.
func exampleReport(t testing.TB) (*vulndb.Result, *gate.Verdict, Options) {
	t.Helper()
	res, rel := appFixture(t, exampleApp, zipRecords(t, "../examples/osv/npm/all.zip"))
	p, err := gate.LoadPolicyAs(filepath.Join("testdata", "app", "policy.yaml"), ".fnguard.yaml", testNow)
	if err != nil {
		t.Fatal(err)
	}
	v := gate.EvaluateWith(res, gate.Input{Policy: p, Now: testNow, Release: rel})
	opts := testOptions()
	opts.Release = rel
	return res, v, opts
}

func renderApp(t testing.TB, format string) []byte {
	t.Helper()
	res, v, opts := exampleReport(t)
	var buf bytes.Buffer
	if err := Write(&buf, format, res, v, opts); err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	return buf.Bytes()
}
