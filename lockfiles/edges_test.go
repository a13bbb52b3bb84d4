package lockfiles

import (
	"slices"
	"testing"
)

// Each lockfile's recorded graph becomes DependsOn edges between the
// packages the extractors found in it.
func TestLockfileGraphs(t *testing.T) {
	for _, c := range []struct {
		file, testdata string
		from           [3]string // ecosystem, name, version
		to             []string  // purls
	}{
		{"Gemfile.lock", "ruby/Gemfile.lock", [3]string{"RubyGems", "pry", "0.14.1"},
			[]string{"pkg:gem/coderay@1.1.3", "pkg:gem/method_source@1.0.0"}},
		{"Cargo.lock", "rust/Cargo.project.lock", [3]string{"crates.io", "smallvec", "0.6.14"},
			[]string{"pkg:cargo/maybe-uninit@2.0.0"}},
		{"composer.lock", "php/composer.drupal.lock", [3]string{"Packagist", "drupal/tfa", "2.0.0-alpha4"},
			[]string{"pkg:composer/drupal/core@10.4.5"}},
		{"poetry.lock", "python/poetry.v2.lock", [3]string{"PyPI", "factory-boy", "3.3.1"},
			[]string{"pkg:pypi/faker@33.3.0"}},
		{"packages.lock.json", "dotnet/packages.lock.json", [3]string{"NuGet", "Core.Dep", "1.24.0"},
			[]string{"pkg:nuget/Some.Dep.One@1.1.1", "pkg:nuget/Some.Dep.Two@4.6.0"}},
		{"App.deps.json", "dotnet/TestLibrary.deps.json", [3]string{"NuGet", "Microsoft.Extensions.DependencyInjection", "6.0.0"}, nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			a, _ := readOne(t, writeZip(t, "f.zip", file(c.file, td(t, c.testdata))), Options{})
			p := pkg(t, a, c.from[0], c.from[1], c.from[2])
			if p == nil {
				return
			}
			for _, want := range c.to {
				if !slices.Contains(p.DependsOn, want) {
					t.Errorf("%s@%s depends on %v, want %s among them (packages %v)", p.Name, p.Version, p.DependsOn, want, pkgKeys(a))
				}
			}
		})
	}
}

func TestEdgeParsersOnHostileInput(t *testing.T) {
	for name, ep := range edgeParsers {
		for _, in := range []string{"", "[[package]]\ndependencies = [\n", "    a (1)\n      b\n", "{\"packages\": 5}", "\x00\xff"} {
			for _, e := range ep.parse([]byte(in)) {
				if e.from == "" || e.to == "" {
					t.Errorf("%s: edge with an empty end from %q: %+v", name, in, e)
				}
			}
		}
	}
}

// A Cargo workspace's own crate (no source) is the application: the
// component, with its edges, and never a crates.io package to match.
func TestCargoLocalCrateIsComponent(t *testing.T) {
	a, _ := readOne(t, writeZip(t, "f.zip", file("Cargo.lock", td(t, "rust/Cargo.project.lock"))), Options{})
	wantPkgs(t, a, "crates.io maybe-uninit 2.0.0", "crates.io smallvec 0.6.14")
	c := a.Component
	if c == nil || c.Name != "real-vuln-rust-project" || c.Version != "0.1.0" || !slices.Equal(c.DependsOn, []string{"pkg:cargo/smallvec@0.6.14"}) {
		t.Errorf("component %+v, want real-vuln-rust-project 0.1.0 depending on smallvec", c)
	}
}

// In a workspace the application is the local crate no other one depends
// on, not the first alphabetically (ripgrep's SBOM was named globset).
func TestCargoWorkspaceRootIsComponent(t *testing.T) {
	lock := `version = 3

[[package]]
name = "globset"
version = "0.4.20"
dependencies = ["memchr"]

[[package]]
name = "memchr"
version = "2.7.4"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "ripgrep"
version = "15.2.0"
dependencies = ["globset", "memchr"]
`
	a, _ := readOne(t, writeZip(t, "f.zip", file("Cargo.lock", []byte(lock))), Options{})
	wantPkgs(t, a, "crates.io memchr 2.7.4")
	if c := a.Component; c == nil || c.Name != "ripgrep" || c.Version != "15.2.0" {
		t.Errorf("component %+v, want ripgrep 15.2.0", c)
	}
}

// FuzzLockEdges: the graph readers never panic and never make an edge with
// an empty end, whatever the lockfile holds.
func FuzzLockEdges(f *testing.F) {
	for _, p := range []string{"ruby/Gemfile.lock", "rust/Cargo.project.lock", "php/composer.drupal.lock", "python/poetry.v2.lock",
		"python/uv.lock", "dotnet/packages.lock.json", "dotnet/TestLibrary.deps.json"} {
		f.Add(td(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parsers := map[string]func([]byte) []edge{"deps.json": depsJSONEdges}
		for name, ep := range edgeParsers {
			parsers[name] = ep.parse
		}
		for name, parse := range parsers {
			for _, e := range parse(data) {
				if e.from == "" || e.to == "" {
					t.Fatalf("%s: edge with an empty end: %+v", name, e)
				}
			}
		}
		for _, l := range cargoLocalCrates(data) {
			if l.from == "" {
				t.Fatal("local crate without a name")
			}
		}
	})
}

// A .deps.json's project entry gives the application's own edges; uv.lock's
// virtual root does the same for the packages it lists.
func TestDotnetAndUVEdges(t *testing.T) {
	a, _ := readOne(t, writeZip(t, "f.zip", file("TestLibrary.deps.json", td(t, "dotnet/TestLibrary.deps.json")),
		file("TestLibrary.dll", []byte("MZ not really"))), Options{})
	if a.Component == nil || !slices.Contains(a.Component.DependsOn, "pkg:nuget/Microsoft.Extensions.DependencyInjection@6.0.0") {
		t.Errorf("component %+v should depend on Microsoft.Extensions.DependencyInjection 6.0.0", a.Component)
	}
	edges := uvLockEdges(td(t, "python/uv.lock"))
	if !slices.Contains(edges, edge{from: "uv-lockfiles", fromVersion: "0.1.0", to: "emoji"}) {
		t.Errorf("uv.lock edges %+v lack uv-lockfiles -> emoji", edges)
	}
}
