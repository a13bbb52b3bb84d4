package bundle

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func addFile(f *testing.F, p string) {
	if data, err := os.ReadFile(p); err == nil {
		f.Add(data)
	}
}

func FuzzMetafile(f *testing.F) {
	f.Add([]byte(`{"inputs":{"node_modules/x/i.js":{}},"outputs":{"out/index.js":{"inputs":{"node_modules/x/i.js":{"bytesInOutput":1},"(disabled):fs":{"bytesInOutput":0}}}}}`))
	f.Add([]byte(`{"inputs":{},"outputs":{"a.js":{"inputs":{"pnp:node_modules/@s/p/node_modules/q/x.js":{"bytesInOutput":9}}}}}`))
	addFile(f, filepath.Join(appsDir, "bundles/fetcher/metafile/meta.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMetafile(data)
		if err != nil {
			return
		}
		var outs []string
		for out := range m.outputs {
			outs = append(outs, out, "x/"+path.Base(out))
		}
		owner, _ := m.assignOutputs(outs, "x")
		seen := map[string]bool{}
		for b, out := range owner {
			if seen[out] {
				t.Fatalf("output %q given to two bundles (%s)", out, b)
			}
			seen[out] = true
		}
		for _, ins := range m.outputs {
			for _, in := range ins {
				if k, ok := moduleInput(in); ok {
					if mp, ok := parseModulePath(k); ok && !validName(mp.name) {
						t.Fatalf("invalid name %q from %q", mp.name, k)
					}
				}
			}
		}
	})
}

func FuzzSourceMap(f *testing.F) {
	f.Add([]byte(`{"version":3,"sources":["../node_modules/a/node_modules/@s/b/x.js"],"sourceRoot":"webpack://app/"}`))
	f.Add([]byte(`{"version":3,"sections":[{"map":{"sources":["node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js"]}}]}`))
	f.Add([]byte("x;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbXX0=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if srcs, err := parseSourceMap(data); err == nil {
			for _, s := range srcs {
				if mp, ok := parseModulePath(stripScheme(s)); ok && !validName(mp.name) {
					t.Fatalf("invalid name %q from %q", mp.name, s)
				}
			}
		}
		if u := sourceMappingURL(data); strings.HasPrefix(u, "data:") {
			if b, err := decodeDataURL(u, 1<<16); err == nil {
				if len(b) > 1<<16 {
					t.Fatalf("decoded %d bytes past the limit", len(b))
				}
				_, _ = parseSourceMap(b)
			}
		}
	})
}

// FuzzBundleText covers every scanner of bundle text: path comments,
// webpack ids, legal blocks, banners and inlined package.json.
func FuzzBundleText(f *testing.F) {
	f.Add([]byte("// node_modules/lodash/_root.js\nvar x = 1;\n/*! Bundled license information:\n\nmoment/moment.js:\n  (*! version : 2.29.1 *)\n*/\n"))
	f.Add([]byte(`/***/ "./node_modules/@s/p/i.js":` + "\n" + `/*!*** ../node_modules/ms/index.js ***!*/` + "\n" + `Vr.exports={name:"axios",version:"0.21.0",description:"d",main:"index.js"};`))
	f.Add([]byte("/*! lodash v4.17.21 */\n/** @license React v16.13.1 */\nvar j=JSON.parse('{\"name\":\"a\",\"version\":\"1.0.0\",\"main\":\"i\",\"license\":\"MIT\"}');"))
	f.Add([]byte(strings.Replace(webpackProduction, "STRAY", "// 2.1", 1)))
	addFile(f, "testdata/webpack/main.js")
	addFile(f, "testdata/linked/index.js.LEGAL.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		facts := scanCode(data)
		for _, p := range append(facts.pathComments, facts.webpackModules...) {
			if mp, ok := parseModulePath(p); ok && !validName(mp.name) {
				t.Fatalf("invalid name %q", mp.name)
			}
		}
		for _, e := range legalBlock(data) {
			if len(e.comments) > maxLegalComments {
				t.Fatalf("legal entry keeps %d bytes of comments", len(e.comments))
			}
			for _, p := range e.paths {
				if n, ok := legalPackage(p); ok {
					commentVersion(n, e.comments)
				}
			}
		}
		for _, b := range banners(data) {
			if !semverRe().MatchString(b.version) {
				t.Fatalf("banner version %q", b.version)
			}
		}
		for _, p := range inlinedPackages(data) {
			if !validName(p.name) || !semverRe().MatchString(p.version) {
				t.Fatalf("inlined package %+v", p)
			}
		}
	})
}

func FuzzLockfile(f *testing.F) {
	f.Add([]byte(`{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"npm:c@2.0.0"}}}}}`))
	f.Add([]byte(`{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/x":{"name":"y","version":"1.0.0"},"node_modules/l":{"link":true}}}`))
	addFile(f, "testdata/inline/package-lock.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parseLockfile(data, "package-lock.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "package-lock.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for k, e := range l.byPath {
			if e.version == "" || !strings.Contains(k, "node_modules/") {
				t.Fatalf("entry %q %+v", k, e)
			}
		}
	})
}

// FuzzReadBundles runs the whole reader over a bundle and its map.
func FuzzReadBundles(f *testing.F) {
	f.Add([]byte("// node_modules/a/i.js\n"), []byte(`{"version":3,"sources":["../node_modules/b/i.js"]}`))
	f.Add([]byte("var c=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);"), []byte(`{`))
	r, err := NewReader(Options{Lockfile: []byte(`{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}`)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code, smap []byte) {
		m := fstest.MapFS{"index.js": {Data: code}, "index.js.map": {Data: smap}, "index.meta.json": {Data: smap}}
		pkgs, _, err := r.ReadBundles(m, []string{"index.js", "index.js.map", "index.meta.json"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if len(p.Locations) == 0 || !validName(p.Name) || (p.Version == "") == (p.VersionError == "") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
