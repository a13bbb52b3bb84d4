package osv

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestMatchPackageSequelize(t *testing.T) {
	all := allTestRecords(t)
	fs, err := MatchPackage(all, "npm", "sequelize", "6.19.0")
	if err != nil {
		t.Fatal(err)
	}
	// Three criticals in ID order, then the moderate one.
	want := []string{"GHSA-f598-mfpv-gmfx", "GHSA-vqfx-gj96-3w95", "GHSA-wrh9-cjv3-2hpw", "GHSA-8c25-f3mj-v6h8"}
	if got := findingIDs(fs); !reflect.DeepEqual(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	f := fs[2]
	if f.Severity != SeverityCritical || f.Score != 10.0 || f.SeveritySource != "CVSS_V3" ||
		f.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" {
		t.Errorf("wrh9 severity = %s %.1f %s %s", f.Severity, f.Score, f.SeveritySource, f.Vector)
	}
	if !reflect.DeepEqual(f.Aliases, []string{"CVE-2023-25813"}) || !reflect.DeepEqual(f.CWEs, []string{"CWE-89"}) ||
		!reflect.DeepEqual(f.Fixed, []string{"6.19.1"}) || f.Summary == "" || len(f.References) == 0 ||
		f.Malicious || len(f.Records) != 1 {
		t.Errorf("wrh9 finding = %+v", f)
	}
	// Only the sequelize entry of a two-package record gives the fix.
	if !reflect.DeepEqual(fs[0].Fixed, []string{"6.29.0"}) {
		t.Errorf("f598 Fixed = %v, want [6.29.0] (not @sequelize/core's 7.0.0-alpha.20)", fs[0].Fixed)
	}
	if fs[3].Severity != SeverityMedium || fs[3].Score != 5.3 {
		t.Errorf("8c25 = %s %.1f, want medium 5.3", fs[3].Severity, fs[3].Score)
	}
	if fs, err := MatchPackage(all, "npm", "sequelize", "6.29.0"); err != nil || len(fs) != 0 {
		t.Errorf("6.29.0 = %v, %v; want clean", findingIDs(fs), err)
	}
}

func TestMatchPackageExactFixAndQualifiers(t *testing.T) {
	all := allTestRecords(t)
	for _, c := range []struct {
		eco, name, version string
		want               []string
		fixed              []string
	}{
		{"Maven", "org.apache.commons:commons-text", "1.10.0", nil, nil},
		{"Maven", "org.apache.commons:commons-text", "1.9", []string{"GHSA-599f-7c49-w659"}, []string{"1.10.0"}},
		{"Maven", "org.yaml:snakeyaml", "1.33", []string{"GHSA-mjmj-j48q-9wg2"}, []string{"2.0"}},
		{"Maven", "org.hibernate:hibernate-core", "3.6.10.Final", []string{"GHSA-j8jw-g6fq-mp7h"}, []string{"5.3.20.Final"}},
		// Only fixes above the scanned version are remedies.
		{"Maven", "org.apache.logging.log4j:log4j-core", "2.14.1",
			[]string{"GHSA-7rjr-3q55-vv33", "GHSA-jfh8-c2jp-5v3q", "GHSA-p6xc-xr62-6r2g"}, nil},
	} {
		fs, err := MatchPackage(all, c.eco, c.name, c.version)
		if err != nil {
			t.Fatal(err)
		}
		if got := findingIDs(fs); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s@%s = %v, want %v", c.name, c.version, got, c.want)
			continue
		}
		if c.fixed != nil && !reflect.DeepEqual(fs[0].Fixed, c.fixed) {
			t.Errorf("%s@%s Fixed = %v, want %v", c.name, c.version, fs[0].Fixed, c.fixed)
		}
	}
	fs, _ := MatchPackage(all, "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
	for _, f := range fs {
		if len(f.Fixed) != 1 {
			t.Errorf("%s Fixed = %v; want the one fix of the matched 2.13 range", f.ID, f.Fixed)
		}
	}
	if fs[0].Severity != SeverityCritical || fs[2].Severity != SeverityHigh {
		t.Errorf("log4j severities: %s %s", fs[0].Severity, fs[2].Severity)
	}
}

