package gate

import (
	"context"
	"github.com/fnguard/fnguard/internal/osvtest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/app"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// The releases here are the bundled example's code
// (examples/orders-function.zip: minimist 1.2.5 with the critical
// GHSA-xvch-5gv4-984h, semver 5.7.1 with the medium GHSA-c2qf-rxjj-qqgw),
// matched against the example's own advisory records, and functions whose
// roles each test writes.

const exampleZip = "../examples/orders-function.zip"

func exampleRecords(t testing.TB) []*osv.Record {
	t.Helper()
	return osvtest.ZipRecords(t, "../examples/osv/npm/all.zip")
}

func allow(source string, line int, actions []string, resources ...string) iam.Statement {
	return iam.Statement{Effect: "Allow", Actions: actions, Resources: resources, Source: source, File: "template.yaml", Line: line}
}

func role(id string, st ...iam.Statement) *iam.Role {
	return &iam.Role{ID: id, Statements: st, File: "template.yaml", Line: 10}
}

// zipFunction is a function whose code is the example zip.
func zipFunction(id string, r *iam.Role) *app.Function {
	return &app.Function{ID: id, Runtime: "nodejs22.x", Handler: "index.handler", PackageType: "Zip",
		Code: app.Code{Type: app.CodeZip, Path: "../orders-function.zip", Local: exampleZip},
		Role: r, File: "template.yaml", Line: 30}
}

func inlineFunction(id string, r *iam.Role) *app.Function {
	return &app.Function{ID: id, Runtime: "python3.12", Handler: "index.handler", PackageType: "Zip",
		Code: app.Code{Type: app.CodeInline, Note: "inline"}, Role: r, File: "template.yaml", Line: 50}
}

var (
	adminRole  = func() *iam.Role { return role("OrdersRole", allow("inline:everything", 42, []string{"*"}, "*")) }
	scopedRole = func() *iam.Role {
		return role("ScopedRole", allow("inline:table", 60, []string{"dynamodb:GetItem"}, "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"))
	}
	// warnRole breaks only service-wildcard, a rule that warns by default.
	warnRole = func() *iam.Role {
		return role("WarnRole", allow("inline:bucket", 70, []string{"s3:*"}, "arn:aws:s3:::orders-bucket/*"))
	}
)

// appResult inventories the functions as an application and matches what
// they ship; keep, when given, keeps only the findings of those IDs.
func appResult(t *testing.T, keep []string, fns ...*app.Function) (*vulndb.Result, *release.Release) {
	t.Helper()
	a := &app.Application{Kind: app.KindSAM, Root: "../examples/orders-app", Entry: "template.yaml", Functions: fns}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := exampleRecords(t)
	res := &vulndb.Result{Inventory: inv}
	for _, art := range inv.Artifacts {
		for _, p := range art.Packages {
			found, err := osv.MatchPackage(recs, p.Ecosystem, p.Name, p.Version)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range found {
				if keep == nil || slices.Contains(keep, f.ID) {
					res.Findings = append(res.Findings, &vulndb.Finding{Finding: f, Package: p})
				}
			}
		}
	}
	return res, rel
}

func functionVerdict(t *testing.T, v *Verdict, id string) *FunctionVerdict {
	t.Helper()
	for _, fv := range v.Functions {
		if fv.ID == id {
			return fv
		}
	}
	t.Fatalf("no verdict for function %s in %+v", id, v.Functions)
	return nil
}

const (
	minimistID = "GHSA-xvch-5gv4-984h"
	semverID   = "GHSA-c2qf-rxjj-qqgw"
)

func TestReleaseBlastRadius(t *testing.T) {
	res, rel := appResult(t, nil, zipFunction("OrdersFunction", adminRole()), inlineFunction("HealthFunction", scopedRole()))
	v := EvaluateWith(res, Input{Release: rel, Now: now})
	if v.Pass {
		t.Fatal("a function with Action \"*\" shipping a critical advisory passed")
	}
	orders := functionVerdict(t, v, "OrdersFunction")
	if orders.Pass || orders.Blast == nil {
		t.Fatalf("OrdersFunction: pass %v, blast %+v", orders.Pass, orders.Blast)
	}
	b := orders.Blast
	if b.Finding.ID != minimistID || b.Role.Finding.Rule != iam.RuleActionStar || b.Severity != osv.SeverityCritical {
		t.Fatalf("blast names %s and %s (%s)", b.Finding.ID, b.Role.Finding.Rule, b.Severity)
	}
	// Action "*" also grants iam:PassRole on "*": a second failing finding.
	if b.MoreRole != 1 {
		t.Errorf("MoreRole = %d, want 1 (passrole-star)", b.MoreRole)
	}
	for _, want := range []string{"OrdersFunction ships minimist 1.2.5 (GHSA-xvch-5gv4-984h, critical", `runs with Action "*"`, "template.yaml:42", "blast radius, critical, blocking"} {
		if !strings.Contains(b.Text, want) {
			t.Errorf("blast text %q lacks %q", b.Text, want)
		}
	}
	// Shown first: in the release and in the function.
	if len(v.Reasons) == 0 || v.Reasons[0] != b.Text || orders.Reasons[0] != b.Text {
		t.Errorf("blast radius not first:\nrelease %q\nfunction %q", v.Reasons, orders.Reasons)
	}
	d := decisionOf(t, res, v, minimistID, "minimist")
	if !d.BlastRadius || !slices.Equal(d.Functions, []string{"OrdersFunction"}) {
		t.Errorf("minimist decision: blast %v, functions %v", d.BlastRadius, d.Functions)
	}
	if d := decisionOf(t, res, v, semverID, "semver"); d.BlastRadius || d.Blocking {
		t.Errorf("medium semver advisory marked blast %v, blocking %v", d.BlastRadius, d.Blocking)
	}
	// The role findings themselves are reasons naming function, role,
	// statement source and template line.
	want := `action-star in function OrdersFunction (role OrdersRole): Action "*" (inline:everything, template.yaml:42): fails the release (roles: fail action-star)`
	if !slices.Contains(v.Reasons, want) || !slices.Contains(orders.Reasons, want) {
		t.Errorf("reasons lack %q:\n%q", want, v.Reasons)
	}
	health := functionVerdict(t, v, "HealthFunction")
	if !health.Pass || len(health.Reasons) != 0 || health.Blast != nil {
		t.Errorf("HealthFunction (inline code, scoped role): %+v", health)
	}
	// The release's lines are the union of its functions'.
	for _, fv := range v.Functions {
		for _, r := range fv.Reasons {
			if !slices.Contains(v.Reasons, r) {
				t.Errorf("function %s reason %q missing from the release", fv.ID, r)
			}
		}
	}
}

func TestReleaseNoBlastRadius(t *testing.T) {
	t.Run("warn-only rule", func(t *testing.T) {
		res, rel := appResult(t, nil, zipFunction("OrdersFunction", warnRole()))
		v := EvaluateWith(res, Input{Release: rel, Now: now})
		fv := functionVerdict(t, v, "OrdersFunction")
		if fv.Blast != nil {
			t.Fatalf("service-wildcard (warn) gave a blast radius: %s", fv.Blast.Text)
		}
		if len(fv.Roles) != 1 || fv.Roles[0].Finding.Rule != iam.RuleServiceWildcard || fv.Roles[0].Blocking {
			t.Fatalf("roles %+v", fv.Roles)
		}
		if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.HasPrefix(n, "service-wildcard in function OrdersFunction") }) {
			t.Errorf("warned rule not among the notes: %q", v.Notes)
		}
		// minimist still fails on its own.
		if v.Pass || fv.Pass {
			t.Error("critical minimist passed")
		}
		// The policy can make the rule fail, and then the combination is there.
		v = EvaluateWith(res, Input{Release: rel, Now: now, Policy: policyWith(func(p *Policy) {
			p.Roles = map[string]string{iam.RuleServiceWildcard: "fail"}
		})})
		if fv := functionVerdict(t, v, "OrdersFunction"); fv.Blast == nil || !strings.Contains(fv.Blast.Text, "s3:*") {
			t.Fatalf("roles: fail service-wildcard gave no blast radius: %+v", fv.Blast)
		}
	})
	t.Run("medium advisory", func(t *testing.T) {
		res, rel := appResult(t, []string{semverID}, zipFunction("OrdersFunction", adminRole()))
		v := EvaluateWith(res, Input{Release: rel, Now: now})
		fv := functionVerdict(t, v, "OrdersFunction")
		if fv.Blast != nil {
			t.Fatalf("a medium advisory gave a blast radius: %s", fv.Blast.Text)
		}
		if v.Pass || fv.Pass {
			t.Fatal("Action \"*\" passed")
		}
	})
	t.Run("medium advisory of a database driver", func(t *testing.T) {
		res, rel := appResult(t, []string{semverID}, zipFunction("OrdersFunction", adminRole()))
		res.Findings[0].Package.Categories = []string{"db-driver"}
		v := EvaluateWith(res, Input{Release: rel, Now: now})
		if fv := functionVerdict(t, v, "OrdersFunction"); fv.Blast == nil || !strings.Contains(fv.Blast.Text, "ships db-driver semver 5.7.1") {
			t.Fatalf("driver advisory with Action \"*\": %+v", fv.Blast)
		}
	})
	t.Run("ignored role finding", func(t *testing.T) {
		res, rel := appResult(t, nil, zipFunction("OrdersFunction", adminRole()))
		exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
		v := EvaluateWith(res, Input{Release: rel, Now: now, Policy: policyWith(func(p *Policy) {
			p.Ignores = []Ignore{
				{Rule: iam.RuleActionStar, Function: "OrdersFunction", Reason: "debug stage only", Expires: exp, Line: 3},
				{Rule: iam.RulePassRoleStar, Function: "OrdersFunction", Reason: "debug stage only", Expires: exp, Line: 7},
			}
		})})
		fv := functionVerdict(t, v, "OrdersFunction")
		if fv.Blast != nil {
			t.Fatalf("accepted role findings still gave a blast radius: %s", fv.Blast.Text)
		}
		for _, rd := range fv.Roles {
			if rd.Blocking {
				t.Errorf("role finding %s blocks despite its ignore: %+v", rd.Finding.Rule, rd)
			}
		}
		if len(v.StaleIgnores) != 0 {
			t.Errorf("used ignores reported stale: %+v", v.StaleIgnores)
		}
	})
}

