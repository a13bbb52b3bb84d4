package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fnguard/fnguard/gate"
	"github.com/fnguard/fnguard/iam"
	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
)

// JSONSchemaVersion is the version of the JSON report contract. It changes
// only when a field is removed or changes meaning; new fields may appear
// without a bump, so consumers must ignore fields they do not know.
const JSONSchemaVersion = 1

// The JSON report contract, documented field by field in README.md. Slices
// are never nil when encoded (empty arrays are [], not null) and order is
// deterministic, so reports can be diffed and used as --baseline input.

// JSONReport is the whole document.
type JSONReport struct {
	SchemaVersion int         `json:"schema_version"`
	Tool          JSONTool    `json:"tool"`
	GeneratedAt   string      `json:"generated_at"`
	Summary       JSONSummary `json:"summary"`
	// Application is the application the scan read (SAM, CloudFormation,
	// CDK, Serverless, deployed); absent for plain artifacts.
	Application *JSONApplication `json:"application,omitempty"`
	Artifacts   []JSONArtifact   `json:"artifacts"`
	Findings    []JSONFinding    `json:"findings"`
	Unchecked   []JSONUnchecked  `json:"unchecked"`
	Remediation []JSONFix        `json:"remediation"`
	Warnings    []JSONWarning    `json:"warnings"`
	Database    JSONDatabase     `json:"database"`
	Verdict     *JSONVerdict     `json:"verdict"`
}

// JSONTool names the program that wrote the report.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary counts findings.
type JSONSummary struct {
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"`
	Blocking   int            `json:"blocking"`
	Ignored    int            `json:"ignored"`
	Malicious  int            `json:"malicious"`
	Unchecked  int            `json:"unchecked"`
}

// JSONArtifact is one input.
type JSONArtifact struct {
	Path      string         `json:"path"`
	Kind      string         `json:"kind"`
	Runtime   string         `json:"runtime"`
	Parent    string         `json:"parent"`
	Component *JSONComponent `json:"component"`
	Complete  bool           `json:"complete"`
	Packages  []JSONPackage  `json:"packages"`
}

// JSONComponent is an artifact's own application.
type JSONComponent struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
}

// JSONPackage is one package of an artifact.
type JSONPackage struct {
	Ecosystem    string   `json:"ecosystem"`
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	PURL         string   `json:"purl"`
	Locations    []string `json:"locations"`
	Categories   []string `json:"categories"`
	Licenses     []string `json:"licenses"`
	VersionError string   `json:"version_error"`
	// Functions are the logical ids of the functions shipping the package
	// (application reports only).
	Functions *[]string `json:"functions,omitempty"`
}

// JSONPackageRef identifies a package where the full record is elsewhere.
type JSONPackageRef struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl"`
}

// JSONFinding is one advisory affecting one package of one artifact, with
// the gate's decision about it.
type JSONFinding struct {
	ID             string         `json:"id"`
	Aliases        []string       `json:"aliases"`
	Summary        string         `json:"summary"`
	Package        JSONPackageRef `json:"package"`
	Artifact       string         `json:"artifact"`
	Locations      []string       `json:"locations"`
	Severity       string         `json:"severity"`
	Score          float64        `json:"score"`
	Vector         string         `json:"vector"`
	SeveritySource string         `json:"severity_source"`
	Malicious      bool           `json:"malicious"`
	Fixed          []string       `json:"fixed"`
	Categories     []string       `json:"categories"`
	CWEs           []string       `json:"cwes"`
	References     []string       `json:"references"`
	Reachable      *bool          `json:"reachable"`
	ReachableLevel string         `json:"reachable_level"`
	ReachableWhy   string         `json:"reachable_reason"`
	Blocking       bool           `json:"blocking"`
	Highlight      bool           `json:"highlight"`
	Ignored        bool           `json:"ignored"`
	IgnoreReason   string         `json:"ignore_reason"`
	IgnoreExpires  *string        `json:"ignore_expires"`
	IgnoreExpired  bool           `json:"ignore_expired"`
	InBaseline     bool           `json:"in_baseline"`
	// VEX is the --vex statement that lets the finding through; null when
	// none applies.
	VEX       *JSONVEX `json:"vex"`
	Threshold string   `json:"threshold"`
	Why       []string `json:"why"`
	// Functions ship the package (application reports only); BlastRadius
	// is set when one of them runs with a failing role finding.
	Functions   *[]string `json:"functions,omitempty"`
	BlastRadius bool      `json:"blast_radius,omitempty"`
}

