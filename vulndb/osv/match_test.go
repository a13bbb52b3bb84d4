package osv

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestAffects(t *testing.T) {
	for _, c := range []struct {
		id, eco, name, version string
		want                   bool
	}{
		// sequelize: introduced 0, fixed 6.19.1.
		{"GHSA-wrh9-cjv3-2hpw", "npm", "sequelize", "6.19.0", true},
		{"GHSA-wrh9-cjv3-2hpw", "npm", "sequelize", "6.19.1", false},
		{"GHSA-wrh9-cjv3-2hpw", "npm", "sequelize", "v1.0.0", true},
		{"GHSA-wrh9-cjv3-2hpw", "npm", "Sequelize", "6.0.0", false}, // npm names are exact
		// npm scopes are part of the name; prerelease fix of @sequelize/core.
		{"GHSA-f598-mfpv-gmfx", "npm", "@sequelize/core", "7.0.0-alpha.19", true},
		{"GHSA-f598-mfpv-gmfx", "npm", "@sequelize/core", "7.0.0-alpha.20", false},
		{"GHSA-f598-mfpv-gmfx", "npm", "@sequelize/core", "7.0.0-alpha.20.1", false},
		{"GHSA-f598-mfpv-gmfx", "npm", "sequelize", "6.28.2", true},
		{"GHSA-f598-mfpv-gmfx", "npm", "@other/sequelize", "6.28.2", false},
		// express: two entries, the second a prerelease-bounded range.
		{"GHSA-qw6h-vgh9-j6wx", "npm", "express", "4.19.2", true},
		{"GHSA-qw6h-vgh9-j6wx", "npm", "express", "4.20.0", false},
		{"GHSA-qw6h-vgh9-j6wx", "npm", "express", "5.0.0-alpha.1", true},
		{"GHSA-qw6h-vgh9-j6wx", "npm", "express", "5.0.0-beta.3", true},
		{"GHSA-qw6h-vgh9-j6wx", "npm", "express", "5.0.0", false},
		// node-fetch: introduced "1.0" (not strict SemVer in the record) still orders.
		{"GHSA-r683-j2x4-v87g", "npm", "node-fetch", "3.1.0", true},
		{"GHSA-r683-j2x4-v87g", "npm", "node-fetch", "3.1.1", false},
		{"GHSA-r683-j2x4-v87g", "npm", "node-fetch", "2.6.7", true}, // inside [1.0, 3.1.1)
		// last_affected is inclusive.
		{"GHSA-29mw-wpgm-hmr9", "npm", "lodash.trim", "4.5.1", true},
		{"GHSA-29mw-wpgm-hmr9", "npm", "lodash.trim", "4.5.2", false},
		{"GHSA-29mw-wpgm-hmr9", "npm", "lodash", "4.17.20", true},
		{"GHSA-29mw-wpgm-hmr9", "npm", "lodash", "4.17.21", false},
		// Maven: exact fixed is not affected; qualifiers; group:artifact identity.
		{"GHSA-599f-7c49-w659", "Maven", "org.apache.commons:commons-text", "1.10.0", false},
		{"GHSA-599f-7c49-w659", "Maven", "org.apache.commons:commons-text", "1.9", true},
		{"GHSA-599f-7c49-w659", "Maven", "org.apache.commons:commons-text", "1.4", false},
		{"GHSA-599f-7c49-w659", "Maven", "org.apache.commons:commons-lang3", "1.9", false},
		{"GHSA-599f-7c49-w659", "Maven", "commons-text", "1.9", false},
		{"GHSA-mjmj-j48q-9wg2", "Maven", "org.yaml:snakeyaml", "1.33", true},
		{"GHSA-mjmj-j48q-9wg2", "Maven", "org.yaml:snakeyaml", "2.0", false},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "3.6.10.Final", true},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.3.20.Final", false},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.4.23.Final", true},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.4.24.Final", false},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.4.1-SNAPSHOT", true},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.4.0-SNAPSHOT", false}, // before 5.4.0.Final, after 5.3.20.Final
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", "5.4.24.RC1", true},
		{"GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", true},
		{"GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.12.2", false},
		{"GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.0-beta9", true},
		{"GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.15.0-rc1", true},
		// RubyGems: 4-part fixes, .pre prereleases.
		{"GHSA-hq7p-j377-6v63", "RubyGems", "activerecord", "6.1.7", true},
		{"GHSA-hq7p-j377-6v63", "RubyGems", "activerecord", "6.1.7.1", false},
		{"GHSA-hq7p-j377-6v63", "RubyGems", "activerecord", "7.0.4.1.pre", true},
		{"GHSA-hq7p-j377-6v63", "RubyGems", "activerecord", "5.2.8.1", false},
		{"GHSA-hq7p-j377-6v63", "RubyGems", "ActiveRecord", "6.1.7", true},
		// NuGet: ids are case-insensitive; 4-part versions.
		{"GHSA-5crp-9r3c-p9vr", "NuGet", "newtonsoft.json", "12.0.3", true},
		{"GHSA-5crp-9r3c-p9vr", "NuGet", "Newtonsoft.Json", "12.0.3.4", true},
		{"GHSA-5crp-9r3c-p9vr", "NuGet", "Newtonsoft.Json", "13.0.1.0", false},
		{"GHSA-5crp-9r3c-p9vr", "NuGet", "Newtonsoft.Json", "13.0.1-beta1", true},
		// A homoglyph name (Cyrillic һ and І) is not the Latin one.
		{"MAL-2024-3991", "NuGet", "2CaptchaAPI", "1.10.1", false},
		{"MAL-2024-3991", "NuGet", "2CaptcһaAPІ", "1.10.1", true},
		// Packagist.
		{"GHSA-f2wf-25xc-69c9", "Packagist", "GuzzleHTTP/Guzzle", "7.4.3", true},
		{"GHSA-f2wf-25xc-69c9", "Packagist", "guzzlehttp/guzzle", "v7.4.4", false},
		{"GHSA-f2wf-25xc-69c9", "Packagist", "guzzlehttp/guzzle", "6.5.6", true},
		{"GHSA-f2wf-25xc-69c9", "Packagist", "guzzlehttp/guzzle", "3.8.1", false},
		// PyPI: PEP 503 names, PEP 440 pre/post/dev fixes, `versions` equality.
		{"PYSEC-2012-1", "PyPI", "Beaker", "1.6.5", true},
		{"PYSEC-2012-1", "PyPI", "beaker", "1.6.5.post1", false},
		{"PYSEC-2012-1", "PyPI", "beaker", "1.6.5.post1.dev1", true},
		{"PYSEC-2014-85", "PyPI", "oauth2", "1.9rc1", false},
		{"PYSEC-2014-85", "PyPI", "oauth2", "1.9b3", true},
		{"PYSEC-2014-85", "PyPI", "oauth2", "1.9.0", false},
		{"PYSEC-2020-108", "PyPI", "scikit_learn", "0.23.2", true},
		{"PYSEC-2020-108", "PyPI", "scikit-learn", "0.24.dev0", false},
		{"PYSEC-2020-108", "PyPI", "Scikit.Learn", "0.24.0rc1", false},
		{"PYSEC-2021-147", "PyPI", "sickrage", "10.0.12.dev0", true},
		{"PYSEC-2021-147", "PyPI", "sickrage", "10.0.12.dev1", false},
		{"MAL-2023-8", "PyPI", "kangpy", "1.0", true},
		{"MAL-2023-8", "PyPI", "kangpy", "1.0.0", true}, // PEP 440: 1.0 == 1.0.0
		{"MAL-2023-8", "PyPI", "kangpy", "0!1.0", true},
		{"MAL-2023-8", "PyPI", "kangpy", "1.0.1", false},
		// NVD-derived "2.9.0-NA" reads as 2.9.0, not as a legacy version below everything.
		{"PYSEC-2024-264", "PyPI", "apache-airflow", "2.8.4", true},
		{"PYSEC-2024-264", "PyPI", "apache-airflow", "2.9.0b1", true},
		// The record also lists last_affected 2.9.0-beta1 (valid PEP 440, 2.9.0b1);
		// in the spec's sorted walk the first last_affected passed ends the range.
		{"PYSEC-2024-264", "PyPI", "apache-airflow", "2.9.0", false},
		{"PYSEC-2024-264", "PyPI", "apache-airflow", "2.9.1", false},
		// An entry with neither ranges nor versions asserts nothing.
		{"PYSEC-2022-43180", "PyPI", "avro", "1.11.0", false},
		// Multi-range record (withdrawn: Affects still evaluates it).
		{"PYSEC-2011-28", "PyPI", "Django", "1.1.2", true},
		{"PYSEC-2011-28", "PyPI", "django", "1.1.3", false},
		{"PYSEC-2011-28", "PyPI", "django", "1.2.3", true},
		{"PYSEC-2011-28", "PyPI", "django", "1.2.4", false},
		// Go: v prefix, pseudo-versions, +incompatible, major-version paths.
		{"GO-2021-0072", "Go", "github.com/docker/distribution", "v2.6.2+incompatible", true},
		{"GO-2021-0072", "Go", "github.com/docker/distribution", "v2.7.0-rc.0+incompatible", false},
		{"GO-2021-0072", "Go", "github.com/docker/distribution", "v2.8.3+incompatible", false},
		{"GO-2021-0072", "Go", "github.com/Docker/distribution", "v2.6.2+incompatible", false}, // module paths are case-sensitive
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go", "v3.2.0+incompatible", true},
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go", "v0.0.0-20150717181359-44718f8a89b0", true},
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go", "v0.0.0-20150601000000-000000000000", false},
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go/v4", "v4.0.0-preview1", false},
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go/v4", "v4.0.0-20190408214815-ec042acee7e6", true},
		{"GO-2020-0017", "Go", "github.com/dgrijalva/jwt-go/v5", "v5.0.0", false},
		{"GO-2021-0067", "Go", "stdlib", "go1.16.0", true},
		{"GO-2021-0067", "Go", "stdlib", "1.16", true},
		{"GO-2021-0067", "Go", "stdlib", "go1.16beta1", true},
		{"GO-2021-0067", "Go", "stdlib", "go1.16.1", false},
		{"GO-2021-0067", "Go", "stdlib", "go1.15.15", false},
		{"GO-2021-0068", "Go", "toolchain", "go1.15.6", true},
		{"GO-2021-0068", "Go", "toolchain", "1.14.14", false},
		{"GO-2021-0068", "Go", "toolchain", "go1.15.7", false},
		{"GO-2021-0068", "Go", "stdlib", "go1.15.6", false},
		{"MAL-2025-2544", "Go", "github.com/belatedplanet/hypert", "v0.0.0-20240101000000-abcdefabcdef", true},
		// crates.io: "-" and "_" are one; multi-introduced SEMVER range.
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.9.17", true},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.9.18", false},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.10.1", true},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.10.2", false},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.10.0-alpha.1", false},
		{"RUSTSEC-2024-0445", "crates.io", "cap_primitives", "3.4.0", true},
		{"RUSTSEC-2024-0445", "crates.io", "cap-primitives", "3.4.1", false},
		{"RUSTSEC-2022-0042", "crates.io", "rustdecimal", "0.0.0-0", true},
		{"MAL-2023-8429", "crates.io", "littest", "0.3.1", true},
		{"MAL-2023-8429", "crates.io", "littest", "0.3.2", false},
		// Ecosystem suffix on the query side.
		{"GHSA-mjmj-j48q-9wg2", "Maven:https://repo.maven.apache.org/maven2", "org.yaml:snakeyaml", "1.33", true},
		{"GHSA-wrh9-cjv3-2hpw", "PyPI", "sequelize", "6.19.0", false},
	} {
		got, err := Affects(rec(t, c.id), c.eco, c.name, c.version)
		if err != nil {
			t.Errorf("%s %s/%s@%s: %v", c.id, c.eco, c.name, c.version, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s %s/%s@%s = %v, want %v", c.id, c.eco, c.name, c.version, got, c.want)
		}
	}
}

