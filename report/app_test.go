package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// TestApplicationJSONContract checks the members the README promises for
// "application" (issue contract), per function and layer, and that every
// package and finding names its functions.
func TestApplicationJSONContract(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(renderApp(t, FormatJSON), &doc); err != nil {
		t.Fatal(err)
	}
	a, ok := doc["application"].(map[string]any)
	if !ok {
		t.Fatal("no application object")
	}
	if a["kind"] != "sam" || a["entry"] != "template.yaml" {
		t.Errorf("kind %v entry %v", a["kind"], a["entry"])
	}
	fns := a["functions"].([]any)
	if len(fns) != 2 {
		t.Fatalf("%d functions", len(fns))
	}
	for _, x := range fns {
		f := x.(map[string]any)
		for _, k := range []string{"id", "name", "runtime", "architecture", "handler", "package_type", "condition", "code", "layers", "packages", "role", "notes", "file", "line", "verdict"} {
			if _, ok := f[k]; !ok {
				t.Errorf("function %v lacks %q", f["id"], k)
			}
		}
		if _, ok := f["key"]; ok {
			t.Errorf("function %v: key is for Serverless functions only", f["id"])
		}
		code := f["code"].(map[string]any)
		if _, ok := code["type"]; !ok {
			t.Errorf("code lacks type: %v", code)
		}
		if _, ok := code["path"]; !ok {
			t.Errorf("code lacks path: %v", code)
		}
		role := f["role"].(map[string]any)
		for _, k := range []string{"id", "arn", "generated", "managed_policies", "statements", "findings"} {
			if _, ok := role[k]; !ok {
				t.Errorf("role of %v lacks %q", f["id"], k)
			}
		}
		if f["condition"] != nil {
			t.Errorf("condition %v, want null", f["condition"])
		}
	}
	orders := fns[0].(map[string]any)
	if orders["id"] != "OrdersFunction" || orders["name"] != "orders-api-${Stage}" ||
		orders["code"].(map[string]any)["type"] != "zip" || orders["code"].(map[string]any)["path"] != "../orders-function.zip" {
		t.Errorf("OrdersFunction: %v", orders)
	}
	if !slices.Contains(toStrings(orders["packages"]), "pkg:npm/minimist@1.2.5") {
		t.Errorf("OrdersFunction packages %v", orders["packages"])
	}
	verdict := orders["verdict"].(map[string]any)
	if verdict["pass"] != false || !strings.Contains(toStrings(verdict["reasons"])[0], "ships minimist 1.2.5") {
		t.Errorf("OrdersFunction verdict %v", verdict)
	}
	health := fns[1].(map[string]any)
	if health["code"].(map[string]any)["type"] != "inline" || len(toStrings(health["packages"])) != 0 || health["verdict"].(map[string]any)["pass"] != true {
		t.Errorf("HealthFunction: %v", health)
	}
	for _, x := range doc["artifacts"].([]any) {
		for _, p := range x.(map[string]any)["packages"].([]any) {
			if got := toStrings(p.(map[string]any)["functions"]); !slices.Equal(got, []string{"OrdersFunction"}) {
				t.Errorf("package %v: functions %v", p.(map[string]any)["name"], got)
			}
		}
	}
	for _, x := range doc["findings"].([]any) {
		f := x.(map[string]any)
		if got := toStrings(f["functions"]); !slices.Equal(got, []string{"OrdersFunction"}) {
			t.Errorf("finding %v: functions %v", f["id"], got)
		}
	}
	reasons := toStrings(doc["verdict"].(map[string]any)["reasons"])
	if len(reasons) == 0 || !strings.HasPrefix(reasons[0], "OrdersFunction ships minimist 1.2.5 (GHSA-xvch-5gv4-984h, critical") {
		t.Errorf("blast radius not first: %q", reasons)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestApplicationReportsLeadWithBlastRadius: every human format shows the
// combined reason before anything else that follows the header.
func TestApplicationReportsLeadWithBlastRadius(t *testing.T) {
	const blast = "OrdersFunction ships minimist 1.2.5"
	for _, format := range []string{FormatTable, FormatMarkdown} {
		out := string(renderApp(t, format))
		i := strings.Index(out, blast)
		for _, later := range []string{"action-star", "GHSA-c2qf-rxjj-qqgw", "HealthFunction"} {
			if j := strings.Index(out, later); i < 0 || j < i {
				t.Errorf("%s: %q at %d before the blast radius at %d", format, later, j, i)
			}
		}
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(renderApp(t, FormatSARIF), &doc); err != nil {
		t.Fatal(err)
	}
	if r := doc.Runs[0].Results; len(r) == 0 || r[0].RuleID != "blast-radius" {
		t.Errorf("SARIF results do not lead with the blast radius: %+v", r)
	}
}

func TestApplicationSARIF(t *testing.T) {
	data := renderApp(t, FormatSARIF)
	if err := sarifValid(t, data); err != nil {
		t.Fatalf("SARIF schema rejects the application report: %v", err)
	}
	type loc struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string `json:"id"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID       string `json:"ruleId"`
				Level        string `json:"level"`
				Locations    []loc  `json:"locations"`
				Suppressions []any  `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	for _, r := range run.Tool.Driver.Rules {
		if r.Help.Text == "" {
			t.Errorf("rule %s has no help", r.ID)
		}
	}
	got := map[string]string{}
	for _, r := range run.Results {
		l := r.Locations[0].PhysicalLocation
		key := r.RuleID + " " + r.Level
		if len(r.Suppressions) > 0 {
			key += " suppressed"
		}
		got[key] = l.ArtifactLocation.URI + ":" + strconv.Itoa(l.Region.StartLine)
	}
	want := map[string]string{
		// The role's statement, in the template, relative to where fnguard ran.
		"action-star error":                   "../examples/orders-app/template.yaml:46",
		"passrole-star error":                 "../examples/orders-app/template.yaml:46",
		"resource-star-write warning":         "../examples/orders-app/template.yaml:46",
		"resource-star-write note suppressed": "../examples/orders-app/template.yaml:59",
		// A zip's members cannot be opened by code scanning: the function's line.
		"GHSA-xvch-5gv4-984h error":   "../examples/orders-app/template.yaml:33",
		"GHSA-c2qf-rxjj-qqgw warning": "../examples/orders-app/template.yaml:33",
		"blast-radius error":          "../examples/orders-app/template.yaml:33",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s at %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("results %v", got)
	}
}

// TestApplicationWithoutVerdict: a release rendered without a gate shows
// what the roles would do by default and calls nothing blocking.
func TestApplicationWithoutVerdict(t *testing.T) {
	res, _, opts := exampleReport(t)
	for _, format := range []string{FormatTable, FormatJSON, FormatSARIF, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Write(&buf, format, res, nil, opts); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == FormatTable && !strings.Contains(buf.String(), "fails by default  action-star") {
			t.Errorf("table without verdict:\n%s", buf.String())
		}
		if format == FormatSARIF {
			if err := sarifValid(t, buf.Bytes()); err != nil {
				t.Errorf("SARIF without verdict: %v", err)
			}
		}
	}
}

// TestSharedShoppingCart renders a real SAM application of eight functions
// sharing one code folder, a local layer and an external one: layers not
// inspected are said so, role findings land on the template's statements
// and packages of a code folder on the manifest that brought them.
func TestSharedShoppingCart(t *testing.T) {
	dir := "../../shared/fixtures/apps/sam-shopping-cart"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared fixtures absent (%v)", err)
	}
	recs := append(zipRecords(t, "../examples/osv/npm/all.zip"), loadRecords(t)...)
	res, rel := appFixture(t, dir, recs)
	// A real advisory on the layer's requests, so a package finding is placed.
	var requests *vulndb.Finding
	for _, a := range res.Inventory.Artifacts {
		for _, p := range a.Packages {
			if p.Name == "requests" {
				requests = &vulndb.Finding{Finding: osv.Finding{Advisory: &osv.Advisory{ID: "GHSA-j8r2-6x86-q33q", Summary: "Unintended leak of Proxy-Authorization header in requests"}, Severity: osv.SeverityMedium}, Package: p}
			}
		}
	}
	if requests == nil {
		t.Fatal("the fixture's layer lacks requests")
	}
	res.Findings = append(res.Findings, requests)
	v := gate.EvaluateWith(res, gate.Input{Release: rel, Now: testNow})
	opts := testOptions()
	opts.Release = rel
	out := map[string]string{}
	for _, format := range []string{FormatTable, FormatJSON, FormatSARIF, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Write(&buf, format, res, v, opts); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out[format] = buf.String()
	}
	if err := sarifValid(t, []byte(out[FormatSARIF])); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	if len(out[FormatMarkdown]) > MarkdownLimit {
		t.Errorf("markdown %d bytes", len(out[FormatMarkdown]))
	}
	if !strings.Contains(out[FormatTable], "arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPython:3: not inspected") {
		t.Error("table does not say the external layer was not inspected")
	}
	// The layer's finding is listed once, under the first function using it.
	if n := strings.Count(out[FormatTable], "1 finding listed under ListCartFunction"); n != 7 {
		t.Errorf("shared layer's finding referred to %d times under later functions, want 7", n)
	}
	if n := strings.Count(out[FormatTable], "GHSA-j8r2-6x86-q33q"); n != 1 {
		t.Errorf("shared layer's finding listed %d times, want once", n)
	}
	var doc JSONReport
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Application == nil || len(doc.Application.Functions) != 8 || len(doc.Application.Layers) != 1 {
		t.Fatalf("application %+v", doc.Application)
	}
	if l := doc.Application.Layers[0]; l.ID != "UtilsLayer" || len(l.Functions) != 8 || !slices.Contains(l.Packages, "pkg:pypi/requests@2.22.0") {
		t.Errorf("layer %+v", l)
	}
	for _, f := range doc.Findings {
		if f.Functions == nil || len(*f.Functions) != 8 {
			t.Errorf("finding %s in the shared layer names %v", f.ID, f.Functions)
		}
	}
	var sarifDoc struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out[FormatSARIF]), &sarifDoc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range sarifDoc.Runs[0].Results {
		pl := r.Locations[0].PhysicalLocation
		seen[r.RuleID+" "+filepath.Base(filepath.Dir(pl.ArtifactLocation.URI))+"/"+filepath.Base(pl.ArtifactLocation.URI)+":"+strconv.Itoa(pl.Region.StartLine)] = true
	}
	for _, w := range []string{
		"GHSA-j8r2-6x86-q33q layers/requirements.txt:1",
		"resource-star-write sam-shopping-cart/shoppingcart-service.yaml:110",
	} {
		if !seen[w] {
			t.Errorf("no result %q in %v", w, seen)
		}
	}
}

func TestCommittedLocation(t *testing.T) {
	for _, c := range []struct {
		locs []string
		want string
	}{
		{[]string{"node_modules/minimist/package.json", "package-lock.json"}, "package-lock.json"},
		{[]string{"requirements.txt"}, "requirements.txt"},
		{[]string{"python/lib/python3.12/site-packages/requests-2.22.0.dist-info/METADATA", "requirements.txt"}, "requirements.txt"},
		{[]string{"lib/app.jar!/META-INF/maven/x/y/pom.properties"}, "lib/app.jar!/META-INF/maven/x/y/pom.properties"},
	} {
		if got := committedLocation(c.locs); got != c.want {
			t.Errorf("committedLocation(%q) = %q, want %q", c.locs, got, c.want)
		}
	}
}

// TestApplicationUnknowns: a role fnguard cannot see, code it could not
// read and a layer it did not inspect are shown in every format, never as
// clean.
func TestApplicationUnknowns(t *testing.T) {
	ext := &app.Function{ID: "ExternalRoleFunction", Runtime: "python3.12", Handler: "app.handler", PackageType: "Zip",
		Code:     app.Code{Type: app.CodeInline, Note: "inline"},
		Layers:   []string{"arn:aws:lambda:eu-west-1:123456789012:layer:shared:4"},
		RoleNote: "role not in the template: permissions unknown", RoleRef: "arn:aws:iam::123456789012:role/shared",
		File: "template.yaml", Line: 12}
	broken := &app.Function{ID: "BrokenFunction", Runtime: "nodejs22.x", Handler: "index.handler", PackageType: "Zip",
		Code:  app.Code{Type: app.CodeS3, Path: "s3://artifacts/broken.zip", Note: "not available locally"},
		Role:  &iam.Role{ID: "BrokenRole", File: "template.yaml", Line: 40},
		Error: "GetFunction: AccessDeniedException", File: "template.yaml", Line: 30}
	a := &app.Application{Kind: app.KindCloudFormation, Root: "infra", Entry: "template.yaml", Functions: []*app.Function{ext, broken}}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := &vulndb.Result{Inventory: inv}
	v := gate.EvaluateWith(res, gate.Input{Release: rel, Now: testNow})
	if v.Pass {
		t.Fatal("unreadable code passed")
	}
	opts := testOptions()
	opts.Release = rel
	out := map[string]string{}
	for _, format := range []string{FormatTable, FormatJSON, FormatSARIF, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Write(&buf, format, res, v, opts); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out[format] = buf.String()
	}
	for _, format := range []string{FormatTable, FormatMarkdown} {
		for _, want := range []string{"role not in the template: permissions unknown", "AccessDeniedException", "layer:shared:4", "not inspected"} {
			if !strings.Contains(out[format], want) {
				t.Errorf("%s lacks %q:\n%s", format, want, out[format])
			}
		}
	}
	var doc JSONReport
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	f0, f1 := doc.Application.Functions[0], doc.Application.Functions[1]
	if f0.Role != nil || f0.RoleNote != "role not in the template: permissions unknown" || !slices.Equal(f0.ExternalLayers, ext.Layers) ||
		f0.Verdict == nil || !f0.Verdict.Pass || len(f0.Verdict.Notes) != 2 {
		t.Errorf("ExternalRoleFunction %+v", f0)
	}
	if f1.Error == "" || f1.Verdict == nil || f1.Verdict.Pass || f1.Code.Type != "s3" || f1.Code.Path != "s3://artifacts/broken.zip" {
		t.Errorf("BrokenFunction %+v", f1)
	}
	if !strings.Contains(out[FormatJSON], `"role": null`) || !strings.Contains(out[FormatJSON], `"error": "GetFunction: AccessDeniedException"`) {
		t.Error("JSON lacks role null or error")
	}
	if err := sarifValid(t, []byte(out[FormatSARIF])); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	for _, want := range []string{`"ruleId": "unknown-role"`, `"ruleId": "unreadable-code"`, `"uri": "infra/template.yaml"`} {
		if !strings.Contains(out[FormatSARIF], want) {
			t.Errorf("SARIF lacks %s", want)
		}
	}
}
