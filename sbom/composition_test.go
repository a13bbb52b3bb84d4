package sbom

import (
	"slices"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
)

// An artifact without package edges depends on all its packages and on its
// attached layers; building that list must not reorder or overwrite the
// artifact's own package list, which its composition reuses. (It once did:
// the function's composition named the layer and lost a package
// whenever the package list had spare capacity, five packages here.)
func TestCompositionNotAliasedByLayers(t *testing.T) {
	fn := &lockfiles.Artifact{Path: "function.zip", Kind: lockfiles.KindFunction, Complete: true}
	for _, n := range []string{"sequelize", "lodash", "pg", "debug", "ms"} {
		fn.Packages = append(fn.Packages, &lockfiles.Package{Ecosystem: "npm", Name: n, Version: "1.0.0", Artifact: fn.Path})
	}
	layer := &lockfiles.Artifact{Path: "layer.zip", Kind: lockfiles.KindLayer, Parent: fn.Path, Complete: true,
		Packages: []*lockfiles.Package{{Ecosystem: "PyPI", Name: "sqlalchemy", Version: "1.2.17", Artifact: "layer.zip"}}}
	bom, err := Build(&lockfiles.Inventory{Artifacts: []*lockfiles.Artifact{fn, layer}}, fixedOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"fnguard:artifact:function.zip", "pkg:npm/debug@1.0.0", "pkg:npm/lodash@1.0.0", "pkg:npm/ms@1.0.0", "pkg:npm/pg@1.0.0", "pkg:npm/sequelize@1.0.0"}
	for _, c := range *bom.Compositions {
		if string((*c.Assemblies)[0]) != want[0] {
			continue
		}
		var got []string
		for _, r := range *c.Assemblies {
			got = append(got, string(r))
		}
		if !slices.Equal(got, want) {
			t.Errorf("function composition %v, want %v", got, want)
		}
		return
	}
	t.Error("no composition for the function")
}