func TestAffectsUnparseable(t *testing.T) {
	for _, c := range []struct{ id, eco, name, version string }{
		{"GHSA-wrh9-cjv3-2hpw", "npm", "sequelize", "latest"},
		{"PYSEC-2012-1", "PyPI", "beaker", "1.6-final-final"},
		{"GO-2021-0067", "Go", "stdlib", "devel +abc"},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", "0.9"},
		// An unparseable version is an error even when no entry names the package.
		{"GHSA-wrh9-cjv3-2hpw", "npm", "left-pad", "???"},
	} {
		ok, err := Affects(rec(t, c.id), c.eco, c.name, c.version)
		if ok || !errors.Is(err, ErrUnparseableVersion) {
			t.Errorf("%s %s@%s = %v, %v; want ErrUnparseableVersion", c.id, c.name, c.version, ok, err)
		}
	}
}

// scannerStyleAffects is osv-scanner's (<= v2.2) range loop, which returns
// false at the first range that is neither ECOSYSTEM nor SEMVER.
func scannerStyleAffects(a Affected, pv *pkgVersion) bool {
	for _, s := range a.Versions {
		if s == pv.raw {
			return true
		}
	}
	for _, rg := range a.Ranges {
		if rg.Type != rangeEcosystem && rg.Type != rangeSemver {
			return false
		}
		if rangeContains(nil, rg, pv.key, rg.Type == rangeSemver, pv.as(rg.Type == rangeSemver)) {
			return true
		}
	}
	return false
}

