package lockfiles_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/bundle"
	"github.com/fnguard/fnguard/lockfiles"
)

const bundlesDir = "../../shared/fixtures/apps/bundles"

func bundleReader(t *testing.T, lock string) *bundle.Reader {
	t.Helper()
	var opts bundle.Options
	if lock != "" {
		data, err := os.ReadFile(lock)
		if err != nil {
			t.Fatal(err)
		}
		opts.Lockfile, opts.LockfilePath = data, lock
	}
	r, err := bundle.NewReader(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A bundle whose map names what it inlines is a complete inventory; a
// minified one that shows only part of it is not, and says so.
func TestBundledArtifactCompleteness(t *testing.T) {
	if _, err := os.Stat(bundlesDir); err != nil {
		t.Skipf("shared fixtures absent (%v)", err)
	}
	r := bundleReader(t, filepath.Join(bundlesDir, "package-lock.json"))
	inv, err := lockfiles.Read(context.Background(), []string{filepath.Join(bundlesDir, "orders", "sourcemap")}, lockfiles.Options{Bundles: r})
	if err != nil {
		t.Fatal(err)
	}
	a := inv.Artifacts[0]
	if !a.Complete || len(a.Packages) != 3 {
		t.Errorf("sourcemap bundle: complete %v, %d packages", a.Complete, len(a.Packages))
	}
	for _, p := range a.Packages {
		if p.Evidence != bundle.EvidenceSourceMap || p.Version == "" {
			t.Errorf("%s@%s: evidence %q", p.Name, p.Version, p.Evidence)
		}
	}
	inv, err = lockfiles.Read(context.Background(), []string{filepath.Join(bundlesDir, "orders", "minified")}, lockfiles.Options{Bundles: r})
	if err != nil {
		t.Fatal(err)
	}
	if a := inv.Artifacts[0]; a.Complete {
		t.Errorf("minified bundle showing %d packages is called complete", len(a.Packages))
	}
}

// An artifact whose only code is a bundle without evidence fails with the
// bundle's own reason, not the generic list of what was looked for.
func TestBundleWithoutEvidenceError(t *testing.T) {
	dir := t.TempDir()
	// esbuild's minified CommonJS wrapper around an inlined module, with no
	// map, no metafile, no comments and nothing that names a package.
	code := `"use strict";var a=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);var b=a((x,y)=>{y.exports=function(n){return n*2}});var c=b();exports.handler=async e=>({statusCode:200,body:String(c(e.n))});` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := lockfiles.Read(context.Background(), []string{dir}, lockfiles.Options{Bundles: bundleReader(t, "")})
	if err == nil || !strings.Contains(err.Error(), "bundle without package evidence") {
		t.Fatalf("error %v, want the bundle's reason", err)
	}
}
