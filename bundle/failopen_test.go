package bundle

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fnguard/fnguard/lockfiles"
)

// webpackProduction is what webpack 5 writes with mode "production" and
// optimization.minimize false: numeric module ids (no paths), the modules'
// own comments kept. STRAY marks where a module's comment goes.
const webpackProduction = `/******/ (() => { // webpackBootstrap
/******/ 	var __webpack_modules__ = ({

/***/ 482:
/***/ ((module) => {

"use strict";
STRAY
module.exports = function leftPad(str, len, ch) {
  str = String(str);
  while (str.length < len) str = (ch || " ") + str;
  return str;
};

/***/ }),

/***/ 17:
/***/ ((module) => {

module.exports = function ms(n) { return n * 1000; };

/***/ })

/******/ 	});
/************************************************************************/
/******/ 	// The module cache
/******/ 	var __webpack_module_cache__ = {};
/******/ 	function __webpack_require__(moduleId) {
/******/ 		var cachedModule = __webpack_module_cache__[moduleId];
/******/ 		if (cachedModule !== undefined) return cachedModule.exports;
/******/ 		var module = __webpack_module_cache__[moduleId] = { exports: {} };
/******/ 		__webpack_modules__[moduleId](module, module.exports, __webpack_require__);
/******/ 		return module.exports;
/******/ 	}
/************************************************************************/
var __webpack_exports__ = {};
const leftPad = __webpack_require__(482);
const ms = __webpack_require__(17);
exports.handler = async (event) => ({ statusCode: 200, body: leftPad(event.id, 8, "0") + ms(1) });
/******/ })();
`

