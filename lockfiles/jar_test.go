package lockfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
)

// Real jar file names: Maven Central's, the fixtures', and scalibr's own
// test cases, which parseJarFileName must read as scalibr v0.5.3's
// ParseFilename did.
var jarNames = []struct{ file, artifact, version string }{
	{"hibernate-core-3.6.10.Final.jar", "hibernate-core", "3.6.10.Final"},
	{"jackson-core-2.14.1.jar", "jackson-core", "2.14.1"},
	{"jackson-annotations-2.14.0.jar", "jackson-annotations", "2.14.0"},
	{"commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0"},
	{"commons-text-1.10.0.jar", "commons-text", "1.10.0"},
	{"snakeyaml-1.33.jar", "snakeyaml", "1.33"},
	{"postgresql.jar", "postgresql", ""},
	{"orders-service-1.0.0.jar", "orders-service", "1.0.0"},
	{"report-engine-2.0.jar", "report-engine", "2.0"},
	{"guava-31.1-jre.jar", "guava", "31.1-jre"},
	{"bcprov-jdk18on-1.78.jar", "bcprov-jdk18on", "1.78"},
	{"mysql-connector-j-8.0.33.jar", "mysql-connector-j", "8.0.33"},
	{"netty-all-4.1.42.Final.jar", "netty-all", "4.1.42.Final"},
	{"spring-beans-4.3.30.RELEASE.jar", "spring-beans", "4.3.30.RELEASE"},
	{"aws-lambda-java-core-1.2.3.jar", "aws-lambda-java-core", "1.2.3"},
	{"jakarta.ws.rs-api-3.1.0.jar", "jakarta.ws.rs-api", "3.1.0"},
	{"org.apache.felix.framework-7.0.5.jar", "org.apache.felix.framework", "7.0.5"},
	{"log4j-1.2.17.jar", "log4j", "1.2.17"},
	{"derby-10.14.2.0.jar", "derby", "10.14.2.0"},
	{"app.jar", "app", ""},
	{"lib/x/yolo-1.2.3.jar", "yolo", "1.2.3"},
	{"the-yolo-package_1.2.3-jre.jar", "the-yolo-package", "1.2.3-jre"},
	{"the-yolo-package.1.2.3-jre.jar", "the-yolo-package", "1.2.3-jre"},
	{"mockito-4-2_3-3.2.12.0-RC2.jar", "mockito", "4-2_3-3.2.12.0-RC2"},
	{"yolo-build1.2.3.jar", "yolo", "build1.2.3"},
	{"yolo-buildasd-1.2.3.jar", "yolo-buildasd", "1.2.3"},
	{"yolo-r12.jar", "yolo", "r12"},
	{"jcsp-core-rc4.jar", "jcsp-core", "rc4"},
	{"yolo-rc1asd-1.2.3.jar", "yolo-rc1asd", "1.2.3"},
	{"foo", "foo", ""},
	{"", ".", ""},
}

func TestParseJarFileName(t *testing.T) {
	for _, c := range jarNames {
		got, ok := parseJarFileName(c.file)
		if ok != (c.version != "") || got.version != c.version || (ok && got.artifact != c.artifact) {
			t.Errorf("parseJarFileName(%q) = %+v, %v; want %s %s", c.file, got, ok, c.artifact, c.version)
		}
		// The same as scalibr's, which fnguard no longer links.
		sp := archive.ParseFilename(c.file)
		if (sp != nil) != ok || (sp != nil && (sp.ArtifactID != got.artifact || sp.Version != got.version)) {
			t.Errorf("%q: scalibr %+v, fnguard %+v", c.file, sp, got)
		}
	}
}

func TestParsePomProps(t *testing.T) {
	for _, c := range []struct {
		data    string
		g, a, v string
		valid   bool
	}{
		{string(td(t, "java/postgresql.pom.properties")), "org.postgresql", "postgresql", "42.7.3", true},
		{"#x\r\ngroupId = a.b \r\nartifactId=c\r\nversion=1.0\r\n", "a.b", "c", "1.0", true},
		// A broken build leaves the placeholder: listed, then unchecked.
		{"groupId=a\nartifactId=b\nversion=${project.version}\n", "a", "b", "${project.version}", true},
		{"groupId=a\nartifactId=b\n", "a", "b", "", false},
		{"groupId=a\nartifactId=b c\nversion=1\n", "a", "b c", "1", false},
		{"groupId: a\nartifactId: b\nversion: 1\n", "", "", "", false},
		{"version=1\nversion=2\ngroupId=g\nartifactId=a", "g", "a", "2", true},
		{"", "", "", "", false},
	} {
		p := parsePomProps("META-INF/maven/x/y/pom.properties", []byte(c.data))
		if p.group != c.g || p.artifact != c.a || p.version != c.v || p.valid() != c.valid {
			t.Errorf("%q: %+v valid %v", c.data, p, p.valid())
		}
	}
}

