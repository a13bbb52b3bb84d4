package gate

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/vulndb"
)

var (
	sequelize619 = [3]string{"npm", "sequelize", "6.19.0"} // GHSA-wrh9 critical CWE-89, GHSA-8c25 medium; orm
	sequelize628 = [3]string{"npm", "sequelize", "6.28.0"} // GHSA-8c25 medium; orm
	knex         = [3]string{"npm", "knex", "2.3.0"}       // GHSA-4jv9 high CWE-89; orm, query-builder
	express      = [3]string{"npm", "express", "4.19.2"}   // GHSA-qw6h medium; no category
	lodash       = [3]string{"npm", "lodash", "4.17.15"}   // GHSA-35jh high, GHSA-p6mc high, GHSA-29mw medium
	pg           = [3]string{"npm", "pg", "7.1.0"}         // GHSA-wc9v critical; db-driver
	malicious    = [3]string{"npm", "harbor-container-webhook", "1.7.0"}
	pymongo      = [3]string{"PyPI", "pymongo", "4.6.2"}         // PYSEC-2026-1826 medium (CVSS 3.1); db-driver
	sqlalchemy   = [3]string{"PyPI", "SQLAlchemy", "1.2.17"}     // PYSEC-2019-124 unscored; orm
	xtext        = [3]string{"Go", "golang.org/x/text", "0.3.7"} // GO-2022-1059 unscored
)

// decisionOf finds the decision of finding id in package name.
func decisionOf(t *testing.T, res *vulndb.Result, v *Verdict, id, name string) *Decision {
	t.Helper()
	if len(v.Decisions) != len(res.Findings) {
		t.Fatalf("%d decisions for %d findings", len(v.Decisions), len(res.Findings))
	}
	for i, f := range res.Findings {
		if f.ID == id && f.Package.Name == name {
			return v.Decisions[i]
		}
	}
	t.Fatalf("no finding %s in %s", id, name)
	return nil
}

func policyWith(edit func(*Policy)) *Policy {
	p := DefaultPolicy()
	edit(p)
	return p
}

