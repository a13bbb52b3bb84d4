package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

// The SARIF log is built with github.com/owenrumney/go-sarif/v3 (its
// v210/sarif package). Its constructors fill in the schema's default for
// every non-pointer member (rank -1, index -1, kind "fail", language
// "en-US", empty arrays, ...), so the output states those defaults
// explicitly; they mean the same as leaving the member out. Struct literals
// would write zero values instead (index 0, rank 0, enabled false), which
// mean something else, so every object here comes from a New* function.

const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	toolInfoURI  = "https://github.com/fnguard/fnguard"
	// fingerprintKey names fnguard's partial fingerprint; the /v1 suffix is
	// the convention for letting a future scheme coexist.
	fingerprintKey = "fnguardFinding/v1"
)

// securitySeverity* are GitHub's security-severity values for findings
// without a CVSS score. GitHub buckets the value (over 9.0 critical, 7.0 to
// 8.9 high, 4.0 to 6.9 medium, below low); a label-only advisory gets a
// value inside its label's bucket, and an unscored one 7.0 (high): the gate
// fails unscored advisories by default, so code scanning should not file
// them under low.
var securitySeverityFor = map[string]string{
	osv.SeverityCritical: "9.5",
	osv.SeverityHigh:     "8.0",
	osv.SeverityMedium:   "5.5",
	osv.SeverityLow:      "2.0",
	osv.SeverityUnscored: "7.0",
}

func writeSARIF(w io.Writer, m *model, opts Options) error {
	log := buildSARIF(m, opts)
	// Encoded here rather than with log.PrettyWrite, which would escape
	// <, > and & in every string, end without a newline and keep every
	// schema default (see sarifprune.go).
	return writePrunedJSON(w, log)
}

func buildSARIF(m *model, opts Options) *sarif.Report {
	run := sarif.NewRunWithInformationURI("fnguard", toolInfoURI)
	if opts.ToolVersion != "" {
		run.Tool.Driver.WithVersion(opts.ToolVersion)
	}
	// One rule per advisory ID, in ID order; a rule's severity is the worst
	// any of its findings has (per-package severities can differ).
	byID := map[string][]item{}
	for _, it := range m.items {
		byID[it.f.ID] = append(byID[it.f.ID], it)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ruleIndex := map[string]int{}
	for _, id := range ids {
		ruleIndex[id] = len(run.Tool.Driver.Rules)
		sarifRuleFor(run.AddRule(id), byID[id])
	}
	var appRes []appResult
	var appIndex map[string]int
	isBlast := func(r appResult) bool { return r.rule == ruleBlastRadius }
	if m.app != nil {
		appRes = appResults(m)
		appIndex = addAppRules(run, appRes)
		addAppResults(run, appRes, appIndex, isBlast)
	}
	for _, it := range m.items {
		r := sarifResultFor(it, ruleIndex[it.f.ID], m.kindOf(it.f.Package))
		if m.app != nil {
			r.WithLocations([]*sarif.Location{m.app.packageLocation(it.f.Package, m.kindOf(it.f.Package))})
			if ids := m.functionIDs(it.f.Package); len(ids) > 0 {
				r.Properties.Add("functions", ids)
			}
			if it.d.BlastRadius {
				r.Properties.Add("blastRadius", true)
			}
		}
		run.AddResult(r)
	}
	if m.app != nil {
		addAppResults(run, appRes, appIndex, func(r appResult) bool { return !isBlast(r) })
	}
	var notes []*sarif.Notification
	for _, u := range m.unc {
		level := sarif.LevelWarning
		if m.v != nil && m.v.UncheckedBlocking {
			level = sarif.LevelError
		}
		notes = append(notes, sarif.NewNotification().
			WithLevel(level).
			WithMessage(sarif.NewTextMessage(fmt.Sprintf("%s %s could not be checked (never reported clean): %s", u.Package.Ecosystem, pkgLabel(u.Package), u.Reason))).
			AddLocation(packageLocation(u.Package, m.kindOf(u.Package))))
	}
	if len(notes) > 0 || m.v != nil {
		inv := sarif.NewInvocation().WithExecutionSuccessful(true)
		for _, n := range notes {
			inv.AddToolExecutionNotification(n)
		}
		run.AddInvocation(inv)
	}
	if v := m.v; v != nil {
		verdict := "FAIL"
		if v.Pass {
			verdict = "PASS"
		}
		run.WithProperties(sarif.NewPropertyBag().
			Add("fnguard/verdict", verdict).
			Add("fnguard/policy", v.Policy.Label()).
			Add("fnguard/reasons", strs(v.Reasons)).
			Add("fnguard/notes", strs(v.Notes)))
	}
	log := sarif.NewReport()
	log.Schema = sarifSchema // go-sarif's default is the GitHub copy of the schema
	log.Version = sarifVersion
	return log.AddRun(run)
}

// sarifRuleFor fills in rule, the run's rule for the advisory its findings
// share.
func sarifRuleFor(rule *sarif.ReportingDescriptor, its []item) {
	f := its[0].f
	sev := severityOf(f)
	score := f.Score
	for _, it := range its[1:] {
		if s := severityOf(it.f); osv.SeverityRank(s) < osv.SeverityRank(sev) {
			sev = s
		}
		if it.f.Score > score {
			score = it.f.Score
		}
	}
	short := f.Summary
	if short == "" {
		short = f.ID
	}
	full := details(f)
	if full == "" {
		full = short
	}
	tags := []string{"security", "vulnerability", sev}
	if f.Malicious {
		tags = append(tags, "malicious")
	}
	tags = append(tags, f.CWEs...)
	secSev := securitySeverityFor[sev]
	if score > 0 {
		secSev = strconv.FormatFloat(score, 'f', 1, 64)
	}
	props := sarif.NewPropertyBag().
		WithTags(tags).
		Add("security-severity", secSev).
		Add("precision", "high")
	if len(f.Aliases) > 0 {
		props.Add("aliases", strs(f.Aliases))
	}
	rule.WithName(f.ID).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(truncate(short, 1024))).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(truncate(full, 4000))).
		WithHelp(sarifHelp(f, full)).
		WithHelpURI(osvURL(f.ID)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(severityLevel(sev))).
		WithProperties(props)
}