// The six PyPI records of the export whose only version evidence is an
// ECOSYSTEM range that follows a GIT range in the same entry (no `versions`
// list): PYSEC-2019-227, PYSEC-2020-269, PYSEC-2020-300 (tensorflow-cpu),
// PYSEC-2020-335 (tensorflow-gpu), PYSEC-2021-371 (binderhub) and the
// withdrawn PYSEC-2022-43052 (request-util).
func TestGitRangeDoesNotHideEcosystemRange(t *testing.T) {
	for _, c := range []struct{ id, name, version string }{
		{"PYSEC-2019-227", "tensorflow-cpu", "1.14.0"},
		{"PYSEC-2020-269", "tensorflow-cpu", "1.6.0"},
		{"PYSEC-2020-300", "tensorflow-cpu", "2.4.0rc4"},
		{"PYSEC-2020-335", "tensorflow-gpu", "2.4.0rc0"},
		// Fixed "0.2.0-n653" is not PEP 440; it reads as 0.2.0.
		{"PYSEC-2021-371", "binderhub", "0.1.0"},
		{"PYSEC-2022-43052", "request-util", "1.0.0"},
	} {
		r := rec(t, c.id)
		if len(r.Affected) != 1 || len(r.Affected[0].Ranges) < 2 || r.Affected[0].Ranges[0].Type != "GIT" ||
			r.Affected[0].Ranges[1].Type != rangeEcosystem || len(r.Affected[0].Versions) != 0 {
			t.Fatalf("%s no longer has the GIT-then-ECOSYSTEM shape", c.id)
		}
		got, err := Affects(r, "PyPI", c.name, c.version)
		if err != nil || !got {
			t.Errorf("%s %s@%s = %v, %v; want affected", c.id, c.name, c.version, got, err)
		}
		pv, err := newPkgVersion("PyPI", c.version)
		if err != nil {
			t.Fatal(err)
		}
		if scannerStyleAffects(r.Affected[0], pv) {
			t.Errorf("%s: the osv-scanner loop should miss this record (it is why the test exists)", c.id)
		}
	}
	// The range still bounds: versions outside it are clean.
	for _, c := range []struct{ id, name, version string }{
		{"PYSEC-2019-227", "tensorflow-cpu", "1.15.0"},
		{"PYSEC-2019-227", "tensorflow-cpu", "0.12.0"},
		{"PYSEC-2020-300", "tensorflow-cpu", "2.4.0"},
		{"PYSEC-2020-300", "tensorflow-cpu", "2.3.1"},
		{"PYSEC-2021-371", "binderhub", "0.2.0"},
	} {
		if got, err := Affects(rec(t, c.id), "PyPI", c.name, c.version); err != nil || got {
			t.Errorf("%s %s@%s = %v, %v; want not affected", c.id, c.name, c.version, got, err)
		}
	}
}

