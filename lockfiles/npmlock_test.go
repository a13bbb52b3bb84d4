package lockfiles

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/metadata"
	osvmd "github.com/google/osv-scalibr/extractor/filesystem/osv"
)

func npmEntries(t *testing.T, data []byte) map[string]*npmLockEntry {
	t.Helper()
	es, err := parseNPMLock(data)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*npmLockEntry{}
	for _, e := range es {
		out[e.name+"@"+e.version] = e
	}
	return out
}

// The committed lockfiles (npm 11) carry integrity and, from v2 on, license:
// both are kept, the integrity as CycloneDX SHA-512 in hex.
func TestNPMLockIntegrityAndLicense(t *testing.T) {
	const ms213 = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ms213, "sha512-"))
	want := hex.EncodeToString(raw)
	for _, v := range []string{"v1", "v2", "v3"} {
		es := npmEntries(t, td(t, "npm/package-lock."+v+".json"))
		if len(es) != 4 {
			t.Errorf("%s: %d packages, want 4", v, len(es))
		}
		ms := es["ms@2.1.3"]
		if ms == nil {
			t.Fatalf("%s: no ms@2.1.3 in %v", v, es)
		}
		if got := npmIntegrity(ms.integrity).Get("SHA-512"); got != want {
			t.Errorf("%s: ms SHA-512 = %q, want %q", v, got, want)
		}
		wantLic := []string{"MIT"}
		if v == "v1" {
			wantLic = nil // v1 lockfiles do not record licenses
		}
		if !slices.Equal(ms.licenses, wantLic) {
			t.Errorf("%s: ms licenses = %v, want %v", v, ms.licenses, wantLic)
		}
	}
}

// What the inventory sees: scalibr packages whose metadata hands over the
// hashes (hashCarrier) and whose Licenses carry the license.
func TestNPMLockExtract(t *testing.T) {
	inv, err := npmLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "package-lock.json", Reader: bytes.NewReader(td(t, "npm/package-lock.v3.json"))})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range inv.Packages {
		h, ok := p.Metadata.(interface{ PackageHashes() Hashes })
		if !ok || len(h.PackageHashes().Get("SHA-512")) != 128 {
			t.Errorf("%s@%s: no SHA-512 (%T)", p.Name, p.Version, p.Metadata)
		}
		if p.Name == "ms" && slices.Equal(p.Licenses, []string{"MIT"}) {
			n++
		}
	}
	if len(inv.Packages) != 4 || n != 2 {
		t.Errorf("%d packages, %d ms with MIT; want 4 and 2", len(inv.Packages), n)
	}
}

// The inventory reads npm lockfiles through readDirect; it must say what
// Extract says (registry packages; a git dependency is not one) with the
// same licences and hashes.
func TestNPMLockDirectMatchesExtract(t *testing.T) {
	gitLock := []byte(`{"lockfileVersion":3,"packages":{"":{},
		"node_modules/a":{"version":"1.0.0","integrity":"sha512-fxzPxCwrTent7KYhmQeq0bJWwlz0JeL/i+kQPiTfMp16m0A2Xb0sMtBqoprlMokIPx1b6Wjvam1PKY+foW2HVQ==","license":"MIT"},
		"node_modules/g":{"version":"1.0.0","resolved":"git+ssh://git@github.com/o/g.git#0a2d2506c1fe299691fc5db53a2097db3bd615bc"}}}`)
	for _, data := range [][]byte{td(t, "npm/package-lock.v1.json"), td(t, "npm/package-lock.v2.json"), td(t, "npm/package-lock.v3.json"), td(t, "npm/npm-shrinkwrap.json"), gitLock} {
		f := string(data[:min(len(data), 40)])
		inv, err := npmLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "package-lock.json", Reader: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(f, err)
		}
		direct, err := npmLock{}.readDirect(&filesystem.ScanInput{Path: "package-lock.json", Reader: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(f, err)
		}
		var want, got []string
		for _, p := range inv.Packages {
			if p.PURLType != "npm" {
				continue
			}
			h := p.Metadata.(interface{ PackageHashes() Hashes }).PackageHashes()
			want = append(want, fmt.Sprint(p.Name, " ", p.Version, " ", p.Licenses, " ", h))
		}
		for _, p := range direct {
			got = append(got, fmt.Sprint(p.Name, " ", p.Version, " ", p.Licenses, " ", p.Hashes))
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: readDirect\n%q\nExtract\n%q", f, got, want)
		}
	}
}

