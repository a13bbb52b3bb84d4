// Package report writes a scan result and the gate's verdict in the formats
// fnguard offers: a terminal table, a stable JSON contract (README.md), SARIF
// 2.1.0 for GitHub code scanning, a Markdown summary for pull requests and a
// CycloneDX SBOM carrying the vulnerabilities and their VEX analysis.
//
// Every format is deterministic for a given result, verdict and Options.Now:
// reports are diffed in CI and stored as baselines, so the same scan must
// produce the same bytes.
package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/internal/identity"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/release"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// Formats Write accepts, as the CLI names them.
const (
	FormatTable     = "table"
	FormatJSON      = "json"
	FormatSARIF     = "sarif"
	FormatMarkdown  = "markdown"
	FormatCycloneDX = "cyclonedx" // CycloneDX JSON
	// FormatCycloneDXJSON and FormatCycloneDXXML are the sbom command's
	// names; accepted so a caller can ask for the XML encoding too.
	FormatCycloneDXJSON = "cyclonedx-json"
	FormatCycloneDXXML  = "cyclonedx-xml"
)

// Options tune Write.
type Options struct {
	// Color enables ANSI colours in the table format only. The caller
	// decides (terminal and NO_COLOR unset): a report never probes its writer.
	Color bool
	// ToolVersion is fnguard's version, written into every machine format.
	ToolVersion string
	// Now is the report time: it dates the CycloneDX metadata and the JSON
	// report and measures the database's age. Zero means time.Now(); tests
	// pass a fixed time so output is byte-stable.
	Now time.Time
	// Spec is the CycloneDX spec version for the cyclonedx formats
	// ("1.5", "1.6", "1.7"; "" means 1.6).
	Spec string
	// Release is the application the scan read (nil for plain artifacts):
	// reports group by its functions and show their roles.
	Release *release.Release
}