// JSONVEX is a VEX statement that applied to a finding.
type JSONVEX struct {
	State         string `json:"state"`
	Justification string `json:"justification"`
	Detail        string `json:"detail"`
	Source        string `json:"source"`
}

// JSONUnchecked is a package whose version could not be compared.
type JSONUnchecked struct {
	Package   JSONPackageRef `json:"package"`
	Artifact  string         `json:"artifact"`
	Reason    string         `json:"reason"`
	Functions *[]string      `json:"functions,omitempty"`
}

// JSONFix is the smallest upgrade that clears every advisory of a package.
type JSONFix struct {
	Package   JSONPackageRef `json:"package"`
	Artifact  string         `json:"artifact"`
	UpgradeTo *string        `json:"upgrade_to"`
	Clears    []string       `json:"clears"`
}

// JSONWarning is a non-fatal inventory problem.
type JSONWarning struct {
	Artifact string `json:"artifact"`
	Location string `json:"location"`
	Message  string `json:"message"`
}

// JSONDatabase says what the scan was matched against.
type JSONDatabase struct {
	Path       string                       `json:"path"`
	Updated    *string                      `json:"updated"`
	Ecosystems map[string]JSONEcosystemInfo `json:"ecosystems"`
}

// JSONEcosystemInfo is one ecosystem of the database.
type JSONEcosystemInfo struct {
	Records int     `json:"records"`
	Updated *string `json:"updated"`
}

// JSONVerdict is the gate's decision.
type JSONVerdict struct {
	Pass              bool         `json:"pass"`
	Reasons           []string     `json:"reasons"`
	Notes             []string     `json:"notes"`
	UncheckedBlocking bool         `json:"unchecked_blocking"`
	StaleIgnores      []JSONIgnore `json:"stale_ignores"`
	ExpiredIgnores    []JSONIgnore `json:"expired_ignores"`
	// OutOfScopeIgnores are scoped to artifacts, functions or packages this
	// scan did not include: meant for other scans of a shared policy.
	OutOfScopeIgnores []JSONIgnore `json:"out_of_scope_ignores"`
	Policy            *JSONPolicy  `json:"policy"`
}

// JSONIgnore is one ignore entry of the policy.
type JSONIgnore struct {
	ID       string  `json:"id"`
	Package  string  `json:"package"`
	Artifact string  `json:"artifact,omitempty"`
	Function string  `json:"function,omitempty"`
	Rule     string  `json:"rule,omitempty"`
	Reason   string  `json:"reason"`
	Expires  *string `json:"expires"`
	Line     int     `json:"line"`
}

// JSONPolicy is the policy the verdict was reached under.
type JSONPolicy struct {
	Source      string            `json:"source"`
	FailOn      string            `json:"fail_on"`
	Unscored    string            `json:"unscored"`
	Unchecked   string            `json:"unchecked"`
	Unreachable string            `json:"unreachable"`
	MaxDBAge    string            `json:"max_db_age"`
	Categories  map[string]string `json:"categories"`
	// Roles, Unreadable and UnknownRole are written for applications only:
	// the IAM rules that fail (every rule: fail or warn), and what an
	// unreadable function or an unknown role does.
	Roles       map[string]string `json:"roles,omitempty"`
	Unreadable  string            `json:"unreadable,omitempty"`
	UnknownRole string            `json:"unknown_role,omitempty"`
}