func TestNPMLockEntries(t *testing.T) {
	v3 := `{"lockfileVersion":3,"packages":{
		"": {"name":"app","workspaces":["packages/*"]},
		"node_modules/ws-lib": {"resolved":"packages/ws-lib","link":true},
		"packages/ws-lib": {"name":"ws-lib","version":"0.1.0"},
		"node_modules/@s/x": {"version":"1.0.0","dev":true,"resolved":"https://registry.npmjs.org/@s/x/-/x-1.0.0.tgz"},
		"node_modules/a/node_modules/@s/x": {"version":"1.0.0","resolved":"https://registry.npmjs.org/@s/x/-/x-1.0.0.tgz"},
		"node_modules/sw": {"name":"string-width","version":"4.2.3","devOptional":true},
		"node_modules/g": {"version":"1.0.0","resolved":"git+ssh://git@github.com/o/g.git#0a2d2506c1fe299691fc5db53a2097db3bd615bc"},
		"node_modules/h": {"version":"2.0.0","integrity":"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= sha512-bogus md5-AAAA"}
	}}`
	es := npmEntries(t, []byte(v3))
	if _, ok := es["ws-lib@"]; ok {
		t.Error("a link entry was read as a package")
	}
	// A workspace is the project's own code, like the root: a workspace
	// named like a malicious package matched its MAL- record.
	if es["ws-lib@0.1.0"] != nil {
		t.Error("the workspace package was read as a dependency")
	}
	// Seen at two paths, dev at one: a production dependency.
	if x := es["@s/x@1.0.0"]; x == nil || len(x.groups) != 0 || x.source != metadata.PublicRegistry {
		t.Errorf("@s/x = %+v", x)
	}
	if sw := es["string-width@4.2.3"]; sw == nil || !slices.Equal(sw.groups, []string{"dev", "optional"}) {
		t.Errorf("aliased string-width = %+v", sw)
	}
	if g := es["g@1.0.0"]; g == nil || g.commit != "0a2d2506c1fe299691fc5db53a2097db3bd615bc" {
		t.Errorf("git dependency = %+v", g)
	}
	if h := es["h@2.0.0"]; h == nil || len(npmIntegrity(h.integrity)) != 1 || npmIntegrity(h.integrity).Get("SHA-1") != strings.Repeat("00", 20) {
		t.Errorf("h hashes = %+v", h)
	}

	v1 := `{"lockfileVersion":1,"dependencies":{
		"sw": {"version":"npm:string-width@4.2.3","dev":true},
		"local": {"version":"file:../local"},
		"packed": {"version":"file:vendor/packed-1.0.0.tgz"},
		"p": {"version":"1.0.0","optional":true,"dependencies":{"q":{"version":"2.0.0"}}}
	}}`
	es = npmEntries(t, []byte(v1))
	if sw := es["string-width@4.2.3"]; sw == nil || !slices.Equal(sw.groups, []string{"dev"}) {
		t.Errorf("v1 alias = %+v (all: %v)", sw, es)
	}
	// A file: folder is the project's own code; a packed tarball is a
	// copy of some release, of no version known.
	if es["local@"] != nil {
		t.Errorf("v1 file: folder read as a dependency: %v", es)
	}
	if p := es["packed@"]; p == nil || p.version != "" {
		t.Errorf("v1 file: tarball = %+v (all: %v)", p, es)
	}
	if es["q@2.0.0"] == nil || es["p@1.0.0"] == nil {
		t.Errorf("v1 nested: %v", es)
	}
}

func TestNPMLockErrors(t *testing.T) {
	for _, c := range []string{`null`, `{"packages":`, `[1]`, `{"packages":{}} []`, `{"packages":{"a":{}`, `{"packages":{}`, `{"packages":{"node_modules/a":{"version":1}}}`} {
		if _, err := parseNPMLock([]byte(c)); err == nil {
			t.Errorf("%s: no error", c)
		}
	}
}