// TestDefaultVerdicts pins the default policy on each real record alone.
func TestDefaultVerdicts(t *testing.T) {
	tests := []struct {
		pkg       [3]string
		id        string
		block     bool
		threshold string
		why       string
		highlight bool
	}{
		{sequelize619, "GHSA-wrh9-cjv3-2hpw", true, "medium", "critical at or above orm threshold medium", true},
		{sequelize619, "GHSA-8c25-f3mj-v6h8", true, "medium", "medium at or above orm threshold medium", false},
		{knex, "GHSA-4jv9-3563-23j3", true, "medium", "high at or above orm threshold medium", true},
		{express, "GHSA-qw6h-vgh9-j6wx", false, "high", "medium below fail-on high", false},
		{lodash, "GHSA-p6mc-m468-83gw", true, "high", "high at or above fail-on high", false},
		{lodash, "GHSA-35jh-r3h4-6jhm", true, "high", "high at or above fail-on high", false},
		{lodash, "GHSA-29mw-wpgm-hmr9", false, "high", "medium below fail-on high", false},
		{pg, "GHSA-wc9v-mj63-m9g5", true, "medium", "critical at or above db-driver threshold medium", false},
		{malicious, "MAL-2024-1010", true, "high", "malicious package: always blocks", false},
		{pymongo, "PYSEC-2026-1826", true, "medium", "medium at or above db-driver threshold medium", false},
		{sqlalchemy, "PYSEC-2019-124", true, "medium", "unscored: fail", false},
		{xtext, "GO-2022-1059", true, "high", "unscored: fail", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			res := result(t, tt.pkg)
			v := Evaluate(res, nil, nil, now)
			d := decisionOf(t, res, v, tt.id, tt.pkg[1])
			if d.Blocking != tt.block || d.Threshold != tt.threshold || d.Highlight != tt.highlight || len(d.Why) == 0 || d.Why[0] != tt.why {
				t.Fatalf("decision %+v, want blocking %v threshold %s highlight %v why %q", d, tt.block, tt.threshold, tt.highlight, tt.why)
			}
			anyBlock := slices.ContainsFunc(v.Decisions, func(d *Decision) bool { return d.Blocking })
			if v.Pass == anyBlock {
				t.Fatalf("Pass %v with a blocking decision %v", v.Pass, anyBlock)
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	res := result(t, express, lodash)
	for _, tt := range []struct {
		failOn  string
		pass    bool
		blocked []string
	}{
		{"low", false, []string{"GHSA-qw6h-vgh9-j6wx", "GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw", "GHSA-29mw-wpgm-hmr9"}},
		{"medium", false, []string{"GHSA-qw6h-vgh9-j6wx", "GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw", "GHSA-29mw-wpgm-hmr9"}},
		{"high", false, []string{"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}},
		{"critical", true, nil},
		{"never", true, nil},
	} {
		p := DefaultPolicy()
		if err := p.Apply(Flags{FailOn: &tt.failOn}); err != nil {
			t.Fatal(err)
		}
		v := Evaluate(res, p, nil, now)
		var blocked []string
		for i, d := range v.Decisions {
			if d.Blocking {
				blocked = append(blocked, res.Findings[i].ID)
			}
		}
		if v.Pass != tt.pass || !reflect.DeepEqual(blocked, tt.blocked) {
			t.Errorf("fail-on %s: pass %v blocked %v, want %v %v", tt.failOn, v.Pass, blocked, tt.pass, tt.blocked)
		}
	}
}

// A malicious finding blocks under every setting that lets others pass.
func TestMaliciousAlwaysBlocks(t *testing.T) {
	res := result(t, malicious)
	f := res.Findings[0]
	if !f.Malicious {
		t.Fatal("MAL-2024-1010 not matched as malicious")
	}
	no := false
	f.Reachable = &no
	p := policyWith(func(p *Policy) {
		p.FailOn, p.Unreachable = "never", "ignore"
		// LoadPolicy refuses this ignore; a policy built in code must not
		// get it past Evaluate either.
		p.Ignores = []Ignore{{ID: "MAL-2024-1010", Reason: "r", Expires: now.AddDate(0, 1, 0), Line: 3}}
	})
	b := &Baseline{Keys: map[string]bool{"MAL-2024-1010|pkg:npm/harbor-container-webhook@1.7.0": true}, Source: "old.json"}
	v := Evaluate(res, p, b, now)
	d := v.Decisions[0]
	if v.Pass || !d.Blocking || d.Ignored || !d.InBaseline {
		t.Fatalf("verdict pass %v, decision %+v", v.Pass, d)
	}
	want := []string{"MAL-2024-1010 in npm harbor-container-webhook@1.7.0 (function.zip): malicious package: always blocks, ignore MAL-2024-1010 refused, in baseline but malicious"}
	if !reflect.DeepEqual(allLines(v), want) {
		t.Fatalf("Reasons:\n%q\nwant\n%q", allLines(v), want)
	}
	if len(v.StaleIgnores) != 0 {
		t.Fatalf("a refused ignore is not stale: %+v", v.StaleIgnores)
	}
}

func TestUnscored(t *testing.T) {
	res := result(t, sqlalchemy, xtext)
	v := Evaluate(res, nil, nil, now)
	if v.Pass || !v.Decisions[0].Blocking || !v.Decisions[1].Blocking {
		t.Fatalf("unscored: fail let a finding pass: %+v", v.Decisions)
	}
	// Not treated as low: fail-on low does not make them "low".
	v = Evaluate(res, policyWith(func(p *Policy) { p.FailOn = "never"; p.Categories = nil }), nil, now)
	if v.Pass {
		t.Fatal("unscored finding passed under fail-on never with unscored: fail")
	}
	v = Evaluate(res, policyWith(func(p *Policy) { p.Unscored = "warn" }), nil, now)
	if !v.Pass {
		t.Fatalf("unscored: warn still blocks: %q", allLines(v))
	}
	want := []string{
		"GO-2022-1059 in Go golang.org/x/text@0.3.7 (function.zip): unscored, not blocking (unscored: warn)",
		"PYSEC-2019-124 in PyPI SQLAlchemy@1.2.17 (function.zip): unscored, not blocking (unscored: warn)",
	}
	if !reflect.DeepEqual(allLines(v), want) {
		t.Fatalf("Reasons:\n%q\nwant\n%q", allLines(v), want)
	}
}

func TestCategoryThresholds(t *testing.T) {
	res := result(t, sequelize628, express, pymongo)
	v := Evaluate(res, nil, nil, now)
	if d := decisionOf(t, res, v, "GHSA-8c25-f3mj-v6h8", "sequelize"); !d.Blocking || d.Threshold != "medium" {
		t.Errorf("orm medium: %+v", d)
	}
	if d := decisionOf(t, res, v, "GHSA-qw6h-vgh9-j6wx", "express"); d.Blocking || d.Threshold != "high" {
		t.Errorf("medium outside categories: %+v", d)
	}
	if d := decisionOf(t, res, v, "PYSEC-2026-1826", "pymongo"); !d.Blocking {
		t.Errorf("db-driver medium: %+v", d)
	}

	// A looser category threshold does not loosen fail-on: the stricter wins.
	v = Evaluate(res, policyWith(func(p *Policy) { p.FailOn = "medium"; p.Categories["orm"] = "critical" }), nil, now)
	if d := decisionOf(t, res, v, "GHSA-8c25-f3mj-v6h8", "sequelize"); !d.Blocking || d.Threshold != "medium" {
		t.Errorf("orm critical under fail-on medium: %+v", d)
	}
	// orm: high lets the medium pass; "never" removes the category's own
	// threshold; db-driver keeps its default.
	for _, t2 := range []string{"high", "never"} {
		v = Evaluate(res, policyWith(func(p *Policy) { p.Categories["orm"] = t2 }), nil, now)
		if d := decisionOf(t, res, v, "GHSA-8c25-f3mj-v6h8", "sequelize"); d.Blocking || d.Threshold != "high" {
			t.Errorf("orm %s: %+v", t2, d)
		}
		if d := decisionOf(t, res, v, "PYSEC-2026-1826", "pymongo"); !d.Blocking {
			t.Errorf("orm %s changed db-driver: %+v", t2, d)
		}
	}
	// fail-on never keeps category thresholds (stricter of the two).
	v = Evaluate(res, policyWith(func(p *Policy) { p.FailOn = "never" }), nil, now)
	if d := decisionOf(t, res, v, "PYSEC-2026-1826", "pymongo"); !d.Blocking || v.Pass {
		t.Errorf("fail-on never dropped the db-driver threshold: %+v", d)
	}
	// A category from a loaded file applies the same way.
	p, err := LoadPolicy(writePolicy(t, "fail-on: critical\ncategories:\n  db-driver: low\n  orm: never\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	v = Evaluate(res, p, nil, now)
	if d := decisionOf(t, res, v, "PYSEC-2026-1826", "pymongo"); !d.Blocking || d.Threshold != "low" {
		t.Errorf("db-driver low from file: %+v", d)
	}
	if d := decisionOf(t, res, v, "GHSA-8c25-f3mj-v6h8", "sequelize"); d.Blocking || d.Threshold != "critical" {
		t.Errorf("orm never from file: %+v", d)
	}
}

// TestReasonsDefault pins the full Reasons of a mixed release: SQL
// injection highlights first (even the one that is ignored), then
// malicious, then blocking findings by severity, then warnings.
func TestReasonsDefault(t *testing.T) {
	res := result(t, express, lodash, knex, pg, malicious, sequelize619, xtext)
	no := false
	for _, f := range res.Findings {
		if f.ID == "GO-2022-1059" {
			f.Reachable = &no
		}
	}
	p := policyWith(func(p *Policy) {
		p.Source = ".fnguard.yaml"
		p.Ignores = []Ignore{
			{ID: "CVE-2016-20018", Reason: "knex used for migrations only", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Line: 4},
			{ID: "GHSA-xxxx-xxxx-xxxx", Reason: "old", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Line: 8},
		}
	})
	v := Evaluate(res, p, nil, now)
	want := []string{
		"SQL injection (CWE-89) in orm npm sequelize@6.19.0 (function.zip): GHSA-wrh9-cjv3-2hpw (critical, blocking)",
		"SQL injection (CWE-89) in orm/query-builder npm knex@2.3.0 (function.zip): GHSA-4jv9-3563-23j3 (high, not blocking: ignored until 2027-01-31)",
		"MAL-2024-1010 in npm harbor-container-webhook@1.7.0 (function.zip): malicious package: always blocks",
		"GHSA-wc9v-mj63-m9g5 in npm pg@7.1.0 (function.zip): critical at or above db-driver threshold medium",
		"GHSA-35jh-r3h4-6jhm in npm lodash@4.17.15 (function.zip): high at or above fail-on high",
		"GHSA-p6mc-m468-83gw in npm lodash@4.17.15 (function.zip): high at or above fail-on high",
		"GHSA-8c25-f3mj-v6h8 in npm sequelize@6.19.0 (function.zip): medium at or above orm threshold medium",
		"ignore GHSA-xxxx-xxxx-xxxx (.fnguard.yaml:8) matches no finding in this scan: remove it",
		"GO-2022-1059 in Go golang.org/x/text@0.3.7 (function.zip): not blocking (unscored, vulnerable symbols not linked, unreachable: warn)",
	}
	if !reflect.DeepEqual(allLines(v), want) {
		t.Fatalf("Reasons:\n%s\nwant\n%s", strings.Join(allLines(v), "\n"), strings.Join(want, "\n"))
	}
	// A FAIL lists only its causes; what was let through is a note.
	if len(v.Notes) != 2 || !strings.Contains(v.Notes[0], "matches no finding") || !strings.Contains(v.Notes[1], "not blocking") {
		t.Errorf("notes %q: want the stale ignore and the unreachable finding", v.Notes)
	}
	for _, r := range v.Reasons {
		if strings.Contains(r, "matches no finding") || strings.Contains(r, ": not blocking (") {
			t.Errorf("a note among the reasons: %q", r)
		}
	}
	if v.Pass {
		t.Fatal("pass with blocking findings")
	}
	// The order does not depend on the order of the findings.
	rev := &vulndb.Result{Findings: slices.Clone(res.Findings)}
	slices.Reverse(rev.Findings)
	if got := allLines(Evaluate(rev, p, nil, now)); !reflect.DeepEqual(got, want) {
		t.Fatalf("Reasons depend on finding order:\n%s", strings.Join(got, "\n"))
	}
}

func TestHighlightOnlyForSQLCategories(t *testing.T) {
	res := result(t, sequelize619)
	// The same CWE-89 advisory on a package without an ORM/driver category
	// is not highlighted.
	f := *res.Findings[0]
	p := *f.Package
	p.Categories = []string{"kv-store"}
	f.Package = &p
	v := Evaluate(&vulndb.Result{Findings: []*vulndb.Finding{&f}}, nil, nil, now)
	if v.Decisions[0].Highlight || strings.HasPrefix(allLines(v)[0], "SQL injection") {
		t.Fatalf("highlighted outside orm/db-driver/query-builder: %+v %q", v.Decisions[0], allLines(v))
	}
}

func TestIgnores(t *testing.T) {
	res := result(t, lodash, express)
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	run := func(igs ...Ignore) *Verdict {
		return Evaluate(res, policyWith(func(p *Policy) { p.Ignores = igs }), nil, now)
	}
	ig := func(id, pkg string) Ignore {
		return Ignore{ID: id, Reason: "accepted", Expires: exp, Package: pkg, Line: 5}
	}

	t.Run("alias", func(t *testing.T) {
		v := run(ig("CVE-2020-8203", ""), ig("cve-2021-23337", "")) // CVE alias, any case
		d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash")
		if d.Blocking || !d.Ignored || d.IgnoreReason != "accepted" || !d.IgnoreExpires.Equal(exp) || !slices.Contains(d.Why, "ignored until 2027-01-31: accepted") {
			t.Fatalf("ignore by alias: %+v", d)
		}
		if !v.Pass || len(v.StaleIgnores) != 0 {
			t.Fatalf("pass %v, stale %+v, reasons %q", v.Pass, v.StaleIgnores, allLines(v))
		}
	})
	for _, scope := range []string{"npm/lodash", "lodash", "pkg:npm/lodash", "pkg:npm/lodash@4.17.15", "NPM/lodash@4.17.15"} {
		t.Run("scope "+scope, func(t *testing.T) {
			v := run(ig("GHSA-p6mc-m468-83gw", scope), ig("GHSA-35jh-r3h4-6jhm", ""))
			if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); !d.Ignored || d.Blocking {
				t.Fatalf("scope %q did not match lodash@4.17.15: %+v", scope, d)
			}
		})
	}
	for _, scope := range []string{"npm/lodash-es", "lodash-es", "pkg:npm/lodash@4.17.21", "PyPI/lodash", "npm/lodash@4.17.21"} {
		t.Run("other package "+scope, func(t *testing.T) {
			v := run(ig("GHSA-p6mc-m468-83gw", scope))
			d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash")
			if d.Ignored || !d.Blocking || v.Pass {
				t.Fatalf("scope %q matched lodash@4.17.15: %+v", scope, d)
			}
			if len(v.StaleIgnores) != 1 || v.StaleIgnores[0].Package != scope {
				t.Fatalf("unmatched scoped ignore not stale: %+v", v.StaleIgnores)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		old := Ignore{ID: "GHSA-p6mc-m468-83gw", Reason: "accepted", Expires: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Line: 7}
		v := Evaluate(res, policyWith(func(p *Policy) { p.Ignores = []Ignore{old}; p.Source = "pol.yaml" }), nil, now)
		d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash")
		if d.Ignored || !d.IgnoreExpired || !d.Blocking || v.Pass {
			t.Fatalf("expired ignore still applies: %+v", d)
		}
		if !reflect.DeepEqual(v.ExpiredIgnores, []Ignore{old}) || len(v.StaleIgnores) != 0 {
			t.Fatalf("expired %+v stale %+v", v.ExpiredIgnores, v.StaleIgnores)
		}
		for _, want := range []string{
			"GHSA-p6mc-m468-83gw in npm lodash@4.17.15 (function.zip): high at or above fail-on high, ignore expired on 2026-11-22",
			"ignore GHSA-p6mc-m468-83gw (pol.yaml:7) expired on 2026-11-22: its findings count again",
		} {
			if !slices.Contains(allLines(v), want) {
				t.Errorf("Reasons lack %q:\n%s", want, strings.Join(allLines(v), "\n"))
			}
		}
	})
	t.Run("expires day is included", func(t *testing.T) {
		today := Ignore{ID: "GHSA-p6mc-m468-83gw", Reason: "r", Expires: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
		p := policyWith(func(p *Policy) { p.Ignores = []Ignore{today} })
		if d := decisionOf(t, res, Evaluate(res, p, nil, now), "GHSA-p6mc-m468-83gw", "lodash"); !d.Ignored {
			t.Fatalf("ignore expiring today no longer applies: %+v", d)
		}
		next := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		if d := decisionOf(t, res, Evaluate(res, p, nil, next), "GHSA-p6mc-m468-83gw", "lodash"); d.Ignored || !d.IgnoreExpired {
			t.Fatalf("ignore still applies the day after it expired: %+v", d)
		}
	})
	t.Run("stale is not blocking", func(t *testing.T) {
		resE := result(t, express)
		v := Evaluate(resE, policyWith(func(p *Policy) {
			p.Ignores = []Ignore{{ID: "GHSA-0000-0000-0000", Reason: "r", Expires: exp, Line: 2}}
		}), nil, now)
		want := []string{"ignore GHSA-0000-0000-0000 (line 2) matches no finding in this scan: remove it"}
		if !v.Pass || len(v.StaleIgnores) != 1 || !reflect.DeepEqual(allLines(v), want) {
			t.Fatalf("pass %v stale %+v reasons %q", v.Pass, v.StaleIgnores, allLines(v))
		}
	})
}

// TestIgnoreFromFile goes through LoadPolicy, as the CLI does.
func TestIgnoreFromFile(t *testing.T) {
	path := writePolicy(t, `ignores:
  - id: CVE-2020-8203
    reason: zipObjectDeep is not used
    expires: 2027-01-31
    package: pkg:npm/lodash@4.17.15
  - id: GHSA-35jh-r3h4-6jhm
    reason: template() never sees user input
    expires: 2026-10-01
`)
	p, err := LoadPolicy(path, now)
	if err != nil {
		t.Fatal(err)
	}
	res := result(t, lodash)
	v := Evaluate(res, p, nil, now)
	if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); !d.Ignored || d.Blocking {
		t.Fatalf("p6mc: %+v", d)
	}
	if d := decisionOf(t, res, v, "GHSA-35jh-r3h4-6jhm", "lodash"); !d.IgnoreExpired || !d.Blocking {
		t.Fatalf("35jh: %+v", d)
	}
	want := "ignore GHSA-35jh-r3h4-6jhm (" + path + ":6) expired on 2026-10-01: its findings count again"
	if v.Pass || !slices.Contains(allLines(v), want) {
		t.Fatalf("Reasons lack %q:\n%s", want, strings.Join(allLines(v), "\n"))
	}
}

func TestUnreachable(t *testing.T) {
	no, yes := false, true
	for _, tt := range []struct {
		policy    string
		reachable *bool
		reason    string
		block     bool
		why       string
	}{
		{"warn", &no, "", false, "unreachable: warn"},
		{"ignore", &no, "", false, "unreachable: ignored"},
		{"fail", &no, "", true, "unreachable: fail"},
		{"warn", &yes, "", true, ""},
		// nil with a reason is "cannot tell": treated as reachable.
		{"warn", nil, "binary stripped of symbols", true, ""},
		{"ignore", nil, "binary stripped of symbols", true, ""},
	} {
		res := result(t, xtext)
		res.Findings[0].Reachable, res.Findings[0].ReachReason = tt.reachable, tt.reason
		v := Evaluate(res, policyWith(func(p *Policy) { p.Unreachable = tt.policy }), nil, now)
		d := v.Decisions[0]
		if d.Blocking != tt.block || v.Pass == tt.block {
			t.Errorf("unreachable %s, reachable %v: blocking %v pass %v, want blocking %v", tt.policy, tt.reachable, d.Blocking, v.Pass, tt.block)
		}
		if tt.why != "" && !slices.Contains(d.Why, tt.why) {
			t.Errorf("unreachable %s: Why %q lacks %q", tt.policy, d.Why, tt.why)
		}
		// warn shows a line, ignore shows none.
		hasLine := slices.ContainsFunc(allLines(v), func(s string) bool { return strings.Contains(s, "not linked") })
		if hasLine != (tt.policy == "warn" && tt.reachable != nil && !*tt.reachable) {
			t.Errorf("unreachable %s, reachable %v: Reasons %q", tt.policy, tt.reachable, allLines(v))
		}
	}
}

func TestUnchecked(t *testing.T) {
	res := result(t, express)
	bad := pkg("npm", "left-pad", "latest")
	res.Unchecked = []vulndb.Unchecked{{Package: bad, Reason: `"latest" is not a version`}}
	v := Evaluate(res, nil, nil, now)
	want := []string{`npm left-pad@latest (function.zip) could not be checked ("latest" is not a version): blocking, unchecked: fail`}
	if v.Pass || !v.UncheckedBlocking || !reflect.DeepEqual(allLines(v), want) {
		t.Fatalf("unchecked: fail: pass %v blocking %v reasons %q", v.Pass, v.UncheckedBlocking, allLines(v))
	}
	v = Evaluate(res, policyWith(func(p *Policy) { p.Unchecked = "warn" }), nil, now)
	want = []string{`npm left-pad@latest (function.zip) could not be checked ("latest" is not a version): not blocking, unchecked: warn`}
	if !v.Pass || v.UncheckedBlocking || !reflect.DeepEqual(allLines(v), want) {
		t.Fatalf("unchecked: warn: pass %v blocking %v reasons %q", v.Pass, v.UncheckedBlocking, allLines(v))
	}
}

func TestEvaluateEmpty(t *testing.T) {
	for _, res := range []*vulndb.Result{nil, {}} {
		v := Evaluate(res, nil, nil, now)
		if !v.Pass || len(allLines(v)) != 0 || len(v.Decisions) != 0 || v.Policy == nil {
			t.Fatalf("empty result: %+v", v)
		}
	}
}

func TestCheckDatabaseAge(t *testing.T) {
	p := DefaultPolicy()
	if err := CheckDatabaseAge(now.Add(-7*24*time.Hour), p, now); err != nil {
		t.Fatalf("exactly max-db-age old: %v", err)
	}
	if err := CheckDatabaseAge(now.Add(time.Hour), p, now); err != nil {
		t.Fatalf("updated in the future (clock skew): %v", err)
	}
	err := CheckDatabaseAge(time.Date(2026, 11, 10, 6, 0, 0, 0, time.UTC), p, now)
	want := "advisory database is stale: updated 2026-11-10T06:00:00Z (13d6h ago), policy max-db-age 7d; run: fnguard db update"
	if !errors.Is(err, ErrStale) || err.Error() != want {
		t.Fatalf("CheckDatabaseAge = %v, want %q", err, want)
	}
	if err := CheckDatabaseAge(time.Time{}, p, now); !errors.Is(err, ErrStale) {
		t.Fatalf("unknown update time accepted: %v", err)
	}
	short := policyWith(func(p *Policy) { p.MaxDBAge = 12 * time.Hour })
	err = CheckDatabaseAge(now.Add(-13*time.Hour), short, now)
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "(13h0m0s ago), policy max-db-age 12h0m0s") {
		t.Fatalf("12h policy: %v", err)
	}
}

// allLines is the verdict's explanation as one list: what decides, then
// what did not block.
func allLines(v *Verdict) []string {
	return append(append([]string(nil), v.Reasons...), v.Notes...)
}
