package deployed

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
)

func packageKeys(arts ...*lockfiles.Artifact) []string {
	var out []string
	for _, a := range arts {
		for _, p := range a.Packages {
			out = append(out, p.PURL)
		}
	}
	slices.Sort(out)
	return out
}

// TestDeployedScansLikeLocal is the deployed-function promise end to end: a
// function fetched from Lambda, with its layer and its role, inventories to
// exactly the packages of the same zips read locally, and its role brings
// the findings a template would.
func TestDeployedScansLikeLocal(t *testing.T) {
	f, _, _ := nodeApp(t)
	a, err := Load(ctx(t), []string{fnARN("orders")}, f.options(t))
	if err != nil {
		t.Fatal(err)
	}
	inv, rel, err := release.Inventory(ctx(t), a, release.Options{})
	if err != nil {
		t.Fatal(err)
	}
	local, err := lockfiles.Read(ctx(t), []string{filepath.Join("..", "..", "shared", "fixtures", "lambda", "node-function.zip")},
		lockfiles.Options{Layers: []string{filepath.Join("..", "..", "shared", "fixtures", "lambda", "node-layer.zip")}})
	if err != nil {
		t.Fatal(err)
	}
	got, want := packageKeys(inv.Artifacts...), packageKeys(local.Artifacts...)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("deployed inventory\n  %v\nlocal\n  %v", got, want)
	}
	if len(rel.Functions) != 1 {
		t.Fatalf("%d functions", len(rel.Functions))
	}
	fn := rel.Functions[0]
	if fn.Artifact == "" || len(fn.LocalLayers) != 1 || fn.LocalLayers[0].Artifact == "" {
		t.Fatalf("function %s: code %q, layers %+v", fn.ID, fn.Artifact, fn.LocalLayers)
	}
	if ids := rel.FunctionIDs(fn.LocalLayers[0].Artifact); !slices.Equal(ids, []string{"orders"}) {
		t.Errorf("layer attributed to %v", ids)
	}
	var rules []string
	for _, x := range fn.Role.Findings {
		rules = append(rules, x.Rule)
	}
	if !slices.Contains(rules, iam.RuleActionStar) || !slices.Contains(rules, iam.RuleAdminManaged) {
		t.Errorf("role findings %v", rules)
	}
}
