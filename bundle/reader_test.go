package bundle

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fnguard/fnguard/lockfiles"
)

// describe renders packages as "name@version/evidence/confidence".
func describe(ps []*lockfiles.Package) string {
	var out []string
	for _, p := range ps {
		v := p.Version
		if v == "" {
			v = "?"
		}
		out = append(out, p.Name+"@"+v+"/"+p.Evidence+"/"+p.Confidence)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func readTestdata(t *testing.T, dir, lock string) ([]*lockfiles.Package, []lockfiles.Warning) {
	t.Helper()
	r := newReader(t, lock)
	fsys, files := dirFiles(t, filepath.Join("testdata", dir))
	pkgs, warnings, err := r.ReadBundles(fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		checkPackage(t, p, "")
	}
	return pkgs, warnings
}

func TestWebpackModules(t *testing.T) {
	pkgs, warnings := readTestdata(t, "webpack", "testdata/webpack/package-lock.json")
	// ../../node_modules/ms is the hoisted ms (a monorepo's root), the copy
	// under debug is the nested 2.0.0; strings that merely mention a
	// node_modules path (left-pad, right-pad) are not module ids.
	want := "@babel/runtime@7.20.1/webpack-module/high axios@0.21.1/webpack-module/high lodash@4.17.21/webpack-module/high ms@2.0.0/webpack-module/high ms@2.1.3/webpack-module/high"
	if g := describe(pkgs); g != want {
		t.Errorf("with lockfile:\n got  %s\n want %s", g, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %+v", warnings)
	}
	pkgs, _ = readTestdata(t, "webpack", "")
	want = "@babel/runtime@?/webpack-module/high axios@0.21.1/webpack-module/high lodash@?/webpack-module/high ms@?/webpack-module/high"
	if g := describe(pkgs); g != want {
		t.Errorf("without lockfile:\n got  %s\n want %s", g, want)
	}
	for _, p := range pkgs {
		if p.Name == "ms" && !strings.Contains(p.VersionError, "node_modules/") {
			t.Errorf("ms: VersionError %q does not say which copy", p.VersionError)
		}
	}
}

func TestInlineSourceMap(t *testing.T) {
	pkgs, warnings := readTestdata(t, "inline", "testdata/inline/package-lock.json")
	// b twice: nested under a (2.0.0) and hoisted (1.5.0); a itself is not
	// bundled. pnpm store paths carry their version; .bin and a bare folder
	// are no package files.
	want := "@scope/d@2.0.0/sourcemap/high @smithy/types@3.3.0/sourcemap/high b@1.5.0/sourcemap/high b@2.0.0/sourcemap/high c@1.2.3/sourcemap/high"
	if g := describe(pkgs); g != want {
		t.Errorf("\n got  %s\n want %s", g, want)
	}
	for _, p := range pkgs {
		if len(p.Locations) != 1 || p.Locations[0] != "index.mjs" {
			t.Errorf("%s: locations %v, want the bundle holding the inline map", p.Name, p.Locations)
		}
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %+v", warnings)
	}
}

func TestBanners(t *testing.T) {
	pkgs, warnings := readTestdata(t, "banners", "")
	want := "jquery@3.6.0/legal-comment/low lodash@4.17.21/legal-comment/low react@16.13.1/legal-comment/low"
	if g := describe(pkgs); g != want {
		t.Errorf("\n got  %s\n want %s", g, want)
	}
	if len(warnings) != 0 {
		t.Errorf("a vendored, non-minified file is no bundle to warn about: %+v", warnings)
	}
	// With a lockfile, a banner must name a locked package.
	pkgs, _ = readTestdata(t, "banners", "testdata/webpack/package-lock.json")
	if g := describe(pkgs); g != "lodash@4.17.21/legal-comment/low" {
		t.Errorf("with lockfile: %s", g)
	}
}

func TestLinkedLegalComments(t *testing.T) {
	pkgs, warnings := readTestdata(t, "linked", "")
	want := "@smithy/util-base64@?/legal-comment/medium @smithy/util-utf8@?/legal-comment/medium moment@2.29.4/legal-comment/medium safe-buffer@?/legal-comment/medium"
	if g := describe(pkgs); g != want {
		t.Errorf("\n got  %s\n want %s", g, want)
	}
	for _, p := range pkgs {
		if p.Locations[0] != "index.js.LEGAL.txt" {
			t.Errorf("%s: location %v", p.Name, p.Locations)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "4 package(s)") || warnings[0].Location != "index.js" {
		t.Errorf("warnings %+v, want one: the minified bundle is only partly visible", warnings)
	}
}

// minified makes realistic minified code of n bytes that names nothing.
func minified(n int, helper string) []byte {
	var b strings.Builder
	b.WriteString(`"use strict";var e=Object.defineProperty;` + helper)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(`var a` + strings.Repeat("x", i%7) + `=function(t,r){return t.length>r?t.slice(0,r):t.concat([r])};`)
	}
	b.WriteString("exports.handler=async()=>({statusCode:200});\n")
	return []byte(b.String())
}

func readMap(t *testing.T, r *Reader, m fstest.MapFS) ([]*lockfiles.Package, []lockfiles.Warning, error) {
	t.Helper()
	var files []string
	for f := range m {
		files = append(files, f)
	}
	sort.Strings(files)
	return r.ReadBundles(m, files)
}

func TestNoEvidence(t *testing.T) {
	r := newReader(t, "")
	cases := []struct {
		name string
		fs   fstest.MapFS
		warn bool
	}{
		{"minified esbuild bundle, 40 KiB, no map", fstest.MapFS{"index.js": {Data: minified(40<<10, "")}}, true},
		{"minified with esbuild's __commonJS, 8 KiB", fstest.MapFS{"dist/app.mjs": {Data: minified(8<<10, `var c=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);`)}}, true},
		{"webpack production runtime", fstest.MapFS{"main.js": {Data: minified(4<<10, `var __webpack_modules__={};`)}}, true},
		// A minified handler whose imports all stayed external (CDK's
		// LogRetention function) bundled nothing.
		{"small minified handler", fstest.MapFS{"index.js": {Data: minified(3<<10, `var x=e=>p(d({},"__esModule",{value:!0}),e);`)}}, false},
		{"plain handler", fstest.MapFS{"src/handler.js": {Data: []byte("const { S3 } = require('@aws-sdk/client-s3');\nexports.handler = async () => new S3({}).listBuckets({});\n")}}, false},
		// Non-minified esbuild output always has path comments; none
		// under node_modules means nothing from there was bundled.
		{"esbuild, first-party only", fstest.MapFS{"index.js": {Data: []byte("var __commonJS = (cb, mod) => function __require() {};\n\n// src/util.js\nvar require_util = __commonJS({});\n\n// src/handler.ts\nexports.handler = async () => 1;\n")}}, false},
		{"installed package's own dist bundle", fstest.MapFS{"node_modules/x/dist/x.min.js": {Data: minified(64<<10, "")}}, false},
	}
	for _, c := range cases {
		pkgs, warnings, err := readMap(t, r, c.fs)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(pkgs) != 0 {
			t.Errorf("%s: packages %s", c.name, describe(pkgs))
		}
		if c.warn {
			var file string
			for f := range c.fs {
				file = f
			}
			if len(warnings) != 1 || warnings[0].Message != NoEvidenceWarning || warnings[0].Location != file {
				t.Errorf("%s: warnings %+v, want %q on %s", c.name, warnings, NoEvidenceWarning, file)
			}
		} else if len(warnings) != 0 {
			t.Errorf("%s: warnings %+v", c.name, warnings)
		}
	}
}

func TestMetafileMatching(t *testing.T) {
	r := newReader(t, "")
	meta := `{"inputs":{"node_modules/x/i.js":{"bytes":1},"node_modules/y/i.js":{"bytes":1},"node_modules/z/i.js":{"bytes":1}},
"outputs":{"out/a/index.js":{"inputs":{"node_modules/x/i.js":{"bytesInOutput":10},"node_modules/z/i.js":{"bytesInOutput":0}}},
"out/b/index.js":{"inputs":{"node_modules/y/i.js":{"bytesInOutput":5}}},"out/a/index.js.map":{"inputs":{}}}}`
	m := fstest.MapFS{
		"meta.json":  {Data: []byte(meta)},
		"a/index.js": {Data: []byte("exports.a=1;\n")},
		"b/index.js": {Data: []byte("exports.b=1;\n")},
	}
	pkgs, warnings, err := readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	// z put no byte into any output: tree-shaken, not shipped.
	if g := describe(pkgs); g != "x@?/metafile/high y@?/metafile/high" || len(warnings) != 0 {
		t.Errorf("got %s, warnings %+v", g, warnings)
	}
	// Only a/ shipped: y is not reported.
	delete(m, "b/index.js")
	pkgs, _, _ = readMap(t, r, m)
	if g := describe(pkgs); g != "x@?/metafile/high" {
		t.Errorf("only a shipped: %s", g)
	}
	// A metafile describing nothing shipped says so.
	m = fstest.MapFS{"meta.json": {Data: []byte(meta)}, "c/main.js": {Data: []byte("exports.c=1;\n")}}
	pkgs, warnings, _ = readMap(t, r, m)
	if len(pkgs) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "describes no bundle shipped") {
		t.Errorf("got %s, warnings %+v", describe(pkgs), warnings)
	}
	// An application's own meta.json is not a metafile and not a problem.
	m = fstest.MapFS{"meta.json": {Data: []byte(`{"title":"x","inputs":[1]}`)}, "index.js": {Data: []byte("exports.c=1;\n")}}
	if pkgs, warnings, err = readMap(t, r, m); err != nil || len(pkgs)+len(warnings) != 0 {
		t.Errorf("got %s, %+v, %v", describe(pkgs), warnings, err)
	}
	// A broken metafile is said, and the bundle's own evidence still counts.
	m = fstest.MapFS{"index.meta.json": {Data: []byte("{\"inputs\":\n{")}, "index.js": {Data: minified(40<<10, "")}}
	_, warnings, _ = readMap(t, r, m)
	if len(warnings) != 2 || !strings.Contains(warnings[0].Message, "line 2") || warnings[1].Message != NoEvidenceWarning {
		t.Errorf("warnings %+v", warnings)
	}
}

func TestLimits(t *testing.T) {
	r, err := NewReader(Options{MaxBundleBytes: 100, MaxMapBytes: 50})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readMap(t, r, fstest.MapFS{"index.js": {Data: make([]byte, 101)}})
	if err == nil || !strings.Contains(err.Error(), "index.js: bundle of 101 bytes, over the limit of 100") {
		t.Errorf("err %v", err)
	}
	_, _, err = readMap(t, r, fstest.MapFS{"index.js": {Data: []byte("x;\n")}, "index.js.map": {Data: make([]byte, 51)}})
	if err == nil || !strings.Contains(err.Error(), "index.js.map: source map of 51 bytes") {
		t.Errorf("err %v", err)
	}
	// An inline map is bounded by its decoded size.
	r, _ = NewReader(Options{MaxMapBytes: 50})
	_, warnings, err := readMap(t, r, fstest.MapFS{"index.js": {Data: []byte("x;\n//# sourceMappingURL=data:application/json;base64," + strings.Repeat("QUFB", 20) + "\n")}})
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "more than 50 bytes") {
		t.Errorf("warnings %+v, err %v", warnings, err)
	}
}

func TestLockfiles(t *testing.T) {
	for _, c := range []struct{ data, err string }{
		{`{"lockfileVersion": 3, "packages": {`, "package-lock.json: line 1, column 37: unexpected end of JSON input"},
		{`{"name": "x"}`, "package-lock.json: not a package-lock.json (no lockfileVersion)"},
		{`{"lockfileVersion": 9}`, "package-lock.json: lockfileVersion 9 is not 1, 2 or 3"},
		{`{"lockfileVersion": 3, "packages": []}`, "package-lock.json: line 1, column 37: json: cannot unmarshal array"},
	} {
		_, err := NewReader(Options{Lockfile: []byte(c.data), LockfilePath: "package-lock.json"})
		if err == nil || !strings.HasPrefix(err.Error(), c.err) {
			t.Errorf("%s: err %v, want %q", c.data, err, c.err)
		}
	}
	data, err := os.ReadFile("testdata/webpack/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLockfile(data, "v1")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]lockEntry{
		"node_modules/debug/node_modules/ms": {"ms", "2.0.0"},
		"node_modules/ms":                    {"ms", "2.1.3"},
		"node_modules/@babel/runtime":        {"@babel/runtime", "7.20.1"},
		"node_modules/string-width-cjs":      {"string-width", "4.2.3"},
	} {
		if got := l.byPath[path]; got != want {
			t.Errorf("v1 %s: %+v, want %+v", path, got, want)
		}
	}
	if l.root != "webpack-handler" || strings.Join(l.byName["ms"], ",") != "2.0.0,2.1.3" {
		t.Errorf("root %q, ms %v", l.root, l.byName["ms"])
	}
	v3 := `{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/alias":{"name":"real","version":"1.0.0"},
"node_modules/ws":{"resolved":"packages/ws","link":true},"packages/ws":{"name":"ws","version":"0.0.1"},
"packages/ws/node_modules/x":{"version":"2.0.0"}}}`
	l, err = parseLockfile([]byte(v3), "v3")
	if err != nil {
		t.Fatal(err)
	}
	if l.byPath["node_modules/alias"] != (lockEntry{"real", "1.0.0"}) || l.byPath["packages/ws/node_modules/x"] != (lockEntry{"x", "2.0.0"}) {
		t.Errorf("v3: %+v", l.byPath)
	}
	if _, ok := l.byName["ws"]; ok {
		t.Errorf("a workspace package is first-party, not a dependency: %+v", l.byName)
	}
}

func TestModulePaths(t *testing.T) {
	for in, want := range map[string]string{
		"node_modules/lodash/lodash.js":                                                                  "lodash node_modules/lodash full=node_modules/lodash",
		"../../../node_modules/@aws-sdk/client-s3/dist-cjs/index.js":                                     "@aws-sdk/client-s3 node_modules/@aws-sdk/client-s3 full=node_modules/@aws-sdk/client-s3",
		"packages/api/node_modules/a/node_modules/@s/b/x.js":                                             "@s/b node_modules/a/node_modules/@s/b full=packages/api/node_modules/a/node_modules/@s/b",
		`C:\work\app\node_modules\ms\index.js`:                                                           "ms node_modules/ms",
		"webpack://app/./node_modules/ms/index.js":                                                       "ms node_modules/ms",
		"node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js":                                           "ms node_modules/ms v=2.1.3",
		"node_modules/.pnpm/debug@4.3.4/node_modules/ms/index.js":                                        "ms node_modules/ms",
		"node_modules/.pnpm/@s+p@1.0.0(react@18.0.0)/node_modules/@s/p/i.js":                             "@s/p node_modules/@s/p v=1.0.0",
		".yarn/cache/@types-node-npm-18.0.0-1a2b3c4d5e-0f1e2d3c4b.zip/node_modules/@types/node/index.js": "@types/node node_modules/@types/node full=.yarn/cache/@types-node-npm-18.0.0-1a2b3c4d5e-0f1e2d3c4b.zip/node_modules/@types/node v=18.0.0",
		".yarn/cache/ms-npm-2.1.3-81ff3cfac1-aa92de6080.zip/node_modules/uuid/index.js":                  "uuid node_modules/uuid full=.yarn/cache/ms-npm-2.1.3-81ff3cfac1-aa92de6080.zip/node_modules/uuid",
		"node_modules/lodash":          "",
		"node_modules/.bin/tsc":        "",
		"node_modules/@scope/index.js": "",
		"node_modules/bad name/x.js":   "",
		"src/handler.ts":               "",
	} {
		mp, ok := parseModulePath(stripScheme(in))
		got := ""
		if ok {
			got = mp.name + " " + mp.chain
			if mp.full != "" {
				got += " full=" + mp.full
			}
			if mp.version != "" {
				got += " v=" + mp.version
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestInlinedPackages(t *testing.T) {
	code := `var a={name:"loggerMiddleware",tags:["LOGGER"],step:"initialize",override:!0};
module.exports = {
  name: "axios",
  version: "0.21.0",
  description: "Promise based HTTP client",
  main: "index.js",
  scripts: { test: "grunt test && bundlesize" }
};
x.exports={name:"@aws-sdk/client-sts",description:"AWS SDK",version:"3.616.0",scripts:{build:'concurrently "a"'},author:{name:"AWS"},license:"Apache-2.0"};
var fake={name:"not-a-package",version:"1.0.0",level:3};
var t={name:"templated",version:"1.0.0",main:` + "`x${y}`" + `,license:"MIT"};
if(a=={name:"eq",version:"1.0.0",main:"i.js",license:"MIT"}){}
var j=JSON.parse('{"name":"left-pad","version":"1.3.0","main":"index.js","license":"WTFPL"}');
var bad={name:"Bad Name",version:"1.0.0",main:"i.js",license:"MIT"};
var rng={name:"ranged",version:"^1.0.0",main:"i.js",license:"MIT"};`
	var got []string
	for _, p := range inlinedPackages([]byte(code)) {
		got = append(got, p.name+"@"+p.version)
	}
	want := "axios@0.21.0 @aws-sdk/client-sts@3.616.0 left-pad@1.3.0"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestLegalBlockAndVersions(t *testing.T) {
	data, err := os.ReadFile("testdata/linked/index.js.LEGAL.txt")
	if err != nil {
		t.Fatal(err)
	}
	entries := legalBlock(data)
	if len(entries) != 3 || len(entries[1].paths) != 2 || entries[0].paths[0] != "moment/moment.js" {
		t.Fatalf("entries %+v", entries)
	}
	for _, c := range []struct{ name, text, want string }{
		{"moment", "(*! moment.js *)\n(*! version : 2.29.1 *)\n", "2.29.1"},
		{"jquery", "/*! jQuery v3.6.0 | (c) OpenJS Foundation */", "3.6.0"},
		{"chart.js", "/*!\n * Chart.js v4.4.0\n */", "4.4.0"},
		{"url", "/*! https://mths.be/punycode v1.4.1 by @mathias */", ""},
		{"x", "/** @version 2.0.0-beta.1 */", "2.0.0-beta.1"},
	} {
		if got := commentVersion(c.name, c.text); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSourceMappingURL(t *testing.T) {
	for code, want := range map[string]string{
		"x;\n//# sourceMappingURL=index.js.map\n":                    "index.js.map",
		"x;\n//# sourceMappingURL=a.map\n//# sourceMappingURL=b.map": "b.map",
		"x;\n/*# sourceMappingURL=c.map */":                          "c.map",
		`var s="sourceMappingURL=evil.map";`:                         "",
	} {
		if got := sourceMappingURL([]byte(code)); got != want {
			t.Errorf("%q: %q, want %q", code, got, want)
		}
	}
	// A map next to the bundle under another name, named by the comment.
	r := newReader(t, "")
	m := fstest.MapFS{
		"dist/index.js":       {Data: []byte("x;\n//# sourceMappingURL=maps/index.map\n")},
		"dist/maps/index.map": {Data: []byte(`{"version":3,"sourceRoot":"webpack://app/","sources":["./node_modules/uuid/dist/v4.js"],"mappings":""}`)},
		"dist/other.js":       {Data: []byte("y;\n")},
		"dist/other.js.map":   {Data: []byte(`{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["../node_modules/ms/index.js"],"mappings":""}}]}`)},
		"dist/broken.js":      {Data: []byte("z;\n")},
		"dist/broken.js.map":  {Data: []byte(`{"version":3,"sources":[1]}`)},
	}
	pkgs, warnings, err := readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	if g := describe(pkgs); g != "ms@?/sourcemap/high uuid@?/sourcemap/high" {
		t.Errorf("got %s", g)
	}
	if len(warnings) != 1 || warnings[0].Location != "dist/broken.js.map" || !strings.Contains(warnings[0].Message, "line 1, column") {
		t.Errorf("warnings %+v", warnings)
	}
}

// TestWeakEvidence: several texts naming one package make one package with
// the strongest evidence; a legal-comment path without a version backs the
// version a banner states; versions the bundle cannot tell say why.
func TestWeakEvidence(t *testing.T) {
	code := minified(40<<10, "") // minified, no paths: only weak evidence
	code = append(code, []byte(`/*! axios v0.21.0 */
var p={name:"axios",version:"0.21.0",description:"HTTP",main:"index.js"};
/*! lodash v4.17.21 */
/*! Bundled license information:

lodash/lodash.js:
  (*! Lodash <https://lodash.com/> *)

ms/index.js:
  (*! ms. MIT *)

nested/index.js:
  (*! nested. MIT *)
*/
`)...)
	m := fstest.MapFS{"index.js": {Data: code}}
	pkgs, warnings, err := readMap(t, newReader(t, ""), m)
	if err != nil {
		t.Fatal(err)
	}
	want := "axios@0.21.0/inlined-package-json/medium lodash@4.17.21/legal-comment/medium ms@?/legal-comment/medium nested@?/legal-comment/medium"
	if g := describe(pkgs); g != want {
		t.Errorf("\n got  %s\n want %s", g, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "4 package(s)") {
		t.Errorf("warnings %+v", warnings)
	}
	lock := `{"lockfileVersion":3,"packages":{"node_modules/ms":{"version":"2.1.3"},"node_modules/nested":{"version":"1.0.0"},"node_modules/x/node_modules/nested":{"version":"2.0.0"}}}`
	r, err := NewReader(Options{Lockfile: []byte(lock), LockfilePath: "app/package-lock.json"})
	if err != nil {
		t.Fatal(err)
	}
	pkgs, _, err = readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		switch p.Name {
		case "ms":
			if p.Version != "2.1.3" {
				t.Errorf("ms: %q, want the lockfile's only version", p.Version)
			}
		case "nested":
			if p.Version != "" || p.VersionError != "version unknown (the bundle names nested but no version; lockfile app/package-lock.json has 2 versions: 1.0.0, 2.0.0)" {
				t.Errorf("nested: %q %q", p.Version, p.VersionError)
			}
		}
	}
	// A bundled path the lockfile does not hold is said, not guessed.
	m = fstest.MapFS{"index.js": {Data: []byte("// node_modules/x/node_modules/ms/index.js\nvar a = 1;\n")}}
	pkgs, _, _ = readMap(t, r, m)
	if len(pkgs) != 1 || pkgs[0].VersionError != "version unknown (the bundle holds node_modules/x/node_modules/ms but states no version; lockfile app/package-lock.json has no entry node_modules/x/node_modules/ms)" {
		t.Errorf("got %+v", pkgs[0])
	}
}