// sarifHelp is the rule's help: the advisory text, the fix and references,
// as plain text and Markdown (GitHub shows the Markdown).
func sarifHelp(f *vulndb.Finding, full string) *sarif.MultiformatMessageString {
	var t, md strings.Builder
	t.WriteString(truncate(full, 8000))
	md.WriteString(truncate(full, 8000))
	if len(f.Fixed) > 0 {
		fmt.Fprintf(&t, "\n\nFixed in: %s", strings.Join(fixedVersions(f), ", "))
		fmt.Fprintf(&md, "\n\n**Fixed in:** %s", strings.Join(fixedVersions(f), ", "))
	} else {
		t.WriteString("\n\nNo fixed version is known.")
		md.WriteString("\n\n**No fixed version is known.**")
	}
	if len(f.Aliases) > 0 {
		fmt.Fprintf(&t, "\nAliases: %s", strings.Join(f.Aliases, ", "))
		fmt.Fprintf(&md, "\n\n**Aliases:** %s", strings.Join(f.Aliases, ", "))
	}
	t.WriteString("\n\nReferences:\n" + osvURL(f.ID))
	md.WriteString("\n\n**References:**\n\n- " + osvURL(f.ID))
	refs := f.References
	if len(refs) > 20 {
		refs = refs[:20]
	}
	for _, r := range refs {
		t.WriteString("\n" + r)
		md.WriteString("\n- " + r)
	}
	return sarif.NewMultiformatMessageString().WithText(t.String()).WithMarkdown(md.String())
}

// severityLevel is a rule's default level: what the advisory alone implies.
func severityLevel(sev string) string {
	switch sev {
	case osv.SeverityCritical, osv.SeverityHigh:
		return sarif.LevelError
	case osv.SeverityLow:
		return sarif.LevelNote
	}
	return sarif.LevelWarning
}

// resultLevel is what the gate made of one finding: blocking is an error
// whatever the severity; a Go finding whose vulnerable symbols are not in
// the binary is a note; anything else that does not block (below the
// threshold, ignored, in the baseline) is at most a warning, so the code
// scanning check fails exactly when the gate does.
func resultLevel(it item) string {
	switch {
	case it.d.Blocking:
		return sarif.LevelError
	case unreachable(it.f):
		return sarif.LevelNote
	case severityOf(it.f) == osv.SeverityLow:
		return sarif.LevelNote
	}
	return sarif.LevelWarning
}

