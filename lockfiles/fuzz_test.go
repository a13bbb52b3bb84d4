package lockfiles

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// Fuzz targets for every parser of untrusted bytes. `go test` runs their
// seeds (and any crashers saved under testdata/fuzz/); fuzz one with
//
//	go test -run='^$' -fuzz=FuzzRead -fuzztime=20s ./lockfiles/

var fuzzLimits = Limits{MaxEntries: 200, MaxTotalBytes: 4 << 20, MaxEntryBytes: 1 << 20, MaxRatio: 250, RatioFloor: 64 << 10, MaxDepth: 3}

// seedZips are real small artifacts: lockfiles, installed manifests, jars,
// a nested jar, a link, a hostile name.
func seedZips(f *testing.F) [][]byte {
	pg := postgresJar(f)
	return [][]byte{
		buildZip(f, file("package-lock.json", td(f, "npm/package-lock.v3.json")), text("index.js", "x")),
		buildZip(f, nodeTree(f, "nodejs/", true)...),
		buildZip(f, file("python/pip-22.2.2.dist-info/METADATA", td(f, "python/pip.METADATA")), file("requirements.txt", td(f, "python/requirements.txt"))),
		buildZip(f, file("lib/postgresql-42.7.3.jar", pg), file("lib/ivy-2.4.0.jar", ivyJar(f))),
		buildZip(f, stored("app.jar", buildZip(f, stored("BOOT-INF/lib/postgresql-42.7.3.jar", pg)))),
		buildZip(f, file("vendor/composer/installed.json", td(f, "php/installed.v2.json")), file("composer.lock", td(f, "php/composer.lock"))),
		buildZip(f, file("Gemfile.lock", td(f, "ruby/Gemfile.lock")), file("ruby/gems/3.3.0/specifications/rss-0.2.9.gemspec", td(f, "ruby/rss-0.2.9.gemspec"))),
		buildZip(f, file("App.deps.json", td(f, "dotnet/TestLibrary.deps.json")), file("Cargo.lock", td(f, "rust/Cargo.lock")), file("go.mod", td(f, "go/go.mod"))),
		buildZip(f, okLock, link("node_modules/.bin/ms", "../ms/index.js"), text("../x", "x")),
		buildZip(f, stored("a.txt", []byte("hello")), text("b/", "")),
	}
}

