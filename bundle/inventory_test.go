package bundle

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
)

// TestThroughInventory runs the reader as lockfiles.Read calls it, on the
// CDK sourcemap variant's asset folder: 79 packages with versions from the
// app's lockfile, each with its evidence, and the minified-only variant's
// warning reaches the inventory.
func TestThroughInventory(t *testing.T) {
	lock := filepath.Join(appsDir, "cdk-ts-nodejsfunction", "package-lock.json")
	needShared(t, lock)
	r := newReader(t, lock)
	asset := filepath.Join(appsDir, "cdk-ts-nodejsfunction-sourcemap/cdk.out/asset.b877ec1a33bdfd2c288329c6160737757153a8f4c86f8ceeb3c83705dcd9cb05")
	inv, err := lockfiles.Read(context.Background(), []string{asset}, lockfiles.Options{Bundles: r})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := inv.Artifacts[0].Packages
	if len(pkgs) != 79 {
		t.Fatalf("%d packages, want 79", len(pkgs))
	}
	for _, p := range pkgs {
		if p.Version == "" || p.VersionError != "" || p.Evidence != EvidenceSourceMap || p.Confidence != "high" ||
			strings.Join(p.Locations, ",") != "index.js.map" || !strings.HasPrefix(p.PURL, "pkg:npm/") {
			t.Errorf("%+v", p)
		}
	}

	asset = filepath.Join(appsDir, "cdk-ts-nodejsfunction/cdk.out/asset.41ff514928927052dab8b9d122cefab31fdd4f168dd7c3f74d366630e417bbfe")
	inv, err = lockfiles.Read(context.Background(), []string{asset}, lockfiles.Options{Bundles: r})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range inv.Warnings {
		if w.Artifact == asset && w.Location == "index.js" && strings.Contains(w.Message, "build with sourcemap or metafile") {
			found = true
		}
	}
	if !found || len(inv.Artifacts[0].Packages) != 5 {
		t.Errorf("minified asset: %d packages, warnings %+v", len(inv.Artifacts[0].Packages), inv.Warnings)
	}
}
