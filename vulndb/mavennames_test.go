package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fnguard/fnguard/lockfiles"
)

// mavenDB builds a database whose Maven ecosystem holds the given records
// of testdata/scan.
func mavenDB(t *testing.T, ids ...string) *DB { return ecoDB(t, "Maven", ids...) }

func TestMavenNames(t *testing.T) {
	db := mavenDB(t, "GHSA-36p3-wjmg-h94x")
	for artifact, want := range map[string][]string{
		"spring-beans":            {"org.springframework:spring-beans"},
		"Spring-Beans":            {"org.springframework:spring-beans"},
		"spring-boot-starter-web": {"org.springframework.boot:spring-boot-starter-web"},
		"spring-core":             nil,
		"org.springframework":     nil,
		"":                        nil,
	} {
		got, err := db.MavenNames(artifact)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("MavenNames(%q) = %q, %v; want %q", artifact, got, err, want)
		}
	}
	lookup, err := db.MavenNameLookup()
	if err != nil {
		t.Fatal(err)
	}
	if got := lookup("spring-webmvc"); !slices.Equal(got, []string{"org.springframework:spring-webmvc"}) {
		t.Errorf("lookup(spring-webmvc) = %q", got)
	}
}

// A Spring 4.3.30 fat jar whose jars carry only a MANIFEST: with the
// database's names injected, spring-beans is named
// org.springframework:spring-beans and Spring4Shell is found (it was
// missed under the name spring-beans:spring-beans).
func TestSpring4ShellInManifestOnlyJar(t *testing.T) {
	db := mavenDB(t, "GHSA-36p3-wjmg-h94x")
	beans := zipOf(t, map[string]string{
		"META-INF/MANIFEST.MF":                            "Manifest-Version: 1.0\r\nImplementation-Title: spring-beans\r\nImplementation-Version: 4.3.30.RELEASE\r\nCreated-By: 1.8.0_271 (Oracle Corporation)\r\n\r\n",
		"org/springframework/beans/BeanWrapperImpl.class": "\xca\xfe\xba\xbe",
	})
	fat := zipOf(t, map[string]string{
		"META-INF/MANIFEST.MF":                         "Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n",
		"BOOT-INF/lib/spring-beans-4.3.30.RELEASE.jar": string(beans),
		"BOOT-INF/classes/com/example/App.class":       "\xca\xfe\xba\xbe",
	})
	fn := filepath.Join(t.TempDir(), "function.zip")
	if err := os.WriteFile(fn, zipOf(t, map[string]string{"app.jar": string(fat)}), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup, err := db.MavenNameLookup()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := lockfiles.Read(context.Background(), []string{fn}, lockfiles.Options{MavenNames: lookup})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Scan(context.Background(), db, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].ID != "GHSA-36p3-wjmg-h94x" ||
		res.Findings[0].Package.Name != "org.springframework:spring-beans" || res.Findings[0].Package.Confidence != "medium" {
		for _, f := range res.Findings {
			t.Logf("finding %s %s@%s", f.ID, f.Package.Name, f.Package.Version)
		}
		t.Fatalf("want Spring4Shell on org.springframework:spring-beans (medium confidence), got %d findings; packages %+v",
			len(res.Findings), inv.Artifacts[0].Packages)
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[n]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
