package lockfiles

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

func TestValidateVersion(t *testing.T) {
	long := "1.0.0-" + strings.Repeat("a", 251) // 257 characters
	for _, c := range []struct {
		eco, v string
		err    string // "" when valid; else a substring of the error
	}{
		{ecosystem.NPM, "1.2.3", ""},
		{ecosystem.NPM, "v1.2.3", ""},
		{ecosystem.NPM, "1.0.0-rc.1+build.5", ""},
		{ecosystem.NPM, "9007199254740991.0.0", ""},
		{ecosystem.NPM, "123456789012345678901234567890.0.0", "too large"},
		{ecosystem.NPM, "1.9007199254740992.0", "too large"},
		{ecosystem.NPM, long, "longer than 256"},
		{ecosystem.NPM, long[:256], ""},
		{ecosystem.NPM, "1.0.0\x00", "control"},
		{ecosystem.NPM, "1.0.0\x1b[31m", "control"},
		{ecosystem.NPM, "1.0.0\n", "control"},
		{ecosystem.NPM, "1.0.0 ", "space"},
		{ecosystem.NPM, "1.2", "not a semantic version"},
		{ecosystem.NPM, "01.2.3", "not a semantic version"},
		{ecosystem.NPM, "1.0.0-💥+build.-..-", "not a semantic version"},
		{ecosystem.NPM, "", "no version"},
		{ecosystem.CratesIO, "1.0.73", ""},
		{ecosystem.CratesIO, "1.0", "not a semantic version"},
		{ecosystem.Go, "v0.3.5", ""},
		{ecosystem.Go, "0.3.5", ""},
		{ecosystem.Go, "v1.2.3-0.20200101000000-abcdefabcdef", ""},
		{ecosystem.Go, "v2.0.0+incompatible", ""},
		{ecosystem.Go, "1.26.8", ""},
		{ecosystem.Go, "latest", "not a Go module version"},
		{ecosystem.Go, "master", "not a Go module version"},
		{ecosystem.PyPI, "1.0.post1", ""},
		{ecosystem.PyPI, "2.0.0rc1", ""},
		{ecosystem.PyPI, "1!2.0.dev3", ""},
		{ecosystem.PyPI, "1.0 beta", "space"},
		{ecosystem.Maven, "3.6.10.Final", ""},
		{ecosystem.Maven, "4.1.42.Final", ""},
		{ecosystem.Maven, "1.0-SNAPSHOT", ""},
		{ecosystem.RubyGems, "0.14.1", ""},
		{ecosystem.RubyGems, "1.0.0.pre", ""},
		{ecosystem.NuGet, "3.7.10.6", ""},
		{ecosystem.Packagist, "1.29.0", ""},
		{"Unknown", "1.0", "unsupported ecosystem"},
	} {
		err := ValidateVersion(c.eco, c.v)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("ValidateVersion(%s, %q) = %v, want valid", c.eco, c.v, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ValidateVersion(%s, %q) = %v, want error saying %q", c.eco, c.v, err, c.err)
		}
	}
}

// TestValidateVersionRejectsNonVersions: values that are not versions in
// their ecosystem must not pass as comparable (a package with such a
// version would be matched against advisory ranges as if it were one).
func TestValidateVersionRejectsNonVersions(t *testing.T) {
	for _, c := range []struct{ eco, v string }{
		{ecosystem.PyPI, "latest"},
		{ecosystem.PyPI, "garbage!!"},
		{ecosystem.PyPI, "1.0.0-💥"},
		{ecosystem.Maven, "${project.version}"},
		{ecosystem.Maven, "${revision}"},
	} {
		if err := ValidateVersion(c.eco, c.v); err == nil {
			t.Errorf("ValidateVersion(%s, %q) = nil, want an error", c.eco, c.v)
		}
	}
}

