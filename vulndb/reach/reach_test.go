package reach

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
)

// testRecords returns every record under testdata/govulndb.
func testRecords(tb testing.TB) [][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "govulndb", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no test records: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

var (
	yes = boolPtr(true)
	no  = boolPtr(false)
)

// testModules are the modules the test advisories are reported for; the
// verdicts are keyed by advisory and module.
var testModules = map[string]string{
	"GO-2021-0113": "golang.org/x/text", "GO-2022-1059": "golang.org/x/text", "GO-2026-5970": "golang.org/x/text",
	"GO-2020-0036": "gopkg.in/yaml.v2", "GO-2021-0061": "gopkg.in/yaml.v2", "GO-2022-0956": "gopkg.in/yaml.v2",
	"GO-2025-4010": "stdlib", "GO-2026-4341": "stdlib", "GO-2026-4867": "toolchain",
	"MAL-2025-1": "example.com/evil", "GO-1": "gopkg.in/yaml.v2", "GO-2": "example.com/m",
}

func reachable(id, level string, syms ...string) Reachability {
	return Reachability{ID: id, Module: testModules[id], Reachable: yes, Level: level, Symbols: syms}
}

func notReachable(id, level string) Reachability {
	return Reachability{ID: id, Module: testModules[id], Reachable: no, Level: level}
}

func unknown(id, level, reason string) Reachability {
	return Reachability{ID: id, Module: testModules[id], Level: level, Reason: reason}
}

type wantMap map[Key]Reachability

func (w wantMap) add(r Reachability) { w[Key{r.ID, r.Module}] = r }

func want(rs ...Reachability) wantMap {
	m := wantMap{}
	for _, r := range rs {
		m.add(r)
	}
	return m
}

func format(m map[Key]Reachability) string {
	keys := make([]Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ID != keys[j].ID {
			return keys[i].ID < keys[j].ID
		}
		return keys[i].Module < keys[j].Module
	})
	var b strings.Builder
	for _, k := range keys {
		r := m[k]
		reach := "nil"
		if r.Reachable != nil {
			reach = fmt.Sprint(*r.Reachable)
		}
		fmt.Fprintf(&b, "  %s %s reachable=%s level=%s symbols=%v reason=%q\n", k.ID, k.Module, reach, r.Level, r.Symbols, r.Reason)
	}
	return b.String()
}

func checkResult(t *testing.T, got, want map[Key]Reachability) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%swant:\n%s", format(got), format(want))
	}
}

// yamlVulns are the gopkg.in/yaml.v2 v2.2.2 advisories in testdata; their
// vulnerable symbols are Unmarshal, UnmarshalStrict and Decoder.Decode.
var yamlVulns = []string{"GO-2020-0036", "GO-2021-0061", "GO-2022-0956"}

func TestAnalyzeCallsVulnerableSymbols(t *testing.T) {
	bins := testBinaries(t)
	got, err := Analyze(context.Background(), bins.calls, testRecords(t))
	if err != nil {
		t.Fatal(err)
	}
	// Binary built by the local Go (>= 1.26): GO-2025-4010, GO-2026-4341 and
	// GO-2026-4867 are fixed there and must be absent.
	w := want(
		reachable("GO-2021-0113", LevelSymbol, "golang.org/x/text/language.Parse"),
		notReachable("GO-2022-1059", LevelPackage), // ParseAcceptLanguage/MatchStrings not linked
		notReachable("GO-2026-5970", LevelModule),  // x/text/unicode/norm not linked
	)
	for _, id := range yamlVulns {
		w.add(reachable(id, LevelSymbol, "gopkg.in/yaml.v2.Unmarshal"))
	}
	checkResult(t, got, w)
}

func TestAnalyzeLinkedButNotCalled(t *testing.T) {
	bins := testBinaries(t)
	got, err := Analyze(context.Background(), bins.marshal, testRecords(t))
	if err != nil {
		t.Fatal(err)
	}
	w := want()
	for _, id := range yamlVulns {
		w.add(notReachable(id, LevelPackage))
	}
	checkResult(t, got, w)
}

func TestAnalyzeStripped(t *testing.T) {
	bins := testBinaries(t)
	for bin, wantStripped := range map[string]bool{bins.calls: false, bins.callsStripped: true, bins.marshal: false} {
		got, err := Stripped(bin)
		if err != nil || got != wantStripped {
			t.Errorf("Stripped(%s) = %v, %v; want %v", filepath.Base(bin), got, err, wantStripped)
		}
	}

	got, err := Analyze(context.Background(), bins.callsStripped, testRecords(t))
	if err != nil {
		t.Fatal(err)
	}
	// govulncheck reports every x/text and yaml.v2 advisory at symbol level
	// for a stripped binary; none of that is evidence.
	w := want(
		unknown("GO-2021-0113", LevelSymbol, ReasonStripped),
		unknown("GO-2022-1059", LevelSymbol, ReasonStripped),
		unknown("GO-2026-5970", LevelSymbol, ReasonStripped),
	)
	for _, id := range yamlVulns {
		w.add(unknown(id, LevelSymbol, ReasonStripped))
	}
	checkResult(t, got, w)
}