// One pass: the work per package must not depend on the file's size. A
// count of entries decoded is exact where a timing would be flaky.
func TestNPMLockLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"lockfileVersion":3,"packages":{"":{}`)
	const n = 20000
	for i := range n {
		s := sha512.Sum512([]byte(fmt.Sprint(i)))
		fmt.Fprintf(&b, `,"node_modules/p%d":{"version":"1.0.%d","integrity":"sha512-%s"}`, i, i, base64.StdEncoding.EncodeToString(s[:]))
	}
	b.WriteString("}}")
	es, err := parseNPMLock([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != n {
		t.Fatalf("%d packages, want %d", len(es), n)
	}
	if es[0].name != "p0" || len(npmIntegrity(es[n-1].integrity).Get("SHA-512")) != 128 {
		t.Errorf("first %+v, last %+v", es[0], es[n-1])
	}
}

// parseNPMLock is the fold's entries for a lockfile in memory.
func parseNPMLock(data []byte) ([]*npmLockEntry, error) {
	f, err := foldNPMLock(bytes.NewReader(data), true)
	if err != nil {
		return nil, err
	}
	return f.order, nil
}

// objectKeys names the keys of any valid JSON object as encoding/json
// decodes them, escapes included, and reads nothing else as a key.
func FuzzObjectKeys(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"a":"^1","b":{"c":[1,{"d":2}]}}`, `{"\u00e9\"x":1,"a\\":[]," k ":"{\"}"}`, `{"a":1,"a":2}`, "{\"\x84\":0}", "{\"a\xff\":1,\"\xe2\x82\":2}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return
		}
		keys, err := objectKeys(data)
		if err != nil {
			t.Fatalf("objectKeys(%q): %v", data, err)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Fatalf("objectKeys(%q) gave %q, not a key", data, k)
			}
			seen[k] = true
		}
		if len(seen) != len(m) {
			t.Fatalf("objectKeys(%q) = %q, want the keys of %v", data, keys, m)
		}
	})
}