// No record in the export has a `limit` event, so this uses a decoded copy
// of the real GO-2021-0068 with limits added.
func TestLimitEvents(t *testing.T) {
	r := rec(t, "GO-2021-0068")
	evs := r.Affected[0].Ranges[0].Events
	r.Affected[0].Ranges[0].Events = append(evs[:len(evs):len(evs)], Event{Limit: "1.15.5"})
	for v, want := range map[string]bool{"1.14.13": true, "1.15.4": true, "1.15.5": false, "1.15.6": false} {
		if got, err := Affects(r, "Go", "toolchain", v); err != nil || got != want {
			t.Errorf("limit 1.15.5: %s = %v, %v; want %v", v, got, err, want)
		}
	}
	if got := Ranges(r, "Go", "toolchain"); !reflect.DeepEqual(got, []string{"<1.14.14", ">=1.15.0-0, <1.15.5"}) {
		t.Errorf("Ranges with limit = %q", got)
	}
	// Several limits: a version below any of them stays in scope; "*" is infinity.
	r.Affected[0].Ranges[0].Events = append(evs[:len(evs):len(evs)], Event{Limit: "1.14.10"}, Event{Limit: "1.15.5"})
	if got, _ := Affects(r, "Go", "toolchain", "1.15.1"); !got {
		t.Error("1.15.1 is below the 1.15.5 limit")
	}
	r.Affected[0].Ranges[0].Events = append(evs[:len(evs):len(evs)], Event{Limit: "1.14.10"}, Event{Limit: "*"})
	if got, _ := Affects(r, "Go", "toolchain", "1.15.6"); !got {
		t.Error(`limit "*" must not cap the range`)
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		id, eco, name string
		want          []string
	}{
		{"GHSA-wrh9-cjv3-2hpw", "npm", "sequelize", []string{"<6.19.1"}},
		{"GHSA-j8jw-g6fq-mp7h", "Maven", "org.hibernate:hibernate-core", []string{">=5.4.0.Final, <5.4.24.Final", "<5.3.20.Final"}},
		{"GHSA-29mw-wpgm-hmr9", "npm", "lodash.trim", []string{"<=4.5.1"}},
		{"RUSTSEC-2017-0002", "crates.io", "hyper", []string{">=0.0.0-0, <0.9.18", ">=0.10.0, <0.10.2"}},
		{"GO-2021-0068", "Go", "toolchain", []string{"<1.14.14", ">=1.15.0-0, <1.15.7"}},
		{"PYSEC-2011-28", "PyPI", "django", []string{"<1.1.3", ">=1.2, <1.2.4"}},
		{"PYSEC-2019-227", "PyPI", "tensorflow-cpu", []string{">=1.0.0, <1.15.0"}},
		{"MAL-2025-2552", "Maven", "io.github.leetcrunch:scribejava-core", []string{"all versions"}},
		{"MAL-2024-1398", "npm", "drata", []string{"=1.0.0", "=1.1.0"}},
		{"PYSEC-2022-43180", "PyPI", "avro", nil},
		{"GHSA-wrh9-cjv3-2hpw", "npm", "lodash", nil},
	} {
		if got := Ranges(rec(t, c.id), c.eco, c.name); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Ranges(%s, %s) = %q, want %q", c.id, c.name, got, c.want)
		}
	}
}

