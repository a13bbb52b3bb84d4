package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/internal/schematest"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/sbom"
	"github.com/fnguard/fnguard/vulndb"
)

// The fixture must hold what every format is tested on, or assertions on
// the outputs could pass vacuously.
func TestFixtureShape(t *testing.T) {
	res := fixtureResult(t)
	want := map[string]string{ // ID|package -> severity
		"GHSA-wrh9-cjv3-2hpw|sequelize":      "critical",
		"MAL-2024-1009|execution-time-async": "critical",
		"GHSA-35jh-r3h4-6jhm|lodash":         "high",
		"GHSA-p6mc-m468-83gw|lodash":         "high",
		"GHSA-29mw-wpgm-hmr9|lodash":         "medium",
		"GHSA-wf5p-g6vw-rhxx|axios":          "medium",
		"PYSEC-2019-124|sqlalchemy":          "unscored",
		"GO-2021-0113|golang.org/x/text":     "unscored",
		"GO-2022-1059|golang.org/x/text":     "unscored",
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		got[f.ID+"|"+f.Package.Name] = f.Severity
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("%s: severity %q, want %q", k, got[k], sev)
		}
	}
	if len(res.Findings) != 12 || len(res.Unchecked) != 1 || len(res.Fixes) != 7 {
		t.Errorf("fixture: %d findings, %d unchecked, %d fixes; want 12, 1, 7", len(res.Findings), len(res.Unchecked), len(res.Fixes))
	}
	f := res.Findings[findingByID(t, res, "GHSA-wf5p-g6vw-rhxx", "axios")]
	if f.Score != 0 || f.SeveritySource != "database_specific.severity" {
		t.Errorf("axios advisory should be label-only (no CVSS): score %v source %q", f.Score, f.SeveritySource)
	}
}

func TestWriteErrors(t *testing.T) {
	res := fixtureResult(t)
	v := fixtureVerdict(t, res)
	var buf bytes.Buffer
	if err := Write(&buf, "html", res, v, testOptions()); err == nil {
		t.Error("unknown format accepted")
	}
	if err := Write(&buf, FormatJSON, nil, v, testOptions()); err == nil {
		t.Error("nil result accepted")
	}
	short := *v
	short.Decisions = short.Decisions[1:]
	if err := Write(&buf, FormatTable, res, &short, testOptions()); err == nil || !strings.Contains(err.Error(), "decisions") {
		t.Errorf("misaligned decisions: err %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes left %d bytes behind", buf.Len())
	}
}

// Without a verdict every format still renders, says nothing of PASS or
// FAIL and calls nothing blocking.
func TestNilVerdict(t *testing.T) {
	res := fixtureResult(t)
	for _, format := range []string{FormatTable, FormatJSON, FormatSARIF, FormatMarkdown, FormatCycloneDX} {
		var buf bytes.Buffer
		if err := Write(&buf, format, res, nil, testOptions()); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := buf.String()
		if strings.Contains(out, "FAIL") || strings.Contains(out, "PASS") || strings.Contains(out, "BLOCKING") {
			t.Errorf("%s without verdict mentions a verdict", format)
		}
		if format == FormatJSON {
			var r JSONReport
			if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.Verdict != nil || r.Summary.Blocking != 0 || len(r.Findings) != 12 {
				t.Errorf("json without verdict: verdict %v, blocking %d, %d findings", r.Verdict, r.Summary.Blocking, len(r.Findings))
			}
		}
	}
}

// ---- table ----

func TestTableColor(t *testing.T) {
	plain := string(render(t, FormatTable, testOptions()))
	if strings.Contains(plain, "\x1b") {
		t.Error("table without Color contains an ESC byte")
	}
	opts := testOptions()
	opts.Color = true
	colored := string(render(t, FormatTable, opts))
	if !strings.Contains(colored, ansiBoldRed+"FAIL"+ansiReset) {
		t.Error("coloured table does not colour the verdict")
	}
	// Colour must not change the text or its alignment.
	stripped := strings.NewReplacer(ansiReset, "", ansiBoldRed, "", ansiBold, "", ansiDim, "", ansiRed, "",
		ansiGreen, "", ansiYellow, "", ansiBlue, "", ansiMagenta, "").Replace(colored)
	if stripped != plain {
		t.Errorf("coloured table differs from the plain one once colours are removed:\n%s", firstDiff([]byte(plain), []byte(stripped)))
	}
}

