package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fnguard/fnguard/lockfiles"
	"github.com/fnguard/fnguard/vulndb"
	"github.com/fnguard/fnguard/vulndb/osv"
)

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
	enc := json.NewEncoder(w)
	// Summaries and messages quote code ("<script>", "&&"); escaping them
	// would only make the file harder to read.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(buildSARIF(m, opts))
}

func buildSARIF(m *model, opts Options) *sarifLog {
	run := sarifRun{
		Results: []sarifResult{},
		Tool: sarifTool{Driver: sarifDriver{
			Contents:       []string{"localizedData", "nonLocalizedData"},
			InformationURI: toolInfoURI,
			Name:           "fnguard",
			Version:        opts.ToolVersion,
		}},
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
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(byID[id]))
	}
	var appRes []appResult
	var appIndex map[string]int
	isBlast := func(r appResult) bool { return r.rule == ruleBlastRadius }
	if m.app != nil {
		appRes = appResults(m)
		appIndex = addAppRules(&run, appRes)
		addAppResults(&run, appRes, appIndex, isBlast)
	}
	for _, it := range m.items {
		p := it.f.Package
		if m.app == nil {
			run.Results = append(run.Results, sarifResultFor(it, ruleIndex[it.f.ID], packageLocation(p, m.kindOf(p))))
			continue
		}
		r := sarifResultFor(it, ruleIndex[it.f.ID], m.app.packageLocation(p, m.kindOf(p)))
		if ids := m.functionIDs(p); len(ids) > 0 {
			r.Properties["functions"] = ids
		}
		if it.d.BlastRadius {
			r.Properties["blastRadius"] = true
		}
		run.Results = append(run.Results, r)
	}
	if m.app != nil {
		addAppResults(&run, appRes, appIndex, func(r appResult) bool { return !isBlast(r) })
	}
	var notes []sarifNotification
	for _, u := range m.unc {
		level := levelWarning
		if m.v != nil && m.v.UncheckedBlocking {
			level = levelError
		}
		notes = append(notes, sarifNotification{
			Level:     level,
			Locations: []sarifLocation{packageLocation(u.Package, m.kindOf(u.Package))},
			Message:   sarifMessage{Text: fmt.Sprintf("%s %s could not be checked (never reported clean): %s", u.Package.Ecosystem, pkgLabel(u.Package), u.Reason)},
		})
	}
	if len(notes) > 0 || m.v != nil {
		run.Invocations = []sarifInvocation{{ExecutionSuccessful: true, ToolExecutionNotifications: notes}}
	}
	if v := m.v; v != nil {
		verdict := "FAIL"
		if v.Pass {
			verdict = "PASS"
		}
		run.Properties = sarifProperties{"fnguard/verdict": verdict, "fnguard/policy": v.Policy.Label()}
		if len(v.Reasons) > 0 {
			run.Properties["fnguard/reasons"] = v.Reasons
		}
		if len(v.Notes) > 0 {
			run.Properties["fnguard/notes"] = v.Notes
		}
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

// sarifRuleFor is the run's rule for the advisory its findings share.
func sarifRuleFor(its []item) sarifRule {
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
	props := sarifProperties{"tags": tags, "security-severity": secSev, "precision": "high"}
	if len(f.Aliases) > 0 {
		props["aliases"] = f.Aliases
	}
	return sarifRule{
		DefaultConfiguration: sarifConfiguration{Level: severityLevel(sev)},
		FullDescription:      sarifMessage{Text: truncate(full, 4000)},
		Help:                 sarifHelp(f, full),
		HelpURI:              osvURL(f.ID),
		ID:                   f.ID,
		Name:                 f.ID,
		Properties:           props,
		ShortDescription:     sarifMessage{Text: truncate(short, 1024)},
	}
}

// sarifHelp is the rule's help: the advisory text, the fix and references,
// as plain text and Markdown (GitHub shows the Markdown).
func sarifHelp(f *vulndb.Finding, full string) sarifMessage {
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
	return sarifMessage{Markdown: md.String(), Text: t.String()}
}

// severityLevel is a rule's default level: what the advisory alone implies.
func severityLevel(sev string) string {
	switch sev {
	case osv.SeverityCritical, osv.SeverityHigh:
		return levelError
	case osv.SeverityLow:
		return levelNote
	}
	return levelWarning
}

// resultLevel is what the gate made of one finding: blocking is an error
// whatever the severity; a Go finding whose vulnerable symbols are not in
// the binary is a note; anything else that does not block (below the
// threshold, ignored, in the baseline) is at most a warning, so the code
// scanning check fails exactly when the gate does.
func resultLevel(it item) string {
	switch {
	case it.d.Blocking:
		return levelError
	case unreachable(it.f):
		return levelNote
	case severityOf(it.f) == osv.SeverityLow:
		return levelNote
	}
	return levelWarning
}

func sarifResultFor(it item, rule int, loc sarifLocation) sarifResult {
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
	r := sarifResult{
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f.ID, p)},
		Level:               resultLevel(it),
		Locations:           []sarifLocation{loc},
		Message:             sarifMessage{Text: msg},
		Properties:          sarifProperties{"package": pkgRef(p), "severity": severityOf(f), "blocking": d.Blocking},
		RuleID:              f.ID,
		RuleIndex:           rule,
	}
	if d.Ignored {
		just := d.IgnoreReason
		if dt := ignoreDate(d.IgnoreExpires); dt != "" {
			just = strings.TrimSpace(just + " (fnguard ignore until " + dt + ")")
		}
		r.Suppressions = append(r.Suppressions, acceptedSuppression(just))
	}
	if d.VEXState != "" {
		just := vexLabel(d)
		if d.VEXDetail != "" {
			just += ": " + d.VEXDetail
		}
		r.Suppressions = append(r.Suppressions, acceptedSuppression(just+" ("+d.VEXSource+")"))
	}
	if f.Score > 0 {
		r.Properties["score"] = f.Score
	}
	if f.Reachable != nil {
		r.Properties["reachable"] = *f.Reachable
	}
	if d.InBaseline {
		r.Properties["baseline"] = true
	}
	if d.Highlight {
		r.Properties["highlight"] = true
	}
	return r
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
func packageLocation(p *lockfiles.Package, kind string) sarifLocation {
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
func dirMemberLocation(p *lockfiles.Package, member string) sarifLocation {
	if member == "" {
		return memberLocation(p, p.Artifact, "")
	}
	outer, inner, _ := strings.Cut(member, "!/")
	return memberLocation(p, path.Join(filepath.ToSlash(p.Artifact), outer), inner)
}

// memberLocation is file at line 1, with member (inside the file, an
// archive) as a logical location and in the message.
func memberLocation(p *lockfiles.Package, file, member string) sarifLocation {
	loc := fileLocation(fileURI(file), 1)
	if member != "" {
		loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: file + "!/" + member, Name: member}}
		loc.Message = &sarifMessage{Text: fmt.Sprintf("%s %s: %s in %s", p.Ecosystem, pkgLabel(p), member, file)}
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