func TestReleaseRoleIgnores(t *testing.T) {
	res, rel := appResult(t, []string{semverID}, zipFunction("OrdersFunction", adminRole()), inlineFunction("HealthFunction", scopedRole()))
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	run := func(in Input, igs ...Ignore) *Verdict {
		in.Policy = policyWith(func(p *Policy) { p.Ignores = igs; p.Source = ".fnguard.yaml" })
		in.Now = now
		return EvaluateWith(res, in)
	}
	ig := func(rule, fn string, expires time.Time) Ignore {
		return Ignore{Rule: rule, Function: fn, Reason: "accepted", Expires: expires, Line: 4}
	}
	t.Run("rule and function", func(t *testing.T) {
		v := run(Input{Release: rel}, ig(iam.RuleActionStar, "OrdersFunction", exp), ig(iam.RulePassRoleStar, "", exp))
		if !v.Pass {
			t.Fatalf("both failing rules accepted, still FAIL: %q", v.Reasons)
		}
		fv := functionVerdict(t, v, "OrdersFunction")
		if !fv.Roles[0].Ignored || fv.Roles[0].IgnoreReason != "accepted" || !fv.Roles[0].IgnoreExpires.Equal(exp) {
			t.Errorf("action-star decision %+v", fv.Roles[0])
		}
	})
	t.Run("expired", func(t *testing.T) {
		old := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		v := run(Input{Release: rel}, ig(iam.RuleActionStar, "OrdersFunction", old), ig(iam.RulePassRoleStar, "OrdersFunction", exp))
		if v.Pass || len(v.ExpiredIgnores) != 1 {
			t.Fatalf("pass %v, expired %+v", v.Pass, v.ExpiredIgnores)
		}
		want := `action-star in function OrdersFunction (role OrdersRole): Action "*" (inline:everything, template.yaml:42): fails the release (roles: fail action-star), ignore expired on 2026-11-01`
		if !slices.Contains(v.Reasons, want) {
			t.Errorf("reasons %q lack %q", v.Reasons, want)
		}
		if !slices.Contains(v.Notes, "ignore rule action-star (.fnguard.yaml:4) expired on 2026-11-01: its findings count again") {
			t.Errorf("notes %q", v.Notes)
		}
	})
	t.Run("another function's role is not matched", func(t *testing.T) {
		v := run(Input{Release: rel}, ig(iam.RuleActionStar, "HealthFunction", exp))
		if fv := functionVerdict(t, v, "OrdersFunction"); fv.Roles[0].Ignored {
			t.Fatal("ignore scoped to HealthFunction accepted OrdersFunction's finding")
		}
		if len(v.StaleIgnores) != 1 || v.StaleIgnores[0].Function != "HealthFunction" {
			t.Fatalf("stale %+v", v.StaleIgnores)
		}
		want := "ignore rule action-star (.fnguard.yaml:4) matches no finding in function HealthFunction: remove it"
		if !slices.Contains(v.Notes, want) {
			t.Errorf("notes %q lack %q", v.Notes, want)
		}
	})
	t.Run("out of scope", func(t *testing.T) {
		v := run(Input{Release: rel}, ig(iam.RuleActionStar, "BillingFunction", exp))
		if len(v.OutOfScopeIgnores) != 1 || len(v.StaleIgnores) != 0 {
			t.Fatalf("function not in the release: stale %+v, out of scope %+v", v.StaleIgnores, v.OutOfScopeIgnores)
		}
		v = run(Input{}, ig(iam.RuleActionStar, "", exp))
		if len(v.OutOfScopeIgnores) != 1 || len(v.StaleIgnores) != 0 {
			t.Fatalf("plain artifacts: stale %+v, out of scope %+v", v.StaleIgnores, v.OutOfScopeIgnores)
		}
	})
	t.Run("advisory ignore by function name", func(t *testing.T) {
		named, rel := appResult(t, nil, func() *app.Function {
			f := zipFunction("OrdersFunction", scopedRole())
			f.Name = "orders-api"
			return f
		}())
		v := EvaluateWith(named, Input{Release: rel, Now: now, Policy: policyWith(func(p *Policy) {
			p.Ignores = []Ignore{{ID: minimistID, Function: "orders-api", Reason: "argv only", Expires: exp, Line: 2}}
		})})
		if d := decisionOf(t, named, v, minimistID, "minimist"); !d.Ignored {
			t.Fatalf("ignore naming the function's declared name did not apply: %+v", d)
		}
		if !v.Pass {
			t.Fatalf("FAIL: %q", v.Reasons)
		}
	})
}

