package lockfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// sharedDir locates ../shared beside the checkout; tests that need it skip
// with a message on a fresh clone without it.
func sharedDir(t testing.TB, sub ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared"}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not present (shared data lives beside the checkout): %v", p, err)
	}
	return p
}

type expectedPkg struct {
	Ecosystem, Name, Version, Path string
}

// TestLambdaFixtures pins the inventory of every real Lambda zip to its
// ground truth: nothing missing, nothing extra, and each expected evidence
// path among the package's locations.
func TestLambdaFixtures(t *testing.T) {
	dir := sharedDir(t, "fixtures", "lambda")
	zips, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	if len(zips) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	for _, z := range zips {
		name := strings.TrimSuffix(filepath.Base(z), ".zip")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(strings.TrimSuffix(z, ".zip") + ".expected.json")
			if err != nil {
				t.Fatal(err)
			}
			var want []expectedPkg
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			inv, err := Read(context.Background(), []string{z}, Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(inv.Artifacts) != 1 {
				t.Fatalf("got %d artifacts", len(inv.Artifacts))
			}
			a := inv.Artifacts[0]
			got := map[string]*Package{}
			// The fixtures list what can be identified; a jar that cannot
			// (report-engine-2.0.jar: no pom.properties, no manifest
			// identity) is listed unchecked and warned about, never dropped.
			unidentified, unidentifiedAt := map[string]bool{}, map[string]bool{}
			for _, p := range a.Packages {
				if strings.HasPrefix(p.VersionError, unidentifiedJar) {
					unidentified[p.Name] = true
					for _, l := range p.Locations {
						unidentifiedAt[l] = true
					}
					if p.Confidence != "low" || p.PURL == "" {
						t.Errorf("unidentified %s: confidence %q purl %q", p.Name, p.Confidence, p.PURL)
					}
					continue
				}
				got[p.Ecosystem+" "+p.Name+" "+p.Version] = p
			}
			wantUnidentified := map[string]bool{}
			if name == "fat-jar-function" {
				wantUnidentified["report-engine"] = true
			}
			if !maps.Equal(unidentified, wantUnidentified) {
				t.Errorf("unidentified jars %v, want %v", unidentified, wantUnidentified)
			}
			wantKeys := map[string]bool{}
			for _, w := range want {
				k := w.Ecosystem + " " + w.Name + " " + w.Version
				wantKeys[k] = true
				p, ok := got[k]
				if !ok {
					t.Errorf("missing %s (evidence %s)", k, w.Path)
					continue
				}
				if !contains(p.Locations, w.Path) {
					t.Errorf("%s: locations %v lack %s", k, p.Locations, w.Path)
				}
			}
			for k := range got {
				if !wantKeys[k] {
					t.Errorf("extra %s at %v", k, got[k].Locations)
				}
			}
			if len(a.Packages) != len(want)+len(unidentified) {
				t.Errorf("found %d packages, want %d", len(a.Packages), len(want)+len(unidentified))
			}
			for _, w := range inv.Warnings {
				if unidentifiedAt[w.Location] && strings.Contains(w.Message, "not identified") {
					continue
				}
				t.Errorf("unexpected warning: %+v", w)
			}
			wantRuntime := map[string]string{"node": "nodejs", "python": "python", "java": "java", "fat": "java", "go": "go", "ruby": "ruby"}[strings.Split(name, "-")[0]]
			if a.Runtime != wantRuntime {
				t.Errorf("runtime %q, want %q", a.Runtime, wantRuntime)
			}
			wantKind := KindFunction
			if strings.Contains(name, "layer") {
				wantKind = KindLayer
			}
			if a.Kind != wantKind {
				t.Errorf("kind %q, want %q", a.Kind, wantKind)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestBadFixtures: every hostile or broken input fails with one line naming
// it (exit 2 in the CLI), fast and in bounded memory; bad-versions is read
// with a warning per bad value.
func TestBadFixtures(t *testing.T) {
	dir := sharedDir(t, "fixtures", "bad")
	cases := map[string]string{
		"truncated.zip":    "not a valid zip",
		"traversal.zip":    "../../etc/passwd",
		"bomb.zip":         "entry too large",
		"symlink.zip":      "leaves the package",
		"empty.zip":        "empty archive",
		"not-a-zip.zip":    "not a zip file",
		"deep-nesting.zip": "nesting deeper than 8",
		"bad-lock":         "package-lock.json",
		"bad-lock.zip":     "package-lock.json",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Read(context.Background(), []string{p}, Options{})
			if err == nil {
				t.Fatalf("no error for %s", name)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("error is %T, want *InputError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, want) {
				t.Errorf("error %q should name %s and say %q", msg, p, want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			// The allocation bound is the work bound: a bomb refused late
			// would show here, without a clock to make the test flaky.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 300<<20 {
				t.Errorf("allocated %d MiB", grew>>20)
			}
		})
	}
	for _, name := range []string{"bad-versions", "bad-versions.zip"} {
		t.Run(name, func(t *testing.T) {
			inv, err := Read(context.Background(), []string{filepath.Join(dir, name)}, Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			bad := map[string]bool{}
			for _, p := range inv.Artifacts[0].Packages {
				if p.VersionError != "" {
					bad[p.Name] = true
				}
			}
			for _, n := range []string{"weird", "numeric"} {
				if !bad[n] {
					t.Errorf("package %s should carry a version error; packages: %+v", n, inv.Artifacts[0].Packages)
				}
			}
			var msgs []string
			for _, w := range inv.Warnings {
				msgs = append(msgs, w.Message)
			}
			sort.Strings(msgs)
			if len(msgs) < 3 { // weird, numeric, and the application's own version
				t.Errorf("want a warning per bad version, got %q", msgs)
			}
		})
	}
}

// TestSingleLockfile reads lockfiles given directly, larger than the bytes
// sniffed to recognise them, against what osv-scanner saw in them.
func TestSingleLockfile(t *testing.T) {
	dir := sharedDir(t, "reference")
	for file, want := range map[string]int{
		"npm-a/package-lock.json": 53,
	} {
		inv, err := Read(context.Background(), []string{filepath.Join(dir, file)}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		a := inv.Artifacts[0]
		if a.Kind != KindLockfile || len(a.Packages) != want {
			t.Errorf("%s: kind %s, %d packages, want lockfile with %d", file, a.Kind, len(a.Packages), want)
		}
	}
}

// BenchmarkReadFixture measures the inventory of real Lambda zips read in
// place (go test -bench ReadFixture ./lockfiles).
func BenchmarkReadFixture(b *testing.B) {
	dir := sharedDir(b, "fixtures", "lambda")
	for _, name := range []string{"node-function", "java-function", "fat-jar-function", "python-function", "go-function"} {
		b.Run(name, func(b *testing.B) {
			p := filepath.Join(dir, name+".zip")
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Read(context.Background(), []string{p}, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGoComponentHash: a Go function's component is its bootstrap, hashed.
func TestGoComponentHash(t *testing.T) {
	z := filepath.Join(sharedDir(t, "fixtures", "lambda"), "go-function.zip")
	inv, err := Read(context.Background(), []string{z}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := ReadMember(z, "bootstrap", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	c := inv.Artifacts[0].Component
	if c == nil || c.Name != "example.com/lambda-fixture/langfn" || c.Hashes.Get("SHA-256") != hex.EncodeToString(sum[:]) {
		t.Errorf("component %+v, want langfn with the bootstrap's SHA-256", c)
	}
}
