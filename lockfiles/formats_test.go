package lockfiles

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// formatCase is one lockfile or manifest format: the real file from
// testdata placed at member inside an artifact, and the exact packages it
// names.
type formatCase struct {
	name   string
	src    string // testdata path
	member string // where it sits inside the artifact
	want   []string
	// single: the file is also read when given directly on the command line
	// (a lockfile with its canonical name), which must give Kind lockfile.
	single bool
}

var formatCases = []formatCase{
	// npm. The lockfiles were generated with npm 11 from one package.json
	// (debug@4.3.4, ms@2.1.3, is-number@7.0.0): debug needs ms 2.1.2, which
	// npm nests under debug, so two versions of ms are two packages.
	{"package-lock v1", "npm/package-lock.v1.json", "package-lock.json",
		[]string{"npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3"}, true},
	{"package-lock v2", "npm/package-lock.v2.json", "package-lock.json",
		[]string{"npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3"}, true},
	{"package-lock v3", "npm/package-lock.v3.json", "package-lock.json",
		[]string{"npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3"}, true},
	{"npm-shrinkwrap", "npm/npm-shrinkwrap.json", "npm-shrinkwrap.json",
		[]string{"npm pg-connection-string 2.6.2"}, true},
	{"yarn classic", "npm/yarn.v1.lock", "yarn.lock",
		[]string{"npm concat-map 0.0.1", "npm concat-stream 1.6.2"}, true},
	{"yarn berry", "npm/yarn.berry.lock", "yarn.lock",
		[]string{"npm compare-func 2.0.0", "npm concat-map 0.0.1"}, true},
	// aws-sdk is an importer's dependency with no packages entry: not installed.
	{"pnpm-lock v9", "npm/pnpm-lock.v9.yaml", "pnpm-lock.yaml",
		[]string{"npm uuid 8.0.0", "npm uuid 8.3.2", "npm xmlbuilder 11.0.1"}, true},

	// PyPI.
	{"dist-info METADATA", "python/pip.METADATA", "pip-22.2.2.dist-info/METADATA",
		[]string{"PyPI pip 22.2.2"}, false},
	{"egg-info PKG-INFO", "python/setuptools.PKG-INFO", "setuptools-57.4.0.egg-info/PKG-INFO",
		[]string{"PyPI setuptools 57.4.0"}, false},
	{"requirements.txt", "python/requirements.txt", "requirements.txt",
		[]string{"PyPI charset_normalizer 3.3.2", "PyPI pyopenssl 26.0.0", "PyPI requests 2.31.0"}, true},
	{"poetry.lock", "python/poetry.lock", "poetry.lock",
		[]string{"PyPI proto-plus 1.22.0", "PyPI protobuf 4.21.5"}, true},
	// Pipfile.lock's develop section is locked too and listed.
	{"Pipfile.lock", "python/Pipfile.lock", "Pipfile.lock",
		[]string{"PyPI itsdangerous 2.1.2", "PyPI markupsafe 2.1.1"}, true},
	// uv's virtual root project (uv-lockfiles 0.1.0) is not a dependency.
	{"uv.lock", "python/uv.lock", "uv.lock", []string{"PyPI emoji 2.14.0"}, true},
	{"pdm.lock", "python/pdm.lock", "pdm.lock", []string{"PyPI six 1.16.0", "PyPI toml 0.10.2"}, true},

	// Maven (jars are in TestMavenJars).
	{"pom.xml", "java/pom.xml", "pom.xml",
		[]string{"Maven io.netty:netty-all 4.1.42.Final", "Maven org.slf4j:slf4j-log4j12 1.7.25"}, true},
	{"gradle.lockfile", "java/gradle.lockfile", "gradle.lockfile", []string{
		"Maven org.springframework.boot:spring-boot-autoconfigure 2.7.4",
		"Maven org.springframework.boot:spring-boot-configuration-processor 2.7.5",
		"Maven org.springframework.boot:spring-boot-devtools 2.7.6",
		"Maven org.springframework.boot:spring-boot-starter-aop 2.7.7",
		"Maven org.springframework.boot:spring-boot-starter-data-jpa 2.7.8",
	}, true},

	// Go: versions keep their "v"; scalibr (like osv-scanner) reports the
	// go directive as the stdlib version.
	{"go.mod", "go/go.mod", "go.mod",
		[]string{"Go github.com/BurntSushi/toml v1.0.0", "Go gopkg.in/yaml.v2 v2.4.0", "Go stdlib 1.17"}, true},

	// RubyGems.
	{"gemspec vendor/bundle", "ruby/yaml-0.2.1.gemspec", "vendor/bundle/ruby/3.2.0/specifications/yaml-0.2.1.gemspec",
		[]string{"RubyGems yaml 0.2.1"}, false},
	{"gemspec layer", "ruby/rss-0.2.9.gemspec", "ruby/gems/3.3.0/specifications/rss-0.2.9.gemspec",
		[]string{"RubyGems rss 0.2.9"}, false},
	{"Gemfile.lock", "ruby/Gemfile.lock", "Gemfile.lock",
		[]string{"RubyGems coderay 1.1.3", "RubyGems method_source 1.0.0", "RubyGems pry 0.14.1"}, true},

	// NuGet (deps.json is in TestNuGetDepsJSONProjectIsNotAPackage).
	{"packages.lock.json", "dotnet/packages.lock.json", "packages.lock.json", []string{
		"NuGet Another.Longer.Name.Dep 4.5.4", "NuGet Core.Dep 1.24.0", "NuGet Some.Dep.Five 4.7.2",
		"NuGet Some.Dep.Four 4.5.0", "NuGet Some.Dep.One 1.1.1", "NuGet Some.Dep.Three 1.0.2",
		"NuGet Some.Dep.Two 4.6.0", "NuGet Some.Longer.Name.Dep 4.7.2",
	}, true},

	// Packagist.
	{"composer.lock", "php/composer.lock", "composer.lock", []string{"Packagist sentry/sdk 2.0.4"}, true},
	// Composer 1 writes a bare array; "v1.4.1" loses its "v".
	{"installed.json composer 1", "php/installed.v1.json", "vendor/composer/installed.json",
		[]string{"Packagist guzzlehttp/guzzle 6.5.5", "Packagist guzzlehttp/promises 1.4.1"}, false},
	// Composer 2 writes {"packages": [...]}; "v1.29.0" loses its "v".
	{"installed.json composer 2", "php/installed.v2.json", "vendor/composer/installed.json",
		[]string{"Packagist monolog/monolog 3.5.0", "Packagist psr/log 3.0.0", "Packagist symfony/polyfill-mbstring 1.29.0"}, false},

	// crates.io.
	{"Cargo.lock", "rust/Cargo.lock", "Cargo.lock", []string{"crates.io addr2line 0.15.2", "crates.io syn 1.0.73"}, true},
}

