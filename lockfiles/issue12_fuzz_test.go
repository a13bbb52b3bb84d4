package lockfiles

import (
	"strings"
	"testing"
)

// FuzzIdentifyJar: whatever a manifest and file name say, a jar without
// pom.properties is either named group:artifact with a version and a
// confidence, or listed as unidentified; never silently nameless.
func FuzzIdentifyJar(f *testing.F) {
	for _, mf := range []string{springBeansMF, log4jMF, freemarkerMF, derbyMF, ""} {
		f.Add(mf, "lib/x.jar!/BOOT-INF/lib/spring-beans-4.3.30.RELEASE.jar", "org.springframework:spring-beans")
	}
	f.Add("Implementation-Vendor-Id: .\r\nBundle-SymbolicName: a..b;singleton:=true\r\n", "derby-10.14.2.0.jar", "x:derby,y:derby")
	f.Add("Bundle-Version: 1 2\r\n", ".jar", ":")
	f.Fuzz(func(t *testing.T, mf, chain, known string) {
		j := &jarInfo{chain: chain, manifest: parseManifest([]byte(mf))}
		names := func(string) []string { return strings.Split(known, ",") }
		id := identifyJar(j, names)
		p := id.pkg(j)
		if id.problem != "" {
			if !strings.HasPrefix(p.VersionError, unidentifiedJar) {
				t.Fatalf("unidentified without the marker: %+v", p)
			}
			return
		}
		g, a, ok := strings.Cut(p.Name, ":")
		if !ok || g == "" || a == "" || p.Version == "" || p.Confidence == "" || p.Evidence == "" {
			t.Fatalf("identified jar %+v lacks group, artifact, version, evidence or confidence", p)
		}
	})
}

// FuzzProjectManifests: root project files name an application or
// nothing, never panic.
func FuzzProjectManifests(f *testing.F) {
	f.Add(td(f, "npm/package-lock.v3.json"))
	f.Add(td(f, "java/pom.xml"))
	f.Add([]byte("[project]\nname = \"a\"\nversion = '1'\n"))
	f.Add([]byte("module example.com/m\n\ngo 1.22\n"))
	f.Add([]byte(`{"packages":{"":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, pm := range projectManifests {
			if n, v := pm.read(data); n == "" && v != "" {
				t.Fatalf("%s: version %q without a name", pm.file, v)
			}
		}
	})
}
