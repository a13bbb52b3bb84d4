package report

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// testNow is the report time of every golden file.
var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{ToolVersion: "0.9.0-test", Now: testNow}
}

// loadRecords reads the real OSV records in testdata/records (see
// testdata/README.md for where each comes from).
func loadRecords(t testing.TB) []*osv.Record {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no records in testdata/records: %v", err)
	}
	sort.Strings(files)
	var out []*osv.Record
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := osv.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, r)
	}
	return out
}

func pkg(artifact, eco, name, version, purl, location string, cats ...string) *lockfiles.Package {
	return &lockfiles.Package{Ecosystem: eco, Name: name, Version: version, PURL: purl,
		Locations: []string{location}, Artifact: artifact, Categories: cats, Licenses: []string{"MIT"}}
}

// fixtureInventory is a Node.js function with a Python layer, a Go function
// and a repository lockfile: every artifact kind a release holds, with the
// same lodash in two artifacts.
func fixtureInventory() *lockfiles.Inventory {
	fn := &lockfiles.Artifact{Path: "function.zip", Kind: lockfiles.KindFunction, Runtime: "nodejs",
		Component: &lockfiles.Component{Name: "orders-api", Version: "1.4.0", PURL: "pkg:npm/orders-api@1.4.0"}}
	unchecked := pkg("function.zip", "npm", "internal-utils", "file:../utils", "", "node_modules/internal-utils/package.json")
	unchecked.VersionError = `invalid npm version "file:../utils"`
	fn.Packages = []*lockfiles.Package{
		pkg("function.zip", "npm", "sequelize", "5.21.5", "pkg:npm/sequelize@5.21.5", "node_modules/sequelize/package.json", "orm"),
		pkg("function.zip", "npm", "lodash", "4.17.15", "pkg:npm/lodash@4.17.15", "node_modules/lodash/package.json"),
		pkg("function.zip", "npm", "execution-time-async", "1.0.0", "pkg:npm/execution-time-async@1.0.0", "node_modules/execution-time-async/package.json"),
		pkg("function.zip", "npm", "pg", "8.11.3", "pkg:npm/pg@8.11.3", "node_modules/pg/package.json", "db-driver"),
		unchecked,
	}
	layer := &lockfiles.Artifact{Path: "layer.zip", Kind: lockfiles.KindLayer, Runtime: "python", Parent: "function.zip",
		Packages: []*lockfiles.Package{
			pkg("layer.zip", "PyPI", "sqlalchemy", "1.2.17", "pkg:pypi/sqlalchemy@1.2.17", "python/SQLAlchemy-1.2.17.dist-info/METADATA", "orm"),
		}}
	gofn := &lockfiles.Artifact{Path: "bootstrap.zip", Kind: lockfiles.KindFunction, Runtime: "go",
		Component: &lockfiles.Component{Name: "example.com/billing", Version: "v0.2.0", PURL: "pkg:golang/example.com/billing@v0.2.0"},
		Packages: []*lockfiles.Package{
			pkg("bootstrap.zip", "Go", "golang.org/x/text", "v0.3.5", "pkg:golang/golang.org/x/text@v0.3.5", "bootstrap"),
		}}
	lock := &lockfiles.Artifact{Path: "services/web/package-lock.json", Kind: lockfiles.KindLockfile, Runtime: "nodejs", Complete: true,
		Packages: []*lockfiles.Package{
			pkg("services/web/package-lock.json", "npm", "axios", "0.21.1", "pkg:npm/axios@0.21.1", "services/web/package-lock.json"),
			pkg("services/web/package-lock.json", "npm", "lodash", "4.17.15", "pkg:npm/lodash@4.17.15", "services/web/package-lock.json"),
		}}
	return &lockfiles.Inventory{
		Artifacts: []*lockfiles.Artifact{fn, layer, gofn, lock},
		Warnings:  []lockfiles.Warning{{Artifact: "function.zip", Location: "node_modules/internal-utils/package.json", Message: `version "file:../utils" is not a registry version`}},
	}
}