func TestMatchPackageAliasGrouping(t *testing.T) {
	all := allTestRecords(t)

	// RUSTSEC-2022-0042 lists MAL-2022-1 as an alias: one malicious finding, MAL primary.
	fs, err := MatchPackage(all, "crates.io", "rustdecimal", "1.23.1")
	if err != nil || len(fs) != 1 {
		t.Fatalf("rustdecimal = %v, %v", findingIDs(fs), err)
	}
	f := fs[0]
	if f.ID != "MAL-2022-1" || !f.Malicious || f.Severity != SeverityCritical || f.SeveritySource != "malicious" ||
		!reflect.DeepEqual(f.Aliases, []string{"GHSA-7pwq-f4pq-78gm", "RUSTSEC-2022-0042"}) || len(f.Records) != 2 ||
		f.Records[0].ID != "MAL-2022-1" {
		t.Errorf("rustdecimal finding = %+v", f)
	}

	// Two RUSTSEC records that never name each other but share CVE and GHSA
	// aliases are one issue; the smaller native ID is primary.
	fs, err = MatchPackage(all, "crates.io", "failure", "0.1.8")
	if err != nil || len(fs) != 1 {
		t.Fatalf("failure = %v, %v", findingIDs(fs), err)
	}
	want := []string{"CVE-2019-25010", "CVE-2020-25575", "GHSA-jq66-xh47-j9f3", "GHSA-r98r-j25q-rmpr", "RUSTSEC-2020-0036"}
	if fs[0].ID != "RUSTSEC-2019-0036" || !reflect.DeepEqual(fs[0].Aliases, want) || fs[0].Score != 9.8 {
		t.Errorf("failure finding = %s %v %.1f", fs[0].ID, fs[0].Aliases, fs[0].Score)
	}

	// The primary has an empty severity list; its alias's CVSS vector is used.
	fs, err = MatchPackage(all, "crates.io", "wasmtime", "2.0.1")
	if err != nil || len(fs) != 1 {
		t.Fatalf("wasmtime = %v, %v", findingIDs(fs), err)
	}
	f = fs[0]
	if f.ID != "RUSTSEC-2022-0075" || f.Severity != SeverityHigh || f.Score != 8.6 ||
		f.SeveritySource != "alias RUSTSEC-2022-0098 CVSS_V3" || !reflect.DeepEqual(f.Fixed, []string{"2.0.2"}) {
		t.Errorf("wasmtime finding = %s %s %.1f %q %v", f.ID, f.Severity, f.Score, f.SeveritySource, f.Fixed)
	}

	// Aliases with different package names: only the record naming the
	// package matches, but the finding still lists the other IDs.
	fs, err = MatchPackage(all, "npm", "fca-badol", "1.5.2")
	if err != nil || len(fs) != 1 || fs[0].ID != "MAL-2024-2362" ||
		!reflect.DeepEqual(fs[0].Aliases, []string{"GHSA-w85p-8p54-wrfx", "MAL-2023-8280"}) || len(fs[0].Records) != 1 {
		t.Errorf("fca-badol = %+v, %v", fs, err)
	}
	fs, _ = MatchPackage(all, "npm", "@badolkhan420/fca-badol", "9.9.9")
	if len(fs) != 1 || fs[0].ID != "MAL-2023-8280" {
		t.Errorf("@badolkhan420/fca-badol = %v", findingIDs(fs))
	}

	// A duplicate record handed back twice is one finding.
	r := rec(t, "GHSA-wrh9-cjv3-2hpw")
	fs, _ = MatchPackage([]*Record{r, r}, "npm", "sequelize", "6.0.0")
	if len(fs) != 1 || len(fs[0].Records) != 1 {
		t.Errorf("duplicate input = %v", findingIDs(fs))
	}
}

func TestMatchPackageWithdrawn(t *testing.T) {
	all := allTestRecords(t)
	for _, c := range []struct{ id, eco, name, version string }{
		{"MAL-2024-1398", "npm", "drata", "1.0.0"},
		{"PYSEC-2011-28", "PyPI", "django", "1.2.3"},
		{"GO-2022-0617", "Go", "k8s.io/kubernetes", "v1.20.0"},
		{"PYSEC-2022-43052", "PyPI", "request-util", "1.0.0"},
	} {
		r := rec(t, c.id)
		if !r.IsWithdrawn() {
			t.Fatalf("%s is not withdrawn", c.id)
		}
		if ok, _ := Affects(r, c.eco, c.name, c.version); !ok {
			t.Fatalf("%s must match on its ranges for this test to mean anything", c.id)
		}
		fs, err := MatchPackage(all, c.eco, c.name, c.version)
		if err != nil {
			t.Fatal(err)
		}
		// Live records may affect the same version (Django 1.2.3 has
		// others); the withdrawn one must be in none of the findings.
		for _, f := range fs {
			for _, r := range f.Records {
				if r.ID == c.id {
					t.Errorf("%s: withdrawn record matched: %v", c.id, findingIDs(fs))
				}
			}
		}
	}
	// The withdrawn duplicate PYSEC-2020-346 carries a CVSS vector; the live
	// PYSEC-2020-50 has none, and the withdrawn one must not lend it.
	fs, err := MatchPackage(all, "PyPI", "jupyter_server", "1.1.0")
	if err != nil || len(fs) != 1 {
		t.Fatalf("jupyter-server = %v, %v", findingIDs(fs), err)
	}
	if f := fs[0]; f.ID != "PYSEC-2020-50" || f.Severity != SeverityUnscored || f.Score != 0 || f.SeveritySource != "" ||
		f.Summary == "" || !reflect.DeepEqual(f.Fixed, []string{"1.1.1"}) {
		t.Errorf("jupyter-server finding = %+v", f)
	}
}