// A comment line in a bundle without esbuild's traces is no path evidence:
// it must not silence the warning that the bundle's packages are unseen.
func TestStrayCommentsAreNoEvidence(t *testing.T) {
	r := newReader(t, "")
	for _, stray := range []string{"", "// 2.1", "// Node.js", "// www.example.com", "// lib/left-pad.js", "// node_modules/left-pad/index.js"} {
		code := strings.Replace(webpackProduction, "STRAY", stray, 1)
		pkgs, warnings, err := readMap(t, r, fstest.MapFS{"main.js": {Data: []byte(code)}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stray, "node_modules/") {
			// The package a comment names is reported, but the rest of a
			// webpack bundle stays unseen.
			if g := describe(pkgs); g != "left-pad@?/bundle-comment/high" || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "1 package(s)") {
				t.Errorf("%q: got %s, warnings %+v", stray, g, warnings)
			}
			continue
		}
		if len(pkgs) != 0 || len(warnings) != 1 || warnings[0].Message != NoEvidenceWarning || warnings[0].Location != "main.js" {
			t.Errorf("%q: got %s, warnings %+v, want %q", stray, describe(pkgs), warnings, NoEvidenceWarning)
		}
	}

	// With a banner naming one package, the others stay unseen.
	code := strings.Replace(webpackProduction, "STRAY", "// 2.1", 1)
	code = strings.Replace(code, `"use strict";`, "/*! left-pad v1.3.0 */", 1)
	pkgs, warnings, err := readMap(t, r, fstest.MapFS{"main.js": {Data: []byte(code)}})
	if err != nil {
		t.Fatal(err)
	}
	if g := describe(pkgs); g != "left-pad@1.3.0/legal-comment/low" || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "1 package(s) identified only") {
		t.Errorf("banner: got %s, warnings %+v", g, warnings)
	}

	for _, c := range []struct {
		name string
		code []byte
		warn bool
	}{
		// esbuild's own non-minified output: its comments are evidence,
		// including a bare first-party file with a folder.
		{"esbuild, __commonJS", []byte("var __commonJS = (cb, mod) => function __require() {};\n// src/util.js\nvar require_util = __commonJS({});\n// src/handler.ts\nexports.handler = 1;\n"), false},
		{"esbuild, __esm", []byte("var __esm = (fn, res) => function __init() {};\n// lib/a.mjs\nvar init_a = __esm({});\n"), false},
		// A path comment in minified code is stray unless it names a
		// node_modules file.
		{"minified, first-party comment", append([]byte("// src/handler.ts\n"), minified(40<<10, "")...), true},
		{"minified esbuild, first-party comment", append([]byte("// src/handler.ts\n"), minified(40<<10, `var c=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);var __toESM=1;`)...), true},
		// A comment without a folder is prose even beside esbuild helpers.
		{"esbuild marker, comment without a folder", []byte("var __commonJS = (cb) => cb;\n// v2.1\nvar require_x = __commonJS({});\n"), true},
	} {
		pkgs, warnings, err := readMap(t, r, fstest.MapFS{"index.js": {Data: c.code}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(warnings) == 1 && warnings[0].Message == NoEvidenceWarning; got != c.warn || len(pkgs) != 0 || (!c.warn && len(warnings) != 0) {
			t.Errorf("%s: got %s, warnings %+v, want warning %v", c.name, describe(pkgs), warnings, c.warn)
		}
	}
}

func TestLooksLikeModulePath(t *testing.T) {
	for p, want := range map[string]bool{
		"node_modules/ms/index.js": true, "src/handler.ts": true, "../lib/a.mjs": true,
		"2.1": false, "Node.js": false, "www.example.com": false, "index.js": false,
		"/abs/x.js": false, "https://x.io/a.js": false, "see lib/a.js": false, "lib/README": false,
	} {
		if got := looksLikeModulePath([]byte(p)); got != want {
			t.Errorf("%q: %v, want %v", p, got, want)
		}
	}
}

// A metafile output goes to one bundle: the worker that shares its file
// name must not borrow the handler's metafile.
func TestMetafileOutputToOneBundle(t *testing.T) {
	r := newReader(t, "")
	meta := `{"inputs":{"src/index.ts":{"bytes":9},"node_modules/lodash/lodash.js":{"bytes":9}},
"outputs":{"cdk.out/asset.1/index.js":{"inputs":{"src/index.ts":{"bytesInOutput":10},"node_modules/lodash/lodash.js":{"bytesInOutput":100}}}}}`
	m := fstest.MapFS{
		"index.js":        {Data: minified(40<<10, "")},
		"index.meta.json": {Data: []byte(meta)},
		"worker/index.js": {Data: minified(40<<10, "")},
	}
	pkgs, warnings, err := readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	if g := describe(pkgs); g != "lodash@?/metafile/high" || len(pkgs[0].Locations) != 1 || pkgs[0].Locations[0] != "index.meta.json" {
		t.Errorf("got %s %+v", g, pkgs)
	}
	if len(warnings) != 1 || warnings[0].Location != "worker/index.js" || warnings[0].Message != NoEvidenceWarning {
		t.Errorf("warnings %+v, want only the worker's %q", warnings, NoEvidenceWarning)
	}

	// Neither bundle beside the metafile's folder is closer: none is
	// credited, and that is said.
	m = fstest.MapFS{
		"meta.json":  {Data: []byte(meta)},
		"a/index.js": {Data: minified(40<<10, "")},
		"b/index.js": {Data: minified(40<<10, "")},
	}
	pkgs, warnings, err = readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"meta.json: esbuild metafile output cdk.out/asset.1/index.js matches several shipped bundles equally (a/index.js, b/index.js); its inputs are credited to none of them",
		"a/index.js: " + NoEvidenceWarning,
		"b/index.js: " + NoEvidenceWarning,
	}
	if g := warningLines(warnings); len(pkgs) != 0 || g != strings.Join(want, "\n") {
		t.Errorf("tie: got %s, warnings\n%s\nwant\n%s", describe(pkgs), g, strings.Join(want, "\n"))
	}

	// Two outputs equally like one bundle: neither is credited to it.
	meta2 := `{"inputs":{},"outputs":{"a/index.js":{"inputs":{"node_modules/x/i.js":{"bytesInOutput":1}}},"b/index.js":{"inputs":{"node_modules/y/i.js":{"bytesInOutput":1}}}}}`
	m = fstest.MapFS{"meta.json": {Data: []byte(meta2)}, "index.js": {Data: minified(40<<10, "")}}
	pkgs, warnings, err = readMap(t, r, m)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"meta.json: esbuild metafile outputs a/index.js, b/index.js match shipped bundle index.js equally; none of their inputs is credited to it",
		"index.js: " + NoEvidenceWarning,
	}
	if g := warningLines(warnings); len(pkgs) != 0 || g != strings.Join(want, "\n") {
		t.Errorf("two outputs: got %s, warnings\n%s", describe(pkgs), g)
	}

	// The longer trailing match wins; an output that shares only its file
	// name with two bundles is no one's, even when one of them has a
	// better output: c/index.js may be another build altogether.
	m = fstest.MapFS{"meta.json": {Data: []byte(meta2)}, "a/index.js": {Data: minified(40<<10, "")}, "c/index.js": {Data: minified(40<<10, "")}}
	pkgs, warnings, _ = readMap(t, r, m)
	want = []string{
		"meta.json: esbuild metafile output b/index.js matches several shipped bundles equally (a/index.js, c/index.js); its inputs are credited to none of them",
		"c/index.js: " + NoEvidenceWarning,
	}
	if g := warningLines(warnings); describe(pkgs) != "x@?/metafile/high" || g != strings.Join(want, "\n") {
		t.Errorf("longest match: got %s, warnings\n%s", describe(pkgs), g)
	}
	// Alone beside the metafile, a/index.js takes its own output only.
	delete(m, "c/index.js")
	pkgs, warnings, _ = readMap(t, r, m)
	if describe(pkgs) != "x@?/metafile/high" || len(warnings) != 0 {
		t.Errorf("a alone: got %s, warnings %+v", describe(pkgs), warnings)
	}
}