func TestClearingVersion(t *testing.T) {
	log4j := recs(t, "GHSA-jfh8-c2jp-5v3q", "GHSA-7rjr-3q55-vv33", "GHSA-p6xc-xr62-6r2g")
	sequelize := recs(t, "GHSA-wrh9-cjv3-2hpw", "GHSA-f598-mfpv-gmfx", "GHSA-8c25-f3mj-v6h8", "GHSA-vqfx-gj96-3w95")
	for _, c := range []struct {
		name    string
		records []*Record
		eco     string
		pkg     string
		current string
		want    string
		ok      bool
	}{
		// 2.15.0 fixes CVE-2021-44228 but lies in CVE-2021-45046's range,
		// 2.16.0 in CVE-2021-45105's; 2.17.0 clears all three.
		{"log4j 2.14.1", log4j, "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "2.17.0", true},
		// On the 2.12 branch the branch fix 2.12.3 clears all three.
		{"log4j 2.12.1", log4j, "Maven", "org.apache.logging.log4j:log4j-core", "2.12.1", "2.12.3", true},
		// 2.3.1 fixes CVE-2021-44228 and CVE-2021-45105 on the 2.0-2.3 line but
		// GHSA-7rjr-3q55-vv33 covers everything below 2.12.2, and 2.12.2 is
		// inside GHSA-p6xc-xr62-6r2g's [2.4.0, 2.12.3).
		{"log4j 2.0-beta9", log4j, "Maven", "org.apache.logging.log4j:log4j-core", "2.0-beta9", "2.12.3", true},
		{"sequelize", sequelize, "npm", "sequelize", "6.19.0", "6.29.0", true},
		{"@sequelize/core", sequelize, "npm", "@sequelize/core", "7.0.0-alpha.1", "7.0.0-alpha.20", true},
		{"hibernate", recs(t, "GHSA-j8jw-g6fq-mp7h"), "Maven", "org.hibernate:hibernate-core", "3.6.10.Final", "5.3.20.Final", true},
		{"already clear", sequelize, "npm", "sequelize", "6.29.0", "6.29.0", true},
		{"last_affected only", recs(t, "GHSA-29mw-wpgm-hmr9"), "npm", "lodash.trim", "4.5.1", "", false},
		{"malicious, no fix", recs(t, "MAL-2025-2552"), "Maven", "io.github.leetcrunch:scribejava-core", "1.0", "", false},
		{"unparseable current", sequelize, "npm", "sequelize", "latest", "", false},
		{"withdrawn ignored", recs(t, "MAL-2024-1398"), "npm", "drata", "1.0.0", "1.0.0", true},
		{"go v prefix", recs(t, "GO-2021-0072"), "Go", "github.com/docker/distribution", "v2.6.2+incompatible", "2.7.0-rc.0+incompatible", true},
	} {
		got, ok := ClearingVersion(c.records, c.eco, c.pkg, c.current)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: ClearingVersion = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestFixedVersions(t *testing.T) {
	// Three affected entries for one package: every fix, in record order.
	got := FixedVersions(rec(t, "GHSA-jfh8-c2jp-5v3q"), "Maven", "org.apache.logging.log4j:log4j-core")
	if !slices.Equal(got, []string{"2.15.0", "2.3.1", "2.12.2"}) {
		t.Errorf("log4j-core fixes %v, want 2.15.0, 2.3.1, 2.12.2", got)
	}
	// Two packages in one record: only the asked one's fix.
	seq := rec(t, "GHSA-f598-mfpv-gmfx")
	if got := FixedVersions(seq, "npm", "sequelize"); !slices.Equal(got, []string{"6.29.0"}) {
		t.Errorf("sequelize fixes %v, want 6.29.0", got)
	}
	if got := FixedVersions(seq, "npm", "lodash"); len(got) != 0 {
		t.Errorf("a record not about lodash names fixes %v for it", got)
	}
}