func TestTableContent(t *testing.T) {
	out := string(render(t, FormatTable, testOptions()))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	verdictAt := -1
	for i, l := range lines {
		if l == "FAIL" {
			verdictAt = i
		}
	}
	if verdictAt < 0 {
		t.Fatal("no FAIL line")
	}
	// The verdict is last: its reasons, then what did not block.
	for _, l := range lines[verdictAt+1:] {
		if !strings.HasPrefix(l, "  - ") && l != "Not blocking:" {
			t.Errorf("something other than reasons and notes after the verdict: %q", l)
		}
	}
	for _, want := range []string{
		"function.zip  function, nodejs, 5 packages",
		"layer.zip  layer of function.zip, python, 1 package",
		"BLOCKING SQLi ORM",
		"BLOCKING MAL",
		"IGNORED until 2027-01-31",
		"baseline",
		"unreachable",
		"GHSA-wrh9-cjv3-2hpw +1",
		"critical 10.0",
		"upgrade npm lodash 4.17.15 to 4.17.21 clears 3 advisories (function.zip)",
		"npm execution-time-async 1.0.0: no single version clears all 1 advisory",
		"internal-utils@file:../utils",
		"(updated 2026-11-23 07:00 UTC, 3h ago)",
		"ignore GHSA-xvch-5gv4-984h (npm/minimist, .fnguard.yaml:14) matches no finding: remove it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	// Within an artifact, severity order: the critical rows come before
	// the high and medium ones.
	i, j := strings.Index(out, "GHSA-wrh9"), strings.Index(out, "GHSA-35jh")
	if i < 0 || j < 0 || i > j {
		t.Error("critical finding not listed before high one")
	}
	// A DB-driver package with a finding carries the DB mark.
	res := fixtureResult(t)
	v := fixtureVerdict(t, res)
	res.Inventory.Artifacts[0].Packages[0].Categories = []string{"db-driver"}
	var buf bytes.Buffer
	if err := Write(&buf, FormatTable, res, v, testOptions()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "BLOCKING SQLi DB") {
		t.Error("db-driver finding lacks the DB mark")
	}
}

// ---- JSON ----

func TestJSONContract(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The golden file must decode into the documented structs with no
	// field left over: the structs are the contract.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r JSONReport
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("golden JSON does not fit the documented structs: %v", err)
	}
	if r.SchemaVersion != 1 || r.Tool.Name != "fnguard" || len(r.Artifacts) != 4 || len(r.Findings) != 12 {
		t.Fatalf("unexpected report: schema %d tool %q, %d artifacts, %d findings", r.SchemaVersion, r.Tool.Name, len(r.Artifacts), len(r.Findings))
	}
	byKey := map[string]JSONFinding{}
	for _, f := range r.Findings {
		byKey[f.ID+"|"+f.Artifact] = f
	}
	seq := byKey["GHSA-wrh9-cjv3-2hpw|function.zip"]
	if !seq.Highlight || !seq.Blocking || seq.Severity != "critical" || seq.Score != 10 || strings.Join(seq.CWEs, ",") != "CWE-89" || strings.Join(seq.Categories, ",") != "orm" {
		t.Errorf("sequelize finding: %+v", seq)
	}
	ign := byKey["GHSA-29mw-wpgm-hmr9|function.zip"]
	if !ign.Ignored || ign.IgnoreExpires == nil || *ign.IgnoreExpires != "2027-01-31" || ign.IgnoreReason == "" {
		t.Errorf("ignored finding: %+v", ign)
	}
	if f := byKey["GO-2021-0113|bootstrap.zip"]; f.Reachable == nil || !*f.Reachable || strings.Join(f.Fixed, ",") != "v0.3.7" {
		t.Errorf("GO-2021-0113: reachable %v fixed %v, want true and v0.3.7", f.Reachable, f.Fixed)
	}
	if f := byKey["GO-2022-1059|bootstrap.zip"]; f.Reachable == nil || *f.Reachable {
		t.Errorf("GO-2022-1059: reachable %v, want false", f.Reachable)
	}
	if f := byKey["MAL-2024-1009|function.zip"]; f.Reachable != nil || !f.Malicious || f.IgnoreExpires != nil {
		t.Errorf("MAL finding: reachable %v malicious %v", f.Reachable, f.Malicious)
	}
	if r.Verdict == nil || r.Verdict.Pass || len(r.Verdict.StaleIgnores) != 1 || r.Verdict.Policy == nil || r.Verdict.Policy.MaxDBAge != "168h0m0s" {
		t.Errorf("verdict: %+v", r.Verdict)
	}
	if len(r.Remediation) != 7 || r.Remediation[0].UpgradeTo != nil {
		t.Errorf("remediation: %+v", r.Remediation)
	}
	// Nulls are only where the contract allows them.
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	nullable := map[string]bool{"reachable": true, "ignore_expires": true, "upgrade_to": true, "component": true, "updated": true, "expires": true, "verdict": true, "policy": true, "vex": true}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case nil:
			key := path[strings.LastIndex(path, ".")+1:]
			if !nullable[key] {
				t.Errorf("%s is null", path)
			}
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", raw)
}

