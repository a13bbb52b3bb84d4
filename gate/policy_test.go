package gate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writePolicy(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".fnguard.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	want := &Policy{FailOn: "high", Unscored: "fail", Unchecked: "fail", Unreachable: "warn",
		MaxDBAge: 7 * 24 * time.Hour, Categories: map[string]string{"orm": "medium", "db-driver": "medium"}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("DefaultPolicy() = %+v, want %+v", p, want)
	}
	// Each call is a fresh copy: flags applied to one must not leak.
	p.Categories["orm"] = "low"
	if DefaultPolicy().Categories["orm"] != "medium" {
		t.Fatal("DefaultPolicy shares its Categories map between calls")
	}
}

func TestLoadPolicyFull(t *testing.T) {
	path := writePolicy(t, `# team policy
fail-on: Medium
unscored: warn
unchecked: warn
unreachable: ignore
max-db-age: 14d
categories:
  orm: high
  kv-store: low
ignores:
  - id: CVE-2020-8203
    reason: "prototype pollution needs zipObjectDeep on user input; we never call it"
    expires: 2027-01-31
    package: npm/lodash
  - id: GHSA-qw6h-vgh9-j6wx
    reason: express redirect XSS, no redirects with user input
    expires: 2026-12-01
`)
	p, err := LoadPolicy(path, now)
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{
		FailOn: "medium", Unscored: "warn", Unchecked: "warn", Unreachable: "ignore",
		MaxDBAge:   14 * 24 * time.Hour,
		Categories: map[string]string{"orm": "high", "db-driver": "medium", "kv-store": "low"},
		Ignores: []Ignore{
			{ID: "CVE-2020-8203", Reason: "prototype pollution needs zipObjectDeep on user input; we never call it",
				Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Package: "npm/lodash", Line: 11},
			{ID: "GHSA-qw6h-vgh9-j6wx", Reason: "express redirect XSS, no redirects with user input",
				Expires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Line: 15},
		},
		Source: path,
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("LoadPolicy:\n got %+v\nwant %+v", p, want)
	}
}

func TestLoadPolicyEmptyIsDefault(t *testing.T) {
	for _, text := range []string{"", "# nothing yet\n", "---\n", "ignores:\n"} {
		path := writePolicy(t, text)
		p, err := LoadPolicy(path, now)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		want := DefaultPolicy()
		want.Source = path
		if !reflect.DeepEqual(p, want) {
			t.Errorf("%q: got %+v, want defaults", text, p)
		}
	}
}

func TestLoadPolicyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := LoadPolicy(path, now)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadPolicy(missing) = %v, want an error naming %s", err, path)
	}
}

