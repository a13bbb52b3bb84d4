package lockfiles

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// Manifests of jars that carry no pom.properties. Spring Framework 4.x is
// built with Gradle: its jars' manifests name title and version, no vendor
// id, no symbolic name. Freemarker 2.3's Ant/bnd build writes an OSGi
// symbolic name of groupId.artifactId. Derby's Bundle-Version is an OSGi
// rendering (10.14.2000000.???, the build's revision unknown) that is not
// the Maven version. The log4j 1.2.17 manifest is that of the report's jar,
// whose symbolic name is its Java package.
const (
	springBeansMF = "Manifest-Version: 1.0\r\nImplementation-Title: spring-beans\r\nImplementation-Version: 4.3.30.RELEASE\r\nCreated-By: 1.8.0_271 (Oracle Corporation)\r\n\r\n"
	log4jMF       = "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-Name: Apache Log4j\r\nBundle-SymbolicName: org.apache.log4j\r\nBundle-Version: 1.2.17\r\nBundle-Vendor: Apache Software Foundation\r\nImplementation-Title: log4j\r\nImplementation-Version: 1.2.17\r\nImplementation-Vendor: \"Apache Software Foundation\"\r\n\r\n"
	freemarkerMF  = "Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: org.freemarker.freemarker\r\nBundle-Version: 2.3.31.stable\r\nBundle-Name: FreeMarker\r\nBundle-Vendor: freemarker.org\r\nImplementation-Title: FreeMarker\r\nImplementation-Version: 2.3.31\r\nImplementation-Vendor: freemarker.org\r\nSpecification-Version: 2.3.31\r\nAutomatic-Module-Name: freemarker\r\n\r\n"
	derbyMF       = "Manifest-Version: 1.0\r\nBundle-Vendor: Apache Software Foundation\r\nBundle-Name: Apache Derby 10.14\r\nBundle-Version: 10.14.2000000.???\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: derby\r\nSpecification-Title: Apache Derby\r\nSpecification-Version: 10.14\r\nSpecification-Vendor: Apache Software Foundation\r\n\r\n"
)

func manifestJar(t testing.TB, mf string) []byte {
	return buildZip(t, text("META-INF/MANIFEST.MF", mf), file("x/Y.class", []byte("\xca\xfe\xba\xbe")))
}

// knownNames is a MavenNames lookup over a fixed list, as the advisory
// database answers it.
func knownNames(names ...string) func(string) []string {
	return func(a string) []string {
		var out []string
		for _, n := range names {
			if _, art, _ := strings.Cut(n, ":"); strings.EqualFold(art, a) {
				out = append(out, n)
			}
		}
		return out
	}
}

// TestJarsWithoutPomProperties: the jars the report named wrongly or
// dropped, in a Spring fat jar, with and without the names the advisory
// database knows.
func TestJarsWithoutPomProperties(t *testing.T) {
	fat := buildZip(t,
		text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n"),
		stored("BOOT-INF/lib/spring-beans-4.3.30.RELEASE.jar", manifestJar(t, springBeansMF)),
		stored("BOOT-INF/lib/log4j-1.2.17.jar", manifestJar(t, log4jMF)),
		stored("BOOT-INF/lib/freemarker-2.3.31.jar", manifestJar(t, freemarkerMF)),
		stored("BOOT-INF/lib/derby-10.14.2.0.jar", manifestJar(t, derbyMF)),
		file("BOOT-INF/classes/com/example/App.class", []byte("\xca\xfe\xba\xbe")))
	zipPath := writeZip(t, "function.zip", file("app.jar", fat))
	db := knownNames("org.springframework:spring-beans", "log4j:log4j", "org.freemarker:freemarker",
		"org.apache.derby:derby", "org.apache.derby:derbynet")

	type want struct{ name, version, evidence, confidence string }
	check := func(t *testing.T, a *Artifact, wants []want) {
		t.Helper()
		var keys []string
		for _, w := range wants {
			keys = append(keys, "Maven "+w.name+" "+w.version)
		}
		wantPkgs(t, a, keys...)
		for _, w := range wants {
			p := pkg(t, a, "Maven", w.name, w.version)
			if p.Evidence != w.evidence || p.Confidence != w.confidence || p.VersionError != "" {
				t.Errorf("%s: evidence %q confidence %q error %q; want %q %q", w.name, p.Evidence, p.Confidence, p.VersionError, w.evidence, w.confidence)
			}
			if len(p.Locations) != 1 || !strings.HasPrefix(p.Locations[0], "app.jar!/BOOT-INF/lib/") || p.Hashes.Get("SHA-256") == "" {
				t.Errorf("%s: locations %q hashes %v", w.name, p.Locations, p.Hashes)
			}
		}
	}
	t.Run("with advisory names", func(t *testing.T) {
		a, _ := readOne(t, zipPath, Options{MavenNames: db})
		check(t, a, []want{
			{"org.springframework:spring-beans", "4.3.30.RELEASE", "manifest", "medium"},
			{"log4j:log4j", "1.2.17", "manifest", "medium"},
			{"org.freemarker:freemarker", "2.3.31", "manifest", "high"},
			// Version from the file name only (the manifest's is no
			// version), name from the database: listed, low confidence.
			{"org.apache.derby:derby", "10.14.2.0", "file-name", "low"},
		})
	})
	t.Run("evidence only", func(t *testing.T) {
		a, _ := readOne(t, zipPath, Options{})
		check(t, a, []want{
			{"spring-beans:spring-beans", "4.3.30.RELEASE", "manifest", "low"},
			{"org.apache.log4j:log4j", "1.2.17", "manifest", "medium"},
			{"org.freemarker:freemarker", "2.3.31", "manifest", "medium"},
			{"derby:derby", "10.14.2.0", "file-name", "low"},
		})
	})
}

