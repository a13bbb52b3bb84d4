package lockfiles

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	scalibr "github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/pomxml"
	scalibrfs "github.com/google/osv-scalibr/fs"
)

// pomCorpus lists the poms of testdata/java: real ones from AWS's
// aws-lambda-java-libs and serverless-java-container (multi-module
// projects whose children find their parent through ../pom.xml, Spring
// Boot samples with a remote parent, archetype templates full of
// ${placeholders}) and the small one the format tests use.
func pomCorpus(t *testing.T) (string, []string) {
	root := filepath.Join("testdata", "java")
	var poms []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (d.Name() == "pom.xml" || strings.HasSuffix(d.Name(), ".pom")) {
			rel, _ := filepath.Rel(root, p)
			poms = append(poms, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(poms) < 10 {
		t.Fatalf("only %d poms under %s", len(poms), root)
	}
	return root, poms
}

// pkgLine is what both extractors must agree on for one package.
func pkgLine(p *scalibr.Package) string {
	line := 0
	if p.Location.Descriptor != nil && p.Location.Descriptor.File != nil {
		line = p.Location.Descriptor.File.LineNumber
	}
	groups := ""
	if g, ok := p.Metadata.(interface{ DepGroups() []string }); ok {
		groups = strings.Join(g.DepGroups(), ",")
	}
	return fmt.Sprintf("%s@%s line %d [%s]", p.Name, p.Version, line, groups)
}

func extractWith(t *testing.T, ex filesystem.Extractor, fsys scalibrfs.FS, p string) ([]string, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ex.Extract(context.Background(), &filesystem.ScanInput{FS: fsys, Path: p, Reader: bytes.NewReader(data)})
	var out []string
	for _, pkg := range inv.Packages {
		out = append(out, pkgLine(pkg))
	}
	slices.Sort(out)
	return out, err
}

// TestPOMXMLMatchesScalibr: on every real pom, fnguard's reader reports
// what osv-scalibr v0.5.3's pomxml extractor reports offline: the same
// names, versions (ranges at their lower bound), scopes and lines.
func TestPOMXMLMatchesScalibr(t *testing.T) {
	root, poms := pomCorpus(t)
	fsys := os.DirFS(root).(scalibrfs.FS)
	theirs, _ := pomxml.New(nil)
	ours, _ := newPOMXML(nil)
	total := 0
	for _, p := range poms {
		want, werr := extractWith(t, theirs, fsys, p)
		got, gerr := extractWith(t, ours, fsys, p)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%s: scalibr error %v, fnguard error %v", p, werr, gerr)
			continue
		}
		if !slices.Equal(got, want) && !onlyAmbiguousLines(t, fsys, p, got, want) {
			t.Errorf("%s:\n got  %q\n want %q", p, got, want)
		}
		total += len(want)
	}
	if total < 100 {
		t.Errorf("the corpus holds %d packages: too few to compare", total)
	}
}

// onlyAmbiguousLines accepts one deviation: where two declarations fit a
// dependency written with placeholders (${project.groupId}), scalibr's line
// tracker gives up and names the <parent> line; fnguard knows which
// <dependency> each one came from and names its line.
func onlyAmbiguousLines(t *testing.T, fsys fs.FS, p string, got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	data, _ := fs.ReadFile(fsys, p)
	proj, err := decodePOM(data)
	if err != nil || proj.parentLine == 0 {
		return false
	}
	parent := fmt.Sprintf(" line %d [", proj.parentLine)
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		gn, _, _ := strings.Cut(got[i], " line ")
		wn, _, _ := strings.Cut(want[i], " line ")
		_, gg, _ := strings.Cut(got[i], "[")
		_, wg, _ := strings.Cut(want[i], "[")
		if gn != wn || gg != wg || !strings.Contains(want[i], parent) {
			return false
		}
		t.Logf("%s: %s: scalibr names the <parent> line, fnguard the declaration's", p, got[i])
	}
	return true
}

