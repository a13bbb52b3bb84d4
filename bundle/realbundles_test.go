package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// Found on real esbuild bundles (esbuild 0.24, npm and pnpm 9).

// pnpm installs one package at two versions under two store folders,
// both reduced to node_modules/<name>: each is its own instance. Deduped
// by that path, express's path-to-regexp 0.1.12 hid a direct 6.2.0 with a
// high advisory, and the gate passed.
func TestPNPMTwoVersions(t *testing.T) {
	sm := `{"version":3,"sources":["../node_modules/.pnpm/path-to-regexp@0.1.12/node_modules/path-to-regexp/index.js",
"../node_modules/.pnpm/path-to-regexp@6.2.0/node_modules/path-to-regexp/dist/index.js","../src/handler.ts"],"mappings":""}`
	pkgs, warnings, err := readMap(t, newReader(t, ""), fstest.MapFS{
		"index.js":     {Data: []byte("exports.handler=1;\n//# sourceMappingURL=index.js.map\n")},
		"index.js.map": {Data: []byte(sm)},
	})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("%v %+v", err, warnings)
	}
	if g, want := describe(pkgs), "path-to-regexp@0.1.12/sourcemap/high path-to-regexp@6.2.0/sourcemap/high"; g != want {
		t.Errorf("\n got  %s\n want %s", g, want)
	}
}

// Minified code that names a package it inlines is a bundle, whatever its
// size: an ESM bundle (lodash-es and path-to-regexp hoisted, 16 KiB) has
// no runtime helper to say so. Read as complete, it passed with
// path-to-regexp 6.2.0 unseen. Wrapped at a line limit, minified code is
// still minified.
func TestMinifiedWithoutHelpers(t *testing.T) {
	r := newReader(t, "")
	esm := "/*! lodash-es v4.17.15 | lodash.com/license */\n" + string(minified(16<<10, ""))
	pkgs, warnings, err := readMap(t, r, fstest.MapFS{"index.mjs": {Data: []byte(esm)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "bundle is minified without source map or metafile: 1 package(s)") {
		t.Errorf("ESM bundle: %s, warnings %+v", describe(pkgs), warnings)
	}
	var wrapped strings.Builder
	for _, line := range strings.SplitAfter(string(minified(40<<10, "")), ";") {
		wrapped.WriteString(line)
		if wrapped.Len()%300 < len(line) {
			wrapped.WriteString("\n")
		}
	}
	_, warnings, _ = readMap(t, r, fstest.MapFS{"index.js": {Data: []byte(wrapped.String())}})
	if len(warnings) != 1 || warnings[0].Message != NoEvidenceWarning {
		t.Errorf("line-limited bundle: warnings %+v, want %q", warnings, NoEvidenceWarning)
	}
}

// esbuild composes the maps its inputs ship: @babel/parser's points into
// Babel's monorepo, so the bundle's map names
// node_modules/@babel/babel-helper-string-parser/src/index.ts, a package
// that exists nowhere, which failed every bundle holding @babel/parser.
// With a metafile the map is not needed; with a lockfile that has no such
// package a TypeScript source is such an original. A JavaScript file the
// lockfile lacks stays, unchecked.
func TestComposedMapOriginals(t *testing.T) {
	sm := `{"version":3,"sources":["../node_modules/@babel/parser/lib/index.js",
"../node_modules/@babel/babel-helper-string-parser/src/index.ts","../node_modules/ghost/index.js"],"mappings":""}`
	lock := filepath.Join(t.TempDir(), "package-lock.json")
	if err := os.WriteFile(lock, []byte(`{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},
"node_modules/@babel/parser":{"version":"7.26.0"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"index.js":     {Data: []byte("exports.handler=1;\n//# sourceMappingURL=index.js.map\n")},
		"index.js.map": {Data: []byte(sm)},
	}
	pkgs, _, err := readMap(t, newReader(t, lock), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := describe(pkgs), "@babel/parser@7.26.0/sourcemap/high ghost@?/sourcemap/high"; g != want {
		t.Errorf("with a lockfile:\n got  %s\n want %s", g, want)
	}
	fsys["index.meta.json"] = &fstest.MapFile{Data: []byte(`{"inputs":{"node_modules/@babel/parser/lib/index.js":{"bytes":1}},
"outputs":{"out/index.js":{"inputs":{"node_modules/@babel/parser/lib/index.js":{"bytesInOutput":10}}}}}`)}
	pkgs, _, err = readMap(t, newReader(t, ""), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := describe(pkgs), "@babel/parser@?/metafile/high"; g != want {
		t.Errorf("with the metafile:\n got  %s\n want %s", g, want)
	}
}
