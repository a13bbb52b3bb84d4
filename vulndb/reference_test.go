package vulndb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
)

var (
	sharedDBOnce sync.Once
	sharedDBPath string
	sharedDBErr  error
)

// sharedDB imports ../shared/osv once for the package's acceptance tests.
func sharedDB(t *testing.T) *DB {
	t.Helper()
	src := filepath.Join("..", "..", "shared", "osv")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("../shared/osv not present: %v", err)
	}
	sharedDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fnguard-shared-db-")
		if err != nil {
			sharedDBErr = err
			return
		}
		sharedDBPath = filepath.Join(dir, "osv.db")
		_, sharedDBErr = Import(context.Background(), sharedDBPath, src)
	})
	if sharedDBErr != nil {
		t.Fatal(sharedDBErr)
	}
	db, err := Open(sharedDBPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// idsByPackage maps "eco name version" to the sorted advisory IDs (primary
// and aliases as the tool reported them) of one scan.
func idsByPackage(res *Result) map[string][]string {
	out := map[string][]string{}
	for _, f := range res.Findings {
		k := f.Package.Ecosystem + " " + f.Package.Name + " " + f.Package.Version
		out[k] = append(out[k], f.ID)
		for _, r := range f.Records[1:] {
			out[k] = append(out[k], r.ID)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

type osvScannerOutput struct {
	Results []struct {
		Packages []struct {
			Package struct {
				Name, Version, Ecosystem string
			}
			Vulnerabilities []struct {
				ID string
			}
		}
	}
}

// TestReferenceTrees: on the real dependency trees in ../shared/reference,
// fnguard reports exactly the advisory IDs per package that osv-scanner
// v2.6.0 reported on the same data.
func TestReferenceTrees(t *testing.T) {
	db := sharedDB(t)
	ref := filepath.Join("..", "..", "shared", "reference")
	for dir, inputs := range map[string][]string{
		"npm-a":      {"package-lock.json"},
		"gems-maven": {"Gemfile.lock", "pom.xml"},
	} {
		t.Run(dir, func(t *testing.T) {
			var paths []string
			for _, in := range inputs {
				paths = append(paths, filepath.Join(ref, dir, in))
			}
			inv, err := lockfiles.Read(context.Background(), paths, lockfiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Scan(context.Background(), db, inv)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(ref, dir, "osv-scanner.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want osvScannerOutput
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			wantIDs := map[string][]string{}
			total := 0
			for _, r := range want.Results {
				for _, p := range r.Packages {
					k := p.Package.Ecosystem + " " + p.Package.Name + " " + p.Package.Version
					for _, v := range p.Vulnerabilities {
						wantIDs[k] = append(wantIDs[k], v.ID)
						total++
					}
					sort.Strings(wantIDs[k])
				}
			}
			got := idsByPackage(res)
			for k, ids := range wantIDs {
				if strings.Join(got[k], ",") != strings.Join(ids, ",") {
					t.Errorf("%s: fnguard %v, osv-scanner %v", k, got[k], ids)
				}
			}
			for k, ids := range got {
				if _, ok := wantIDs[k]; !ok {
					t.Errorf("%s: fnguard reports %v, osv-scanner nothing", k, ids)
				}
			}
			if total == 0 {
				t.Fatal("reference lists no advisories: the comparison proves nothing")
			}
			if len(res.Unchecked) != 0 {
				t.Errorf("unchecked packages: %+v", res.Unchecked)
			}
		})
	}
}

// TestFixtureFindings pins a sample of the advisories the Lambda fixtures
// must produce, boundaries included (semver 5.7.3/6.3.2 and commons-text
// 1.10.0 are exactly fixed versions).
func TestFixtureFindings(t *testing.T) {
	db := sharedDB(t)
	dir := filepath.Join("..", "..", "shared", "fixtures", "lambda")
	cases := map[string]struct {
		has, hasNot map[string]string // "eco name version" -> ID
	}{
		"node-function.zip": {
			has: map[string]string{
				"npm sequelize 5.21.5": "GHSA-wrh9-cjv3-2hpw", "npm semver 4.3.2": "GHSA-c2qf-rxjj-qqgw",
				"npm validator 10.11.0": "GHSA-qgmg-gppg-76g5", "npm lodash 4.17.15": "GHSA-p6mc-m468-83gw",
			},
			hasNot: map[string]string{"npm semver 5.7.3": "GHSA-c2qf-rxjj-qqgw", "npm semver 6.3.2": "GHSA-c2qf-rxjj-qqgw"},
		},
		"java-function.zip": {
			has:    map[string]string{"Maven org.yaml:snakeyaml 1.33": "GHSA-mjmj-j48q-9wg2", "Maven org.hibernate:hibernate-core 3.6.10.Final": "GHSA-j8jw-g6fq-mp7h"},
			hasNot: map[string]string{"Maven org.apache.commons:commons-text 1.10.0": "GHSA-599f-7c49-w659"},
		},
		"fat-jar-function.zip": {
			has: map[string]string{"Maven org.yaml:snakeyaml 1.33": "GHSA-mjmj-j48q-9wg2"},
		},
		"ruby-function.zip": {
			has: map[string]string{"RubyGems activerecord 6.0.3.7": "GHSA-3hhc-qp5v-9p2j", "RubyGems rack 2.1.4": "GHSA-22f2-v57c-j9cx"},
		},
		"python-function.zip": {
			has: map[string]string{"PyPI PyMySQL 1.0.2": "PYSEC-2026-502"},
		},
		"go-function.zip": {
			has: map[string]string{"Go golang.org/x/text v0.3.5": "GO-2021-0113", "Go gopkg.in/yaml.v2 v2.2.2": "GO-2022-0956"},
		},
	}
	for zip, c := range cases {
		t.Run(zip, func(t *testing.T) {
			inv, err := lockfiles.Read(context.Background(), []string{filepath.Join(dir, zip)}, lockfiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Scan(context.Background(), db, inv)
			if err != nil {
				t.Fatal(err)
			}
			got := idsByPackage(res)
			for pkg, id := range c.has {
				if !containsStr(got[pkg], id) {
					t.Errorf("%s should have %s; has %v", pkg, id, got[pkg])
				}
			}
			for pkg, id := range c.hasNot {
				if containsStr(got[pkg], id) {
					t.Errorf("%s must not have %s (fixed version)", pkg, id)
				}
			}
		})
	}
}

// BenchmarkScanReference measures what `fnguard scan` spends on advisories
// for a real 53-package npm tree: open the database, match every package.
func BenchmarkScanReference(b *testing.B) {
	src := filepath.Join("..", "..", "shared", "osv")
	if _, err := os.Stat(src); err != nil {
		b.Skipf("../shared/osv not present: %v", err)
	}
	dbPath := filepath.Join(b.TempDir(), "osv.db")
	if _, err := Import(context.Background(), dbPath, src); err != nil {
		b.Fatal(err)
	}
	lock := filepath.Join("..", "..", "shared", "reference", "npm-a", "package-lock.json")
	inv, err := lockfiles.Read(context.Background(), []string{lock}, lockfiles.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := Open(dbPath)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Scan(context.Background(), db, inv)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) == 0 {
			b.Fatal("no findings")
		}
		db.Close()
	}
}

// TestFixturesAgainstOSVScanner compares, per package, the advisory IDs
// fnguard finds in each Lambda fixture with what osv-scanner v2.6.0 reported
// on the same zip unpacked (bench/results/osv-scanner-fixtures, made by
// bench/osv-scanner-fixtures.sh with its artifact plugins on the same data).
// Packages only one tool names are allowed only when they carry no
// advisory: osv-scanner names jars without pom.properties by guess
// (h2:h2, org.postgresql:JDBC) and lists file-name guesses and the Go main
// module, none of which any advisory here mentions.
func TestFixturesAgainstOSVScanner(t *testing.T) {
	db := sharedDB(t)
	fixtures := filepath.Join("..", "..", "shared", "fixtures", "lambda")
	results := filepath.Join("..", "bench", "results", "osv-scanner-fixtures")
	tsvs, _ := filepath.Glob(filepath.Join(results, "*.artifact.tsv"))
	if len(tsvs) == 0 {
		t.Fatalf("no osv-scanner results in %s", results)
	}
	for _, tsv := range tsvs {
		name := strings.TrimSuffix(filepath.Base(tsv), ".artifact.tsv")
		t.Run(name, func(t *testing.T) {
			want := readScannerTSV(t, tsv)
			inv, err := lockfiles.Read(context.Background(), []string{filepath.Join(fixtures, name+".zip")}, lockfiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Scan(context.Background(), db, inv)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, a := range inv.Artifacts {
				for _, p := range a.Packages {
					got[scannerKey(p.Ecosystem, p.Name, p.Version)] = nil
				}
			}
			for k, ids := range idsByPackage(res) {
				f := strings.SplitN(k, " ", 3)
				got[scannerKey(f[0], f[1], f[2])] = ids
			}
			compared := 0
			for k, ids := range want {
				g, ok := got[k]
				if !ok {
					if len(ids) > 0 {
						t.Errorf("%s: osv-scanner reports %v, fnguard has no such package", k, ids)
					}
					continue
				}
				compared++
				if strings.Join(g, ",") != strings.Join(ids, ",") {
					t.Errorf("%s: fnguard %v, osv-scanner %v", k, g, ids)
				}
			}
			for k, ids := range got {
				if _, ok := want[k]; !ok && len(ids) > 0 {
					t.Errorf("%s: fnguard reports %v, osv-scanner has no such package", k, ids)
				}
			}
			if compared == 0 {
				t.Fatal("no package in common: the comparison proves nothing")
			}
		})
	}
}

// scannerKey spells a package as osv-scanner's output does: PyPI names
// normalised, Go versions without "v".
func scannerKey(eco, name, version string) string {
	if eco == "PyPI" {
		name = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	}
	if eco == "Go" {
		version = strings.TrimPrefix(version, "v")
	}
	return eco + " " + name + " " + version
}

func readScannerTSV(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("%s:%d: want 4 columns", path, i+1)
		}
		var ids []string
		if f[3] != "-" {
			ids = strings.Split(f[3], ",")
			sort.Strings(ids)
		}
		out[scannerKey(f[0], f[1], f[2])] = ids
	}
	return out
}
