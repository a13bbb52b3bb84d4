package lockfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// postgresJar is a jar as Maven builds it: pom.properties under
// META-INF/maven/<group>/<artifact>/, a manifest, classes.
func postgresJar(t testing.TB) []byte {
	return buildZip(t,
		text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: Maven JAR Plugin 3.3.0\r\n\r\n"),
		file("META-INF/maven/org.postgresql/postgresql/pom.properties", td(t, "java/postgresql.pom.properties")),
		file("org/postgresql/Driver.class", []byte("\xca\xfe\xba\xbe")))
}

// ivyJar has no pom.properties: Apache Ivy 2.4.0's real manifest is the only
// evidence (Ant-built jars look like this).
func ivyJar(t testing.TB) []byte {
	return buildZip(t,
		file("META-INF/MANIFEST.MF", td(t, "java/ivy.MANIFEST.MF")),
		file("org/apache/ivy/Main.class", []byte("\xca\xfe\xba\xbe")))
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestMavenJars: a jar with pom.properties, a manifest-only jar, and both
// nested in a Spring Boot fat jar's BOOT-INF/lib; locations chain with "!/"
// and the hash is the innermost jar's.
func TestMavenJars(t *testing.T) {
	pg, ivy := postgresJar(t), ivyJar(t)
	t.Run("lib", func(t *testing.T) {
		a, inv := readOne(t, writeZip(t, "f.zip",
			file("lib/postgresql-42.7.3.jar", pg), file("lib/ivy-2.4.0.jar", ivy),
			file("com/example/Handler.class", []byte("\xca\xfe\xba\xbe"))), Options{})
		wantPkgs(t, a, "Maven org.apache.ivy:ivy 2.4.0", "Maven org.postgresql:postgresql 42.7.3")
		p := pkg(t, a, "Maven", "org.postgresql:postgresql", "42.7.3")
		if want := []string{"lib/postgresql-42.7.3.jar!/META-INF/maven/org.postgresql/postgresql/pom.properties"}; !slices.Equal(p.Locations, want) {
			t.Errorf("locations %q, want %q", p.Locations, want)
		}
		if p.Hashes.Get("SHA-256") != sha(pg) {
			t.Errorf("hash %q, want the jar's %s", p.Hashes.Get("SHA-256"), sha(pg))
		}
		if !slices.Contains(p.Categories, "db-driver") || p.PURL != "pkg:maven/org.postgresql/postgresql@42.7.3" {
			t.Errorf("categories %q purl %q", p.Categories, p.PURL)
		}
		if l := pkg(t, a, "Maven", "org.apache.ivy:ivy", "2.4.0").Locations; !slices.Equal(l, []string{"lib/ivy-2.4.0.jar!/META-INF/MANIFEST.MF"}) {
			t.Errorf("ivy locations %q", l)
		}
		if a.Kind != KindFunction || a.Runtime != "java" || len(inv.Warnings) != 0 {
			t.Errorf("kind %q runtime %q warnings %v", a.Kind, a.Runtime, inv.Warnings)
		}
	})
	t.Run("BOOT-INF/lib", func(t *testing.T) {
		fat := buildZip(t,
			text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n"),
			stored("BOOT-INF/lib/postgresql-42.7.3.jar", pg), stored("BOOT-INF/lib/ivy-2.4.0.jar", ivy),
			file("BOOT-INF/classes/com/example/App.class", []byte("\xca\xfe\xba\xbe")))
		a, _ := readOne(t, writeZip(t, "f.zip", file("app.jar", fat)), Options{})
		wantPkgs(t, a, "Maven org.apache.ivy:ivy 2.4.0", "Maven org.postgresql:postgresql 42.7.3")
		p := pkg(t, a, "Maven", "org.postgresql:postgresql", "42.7.3")
		if want := []string{"app.jar!/BOOT-INF/lib/postgresql-42.7.3.jar!/META-INF/maven/org.postgresql/postgresql/pom.properties"}; !slices.Equal(p.Locations, want) {
			t.Errorf("locations %q, want %q", p.Locations, want)
		}
		if p.Hashes.Get("SHA-256") != sha(pg) {
			t.Errorf("hash %q, want the inner jar's", p.Hashes.Get("SHA-256"))
		}
		if l := pkg(t, a, "Maven", "org.apache.ivy:ivy", "2.4.0").Locations; !slices.Equal(l, []string{"app.jar!/BOOT-INF/lib/ivy-2.4.0.jar!/META-INF/MANIFEST.MF"}) {
			t.Errorf("ivy locations %q", l)
		}
		// ReadMember follows the same chain.
		got, err := ReadMember(a.Path, "app.jar!/BOOT-INF/lib/postgresql-42.7.3.jar!/META-INF/maven/org.postgresql/postgresql/pom.properties", Limits{})
		if err != nil || string(got) != string(td(t, "java/postgresql.pom.properties")) {
			t.Errorf("ReadMember: %q, %v", got, err)
		}
	})
	t.Run("jar given directly", func(t *testing.T) {
		p := writeFile(t, "postgresql-42.7.3.jar", pg)
		a, _ := readOne(t, p, Options{})
		wantPkgs(t, a, "Maven org.postgresql:postgresql 42.7.3")
		if a.Kind != KindFunction {
			t.Errorf("kind %q, want function (a jar is code)", a.Kind)
		}
	})
}

var (
	goBinOnce sync.Once
	goBin     []byte
	goBinErr  error
)

// helloGoBinary builds a tiny real Go program that imports golang.org/x/mod
// (in the module cache already, as this module requires it) without the
// network.
func helloGoBinary(t *testing.T) []byte {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	goBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fnguard-gobin")
		if err != nil {
			goBinErr = err
			return
		}
		defer os.RemoveAll(dir)
		src := map[string]string{
			"go.mod": "module example.com/hello\n\ngo 1.22\n\nrequire golang.org/x/mod v0.42.0\n",
			"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/mod/semver\"\n)\n\n" +
				"func main() { fmt.Println(semver.IsValid(\"v1.0.0\")) }\n",
		}
		for n, s := range src {
			if goBinErr = os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); goBinErr != nil {
				return
			}
		}
		cmd := exec.Command(gobin, "build", "-o", "hello", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			goBinErr = &buildError{string(out), err}
			return
		}
		goBin, goBinErr = os.ReadFile(filepath.Join(dir, "hello"))
	})
	if goBinErr != nil {
		t.Skipf("cannot build the test Go binary offline: %v", goBinErr)
	}
	return goBin
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// TestGoBinary reads the build info of a real Go executable: the stdlib at
// the toolchain's version and module versions with their "v"; the main
// module is the artifact's component, not a package.
func TestGoBinary(t *testing.T) {
	bin := helloGoBinary(t)
	stdlib := "Go stdlib " + strings.TrimPrefix(runtime.Version(), "go")
	for _, c := range []struct{ name, member, kind string }{
		{"function bootstrap", "bootstrap", KindFunction},
		{"layer bin", "bin/hello", KindLayer},
		// Zipped on Windows: no mode bits, the name alone says executable.
		{"bootstrap without x bit", "bootstrap", KindFunction},
	} {
		t.Run(c.name, func(t *testing.T) {
			ent := exe(c.member, bin)
			if strings.Contains(c.name, "without x bit") {
				ent = file(c.member, bin)
			}
			a, inv := readOne(t, writeZip(t, "x.zip", ent), Options{})
			wantPkgs(t, a, "Go golang.org/x/mod v0.42.0", stdlib)
			if a.Kind != c.kind || a.Runtime != "go" {
				t.Errorf("kind %q runtime %q, want %s go", a.Kind, a.Runtime, c.kind)
			}
			if a.Component == nil || a.Component.Name != "example.com/hello" {
				t.Errorf("component %+v, want example.com/hello", a.Component)
			}
			for _, p := range a.Packages {
				if !slices.Equal(p.Locations, []string{c.member}) || p.VersionError != "" {
					t.Errorf("%s: locations %q version error %q", p.Name, p.Locations, p.VersionError)
				}
			}
			if len(inv.Warnings) != 0 {
				t.Errorf("warnings %v", inv.Warnings)
			}
		})
	}
	t.Run("binary given directly", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "hello")
		if err := os.WriteFile(p, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		a, _ := readOne(t, p, Options{})
		wantPkgs(t, a, "Go golang.org/x/mod v0.42.0", stdlib)
		if a.Kind != KindFunction || a.Runtime != "go" {
			t.Errorf("kind %q runtime %q, want function go", a.Kind, a.Runtime)
		}
	})
	// A binary downloaded from S3 or copied off Windows has lost its mode
	// bits; given directly, its ELF header says what it is.
	t.Run("binary given directly without x bit", func(t *testing.T) {
		p := writeFile(t, "hello", bin)
		a, _ := readOne(t, p, Options{})
		wantPkgs(t, a, "Go golang.org/x/mod v0.42.0", stdlib)
	})
}