// pomJar is a jar Maven built, with what its META-INF/maven holds.
func pomJar(t testing.TB, props string, extra ...zent) []byte {
	ents := []zent{
		text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"),
		text("META-INF/maven/com.example/lib/pom.properties", props),
		file("com/example/Lib.class", []byte("\xca\xfe\xba\xbe")),
	}
	return buildZip(t, append(ents, extra...)...)
}

// TestJarPomProperties: what a jar's pom.properties says, and what
// happens when it says too little. Nothing is dropped.
func TestJarPomProperties(t *testing.T) {
	const loc = "lib/lib-2.0.jar!/META-INF/maven/com.example/lib/pom.properties"
	t.Run("placeholder version", func(t *testing.T) {
		a, _ := readOne(t, writeZip(t, "f.zip", file("lib/lib-2.0.jar", pomJar(t, "groupId=com.example\nartifactId=lib\nversion=${revision}\n"))), Options{})
		p := pkg(t, a, "Maven", "com.example:lib", "${revision}")
		if p.VersionError == "" || !slices.Equal(p.Locations, []string{loc}) {
			t.Errorf("%+v", p)
		}
	})
	t.Run("no version: identified like a jar without one", func(t *testing.T) {
		jar := buildZip(t, text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Version: 2.0\r\nImplementation-Vendor-Id: com.example\r\n\r\n"),
			text("META-INF/maven/com.example/example-lib/pom.properties", "groupId=com.example\nartifactId=example-lib\n"))
		a, inv := readOne(t, writeZip(t, "f.zip", file("lib/example-lib-2.0.jar", jar)), Options{})
		wantPkgs(t, a, "Maven com.example:example-lib 2.0")
		if p := pkg(t, a, "Maven", "com.example:example-lib", "2.0"); p.Evidence != "manifest" || !slices.Equal(p.Locations, []string{"lib/example-lib-2.0.jar!/META-INF/MANIFEST.MF"}) {
			t.Errorf("%+v", p)
		}
		if !warnedAt(inv, "lib/example-lib-2.0.jar!/META-INF/maven/com.example/example-lib/pom.properties", "without a usable") {
			t.Errorf("warnings %v", inv.Warnings)
		}
	})
	t.Run("nothing names it: listed unidentified", func(t *testing.T) {
		inner := buildZip(t, text("META-INF/maven/x/pom.properties", "artifactId=blob\n"), file("a.class", []byte{1}))
		fat := buildZip(t, text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: a.Main\r\n\r\n"), stored("BOOT-INF/lib/blob.jar", inner))
		a, _ := readOne(t, writeZip(t, "f.zip", file("app.jar", fat)), Options{})
		if len(a.Packages) != 1 || !strings.HasPrefix(a.Packages[0].VersionError, unidentifiedJar) ||
			!slices.Equal(a.Packages[0].Locations, []string{"app.jar!/BOOT-INF/lib/blob.jar"}) {
			t.Errorf("packages %+v", a.Packages)
		}
	})
	t.Run("anywhere in the jar, no fallback twice", func(t *testing.T) {
		jar := buildZip(t, text("config/pom.properties", "groupId=com.example\nartifactId=lib\nversion=2.0\n"),
			text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Version: 9\r\nImplementation-Vendor-Id: org.other\r\n\r\n"))
		a, _ := readOne(t, writeZip(t, "f.zip", file("lib/lib-2.0.jar", jar)), Options{})
		wantPkgs(t, a, "Maven com.example:lib 2.0")
	})
}

func warnedAt(inv *Inventory, loc, says string) bool {
	for _, w := range inv.Warnings {
		if w.Location == loc && strings.Contains(w.Message, says) {
			return true
		}
	}
	return false
}

// TestShadedJar: a shaded jar keeps each bundled library's pom.properties
// and pom.xml; each package is located at its own pom.properties, has its
// own pom's licence, and the shaded jar's hash.
func TestShadedJar(t *testing.T) {
	pom := func(lic string) string {
		return "<project><licenses><license><name>" + lic + "</name></license></licenses></project>"
	}
	jar := buildZip(t,
		text("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"),
		text("META-INF/maven/com.example/app/pom.properties", "groupId=com.example\nartifactId=app\nversion=1.0\n"),
		text("META-INF/maven/com.example/app/pom.xml", pom("Apache License, Version 2.0")),
		text("META-INF/maven/org.slf4j/slf4j-api/pom.properties", "groupId=org.slf4j\nartifactId=slf4j-api\nversion=2.0.9\n"),
		text("META-INF/maven/org.slf4j/slf4j-api/pom.xml", pom("MIT License")),
		text("META-INF/maven/org.yaml/snakeyaml/pom.properties", "groupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n"))
	a, _ := readOne(t, writeZip(t, "f.zip", file("lib/app-1.0.jar", jar)), Options{})
	wantPkgs(t, a, "Maven com.example:app 1.0", "Maven org.slf4j:slf4j-api 2.0.9", "Maven org.yaml:snakeyaml 1.33")
	for _, c := range []struct{ name, version, lic string }{
		{"com.example:app", "1.0", "Apache-2.0"},
		{"org.slf4j:slf4j-api", "2.0.9", "MIT"},
		{"org.yaml:snakeyaml", "1.33", "Apache-2.0"}, // no pom.xml of its own: the jar's
	} {
		p := pkg(t, a, "Maven", c.name, c.version)
		g, art, _ := strings.Cut(c.name, ":")
		if want := "lib/app-1.0.jar!/META-INF/maven/" + g + "/" + art + "/pom.properties"; !slices.Equal(p.Locations, []string{want}) {
			t.Errorf("%s: locations %q", c.name, p.Locations)
		}
		if !slices.Equal(p.Licenses, []string{c.lic}) || p.Hashes.Get("SHA-256") != sha(jar) {
			t.Errorf("%s: licences %q hash %q", c.name, p.Licenses, p.Hashes.Get("SHA-256"))
		}
	}
}

// TestJarInWarInZip: a jar inside a war inside a zip inside the function
// zip keeps the whole chain in its location, and a limit broken deep down
// names that chain.
func TestJarInWarInZip(t *testing.T) {
	pg := postgresJar(t)
	war := buildZip(t, text("WEB-INF/web.xml", "<web-app/>"), stored("WEB-INF/lib/postgresql-42.7.3.jar", pg))
	inner := buildZip(t, file("lib/app.war", war))
	a, _ := readOne(t, writeZip(t, "f.zip", file("bundle.zip", inner), file("Handler.class", []byte("\xca\xfe\xba\xbe"))), Options{})
	p := pkg(t, a, "Maven", "org.postgresql:postgresql", "42.7.3")
	want := "bundle.zip!/lib/app.war!/WEB-INF/lib/postgresql-42.7.3.jar!/META-INF/maven/org.postgresql/postgresql/pom.properties"
	if !slices.Equal(p.Locations, []string{want}) || p.Hashes.Get("SHA-256") != sha(pg) {
		t.Errorf("locations %q hash %q", p.Locations, p.Hashes.Get("SHA-256"))
	}
	broken := buildZip(t, file("lib/app.war", buildZip(t, stored("WEB-INF/lib/x.jar", []byte("not a zip at all, but long enough")))))
	g := writeZip(t, "g.zip", file("bundle.zip", broken))
	wantInputError(t, readErr(g, Options{}), g, "bundle.zip!/lib/app.war!/WEB-INF/lib/x.jar", "not a valid zip")
}

// TestJarsMatchScalibr: on the fixtures' real jars, every package read from
// a pom.properties is the one scalibr's java archive extractor reported,
// at the same location.
func TestJarsMatchScalibr(t *testing.T) {
	var jars [][2]string // zip, member
	for _, z := range []string{"java-function.zip", "fat-jar-function.zip"} {
		p := filepath.Join("..", "..", "shared", "fixtures", "lambda", z)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no shared fixtures (%v)", err)
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, ".jar") {
				jars = append(jars, [2]string{p, f.Name})
			}
		}
		zr.Close()
	}
	f, t2 := false, false
	theirs, err := archive.New(&cpb.PluginConfig{PluginSpecific: []*cpb.PluginSpecificConfig{{
		Config: &cpb.PluginSpecificConfig_JavaArchive{JavaArchive: &cpb.JavaArchiveConfig{ExtractFromFilename: &f, HashJars: &t2}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := newJavaArchive(nil)
	n := 0
	for _, j := range jars {
		data, err := ReadMember(j[0], j[1], Limits{})
		if err != nil {
			t.Fatal(err)
		}
		in := func() *filesystem.ScanInput {
			return &filesystem.ScanInput{Path: j[1], Reader: bytes.NewReader(data), Info: sizeInfo(len(data))}
		}
		want, err := theirs.Extract(context.Background(), in())
		if err != nil {
			t.Fatalf("scalibr %s: %v", j[1], err)
		}
		got, err := ours.Extract(context.Background(), in())
		if err != nil {
			t.Fatalf("%s: %v", j[1], err)
		}
		var w, g []string
		for _, p := range want.Packages {
			loc := evidencePath(p, j[1])
			if strings.HasSuffix(loc, "pom.properties") {
				w = append(w, p.Name+"@"+p.Version+" "+loc)
			}
		}
		for _, p := range got.Packages {
			loc := p.Location.Descriptor.File.Path
			if strings.HasSuffix(loc, "pom.properties") {
				g = append(g, p.Name+"@"+p.Version+" "+loc)
			}
		}
		sort.Strings(w)
		sort.Strings(g)
		if !slices.Equal(g, w) {
			t.Errorf("%s:\n got  %q\n want %q", j[1], g, w)
		}
		n += len(w)
	}
	if n < 10 {
		t.Errorf("only %d packages compared", n)
	}
}

type sizeInfo int

func (s sizeInfo) Name() string       { return "x.jar" }
func (s sizeInfo) Size() int64        { return int64(s) }
func (s sizeInfo) Mode() os.FileMode  { return 0o644 }
func (s sizeInfo) ModTime() time.Time { return time.Time{} }
func (s sizeInfo) IsDir() bool        { return false }
func (s sizeInfo) Sys() any           { return nil }