func TestReleaseUnreadableAndUnknown(t *testing.T) {
	broken := inlineFunction("BrokenFunction", scopedRole())
	broken.Error = "GetFunction: AccessDeniedException"
	external := inlineFunction("ExternalRoleFunction", nil)
	external.RoleNote = "role not in the template: permissions unknown"
	external.RoleRef = "arn:aws:iam::123456789012:role/shared"
	partial := inlineFunction("PartialFunction", scopedRole())
	partial.Notes = []string{"SAM policy template FutureServicePolicy is unknown: the role's permissions are incomplete"}
	res, rel := appResult(t, nil, broken, external, partial)

	v := EvaluateWith(res, Input{Release: rel, Now: now})
	if v.Pass {
		t.Fatal("an unreadable function passed")
	}
	if fv := functionVerdict(t, v, "BrokenFunction"); fv.Pass || !strings.Contains(strings.Join(fv.Reasons, "\n"), "AccessDeniedException") {
		t.Errorf("BrokenFunction %+v", fv)
	}
	ext := functionVerdict(t, v, "ExternalRoleFunction")
	if !ext.Pass || len(ext.Notes) != 1 || !strings.Contains(ext.Notes[0], "role not in the template: permissions unknown") {
		t.Errorf("unknown role must pass with a visible note by default: %+v", ext)
	}
	if p := functionVerdict(t, v, "PartialFunction"); !p.Pass || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "FutureServicePolicy") {
		t.Errorf("incomplete role expansion: %+v", p)
	}

	v = EvaluateWith(res, Input{Release: rel, Now: now, Policy: policyWith(func(p *Policy) { p.Unreadable, p.UnknownRole = "warn", "fail" })})
	if fv := functionVerdict(t, v, "BrokenFunction"); !fv.Pass || len(fv.Notes) != 1 {
		t.Errorf("unreadable: warn: %+v", fv)
	}
	for _, id := range []string{"ExternalRoleFunction", "PartialFunction"} {
		if fv := functionVerdict(t, v, id); fv.Pass {
			t.Errorf("unknown-role: fail let %s pass: %+v", id, fv)
		}
	}
	if v.Pass {
		t.Error("unknown-role: fail, release passed")
	}
}