// TestFormats reads every format inside a function zip and inside a folder,
// and, for lockfiles, given directly: the exact package set each time, each
// package located at the member it came from, with a valid version and a
// purl.
func TestFormats(t *testing.T) {
	for _, c := range formatCases {
		t.Run(c.name, func(t *testing.T) {
			data := td(t, c.src)
			check := func(a *Artifact, inv *Inventory, loc string) {
				t.Helper()
				wantPkgs(t, a, c.want...)
				for _, p := range a.Packages {
					if !slices.Equal(p.Locations, []string{loc}) {
						t.Errorf("%s %s: locations %q, want [%s]", p.Name, p.Version, p.Locations, loc)
					}
					if p.VersionError != "" {
						t.Errorf("%s %s: version error %q", p.Name, p.Version, p.VersionError)
					}
					if p.PURL == "" || p.Artifact != a.Path {
						t.Errorf("%s %s: purl %q artifact %q", p.Name, p.Version, p.PURL, p.Artifact)
					}
				}
				if len(inv.Warnings) != 0 {
					t.Errorf("warnings: %+v", inv.Warnings)
				}
			}
			z := writeZip(t, "function.zip", file(c.member, data), text("handler.txt", "code"))
			a, inv := readOne(t, z, Options{})
			if a.Kind != KindFunction {
				t.Errorf("zip kind %q, want function", a.Kind)
			}
			check(a, inv, c.member)

			dir := writeTree(t, file(c.member, data))
			a, inv = readOne(t, dir, Options{})
			if a.Kind != KindDirectory {
				t.Errorf("folder kind %q, want directory", a.Kind)
			}
			check(a, inv, c.member)

			if c.single {
				p := writeFile(t, filepath.Base(c.member), data)
				a, inv = readOne(t, p, Options{})
				if a.Kind != KindLockfile {
					t.Errorf("single file kind %q, want lockfile", a.Kind)
				}
				check(a, inv, filepath.Base(c.member))
			}
		})
	}
}