// An empty scan still has every array, as [] not null.
func TestJSONEmpty(t *testing.T) {
	res := &vulndb.Result{Inventory: &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{{Path: "package-lock.json", Kind: lockfiles.KindLockfile}}}}
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, res, &gate.Verdict{Pass: true}, testOptions()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, k := range []string{`"findings": []`, `"unchecked": []`, `"remediation": []`, `"packages": []`, `"reasons": []`, `"stale_ignores": []`, `"ecosystems": {}`, `"updated": null`, `"policy": null`} {
		if !strings.Contains(out, k) {
			t.Errorf("empty report lacks %s", k)
		}
	}
}

// ---- SARIF ----

// sarifValid validates against the OASIS SARIF 2.1.0 schema.
func sarifValid(t *testing.T, data []byte) error {
	t.Helper()
	return schematest.SARIF(data)
}

func TestSARIFSchema(t *testing.T) {
	data := render(t, FormatSARIF, testOptions())
	if err := sarifValid(t, data); err != nil {
		t.Fatalf("SARIF schema rejects the report: %v", err)
	}
	// The validator must be able to say no.
	bad := bytes.Replace(data, []byte(`"level": "note"`), []byte(`"level": "fatal"`), 1)
	if bytes.Equal(bad, data) {
		t.Fatal("no note-level result to corrupt")
	}
	if sarifValid(t, bad) == nil {
		t.Error("SARIF schema accepted level \"fatal\"")
	}
	var empty bytes.Buffer
	res := &vulndb.Result{Inventory: &lockfiles.Inventory{}}
	if err := Write(&empty, FormatSARIF, res, nil, testOptions()); err != nil {
		t.Fatal(err)
	}
	if err := sarifValid(t, empty.Bytes()); err != nil {
		t.Errorf("empty SARIF invalid: %v", err)
	}
}