func TestReleaseFunctionsMap(t *testing.T) {
	f := zipFunction("OrdersFunction", scopedRole())
	f.Name, f.Key = "orders-api", "orders"
	_, rel := appResult(t, nil, f)
	got := releaseFunctions(map[string][]string{"other.zip": {"Billing"}}, rel)
	if !slices.Equal(got[exampleZip], []string{"OrdersFunction", "orders", "orders-api"}) || !slices.Equal(got["other.zip"], []string{"Billing"}) {
		t.Fatalf("functions map %v", got)
	}
	if releaseFunctions(nil, nil) != nil {
		t.Fatal("no release, no map: function ignores must stay out of scope")
	}
}

// TestEnvironmental checks the recomputed scores against the CVSS v3.1
// environmental formula worked by hand on the records' real vectors.
func TestEnvironmental(t *testing.T) {
	res, _ := appResult(t, nil, zipFunction("OrdersFunction", scopedRole()))
	want := map[string][2]float64{
		// AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H: already at the ceiling.
		minimistID: {9.8, 9.8},
		// AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L: AR:H raises the
		// availability impact 0.22 to 0.33: 6.42*0.33 + 3.887 = 6.006 -> 6.1.
		semverID: {5.3, 6.1},
	}
	for _, f := range res.Findings {
		w, ok := want[f.ID]
		if !ok {
			continue
		}
		base, env, vec := Environmental(f)
		if base != w[0] || env != w[1] || !strings.Contains(vec, "CR:H/IR:H/AR:H") {
			t.Errorf("%s: base %.1f env %.1f (%s), want %.1f %.1f", f.ID, base, env, vec, w[0], w[1])
		}
		delete(want, f.ID)
	}
	if len(want) > 0 {
		t.Fatalf("findings missing: %v", want)
	}
	if b, e, v := Environmental(&vulndb.Finding{Finding: osv.Finding{Advisory: &osv.Advisory{}}}); b != 0 || e != 0 || v != "" {
		t.Errorf("no vector: %v %v %q", b, e, v)
	}
}