// TestLayerLayouts: every Lambda layer root is searched, a zip whose members
// all sit under layer roots is a layer, and the runtime is named.
func TestLayerLayouts(t *testing.T) {
	pg := postgresJar(t)
	cases := []struct {
		name    string
		ents    []zent
		kind    string
		runtime string
		want    []string
	}{
		{"nodejs/node_modules", nodeTree(t, "nodejs/", false), KindLayer, "nodejs", nodeTreePkgs},
		{"nodejs/node20/node_modules", nodeTree(t, "nodejs/node20/", false), KindLayer, "nodejs", nodeTreePkgs},
		{"python/", []zent{
			file("python/pip-22.2.2.dist-info/METADATA", td(t, "python/pip.METADATA")),
			text("python/pip/__init__.py", ""),
		}, KindLayer, "python", []string{"PyPI pip 22.2.2"}},
		{"python/lib/python3.12/site-packages", []zent{
			file("python/lib/python3.12/site-packages/pyOpenSSL-26.0.0.dist-info/METADATA", td(t, "python/pyOpenSSL.METADATA")),
			file("python/lib/python3.12/site-packages/setuptools-57.4.0.egg-info/PKG-INFO", td(t, "python/setuptools.PKG-INFO")),
		}, KindLayer, "python", []string{"PyPI pyOpenSSL 26.0.0", "PyPI setuptools 57.4.0"}},
		{"java/lib", []zent{file("java/lib/postgresql-42.7.3.jar", pg)}, KindLayer, "java",
			[]string{"Maven org.postgresql:postgresql 42.7.3"}},
		{"ruby/gems/3.3.0", []zent{
			file("ruby/gems/3.3.0/specifications/rss-0.2.9.gemspec", td(t, "ruby/rss-0.2.9.gemspec")),
			text("ruby/gems/3.3.0/gems/rss-0.2.9/lib/rss.rb", "module RSS; end\n"),
		}, KindLayer, "ruby", []string{"RubyGems rss 0.2.9"}},
		// Functions: something outside the layer roots.
		{"node function", append(nodeTree(t, "", true), text("index.mjs", "export const handler = async () => 1;\n")),
			KindFunction, "nodejs", nodeTreePkgs},
		{"python function", []zent{
			text("lambda_function.py", "def handler(e, c): return 1\n"),
			file("pip-22.2.2.dist-info/METADATA", td(t, "python/pip.METADATA")),
			text("pip/__init__.py", ""),
		}, KindFunction, "python", []string{"PyPI pip 22.2.2"}},
		{"ruby function", []zent{
			text("lambda_function.rb", "def handler(event:, context:) 1 end\n"),
			file("vendor/bundle/ruby/3.2.0/specifications/yaml-0.2.1.gemspec", td(t, "ruby/yaml-0.2.1.gemspec")),
			file("Gemfile.lock", td(t, "ruby/Gemfile.lock")),
		}, KindFunction, "ruby", []string{"RubyGems coderay 1.1.3", "RubyGems method_source 1.0.0", "RubyGems pry 0.14.1", "RubyGems yaml 0.2.1"}},
		{"java function", []zent{file("lib/postgresql-42.7.3.jar", pg), file("com/example/Handler.class", []byte("\xca\xfe\xba\xbe"))},
			KindFunction, "java", []string{"Maven org.postgresql:postgresql 42.7.3"}},
		{"dotnet function", []zent{
			file("App.dll", []byte("MZ")), file("packages.lock.json", td(t, "dotnet/packages.lock.json")),
			text("App.runtimeconfig.json", `{"runtimeOptions":{"tfm":"net8.0"}}`),
		}, KindFunction, "dotnet", []string{
			"NuGet Another.Longer.Name.Dep 4.5.4", "NuGet Core.Dep 1.24.0", "NuGet Some.Dep.Five 4.7.2",
			"NuGet Some.Dep.Four 4.5.0", "NuGet Some.Dep.One 1.1.1", "NuGet Some.Dep.Three 1.0.2",
			"NuGet Some.Dep.Two 4.6.0", "NuGet Some.Longer.Name.Dep 4.7.2"}},
		// A layer root plus a file at the top is a function.
		{"layer root plus handler", append(nodeTree(t, "nodejs/", false), text("index.js", "x")), KindFunction, "nodejs", nodeTreePkgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, inv := readOne(t, writeZip(t, "x.zip", c.ents...), Options{})
			wantPkgs(t, a, c.want...)
			if a.Kind != c.kind || a.Runtime != c.runtime {
				t.Errorf("kind %q runtime %q, want %s %s", a.Kind, a.Runtime, c.kind, c.runtime)
			}
			if len(inv.Warnings) != 0 {
				t.Errorf("warnings %v", inv.Warnings)
			}
		})
	}
	// Nested node_modules inside a layer resolve like at the top.
	t.Run("layer edges", func(t *testing.T) {
		a, _ := readOne(t, writeZip(t, "x.zip", nodeTree(t, "nodejs/node20/", false)...), Options{})
		if d := pkg(t, a, "npm", "debug", "4.3.4").DependsOn; !slices.Equal(d, []string{"pkg:npm/ms@2.1.2"}) {
			t.Errorf("debug depends on %q", d)
		}
	})
	t.Run("layer component", func(t *testing.T) {
		a, _ := readOne(t, writeZip(t, "x.zip", nodeTree(t, "nodejs/", true)...), Options{})
		wantPkgs(t, a, nodeTreePkgs...)
		if a.Component == nil || a.Component.Name != "gen-app" || len(a.Component.DependsOn) != 4 {
			t.Errorf("component %+v, want gen-app with its 4 dependencies", a.Component)
		}
	})
}