func TestPURL(t *testing.T) {
	for _, c := range []struct{ eco, name, version, want string }{
		{ecosystem.NPM, "debug", "4.3.4", "pkg:npm/debug@4.3.4"},
		{ecosystem.NPM, "@tootallnate/once", "2.0.0", "pkg:npm/%40tootallnate/once@2.0.0"},
		{ecosystem.PyPI, "Jinja2", "3.1.2", "pkg:pypi/jinja2@3.1.2"},
		{ecosystem.PyPI, "charset_normalizer", "3.3.2", "pkg:pypi/charset-normalizer@3.3.2"},
		{ecosystem.Maven, "org.postgresql:postgresql", "42.7.3", "pkg:maven/org.postgresql/postgresql@42.7.3"},
		{ecosystem.Go, "golang.org/x/mod", "v0.42.0", "pkg:golang/golang.org/x/mod@v0.42.0"},
		{ecosystem.Go, "stdlib", "1.26.8", "pkg:golang/stdlib@1.26.8"},
		{ecosystem.RubyGems, "pry", "0.14.1", "pkg:gem/pry@0.14.1"},
		{ecosystem.NuGet, "Newtonsoft.Json", "13.0.1", "pkg:nuget/Newtonsoft.Json@13.0.1"},
		{ecosystem.Packagist, "Monolog/Monolog", "3.5.0", "pkg:composer/monolog/monolog@3.5.0"},
		{ecosystem.CratesIO, "syn", "1.0.73", "pkg:cargo/syn@1.0.73"},
		{ecosystem.NPM, "app", "", "pkg:npm/app"},
		{"Hackage", "x", "1", ""},
		{ecosystem.NPM, "", "1.0.0", ""},
	} {
		if got := PURL(c.eco, c.name, c.version); got != c.want {
			t.Errorf("PURL(%s, %s, %s) = %q, want %q", c.eco, c.name, c.version, got, c.want)
		}
	}
}

func TestParsePURL(t *testing.T) {
	for _, c := range []struct{ purl, eco, name, version string }{
		{"pkg:npm/%40tootallnate/once@2.0.0", ecosystem.NPM, "@tootallnate/once", "2.0.0"},
		{"pkg:maven/org.postgresql/postgresql@42.7.3?type=jar", ecosystem.Maven, "org.postgresql:postgresql", "42.7.3"},
		{"pkg:golang/golang.org/x/mod@v0.42.0", ecosystem.Go, "golang.org/x/mod", "v0.42.0"},
		{"pkg:pypi/jinja2@3.1.2", ecosystem.PyPI, "jinja2", "3.1.2"},
		{"pkg:composer/monolog/monolog@3.5.0", ecosystem.Packagist, "monolog/monolog", "3.5.0"},
		{"pkg:nuget/Newtonsoft.Json@13.0.1", ecosystem.NuGet, "Newtonsoft.Json", "13.0.1"},
		{"pkg:gem/pry@0.14.1", ecosystem.RubyGems, "pry", "0.14.1"},
		{"pkg:cargo/syn@1.0.73", ecosystem.CratesIO, "syn", "1.0.73"},
	} {
		eco, name, version, err := ParsePURL(c.purl)
		if err != nil || eco != c.eco || name != c.name || version != c.version {
			t.Errorf("ParsePURL(%s) = %s %s %s %v, want %s %s %s", c.purl, eco, name, version, err, c.eco, c.name, c.version)
		}
	}
	for _, bad := range []string{"", "npm/debug@1", "pkg:", "pkg:deb/debian/curl@7", "pkg:npm/%zz@1"} {
		if _, _, _, err := ParsePURL(bad); err == nil {
			t.Errorf("ParsePURL(%q): no error", bad)
		}
	}
	// Every purl PURL writes reads back.
	for _, eco := range ecosystem.All {
		name := map[string]string{ecosystem.Maven: "g.h:a", ecosystem.Go: "example.com/m", ecosystem.Packagist: "v/p", ecosystem.NPM: "@s/n"}[eco]
		if name == "" {
			name = "n"
		}
		e, n, v, err := ParsePURL(PURL(eco, name, "1.0.0"))
		if err != nil || e != eco || n != name || v != "1.0.0" {
			t.Errorf("%s: round trip gave %s %s %s %v", eco, e, n, v, err)
		}
	}
}