// TestPOMXMLBeyondScalibr: what fnguard inventories where scalibr drops a
// dependency. A module's ${project.version} comes from its parent (Maven's
// inheritance), even when the parent pom is not in the artifact; an
// archetype's ${groupId}-style placeholders stay unresolved and are listed
// with a VersionError; a range is kept as written, which the version check
// lists as unchecked.
func TestPOMXMLBeyondScalibr(t *testing.T) {
	pom := `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent>
    <groupId>com.example</groupId>
    <artifactId>orders-parent</artifactId>
    <version>2.1.0</version>
  </parent>
  <artifactId>orders-api</artifactId>
  <dependencies>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>orders-model</artifactId>
      <version>${project.version}</version>
    </dependency>
    <dependency>
      <groupId>org.yaml</groupId>
      <artifactId>snakeyaml</artifactId>
      <version>${snakeyaml.version}</version>
    </dependency>
    <dependency>
      <groupId>${vendor}</groupId>
      <artifactId>vendor-sdk</artifactId>
      <version>1.0</version>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>[2.13.0,2.14)</version>
    </dependency>
    <dependency>
      <artifactId>no-group</artifactId>
      <version>1.0</version>
    </dependency>
  </dependencies>
</project>
`
	// scalibr: only the range survives, at its lower bound.
	empty := os.DirFS(t.TempDir()).(scalibrfs.FS)
	theirs, _ := pomxml.New(nil)
	inv, err := theirs.Extract(context.Background(), &filesystem.ScanInput{FS: empty, Path: "pom.xml", Reader: strings.NewReader(pom)})
	if err != nil || len(inv.Packages) != 1 || inv.Packages[0].Version != "2.13.0" {
		t.Fatalf("scalibr's pomxml changed: %v %v", inv.Packages, err)
	}
	ours, _ := newPOMXML(nil)
	mine, err := ours.Extract(context.Background(), &filesystem.ScanInput{FS: empty, Path: "pom.xml", Reader: strings.NewReader(pom)})
	if err != nil || len(mine.Packages) != 1 || pkgLine(mine.Packages[0]) != pkgLine(inv.Packages[0]) {
		t.Fatalf("Extract = %v %v, want scalibr's %v", mine.Packages, err, inv.Packages)
	}

	a, invr := readOne(t, writeTree(t, text("svc/pom.xml", pom)), Options{})
	wantPkgs(t, a,
		"Maven ${vendor}:vendor-sdk 1.0",
		"Maven com.example:orders-model 2.1.0",
		"Maven com.fasterxml.jackson.core:jackson-databind [2.13.0,2.14)",
		"Maven org.yaml:snakeyaml ${snakeyaml.version}")
	if p := pkg(t, a, "Maven", "com.example:orders-model", "2.1.0"); p.VersionError != "" {
		t.Errorf("inherited version: VersionError %q", p.VersionError)
	}
	for _, c := range []struct{ name, version, says string }{
		{"org.yaml:snakeyaml", "${snakeyaml.version}", "defined neither"},
		{"${vendor}:vendor-sdk", "1.0", "coordinates"},
		{"com.fasterxml.jackson.core:jackson-databind", "[2.13.0,2.14)", "range"},
	} {
		if p := pkg(t, a, "Maven", c.name, c.version); !strings.Contains(p.VersionError, c.says) {
			t.Errorf("%s: VersionError %q, want it to say %q", c.name, p.VersionError, c.says)
		}
	}
	warned := false
	for _, w := range invr.Warnings {
		warned = warned || (w.Location == "svc/pom.xml" && strings.Contains(w.Message, "line 30") && strings.Contains(w.Message, "without groupId"))
	}
	if !warned {
		t.Errorf("no warning for the dependency without groupId: %v", invr.Warnings)
	}
}

// TestPOMXMLErrors: what fails deps.dev's decode fails fnguard's, as a
// one-line error naming the line.
func TestPOMXMLErrors(t *testing.T) {
	for _, c := range []struct{ pom, want string }{
		{"", "no XML element"},
		{"<project>\n<dependencies>\n<dependency><groupId>a</groupId>\n</project>", "line 4"},
		{"<project><dependencies><dependency>\n<optional>yes</optional></dependency></dependencies></project>", `line 2: <optional> is "yes"`},
		{"<project><profiles><profile><activation>\n\n<activeByDefault>1</activeByDefault></activation></profile></profiles></project>", "line 3"},
		{"<project><repositories><repository><releases><enabled>on</enabled></releases></repository></repositories></project>", "<enabled>"},
		{`<?xml version="1.0" encoding="EBCDIC-US"?><project/>`, "not supported"},
	} {
		_, err := readPOM(nil, "pom.xml", []byte(c.pom))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line saying %q", c.pom, err, c.want)
		}
		theirs, _ := pomxml.New(nil)
		if _, serr := theirs.Extract(context.Background(), &filesystem.ScanInput{Path: "pom.xml", Reader: strings.NewReader(c.pom)}); serr == nil {
			t.Errorf("%q: scalibr accepts it", c.pom)
		}
	}
	dir := writeTree(t, text("pom.xml", "<project><dependencies>"))
	wantInputError(t, readErr(dir, Options{}), dir, "pom.xml", "java/pomxml", "line 1", "unexpected EOF")
}

