package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

// An artifact read only in part (a minified bundle that hides what it
// inlines) fails like a version that cannot be checked; an SBOM input that
// does not claim completeness is its author's statement, not fnguard's gap.
func TestIncompleteArtifact(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	inv := &lockfiles.Inventory{
		Artifacts: []*lockfiles.Artifact{
			{Path: "cdk.out/asset.1", Kind: lockfiles.KindFunction, Complete: false},
			{Path: "vendor.cdx.json", Kind: lockfiles.KindSBOM, Complete: false},
		},
		Warnings: []lockfiles.Warning{{Artifact: "cdk.out/asset.1", Location: "index.js", Message: "bundle without package evidence: build with sourcemap or metafile"}},
	}
	res := &vulndb.Result{Inventory: inv}
	v := EvaluateWith(res, Input{Now: now})
	if v.Pass || len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "cdk.out/asset.1 was read only in part (bundle without package evidence") {
		t.Fatalf("pass %v reasons %q", v.Pass, v.Reasons)
	}
	p := DefaultPolicy()
	p.Unchecked = valWarn
	v = EvaluateWith(res, Input{Policy: p, Now: now})
	if !v.Pass || len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "not blocking, unchecked: warn") {
		t.Fatalf("unchecked: warn: pass %v notes %q", v.Pass, v.Notes)
	}
	inv.Artifacts[0].Complete = true
	if v := EvaluateWith(res, Input{Now: now}); !v.Pass {
		t.Fatalf("complete artifacts and an SBOM input fail: %q", v.Reasons)
	}
}
