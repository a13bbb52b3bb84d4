package reach

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"golang.org/x/mod/semver"
)

func mustRecords(t *testing.T, raws ...string) map[string]*record {
	t.Helper()
	var bs [][]byte
	for _, r := range raws {
		bs = append(bs, []byte(r))
	}
	recs, _, err := parseRecords(bs)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestClassify(t *testing.T) {
	recs := mustRecords(t,
		`{"id":"MAL-2025-1","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/evil"}}]}`,
		`{"id":"GO-1","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"gopkg.in/yaml.v2"},"ecosystem_specific":{"imports":[{"path":"gopkg.in/yaml.v2"}]}}]}`,
		`{"id":"GO-2","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ecosystem_specific":{"imports":[{"path":"example.com/m/p"}]}}]}`,
	)
	mod := func(id, m string) *finding { return &finding{OSV: id, Trace: []*frame{{Module: m}}} }
	pkg := func(id, m, p string) *finding { return &finding{OSV: id, Trace: []*frame{{Module: m, Package: p}}} }
	sym := func(id, m, p, recv, fn string) *finding {
		return &finding{OSV: id, Trace: []*frame{{Module: m, Package: p, Receiver: recv, Function: fn}}}
	}
	findings := []*finding{
		mod("MAL-2025-1", "example.com/evil"),
		// Order must not matter: the finest level wins.
		sym("GO-1", "gopkg.in/yaml.v2", "gopkg.in/yaml.v2", "*Decoder", "Decode"),
		mod("GO-1", "gopkg.in/yaml.v2"),
		pkg("GO-1", "gopkg.in/yaml.v2", "gopkg.in/yaml.v2"),
		sym("GO-1", "gopkg.in/yaml.v2", "gopkg.in/yaml.v2", "", "Unmarshal"),
		sym("GO-1", "gopkg.in/yaml.v2", "gopkg.in/yaml.v2", "", "Unmarshal"),
		mod("GO-2", "example.com/m"),
		pkg("GO-2", "example.com/m", "example.com/m/p"),
	}

	got := classify(findings, recs, false)
	checkResult(t, got, want(
		unknown("MAL-2025-1", LevelModule, ReasonNoPackage),
		reachable("GO-1", LevelSymbol, "gopkg.in/yaml.v2.Decoder.Decode", "gopkg.in/yaml.v2.Unmarshal"),
		notReachable("GO-2", LevelPackage),
	))

	got = classify(findings, recs, true)
	checkResult(t, got, want(
		unknown("MAL-2025-1", LevelModule, ReasonStripped),
		unknown("GO-1", LevelSymbol, ReasonStripped),
		unknown("GO-2", LevelPackage, ReasonStripped),
	))
}

// An advisory naming two modules gets one verdict per module: GO-2024-2687
// (HTTP/2 CONTINUATION flood) affects net/http in the standard library and
// golang.org/x/net/http2; a binary calling the first and merely linking the
// second is reachable through stdlib only.
func TestClassifyPerModule(t *testing.T) {
	recs := mustRecords(t, `{"id":"GO-2024-2687","modified":"2025-01-01T00:00:00Z","affected":[`+
		`{"package":{"ecosystem":"Go","name":"stdlib"},"ecosystem_specific":{"imports":[{"path":"net/http"}]}},`+
		`{"package":{"ecosystem":"Go","name":"golang.org/x/net"},"ecosystem_specific":{"imports":[{"path":"golang.org/x/net/http2"}]}}]}`)
	findings := []*finding{
		{OSV: "GO-2024-2687", Trace: []*frame{{Module: "stdlib", Package: "net/http", Receiver: "*http2serverConn", Function: "processHeaders"}}},
		{OSV: "GO-2024-2687", Trace: []*frame{{Module: "golang.org/x/net", Package: "golang.org/x/net/http2"}}},
	}
	got := classify(findings, recs, false)
	checkResult(t, got, map[Key]Reachability{
		{"GO-2024-2687", "stdlib"}: {ID: "GO-2024-2687", Module: "stdlib", Reachable: yes, Level: LevelSymbol,
			Symbols: []string{"net/http.http2serverConn.processHeaders"}},
		{"GO-2024-2687", "golang.org/x/net"}: {ID: "GO-2024-2687", Module: "golang.org/x/net", Reachable: no, Level: LevelPackage},
	})
}

func TestParseFindings(t *testing.T) {
	// Shape of govulncheck -format json: indented objects, one message kind
	// each, no enclosing array.
	stream := `{
  "config": {"protocol_version": "v1.0.0", "scanner_name": "govulncheck", "scan_level": "symbol", "scan_mode": "binary"}
}
{"progress": {"message": "Scanning your binary for known vulnerabilities..."}}
{"SBOM": {"go_version": "go1.26.8", "modules": [{"path": "stdlib", "version": "go1.26.8"}]}}
{"osv": {"id": "GO-2021-0113", "modified": "2024-05-20T16:03:47Z", "affected": []}}
{
  "finding": {
    "osv": "GO-2021-0113",
    "fixed_version": "v0.3.7",
    "trace": [{"module": "golang.org/x/text", "version": "v0.3.5", "package": "golang.org/x/text/language", "function": "Parse"}]
  }
}
{"finding": {"osv": "GO-2022-1059", "trace": [{"module": "golang.org/x/text", "version": "v0.3.5"}]}}
`
	got, err := parseFindings(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	wantF := []*finding{
		{OSV: "GO-2021-0113", Trace: []*frame{{Module: "golang.org/x/text", Version: "v0.3.5", Package: "golang.org/x/text/language", Function: "Parse"}}},
		{OSV: "GO-2022-1059", Trace: []*frame{{Module: "golang.org/x/text", Version: "v0.3.5"}}},
	}
	if !reflect.DeepEqual(got, wantF) {
		b1, _ := json.Marshal(got)
		b2, _ := json.Marshal(wantF)
		t.Errorf("got %s\nwant %s", b1, b2)
	}
	if _, err := parseFindings(strings.NewReader(stream + `{"finding": {"osv": `)); err == nil {
		t.Error("truncated stream: want error")
	}
}

func TestGoTagToSemver(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8":                  "v1.26.8",
		"go1.22":                    "v1.22.0",
		"go1.22rc1":                 "v1.22.0-rc.1",
		"go1.9beta2":                "v1.9.0-beta.2",
		"go1.25.0 X:boringcrypto":   "v1.25.0",
		"go1":                       "v1.0.0",
		"go1.0":                     "",
		"devel go1.27-abc123 +0000": "",
		"":                          "",
	} {
		if got := goTagToSemver(in); got != want {
			t.Errorf("goTagToSemver(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToolchainRanges(t *testing.T) {
	// GO-2026-4867: introduced 0, fixed 1.25.9; introduced 1.26.0-0, fixed 1.26.2.
	b, err := os.ReadFile(filepath.Join("testdata", "govulndb", "GO-2026-4867.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec := mustRecords(t, string(b))["GO-2026-4867"]
	for v, want := range map[string]bool{
		"v1.20.0":      true,
		"v1.25.8":      true,
		"v1.25.9":      false, // fixed is exclusive
		"v1.25.10":     false,
		"v1.26.0-rc.1": true, // introduced 1.26.0-0 covers the release candidates
		"v1.26.1":      true,
		"v1.26.2":      false,
		"v1.27.0":      false,
	} {
		if got := toolchainAffected(rec, v); got != want {
			t.Errorf("toolchainAffected(GO-2026-4867, %s) = %v, want %v", v, got, want)
		}
	}
	if !rangesAffect(nil, "v1.2.3") {
		t.Error("no ranges must mean all versions")
	}
	if !rangesAffect([]osvRange{{Type: "GIT"}}, "v1.2.3") {
		t.Error("no SEMVER range must mean all versions")
	}
}

func TestParseRecordsKeepsLatest(t *testing.T) {
	older := `{"id":"GO-2024-0001","modified":"2024-01-01T00:00:00Z","summary":"old"}`
	newer := `{"id":"GO-2024-0001","modified":"2024-06-01T00:00:00Z","summary":"new"}`
	for _, order := range [][]string{{older, newer}, {newer, older}} {
		_, bodies, err := parseRecords([][]byte{[]byte(order[0]), []byte(order[1])})
		if err != nil {
			t.Fatal(err)
		}
		if len(bodies) != 1 || string(bodies["GO-2024-0001"]) != newer {
			t.Errorf("kept %q, want the newer record", bodies)
		}
	}
	for _, bad := range []string{
		`{"id":"GO-1"}`, // no modified
		`{"id":"","modified":"2024-01-01T00:00:00Z"}`,
		`{"id":"a/b","modified":"2024-01-01T00:00:00Z"}`,
		`{"id":"GO-1","modified":"yesterday"}`,
	} {
		if _, _, err := parseRecords([][]byte{[]byte(bad)}); err == nil {
			t.Errorf("parseRecords(%s): want error", bad)
		}
	}
}

func TestWriteDB(t *testing.T) {
	raws := [][]byte{
		[]byte(`{"id":"GO-2","modified":"2025-02-01T00:00:00Z","aliases":["CVE-2025-2"],"affected":[{"package":{"ecosystem":"Go","name":"b.example/m"}},{"package":{"ecosystem":"Go","name":"a.example/m"}}]}`),
		[]byte(`{"id":"GO-1","modified":"2025-03-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"a.example/m"}},{"package":{"ecosystem":"npm","name":"left-pad"}}]}`),
	}
	recs, bodies, err := parseRecords(raws)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeDB(dir, recs, bodies); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for p, want := range map[string]string{
		"index/db.json":      `{"modified":"2025-03-01T00:00:00Z"}`,
		"index/modules.json": `[{"path":"a.example/m","vulns":[{"id":"GO-1","modified":"2025-03-01T00:00:00Z"},{"id":"GO-2","modified":"2025-02-01T00:00:00Z"}]},{"path":"b.example/m","vulns":[{"id":"GO-2","modified":"2025-02-01T00:00:00Z"}]}]`,
		"index/vulns.json":   `[{"id":"GO-1","modified":"2025-03-01T00:00:00Z"},{"id":"GO-2","modified":"2025-02-01T00:00:00Z","aliases":["CVE-2025-2"]}]`,
		"ID/GO-1.json":       string(raws[1]), // records are stored byte for byte
		"ID/GO-2.json":       string(raws[0]),
	} {
		if got := read(p); got != want {
			t.Errorf("%s = %s\nwant %s", p, got, want)
		}
	}
}

func TestRecordsFor(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "golang.org/x/text", Version: "v0.3.5"},
			{Path: "gopkg.in/yaml.v2", Version: "v2.2.2", Replace: &debug.Module{Path: "example.com/fork/yaml", Version: "v2.2.9"}},
			{Path: "golang.org/x/text", Version: "v0.3.5"},
		},
	}
	var asked []string
	got := RecordsFor(bi, func(m string) [][]byte {
		asked = append(asked, m)
		return [][]byte{[]byte(m)}
	})
	wantAsked := []string{"stdlib", "toolchain", "example.com/app", "golang.org/x/text", "example.com/fork/yaml"}
	if !reflect.DeepEqual(asked, wantAsked) {
		t.Errorf("asked for %q, want %q", asked, wantAsked)
	}
	if len(got) != len(wantAsked) {
		t.Errorf("got %d records, want %d", len(got), len(wantAsked))
	}
}

// smallELF returns a minimal ELF header-only file, with or without a
// .symtab, built with debug/elf's own constants so both inspect paths are
// seeded for the fuzzer.
func smallELF(withSymtab bool) []byte {
	var b bytes.Buffer
	hdr := elf.Header64{
		Ident:     [16]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)},
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Ehsize:    64,
		Shentsize: 64,
	}
	sections := []elf.Section64{{}} // SHN_UNDEF
	if withSymtab {
		sections = append(sections, elf.Section64{Type: uint32(elf.SHT_SYMTAB), Entsize: 24})
	}
	hdr.Shoff = 64
	hdr.Shnum = uint16(len(sections))
	writeLE(&b, hdr)
	for _, s := range sections {
		writeLE(&b, s)
	}
	return b.Bytes()
}

func TestInspectELF(t *testing.T) {
	for withSymtab, wantStripped := range map[bool]bool{true: false, false: true} {
		info, err := inspect(bytes.NewReader(smallELF(withSymtab)))
		if err != nil || info.format != "elf" || info.stripped != wantStripped {
			t.Errorf("inspect(ELF, symtab=%v) = %+v, %v; want stripped=%v", withSymtab, info, err, wantStripped)
		}
	}
	for _, junk := range []string{"", "MZ", "\x7fELF", "#!/bin/sh\n", "\xfe\xed\xfa\xcf"} {
		if _, err := inspect(strings.NewReader(junk)); err == nil {
			t.Errorf("inspect(%q): want error", junk)
		}
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(smallELF(true))
	f.Add(smallELF(false))
	f.Add([]byte("MZ\x90\x00"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	f.Add([]byte("\xfe\xed\xfa\xce"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := inspect(bytes.NewReader(data))
		if err == nil && info.format == "" {
			t.Fatalf("no error but no format: %+v", info)
		}
		if info.machoNoSymtab && !info.stripped {
			t.Fatalf("Mach-O without symtab reported as unstripped")
		}
	})
}

func FuzzGoTagToSemver(f *testing.F) {
	for _, s := range []string{"go1.26.8", "go1.22rc1", "go1", "devel go1.27-x", "go1.2.3.4", "go1.-pre1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		if v := goTagToSemver(tag); v != "" && !semver.IsValid(v) {
			t.Fatalf("goTagToSemver(%q) = %q, not valid semver", tag, v)
		}
	})
}

// Record ids become file names: whatever parseRecords accepts must stay
// inside the DB's ID directory.
func FuzzParseRecords(f *testing.F) {
	f.Add([]byte(`{"id":"GO-2021-0113","modified":"2024-05-20T16:03:47Z"}`))
	f.Add([]byte(`{"id":"../x","modified":"2024-05-20T16:03:47Z"}`))
	f.Add([]byte(`{"id":"..","modified":"2024-05-20T16:03:47Z"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		recs, _, err := parseRecords([][]byte{raw})
		if err != nil {
			return
		}
		for id := range recs {
			p := filepath.Join("db", "ID", id+".json")
			if filepath.Dir(p) != filepath.Join("db", "ID") {
				t.Fatalf("id %q escapes the ID directory: %s", id, p)
			}
		}
	})
}

func writeLE(b *bytes.Buffer, v any) {
	if err := binary.Write(b, binary.LittleEndian, v); err != nil {
		panic(err)
	}
}

// validID is the regexp it replaced, written out: the two agree on ids of
// every shape near the rules' edges.
func TestValidIDMatchesItsRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	ids := []string{"", "GO-2021-0113", "MAL-2025-2544", "GHSA-xxxx-xxxx-xxxx", "a", "-a", ".a", "_a", "a..b",
		"a/b", `a\b`, "a b", "ä", "a\x00", strings.Repeat("a", 128), strings.Repeat("a", 129), "a" + strings.Repeat("-", 127), "A.B_C-9"}
	for c := 0; c < 256; c++ {
		ids = append(ids, string(rune(c)), "a"+string([]byte{byte(c)}))
	}
	for _, id := range ids {
		if got, want := validID(id), re.MatchString(id); got != want {
			t.Errorf("validID(%q) = %v, the regexp says %v", id, got, want)
		}
	}
}