// TestDerbyImplementationVersion: Derby's Implementation-Version carries
// the build revision after the version ("10.14.2.0 - (1828579)"); its
// first word agrees with the file name.
func TestDerbyImplementationVersion(t *testing.T) {
	mf := strings.Replace(derbyMF, "Specification-Title", "Implementation-Version: 10.14.2.0 - (1828579)\r\nImplementation-Vendor-Id: org.apache.derby\r\nSpecification-Title", 1)
	a, _ := readOne(t, writeZip(t, "f.zip", file("lib/derby-10.14.2.0.jar", manifestJar(t, mf)), file("H.class", []byte("\xca\xfe\xba\xbe"))),
		Options{MavenNames: knownNames("org.apache.derby:derby")})
	wantPkgs(t, a, "Maven org.apache.derby:derby 10.14.2.0")
	if p := pkg(t, a, "Maven", "org.apache.derby:derby", "10.14.2.0"); p.Confidence != "high" || p.Evidence != "manifest" {
		t.Errorf("confidence %q evidence %q, want high manifest", p.Confidence, p.Evidence)
	}
}

// TestUnidentifiedJarListed: a library jar with nothing but a file name,
// or a database that knows several groups for its artifactId, is listed
// unchecked and warned about, never dropped.
func TestUnidentifiedJarListed(t *testing.T) {
	empty := manifestJar(t, "Manifest-Version: 1.0\r\n\r\n")
	versionOnly := manifestJar(t, "Manifest-Version: 1.0\r\nImplementation-Version: 2.4\r\n\r\n")
	p := writeZip(t, "f.zip",
		file("lib/report-engine-2.0.jar", empty),
		file("lib/widget-2.4.jar", versionOnly),
		file("lib/commons-io-2.4.jar", versionOnly),
		file("com/example/H.class", []byte("\xca\xfe\xba\xbe")))
	a, inv := readOne(t, p, Options{MavenNames: knownNames("org.a:widget", "org.b:widget",
		"commons-io:commons-io", "org.apache.commons:commons-io")})
	// commons-io was relocated: the legacy name is taken, with low confidence.
	wantPkgs(t, a, "Maven report-engine 2.0", "Maven widget 2.4", "Maven commons-io:commons-io 2.4")
	if p := pkg(t, a, "Maven", "commons-io:commons-io", "2.4"); p.VersionError != "" || p.Confidence != "low" {
		t.Errorf("relocated commons-io: error %q confidence %q", p.VersionError, p.Confidence)
	}
	for _, p := range a.Packages {
		if p.Name != "commons-io:commons-io" && (!strings.HasPrefix(p.VersionError, unidentifiedJar) || p.Confidence != "low") {
			t.Errorf("%s: version error %q confidence %q; want unidentified, low", p.Name, p.VersionError, p.Confidence)
		}
	}
	if e := pkg(t, a, "Maven", "widget", "2.4").VersionError; !strings.Contains(e, "org.a:widget") || !strings.Contains(e, "org.b:widget") {
		t.Errorf("ambiguous jar error %q does not name the candidates", e)
	}
	var warned []string
	for _, w := range inv.Warnings {
		if strings.Contains(w.Message, "not identified") {
			warned = append(warned, w.Location)
		}
	}
	slices.Sort(warned)
	if want := []string{"lib/report-engine-2.0.jar!/META-INF/MANIFEST.MF", "lib/widget-2.4.jar!/META-INF/MANIFEST.MF"}; !slices.Equal(warned, want) {
		t.Errorf("warnings at %q, want %q (all: %v)", warned, want, inv.Warnings)
	}
}