// TestOptionsLayers: --layer attaches layers to one function, as layers.
func TestOptionsLayers(t *testing.T) {
	fn := writeZip(t, "fn.zip", file("package-lock.json", td(t, "npm/npm-shrinkwrap.json")), text("index.js", "x"))
	// This layer's top folder is not a layer root: --layer still makes it one.
	l1 := writeZip(t, "l1.zip", file("deps/requirements.txt", td(t, "python/requirements.txt")))
	l2 := writeZip(t, "l2.zip", file("python/pip-22.2.2.dist-info/METADATA", td(t, "python/pip.METADATA")))
	inv, err := Read(context.Background(), []string{fn}, Options{Layers: []string{l1, l2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Artifacts) != 3 {
		t.Fatalf("%d artifacts, want 3", len(inv.Artifacts))
	}
	f, a1, a2 := inv.Artifacts[0], inv.Artifacts[1], inv.Artifacts[2]
	if f.Path != fn || f.Kind != KindFunction || f.Parent != "" {
		t.Errorf("function %s kind %q parent %q", f.Path, f.Kind, f.Parent)
	}
	wantPkgs(t, f, "npm pg-connection-string 2.6.2")
	for _, c := range []struct {
		a    *Artifact
		path string
		want []string
	}{
		{a1, l1, []string{"PyPI charset_normalizer 3.3.2", "PyPI pyopenssl 26.0.0", "PyPI requests 2.31.0"}},
		{a2, l2, []string{"PyPI pip 22.2.2"}},
	} {
		if c.a.Path != c.path || c.a.Kind != KindLayer || c.a.Parent != fn {
			t.Errorf("layer %s kind %q parent %q, want %s layer parent %s", c.a.Path, c.a.Kind, c.a.Parent, c.path, fn)
		}
		wantPkgs(t, c.a, c.want...)
		for _, p := range c.a.Packages {
			if p.Artifact != c.path {
				t.Errorf("%s: artifact %q, want %q", p.Name, p.Artifact, c.path)
			}
		}
	}
	// A layer must be a zip; layers need exactly one function.
	lock := writeFile(t, "package-lock.json", td(t, "npm/package-lock.v3.json"))
	wantInputError(t, readErrLayers(fn, lock), lock, "a layer must be a zip file")
	if _, err := Read(context.Background(), []string{fn, fn}, Options{Layers: []string{l1}}); err == nil {
		t.Error("two functions with --layer: no error")
	}
}

func readErrLayers(fn string, layers ...string) error {
	_, err := Read(context.Background(), []string{fn}, Options{Layers: layers})
	return err
}

// TestAllowEmpty: code with no packages is an error unless allowed.
func TestAllowEmpty(t *testing.T) {
	z := writeZip(t, "f.zip", text("index.js", "exports.handler = async () => 1;\n"), text("lib/util.js", "x"))
	wantInputError(t, readErr(z, Options{}), z, "contains 2 files but no packages were found", "--allow-empty")
	a, _ := readOne(t, z, Options{AllowEmpty: true})
	if len(a.Packages) != 0 || a.Kind != KindFunction || a.Runtime != "nodejs" {
		t.Errorf("allowed empty: %d packages kind %q runtime %q", len(a.Packages), a.Kind, a.Runtime)
	}
	// A folder with no files at all is empty, not "no packages".
	dir := t.TempDir()
	wantInputError(t, readErr(dir, Options{}), dir, "empty: nothing to scan")
}

// TestInputKinds: a lockfile given directly, a .zip that is not a zip, a
// path that does not exist.
func TestInputKinds(t *testing.T) {
	p := writeFile(t, "yarn.lock", td(t, "npm/yarn.berry.lock"))
	a, _ := readOne(t, p, Options{})
	if a.Kind != KindLockfile || a.Path != p {
		t.Errorf("kind %q path %q", a.Kind, a.Path)
	}
	wantPkgs(t, a, "npm compare-func 2.0.0", "npm concat-map 0.0.1")

	nz := writeFile(t, "function.zip", []byte("this is not a zip\n"))
	wantInputError(t, readErr(nz, Options{}), nz, "not a zip file")
	// Upper-case extension too.
	nz2 := writeFile(t, "FUNCTION.ZIP", []byte("{}"))
	wantInputError(t, readErr(nz2, Options{}), nz2, "not a zip file")

	missing := filepath.Join(t.TempDir(), "nope.zip")
	wantInputError(t, readErr(missing, Options{}), missing, "cannot read")
}

// TestFolderSkipsGit: a folder walk never enters .git, neither for
// packages nor against the entry budget.
func TestFolderSkipsGit(t *testing.T) {
	ents := []zent{
		file("package-lock.json", td(t, "npm/npm-shrinkwrap.json")),
		text(".git/x/node_modules/evil/package.json", `{"name":"evil","version":"6.6.6"}`),
	}
	for i := 0; i < 30; i++ {
		ents = append(ents, text(".git/objects/"+string(rune('a'+i%26))+strings.Repeat("0", i/26+1), "blob"))
	}
	dir := writeTree(t, ents...)
	a, _ := readOne(t, dir, Options{Limits: Limits{MaxEntries: 10, MaxTotalBytes: 1 << 20, MaxEntryBytes: 1 << 20, MaxRatio: 250, RatioFloor: 1 << 20, MaxDepth: 2}})
	wantPkgs(t, a, "npm pg-connection-string 2.6.2")
	if a.Kind != KindDirectory {
		t.Errorf("kind %q", a.Kind)
	}
}

// TestJavaFunctionAllJarsInLib: AWS's documented Gradle buildZip task puts
// the function's own jar and its runtime classpath under lib/ and nothing
// else. /opt/lib is where layers put native libraries; a layer's jars go in
// java/lib. A zip of only lib/*.jar is a function.
func TestJavaFunctionAllJarsInLib(t *testing.T) {
	app := buildZip(t, text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"), file("com/example/Handler.class", []byte("\xca\xfe\xba\xbe")))
	a, _ := readOne(t, writeZip(t, "function.zip", file("lib/app.jar", app), file("lib/postgresql-42.7.3.jar", postgresJar(t))), Options{})
	wantPkgs(t, a, "Maven org.postgresql:postgresql 42.7.3")
	if a.Runtime != "java" {
		t.Errorf("runtime %q, want java", a.Runtime)
	}
	// A real native-library layer stays a layer.
	l, _ := readOne(t, writeZip(t, "layer.zip", file("lib/libpq.so.5", []byte("\x7fELF")), file("java/lib/postgresql-42.7.3.jar", postgresJar(t))), Options{})
	if l.Kind != KindLayer {
		t.Errorf("native + java/lib layer kind %q", l.Kind)
	}
	if a.Kind != KindFunction {
		t.Errorf("kind %q, want function", a.Kind)
	}
}