// TestPOMXMLLatin1: a pom declared ISO-8859-1 (common in older projects)
// reads like scalibr reads it; names keep their accents.
func TestPOMXMLLatin1(t *testing.T) {
	pom := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><name>Gest\xe3o \x80</name>\n" +
		"<properties><v>1.2</v></properties><dependencies><dependency><groupId>caf\xe9</groupId>" +
		"<artifactId>a</artifactId><version>${v}</version></dependency></dependencies></project>")
	got, err := readPOM(nil, "pom.xml", pom)
	if err != nil || len(got) != 1 || got[0].name != "café:a" || got[0].version != "1.2" || got[0].line != 3 {
		t.Fatalf("readPOM = %+v, %v", got, err)
	}
	theirs, _ := pomxml.New(nil)
	inv, err := theirs.Extract(context.Background(), &filesystem.ScanInput{Path: "pom.xml", Reader: bytes.NewReader(pom)})
	if err != nil || len(inv.Packages) != 1 || pkgLine(inv.Packages[0]) != "café:a@1.2 line 3 []" {
		t.Fatalf("scalibr: %v %v", inv.Packages, err)
	}
}

// TestPOMXMLLocalParent: a module's parent in the same artifact supplies
// properties, dependencyManagement versions and dependencies (located at
// the child's <parent>); a parent that is not "pom" packaging or names
// other coordinates is not used.
func TestPOMXMLLocalParent(t *testing.T) {
	parent := `<project><groupId>com.example</groupId><artifactId>parent</artifactId><version>3</version><packaging>pom</packaging>
<properties><jackson.version>2.14.0</jackson.version></properties>
<dependencyManagement><dependencies>
  <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version><scope>runtime</scope></dependency>
</dependencies></dependencyManagement>
<dependencies><dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.9</version></dependency></dependencies>
</project>`
	child := `<project>
<parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>3</version></parent>
<artifactId>svc</artifactId>
<dependencies>
  <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId></dependency>
</dependencies>
</project>`
	dir := writeTree(t, text("pom.xml", parent), text("svc/pom.xml", child))
	fsys := os.DirFS(dir).(scalibrfs.FS)
	theirs, _ := pomxml.New(nil)
	ours, _ := newPOMXML(nil)
	want, werr := extractWith(t, theirs, fsys, "svc/pom.xml")
	got, gerr := extractWith(t, ours, fsys, "svc/pom.xml")
	if werr != nil || gerr != nil || !slices.Equal(got, want) {
		t.Fatalf("got %q (%v), scalibr %q (%v)", got, gerr, want, werr)
	}
	if exp := []string{"com.fasterxml.jackson.core:jackson-databind@2.14.0 line 5 [runtime]", "org.slf4j:slf4j-api@2.0.9 line 2 []"}; !slices.Equal(got, exp) {
		t.Errorf("got %q, want %q", got, exp)
	}
	// Not a pom-packaged parent: neither extractor uses it.
	dir = writeTree(t, text("pom.xml", strings.Replace(parent, "<packaging>pom</packaging>", "", 1)), text("svc/pom.xml", child))
	fsys = os.DirFS(dir).(scalibrfs.FS)
	want, _ = extractWith(t, theirs, fsys, "svc/pom.xml")
	got, _ = extractWith(t, ours, fsys, "svc/pom.xml")
	if !slices.Equal(got, want) || len(got) != 1 || !strings.HasPrefix(got[0], "com.fasterxml.jackson.core:jackson-databind@ ") {
		t.Errorf("jar-packaged parent: got %q, scalibr %q", got, want)
	}
}