// TestPyPINamesPEP503 merges a requirements pin with the installed
// distribution whatever the spelling: one package, named as METADATA spells
// it, with both locations.
func TestPyPINamesPEP503(t *testing.T) {
	meta := "python/lib/python3.12/site-packages/pyOpenSSL-26.0.0.dist-info/METADATA"
	z := writeZip(t, "layer.zip",
		file(meta, td(t, "python/pyOpenSSL.METADATA")),
		file("python/requirements.txt", td(t, "python/requirements.txt")))
	a, _ := readOne(t, z, Options{})
	wantPkgs(t, a, "PyPI charset_normalizer 3.3.2", "PyPI pyOpenSSL 26.0.0", "PyPI requests 2.31.0")
	p := pkg(t, a, "PyPI", "pyOpenSSL", "26.0.0")
	if want := []string{meta, "python/requirements.txt"}; !slices.Equal(p.Locations, want) {
		t.Errorf("locations %q, want %q", p.Locations, want)
	}
	if p.PURL != "pkg:pypi/pyopenssl@26.0.0" {
		t.Errorf("purl %q", p.PURL)
	}
	if a.Kind != KindLayer || a.Runtime != "python" {
		t.Errorf("kind %q runtime %q, want layer python", a.Kind, a.Runtime)
	}
}