func FuzzOpenZip(f *testing.F) {
	for _, z := range seedZips(f) {
		f.Add(z)
	}
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &budget{limits: fuzzLimits}
		zt, err := openZip(bytes.NewReader(data), int64(len(data)), b, "")
		if err != nil {
			return
		}
		if n := b.entries.Load(); n > int64(fuzzLimits.MaxEntries) {
			t.Fatalf("accepted %d entries, limit %d", n, fuzzLimits.MaxEntries)
		}
		for _, name := range zt.names {
			if c, ok := cleanMemberName(name); !ok || c != name {
				t.Fatalf("accepted unclean member name %q", name)
			}
			m := zt.files[name]
			if m.f.UncompressedSize64 > uint64(fuzzLimits.MaxEntryBytes) {
				t.Fatalf("accepted %q declaring %d bytes", name, m.f.UncompressedSize64)
			}
			got, err := m.read(b)
			if err != nil {
				continue
			}
			if int64(len(got)) > fuzzLimits.MaxEntryBytes {
				t.Fatalf("read %d bytes of %q, limit %d", len(got), name, fuzzLimits.MaxEntryBytes)
			}
		}
		// limitedReader counts a read before refusing it: at most one
		// buffer past the budget is ever read.
		if n := b.bytes.Load(); n > fuzzLimits.MaxTotalBytes+fuzzLimits.MaxEntryBytes {
			t.Fatalf("read %d bytes in all, budget %d", n, fuzzLimits.MaxTotalBytes)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add(td(f, "java/ivy.MANIFEST.MF"))
	f.Add([]byte("Manifest-Version: 1.0\r\nBundle-License: http://x/LICE\r\n NSE\r\n\r\nName: a\r\nX: y\r\n"))
	f.Add([]byte(" orphan\n:\n::\nk:v"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for k, v := range parseManifest(data) {
			if strings.ContainsAny(k, "\n") || strings.ContainsAny(v, "\n") {
				t.Fatalf("key %q value %q span lines", k, v)
			}
		}
	})
}

func FuzzParseComposerInstalled(f *testing.F) {
	f.Add(td(f, "php/installed.v1.json"))
	f.Add(td(f, "php/installed.v2.json"))
	f.Add([]byte(`{"packages": null}`))
	f.Add([]byte(`[{"name": "a/b", "version": "v1", "license": {"x": 1}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseComposerInstalled(data)
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error spans lines: %q", err)
		}
	})
}

func FuzzParsePackageJSON(f *testing.F) {
	for _, p := range []string{"npm/installed/package.json", "npm/installed/node_modules/debug/package.json", "npm/installed/node_modules/@tootallnate/once/package.json"} {
		f.Add(td(f, p))
	}
	f.Add([]byte(`{"name":"n","version":1.5,"license":{"type":"MIT"},"dependencies":["x"]}`))
	f.Add([]byte(`{"name":"n","licenses":[{"type":"MIT"}],"peerDependencies":{"p":"*"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pj, err := parsePackageJSON(data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if pj.VersionError != "" && len(pj.Version) > 80+len("…") {
			t.Fatalf("raw version kept at %d bytes", len(pj.Version))
		}
	})
}

func FuzzValidateVersion(f *testing.F) {
	for i, v := range []string{"1.2.3", "v0.3.5", "1.0.post1", "3.6.10.Final", "123456789012345678901234567890.0.0", "1.0.0-💥+build.-..-", "latest", "1.0.0\x00", "0.14.1", "3.7.10.6", "v1.29.0", ""} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, ecoIdx uint8, v string) {
		eco := ecosystem.All[int(ecoIdx)%len(ecosystem.All)]
		if ValidateVersion(eco, v) != nil {
			return
		}
		if len(v) == 0 || len(v) > 256 {
			t.Fatalf("%s: accepted a %d-byte version", eco, len(v))
		}
		for _, r := range v {
			if unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Fatalf("%s: accepted %q with a control or space character", eco, v)
			}
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	for _, s := range []string{
		"pkg:npm/%40tootallnate/once@2.0.0", "pkg:maven/org.postgresql/postgresql@42.7.3?type=jar",
		"pkg:golang/golang.org/x/mod@v0.42.0", "pkg:pypi/jinja2@3.1.2", "pkg:composer/monolog/monolog@3.5.0",
		"pkg:nuget/Newtonsoft.Json@13.0.1", "pkg:gem/pry@0.14.1", "pkg:cargo/syn@1.0.73", "pkg:deb/debian/curl@7", "pkg:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		eco, name, version, err := ParsePURL(s)
		if err != nil {
			return
		}
		if ecosystem.Canonical(eco) != eco {
			t.Fatalf("ParsePURL(%q) gave unknown ecosystem %q", s, eco)
		}
		// What PURL writes for a parsed purl reads back to itself.
		p1 := PURL(eco, name, version)
		if p1 == "" {
			return
		}
		e2, n2, v2, err := ParsePURL(p1)
		if err != nil {
			t.Fatalf("PURL(%q, %q, %q) = %q does not parse: %v", eco, name, version, p1, err)
		}
		if p2 := PURL(e2, n2, v2); p2 != p1 {
			t.Fatalf("purl not stable: %q -> %q -> %q", s, p1, p2)
		}
	})
}

// FuzzRead feeds arbitrary bytes to the whole pipeline as a .zip input.
func FuzzRead(f *testing.F) {
	for _, z := range seedZips(f) {
		f.Add(z)
	}
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		inv, err := Read(context.Background(), []string{p}, Options{Limits: fuzzLimits, AllowEmpty: true})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %q is %T, not *InputError", err, err)
			}
			if !strings.HasPrefix(err.Error(), p+": ") {
				t.Fatalf("error %q does not name the input", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if len(inv.Artifacts) != 1 {
			t.Fatalf("%d artifacts", len(inv.Artifacts))
		}
		for _, pk := range inv.Artifacts[0].Packages {
			if pk.Ecosystem == "" || pk.Name == "" || len(pk.Locations) == 0 {
				t.Fatalf("incomplete package %+v", pk)
			}
			if pk.VersionError == "" && ValidateVersion(pk.Ecosystem, pk.Version) != nil {
				t.Fatalf("package %s %q has an invalid version and no VersionError", pk.Name, pk.Version)
			}
		}
	})
}