// TestPOMXMLHostileProperties: properties that refer to each other in a
// cycle leave the dependency unresolved; ones that double at every level
// (a "billion laughs" of ${}) fail with an error instead of exhausting
// memory.
func TestPOMXMLHostileProperties(t *testing.T) {
	cycle := `<project><properties><a>${b}</a><b>${a}</b></properties><dependencies>
<dependency><groupId>g</groupId><artifactId>x</artifactId><version>${a}</version></dependency></dependencies></project>`
	got, err := readPOM(nil, "pom.xml", []byte(cycle))
	if err != nil || len(got) != 1 || got[0].unresolved == "" || !got[0].extra {
		t.Errorf("cycle: %+v %v", got, err)
	}
	var b strings.Builder
	b.WriteString("<project><properties><p0>lol</p0>")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "<p%d>${p%d}${p%d}</p%d>", i, i-1, i-1, i)
	}
	b.WriteString("</properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${p40}</version></dependency></dependencies></project>")
	if _, err := readPOM(nil, "pom.xml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "expan") {
		t.Errorf("doubling properties: %v", err)
	}
	b.Reset()
	b.WriteString("<project><properties><p0>1.0</p0>")
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&b, "<p%d>${p%d}</p%d>", i, i-1, i)
	}
	b.WriteString("</properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${p2000}</version></dependency></dependencies></project>")
	if _, err := readPOM(nil, "pom.xml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("deep properties: %v", err)
	}
}

// bigPOM is a pom with n dependencies, half of them versioned through a
// property and a quarter through dependencyManagement.
func bigPOM(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<project>\n  <properties>\n    <lib.version>1.2.3</lib.version>\n  </properties>\n  <dependencyManagement>\n    <dependencies>\n")
	for i := 0; i < n; i += 4 {
		fmt.Fprintf(&b, "      <dependency><groupId>org.example.g%d</groupId><artifactId>lib-%d</artifactId><version>4.%d</version></dependency>\n", i%97, i, i)
	}
	b.WriteString("    </dependencies>\n  </dependencyManagement>\n  <dependencies>\n")
	for i := 0; i < n; i++ {
		v := "<version>${lib.version}</version>"
		switch {
		case i%4 == 0:
			v = ""
		case i%2 == 1:
			v = fmt.Sprintf("<version>%d.0</version>", i)
		}
		fmt.Fprintf(&b, "    <dependency>\n      <groupId>org.example.g%d</groupId>\n      <artifactId>lib-%d</artifactId>\n      %s\n    </dependency>\n", i%97, i, v)
	}
	b.WriteString("  </dependencies>\n</project>\n")
	return b.Bytes()
}

// TestPOMXMLLinear: a 100,000-dependency pom is read in work proportional
// to its size: every byte is scanned for line breaks once, each property
// expanded once, and each dependency placed by its own offset (scalibr's
// line tracker compared every dependency with every declaration).
func TestPOMXMLLinear(t *testing.T) {
	for _, n := range []int{1_000, 100_000} {
		data := bigPOM(n)
		pd := newPOMDecoder(data)
		proj, err := pd.decode()
		if err != nil {
			t.Fatal(err)
		}
		if pd.scanned > int64(len(data)) {
			t.Errorf("n=%d: %d bytes scanned for lines in a %d-byte pom", n, pd.scanned, len(data))
		}
		if len(proj.deps) != n {
			t.Fatalf("n=%d: %d dependencies decoded", n, len(proj.deps))
		}
		got, err := readPOM(nil, "pom.xml", data)
		if err != nil || len(got) != n {
			t.Fatalf("n=%d: %d packages, %v", n, len(got), err)
		}
		// Spot checks across the file: lines, property and management versions.
		for _, i := range []int{0, 1, 2, n / 2, n - 1} {
			p := got[i]
			wantV := map[int]string{0: fmt.Sprintf("4.%d", i), 1: fmt.Sprintf("%d.0", i), 2: "1.2.3", 3: fmt.Sprintf("%d.0", i)}[i%4]
			wantLine := 6 + (n+3)/4 + 3 + 5*i + 1
			if p.name != fmt.Sprintf("org.example.g%d:lib-%d", i%97, i) || p.version != wantV || p.line != wantLine {
				t.Errorf("n=%d: package %d = %+v, want version %s line %d", n, i, p, wantV, wantLine)
			}
		}
	}
}

// TestPOMXMLCorpusInArtifact: the real corpus read as an application
// folder inventories without errors, and the multi-module children find
// their parent.
func TestPOMXMLCorpusInArtifact(t *testing.T) {
	root, _ := pomCorpus(t)
	a, _ := readOne(t, filepath.Join(root, "poms", "serverless-java-container"), Options{})
	// aws-serverless-java-container-core declares
	// ${project.version}-less deps only through its parent's properties.
	found := 0
	for _, p := range a.Packages {
		if p.Ecosystem == "Maven" {
			found++
		}
		for _, l := range p.Locations {
			if path.Base(l) != "pom.xml" {
				t.Errorf("%s located at %s", p.Name, l)
			}
		}
	}
	if found < 20 {
		t.Errorf("%d Maven packages from the serverless-java-container poms", found)
	}
}
