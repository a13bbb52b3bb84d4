package gate

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

// withInventory gives a result the inventory a scan of these artifacts
// would carry: the packages of its findings, plus the artifacts named.
func withInventory(res *vulndb.Result, arts ...string) *vulndb.Result {
	inv := &lockfiles.Inventory{}
	byPath := map[string]*lockfiles.Artifact{}
	for _, path := range arts {
		a := &lockfiles.Artifact{Path: path, Kind: lockfiles.KindFunction}
		byPath[path] = a
		inv.Artifacts = append(inv.Artifacts, a)
	}
	for _, f := range res.Findings {
		if a := byPath[f.Package.Artifact]; a != nil && !slices.Contains(a.Packages, f.Package) {
			a.Packages = append(a.Packages, f.Package)
		}
	}
	res.Inventory = inv
	return res
}

// TestIgnoreScopeSharedPolicy: one policy serves several functions. Its
// ignores for other functions, artifacts or packages are not stale when
// this scan did not look at them (issue 12 item 8); they are stale when it
// did and nothing matched.
func TestIgnoreScopeSharedPolicy(t *testing.T) {
	exp := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	res := withInventory(result(t, lodash), "function.zip")
	ig := func(id, field, value string) Ignore {
		i := Ignore{ID: id, Reason: "accepted", Expires: exp, Line: 3}
		switch field {
		case "artifact":
			i.Artifact = value
		case "function":
			i.Function = value
		case "package":
			i.Package = value
		}
		return i
	}
	run := func(in Input, igs ...Ignore) *Verdict {
		in.Policy = policyWith(func(p *Policy) { p.Ignores = igs; p.Source = ".fnguard.yaml" })
		in.Now = now
		return EvaluateWith(res, in)
	}
	for _, c := range []struct {
		name string
		ig   Ignore
	}{
		{"other artifact", ig("GHSA-0000-0000-0000", "artifact", "dist/billing.zip")},
		{"other function", ig("GHSA-0000-0000-0000", "function", "BillingFn")},
		{"other package", ig("GHSA-0000-0000-0000", "package", "npm/left-pad")},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := run(Input{Functions: map[string][]string{"function.zip": {"OrdersFn"}}}, c.ig)
			if len(v.StaleIgnores) != 0 || len(v.OutOfScopeIgnores) != 1 {
				t.Fatalf("stale %+v, out of scope %+v", v.StaleIgnores, v.OutOfScopeIgnores)
			}
			for _, l := range allLines(v) {
				if strings.Contains(l, "remove it") {
					t.Errorf("told to remove an ignore meant for another scan: %q", l)
				}
			}
		})
	}
	t.Run("scanned scope, nothing matched: stale", func(t *testing.T) {
		v := run(Input{Functions: map[string][]string{"function.zip": {"OrdersFn"}}},
			ig("GHSA-0000-0000-0000", "function", "OrdersFn"), ig("GHSA-0000-0000-0001", "artifact", "*.zip"))
		if len(v.StaleIgnores) != 2 || len(v.OutOfScopeIgnores) != 0 {
			t.Fatalf("stale %+v, out of scope %+v", v.StaleIgnores, v.OutOfScopeIgnores)
		}
		want := "ignore GHSA-0000-0000-0000 (.fnguard.yaml:3) matches no finding in function OrdersFn: remove it"
		if !slices.Contains(allLines(v), want) {
			t.Errorf("lines %q lack %q", allLines(v), want)
		}
	})
	t.Run("artifact scope applies to its artifact only", func(t *testing.T) {
		v := run(Input{}, ig("GHSA-p6mc-m468-83gw", "artifact", "ci/build/function.zip"))
		if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); d.Ignored {
			t.Fatalf("ignore for ci/build/function.zip applied to function.zip: %+v", d)
		}
		v = run(Input{}, ig("GHSA-p6mc-m468-83gw", "artifact", "function.zip"))
		if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); !d.Ignored {
			t.Fatalf("ignore for function.zip did not apply: %+v", d)
		}
	})
	t.Run("function scope applies to its function only", func(t *testing.T) {
		v := run(Input{Functions: map[string][]string{"function.zip": {"OrdersFn"}}}, ig("GHSA-p6mc-m468-83gw", "function", "OrdersFn"))
		if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); !d.Ignored {
			t.Fatalf("function-scoped ignore did not apply: %+v", d)
		}
		v = run(Input{}, ig("GHSA-p6mc-m468-83gw", "function", "OrdersFn"))
		if d := decisionOf(t, res, v, "GHSA-p6mc-m468-83gw", "lodash"); d.Ignored {
			t.Fatalf("function-scoped ignore applied with no function scanned: %+v", d)
		}
	})
}

func TestArtifactMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"dist/orders.zip", "dist/orders.zip", true},
		{"./dist/orders.zip", "dist/orders.zip", true},
		{"dist/*.zip", "/ci/work/dist/orders.zip", true},
		{"orders.zip", "/ci/work/dist/orders.zip", true},
		{"dist/*.zip", "build/orders.zip", false},
		{"dist/orders.zip", "orders.zip", false},
	} {
		if got := artifactMatches(c.pattern, c.path); got != c.want {
			t.Errorf("artifactMatches(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}

func TestPolicyScopeKeys(t *testing.T) {
	p, err := parsePolicy([]byte("ignores:\n  - id: GHSA-1\n    reason: r\n    expires: 2027-01-01\n    artifact: dist/*.zip\n    function: OrdersFn\n"), "p.yaml", now)
	if err != nil {
		t.Fatal(err)
	}
	if ig := p.Ignores[0]; ig.Artifact != "dist/*.zip" || ig.Function != "OrdersFn" {
		t.Fatalf("%+v", ig)
	}
	if _, err := parsePolicy([]byte("ignores:\n  - id: GHSA-1\n    reason: r\n    expires: 2027-01-01\n    artifact: \"dist/[\"\n"), "p.yaml", now); err == nil || !strings.Contains(err.Error(), "p.yaml:5") {
		t.Fatalf("bad glob: %v", err)
	}
}