// writeJSON streams the report: the document is written member by member
// and the large arrays element by element, each element built only when
// it is written, so a scan of 100,000 findings never holds its report
// model or its indented text in memory. The bytes are those json.Encoder
// with a two-space indent would write for buildJSON's document.
func writeJSON(w io.Writer, m *model, opts Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	r := buildJSONHead(m, opts)
	ind := newIndenter()
	warnings := inventoryWarnings(m)
	fields := []jsonField{
		{name: "schema_version", v: r.SchemaVersion},
		{name: "tool", v: r.Tool},
		{name: "generated_at", v: r.GeneratedAt},
		{name: "summary", v: r.Summary},
		{name: "application", v: r.Application},
		{name: "artifacts", write: func(w io.Writer) error { return m.writeArtifacts(w, ind) }},
		{name: "findings", n: len(m.items), each: encodeEach(m.items, m.jsonFinding)},
		{name: "unchecked", n: len(m.unc), each: encodeEach(m.unc, m.jsonUnchecked)},
		{name: "remediation", n: len(m.fixes), each: encodeEach(m.fixes, jsonFixOf)},
		{name: "warnings", n: len(warnings), each: encodeEach(warnings, jsonWarningOf)},
		{name: "database", v: r.Database},
		{name: "verdict", v: r.Verdict},
	}
	if r.Application == nil {
		fields = slices.DeleteFunc(fields, func(f jsonField) bool { return f.name == "application" })
	}
	if jv := r.Verdict; jv != nil {
		// A failing scan of 200,000 packages has as many reasons: written
		// whole they were the largest buffer of the report. The members
		// are JSONVerdict's, in its order.
		i := slices.IndexFunc(fields, func(f jsonField) bool { return f.name == "verdict" })
		fields[i] = jsonField{name: "verdict", write: func(w io.Writer) error {
			return writeObject(w, ind, "  ", []jsonField{
				{name: "pass", v: jv.Pass},
				{name: "reasons", n: len(jv.Reasons), each: encodeEach(jv.Reasons, same[string])},
				{name: "notes", n: len(jv.Notes), each: encodeEach(jv.Notes, same[string])},
				{name: "unchecked_blocking", v: jv.UncheckedBlocking},
				{name: "stale_ignores", v: jv.StaleIgnores},
				{name: "expired_ignores", v: jv.ExpiredIgnores},
				{name: "out_of_scope_ignores", v: jv.OutOfScopeIgnores},
				{name: "policy", v: jv.Policy},
			})
		}}
	}
	if err := writeObject(bw, ind, "", fields); err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

func same[T any](v T) T { return v }

// writeObject writes an object of fields whose closing brace stands at
// prefix, its members one level in, each as jsonField says.
func writeObject(w io.Writer, ind *indenter, prefix string, fields []jsonField) error {
	inner := prefix + "  "
	if _, err := io.WriteString(w, "{\n"); err != nil {
		return err
	}
	for i, f := range fields {
		if _, err := fmt.Fprintf(w, "%s%q: ", inner, f.name); err != nil {
			return err
		}
		var err error
		switch {
		case f.write != nil:
			err = f.write(w)
		case f.each != nil:
			err = writeList(w, f.n, inner+"  ", f.each)
		default:
			err = ind.write(w, f.v, inner)
		}
		if err != nil {
			return err
		}
		sep := "\n"
		if i < len(fields)-1 {
			sep = ",\n"
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, prefix+"}")
	return err
}

// writeList writes a JSON array of n elements, one level below prefix's
// parent: "[", each element on its own line at prefix, "]". each encodes
// element i. A long list is encoded a batch at a time on every core, each
// goroutine with its own indenter, and written in order: encoding 100,000
// findings was a fifth of a large scan.
func writeList(w io.Writer, n int, prefix string, each func(*indenter, *bytes.Buffer, int) error) error {
	if n == 0 {
		_, err := io.WriteString(w, "[]")
		return err
	}
	const batch = 256
	workers := runtime.GOMAXPROCS(0)
	if n < 4*batch {
		workers = 1
	}
	bufs := make([]bytes.Buffer, workers)
	inds := make([]*indenter, workers)
	for i := range inds {
		inds[i] = newIndenter()
	}
	errs := make([]error, workers)
	encode := func(k, from, to int) {
		b := &bufs[k]
		b.Reset()
		for i := from; i < to; i++ {
			if i == 0 {
				b.WriteString("[\n" + prefix)
			} else {
				b.WriteString(",\n" + prefix)
			}
			if err := each(inds[k], b, i); err != nil {
				errs[k] = err
				return
			}
		}
	}
	for start := 0; start < n; start += batch * workers {
		var wg sync.WaitGroup
		for k := 0; k < workers; k++ {
			from := min(n, start+k*batch)
			to := min(n, from+batch)
			if workers == 1 {
				encode(k, from, to)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				encode(k, from, to)
			}()
		}
		wg.Wait()
		for k := range bufs {
			if errs[k] != nil {
				return errs[k]
			}
			if _, err := w.Write(bufs[k].Bytes()); err != nil {
				return err
			}
			bufs[k].Reset()
		}
	}
	_, err := io.WriteString(w, "\n"+prefix[:len(prefix)-2]+"]")
	return err
}

// writeArtifacts writes "artifacts" straight to w, an artifact at a time:
// each is as long as its packages, which are streamed.
func (m *model) writeArtifacts(w io.Writer, ind *indenter) error {
	if len(m.arts) == 0 {
		_, err := io.WriteString(w, "[]")
		return err
	}
	for i, a := range m.arts {
		sep := ",\n    "
		if i == 0 {
			sep = "[\n    "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if err := m.writeArtifact(w, ind, a); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n  ]")
	return err
}

// writeArtifact writes one element of "artifacts" with its packages
// streamed: one artifact may hold 200,000 of them. Packages is the last
// member of JSONArtifact, so the artifact is written without them and its
// closing "[]" and brace replaced by the list.
func (m *model) writeArtifact(w io.Writer, ind *indenter, a *lockfiles.Artifact) error {
	ja := m.jsonArtifactHead(a)
	var head bytes.Buffer
	if err := ind.write(&head, ja, "    "); err != nil {
		return err
	}
	const tail = "[]\n    }"
	b := head.Bytes()
	if !bytes.HasSuffix(b, []byte(tail)) {
		return errors.New("report: artifact JSON does not end with its packages")
	}
	if _, err := w.Write(b[:len(b)-len(tail)]); err != nil {
		return err
	}
	pkgs := sortedPackages(a.Packages)
	err := writeList(w, len(pkgs), "        ", func(in *indenter, w *bytes.Buffer, i int) error {
		jp := m.jsonPackage(pkgs[i])
		return in.write(w, &jp, "        ")
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n    }")
	return err
}

// jsonField is one top-level member of the report: a value written whole,
// a list of n elements written one at a time, or one that writes itself.
type jsonField struct {
	name  string
	v     any
	n     int                                       // elements of a list
	each  func(*indenter, *bytes.Buffer, int) error // a list: element i
	write func(io.Writer) error                     // a member that writes itself
}

// encodeEach encodes element i of s in its JSON form, built only when it
// is written.
func encodeEach[T, J any](s []T, conv func(T) J) func(*indenter, *bytes.Buffer, int) error {
	return func(in *indenter, w *bytes.Buffer, i int) error {
		j := conv(s[i])
		return in.write(w, &j, "    ")
	}
}

// buildJSONHead is the document without the elements of its arrays.
func buildJSONHead(m *model, opts Options) *JSONReport {
	r := &JSONReport{
		SchemaVersion: JSONSchemaVersion,
		Tool:          JSONTool{Name: "fnguard", Version: opts.ToolVersion},
		GeneratedAt:   opts.Now.UTC().Format(time.RFC3339),
		Artifacts:     []JSONArtifact{},
		Findings:      []JSONFinding{},
		Unchecked:     []JSONUnchecked{},
		Remediation:   []JSONFix{},
		Warnings:      []JSONWarning{},
	}
	r.Summary = JSONSummary{Findings: len(m.items), BySeverity: map[string]int{}, Blocking: m.blocked, Unchecked: len(m.unc)}
	for _, s := range severities {
		r.Summary.BySeverity[s] = m.counts[s]
	}
	for _, it := range m.items {
		if it.d.Ignored {
			r.Summary.Ignored++
		}
		if it.f.Malicious {
			r.Summary.Malicious++
		}
	}
	db := m.res.Database
	r.Database = JSONDatabase{Path: db.Path, Updated: timeOrNil(db.Updated), Ecosystems: map[string]JSONEcosystemInfo{}}
	for name, e := range db.Ecosystems {
		r.Database.Ecosystems[name] = JSONEcosystemInfo{Records: e.Records, Updated: timeOrNil(e.Updated)}
	}
	if v := m.v; v != nil {
		jv := &JSONVerdict{Pass: v.Pass, Reasons: strs(v.Reasons), Notes: strs(v.Notes), UncheckedBlocking: v.UncheckedBlocking,
			StaleIgnores: jsonIgnores(v.StaleIgnores), ExpiredIgnores: jsonIgnores(v.ExpiredIgnores),
			OutOfScopeIgnores: jsonIgnores(v.OutOfScopeIgnores)}
		if p := v.Policy; p != nil {
			jv.Policy = &JSONPolicy{Source: p.Label(), FailOn: p.FailOn, Unscored: p.Unscored, Unchecked: p.Unchecked,
				Unreachable: p.Unreachable, MaxDBAge: p.MaxDBAge.String(), Categories: map[string]string{}}
			for k, c := range p.Categories {
				jv.Policy.Categories[k] = c
			}
			if m.app != nil {
				jv.Policy.Roles = map[string]string{}
				for _, rule := range iam.Rules {
					jv.Policy.Roles[rule] = map[bool]string{true: "fail", false: "warn"}[p.RuleFails(rule)]
				}
				jv.Policy.Unreadable, jv.Policy.UnknownRole = p.UnreadableMode(), p.UnknownRoleMode()
			}
		}
		r.Verdict = jv
	}
	r.Application = m.jsonApplication()
	return r
}

func (m *model) jsonArtifactHead(a *lockfiles.Artifact) JSONArtifact {
	ja := JSONArtifact{Path: a.Path, Kind: a.Kind, Runtime: a.Runtime, Parent: a.Parent, Complete: a.Complete, Packages: []JSONPackage{}}
	if c := a.Component; c != nil {
		ja.Component = &JSONComponent{Name: c.Name, Version: c.Version, PURL: c.PURL}
	}
	return ja
}

func (m *model) jsonPackage(p *lockfiles.Package) JSONPackage {
	return JSONPackage{
		Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: purlOf(p),
		Locations: strs(p.Locations), Categories: strs(p.Categories), Licenses: strs(p.Licenses),
		VersionError: p.VersionError, Functions: m.jsonFunctions(p),
	}
}

func (m *model) jsonFinding(it item) JSONFinding {
	f, d := it.f, it.d
	return JSONFinding{
		ID: f.ID, Aliases: strs(f.Aliases), Summary: f.Summary,
		Package: pkgRef(f.Package), Artifact: f.Package.Artifact, Locations: strs(f.Package.Locations),
		Severity: severityOf(f), Score: f.Score, Vector: f.Vector, SeveritySource: f.SeveritySource,
		Malicious: f.Malicious, Fixed: strs(fixedVersions(f)), Categories: strs(f.Package.Categories),
		CWEs: strs(f.CWEs), References: strs(f.References),
		Reachable: f.Reachable, ReachableLevel: f.ReachLevel, ReachableWhy: f.ReachReason,
		Blocking: d.Blocking, Highlight: d.Highlight,
		Ignored: d.Ignored, IgnoreReason: d.IgnoreReason, IgnoreExpires: dateOrNil(d.IgnoreExpires),
		IgnoreExpired: d.IgnoreExpired, InBaseline: d.InBaseline, VEX: jsonVEX(d), Threshold: d.Threshold, Why: strs(d.Why),
		Functions: m.jsonFunctions(f.Package), BlastRadius: d.BlastRadius,
	}
}

func jsonVEX(d *gate.Decision) *JSONVEX {
	if d.VEXState == "" {
		return nil
	}
	return &JSONVEX{State: d.VEXState, Justification: d.VEXJustification, Detail: d.VEXDetail, Source: d.VEXSource}
}

func jsonIgnores(ig []gate.Ignore) []JSONIgnore {
	out := []JSONIgnore{}
	for _, i := range ig {
		out = append(out, JSONIgnore{ID: i.ID, Package: i.Package, Artifact: i.Artifact, Function: i.Function, Rule: i.Rule, Reason: i.Reason, Expires: dateOrNil(i.Expires), Line: i.Line})
	}
	return out
}

func pkgRef(p *lockfiles.Package) JSONPackageRef {
	if p == nil {
		return JSONPackageRef{}
	}
	return JSONPackageRef{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: purlOf(p)}
}

// purlOf is p's package URL, or the one the SBOM derives from ecosystem,
// name and version when the inventory had none: --baseline keys findings
// by purl (gate.Baseline), and the SBOM, the JSON report and the baseline
// must name a package the same way.
func purlOf(p *lockfiles.Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	if ref := bomRef(p); strings.HasPrefix(ref, "pkg:") {
		return ref
	}
	return ""
}

func artifactPath(p *lockfiles.Package) string {
	if p == nil {
		return ""
	}
	return p.Artifact
}

// strs copies s so an absent list encodes as [] and the report never
// aliases the result's slices.
func strs(s []string) []string {
	return append([]string{}, s...)
}

func dateOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ignoreDate(t)
	return &s
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// sortedPackages orders an artifact's packages by ecosystem, name, version.
func sortedPackages(ps []*lockfiles.Package) []*lockfiles.Package {
	out := make([]*lockfiles.Package, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	sortPkgs(out)
	return out
}

func (m *model) jsonUnchecked(u vulndb.Unchecked) JSONUnchecked {
	return JSONUnchecked{Package: pkgRef(u.Package), Artifact: artifactPath(u.Package), Reason: u.Reason, Functions: m.jsonFunctions(u.Package)}
}

func jsonFixOf(fx vulndb.Fix) JSONFix {
	jf := JSONFix{Package: pkgRef(fx.Package), Artifact: artifactPath(fx.Package), Clears: strs(fx.Clears)}
	if fx.Version != "" {
		v := fx.Version
		jf.UpgradeTo = &v
	}
	return jf
}

func inventoryWarnings(m *model) []lockfiles.Warning {
	if inv := m.res.Inventory; inv != nil {
		return inv.Warnings
	}
	return nil
}

func jsonWarningOf(w lockfiles.Warning) JSONWarning {
	return JSONWarning{Artifact: w.Artifact, Location: w.Location, Message: w.Message}
}