func TestReleaseLayers(t *testing.T) {
	f := inlineFunction("ApiFunction", scopedRole())
	f.Layers = []string{"arn:aws:lambda:eu-west-1:123456789012:layer:shared:4"}
	a := &app.Application{Kind: app.KindCloudFormation, Root: "../examples/orders-app", Entry: "template.yaml",
		Functions: []*app.Function{f},
		Layers:    []*app.Layer{{ID: "OldLayer", Code: app.Code{Type: app.CodeS3, Path: "s3://bucket/old.zip"}, Error: "layer version deleted"}}}
	inv, rel, err := release.Inventory(context.Background(), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := EvaluateWith(&vulndb.Result{Inventory: inv}, Input{Release: rel, Now: now})
	// A layer no function uses is still part of the release: unreadable, it
	// fails the release without failing a function.
	if v.Pass {
		t.Fatal("an unreadable layer passed")
	}
	fv := functionVerdict(t, v, "ApiFunction")
	if !fv.Pass || len(fv.Reasons) != 0 {
		t.Errorf("ApiFunction does not use OldLayer: %+v", fv)
	}
	want := "function ApiFunction: layer arn:aws:lambda:eu-west-1:123456789012:layer:shared:4 is not in the definition: not inspected"
	if !slices.Contains(fv.Notes, want) || !slices.Contains(v.Notes, want) {
		t.Errorf("external layer not noted: %q", fv.Notes)
	}
	if !slices.ContainsFunc(v.Reasons, func(r string) bool {
		return strings.HasPrefix(r, "layer OldLayer: code could not be read (layer version deleted)")
	}) {
		t.Errorf("reasons %q", v.Reasons)
	}
}

// TestEqualDecisionsShared: findings that decide alike share one Decision,
// and the blast radius, which adds to the decisions it picks, changes
// copies: a line said of one finding is never said of another.
func TestEqualDecisionsShared(t *testing.T) {
	res, rel := appResult(t, []string{minimistID}, zipFunction("OrdersFunction", adminRole()))
	if len(res.Findings) != 1 {
		t.Fatalf("%d minimist findings, want 1", len(res.Findings))
	}
	twin := *res.Findings[0]
	p := *twin.Package
	p.Name, p.PURL = "minimist-fork", "pkg:npm/minimist-fork@1.2.5"
	twin.Package = &p
	res.Findings = append(res.Findings, &twin)

	plain := EvaluateWith(res, Input{Now: now})
	if plain.Decisions[0] != plain.Decisions[1] {
		t.Errorf("two findings deciding alike hold two decisions: %+v and %+v", plain.Decisions[0], plain.Decisions[1])
	}

	v := EvaluateWith(res, Input{Release: rel, Now: now})
	a, b := v.Decisions[0], v.Decisions[1]
	if a == b {
		t.Fatal("blast radius changed a shared decision")
	}
	if !a.BlastRadius || !b.BlastRadius {
		t.Errorf("both ship in the function with Action \"*\": blast %v and %v", a.BlastRadius, b.BlastRadius)
	}
	said := 0
	for _, d := range []*Decision{a, b} {
		for _, w := range d.Why {
			if strings.HasPrefix(w, "blast radius: ") {
				said++
			}
		}
	}
	if said != 1 {
		t.Errorf("the blast radius line is said %d times, want once (of the finding it names): %q, %q", said, a.Why, b.Why)
	}
	for _, d := range plain.Decisions {
		if d.BlastRadius || len(d.Why) != 1 {
			t.Errorf("the release's evaluation changed an earlier verdict's decision: %+v", d)
		}
	}
}