func TestSeveritySources(t *testing.T) {
	all := allTestRecords(t)
	for _, c := range []struct {
		eco, name, version string
		id, severity       string
		score              float64
		source             string
		cwes               []string
	}{
		// Empty severity list: GHSA's own label.
		{"npm", "cookie", "0.6.0", "GHSA-pxg6-pf52-xh8x", SeverityLow, 0, "database_specific.severity", []string{"CWE-74"}},
		{"NuGet", "Newtonsoft.Json", "12.0.3", "GHSA-5crp-9r3c-p9vr", SeverityLow, 0, "database_specific.severity", []string{"CWE-755"}},
		{"RubyGems", "activerecord", "7.0.4", "GHSA-hq7p-j377-6v63", SeverityHigh, 0, "database_specific.severity", []string{"CWE-89"}},
		// CVSS v3 and v4 on one record: the higher base score wins, as in
		// osv-scanner. Here v3 (v4 would say low) ...
		{"npm", "express", "4.19.2", "GHSA-qw6h-vgh9-j6wx", SeverityMedium, 5.0, "CVSS_V3", []string{"CWE-79"}},
		// ... and here v4: 8.7 over v3's 8.6, and 6.3 medium over v3's
		// 3.7 low (Django's ORM advisory must reach the category threshold).
		{"PyPI", "ultralytics", "8.3.41", "PYSEC-2024-154", SeverityHigh, 8.7, "CVSS_V4", nil},
		{"PyPI", "django", "4.2.15", "PYSEC-2026-1297", SeverityMedium, 6.3, "CVSS_V4", nil},
		// Only a v4 vector, with explicit X metrics and E:P (exploit maturity
		// lowers the base 4.8 to 1.9), and a last_affected range.
		{"PyPI", "pywasm3", "0.5.0", "PYSEC-2025-186", SeverityLow, 1.9, "CVSS_V4", nil},
		{"crates.io", "cap-primitives", "3.4.0", "RUSTSEC-2024-0445", SeverityLow, 2.3, "CVSS_V4", nil},
		// A CVSS 3.0 vector.
		{"npm", "node-fetch", "2.6.6", "GHSA-r683-j2x4-v87g", SeverityHigh, 8.8, "CVSS_V3", []string{"CWE-173", "CWE-200", "CWE-601"}},
		// No severity anywhere.
		{"Go", "stdlib", "go1.16.0", "GO-2021-0067", SeverityUnscored, 0, "", nil},
		{"PyPI", "kangpy", "1.0", "MAL-2023-8", SeverityCritical, 0, "malicious", nil},
	} {
		fs, err := MatchPackage(all, c.eco, c.name, c.version)
		if err != nil || len(fs) != 1 {
			t.Errorf("%s@%s = %v, %v; want one finding", c.name, c.version, findingIDs(fs), err)
			continue
		}
		f := fs[0]
		if f.SeverityType != c.source || (strings.HasPrefix(c.source, "CVSS_V") && !strings.HasPrefix(f.Vector, "CVSS:")) {
			t.Errorf("%s@%s: deciding vector %q of type %q, want type %q", c.name, c.version, f.Vector, f.SeverityType, c.source)
		}
		if f.ID != c.id || f.Severity != c.severity || f.Score != c.score || f.SeveritySource != c.source ||
			!reflect.DeepEqual(f.CWEs, c.cwes) {
			t.Errorf("%s@%s = %s %s %.1f %q %v; want %s %s %.1f %q %v", c.name, c.version,
				f.ID, f.Severity, f.Score, f.SeveritySource, f.CWEs, c.id, c.severity, c.score, c.source, c.cwes)
		}
	}
}

