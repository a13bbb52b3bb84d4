package lockfiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPOMXML: any bytes are a pom with named dependencies or a one-line
// error; never a panic, never a nameless package, and an unresolved
// placeholder always carries a VersionError.
func FuzzPOMXML(f *testing.F) {
	f.Add(td(f, "java/pom.xml"))
	for _, p := range []string{
		"poms/serverless-java-container/aws-serverless-java-container-spring/pom.xml",
		"poms/serverless-java-container/aws-serverless-springboot3-archetype/src/main/resources/archetype-resources/pom.xml",
		"poms/aws-lambda-java-libs/aws-lambda-java-tests/pom.xml",
	} {
		if data, err := os.ReadFile(filepath.Join("testdata", "java", p)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version></parent>` +
		`<profiles><profile><activation><activeByDefault>true</activeByDefault></activation><properties><v>2</v></properties>` +
		`<dependencies><dependency><groupId>${project.groupId}</groupId><artifactId>a</artifactId><version>${v}</version></dependency></dependencies></profile></profiles></project>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><project><properties><a>${b}</a><b>${a}</b></properties>` +
		`<dependencies><dependency><groupId>g</groupId><artifactId>x</artifactId><version>[${a},2)</version></dependency></dependencies></project>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := readPOM(nil, "pom.xml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, p := range pkgs {
			if p.invalid {
				continue
			}
			g, a, ok := strings.Cut(p.name, ":")
			if !ok || g == "" || a == "" {
				t.Fatalf("package %+v has no groupId:artifactId", p)
			}
			if p.extra && (hasPlaceholder(p.name) || hasPlaceholder(p.version)) && p.unresolved == "" {
				t.Fatalf("unresolved %+v without a VersionError", p)
			}
			if p.line < 0 {
				t.Fatalf("line %d", p.line)
			}
		}
	})
}

// FuzzJar: any bytes given as a jar, or as the pom.properties and manifest
// of a jar nested in a fat jar, are read into packages or a one-line error
// naming the chain; every jar level is either a package, a warning, or
// (the function's own jar) skipped on purpose.
func FuzzJar(f *testing.F) {
	f.Add(postgresJar(f), []byte("groupId=a\nartifactId=b\nversion=1\n"), []byte("Manifest-Version: 1.0\r\n\r\n"))
	f.Add(ivyJar(f), []byte("artifactId=b\n"), td(f, "java/ivy.MANIFEST.MF"))
	f.Add([]byte("PK\x05\x06"), []byte("groupId=${g}\nartifactId=b c\nversion=\n"), []byte("Implementation-Version: 1\r\n"))
	f.Fuzz(func(t *testing.T, raw, props, manifest []byte) {
		ctx := context.Background()
		v := &vfs{budget: &budget{limits: DefaultLimits}}
		pl := plugin{ex: javaArchive{}, rank: rankInstalled}
		if fs, err := extractJar(ctx, pl, v, "lib/x.jar", raw, nil); err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "lib/x.jar") {
				t.Fatalf("error %q", err)
			}
		} else {
			checkJarFound(t, fs)
		}

		inner := buildZip(t, file("META-INF/maven/g/a/pom.properties", props), file("META-INF/MANIFEST.MF", manifest))
		fat := buildZip(t, text("META-INF/MANIFEST.MF", "Main-Class: a.B\r\n"), stored("BOOT-INF/lib/inner-1.0.jar", inner))
		var warned []string
		v = &vfs{budget: &budget{limits: DefaultLimits}, warn: func(member, msg string) { warned = append(warned, member) }}
		fs, err := extractJar(ctx, pl, v, "app.jar", fat, nil)
		if err != nil {
			t.Fatalf("a well-formed fat jar: %v", err)
		}
		checkJarFound(t, fs)
		innerSeen := false
		for _, f := range fs {
			innerSeen = innerSeen || strings.HasPrefix(f.location, "app.jar!/BOOT-INF/lib/inner-1.0.jar")
		}
		for _, w := range warned {
			innerSeen = innerSeen || strings.HasPrefix(w, "app.jar!/BOOT-INF/lib/inner-1.0.jar")
		}
		if !innerSeen {
			t.Fatalf("the nested jar left no package and no warning: %+v", fs)
		}
	})
}

func checkJarFound(t *testing.T, fs []found) {
	t.Helper()
	for _, f := range fs {
		p := f.lenient
		if p == nil || p.Name == "" || f.location == "" || f.sha256 == "" {
			t.Fatalf("found %+v", f)
		}
		if p.VersionError == "" && (p.Version == "" || !strings.Contains(p.Name, ":")) {
			t.Fatalf("package %+v looks checked without a name and version", p)
		}
	}
}