func TestLoadPolicyErrors(t *testing.T) {
	ig := func(lines ...string) string { return "ignores:\n  - " + strings.Join(lines, "\n    ") + "\n" }
	tests := []struct {
		name, text, want string
	}{
		{"unknown key", "fail-on: high\nfail_on: low\n", `:2: unknown key "fail_on"`},
		{"bad fail-on", "unscored: warn\nfail-on: severe\n", `:2: fail-on: "severe" is not one of low|medium|high|critical|never`},
		{"bad unscored", "unscored: ignore\n", `:1: unscored: "ignore" is not one of fail|warn`},
		{"bad unchecked", "unchecked: never\n", `:1: unchecked: "never" is not one of fail|warn`},
		{"bad unreachable", "\n\nunreachable: skip\n", `:3: unreachable: "skip" is not one of warn|ignore|fail`},
		{"bad age", "max-db-age: 7 days\n", `:1: max-db-age: "7 days": want a duration`},
		{"zero age", "max-db-age: 0d\n", `:1: max-db-age: "0d": want a whole number of days`},
		{"negative age", "max-db-age: -5h\n", `:1: max-db-age: "-5h": want a positive duration`},
		{"list value", "fail-on:\n  - high\n", `:2: fail-on: want a single value`},
		{"null value", "fail-on:\n", `:1: fail-on: want a single value`},
		{"repeated key", "fail-on: high\nfail-on: low\n", `:2: "fail-on" given twice`},
		{"not a mapping", "- fail-on: high\n", `:1: the policy must be a mapping`},
		{"second document", "fail-on: high\n---\nfail-on: low\n", `:2: a second YAML document`},
		{"bad yaml", "fail-on: high\n\tunscored: warn\n", `:2: not valid YAML: found a tab character`},
		{"unknown category", "categories:\n  orms: medium\n", `:2: categories: unknown category "orms"`},
		{"bad category threshold", "categories:\n  orm: moderate\n", `:2: orm: "moderate" is not one of`},
		{"categories list", "categories:\n  - orm\n", `:2: categories: want a mapping`},
		{"ignores mapping", "ignores:\n  id: X\n", `:2: ignores: want a list`},
		{"ignore not mapping", "ignores:\n  - GHSA-x\n", `:2: ignores[0]: want a mapping`},
		{"ignore unknown key", ig("id: GHSA-p6mc-m468-83gw", "reason: r", "expires: 2027-01-01", "until: 2027-01-01"), `:5: ignores[0]: unknown key "until"`},
		{"ignore no reason", ig("id: GHSA-p6mc-m468-83gw", "expires: 2027-01-01"), `:2: ignores[0]: reason is required`},
		{"ignore empty reason", ig("id: GHSA-p6mc-m468-83gw", `reason: "  "`, "expires: 2027-01-01"), `:3: ignores[0]: reason is empty`},
		{"ignore no expires", ig("id: GHSA-p6mc-m468-83gw", "reason: r"), `:2: ignores[0]: expires is required`},
		{"ignore no id", ig("reason: r", "expires: 2027-01-01"), `:2: ignores[0]: id is required`},
		{"ignore bad date", ig("id: GHSA-p6mc-m468-83gw", "reason: r", "expires: 31/01/2027"), `:4: ignores[0]: expires "31/01/2027": want a date YYYY-MM-DD`},
		{"ignore too far", ig("id: GHSA-p6mc-m468-83gw", "reason: r", "expires: 2027-11-24"), `:4: ignores[0]: expires 2027-11-24 is more than 1 year ahead (latest allowed 2027-11-23)`},
		{"ignore malicious", ig("id: MAL-2024-1010", "reason: r", "expires: 2027-01-01"), `:2: ignores[0]: MAL-2024-1010 is a malicious-package record and cannot be ignored`},
		{"ignore bad purl", ig("id: GHSA-p6mc-m468-83gw", "reason: r", "expires: 2027-01-01", `package: "pkg:"`), `:5: ignores[0]: package "pkg:": invalid purl`},
		{"ignore unknown purl type", ig("id: GHSA-p6mc-m468-83gw", "reason: r", "expires: 2027-01-01", "package: pkg:deb/debian/curl"), `:5: ignores[0]: package "pkg:deb/debian/curl": purl type "deb"`},
		{"ignore repeated key", ig("id: GHSA-p6mc-m468-83gw", "id: GHSA-35jh-r3h4-6jhm", "reason: r", "expires: 2027-01-01"), `:3: ignores[0]: "id" given twice`},
		{"second ignore", "ignores:\n  - id: A\n    reason: r\n    expires: 2027-01-01\n  - id: B\n    reason: r\n", `:5: ignores[1]: expires is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePolicy(t, tt.text)
			p, err := LoadPolicy(path, now)
			if err == nil {
				t.Fatalf("LoadPolicy accepted %q: %+v", tt.text, p)
			}
			if !strings.HasPrefix(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to start with %s and contain %q", err, path, tt.want)
			}
		})
	}
}

// An ignore may expire exactly a year from today, not a day later; today's
// date is taken in UTC whatever the caller's zone.
func TestIgnoreExpiryLimit(t *testing.T) {
	text := func(date string) string {
		return "ignores:\n  - id: GHSA-p6mc-m468-83gw\n    reason: r\n    expires: " + date + "\n"
	}
	if _, err := LoadPolicy(writePolicy(t, text("2027-11-23")), now); err != nil {
		t.Fatalf("expiry exactly one year ahead refused: %v", err)
	}
	if _, err := LoadPolicy(writePolicy(t, text("2027-11-24")), now); err == nil {
		t.Fatal("expiry a year and a day ahead accepted")
	}
	// 2026-11-23 23:30 in UTC-5 is 2026-11-24 in UTC.
	late := time.Date(2026, 11, 23, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	if _, err := LoadPolicy(writePolicy(t, text("2027-11-24")), late); err != nil {
		t.Fatalf("limit not taken in UTC: %v", err)
	}
	// An already expired ignore loads: Evaluate reports it.
	if _, err := LoadPolicy(writePolicy(t, text("2020-01-01")), now); err != nil {
		t.Fatalf("past expiry refused at load: %v", err)
	}
}

func TestFindPolicy(t *testing.T) {
	dir := t.TempDir()
	if got := FindPolicy(dir); got != "" {
		t.Fatalf("FindPolicy(empty dir) = %q", got)
	}
	yml := filepath.Join(dir, ".fnguard.yml")
	os.WriteFile(yml, []byte("fail-on: low\n"), 0o644)
	if got := FindPolicy(dir); got != yml {
		t.Fatalf("FindPolicy = %q, want %q", got, yml)
	}
	yaml := filepath.Join(dir, ".fnguard.yaml")
	os.WriteFile(yaml, []byte("fail-on: low\n"), 0o644)
	if got := FindPolicy(dir); got != yaml {
		t.Fatalf("FindPolicy = %q, want %q (.yaml first)", got, yaml)
	}
	// A directory of that name is not a policy.
	dir2 := t.TempDir()
	os.Mkdir(filepath.Join(dir2, ".fnguard.yaml"), 0o755)
	if got := FindPolicy(dir2); got != "" {
		t.Fatalf("FindPolicy took a directory: %q", got)
	}
}

func TestApply(t *testing.T) {
	s := func(v string) *string { return &v }
	d := func(v time.Duration) *time.Duration { return &v }
	p := DefaultPolicy()
	if err := p.Apply(Flags{}); err != nil || !reflect.DeepEqual(p, DefaultPolicy()) {
		t.Fatalf("Apply(no flags) changed the policy: %+v, %v", p, err)
	}
	if err := p.Apply(Flags{FailOn: s("CRITICAL"), Unscored: s("warn"), Unreachable: s("fail"), MaxDBAge: d(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if p.FailOn != "critical" || p.Unscored != "warn" || p.Unreachable != "fail" || p.MaxDBAge != time.Hour || p.Unchecked != "fail" {
		t.Fatalf("Apply: %+v", p)
	}
	for _, f := range []Flags{{FailOn: s("moderate")}, {Unscored: s("ignore")}, {Unreachable: s("never")}, {MaxDBAge: d(0)}} {
		q := DefaultPolicy()
		if err := q.Apply(f); err == nil {
			t.Errorf("Apply(%+v) accepted a bad value", f)
		}
	}
	if err := DefaultPolicy().Apply(Flags{FailOn: s("low")}); err != nil {
		t.Fatal(err)
	}
}

func TestParseAge(t *testing.T) {
	good := map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute, " 1d ": 24 * time.Hour}
	for in, want := range good {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "7", "1.5d", "-1d", "0h", "99999999999d", "7dd", "week"} {
		if got, err := ParseAge(in); err == nil {
			t.Errorf("ParseAge(%q) = %v, want an error", in, got)
		}
	}
}