func TestSARIFContent(t *testing.T) {
	var log sarif.Report
	if err := json.Unmarshal(render(t, FormatSARIF, testOptions()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != 9 || len(run.Results) != 12 {
		t.Fatalf("%d rules, %d results; want one rule per advisory (9) and 12 results", len(run.Tool.Driver.Rules), len(run.Results))
	}
	rules := map[string]*sarif.ReportingDescriptor{}
	for i, r := range run.Tool.Driver.Rules {
		rules[str(r.ID)] = r
		if str(r.Name) != str(r.ID) {
			t.Errorf("%s: name %q", str(r.ID), str(r.Name))
		}
		for _, res := range run.Results {
			if str(res.RuleID) == str(r.ID) && res.RuleIndex != i {
				t.Errorf("%s: ruleIndex %d, rule is at %d", str(r.ID), res.RuleIndex, i)
			}
		}
	}
	for id, want := range map[string][2]string{
		"GHSA-wrh9-cjv3-2hpw": {"10.0", "error"},
		"GHSA-wf5p-g6vw-rhxx": {"5.5", "warning"}, // label-only medium
		"MAL-2024-1009":       {"9.5", "error"},
		"GO-2022-1059":        {"7.0", "warning"}, // unscored
	} {
		r := rules[id]
		if got := r.Properties.Properties["security-severity"]; got != want[0] {
			t.Errorf("%s: security-severity %v, want %s", id, got, want[0])
		}
		if r.DefaultConfiguration == nil || r.DefaultConfiguration.Level != want[1] {
			t.Errorf("%s: default level %+v, want %s", id, r.DefaultConfiguration, want[1])
		}
	}
	if tags := rules["MAL-2024-1009"].Properties.Tags; strings.Join(tags, ",") != "security,vulnerability,critical,malicious" {
		t.Errorf("MAL-2024-1009: tags %v", tags)
	}
	if !strings.Contains(str(rules["GHSA-wrh9-cjv3-2hpw"].Help.Text), "Fixed in: 6.19.1") {
		t.Error("rule help lacks the fix")
	}
	if !strings.Contains(str(rules["GHSA-wrh9-cjv3-2hpw"].Help.Markdown), "**Fixed in:** 6.19.1") {
		t.Error("rule help lacks the fix in Markdown")
	}
	if d := str(rules["MAL-2024-1009"].FullDescription.Text); strings.Contains(d, "Do not edit below") || !strings.HasPrefix(d, "## Source: ghsa-malware") {
		t.Errorf("MAL description keeps the boilerplate or lost the text: %q", truncate(d, 80))
	}
	fps := map[string]bool{}
	for _, r := range run.Results {
		key := str(r.RuleID) + " " + str(r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		if reg := r.Locations[0].PhysicalLocation.Region; reg == nil || reg.StartLine == nil || *reg.StartLine != 1 {
			t.Errorf("%s: region %+v, want startLine 1", key, reg)
		}
		fp := r.PartialFingerprints[fingerprintKey]
		if fp == "" || fps[fp] {
			t.Errorf("%s: fingerprint %q missing or repeated", key, fp)
		}
		fps[fp] = true
		switch key {
		case "GHSA-wrh9-cjv3-2hpw function.zip", "PYSEC-2019-124 layer.zip", "GO-2021-0113 bootstrap.zip":
			if r.Level != "error" {
				t.Errorf("%s: blocking finding at level %s", key, r.Level)
			}
		case "GO-2022-1059 bootstrap.zip":
			if r.Level != "note" {
				t.Errorf("%s: unreachable finding at level %s, want note", key, r.Level)
			}
		case "GHSA-29mw-wpgm-hmr9 function.zip":
			if len(r.Suppressions) != 1 || str(r.Suppressions[0].Kind) != "external" || str(r.Suppressions[0].Status) != "accepted" || !strings.Contains(str(r.Suppressions[0].Justification), "lodash.trim is never called") {
				t.Errorf("%s: suppressions %+v", key, r.Suppressions)
			}
			if r.Level != "warning" {
				t.Errorf("%s: ignored finding at level %s", key, r.Level)
			}
		case "GHSA-wf5p-g6vw-rhxx services/web/package-lock.json":
			if len(r.Locations[0].LogicalLocations) != 0 || r.Locations[0].Message != nil {
				t.Errorf("%s: a lockfile needs no logical location", key)
			}
		}
		if strings.HasSuffix(key, ".zip") {
			ll := r.Locations[0].LogicalLocations
			if len(ll) != 1 || !strings.Contains(str(ll[0].FullyQualifiedName), ".zip!/") || r.Locations[0].Message == nil {
				t.Errorf("%s: zip member not given as a logical location: %+v", key, ll)
			}
		}
		if str(r.RuleID) != "GHSA-29mw-wpgm-hmr9" && len(r.Suppressions) > 0 {
			t.Errorf("%s suppressed but not ignored", key)
		}
	}
	// Unchecked packages are tool notifications, an error when they block.
	if len(run.Invocations) != 1 || len(run.Invocations[0].ToolExecutionNotifications) != 1 || run.Invocations[0].ToolExecutionNotifications[0].Level != "error" {
		t.Errorf("invocations: %+v", run.Invocations)
	} else if ok := run.Invocations[0].ExecutionSuccessful; ok == nil || !*ok {
		t.Errorf("invocation executionSuccessful %v, want true", ok)
	}
	if run.Properties == nil || run.Properties.Properties["fnguard/verdict"] != "FAIL" {
		t.Errorf("run properties %+v lack the verdict", run.Properties)
	}
}

// str reads an optional go-sarif string.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestSARIFLocation(t *testing.T) {
	cases := []struct {
		artifact, kind, location string
		uri, logical             string
	}{
		{"services/web/package-lock.json", lockfiles.KindLockfile, "services/web/package-lock.json", "services/web/package-lock.json", ""},
		{"./dist/function.zip", lockfiles.KindFunction, "node_modules/a/package.json", "dist/function.zip", "./dist/function.zip!/node_modules/a/package.json"},
		{"app", lockfiles.KindDirectory, "node_modules/a/package.json", "app/node_modules/a/package.json", ""},
		{".", lockfiles.KindDirectory, "requirements.txt", "requirements.txt", ""},
		{"svc", lockfiles.KindDirectory, "lib/app.jar!/META-INF/maven/g/a/pom.properties", "svc/lib/app.jar", "svc/lib/app.jar!/META-INF/maven/g/a/pom.properties"},
		{"/abs/my layer.zip", lockfiles.KindLayer, "python/x.dist-info/METADATA", "file:///abs/my%20layer.zip", "/abs/my layer.zip!/python/x.dist-info/METADATA"},
		{"bom.cdx.json", lockfiles.KindSBOM, "components[3]", "bom.cdx.json", ""},
	}
	for _, c := range cases {
		p := &lockfiles.Package{Ecosystem: "npm", Name: "a", Version: "1.0.0", Artifact: c.artifact, Locations: []string{c.location}}
		loc := packageLocation(p, c.kind)
		if got := loc.PhysicalLocation.ArtifactLocation.URI; got != c.uri {
			t.Errorf("%s (%s): uri %q, want %q", c.artifact, c.kind, got, c.uri)
		}
		got := ""
		if len(loc.LogicalLocations) > 0 {
			got = loc.LogicalLocations[0].FullyQualifiedName
		}
		if got != c.logical {
			t.Errorf("%s (%s): logical location %q, want %q", c.artifact, c.kind, got, c.logical)
		}
	}
}

// A scan without findings still writes "results": [] (GitHub reads it as
// "no alerts"), and no rules; the verdict adds the invocation and the run's
// properties, without the empty reasons and notes.
func TestSARIFNoFindings(t *testing.T) {
	const head = `{
  "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
`
	const tail = `      "results": [],
      "tool": {
        "driver": {
          "contents": [
            "localizedData",
            "nonLocalizedData"
          ],
          "informationUri": "https://github.com/fnguard/fnguard",
          "isComprehensive": false,
          "name": "fnguard",
          "version": "0.9.0-test"
        }
      }
    }
  ]
}
`
	res := &vulndb.Result{Inventory: &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{{Path: "package-lock.json", Kind: lockfiles.KindLockfile}}}}
	for _, c := range []struct {
		name string
		v    *gate.Verdict
		want string
	}{
		{"no verdict", nil, head + tail},
		{"pass", &gate.Verdict{Pass: true}, head + `      "invocations": [
        {
          "executionSuccessful": true
        }
      ],
      "properties": {
        "fnguard/policy": "built-in defaults",
        "fnguard/verdict": "PASS"
      },
` + tail},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, FormatSARIF, res, c.v, testOptions()); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

// ---- Markdown ----

func TestMarkdownContent(t *testing.T) {
	out := string(render(t, FormatMarkdown, testOptions()))
	if !strings.HasPrefix(out, "## fnguard: FAIL\n") {
		t.Errorf("markdown does not open with the verdict: %q", truncate(out, 40))
	}
	blocking, details := strings.Index(out, "### Blocking findings (6)"), strings.Index(out, "<details>")
	if blocking < 0 || details < 0 || blocking > details {
		t.Error("blocking findings are not shown before the collapsed rest")
	}
	if !strings.Contains(out[blocking:details], "[GHSA-wrh9-cjv3-2hpw](https://osv.dev/vulnerability/GHSA-wrh9-cjv3-2hpw)") {
		t.Error("blocking table lacks the linked sequelize advisory")
	}
	if strings.Contains(out[blocking:details], "GHSA-29mw") {
		t.Error("ignored finding listed as blocking")
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("unbalanced <details>")
	}
	if len(out) > MarkdownLimit {
		t.Errorf("markdown is %d bytes", len(out))
	}
}

// A scan with thousands of findings is cut to the comment limit, keeps
// the verdict and the blocking table first, and says it was cut.
func TestMarkdownTruncation(t *testing.T) {
	res := fixtureResult(t)
	v := fixtureVerdict(t, res)
	base := res.Findings
	baseD := v.Decisions
	for i := 0; i < 500; i++ {
		for j, f := range base {
			cp := *f
			p := *f.Package
			p.Name = fmt.Sprintf("%s-%04d", p.Name, i)
			cp.Package = &p
			res.Findings = append(res.Findings, &cp)
			v.Decisions = append(v.Decisions, baseD[j])
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, FormatMarkdown, res, v, testOptions()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if len(out) > MarkdownLimit {
		t.Fatalf("truncated markdown is %d bytes, limit %d", len(out), MarkdownLimit)
	}
	for _, want := range []string{"## fnguard: FAIL", "### Blocking findings", "more not shown", "Report truncated"} {
		if !strings.Contains(out, want) {
			t.Errorf("truncated markdown lacks %q", want)
		}
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("truncation left <details> unbalanced")
	}
	// The untruncated fixture says nothing of truncation.
	if strings.Contains(string(render(t, FormatMarkdown, testOptions())), "truncated") {
		t.Error("small report claims truncation")
	}
}

func TestMarkdownEscaping(t *testing.T) {
	if got := mdText("a|b\n<script>"); got != `a\|b &lt;script&gt;` {
		t.Errorf("mdText: %q", got)
	}
}

// ---- CycloneDX ----

const cdxSchemaBase = "http://cyclonedx.org/schema/"

var (
	cdxOnce    sync.Once
	cdxSchemas map[string]*jsonschema.Schema
	cdxErr     error
)

func TestCycloneDXSchema(t *testing.T) {
	for _, spec := range schematest.Specs {
		opts := testOptions()
		opts.Spec = spec
		data := render(t, FormatCycloneDX, opts)
		if err := schematest.CycloneDXJSON(spec, data); err != nil {
			t.Errorf("CycloneDX %s schema rejects the report: %v", spec, err)
		}
		if !bytes.Contains(data, []byte(`"specVersion": "`+spec+`"`)) || !bytes.Contains(data, []byte(`"code_not_reachable"`)) {
			t.Errorf("%s: wrong spec version or VEX analysis lost", spec)
		}
		// The validator must be able to say no.
		bad := bytes.Replace(data, []byte(`"code_not_reachable"`), []byte(`"never_called"`), 1)
		if schematest.CycloneDXJSON(spec, bad) == nil {
			t.Errorf("%s schema accepted an unknown justification", spec)
		}
	}
}

func TestCycloneDXXML(t *testing.T) {
	for _, spec := range schematest.Specs {
		opts := testOptions()
		opts.Spec = spec
		data := render(t, FormatCycloneDXXML, opts)
		if !bytes.Contains(data, []byte("<vulnerabilities>")) || !bytes.Contains(data, []byte("code_not_reachable")) {
			t.Fatalf("%s XML lost the vulnerabilities", spec)
		}
		err := schematest.CycloneDXXML(spec, data)
		if errors.Is(err, schematest.ErrNoXMLLint) {
			t.Skip(err)
		}
		if err != nil {
			t.Errorf("CycloneDX %s XSD rejects the report: %v", spec, err)
		}
	}
}

func TestCycloneDXContent(t *testing.T) {
	var bom cdx.BOM
	if err := json.Unmarshal(render(t, FormatCycloneDX, testOptions()), &bom); err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	var walk func([]cdx.Component)
	walk = func(cs []cdx.Component) {
		for _, c := range cs {
			refs[c.BOMRef] = true
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	if bom.Components != nil {
		walk(*bom.Components)
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk([]cdx.Component{*bom.Metadata.Component})
	}
	if bom.Vulnerabilities == nil {
		t.Fatal("no vulnerabilities")
	}
	vulns := *bom.Vulnerabilities
	// lodash is in two artifacts but is one component: its three advisories
	// are one entry each, not two.
	if len(vulns) != 9 {
		t.Errorf("%d vulnerabilities, want 9 (one per advisory and component)", len(vulns))
	}
	byID := map[string]cdx.Vulnerability{}
	for _, v := range vulns {
		byID[v.ID] = v
		for _, a := range *v.Affects {
			if !refs[a.Ref] {
				t.Errorf("%s affects %q, which is no component of the BOM", v.ID, a.Ref)
			}
		}
	}
	seq := byID["GHSA-wrh9-cjv3-2hpw"]
	r := (*seq.Ratings)[0]
	if r.Method != cdx.ScoringMethodCVSSv31 || r.Score == nil || *r.Score != 10 || r.Severity != cdx.SeverityCritical || !strings.HasPrefix(r.Vector, "CVSS:3.1/") {
		t.Errorf("sequelize rating: %+v", r)
	}
	if seq.CWEs == nil || (*seq.CWEs)[0] != 89 || seq.Source.URL != "https://osv.dev/vulnerability/GHSA-wrh9-cjv3-2hpw" || seq.References == nil || (*seq.References)[0].ID != "CVE-2023-25813" {
		t.Errorf("sequelize vulnerability: cwes %v source %+v refs %+v", seq.CWEs, seq.Source, seq.References)
	}
	if a := byID["GO-2022-1059"].Analysis; a == nil || a.State != cdx.IASNotAffected || a.Justification != cdx.IAJCodeNotReachable {
		t.Errorf("unreachable Go finding: analysis %+v", a)
	}
	if a := byID["GHSA-29mw-wpgm-hmr9"].Analysis; a == nil || a.State != cdx.IASExploitable || a.Response == nil || (*a.Response)[0] != cdx.IARWillNotFix || !strings.Contains(a.Detail, "lodash.trim is never called") || !strings.Contains(a.Detail, "2027-01-31") {
		t.Errorf("ignored finding: analysis %+v", a)
	}
	if a := byID["GHSA-p6mc-m468-83gw"].Analysis; a != nil {
		t.Errorf("baseline finding has a VEX analysis: %+v", a)
	}
	if r := (*byID["GHSA-wf5p-g6vw-rhxx"].Ratings)[0]; r.Score != nil || r.Method != cdx.ScoringMethodOther || r.Severity != cdx.SeverityMedium {
		t.Errorf("label-only rating: %+v", r)
	}
	// The serial is the report's own, not the plain SBOM's.
	plain, err := sbom.Build(fixtureInventory(), sbom.Options{ToolVersion: "0.9.0-test", Timestamp: testNow, Reproducible: true})
	if err != nil {
		t.Fatal(err)
	}
	if bom.SerialNumber == "" || bom.SerialNumber == plain.SerialNumber {
		t.Errorf("serial %q equals the plain SBOM's", bom.SerialNumber)
	}
	if bom.Metadata == nil || bom.Metadata.Timestamp != testNow.Format(time.RFC3339) {
		t.Errorf("metadata timestamp is not Options.Now")
	}
}

// TestJSONStreamedEqualsEncoder: the streamed JSON report is byte for byte
// what encoding/json writes for the whole document (issue 13: large scans
// are streamed, not indented whole in memory).
func TestJSONStreamedEqualsEncoder(t *testing.T) {
	for _, name := range []string{"empty", "full"} {
		t.Run(name, func(t *testing.T) {
			res, v := streamFixture(t, name == "full")
			checkStreamedJSON(t, res, v)
		})
	}
}

// checkStreamedJSON fails t unless Write's JSON is byte for byte what
// encoding/json writes for buildJSON's whole document; it returns it.
func checkStreamedJSON(t *testing.T, res *vulndb.Result, v *gate.Verdict) []byte {
	t.Helper()
	m, err := newModel(res, v)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{ToolVersion: "0.9.0-test", Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(buildJSON(m, opts)); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := Write(&got, FormatJSON, res, v, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		i := 0
		for i < min(got.Len(), want.Len()) && got.Bytes()[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("streamed JSON differs at byte %d:\n%.300s\n--- want ---\n%.300s", i, got.Bytes()[max(0, i-150):], want.Bytes()[max(0, i-150):])
	}
	return got.Bytes()
}

func streamFixture(t *testing.T, full bool) (*vulndb.Result, *gate.Verdict) {
	if !full {
		return &vulndb.Result{Inventory: &lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{{Path: "package-lock.json", Kind: lockfiles.KindLockfile}}}}, &gate.Verdict{Pass: true}
	}
	res := fixtureResult(t)
	return res, fixtureVerdict(t, res)
}

// TestVEXRoundTrip: fnguard's own CycloneDX output read back with --vex
// lets through exactly the findings it called not_affected, with the same
// justification, and writing again states the same analysis.
func TestVEXRoundTrip(t *testing.T) {
	res := fixtureResult(t)
	v := fixtureVerdict(t, res)
	var first bytes.Buffer
	if err := Write(&first, FormatCycloneDX, res, v, testOptions()); err != nil {
		t.Fatal(err)
	}
	st, err := gate.ParseVEX(first.Bytes(), "vex.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatal("the fixture's output states nothing not_affected: the round trip would pass vacuously")
	}
	path := filepath.Join(t.TempDir(), "vex.json")
	if err := os.WriteFile(path, first.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	vex, err := gate.LoadVEX(path)
	if err != nil {
		t.Fatal(err)
	}
	v2 := gate.EvaluateWith(res, gate.Input{Policy: v.Policy, Now: testNow, VEX: vex})
	through := 0
	for i, f := range res.Findings {
		d := v2.Decisions[i]
		if unreachable(f) != (d.VEXState == "not_affected") {
			t.Errorf("%s %s: unreachable %v but VEX state %q", f.ID, f.Package.Name, unreachable(f), d.VEXState)
		}
		if d.VEXState != "" {
			through++
			if d.VEXJustification != "code_not_reachable" || d.Blocking {
				t.Errorf("%s: justification %q blocking %v", f.ID, d.VEXJustification, d.Blocking)
			}
		}
	}
	if through == 0 {
		t.Fatal("no finding let through by the round-tripped VEX")
	}
	var second bytes.Buffer
	if err := Write(&second, FormatCycloneDX, res, v2, testOptions()); err != nil {
		t.Fatal(err)
	}
	st2, err := gate.ParseVEX(second.Bytes(), "vex.json")
	if err != nil || len(st2) != len(st) {
		t.Fatalf("second round: %d statements (%v), first %d", len(st2), err, len(st))
	}
	for i := range st {
		if st[i].PURL != st2[i].PURL || st[i].Justification != st2[i].Justification || st[i].State != st2[i].State {
			t.Errorf("statement %d changed: %+v -> %+v", i, st[i], st2[i])
		}
	}
	var table bytes.Buffer
	if err := Write(&table, FormatTable, res, v2, testOptions()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "VEX not_affected (code_not_reachable)") {
		t.Errorf("table does not show the VEX statement:\n%s", table.String())
	}
}

// TestSARIFNoDefaults: the SARIF holds only what is set, none of the
// schema's defaults (-1 indexes, empty arrays, "kind": "fail"), yet still
// the results array GitHub requires, even when empty.
func TestSARIFNoDefaults(t *testing.T) {
	res := fixtureResult(t)
	// A managed policy's role finding has no statement (iam: -1).
	dir := t.TempDir()
	tmpl := `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: "def handler(e, c): pass"
`
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	managed, rel := appFixture(t, dir, nil)
	managedOpts := testOptions()
	managedOpts.Release = rel
	for _, c := range []struct {
		name string
		res  *vulndb.Result
		v    *gate.Verdict
		opts Options
	}{
		{"full", res, fixtureVerdict(t, res), testOptions()},
		{"empty", &vulndb.Result{Inventory: &lockfiles.Inventory{}}, nil, testOptions()},
		{"managed policy", managed, gate.EvaluateWith(managed, gate.Input{Now: testNow, Release: rel}), managedOpts},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, FormatSARIF, c.res, c.v, c.opts); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if c.opts.Release != nil && !strings.Contains(out, `"ruleId": "admin-managed-policy"`) {
			t.Errorf("%s: no admin-managed-policy result:\n%s", c.name, out)
		}
		for _, bad := range []string{": -1", ": []", ": {}", `"kind": "fail"`, `"language": "en-US"`, `"newlineSequences"`} {
			if strings.Contains(strings.ReplaceAll(out, `"results": []`, ""), bad) {
				t.Errorf("%s: SARIF contains %s", c.name, bad)
			}
		}
		if !strings.Contains(out, `"results": [`) {
			t.Errorf("%s: SARIF has no results array", c.name)
		}
		if err := sarifValid(t, buf.Bytes()); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