func TestParseManifest(t *testing.T) {
	got := parseManifest(td(t, "java/ivy.MANIFEST.MF"))
	for k, v := range map[string]string{
		"Implementation-Version":   "2.4.0",
		"Implementation-Vendor-Id": "org.apache",
		"Bundle-SymbolicName":      "org.apache.ivy",
		"Bundle-Version":           "2.4.0.final_20141213170938",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// CRLF, a continuation line, the main section only, first value wins.
	mf := "Manifest-Version: 1.0\r\nBundle-License: http://www.apache.org/licenses/LICE\r\n NSE-2.0.txt\r\nX: a\r\nX: b\r\nno colon here\r\n  orphan\r\n\r\nName: org/x\r\nImplementation-Version: 9.9\r\n"
	want := map[string]string{"Manifest-Version": "1.0", "Bundle-License": "http://www.apache.org/licenses/LICENSE-2.0.txt", "X": "a"}
	if got := parseManifest([]byte(mf)); !maps.Equal(got, want) {
		t.Errorf("parseManifest = %q, want %q", got, want)
	}
	if got := parseManifest(nil); len(got) != 0 {
		t.Errorf("empty manifest gave %q", got)
	}
}

func TestParseComposerInstalled(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"php/installed.v1.json", []string{"guzzlehttp/guzzle v6.5.5", "guzzlehttp/promises vv1.4.1"}},
		{"php/installed.v2.json", []string{"monolog/monolog v3.5.0", "psr/log v3.0.0", "symfony/polyfill-mbstring vv1.29.0"}},
	} {
		pkgs, err := parseComposerInstalled(td(t, c.src))
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, p.Name+" v"+p.Version)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"packages": [`, "line 1"},
		{`{"dev": true}`, "neither a Composer 1 array nor a Composer 2 object"},
		{`"x"`, "invalid JSON"},
		{"[\n  {\"name\": 5}\n]", "line 2"},
	} {
		if _, err := parseComposerInstalled([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseComposerInstalled(%q) = %v, want error saying %q", c.in, err, c.want)
		}
	}
	for in, want := range map[string]string{"v5.4.1": "5.4.1", "V2.0": "2.0", "dev-main": "dev-main", "v": "v", "version": "version", "1.0.0": "1.0.0"} {
		if got := composerVersion(in); got != want {
			t.Errorf("composerVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInstalledComposerBadName: a package without vendor/name fails.
func TestInstalledComposerBadName(t *testing.T) {
	z := writeZip(t, "f.zip", text("vendor/composer/installed.json", `{"packages":[{"name":"noslash","version":"1.0.0"}]}`), text("index.php", "<?php"))
	wantInputError(t, readErr(z, Options{}), z, "vendor/composer/installed.json", `package name "noslash" is not vendor/name`)
}

func TestParsePackageJSON(t *testing.T) {
	pj, err := parsePackageJSON(td(t, "npm/installed/node_modules/debug/package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if pj.Name != "debug" || pj.Version != "4.3.4" || pj.VersionError != "" ||
		!slices.Equal(pj.License, []string{"MIT"}) || !slices.Equal(pj.Dependencies, []string{"ms"}) {
		t.Errorf("debug: %+v", pj)
	}
	for _, c := range []struct {
		in      string
		name    string
		version string
		verr    string
		lic     []string
		deps    []string
	}{
		{`{"name":"n","version":1.5}`, "n", "1.5", "version is not a string", nil, nil},
		{`{"name":"n","version":{"x":1}}`, "n", `{"x":1}`, "version is not a string", nil, nil},
		{`{"name":"n","license":{"type":"ISC"}}`, "n", "", "", []string{"ISC"}, nil},
		{`{"name":"n","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}`, "n", "", "", []string{"MIT", "Apache-2.0"}, nil},
		{`{"name":"n","dependencies":["a","b"],"optionalDependencies":{"o":"1"},"peerDependencies":{"p":"*"}}`, "n", "", "", nil, []string{"o", "p"}},
		{`{"name":5}`, "", "", "", nil, nil},
	} {
		pj, err := parsePackageJSON([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if pj.Name != c.name || pj.Version != c.version || pj.VersionError != c.verr || !slices.Equal(pj.License, c.lic) || !slices.Equal(pj.Dependencies, c.deps) {
			t.Errorf("%s: %+v", c.in, pj)
		}
	}
	for in, want := range map[string]string{
		"{\n  \"name\": \"x\",\n  \"version\": \"1\",,\n}": "invalid JSON at line 3, column",
		"{\n  \"name\": \"x\"":                             "invalid JSON at line 2, column 14: unexpected end of JSON input",
		"[1, 2]":                                           "invalid JSON at line 1",
	} {
		if _, err := parsePackageJSON([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parsePackageJSON(%q) = %v, want %q", in, err, want)
		}
	}
}

// plainName is a shortcut of cleanName: every name it accepts, cleanName
// returns unchanged. All names of up to six characters from an alphabet
// of the troublesome ones are tried.
func TestPlainNameIsCleanNamesIdentity(t *testing.T) {
	alphabet := []string{"a", "/", ".", `\`, ":", "\x00", "b"}
	var names []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		names = append(names, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 6)
	plain := 0
	for _, n := range names {
		if !plainName(n) {
			continue
		}
		plain++
		if c, ok := cleanName(n); !ok || c != n {
			t.Errorf("plainName(%q) but cleanName gives %q, %v", n, c, ok)
		}
	}
	if plain < 100 {
		t.Fatalf("only %d plain names among %d: the shortcut is never taken", plain, len(names))
	}
}

func TestCleanMemberName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b.txt": "a/b.txt", "./a//b/./c": "a/b/c", `a\b\c`: "a/b/c", "dir/": "dir",
		"/abs": "", "../x": "", `..\x`: "", "a/../../x": "", "a/../b": "", "C:/x": "", `C:\x`: "",
		"": "", ".": "", "./": "", "a\x00b": "",
	} {
		got, ok := cleanMemberName(in)
		if got != want || ok != (want != "") {
			t.Errorf("cleanMemberName(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, c := range []struct {
		name, target string
		ok           bool
	}{
		{"node_modules/.bin/ms", "../ms/index.js", true},
		{"a", "b", true},
		{"a/b/c", "../../x", true},
		{"a/b/c", "../../../x", false},
		{"a", "/etc/passwd", false},
		{"a", `C:\x`, false},
		{"a", `..\..\x`, false},
		{"a", "", false},
	} {
		if got := linkStaysInside(c.name, c.target); got != c.ok {
			t.Errorf("linkStaysInside(%q, %q) = %v, want %v", c.name, c.target, got, c.ok)
		}
	}
}

// TestPlaces pins which files each kind of evidence is read from.
func TestPlaces(t *testing.T) {
	for p, want := range map[string]bool{
		"node_modules/a/package.json":                  true,
		"node_modules/@s/a/package.json":               true,
		"node_modules/a/node_modules/b/package.json":   true,
		"nodejs/node20/node_modules/@s/a/package.json": true,
		"package.json":                                      false,
		"node_modules/package.json":                         false,
		"node_modules/a/test/fixtures/package.json":         false,
		"node_modules/a/examples/x/package.json":            false,
		"node_modules/.cache/package.json":                  false,
		"node_modules/a/node_modules/@s/b/lib/package.json": false,
	} {
		if got := installedNodePackage(p); got != want {
			t.Errorf("installedNodePackage(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"package-lock.json":                            true,
		"apps/api/package-lock.json":                   true,
		"node_modules/a/package-lock.json":             false,
		"nodejs/node_modules/a/yarn.lock":              false,
		"python/lib/site-packages/x/poetry.lock":       false,
		"vendor/acme/lib/composer.lock":                false,
		"app/vendor/x/go.mod":                          false,
		"ruby/gems/3.3.0/gems/pry-0.14.1/Gemfile.lock": false,
	} {
		if got := projectFile(p); got != want {
			t.Errorf("projectFile(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestLimitedReader(t *testing.T) {
	b := &budget{limits: Limits{MaxTotalBytes: 100}}
	// Exactly at the member limit is fine; one byte more is not.
	if data, err := io.ReadAll(&limitedReader{r: strings.NewReader("0123456789"), left: 10, budget: b}); err != nil || string(data) != "0123456789" {
		t.Errorf("at the limit: %q %v", data, err)
	}
	if _, err := io.ReadAll(&limitedReader{r: strings.NewReader("0123456789x"), left: 10, budget: b}); !errors.Is(err, errEntryTooLarge) {
		t.Errorf("over the member limit: %v", err)
	}
	// The artifact budget spans readers: 20 bytes counted so far, 81 more break 100.
	_, err := io.ReadAll(&limitedReader{r: bytes.NewReader(make([]byte, 81)), left: 1000, budget: b})
	if err == nil || !strings.Contains(err.Error(), "more than 100 bytes uncompressed in all") {
		t.Errorf("over the artifact budget: %v", err)
	}
}

func TestJSONSyntax(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1}`:         "",
		`{"a": 1} x`:       "invalid JSON at line 1",
		`{"a": 1}{}`:       "data after the top-level value",
		"{\n\n  \"a\": ,}": "invalid JSON at line 3, column",
		"{\n  \"a\": [1,":  "truncated at line 2, column 11",
		"":                 "truncated at line 1, column 1",
	} {
		err := jsonSyntax([]byte(in))
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("jsonSyntax(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestJSONSyntaxColumn: the column names the offending character itself.
// json.SyntaxError.Offset counts the bytes read including it.
func TestJSONSyntaxColumn(t *testing.T) {
	err := jsonSyntax([]byte("{\n\n  \"a\": ,}"))
	if err == nil || !strings.Contains(err.Error(), "line 3, column 8:") {
		t.Errorf("got %v, want line 3, column 8 (the comma)", err)
	}
}
