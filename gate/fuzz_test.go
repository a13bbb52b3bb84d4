package gate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/iam"
)

// FuzzLoadPolicy: no input panics, and whatever loads satisfies the rules
// the gate relies on.
func FuzzLoadPolicy(f *testing.F) {
	for _, s := range []string{
		"", "fail-on: low\n", "max-db-age: 36h\ncategories:\n  orm: high\n",
		"ignores:\n  - id: GHSA-p6mc-m468-83gw\n    reason: r\n    expires: 2027-01-31\n    package: npm/lodash\n",
		"ignores:\n  - &a {id: X, reason: r, expires: 2027-01-01}\n  - *a\n",
		"a: &x [*x]\n", "fail-on: !!binary aGln\n", "---\n---\n", "{fail-on: [high]}",
		"roles:\n  fail: [service-wildcard]\n  warn: [action-star]\nunreadable: warn\nunknown-role: fail\n",
		"ignores:\n  - rule: action-star\n    function: OrdersFunction\n    reason: r\n    expires: 2027-01-31\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := tempFile(t, dir, data)
		p, err := LoadPolicy(path, now)
		if err != nil {
			if !strings.HasPrefix(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if !slices.Contains(thresholds, p.FailOn) || !slices.Contains(unscoredValues, p.Unscored) ||
			!slices.Contains(uncheckedValues, p.Unchecked) || !slices.Contains(reachValues, p.Unreachable) || p.MaxDBAge <= 0 {
			t.Fatalf("invalid policy loaded: %+v", p)
		}
		for c, th := range p.Categories {
			if !slices.Contains(thresholds, th) || c == "" {
				t.Fatalf("invalid category %q: %q", c, th)
			}
		}
		limit := now.AddDate(1, 0, 0)
		for _, ig := range p.Ignores {
			if (ig.ID == "") == (ig.Rule == "") || (ig.Rule != "" && (ig.Package != "" || ig.Artifact != "")) || strings.TrimSpace(ig.Reason) == "" || ig.Expires.IsZero() || ig.Expires.After(limit) ||
				strings.HasPrefix(strings.ToUpper(ig.ID), "MAL-") || ig.Line <= 0 {
				t.Fatalf("invalid ignore loaded: %+v", ig)
			}
		}
		for rule, v := range p.Roles {
			if !slices.Contains(iam.Rules, rule) || (v != valFail && v != valWarn) {
				t.Fatalf("invalid roles entry %q: %q", rule, v)
			}
		}
		if !slices.Contains(failWarnValues, p.UnreadableMode()) || !slices.Contains(failWarnValues, p.UnknownRoleMode()) {
			t.Fatalf("invalid unreadable/unknown-role: %+v", p)
		}
		// Whatever loads must evaluate.
		Evaluate(result(t, lodash), p, nil, now)
	})
}

// FuzzLoadBaseline: no input panics, and keys are always "ID|purl" with
// both parts present.
func FuzzLoadBaseline(f *testing.F) {
	for _, name := range []string{"report.json", "cyclonedx.json", "cyclonedx.xml", "spdx.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "baseline", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"findings":[{"id":"A","package":{"purl":"pkg:"}}]}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{"bom-ref":"x","purl":"pkg:npm/a@1","components":[{"bom-ref":"x"}]}],"vulnerabilities":[{"id":"A","affects":[{"ref":"x"}]}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := tempFile(t, dir, data)
		b, err := LoadBaseline(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for k := range b.Keys {
			id, purl, ok := strings.Cut(k, "|")
			if !ok || id == "" || purl == "" {
				t.Fatalf("bad key %q", k)
			}
		}
	})
}

// tempFile writes data to a new file in dir, removed when t ends. One
// directory for the whole fuzz run keeps each execution cheap.
func tempFile(t *testing.T, dir string, data []byte) string {
	fh, err := os.CreateTemp(dir, "input")
	if err != nil {
		t.Fatal(err)
	}
	path := fh.Name()
	t.Cleanup(func() { os.Remove(path) })
	_, err = fh.Write(data)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}