func sarifResultFor(it item, rule int, kind string) *sarif.Result {
	f, d, p := it.f, it.d, it.f.Package
	msg := fmt.Sprintf("%s %s in %s is affected by %s", p.Ecosystem, pkgLabel(p), p.Artifact, f.ID)
	if f.Summary != "" {
		msg += ": " + f.Summary
	}
	msg += "."
	if len(f.Fixed) > 0 {
		msg += " Fixed in " + strings.Join(fixedVersions(f), ", ") + "."
	} else {
		msg += " No fixed version."
	}
	if f.Malicious {
		msg += " Malicious package: treat the environment that installed it as compromised."
	}
	if d.Highlight {
		msg += " SQL injection in an ORM or database driver."
	}
	if unreachable(f) {
		msg += " Vulnerable symbols are not linked into the binary (unreachable)."
	}
	if len(d.Why) > 0 {
		msg += " Gate: " + strings.Join(d.Why, "; ") + "."
	}
	r := sarif.NewRuleResult(f.ID).
		WithRuleIndex(rule).
		WithLevel(resultLevel(it)).
		WithMessage(sarif.NewTextMessage(msg)).
		AddLocation(packageLocation(p, kind)).
		WithPartialFingerprints(map[string]string{fingerprintKey: fingerprint(f.ID, p)})
	if d.Ignored {
		just := d.IgnoreReason
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			just = strings.TrimSpace(just + " (fnguard ignore until " + dt + ")")
		}
		r.AddSuppression(sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(just))
	}
	if d.VEXState != "" {
		just := vexLabel(d)
		if d.VEXDetail != "" {
			just += ": " + d.VEXDetail
		}
		r.AddSuppression(sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(just + " (" + d.VEXSource + ")"))
	}
	props := sarif.NewPropertyBag().
		Add("package", pkgRef(p)).
		Add("severity", severityOf(f)).
		Add("blocking", d.Blocking)
	if f.Score > 0 {
		props.Add("score", f.Score)
	}
	if f.Reachable != nil {
		props.Add("reachable", *f.Reachable)
	}
	if d.InBaseline {
		props.Add("baseline", true)
	}
	if d.Highlight {
		props.Add("highlight", true)
	}
	return r.WithProperties(props)
}

// fingerprint identifies a finding across runs: advisory, package and the
// artifact it was found in. The artifact is part of it because the same
// package in a function and in its layer is two alerts that are fixed
// separately; one fingerprint would let code scanning merge them.
func fingerprint(id string, p *lockfiles.Package) string {
	sum := sha256.Sum256([]byte(id + "|" + bomRef(p) + "|" + p.Artifact))
	return hex.EncodeToString(sum[:16])
}

// packageLocation places a package for code scanning, which needs a
// relative path (or a file URI) in artifactLocation.uri and shows a line:
//
//   - lockfile and SBOM inputs: the file itself;
//   - a directory: the manifest inside it (directory + location), a real
//     file of the repository; for a member of an archive inside the
//     directory ("lib/app.jar!/META-INF/..."), the archive;
//   - a function or layer zip: the zip, since a member of an archive has
//     no URI code scanning can open.
//
// Whatever stays inside an archive is given as a logical location
// ("function.zip!/node_modules/x/package.json") and in the location's
// message. The region is line 1: manifests are matched by name, not by
// line, and code scanning needs a line to show an alert. Absolute input
// paths become file:// URIs, which code scanning accepts only under the
// checkout, so CI should pass paths relative to the repository root.
func packageLocation(p *lockfiles.Package, kind string) *sarif.Location {
	member := ""
	if len(p.Locations) > 0 {
		member = p.Locations[0]
	}
	switch kind {
	case lockfiles.KindLockfile, lockfiles.KindSBOM:
		member = ""
	case lockfiles.KindDirectory:
		return dirMemberLocation(p, member)
	}
	return memberLocation(p, p.Artifact, member)
}

// dirMemberLocation locates evidence below a folder artifact: the file on
// disk, and what lies inside an archive there as a logical location.
func dirMemberLocation(p *lockfiles.Package, member string) *sarif.Location {
	if member == "" {
		return memberLocation(p, p.Artifact, "")
	}
	outer, inner, _ := strings.Cut(member, "!/")
	return memberLocation(p, path.Join(filepath.ToSlash(p.Artifact), outer), inner)
}

// memberLocation is file at line 1, with member (inside the file, an
// archive) as a logical location and in the message.
func memberLocation(p *lockfiles.Package, file, member string) *sarif.Location {
	loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(fileURI(file))).
		WithRegion(sarif.NewRegion().WithStartLine(1)))
	if member != "" {
		loc.AddLogicalLocation(sarif.NewLogicalLocation().WithName(member).WithFullyQualifiedName(file + "!/" + member))
		loc.WithMessage(sarif.NewTextMessage(fmt.Sprintf("%s %s: %s in %s", p.Ecosystem, pkgLabel(p), member, file)))
	}
	return loc
}

// fileURI turns an input path into a SARIF URI: relative paths stay
// relative (cleaned, forward slashes, percent-encoded), absolute ones become
// file:// URIs.
func fileURI(p string) string {
	s := filepath.ToSlash(p)
	if filepath.IsAbs(p) || path.IsAbs(s) {
		return (&url.URL{Scheme: "file", Path: path.Clean(s)}).String()
	}
	s = strings.TrimPrefix(path.Clean(s), "./")
	if s == "." || s == "" {
		s = "."
	}
	return (&url.URL{Path: s}).String()
}
