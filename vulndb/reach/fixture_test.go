package reach

import (
	"archive/zip"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The shared Lambda fixtures and the OSV export live next to the checkout;
// tests using them skip when it is absent.
var sharedDir = filepath.Join("..", "..", "..", "shared")

// extractBootstrap writes the zip's bootstrap to a temp file, as the scan
// command does before calling Analyze.
func extractBootstrap(tb testing.TB, zipName string) string {
	tb.Helper()
	zr, err := zip.OpenReader(filepath.Join(sharedDir, "fixtures", "lambda", zipName))
	if err != nil {
		if os.IsNotExist(err) {
			tb.Skipf("fixture %s not available: %v", zipName, err)
		}
		tb.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "bootstrap" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		defer rc.Close()
		dst := filepath.Join(tb.TempDir(), "bootstrap")
		out, err := os.Create(dst)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(out, rc); err != nil {
			tb.Fatal(err)
		}
		if err := out.Close(); err != nil {
			tb.Fatal(err)
		}
		return dst
	}
	tb.Fatalf("%s has no bootstrap", zipName)
	return ""
}

var (
	osvOnce     sync.Once
	osvByModule map[string][][]byte
	osvErr      error
)

// goRecordsByModule indexes the Go records of the OSV export by the module
// paths they affect.
func goRecordsByModule(tb testing.TB) map[string][][]byte {
	tb.Helper()
	osvOnce.Do(func() {
		zr, err := zip.OpenReader(filepath.Join(sharedDir, "osv", "Go", "all.zip"))
		if err != nil {
			osvErr = err
			return
		}
		defer zr.Close()
		osvByModule = map[string][][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				osvErr = err
				return
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				osvErr = err
				return
			}
			var r record
			if err := json.Unmarshal(b, &r); err != nil {
				osvErr = err
				return
			}
			seen := map[string]bool{}
			for _, a := range r.Affected {
				if !seen[a.Package.Name] {
					seen[a.Package.Name] = true
					osvByModule[a.Package.Name] = append(osvByModule[a.Package.Name], b)
				}
			}
		}
	})
	if os.IsNotExist(osvErr) {
		tb.Skipf("OSV export not available: %v", osvErr)
	}
	if osvErr != nil {
		tb.Fatal(osvErr)
	}
	return osvByModule
}

func fixtureRecords(tb testing.TB, bin string) [][]byte {
	tb.Helper()
	idx := goRecordsByModule(tb)
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		tb.Fatal(err)
	}
	return RecordsFor(bi, func(module string) [][]byte { return idx[module] })
}

// Expected values are what govulncheck v1.9.0 reports on these binaries with
// -mode binary -format json -db file:///work/shared/govulndb (see the
// fixtures README): x/text's language.Parse is called (inlined into
// main.handle), the other x/text and all yaml.v2 advisories stop at package
// or module level.
func TestAnalyzeFixtureUnstripped(t *testing.T) {
	bin := extractBootstrap(t, "go-function.zip")
	if s, err := Stripped(bin); err != nil || s {
		t.Fatalf("Stripped = %v, %v; want false", s, err)
	}
	got, err := Analyze(context.Background(), bin, fixtureRecords(t, bin))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, got, want(
		reachable("GO-2021-0113", LevelSymbol, "golang.org/x/text/language.Parse"),
		notReachable("GO-2022-1059", LevelPackage),
		notReachable("GO-2022-0956", LevelPackage),
		notReachable("GO-2021-0061", LevelPackage),
		notReachable("GO-2020-0036", LevelPackage),
		// Only the standard library's vendor/golang.org/x/text/unicode/norm
		// is linked, which is not the x/text module's package.
		notReachable("GO-2026-5970", LevelModule),
	))
}

func TestAnalyzeFixtureStripped(t *testing.T) {
	bin := extractBootstrap(t, "go-function-stripped.zip")
	if s, err := Stripped(bin); err != nil || !s {
		t.Fatalf("Stripped = %v, %v; want true", s, err)
	}
	got, err := Analyze(context.Background(), bin, fixtureRecords(t, bin))
	if err != nil {
		t.Fatal(err)
	}
	w := want()
	for _, id := range []string{"GO-2021-0113", "GO-2022-1059", "GO-2022-0956", "GO-2021-0061", "GO-2020-0036", "GO-2026-5970"} {
		w.add(unknown(id, LevelSymbol, ReasonStripped))
	}
	checkResult(t, got, w)
}

// BenchmarkAnalyzeFixture measures one Analyze call on the unstripped
// fixture (about 9.7 MB) with its build-info records from the OSV export.
func BenchmarkAnalyzeFixture(b *testing.B) {
	bin := extractBootstrap(b, "go-function.zip")
	recs := fixtureRecords(b, bin)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyze(context.Background(), bin, recs); err != nil {
			b.Fatal(err)
		}
	}
}