// fixtureResult matches the inventory against the records the way
// vulndb.Scan does (osv.MatchPackage, osv.ClearingVersion, Go versions
// without their "v"), so the findings carry real severities, fixes and
// aliases. The database is not needed: the records are in memory.
func fixtureResult(t testing.TB) *vulndb.Result {
	t.Helper()
	recs := loadRecords(t)
	inv := fixtureInventory()
	res := &vulndb.Result{Inventory: inv, Database: vulndb.DatabaseInfo{
		Path:    "/home/ci/.cache/fnguard/osv.db",
		Updated: testNow.Add(-3 * time.Hour),
		Ecosystems: map[string]vulndb.EcosystemStatus{
			"npm":  {Name: "npm", Records: 22346, Updated: testNow.Add(-3 * time.Hour)},
			"PyPI": {Name: "PyPI", Records: 16288, Updated: testNow.Add(-3 * time.Hour)},
			"Go":   {Name: "Go", Records: 4299, Updated: testNow.Add(-26 * time.Hour)},
		},
	}}
	for _, a := range inv.Artifacts {
		for _, p := range a.Packages {
			if p.VersionError != "" {
				res.Unchecked = append(res.Unchecked, vulndb.Unchecked{Package: p, Reason: p.VersionError})
				continue
			}
			version := p.Version
			if p.Ecosystem == "Go" {
				version = strings.TrimPrefix(version, "v")
			}
			found, err := osv.MatchPackage(recs, p.Ecosystem, p.Name, version)
			if err != nil {
				t.Fatalf("%s %s: %v", p.Name, p.Version, err)
			}
			if len(found) == 0 {
				continue
			}
			var ids []string
			var matched []*osv.Record
			for _, f := range found {
				res.Findings = append(res.Findings, &vulndb.Finding{Finding: f, Package: p})
				ids = append(ids, f.ID)
				matched = append(matched, f.Records...)
			}
			fix := vulndb.Fix{Package: p, Clears: ids}
			if v, ok := osv.ClearingVersion(matched, p.Ecosystem, p.Name, version); ok {
				if p.Ecosystem == "Go" {
					v = "v" + v
				}
				fix.Version = v
			}
			res.Fixes = append(res.Fixes, fix)
		}
	}
	// Reachability as symbol analysis of the Go binary would set it.
	yes, no := true, false
	for _, f := range res.Findings {
		switch f.ID {
		case "GO-2021-0113":
			f.Reachable, f.ReachLevel = &yes, "symbol"
		case "GO-2022-1059":
			f.Reachable, f.ReachLevel = &no, "package"
		}
	}
	// vulndb.Scan sorts by artifact path; reproduce it so the test also
	// checks that the report imposes its own order.
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.Package.Artifact != b.Package.Artifact {
			return a.Package.Artifact < b.Package.Artifact
		}
		return a.ID < b.ID
	})
	return res
}

// fixtureVerdict decides by hand what the gate would under the default
// policy with one ignore and a baseline, so report tests do not depend on
// the gate's logic.
func fixtureVerdict(t testing.TB, res *vulndb.Result) *gate.Verdict {
	t.Helper()
	v := &gate.Verdict{
		Policy: &gate.Policy{FailOn: "high", Unscored: "fail", Unchecked: "fail", Unreachable: "warn",
			MaxDBAge: 7 * 24 * time.Hour, Categories: map[string]string{"orm": "medium", "db-driver": "medium"}, Source: ".fnguard.yaml"},
		UncheckedBlocking: true,
		StaleIgnores: []gate.Ignore{{ID: "GHSA-xvch-5gv4-984h", Reason: "minimist only parses our own argv",
			Expires: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), Package: "npm/minimist", Line: 14}},
	}
	blocking := 0
	for _, f := range res.Findings {
		d := &gate.Decision{Threshold: "high"}
		if hasCategory(f.Package, "orm") {
			d.Threshold = "medium"
		}
		switch f.ID {
		case "GHSA-wrh9-cjv3-2hpw":
			d.Blocking, d.Highlight = true, true
			d.Why = []string{"critical at or above orm threshold medium", "SQL injection (CWE-89) in an ORM"}
		case "MAL-2024-1009":
			d.Blocking, d.Why = true, []string{"malicious package"}
		case "GHSA-35jh-r3h4-6jhm":
			d.Blocking, d.Why = true, []string{"high at or above fail-on high"}
		case "GHSA-p6mc-m468-83gw":
			d.InBaseline, d.Why = true, []string{"in baseline"}
		case "GHSA-29mw-wpgm-hmr9":
			d.Ignored, d.IgnoreReason = true, "lodash.trim is never called on request data"
			d.IgnoreExpires = time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
			d.Why = []string{"ignored until 2027-01-31"}
		case "GHSA-wf5p-g6vw-rhxx":
			d.Why = []string{"medium below fail-on high"}
		case "PYSEC-2019-124", "GO-2021-0113":
			d.Blocking, d.Why = true, []string{"unscored: fail"}
		case "GO-2022-1059":
			d.Why = []string{"unreachable: warn"}
		default:
			t.Fatalf("fixture has no decision for %s", f.ID)
		}
		if d.Blocking {
			blocking++
		}
		v.Decisions = append(v.Decisions, d)
	}
	v.Reasons = []string{
		plural(blocking, "blocking finding", "blocking findings") + ": GHSA-wrh9-cjv3-2hpw in npm sequelize@5.21.5 (critical, SQL injection in ORM), MAL-2024-1009 in npm execution-time-async@1.0.0 (malicious), ...",
		"1 unchecked package: npm internal-utils@file:../utils in function.zip",
	}
	// The gate states stale and expired ignores among its notes; the
	// reports print them and add nothing of their own.
	v.Notes = []string{"ignore GHSA-xvch-5gv4-984h (npm/minimist, .fnguard.yaml:14) matches no finding: remove it"}
	return v
}

// findingByID returns the index of the first finding with id in package name.
func findingByID(t testing.TB, res *vulndb.Result, id, name string) int {
	t.Helper()
	for i, f := range res.Findings {
		if f.ID == id && f.Package.Name == name {
			return i
		}
	}
	t.Fatalf("fixture lacks %s in %s", id, name)
	return -1
}