func FuzzNPMLock(f *testing.F) {
	for _, v := range []string{"v1", "v2", "v3"} {
		f.Add(td(f, "npm/package-lock."+v+".json"))
	}
	f.Add([]byte(`{"dependencies":{"a":{"version":"npm:@","dependencies":{"b":{"version":"github:o/r#abc"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := parseNPMLock(data)
		if err != nil {
			return
		}
		// Map order must not leak into the result: the same file gives the
		// same packages in the same order.
		again, err := parseNPMLock(data)
		if err != nil || len(again) != len(es) {
			t.Fatalf("second parse: %d packages, %v; first %d", len(again), err, len(es))
		}
		for i := range es {
			if es[i].name != again[i].name || es[i].version != again[i].version || es[i].commit != again[i].commit {
				t.Fatalf("entry %d: %+v then %+v", i, es[i], again[i])
			}
		}
	})
}

func TestComposerLockReader(t *testing.T) {
	data := []byte(`{"packages":[{"name":"doctrine/dbal","version":"3.8.0"}],"packages-dev":[{"name":"phpunit/phpunit","version":"10.5.0"}]}`)
	inv, err := composerLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "composer.lock", Reader: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+strings.Join(p.Metadata.(*osvmd.DepGroupMetadata).DepGroupVals, ","))
	}
	if want := []string{"doctrine/dbal@3.8.0 ", "phpunit/phpunit@10.5.0 dev"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"null", `{"packages":{}}`, "{"} {
		if _, err := (composerLock{}).Extract(t.Context(), &filesystem.ScanInput{Path: "composer.lock", Reader: strings.NewReader(bad)}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestPNPMLockReader(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"lockfileVersion: 5.4\npackages:\n  /@s/a/1.2.3_react@18.0.0:\n    resolution: {integrity: x}\n    dev: true\n  /b/2.0.0:\n    resolution: {tarball: https://codeload.github.com/o/b/tar.gz/0a2d2506c1fe}\n", "@s/a@1.2.3 dev; b@2.0.0 git"},
		{"lockfileVersion: '6.0'\npackages:\n  /c@1.0.0(peer@2.0.0):\n    resolution: {integrity: x}\n", "c@1.0.0"},
		{"lockfileVersion: '9.0'\npackages:\n  '@s/d@3.0.0':\n    resolution: {integrity: x}\n  file:local: {}\n", "@s/d@3.0.0"},
	} {
		inv, err := pnpmLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "pnpm-lock.yaml", Reader: strings.NewReader(c.yaml)})
		if err != nil {
			t.Fatalf("%q: %v", c.yaml, err)
		}
		var got []string
		for _, p := range inv.Packages {
			s := p.Name + "@" + p.Version
			if g := p.Metadata.(*osvmd.DepGroupMetadata).DepGroupVals; len(g) > 0 {
				s += " " + strings.Join(g, ",")
			}
			if p.PURLType == "git" {
				s += " git"
			}
			got = append(got, s)
		}
		if strings.Join(got, "; ") != c.want {
			t.Errorf("%q: got %q, want %q", c.yaml, got, c.want)
		}
	}
	for _, bad := range []string{"packages: {}\n", "lockfileVersion: '9.0'\npackages: [1]\n", "lockfileVersion: '9.0'\npackages:\n  a@1: [x]\n", ": :"} {
		if _, err := (pnpmLock{}).Extract(t.Context(), &filesystem.ScanInput{Path: "pnpm-lock.yaml", Reader: strings.NewReader(bad)}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzPNPMLock(f *testing.F) {
	f.Add(td(f, "npm/pnpm-lock.v9.yaml"))
	f.Add([]byte("lockfileVersion: 5.4\npackages:\n  /@s/a/1.2.3_x:\n    dev: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := pnpmLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "pnpm-lock.yaml", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("package without name or version (err %v): %+v", err, p)
			}
		}
	})
}

func FuzzComposerLock(f *testing.F) {
	f.Add([]byte(`{"packages":[{"name":"doctrine/dbal","version":"3.8.0"}],"packages-dev":[{"name":"a/b","version":"1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := composerLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "composer.lock", Reader: bytes.NewReader(data)})
		if err != nil && len(inv.Packages) > 0 {
			t.Fatalf("packages returned with error %v", err)
		}
	})
}

func TestPipfileLockReader(t *testing.T) {
	// "===" pins too; a git package and one without a version are listed
	// (scalibr dropped them: code shipped, nothing said); the project
	// itself, installed from its path, is not a dependency.
	data := `{"_meta":{},"default":{"b":{"version":"==2.0"},"a":{"version":"==1.0"},"loose":{"version":"*"},"arb":{"version":"===2.10.1"},
		"forked":{"git":"https://github.com/x/forked.git","ref":"abc123"},"app":{"editable":true,"path":"."}},
		"develop":{"a":{"version":"==1.0"},"c":{"version":"==3.0"}}}`
	inv, err := pipfileLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "Pipfile.lock", Reader: strings.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+strings.Join(p.Metadata.(*osvmd.DepGroupMetadata).DepGroupVals, ","))
	}
	if want := []string{"a@1.0 ", "arb@2.10.1 ", "b@2.0 ", "forked@ ", "loose@ ", "c@3.0 dev"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if p := inv.Packages[3]; p.PURLType != "git" || p.SourceCode == nil || p.SourceCode.Commit != "abc123" {
		t.Errorf("git package %+v", p)
	}
	if _, err := (pipfileLock{}).Extract(t.Context(), &filesystem.ScanInput{Path: "Pipfile.lock", Reader: strings.NewReader(`{"default":[]}`)}); err == nil {
		t.Error("default as an array: no error")
	}
}

func FuzzPipfileLock(f *testing.F) {
	f.Add([]byte(`{"default":{"a":{"version":"==1.0"}},"develop":{"a":{"version":"==1.0"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := pipfileLock{}.Extract(t.Context(), &filesystem.ScanInput{Path: "Pipfile.lock", Reader: bytes.NewReader(data)})
		for _, p := range inv.Packages {
			// A package without a version is listed (unchecked), never
			// one without a name.
			if err != nil || p.Name == "" {
				t.Fatalf("package %+v with error %v", p, err)
			}
		}
	})
}

// TestNPMLockInterned: what entries repeat is held once, and a shared
// licence list cannot be changed through another package's append.
func TestNPMLockInterned(t *testing.T) {
	dir := writeTree(t, text("package-lock.json", `{"name":"app","lockfileVersion":3,"packages":{
		"":{"name":"app"},
		"node_modules/a":{"version":"1.0.0","license":"MIT","dependencies":{"b":"^2"}},
		"node_modules/b":{"version":"2.0.0","license":"MIT"},
		"node_modules/c/node_modules/b":{"version":"1.0.0","license":"MIT"},
		"node_modules/c":{"version":"1.0.0","license":"ISC","dependencies":{"b":"^1"}}}}`))
	a, _ := readOne(t, filepath.Join(dir, "package-lock.json"), Options{})
	pa, pb2, pb1 := pkg(t, a, "npm", "a", "1.0.0"), pkg(t, a, "npm", "b", "2.0.0"), pkg(t, a, "npm", "b", "1.0.0")
	if unsafe.StringData(pb2.Name) != unsafe.StringData(pb1.Name) {
		t.Error("the name of b is held twice")
	}
	if unsafe.StringData(pa.Version) != unsafe.StringData(pkg(t, a, "npm", "c", "1.0.0").Version) {
		t.Error("version 1.0.0 is held twice")
	}
	if &pa.Licenses[0] != &pb2.Licenses[0] {
		t.Error("the licence list [MIT] is held twice")
	}
	grown := append(pa.Licenses, "Apache-2.0")
	if len(pb2.Licenses) != 1 || len(pb1.Licenses) != 1 || pb1.Licenses[0] != "MIT" || len(grown) != 2 {
		t.Errorf("an append to one package's licences reached another's: %q %q", pb2.Licenses, pb1.Licenses)
	}
	if !slices.Equal(pa.DependsOn, []string{pb2.PURL}) {
		t.Errorf("a depends on %q, want b 2.0.0", pa.DependsOn)
	}
}