// TestNestedZipRead: a function shipping a Python layer as a zip
// (vendor/md-tools.zip) has its packages inventoried with "!/" locations.
func TestNestedZipRead(t *testing.T) {
	meta := "Metadata-Version: 2.1\nName: Markdown\nVersion: 3.3.4\nLicense: BSD\n"
	tools := buildZip(t,
		text("python/lib/python3.12/site-packages/Markdown-3.3.4.dist-info/METADATA", meta),
		text("python/lib/python3.12/site-packages/markdown/__init__.py", ""))
	p := writeZip(t, "function.zip",
		text("handler.py", "import markdown\n"),
		text("requirements.txt", "requests==2.31.0\n"),
		file("vendor/md-tools.zip", tools))
	a, _ := readOne(t, p, Options{})
	wantPkgs(t, a, "PyPI Markdown 3.3.4", "PyPI requests 2.31.0")
	md := pkg(t, a, "PyPI", "Markdown", "3.3.4")
	if want := "vendor/md-tools.zip!/python/lib/python3.12/site-packages/Markdown-3.3.4.dist-info/METADATA"; !slices.Equal(md.Locations, []string{want}) {
		t.Errorf("locations %q, want %q", md.Locations, want)
	}
	if !a.Complete || a.Runtime != "python" {
		t.Errorf("complete %v runtime %q", a.Complete, a.Runtime)
	}
	// ReadMember follows the chain into the nested zip.
	data, err := ReadMember(p, md.Locations[0], Limits{})
	if err != nil || string(data) != meta {
		t.Errorf("ReadMember = %q, %v", data, err)
	}
	// Same limits as nested jars: depth, hostile members, chain in errors.
	lim := DefaultLimits
	lim.MaxDepth = 1
	deep := writeZip(t, "function.zip", text("handler.py", ""), file("vendor/outer.zip", buildZip(t, file("inner.zip", tools))))
	wantInputError(t, readErr(deep, Options{Limits: lim}), deep, "vendor/outer.zip!/inner.zip", "nesting deeper than 1 archives")
	evil := writeZip(t, "function.zip", text("handler.py", ""), file("vendor/evil.zip", buildZip(t, text("../../etc/cron.d/x", "x"))))
	wantInputError(t, readErr(evil, Options{}), evil, "vendor/evil.zip!/../../etc/cron.d/x", "hostile archive")
	// A folder's nested zips are read and followed by ReadMember too.
	dir := writeTree(t, text("handler.py", ""), file("vendor/md-tools.zip", tools))
	da, _ := readOne(t, dir, Options{})
	wantPkgs(t, da, "PyPI Markdown 3.3.4")
	if data, err := ReadMember(dir, pkg(t, da, "PyPI", "Markdown", "3.3.4").Locations[0], Limits{}); err != nil || string(data) != meta {
		t.Errorf("ReadMember in a folder = %q, %v", data, err)
	}
	// A zip that is package data inside node_modules is not read.
	nm := writeZip(t, "function.zip", text("index.js", ""), text("node_modules/adm-zip/package.json", `{"name":"adm-zip","version":"0.4.7"}`),
		text("node_modules/adm-zip/test/assets/bad.zip", "not a zip"))
	na, _ := readOne(t, nm, Options{})
	wantPkgs(t, na, "npm adm-zip 0.4.7")
}