// The Go version in build info, not the toolchain running the scan, decides
// stdlib and toolchain advisories.
func TestAnalyzeGoVersionFromBuildInfo(t *testing.T) {
	bins := testBinaries(t)
	old := filepath.Join(t.TempDir(), "calls-go1.25.0")
	withGoVersion(t, bins.calls, old, "go1.25.0")

	got, err := Analyze(context.Background(), old, testRecords(t))
	if err != nil {
		t.Fatal(err)
	}
	w := want(
		reachable("GO-2021-0113", LevelSymbol, "golang.org/x/text/language.Parse"),
		notReachable("GO-2022-1059", LevelPackage),
		notReachable("GO-2026-5970", LevelModule),
		reachable("GO-2025-4010", LevelSymbol, "net/url.Parse"), // fixed in 1.25.2
		notReachable("GO-2026-4341", LevelPackage),              // net/url linked, ParseQuery/URL.Query not
		unknown("GO-2026-4867", LevelModule, ReasonToolchain),   // cmd/compile, fixed in 1.25.9
	)
	for _, id := range yamlVulns {
		w.add(reachable(id, LevelSymbol, "gopkg.in/yaml.v2.Unmarshal"))
	}
	checkResult(t, got, w)
}

func TestAnalyzeErrors(t *testing.T) {
	bins := testBinaries(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "handler.py")
	if err := os.WriteFile(text, []byte("def handler(event, ctx):\n    return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noInfo := filepath.Join(dir, "no-buildinfo")
	withoutBuildInfo(t, bins.calls, noInfo)
	// Still a Go executable with its symbol table: only the build info is gone.
	if s, err := Stripped(noInfo); err != nil || s {
		t.Fatalf("Stripped(no-buildinfo) = %v, %v", s, err)
	}

	for _, p := range []string{text, noInfo, filepath.Join(dir, "missing")} {
		got, err := Analyze(context.Background(), p, testRecords(t))
		if err == nil {
			t.Errorf("Analyze(%s) = %v, want error", p, got)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("Analyze(%s) error %q does not name the file", p, err)
		}
	}

	if _, err := Stripped(text); err == nil {
		t.Error("Stripped(text file): want error")
	}
	if _, err := Analyze(context.Background(), bins.calls, [][]byte{[]byte(`{"id":"../../etc/x","modified":"2024-01-01T00:00:00Z"}`)}); err == nil {
		t.Error("Analyze accepted a record id with path separators")
	}
	if _, err := Analyze(context.Background(), bins.calls, [][]byte{[]byte(`{"id":"GO-2024-0001"`)}); err == nil {
		t.Error("Analyze accepted truncated record JSON")
	}
}

// failingTransport records any HTTP request instead of sending it.
type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, errors.New("network use in test")
}

// Analyze must stay offline and silent: govulncheck's HTTP client is
// http.DefaultClient, and it prints to os.Stdout/os.Stderr unless told
// otherwise.
func TestAnalyzeOfflineAndQuiet(t *testing.T) {
	bins := testBinaries(t)

	ft := &failingTransport{}
	saved := http.DefaultTransport
	http.DefaultTransport = ft
	defer func() { http.DefaultTransport = saved }()

	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	savedOut, savedErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = stdoutW, stderrW
	got, aerr := Analyze(context.Background(), bins.calls, testRecords(t))
	os.Stdout, os.Stderr = savedOut, savedErr
	stdoutW.Close()
	stderrW.Close()
	var out, errOut strings.Builder
	buf := make([]byte, 4096)
	for _, p := range []struct {
		r *os.File
		b *strings.Builder
	}{{stdoutR, &out}, {stderrR, &errOut}} {
		for {
			n, err := p.r.Read(buf)
			p.b.Write(buf[:n])
			if err != nil {
				break
			}
		}
	}

	if aerr != nil {
		t.Fatal(aerr)
	}
	if r := got[Key{"GO-2021-0113", "golang.org/x/text"}].Reachable; r == nil || !*r {
		t.Errorf("GO-2021-0113: %+v", got)
	}
	if n := ft.calls.Load(); n != 0 {
		t.Errorf("Analyze made %d HTTP requests", n)
	}
	if out.Len() != 0 || errOut.Len() != 0 {
		t.Errorf("Analyze wrote to stdout %q / stderr %q", out.String(), errOut.String())
	}
}

// Analyze removes its temporary database even when govulncheck fails.
func TestAnalyzeRemovesDB(t *testing.T) {
	bins := testBinaries(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if _, err := Analyze(context.Background(), bins.marshal, testRecords(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyze(ctx, bins.marshal, testRecords(t)); err == nil {
		t.Error("Analyze with a cancelled context: want error")
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}