// nodeTree is the real node_modules npm 11 installed for
// testdata/npm/installed/package.json, plus what packages ship in their own
// folders that must not count: a test fixture's package.json, an example's,
// and a lockfile inside a package.
func nodeTree(t testing.TB, prefix string, withRootManifest bool) []zent {
	t.Helper()
	var ents []zent
	root := filepath.Join("testdata", "npm", "installed")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "package.json" && !withRootManifest {
			return nil
		}
		data, err := os.ReadFile(p)
		ents = append(ents, file(prefix+rel, data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return append(ents,
		text(prefix+"node_modules/debug/test/fixtures/package.json", `{"name":"fixture-only","version":"9.9.9"}`),
		text(prefix+"node_modules/debug/examples/x/package.json", `{"name":"example-only","version":"9.9.8"}`),
		text(prefix+"node_modules/debug/package-lock.json",
			`{"lockfileVersion":3,"packages":{"":{},"node_modules/dev-only":{"version":"6.6.6"}}}`),
		text(prefix+"node_modules/is-number/yarn.lock", "dev-only@^1.0.0:\n  version \"6.6.6\"\n"),
	)
}

var nodeTreePkgs = []string{
	"npm @tootallnate/once 2.0.0", "npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3",
}

// TestNodeModulesWithoutLockfile finds installed packages (nested and
// scoped) with no lockfile, skips what packages carry in their own folders,
// takes the root package.json as the application, and resolves edges the
// way Node does: debug's nested ms 2.1.2 wins over the top-level ms 2.1.3.
func TestNodeModulesWithoutLockfile(t *testing.T) {
	z := writeZip(t, "function.zip", append(nodeTree(t, "", true), text("index.js", "exports.handler = async () => 1;\n"))...)
	a, inv := readOne(t, z, Options{})
	wantPkgs(t, a, nodeTreePkgs...)
	if a.Kind != KindFunction || a.Runtime != "nodejs" {
		t.Errorf("kind %q runtime %q", a.Kind, a.Runtime)
	}
	if a.Component == nil || a.Component.Name != "gen-app" || a.Component.Version != "1.0.0" || a.Component.PURL != "pkg:npm/gen-app@1.0.0" {
		t.Fatalf("component %+v, want gen-app 1.0.0", a.Component)
	}
	wantDeps := []string{"pkg:npm/%40tootallnate/once@2.0.0", "pkg:npm/debug@4.3.4", "pkg:npm/is-number@7.0.0", "pkg:npm/ms@2.1.3"}
	if !slices.Equal(a.Component.DependsOn, wantDeps) {
		t.Errorf("component depends on %q, want %q", a.Component.DependsOn, wantDeps)
	}
	if d := pkg(t, a, "npm", "debug", "4.3.4").DependsOn; !slices.Equal(d, []string{"pkg:npm/ms@2.1.2"}) {
		t.Errorf("debug depends on %q, want the nested ms 2.1.2", d)
	}
	if l := pkg(t, a, "npm", "ms", "2.1.2").Locations; !slices.Equal(l, []string{"node_modules/debug/node_modules/ms/package.json"}) {
		t.Errorf("nested ms locations %q", l)
	}
	scoped := pkg(t, a, "npm", "@tootallnate/once", "2.0.0")
	if scoped.PURL != "pkg:npm/%40tootallnate/once@2.0.0" || !slices.Equal(scoped.Licenses, []string{"MIT"}) {
		t.Errorf("scoped package purl %q licenses %q", scoped.PURL, scoped.Licenses)
	}
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings: %+v", inv.Warnings)
	}
}

// TestLockfilePlusInstalled: a package named by the lockfile and installed in
// node_modules is one Package with both locations.
func TestLockfilePlusInstalled(t *testing.T) {
	ents := append(nodeTree(t, "", true), file("package-lock.json", td(t, "npm/package-lock.v3.json")), text("index.js", "x"))
	a, _ := readOne(t, writeZip(t, "f.zip", ents...), Options{})
	wantPkgs(t, a, nodeTreePkgs...)
	for _, c := range []struct{ name, version, installed string }{
		{"debug", "4.3.4", "node_modules/debug/package.json"},
		{"ms", "2.1.2", "node_modules/debug/node_modules/ms/package.json"},
		{"ms", "2.1.3", "node_modules/ms/package.json"},
		{"is-number", "7.0.0", "node_modules/is-number/package.json"},
	} {
		p := pkg(t, a, "npm", c.name, c.version)
		if want := []string{c.installed, "package-lock.json"}; !slices.Equal(p.Locations, want) {
			t.Errorf("%s@%s locations %q, want %q", c.name, c.version, p.Locations, want)
		}
	}
	// @tootallnate/once is installed but not in this (older) lockfile.
	if l := pkg(t, a, "npm", "@tootallnate/once", "2.0.0").Locations; !slices.Equal(l, []string{"node_modules/@tootallnate/once/package.json"}) {
		t.Errorf("once locations %q", l)
	}
}

// TestLockfileEdges: with no node_modules shipped, package-lock v2/v3 give
// the edges, resolved by the same nesting rule.
func TestLockfileEdges(t *testing.T) {
	for _, v := range []string{"v2", "v3"} {
		t.Run(v, func(t *testing.T) {
			a, _ := readOne(t, writeZip(t, "f.zip",
				file("package-lock.json", td(t, "npm/package-lock."+v+".json")),
				file("package.json", td(t, "npm/package.json")), text("index.js", "x")), Options{})
			wantPkgs(t, a, "npm debug 4.3.4", "npm is-number 7.0.0", "npm ms 2.1.2", "npm ms 2.1.3")
			if d := pkg(t, a, "npm", "debug", "4.3.4").DependsOn; !slices.Equal(d, []string{"pkg:npm/ms@2.1.2"}) {
				t.Errorf("debug depends on %q, want [pkg:npm/ms@2.1.2]", d)
			}
			if a.Component == nil || a.Component.Name != "gen-app" {
				t.Fatalf("component %+v", a.Component)
			}
			want := []string{"pkg:npm/debug@4.3.4", "pkg:npm/is-number@7.0.0", "pkg:npm/ms@2.1.3"}
			if !slices.Equal(a.Component.DependsOn, want) {
				t.Errorf("component depends on %q, want %q", a.Component.DependsOn, want)
			}
		})
	}
}

// TestCategories attaches curated categories to installed packages.
func TestCategories(t *testing.T) {
	a, _ := readOne(t, writeZip(t, "f.zip",
		text("node_modules/sequelize/package.json", `{"name":"sequelize","version":"6.35.2","dependencies":{"pg":"^8"}}`),
		text("node_modules/pg/package.json", `{"name":"pg","version":"8.11.3"}`),
		text("node_modules/ms/package.json", `{"name":"ms","version":"2.1.3"}`),
		text("index.js", "x")), Options{})
	wantPkgs(t, a, "npm ms 2.1.3", "npm pg 8.11.3", "npm sequelize 6.35.2")
	for _, c := range []struct{ name, version, cat string }{{"sequelize", "6.35.2", "orm"}, {"pg", "8.11.3", "db-driver"}} {
		if p := pkg(t, a, "npm", c.name, c.version); !slices.Contains(p.Categories, c.cat) {
			t.Errorf("%s categories %q, want %s", c.name, p.Categories, c.cat)
		}
	}
	if c := pkg(t, a, "npm", "ms", "2.1.3").Categories; len(c) != 0 {
		t.Errorf("ms categories %q, want none", c)
	}
	if d := pkg(t, a, "npm", "sequelize", "6.35.2").DependsOn; !slices.Equal(d, []string{"pkg:npm/pg@8.11.3"}) {
		t.Errorf("sequelize depends on %q", d)
	}
}

// TestNuGetDepsJSONProjectIsNotAPackage: a .deps.json lists the application
// itself as a library of "type": "project"; it is the artifact, not one of
// its dependencies.
func TestNuGetDepsJSONProjectIsNotAPackage(t *testing.T) {
	z := writeZip(t, "function.zip",
		file("TestLibrary.deps.json", td(t, "dotnet/TestLibrary.deps.json")),
		text("TestLibrary.runtimeconfig.json", `{"runtimeOptions":{"tfm":"net6.0"}}`),
		file("TestLibrary.dll", []byte("MZ not really")))
	a, _ := readOne(t, z, Options{})
	if a.Runtime != "dotnet" {
		t.Errorf("runtime %q, want dotnet", a.Runtime)
	}
	wantPkgs(t, a, "NuGet AWSSDK.Core 3.7.10.6", "NuGet Microsoft.Extensions.DependencyInjection 6.0.0")
	if a.Component == nil || a.Component.Name != "TestLibrary" || a.Component.Version != "1.0.0" {
		t.Errorf("component %+v, want TestLibrary 1.0.0", a.Component)
	}
}

// A requirements.txt range names no release: pip installs the newest one
// it allows. scalibr reads ">=2.0" (and "<=2.0") as version 2.0, which
// matched advisories of a release nobody installs; only "==" and "==="
// pins are versions, the rest are listed as unchecked with their range.
func TestRequirementRangesAreNotPins(t *testing.T) {
	req := "requests>=2.0\nurllib3~=1.26.0\nwerkzeug<=2.0\nflask==2.0.1\nJinja2===3.0.0\nclick==8.*\npytest\n"
	z := writeZip(t, "fn.zip", file("requirements.txt", []byte(req)))
	a, _ := readOne(t, z, Options{})
	want := map[string][2]string{
		"requests": {"", "no version pinned (>=2.0)"},
		"urllib3":  {"", "no version pinned (~=1.26.0)"},
		"werkzeug": {"", "no version pinned (<=2.0)"},
		"flask":    {"2.0.1", ""},
		"Jinja2":   {"3.0.0", ""},
		"click":    {"", "no version pinned"},
		"pytest":   {"", "no version pinned"},
	}
	for _, p := range a.Packages {
		w, ok := want[p.Name]
		if !ok {
			t.Errorf("unexpected %s %s", p.Name, p.Version)
			continue
		}
		delete(want, p.Name)
		if p.Version != w[0] || p.VersionError != w[1] {
			t.Errorf("%s: version %q (%q), want %q (%q)", p.Name, p.Version, p.VersionError, w[0], w[1])
		}
	}
	for name := range want {
		t.Errorf("%s missing", name)
	}
}
