package gate

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestBaselineFromReport(t *testing.T) {
	path := filepath.Join("testdata", "baseline", "report.json")
	b, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != path {
		t.Fatalf("Source = %q", b.Source)
	}
	res := result(t, lodash, pg, malicious)
	v := Evaluate(res, nil, b, now)
	for _, tt := range []struct {
		id, name       string
		inBase, blocks bool
	}{
		{"GHSA-p6mc-m468-83gw", "lodash", true, false},            // by ID
		{"GHSA-35jh-r3h4-6jhm", "lodash", true, false},            // by alias CVE-2021-23337, purl with qualifier
		{"GHSA-29mw-wpgm-hmr9", "lodash", false, false},           // new, but medium
		{"GHSA-wc9v-mj63-m9g5", "pg", false, true},                // new
		{"MAL-2024-1010", "harbor-container-webhook", true, true}, // malicious blocks even in the baseline
	} {
		d := decisionOf(t, res, v, tt.id, tt.name)
		if d.InBaseline != tt.inBase || d.Blocking != tt.blocks {
			t.Errorf("%s: InBaseline %v Blocking %v, want %v %v (%q)", tt.id, d.InBaseline, d.Blocking, tt.inBase, tt.blocks, d.Why)
		}
	}
	if v.Pass {
		t.Fatal("pass with a new critical and a malicious finding")
	}
	// Listed, not silent.
	want := "GHSA-p6mc-m468-83gw in npm lodash@4.17.15 (function.zip): not blocking (high, in baseline " + path + ")"
	if !slices.Contains(allLines(v), want) {
		t.Fatalf("Reasons lack %q:\n%s", want, strings.Join(allLines(v), "\n"))
	}

	// Another version of the package is another state: not in the baseline.
	res = result(t, [3]string{"npm", "lodash", "4.17.16"})
	v = Evaluate(res, nil, b, now)
	if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); d.InBaseline || !d.Blocking {
		t.Fatalf("lodash@4.17.16 matched a 4.17.15 baseline: %+v", d)
	}
}

func TestBaselineFromCycloneDX(t *testing.T) {
	for _, name := range []string{"cyclonedx.json", "cyclonedx.xml"} {
		t.Run(name, func(t *testing.T) {
			b, err := LoadBaseline(filepath.Join("testdata", "baseline", name))
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]bool
			if name == "cyclonedx.json" {
				want = map[string]bool{
					// id and reference alias, ref resolved through the
					// nested component's bom-ref
					"CVE-2023-25813|pkg:npm/sequelize@6.19.0":      true,
					"GHSA-wrh9-cjv3-2hpw|pkg:npm/sequelize@6.19.0": true,
					// ref that is a purl and a component's bom-ref
					"GHSA-wc9v-mj63-m9g5|pkg:npm/pg@7.1.0": true,
					// ref that is a purl and no component's
					"GHSA-qw6h-vgh9-j6wx|pkg:npm/express@4.19.2": true,
				}
			} else {
				want = map[string]bool{
					"CVE-2016-20018|pkg:npm/knex@2.3.0":      true,
					"GHSA-4jv9-3563-23j3|pkg:npm/knex@2.3.0": true,
				}
			}
			if !reflect.DeepEqual(b.Keys, want) {
				t.Fatalf("Keys = %v, want %v", b.Keys, want)
			}
		})
	}
	b, err := LoadBaseline(filepath.Join("testdata", "baseline", "cyclonedx.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := result(t, sequelize619, pg)
	v := Evaluate(res, nil, b, now)
	if d := decisionOf(t, res, v, "GHSA-wrh9-cjv3-2hpw", "sequelize"); !d.InBaseline || d.Blocking || !d.Highlight {
		t.Fatalf("wrh9: %+v", d)
	}
	if d := decisionOf(t, res, v, "GHSA-8c25-f3mj-v6h8", "sequelize"); d.InBaseline || !d.Blocking {
		t.Fatalf("8c25 is new: %+v", d)
	}
	if d := decisionOf(t, res, v, "GHSA-wc9v-mj63-m9g5", "pg"); !d.InBaseline || d.Blocking {
		t.Fatalf("wc9v: %+v", d)
	}
	// The highlight stays first, saying why it does not block.
	want := "SQL injection (CWE-89) in orm npm sequelize@6.19.0 (function.zip): GHSA-wrh9-cjv3-2hpw (critical, not blocking: in baseline testdata/baseline/cyclonedx.json)"
	if allLines(v)[0] != want {
		t.Fatalf("Reasons[0] = %q, want %q", allLines(v)[0], want)
	}
}

func TestBaselineRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct{ path, want string }{
		{filepath.Join("testdata", "baseline", "spdx.json"), "neither an fnguard JSON report"},
		{write("policy.yaml", "fail-on: high\n"), "neither an fnguard JSON report"},
		{write("empty.json", ""), "empty file"},
		{write("array.json", "[]"), "neither an fnguard JSON report"},
		{write("broken.json", `{"findings": [`), "not valid JSON"},
		{write("html.xml", "<html><body>hi</body></html>"), "CycloneDX"},
		{write("noid.json", `{"findings": [{"aliases": ["CVE-1"], "package": {"purl": "pkg:npm/a@1.0.0"}}]}`), "findings[0] has no id"},
		{write("nopurl.json", `{"findings": [{"id": "GHSA-p6mc-m468-83gw", "package": {}}]}`), "findings[0] (GHSA-p6mc-m468-83gw) has no package.purl"},
		{write("cdxnoid.json", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"affects": [{"ref": "pkg:npm/a@1"}]}]}`), "vulnerabilities[0] has no id"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		b, err := LoadBaseline(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadBaseline(%s) = %+v, %v; want an error naming the file and containing %q", tt.path, b, err, tt.want)
		}
	}
	// Empty lists are valid, empty baselines.
	for _, text := range []string{`{"findings": []}`, `{"findings": null}`, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}`} {
		b, err := LoadBaseline(write("ok.json", text))
		if err != nil || len(b.Keys) != 0 {
			t.Errorf("%s: %+v, %v", text, b, err)
		}
	}
}

func TestBaselineHasNil(t *testing.T) {
	var b *Baseline
	res := result(t, lodash)
	if b.Has(res.Findings[0]) {
		t.Fatal("nil baseline has a finding")
	}
}