func TestBucket(t *testing.T) {
	for score, want := range map[float64]string{
		10: SeverityCritical, 9.0: SeverityCritical, 8.9: SeverityHigh, 7.0: SeverityHigh, 6.9: SeverityMedium,
		4.0: SeverityMedium, 3.9: SeverityLow, 0.1: SeverityLow, 0: SeverityLow,
	} {
		if got := Bucket(score); got != want {
			t.Errorf("Bucket(%.1f) = %s, want %s", score, got, want)
		}
	}
	if SeverityRank(SeverityUnscored) <= SeverityRank(SeverityLow) || SeverityRank(SeverityCritical) != 0 {
		t.Error("unscored must sort after low, critical first")
	}
	for _, s := range []Severity{
		{"CVSS_V3", "CVSS:3.1/AV:N"},       // incomplete
		{"CVSS_V3", "AV:N/AC:L/Au:N/C:P"},  // v2 vector under the v3 type
		{"CVSS_V4", "CVSS:3.1/AV:N/AC:L"},  // wrong version
		{"CVSS_V2", "AV:N/AC:L/Au:N/C:P"},  // incomplete v2
		{"Ubuntu", "unknown"},              // no such priority
		{"SOMETHING_ELSE", "CRITICAL"},     // unknown type
		{"CVSS_V3", ""},                    // empty
		{"CVSS_V4", "CVSS:4.0/AV:N/AC:L/"}, // truncated
	} {
		if got := scoreSeverity(s); got.conf != confNone {
			t.Errorf("scoreSeverity(%v) = %+v, want unusable", s, got)
		}
	}
	if got := scoreSeverity(Severity{"CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C"}); got.conf != confCVSS2 || got.score != 10 {
		t.Errorf("CVSS v2 = %+v", got)
	}
}

func TestMatchPackageErrors(t *testing.T) {
	all := allTestRecords(t)
	for _, c := range []struct{ eco, name, version string }{
		{"npm", "sequelize", "latest"},
		{"npm", "sequelize", ""},
		{"PyPI", "beaker", "1.6-final-final"},
		{"Go", "stdlib", "devel"},
		{"npm", "no-advisories-at-all", "*"},
	} {
		fs, err := MatchPackage(all, c.eco, c.name, c.version)
		if fs != nil || !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("%s %s@%q = %v, %v; want ErrUnparseableVersion", c.eco, c.name, c.version, findingIDs(fs), err)
		}
	}
	if fs, err := MatchPackage(nil, "npm", "left-pad", "1.3.0"); err != nil || len(fs) != 0 {
		t.Errorf("no records = %v, %v", fs, err)
	}
	if fs, err := MatchPackage([]*Record{nil}, "npm", "left-pad", "1.3.0"); err != nil || len(fs) != 0 {
		t.Errorf("nil record = %v, %v", fs, err)
	}
}

// TestMatcherShares: matches through one Matcher share each group's
// Advisory across versions and goroutines, and each finding keeps its own
// version's fixes; apart from that, shared and unshared matches agree.
func TestMatcherShares(t *testing.T) {
	all := allTestRecords(t)
	versions := []string{"6.0.0", "6.19.0", "6.28.0", "5.0.0"}
	var adv Matcher
	got := make([][]Finding, len(versions))
	var wg sync.WaitGroup
	for round := 0; round < 8; round++ {
		for i, v := range versions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fs, err := adv.Match(all, "npm", "sequelize", v)
				if err != nil {
					t.Error(err)
				}
				if round == 0 {
					got[i] = fs
				}
			}()
		}
	}
	wg.Wait()
	byID := map[string]*Advisory{}
	for i, v := range versions {
		alone, err := MatchPackage(all, "npm", "sequelize", v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], alone) {
			t.Errorf("%s: shared %+v\nalone %+v", v, got[i], alone)
		}
		for j, f := range got[i] {
			if prev, ok := byID[f.ID]; ok && prev != f.Advisory {
				t.Errorf("%s %s: a second Advisory for one group of records", v, f.ID)
			}
			byID[f.ID] = f.Advisory
			if f.Advisory == alone[j].Advisory {
				t.Errorf("%s %s: MatchPackage shares with a Matcher it was not given", v, f.ID)
			}
		}
	}
	if len(byID) < 2 {
		t.Fatalf("%d advisories over %v: the test shares nothing", len(byID), versions)
	}
	// One advisory for both versions it affects.
	f6, f619 := findingByID(got[0], "GHSA-wrh9-cjv3-2hpw"), findingByID(got[1], "GHSA-wrh9-cjv3-2hpw")
	if f6 == nil || f619 == nil || f6.Advisory != f619.Advisory || !reflect.DeepEqual(f6.Fixed, []string{"6.19.1"}) {
		t.Errorf("wrh9 at 6.0.0 and 6.19.0: %+v, %+v", f6, f619)
	}
}