// Write renders res and v in format to w. v may be nil (no gate was run):
// then no verdict is shown and no finding is called blocking or ignored.
// Nothing is written when an error is returned.
func Write(w io.Writer, format string, res *vulndb.Result, v *gate.Verdict, opts Options) error {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	m, err := newModel(res, v)
	if err != nil {
		return err
	}
	m.attach(opts.Release)
	if format == FormatJSON {
		// Streamed: the model is built and checked above, so what can fail
		// from here is only the writer.
		return writeJSON(w, m, opts)
	}
	var b strings.Builder
	switch format {
	case FormatTable:
		err = writeTable(&b, m, opts)
	case FormatJSON:
		err = writeJSON(&b, m, opts)
	case FormatSARIF:
		err = writeSARIF(&b, m, opts)
	case FormatMarkdown:
		err = writeMarkdown(&b, m, opts)
	case FormatCycloneDX, FormatCycloneDXJSON, FormatCycloneDXXML:
		err = writeCycloneDX(&b, m, format, opts)
	default:
		return fmt.Errorf("report: unknown format %q (want table, json, sarif, markdown or cyclonedx)", format)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// item is one finding with the gate's decision about it.
type item struct {
	f   *vulndb.Finding
	d   *gate.Decision // never nil: a zero Decision when there is no verdict
	art int            // index of the finding's artifact in model.arts
}

// model is the result rearranged the way every format reads it.
type model struct {
	res     *vulndb.Result
	v       *gate.Verdict // may be nil
	arts    []*lockfiles.Artifact
	artIdx  map[string]int
	items   []item // sorted: artifact, severity, package, ID
	unc     []vulndb.Unchecked
	fixes   []vulndb.Fix
	byArt   [][]item // items per artifact, same order
	counts  map[string]int
	blocked int
	// app is set for a release (Options.Release): see application.go.
	app *appModel
}

var errNoResult = errors.New("report: no scan result")

// noDecision stands for a finding without a verdict; never changed.
var noDecision = &gate.Decision{}

func newModel(res *vulndb.Result, v *gate.Verdict) (*model, error) {
	if res == nil {
		return nil, errNoResult
	}
	if v != nil && len(v.Decisions) != len(res.Findings) {
		// Decisions are aligned with findings by index; a mismatch means
		// every line of the report could be paired with the wrong finding.
		return nil, fmt.Errorf("report: verdict has %d decisions for %d findings", len(v.Decisions), len(res.Findings))
	}
	m := &model{res: res, v: v, artIdx: map[string]int{}, counts: map[string]int{}}
	if res.Inventory != nil {
		m.arts = res.Inventory.Artifacts
	}
	for i, a := range m.arts {
		if _, dup := m.artIdx[a.Path]; !dup {
			m.artIdx[a.Path] = i
		}
	}
	m.items = make([]item, 0, len(res.Findings))
	for i, f := range res.Findings {
		if f == nil || f.Package == nil {
			return nil, fmt.Errorf("report: finding %d has no package", i)
		}
		d := noDecision
		if v != nil && v.Decisions[i] != nil {
			d = v.Decisions[i]
		}
		m.items = append(m.items, item{f: f, d: d, art: m.artifactOf(f.Package)})
		m.counts[severityOf(f)]++
		if d.Blocking {
			m.blocked++
		}
	}
	// Input order of artifacts is the order the user named them, which
	// reads better than the path order the scanner sorts by.
	sort.SliceStable(m.items, func(i, j int) bool {
		a, b := m.items[i], m.items[j]
		if a.art != b.art {
			return a.art < b.art
		}
		if ra, rb := osv.SeverityRank(severityOf(a.f)), osv.SeverityRank(severityOf(b.f)); ra != rb {
			return ra < rb
		}
		if c := comparePkg(a.f.Package, b.f.Package); c != 0 {
			return c < 0
		}
		return a.f.ID < b.f.ID
	})
	// Items are sorted by artifact: each artifact's are a run of them.
	m.byArt = make([][]item, len(m.arts)+1)
	for start := 0; start < len(m.items); {
		end := start + 1
		for end < len(m.items) && m.items[end].art == m.items[start].art {
			end++
		}
		m.byArt[m.items[start].art] = m.items[start:end:end]
		start = end
	}
	m.unc = append([]vulndb.Unchecked(nil), res.Unchecked...)
	sort.SliceStable(m.unc, func(i, j int) bool {
		a, b := m.unc[i].Package, m.unc[j].Package
		if ia, ib := m.artifactOf(a), m.artifactOf(b); ia != ib {
			return ia < ib
		}
		return comparePkg(a, b) < 0
	})
	m.fixes = append([]vulndb.Fix(nil), res.Fixes...)
	sort.SliceStable(m.fixes, func(i, j int) bool {
		a, b := m.fixes[i].Package, m.fixes[j].Package
		if ia, ib := m.artifactOf(a), m.artifactOf(b); ia != ib {
			return ia < ib
		}
		return comparePkg(a, b) < 0
	})
	return m, nil
}

// artifactOf is the index of p's artifact; packages of an artifact the
// inventory does not list sort after all known ones.
func (m *model) artifactOf(p *lockfiles.Package) int {
	if p == nil {
		return len(m.arts)
	}
	if i, ok := m.artIdx[p.Artifact]; ok {
		return i
	}
	return len(m.arts)
}

func comparePkg(a, b *lockfiles.Package) int {
	if a == nil || b == nil {
		switch {
		case a == b:
			return 0
		case a == nil:
			return 1
		}
		return -1
	}
	for _, c := range [][2]string{{a.Ecosystem, b.Ecosystem}, {a.Name, b.Name}, {a.Version, b.Version}} {
		if c[0] != c[1] {
			return strings.Compare(c[0], c[1])
		}
	}
	return 0
}

// severityOf normalises a finding's label: anything the scorer did not
// label is unscored, never silently low.
func severityOf(f *vulndb.Finding) string {
	switch f.Severity {
	case osv.SeverityCritical, osv.SeverityHigh, osv.SeverityMedium, osv.SeverityLow:
		return f.Severity
	}
	return osv.SeverityUnscored
}

// severities in report order.
var severities = []string{osv.SeverityCritical, osv.SeverityHigh, osv.SeverityMedium, osv.SeverityLow, osv.SeverityUnscored}

// unreachable is a Go finding whose vulnerable symbols symbol analysis
// found absent from the binary (Reachable false; nil means unknown).
func unreachable(f *vulndb.Finding) bool { return f.Reachable != nil && !*f.Reachable }

// pkgLabel is "name@version" as people read it.
func pkgLabel(p *lockfiles.Package) string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + "@" + p.Version
}

// vexLabel is how a VEX statement shows: "VEX not_affected
// (code_not_reachable)".
func vexLabel(d *gate.Decision) string {
	s := "VEX " + d.VEXState
	if d.VEXJustification != "" {
		s += " (" + d.VEXJustification + ")"
	}
	return s
}

// bomRef is p's bom-ref, the same the SBOM gives its component.
func bomRef(p *lockfiles.Package) string {
	return identity.Of(p.Ecosystem, p.Name, p.Version, p.PURL).BOMRef
}

// osvURL is the advisory's page on osv.dev, which resolves every ID fnguard
// reports (GHSA, GO, PYSEC, MAL, CVE aliases).
func osvURL(id string) string { return "https://osv.dev/vulnerability/" + id }

// details is the primary record's long description, trimmed of the
// malicious-packages boilerplate header that precedes the real text.
func details(f *vulndb.Finding) string {
	if len(f.Records) == 0 || f.Records[0] == nil {
		return ""
	}
	d := f.Records[0].Details
	const marker = "_-= Per source details. Do not edit below this line.=-_"
	head, tail, ok := strings.Cut(d, marker)
	if !ok {
		return strings.TrimSpace(d)
	}
	head = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(head), "---"))
	tail = strings.TrimSpace(tail)
	if head == "" {
		return tail
	}
	return head + "\n\n" + tail
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// age says how long ago t was, coarsely ("2h", "3d").
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

// ignoreDate is an ignore's expiry as the policy file writes it.
func ignoreDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func hasCategory(p *lockfiles.Package, c string) bool {
	for _, x := range p.Categories {
		if x == c {
			return true
		}
	}
	return false
}

func sortPkgs(ps []*lockfiles.Package) {
	sort.SliceStable(ps, func(i, j int) bool { return comparePkg(ps[i], ps[j]) < 0 })
}

// kindOf is the kind of p's artifact, "" when the inventory lacks it.
func (m *model) kindOf(p *lockfiles.Package) string {
	if i := m.artifactOf(p); i < len(m.arts) {
		return m.arts[i].Kind
	}
	return ""
}

// fixedVersions are f's fixed versions as the package's own version is
// written: OSV stores Go module versions without the "v" that go.mod, the
// inventory and vulndb's upgrade advice use.
func fixedVersions(f *vulndb.Finding) []string {
	if f.Package == nil || f.Package.Ecosystem != "Go" || f.Package.Name == "stdlib" {
		return f.Fixed
	}
	out := make([]string, len(f.Fixed))
	for i, v := range f.Fixed {
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		out[i] = v
	}
	return out
}