// TestLayerRolesSwapped: a function zip given with --layer is warned
// about; a layer as PATH with a function as --layer is refused.
func TestLayerRolesSwapped(t *testing.T) {
	fn := writeZip(t, "function.zip", text("index.js", ""), text("node_modules/ms/package.json", `{"name":"ms","version":"2.1.3"}`))
	layer := writeZip(t, "layer.zip", text("nodejs/node_modules/debug/package.json", `{"name":"debug","version":"4.3.4"}`))
	fn2 := writeZip(t, "other-function.zip", text("index.js", ""), text("node_modules/ms/package.json", `{"name":"ms","version":"2.1.2"}`))

	inv, err := Read(context.Background(), []string{fn}, Options{Layers: []string{layer}})
	if err != nil || len(inv.Warnings) != 0 {
		t.Fatalf("function with its layer: %v, warnings %v", err, inv.Warnings)
	}
	inv, err = Read(context.Background(), []string{fn}, Options{Layers: []string{fn2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Warnings) != 1 || inv.Warnings[0].Artifact != fn2 || !strings.Contains(inv.Warnings[0].Message, "laid out as a function") {
		t.Errorf("function zip as --layer: warnings %v", inv.Warnings)
	}
	if inv.Artifacts[1].Kind != KindLayer {
		t.Errorf("kind %q", inv.Artifacts[1].Kind)
	}
	_, err = Read(context.Background(), []string{layer}, Options{Layers: []string{fn}})
	wantInputError(t, err, layer, "look swapped")
}

// TestMixedFolderRuntime: a folder holding a Node service, a Maven module
// and Ruby scripts has no single runtime; a one-runtime folder keeps it.
func TestMixedFolderRuntime(t *testing.T) {
	mixed := writeTree(t,
		file("web/package-lock.json", td(t, "npm/package-lock.v3.json")), text("web/index.js", ""),
		file("svc/pom.xml", td(t, "java/pom.xml")),
		text("tools/Gemfile.lock", "GEM\n  remote: https://rubygems.org/\n  specs:\n    rake (13.0.6)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rake\n"),
		text("tools/release.rb", ""))
	a, _ := readOne(t, mixed, Options{})
	if a.Runtime != "" {
		t.Errorf("mixed folder runtime %q, want \"\"", a.Runtime)
	}
	node := writeTree(t, file("package-lock.json", td(t, "npm/package-lock.v3.json")), text("index.js", ""))
	if a, _ := readOne(t, node, Options{}); a.Runtime != "nodejs" {
		t.Errorf("node folder runtime %q, want nodejs", a.Runtime)
	}
}

// TestLockfileComponent: a lockfile or project manifest given on its own
// names the application it describes.
func TestLockfileComponent(t *testing.T) {
	for _, c := range []struct {
		file            string
		data            []byte
		name, ver, purl string
	}{
		{"package-lock.json", td(t, "npm/package-lock.v3.json"), "gen-app", "1.0.0", "pkg:npm/gen-app@1.0.0"},
		{"package-lock.json", td(t, "npm/package-lock.v1.json"), "gen-app", "1.0.0", "pkg:npm/gen-app@1.0.0"},
		{"pom.xml", []byte(`<project><parent><groupId>com.example</groupId><version>2.1.0</version></parent><artifactId>orders</artifactId>` +
			`<dependencies><dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId><version>1.33</version></dependency></dependencies></project>`),
			"com.example:orders", "2.1.0", "pkg:maven/com.example/orders@2.1.0"},
		{"go.mod", td(t, "go/go.mod"), "", "", ""},
	} {
		a, _ := readOne(t, writeFile(t, c.file, c.data), Options{AllowEmpty: true})
		if c.file == "go.mod" {
			if a.Component == nil || a.Component.Name == "" || a.Component.Version != "" {
				t.Errorf("go.mod component %+v, want the module path", a.Component)
			}
			continue
		}
		if a.Component == nil || a.Component.Name != c.name || a.Component.Version != c.ver || a.Component.PURL != c.purl {
			t.Errorf("%s: component %+v, want %s %s %s", c.file, a.Component, c.name, c.ver, c.purl)
		}
	}
	py := []byte("[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"orders-api\"\nversion = \"0.4.2\"\ndependencies = [\"django==4.2.15\"]\n")
	if n, v := pyprojectName(py); n != "orders-api" || v != "0.4.2" {
		t.Errorf("pyproject = %q %q", n, v)
	}
	poetry := []byte("[tool.poetry]\nname = 'svc'\nversion = '1.2.3'\n[tool.poetry.dependencies]\nname = \"not-me\"\n")
	if n, v := pyprojectName(poetry); n != "svc" || v != "1.2.3" {
		t.Errorf("poetry pyproject = %q %q", n, v)
	}
}