func findingByID(fs []Finding, id string) *Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

// TestLeadNumberMatchesLowering: the copy-free prefix trim reads what
// trimming the lowered string read, so a listed version skipped by its
// lead could never have been equal.
func TestLeadNumberMatchesLowering(t *testing.T) {
	old := func(s string) string {
		s = strings.TrimLeft(strings.ToLower(s), "vgo=")
		if rest, ok := strings.CutPrefix(s, "0!"); ok {
			s = rest
		}
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n := strings.TrimLeft(s[:end], "0")
		if end < len(s) && s[end] == '!' {
			return "!" + n
		}
		return n
	}
	for _, s := range []string{"1.2.3", "v1.2.3", "V1.2.3", "go1.21", "GO1.21", "=1.0", "0!1.0", "1!2.0", "01.0",
		"vgo=007", "", "v", "abc", "İ1.0", "K1", "0!0!1", "1.0rc1", "2024.1", "Go1.22rc1"} {
		if got, want := leadNumber(s), old(s); got != want {
			t.Errorf("leadNumber(%q) = %q, lowering gave %q", s, got, want)
		}
	}
}

// TestParseCacheAgrees: a cached parse, of a good version or a bad one,
// is what parsing again gives, from any goroutine.
func TestParseCacheAgrees(t *testing.T) {
	cases := []struct {
		key    string
		semver bool
		v      string
	}{{"PyPI", false, "1.0.post1"}, {"PyPI", false, "not a version"}, {"npm", true, "1.2.3-rc.1"}, {"Go", false, "1.21.0"}, {"Maven", false, "2.0-beta"}}
	var scan Matcher
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cases {
				got, gerr := parseEventVersion(&scan, c.key, c.semver, c.v)
				want, werr := parseEventUncached(c.key, c.semver, c.v)
				if (gerr == nil) != (werr == nil) {
					t.Errorf("%v: cached error %v, parsed again %v", c, gerr, werr)
					continue
				}
				if werr == nil {
					if cmp, err := got.Compare(want); err != nil || cmp != 0 {
						t.Errorf("%v: cached %v, parsed again %v", c, got, want)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestListedIndexAgrees: the index answers as reading the whole list
// does, for versions equal by string, by ordering, or not at all.
func TestListedIndexAgrees(t *testing.T) {
	lists := map[string][]string{
		"PyPI":  {"1.0", "1.0.0.post1", "1.0rc1", "0!2.0", "1!1.0", "2.0", "02.1", "v3.0", "10.0", "1.0.1", "garbage", " 4.0", "4.0.0", " 5.0", "2.0.0", "0.9", "1.1", "1.2", "1.3"},
		"npm":   {"1.0.0", "v1.0.1", "1.0.2-beta.1", "2.0.0", "10.1.0", "0.0.1", "1.2.3", "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.2.9", "1.2.10", "1.2.11", "3.0.0"},
		"Go":    {"v1.2.3", "1.2.4", "go1.21.0", "v0.0.0-20200101000000-abcdefabcdef", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.0.9", "2.0.0", "3.0.0"},
		"Maven": {"1.0", "1.0.0", "1.0-SNAPSHOT", "2.0.RELEASE", "2.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "11"},
	}
	probes := []string{"1.0", "1.0.0", "v1.0.0", "1.0.0.post1", "2.0", "2.1", "3.0", "3.0.0", "10.0", "1.2.10", "1.2.3", "0.0.1",
		"1.21.0", "1.0-SNAPSHOT", "2.0.RELEASE", "11", "4.0", " 4.0", " 5.0", "garbage", "0!2.0", "1!1.0", "0.9", "v1.2.3"}
	for eco, list := range lists {
		var scan Matcher
		a := &Affected{Versions: list}
		for _, v := range probes {
			pv, err := preparePkgVersion(&scan, eco, v, false)
			if err != nil {
				continue
			}
			want := false
			for _, s := range list {
				if listedVersionEquals(pv, s) {
					want = true
				}
			}
			if got := scan.listed(a).contains(pv); got != want {
				t.Errorf("%s %s in %q: index %v, whole list %v", eco, v, list, got, want)
			}
		}
	}
}