func warningLines(ws []lockfiles.Warning) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Location+": "+w.Message)
	}
	return strings.Join(out, "\n")
}

// A legal-comments block of several MB is read in linear time and space:
// each comment line is copied once, and at most maxLegalComments are kept
// per entry.
func TestLegalBlockLarge(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("/*! Bundled license information:\n\n")
	const entries, lines = 8, 120000 // 8 × 120000 × 4 bytes ≈ 3.8 MB
	for e := 0; e < entries; e++ {
		fmt.Fprintf(&b, "p%d/index.js:\n  (*! p%d v1.0.%d *)\n", e, e, e)
		for i := 0; i < lines; i++ {
			b.WriteString("  x\n")
		}
		b.WriteString("\n")
	}
	// One line longer than the bound is dropped, not cut.
	fmt.Fprintf(&b, "huge/index.js:\n  %s\n  (*! huge v2.0.0 *)\n*/\n", strings.Repeat("y", maxLegalComments))
	text := b.Bytes()

	var got []legalEntry
	allocs := testing.AllocsPerRun(1, func() { got = legalBlock(text) })
	// Copying the comments on every line allocated once per line, ~32000
	// times per entry before the bound stopped it.
	if allocs > 200 {
		t.Errorf("legalBlock of %d bytes: %.0f allocations, want a few per entry", len(text), allocs)
	}
	if len(got) != entries+1 {
		t.Fatalf("%d entries, want %d", len(got), entries+1)
	}
	for e, g := range got[:entries] {
		if len(g.comments) > maxLegalComments || len(g.comments) < maxLegalComments-4 {
			t.Errorf("entry %d: %d bytes of comments, want up to %d", e, len(g.comments), maxLegalComments)
		}
		if v := commentVersion(fmt.Sprintf("p%d", e), g.comments); v != fmt.Sprintf("1.0.%d", e) {
			t.Errorf("entry %d: version %q", e, v)
		}
	}
	if h := got[entries]; len(h.paths) != 1 || h.paths[0] != "huge/index.js" || h.comments != "(*! huge v2.0.0 *)\n" {
		t.Errorf("huge entry: paths %v, %d bytes of comments", h.paths, len(h.comments))
	}
}

// The look-back for a webpack id stops at the previous node_modules/:
// every id is still found, nested ones whole.
func TestWebpackIDsLookBack(t *testing.T) {
	line := `var __webpack_modules__={"./node_modules/a/node_modules/b/x.js":(e)=>{},"../../node_modules/c/y.js":(e)=>{},` +
		`"./node_modules/d/z.js":(e)=>{e.exports="./node_modules/e/q.js"},` +
		`x:"` + strings.Repeat("node_modules/", 40) + `f.js",'./node_modules/g/g.js':1,` +
		`"./` + strings.Repeat("a", 300) + `/node_modules/h/h.js":2};`
	want := "./node_modules/a/node_modules/b/x.js ../../node_modules/c/y.js ./node_modules/d/z.js ./node_modules/g/g.js"
	if got := strings.Join(webpackIDs([]byte(line)), " "); got != want {
		t.Errorf("\n got  %s\n want %s", got, want)
	}
	banner := "/*!*** ./node_modules/a/node_modules/b/x.js ***!*/ /*!*** ./node_modules/c/y.js ***!*/"
	if got := strings.Join(webpackIDs([]byte(banner)), " "); got != "./node_modules/a/node_modules/b/x.js ./node_modules/c/y.js" {
		t.Errorf("banners: %s", got)
	}
	// Many occurrences without an id: nothing found, nothing allocated.
	hostile := bytes.Repeat([]byte(`"./node_modules/`), 1<<16)
	if allocs := testing.AllocsPerRun(1, func() { webpackIDs(hostile) }); allocs > 2 {
		t.Errorf("%.0f allocations", allocs)
	}
}
